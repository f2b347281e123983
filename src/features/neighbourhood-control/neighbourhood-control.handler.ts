import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../application/clock.js';
import { ProjectionEngine } from '../../projections/index.js';
import { HeavyQueries } from '../exports/heavy-queries.js';
import { utcMs, utcMsOrNull } from '../instants.js';
import type { NeighbourhoodControlDto, PerspectiveDto, PositionControlDto } from './neighbourhood-control.dto.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { type ActorRecord, NeighbourhoodControlReader, type Perspective, type PositionControl, questionInstants } from './neighbourhood-control.reader.js';

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

/**
 * Who held each position of a neighbourhood at asOf, as known at knownAt, in the default view or a
 * perspective. A perspective folds the neighbourhood's history: it is a heavy query.
 */
@QueryHandler(NeighbourhoodControlQuery)
export class NeighbourhoodControlHandler implements IQueryHandler<NeighbourhoodControlQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    private readonly heavyQueries: HeavyQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(query: NeighbourhoodControlQuery): Promise<NeighbourhoodControlDto> {
    if (query.perspective === undefined) return this.answer(query);
    return this.heavyQueries.run('the perspective', () => this.answer(query));
  }

  private answer(query: NeighbourhoodControlQuery): Promise<NeighbourhoodControlDto> {
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const time = questionInstants(query.asOf, query.knownAt, this.clock.now());
      const reader = new NeighbourhoodControlReader(db);
      const neighbourhood = reader.requireNeighbourhood(query.neighbourhoodId, time);
      const perspective = query.perspective === undefined ? undefined : toPerspective(query.perspective, query.admin);
      const actors = reader.actors();
      const { positions, summary, skipped } = reader.control(neighbourhood, time, actors, perspective);
      return {
        neighbourhoodId: neighbourhood.id,
        asOf: utcMs(time.asOf),
        knownAt: utcMs(time.knownAt),
        positions: positions.map((p) => positionAnswer(p, actors)),
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

/** A position as `/control` shows it: as registered, and as it stood. */
export function positionAnswer(p: PositionControl, actors: ReadonlyMap<string, ActorRecord>): PositionControlDto {
  return {
    id: p.id,
    name: p.name,
    nameAr: p.nameAr,
    kind: p.kind as PositionControlDto['kind'],
    weight: p.weight,
    coordinates: p.coordinates === null ? null : [p.coordinates[0], p.coordinates[1]],
    area: p.area,
    controller: p.controller,
    controllerName: p.controller === null ? null : (actors.get(p.controller)?.name ?? null),
    since: utcMsOrNull(p.since),
    contested: p.contested,
    contestedBy: [...p.contestedBy],
    eventId: p.eventId,
    evidence: p.evidence,
    uncertain: p.uncertain,
  };
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
