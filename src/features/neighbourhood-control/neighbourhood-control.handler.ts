import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../application/clock.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader, questionInstants } from './neighbourhood-control.reader.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import type { NeighbourhoodControlDto } from './neighbourhood-control.dto.js';

export class NeighbourhoodControlQuery extends Query<NeighbourhoodControlDto> {
  constructor(
    readonly neighbourhoodId: string,
    /** ISO 8601 instants, already validated; undefined means now. */
    readonly asOf?: string,
    readonly knownAt?: string,
    readonly minPosition?: number,
  ) {
    super();
  }
}

/** Who held each position of a neighbourhood at asOf, as known at knownAt. */
@QueryHandler(NeighbourhoodControlQuery)
export class NeighbourhoodControlHandler implements IQueryHandler<NeighbourhoodControlQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(query: NeighbourhoodControlQuery): Promise<NeighbourhoodControlDto> {
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const time = questionInstants(query.asOf, query.knownAt, this.clock.now());
      const { asOf, knownAt } = time;
      const reader = new NeighbourhoodControlReader(db);
      const neighbourhood = reader.requireNeighbourhood(query.neighbourhoodId, time);
      const { positions, summary } = reader.control(neighbourhood, time, reader.actors());
      return {
        neighbourhoodId: neighbourhood.id,
        asOf,
        knownAt,
        positions: positions.map((p) => ({
          id: p.id,
          name: p.name,
          controller: p.controller,
          since: p.since,
          contested: p.contested,
          eventId: p.eventId,
        })),
        shares: summary.shares,
        sideShares: summary.sideShares,
        majorityController: summary.majorityController,
        contestedPositions: summary.contestedPositions,
        position,
      };
    });
  }
}
