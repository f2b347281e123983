import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import type { AddPositions } from '../../domain/index.js';

export class AddPositionsCommand extends Command<CommandResult> {
  constructor(
    readonly command: AddPositions,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(AddPositionsCommand)
export class AddPositionsHandler implements ICommandHandler<AddPositionsCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ command, metadata }: AddPositionsCommand): Promise<CommandResult> {
    return this.pipeline.handleNeighbourhoodCommand(command, metadata);
  }
}
