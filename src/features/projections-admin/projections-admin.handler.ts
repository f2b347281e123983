import { Command, CommandHandler, type ICommandHandler, type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { ProjectionEngine, UnknownProjectionError } from '../../projections/projection-engine.js';
import type { ProjectionStatusDto, RebuildAcceptedDto } from './projections-admin.dto.js';

export class ListProjectionsQuery extends Query<ProjectionStatusDto[]> {}

@QueryHandler(ListProjectionsQuery)
export class ListProjectionsHandler implements IQueryHandler<ListProjectionsQuery> {
  constructor(private readonly projections: ProjectionEngine) {}

  execute(): Promise<ProjectionStatusDto[]> {
    return this.projections.status();
  }
}

export class RebuildProjectionCommand extends Command<RebuildAcceptedDto> {
  constructor(readonly name: string) {
    super();
  }
}

@CommandHandler(RebuildProjectionCommand)
export class RebuildProjectionHandler implements ICommandHandler<RebuildProjectionCommand> {
  constructor(private readonly projections: ProjectionEngine) {}

  async execute({ name }: RebuildProjectionCommand): Promise<RebuildAcceptedDto> {
    try {
      const ticket = this.projections.rebuild(name);
      return {
        name: ticket.name,
        status: 'rebuilding',
        generation: ticket.generation,
        version: ticket.version,
        alreadyRunning: ticket.alreadyRunning,
      };
    } catch (error) {
      if (error instanceof UnknownProjectionError) {
        throw new ApplicationError('PROJECTION_NOT_FOUND', error.message, [{ projection: name }]);
      }
      throw error;
    }
  }
}
