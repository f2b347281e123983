import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { ProjectionEngine } from '../../projections/index.js';
import { PAGE_LIMITS, decodeCursor, encodeCursor } from '../paging.js';
import type { NeighbourhoodTimelineDto, TimelineItemDto, TimelineQueryDto } from './neighbourhood-timeline.dto.js';
import { NEIGHBOURHOOD_TIMELINE } from './neighbourhood-timeline.read-model.js';
import { NeighbourhoodTimelineReader, type TimelineEntry, type TimelineFilter } from './neighbourhood-timeline.reader.js';
import { timelineItem } from './timeline-item.js';

export class NeighbourhoodTimelineQuery extends Query<NeighbourhoodTimelineDto> {
  constructor(
    /** One neighbourhood; undefined for the timeline across neighbourhoods (of `query.city`, when given). */
    readonly neighbourhoodId: string | undefined,
    readonly query: TimelineQueryDto & { readonly city?: string },
    /** Admins see protected sources, and only they match one by name. */
    readonly admin: boolean,
  ) {
    super();
  }
}

/** A page of the timeline, one neighbourhood's or every neighbourhood's, filtered. */
@QueryHandler(NeighbourhoodTimelineQuery)
export class NeighbourhoodTimelineHandler implements IQueryHandler<NeighbourhoodTimelineQuery> {
  constructor(private readonly projections: ProjectionEngine) {}

  execute({ neighbourhoodId, query, admin }: NeighbourhoodTimelineQuery): Promise<NeighbourhoodTimelineDto> {
    const filter = timelineFilter(neighbourhoodId, query, admin);
    const limit = query.limit ?? PAGE_LIMITS.defaultItems;
    return this.projections.read(NEIGHBOURHOOD_TIMELINE, query.minPosition, ({ db, position }) => {
      const reader = new NeighbourhoodTimelineReader(db);
      if (neighbourhoodId !== undefined && !reader.hasNeighbourhood(neighbourhoodId)) {
        throw new ApplicationError('NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${neighbourhoodId}`);
      }
      const items: TimelineItemDto[] = [];
      let last: TimelineEntry | undefined;
      let more = false;
      let bytes = 0;
      // One more than the page tells whether another page follows.
      for (const entry of reader.eachEntry(filter, limit + 1)) {
        if (items.length === limit) {
          more = true;
          break;
        }
        const item = timelineItem(entry, admin) as TimelineItemDto;
        // Cut by size as it is read, as itemsWithinBytes would cut it built: nothing is read or built past the cut.
        bytes += Buffer.byteLength(JSON.stringify(item));
        if (items.length > 0 && bytes > PAGE_LIMITS.maxBytes) {
          more = true;
          break;
        }
        items.push(item);
        last = entry;
      }
      return {
        items,
        ...(more && last !== undefined && { nextCursor: encodeCursor([last.occurredAtMs, last.logPosition]) }),
        position,
      };
    });
  }
}

export function timelineFilter(neighbourhoodId: string | undefined, query: TimelineQueryDto & { readonly city?: string }, admin: boolean): TimelineFilter {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ['number', 'number']);
  return {
    ...(neighbourhoodId !== undefined && { neighbourhoodId }),
    ...(query.city !== undefined && { city: query.city }),
    ...(query.from !== undefined && { fromMs: Date.parse(query.from) }),
    ...(query.to !== undefined && { toMs: Date.parse(query.to) }),
    ...(query.type !== undefined && { types: query.type }),
    ...(query.actor !== undefined && { actor: query.actor }),
    ...(query.knownAt !== undefined && { knownAtMs: Date.parse(query.knownAt) }),
    ...(query.reportedBy !== undefined && { reportedByMs: Date.parse(query.reportedBy) }),
    ...(query.standing !== undefined && { standing: query.standing }),
    ...(query.status !== undefined && { status: query.status }),
    ...(query.source !== undefined && { source: query.source, matchProtected: admin }),
    ...(query.eventId !== undefined && { eventIds: query.eventId }),
    ...(after !== undefined && { after: { occurredAtMs: after[0] as number, logPosition: after[1] as number } }),
  };
}
