import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { CLOCK, type Clock } from '../../application/clock.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader, questionInstants } from './neighbourhood-control.reader.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import type { ActorHoldingsDto, NeighbourhoodHoldingDto } from './actor-holdings.dto.js';

export class ActorHoldingsQuery extends Query<ActorHoldingsDto> {
  constructor(
    readonly actorId: string,
    readonly asOf?: string,
    readonly knownAt?: string,
    readonly minPosition?: number,
  ) {
    super();
  }
}

/** The positions an actor held at asOf across the city, grouped by neighbourhood. */
@QueryHandler(ActorHoldingsQuery)
export class ActorHoldingsHandler implements IQueryHandler<ActorHoldingsQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(query: ActorHoldingsQuery): Promise<ActorHoldingsDto> {
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const time = questionInstants(query.asOf, query.knownAt, this.clock.now());
      const { asOf, knownAt } = time;
      const reader = new NeighbourhoodControlReader(db);
      const actor = reader.actor(query.actorId, time.knownAtMs);
      if (actor === undefined) {
        throw new ApplicationError('ACTOR_UNKNOWN', `no actor ${query.actorId} known at ${knownAt}`, [{ actorId: query.actorId }]);
      }
      const actors = reader.actors();
      const items: NeighbourhoodHoldingDto[] = [];
      // Every position of the city is one seek: the cost follows the size of the map, not of the history.
      for (const neighbourhood of reader.neighbourhoods(time.knownAtMs)) {
        const { positions, summary } = reader.control(neighbourhood, time, actors);
        const held = positions.filter((p) => p.controller === actor.id);
        if (held.length === 0) continue;
        items.push({
          neighbourhoodId: neighbourhood.id,
          name: neighbourhood.name,
          nameAr: neighbourhood.nameAr,
          city: neighbourhood.city,
          positions: held.map((p) => ({
            id: p.id,
            name: p.name,
            nameAr: p.nameAr,
            kind: p.kind,
            weight: p.weight,
            since: p.since!,
            eventId: p.eventId,
            contested: p.contested,
            contestedBy: [...p.contestedBy],
            evidence: p.evidence,
          })),
          share: summary.shares[actor.id] ?? 0,
          majority: summary.majorityController === actor.id,
        });
      }
      return { actorId: actor.id, name: actor.name, side: actor.side, asOf, knownAt, items, position };
    });
  }
}
