import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import type { Retreat } from '../../domain/index.js';

export class RetreatCommand extends Command<CommandResult> {
  constructor(
    readonly command: Retreat,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(RetreatCommand)
export class RetreatHandler implements ICommandHandler<RetreatCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ command, metadata }: RetreatCommand): Promise<CommandResult> {
    return this.pipeline.handleNeighbourhoodCommand(command, metadata);
  }
}
