import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import type { AssessReport } from '../../domain/index.js';

export class AssessReportCommand extends Command<CommandResult> {
  constructor(
    readonly command: AssessReport,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(AssessReportCommand)
export class AssessReportHandler implements ICommandHandler<AssessReportCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ command, metadata }: AssessReportCommand): Promise<CommandResult> {
    return this.pipeline.handleNeighbourhoodCommand(command, metadata);
  }
}
