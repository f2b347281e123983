import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import type { RegisterActor } from '../../domain/index.js';

export class RegisterActorCommand extends Command<CommandResult> {
  constructor(
    readonly command: RegisterActor,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(RegisterActorCommand)
export class RegisterActorHandler implements ICommandHandler<RegisterActorCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ command, metadata }: RegisterActorCommand): Promise<CommandResult> {
    return this.pipeline.registerActor(command, metadata);
  }
}
