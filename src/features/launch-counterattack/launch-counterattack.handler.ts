import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import type { LaunchCounterattack } from '../../domain/index.js';

export class LaunchCounterattackCommand extends Command<CommandResult> {
  constructor(
    readonly command: LaunchCounterattack,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(LaunchCounterattackCommand)
export class LaunchCounterattackHandler implements ICommandHandler<LaunchCounterattackCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ command, metadata }: LaunchCounterattackCommand): Promise<CommandResult> {
    return this.pipeline.handleNeighbourhoodCommand(command, metadata);
  }
}
