import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import type { CapturePosition } from '../../domain/index.js';

export class CapturePositionCommand extends Command<CommandResult> {
  constructor(
    readonly command: CapturePosition,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(CapturePositionCommand)
export class CapturePositionHandler implements ICommandHandler<CapturePositionCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ command, metadata }: CapturePositionCommand): Promise<CommandResult> {
    return this.pipeline.handleNeighbourhoodCommand(command, metadata);
  }
}
