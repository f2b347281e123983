import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../application/clock.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import { utcMs, utcMsOrNull } from '../instants.js';
import { PAGE_LIMITS, decodeCursor, pageOf } from '../paging.js';
import type { ListNeighbourhoodsQueryDto, NeighbourhoodListDto } from './list-neighbourhoods.dto.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader, questionInstants } from './neighbourhood-control.reader.js';

export class ListNeighbourhoodsQuery extends Query<NeighbourhoodListDto> {
  constructor(readonly query: ListNeighbourhoodsQueryDto) {
    super();
  }
}

/** A page of the neighbourhoods (of a city), each with its control summary at asOf, as known at knownAt. */
@QueryHandler(ListNeighbourhoodsQuery)
export class ListNeighbourhoodsHandler implements IQueryHandler<ListNeighbourhoodsQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ query }: ListNeighbourhoodsQuery): Promise<NeighbourhoodListDto> {
    const limit = query.limit ?? PAGE_LIMITS.defaultItems;
    const afterId = query.cursor === undefined ? '' : (decodeCursor(query.cursor, ['string'])[0] as string);
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const time = questionInstants(query.asOf, query.knownAt, this.clock.now());
      const reader = new NeighbourhoodControlReader(db);
      const actors = reader.actors();
      // One more than the page tells whether another page follows.
      const rows = reader.neighbourhoodsAfter(time.knownAtMs, afterId, limit + 1, query.city);
      const page = pageOf(
        rows,
        limit,
        (neighbourhood) => {
          const { summary } = reader.control(neighbourhood, time, actors);
          return {
            id: neighbourhood.id,
            name: neighbourhood.name,
            nameAr: neighbourhood.nameAr,
            city: neighbourhood.city,
            majorityController: summary.majorityController,
            shares: summary.shares,
            contestedPositions: summary.contestedPositions,
            lastEventAt: utcMsOrNull(reader.lastEventAt(neighbourhood.id, time)),
          };
        },
        (neighbourhood) => [neighbourhood.id],
      );
      return { ...page, asOf: utcMs(time.asOf), knownAt: utcMs(time.knownAt), position };
    });
  }
}
