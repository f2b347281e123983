import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type BatchCommand, type BatchOutcome, CommandPipeline } from '../../application/command-pipeline.js';

export class RunBatchCommand extends Command<BatchOutcome[]> {
  constructor(readonly commands: readonly BatchCommand[]) {
    super();
  }
}

@CommandHandler(RunBatchCommand)
export class RunBatchHandler implements ICommandHandler<RunBatchCommand> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ commands }: RunBatchCommand): Promise<BatchOutcome[]> {
    return this.pipeline.handleBatch(commands);
  }
}
