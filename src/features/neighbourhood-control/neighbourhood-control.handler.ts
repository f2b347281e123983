import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../application/clock.js';
import { ProjectionEngine } from '../../projections/index.js';
import type { NeighbourhoodControlDto, PerspectiveDto } from './neighbourhood-control.dto.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader, type Perspective, questionInstants } from './neighbourhood-control.reader.js';

export class NeighbourhoodControlQuery extends Query<NeighbourhoodControlDto> {
  constructor(
    readonly neighbourhoodId: string,
    /** ISO 8601 instants, already validated; undefined means now. */
    readonly asOf: string | undefined,
    readonly knownAt: string | undefined,
    /** Normalised perspective parameters, when the request gave any. */
    readonly perspective: PerspectiveDto | undefined,
    /** Admins see protected sources; only they match one by name. */
    readonly admin: boolean,
    readonly minPosition?: number,
  ) {
    super();
  }
}

/** Who held each position of a neighbourhood at asOf, as known at knownAt, in the default view or a perspective. */
@QueryHandler(NeighbourhoodControlQuery)
export class NeighbourhoodControlHandler implements IQueryHandler<NeighbourhoodControlQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(query: NeighbourhoodControlQuery): Promise<NeighbourhoodControlDto> {
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const time = questionInstants(query.asOf, query.knownAt, this.clock.now());
      const reader = new NeighbourhoodControlReader(db);
      const neighbourhood = reader.requireNeighbourhood(query.neighbourhoodId, time);
      const perspective = query.perspective === undefined ? undefined : toPerspective(query.perspective, query.admin);
      const { positions, summary, skipped } = reader.control(neighbourhood, time, reader.actors(), perspective);
      return {
        neighbourhoodId: neighbourhood.id,
        asOf: time.asOf,
        knownAt: time.knownAt,
        positions: positions.map((p) => ({
          id: p.id,
          name: p.name,
          controller: p.controller,
          since: p.since,
          contested: p.contested,
          contestedBy: [...p.contestedBy],
          eventId: p.eventId,
          evidence: p.evidence,
        })),
        shares: summary.shares,
        sideShares: summary.sideShares,
        majorityController: summary.majorityController,
        contestedPositions: summary.contestedPositions,
        ...(query.perspective !== undefined && { perspective: query.perspective, skipped: [...skipped] }),
        position,
      };
    });
  }
}

export function toPerspective(parameters: PerspectiveDto, admin: boolean): Perspective {
  return {
    ...(parameters.reportedBy !== undefined && { reportedByMs: Date.parse(parameters.reportedBy) }),
    ...(parameters.status !== undefined && { status: parameters.status }),
    ...(parameters.minReliability !== undefined && { minReliability: parameters.minReliability }),
    ...(parameters.minCredibility !== undefined && { minCredibility: parameters.minCredibility }),
    ...(parameters.source !== undefined && { source: parameters.source }),
    claims: parameters.claims,
    matchProtected: admin,
  };
}
