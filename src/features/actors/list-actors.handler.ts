import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ACTORS } from './actors.read-model.js';
import { listActors } from './actors.reader.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import type { ActorListDto } from './list-actors.dto.js';

export class ListActorsQuery extends Query<ActorListDto> {
  constructor(readonly minPosition?: number) {
    super();
  }
}

@QueryHandler(ListActorsQuery)
export class ListActorsHandler implements IQueryHandler<ListActorsQuery> {
  constructor(private readonly projections: ProjectionEngine) {}

  execute(query: ListActorsQuery): Promise<ActorListDto> {
    return this.projections.read(ACTORS, query.minPosition, ({ db, position }) => ({ items: listActors(db), position }));
  }
}
