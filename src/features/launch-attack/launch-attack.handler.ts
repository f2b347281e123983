import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import type { LaunchAttack } from '../../domain/index.js';

export class LaunchAttackCommand extends Command<CommandResult> {
  constructor(
    readonly command: LaunchAttack,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(LaunchAttackCommand)
export class LaunchAttackHandler implements ICommandHandler<LaunchAttackCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ command, metadata }: LaunchAttackCommand): Promise<CommandResult> {
    return this.pipeline.handleNeighbourhoodCommand(command, metadata);
  }
}
