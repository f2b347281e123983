import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import { PAGE_LIMITS, decodeCursor, pageOf } from '../paging.js';
import { ACTORS } from './actors.read-model.js';
import { listActors } from './actors.reader.js';
import type { ActorListDto, ListActorsQueryDto } from './list-actors.dto.js';

export class ListActorsQuery extends Query<ActorListDto> {
  constructor(readonly query: ListActorsQueryDto = {}) {
    super();
  }
}

/** A page of the actor registry, by id. */
@QueryHandler(ListActorsQuery)
export class ListActorsHandler implements IQueryHandler<ListActorsQuery> {
  constructor(private readonly projections: ProjectionEngine) {}

  execute({ query }: ListActorsQuery): Promise<ActorListDto> {
    const limit = query.limit ?? PAGE_LIMITS.defaultItems;
    const afterId = query.cursor === undefined ? '' : (decodeCursor(query.cursor, ['string'])[0] as string);
    return this.projections.read(ACTORS, query.minPosition, ({ db, position }) => {
      // One more than the page tells whether another page follows.
      const page = pageOf(listActors(db, afterId, limit + 1), limit, (actor) => actor, (actor) => [actor.id]);
      return { ...page, position };
    });
  }
}
