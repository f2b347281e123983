import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { CLOCK, type Clock } from '../../application/clock.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import { utcMs } from '../instants.js';
import { PAGE_LIMITS, decodeCursor, pageOf } from '../paging.js';
import type { ActorHoldingsDto, ActorHoldingsQueryDto, HeldPositionDto, NeighbourhoodHoldingDto } from './actor-holdings.dto.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader, type NeighbourhoodRecord, questionInstants } from './neighbourhood-control.reader.js';

export class ActorHoldingsQuery extends Query<ActorHoldingsDto> {
  constructor(
    readonly actorId: string,
    readonly query: ActorHoldingsQueryDto = {},
  ) {
    super();
  }
}

interface Held {
  readonly neighbourhood: NeighbourhoodRecord;
  readonly share: number;
  readonly majority: boolean;
  readonly position: HeldPositionDto;
  readonly key: readonly [string, number, number];
}

/**
 * A page of the positions an actor held at asOf across the city, grouped by neighbourhood. Pages
 * follow (neighbourhood id, order of the positions in the neighbourhood).
 */
@QueryHandler(ActorHoldingsQuery)
export class ActorHoldingsHandler implements IQueryHandler<ActorHoldingsQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ actorId, query }: ActorHoldingsQuery): Promise<ActorHoldingsDto> {
    const limit = query.limit ?? PAGE_LIMITS.defaultItems;
    const cursor = query.cursor === undefined ? undefined : (decodeCursor(query.cursor, ['string', 'number', 'number']) as [string, number, number]);
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const time = questionInstants(query.asOf, query.knownAt, this.clock.now());
      const reader = new NeighbourhoodControlReader(db);
      const actor = reader.actor(actorId, time.knownAtMs);
      if (actor === undefined) {
        throw new ApplicationError('ACTOR_NOT_FOUND', `no actor ${actorId} known at ${utcMs(time.knownAt)}`, [{ actorId }]);
      }
      const actors = reader.actors();
      const held: Held[] = [];
      // The cursor's neighbourhood is read again, from the position after the cursor's.
      for (const neighbourhood of reader.neighbourhoodsFrom(time.knownAtMs, cursor?.[0])) {
        // Every position of the city is one seek: the cost follows the size of the map, not of the history.
        const { positions, summary } = reader.control(neighbourhood, time, actors);
        const share = summary.shares[actor.id] ?? 0;
        const majority = summary.majorityController === actor.id;
        for (const p of positions) {
          if (p.controller !== actor.id) continue;
          const key = [neighbourhood.id, p.order[0], p.order[1]] as const;
          if (cursor !== undefined && compareKeys(key, cursor) <= 0) continue;
          held.push({
            neighbourhood,
            share,
            majority,
            key,
            position: {
              id: p.id,
              name: p.name,
              nameAr: p.nameAr,
              kind: p.kind,
              weight: p.weight,
              since: utcMs(p.since!),
              eventId: p.eventId,
              contested: p.contested,
              contestedBy: [...p.contestedBy],
              evidence: p.evidence,
              uncertain: p.uncertain,
            },
          });
        }
        // One more than the page tells whether another page follows.
        if (held.length > limit) break;
      }
      const page = pageOf(held, limit, (entry) => entry, (entry) => entry.key);
      return {
        actorId: actor.id,
        name: actor.name,
        side: actor.side,
        asOf: utcMs(time.asOf),
        knownAt: utcMs(time.knownAt),
        items: groupByNeighbourhood(page.items),
        ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
        position,
      };
    });
  }
}

function compareKeys(a: readonly [string, number, number], b: readonly [string, number, number]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] !== b[1] ? a[1] - b[1] : a[2] - b[2];
}

function groupByNeighbourhood(held: readonly Held[]): NeighbourhoodHoldingDto[] {
  const items: NeighbourhoodHoldingDto[] = [];
  for (const entry of held) {
    const last = items.at(-1);
    if (last !== undefined && last.neighbourhoodId === entry.neighbourhood.id) {
      last.positions.push(entry.position);
      continue;
    }
    items.push({
      neighbourhoodId: entry.neighbourhood.id,
      name: entry.neighbourhood.name,
      nameAr: entry.neighbourhood.nameAr,
      city: entry.neighbourhood.city,
      positions: [entry.position],
      share: entry.share,
      majority: entry.majority,
    });
  }
  return items;
}
