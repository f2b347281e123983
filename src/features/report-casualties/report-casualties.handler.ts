import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMetadata, CommandResult } from '../../application/command-metadata.js';
import { CommandPipeline } from '../../application/command-pipeline.js';
import type { ReportCasualties } from '../../domain/index.js';

export class ReportCasualtiesCommand extends Command<CommandResult> {
  constructor(
    readonly command: ReportCasualties,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(ReportCasualtiesCommand)
export class ReportCasualtiesHandler implements ICommandHandler<ReportCasualtiesCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ command, metadata }: ReportCasualtiesCommand): Promise<CommandResult> {
    return this.pipeline.handleNeighbourhoodCommand(command, metadata);
  }
}
