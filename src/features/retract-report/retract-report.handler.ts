import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import type { RetractReport } from '../../domain/index.js';

export class RetractReportCommand extends Command<CommandResult> {
  constructor(
    readonly command: RetractReport,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(RetractReportCommand)
export class RetractReportHandler implements ICommandHandler<RetractReportCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ command, metadata }: RetractReportCommand): Promise<CommandResult> {
    return this.pipeline.handleNeighbourhoodCommand(command, metadata);
  }
}
