import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { ProjectionEngine } from '../../projections/index.js';
import { PAGE_LIMITS, decodeCursor, pageOf } from '../paging.js';
import type { NeighbourhoodTimelineDto, TimelineFiltersDto, TimelineItemDto, TimelineQueryDto } from './neighbourhood-timeline.dto.js';
import { NEIGHBOURHOOD_TIMELINE } from './neighbourhood-timeline.read-model.js';
import { NeighbourhoodTimelineReader, type TimelineFilter } from './neighbourhood-timeline.reader.js';
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
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ['number', 'number']);
    const filter: TimelineFilter = {
      ...timelineFilter(neighbourhoodId, query, admin),
      ...(after !== undefined && { after: { occurredAtMs: after[0] as number, logPosition: after[1] as number } }),
    };
    const limit = query.limit ?? PAGE_LIMITS.defaultItems;
    return this.projections.read(NEIGHBOURHOOD_TIMELINE, query.minPosition, ({ db, position }) => {
      const reader = new NeighbourhoodTimelineReader(db);
      if (neighbourhoodId !== undefined) requireNeighbourhood(reader, neighbourhoodId);
      // One more than the page tells whether another page follows.
      const entries = reader.entries(filter, limit + 1);
      const page = pageOf(
        entries,
        limit,
        (entry) => timelineItem(entry, admin) as TimelineItemDto,
        (entry) => [entry.occurredAtMs, entry.logPosition],
      );
      return { ...page, position };
    });
  }
}

export function requireNeighbourhood(reader: NeighbourhoodTimelineReader, neighbourhoodId: string): void {
  if (!reader.hasNeighbourhood(neighbourhoodId)) throw new ApplicationError('NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${neighbourhoodId}`);
}

/** The reports a timeline query takes, from its parameters. */
export function timelineFilter(neighbourhoodId: string | undefined, query: TimelineFiltersDto & { readonly city?: string }, admin: boolean): TimelineFilter {
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
  };
}
