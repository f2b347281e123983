import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../application/clock.js';
import { ProjectionEngine } from '../../projections/index.js';
import { HeavyQueries } from '../exports/heavy-queries.js';
import { CSV_MEDIA_TYPE, type CsvCell, EXPORT_PAGE_SIZE, type ExportAnswer, csvStream } from '../exports/streamed-export.js';
import type { TimelineFiltersDto } from './neighbourhood-timeline.dto.js';
import { requireNeighbourhood, timelineFilter } from './neighbourhood-timeline.handler.js';
import { NEIGHBOURHOOD_TIMELINE } from './neighbourhood-timeline.read-model.js';
import { NeighbourhoodTimelineReader, type TimelineFilter } from './neighbourhood-timeline.reader.js';
import { type TimelineItem, timelineItem } from './timeline-item.js';

/** The columns of a timeline export, in order; the last five hold compact JSON (empty where the item has no such field). */
export const TIMELINE_CSV_COLUMNS = [
  'eventId',
  'neighbourhoodId',
  'type',
  'occurredAt',
  'timePrecision',
  'reportedAt',
  'recordedAt',
  'standing',
  'status',
  'retracted',
  'data',
  'sources',
  'assessments',
  'conflictsWith',
  'corroborates',
] as const;

export class TimelineCsvQuery extends Query<ExportAnswer> {
  constructor(
    /** One neighbourhood; undefined for the timeline across neighbourhoods (of `query.city`, when given). */
    readonly neighbourhoodId: string | undefined,
    readonly query: TimelineFiltersDto & { readonly city?: string },
    /** Admins see protected sources, and only they match one by name. */
    readonly admin: boolean,
  ) {
    super();
  }
}

/**
 * A timeline, filtered as the paged one, as CSV: every item, read a page at a time as the answer
 * is sent. Without `knownAt` the export is as known when it starts, so that the pages read later
 * answer the same question.
 */
@QueryHandler(TimelineCsvQuery)
export class TimelineCsvHandler implements IQueryHandler<TimelineCsvQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    private readonly heavyQueries: HeavyQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ neighbourhoodId, query, admin }: TimelineCsvQuery): Promise<ExportAnswer> {
    const filter: TimelineFilter = {
      ...timelineFilter(neighbourhoodId, query, admin),
      knownAtMs: query.knownAt === undefined ? this.clock.now().getTime() : Date.parse(query.knownAt),
    };
    const release = this.heavyQueries.acquire('the export');
    try {
      await this.projections.read(NEIGHBOURHOOD_TIMELINE, query.minPosition, ({ db }) => {
        if (neighbourhoodId !== undefined) requireNeighbourhood(new NeighbourhoodTimelineReader(db), neighbourhoodId);
      });
      const filename = neighbourhoodId === undefined ? 'timeline.csv' : `${neighbourhoodId}-timeline.csv`;
      return { body: csvStream(TIMELINE_CSV_COLUMNS, this.rows(filter, admin)), mediaType: CSV_MEDIA_TYPE, filename, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  private async *rows(filter: TimelineFilter, admin: boolean): AsyncGenerator<CsvCell[]> {
    let after = filter.after;
    for (;;) {
      const entries = await this.projections.read(NEIGHBOURHOOD_TIMELINE, undefined, ({ db }) =>
        new NeighbourhoodTimelineReader(db).entries({ ...filter, ...(after !== undefined && { after }) }, EXPORT_PAGE_SIZE),
      );
      for (const entry of entries) yield timelineRow(timelineItem(entry, admin));
      if (entries.length < EXPORT_PAGE_SIZE) return;
      const last = entries[entries.length - 1]!;
      after = { occurredAtMs: last.occurredAtMs, logPosition: last.logPosition };
    }
  }
}

/** A timeline item as a CSV row (TIMELINE_CSV_COLUMNS). */
export function timelineRow(item: TimelineItem): CsvCell[] {
  return [
    item.eventId,
    item.neighbourhoodId,
    item.type,
    item.occurredAt,
    item.timePrecision,
    item.reportedAt,
    item.recordedAt,
    item.standing,
    item.status,
    item.retracted ? 'true' : 'false',
    JSON.stringify(item.data),
    JSON.stringify(item.sources),
    JSON.stringify(item.assessments),
    item.conflictsWith === undefined ? null : JSON.stringify(item.conflictsWith),
    item.corroborates === undefined ? null : JSON.stringify(item.corroborates),
  ];
}
