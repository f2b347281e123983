import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import type { RegisterNeighbourhood } from '../../domain/index.js';

export class RegisterNeighbourhoodCommand extends Command<CommandResult> {
  constructor(
    readonly command: RegisterNeighbourhood,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(RegisterNeighbourhoodCommand)
export class RegisterNeighbourhoodHandler implements ICommandHandler<RegisterNeighbourhoodCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ command, metadata }: RegisterNeighbourhoodCommand): Promise<CommandResult> {
    return this.pipeline.handleNeighbourhoodCommand(command, metadata);
  }
}
