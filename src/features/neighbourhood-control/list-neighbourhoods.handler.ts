import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../application/clock.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader } from './neighbourhood-control.reader.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import type { NeighbourhoodListDto } from './list-neighbourhoods.dto.js';

export class ListNeighbourhoodsQuery extends Query<NeighbourhoodListDto> {
  constructor(readonly minPosition?: number) {
    super();
  }
}

/** Every neighbourhood with its control summary now. */
@QueryHandler(ListNeighbourhoodsQuery)
export class ListNeighbourhoodsHandler implements IQueryHandler<ListNeighbourhoodsQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(query: ListNeighbourhoodsQuery): Promise<NeighbourhoodListDto> {
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const now = this.clock.now().getTime();
      const time = { asOfMs: now, knownAtMs: now };
      const reader = new NeighbourhoodControlReader(db);
      const actors = reader.actors();
      const items = reader.neighbourhoods(now).map((neighbourhood) => {
        const { summary } = reader.control(neighbourhood, time, actors);
        return {
          id: neighbourhood.id,
          name: neighbourhood.name,
          nameAr: neighbourhood.nameAr,
          city: neighbourhood.city,
          majorityController: summary.majorityController,
          shares: summary.shares,
          contestedPositions: summary.contestedPositions,
          lastEventAt: reader.lastEventAt(neighbourhood.id, now),
        };
      });
      return { items, position };
    });
  }
}
