import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { CLOCK, type Clock } from '../../application/clock.js';
import { foldsInAcceptedTimeline } from '../../domain/index.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import { HeavyQueries } from '../exports/heavy-queries.js';
import { CSV_MEDIA_TYPE, type CsvCell, EXPORT_PAGE_SIZE, type ExportAnswer, csvStream } from '../exports/streamed-export.js';
import { utcMs } from '../instants.js';
import { CONTROL_HISTORY_COLUMNS, type ControlHistoryQueryDto } from './control-history.dto.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader } from './neighbourhood-control.reader.js';

export class ControlHistoryQuery extends Query<ExportAnswer> {
  constructor(
    readonly neighbourhoodId: string,
    readonly query: ControlHistoryQueryDto,
  ) {
    super();
  }
}

/**
 * Every change of hands of a neighbourhood's positions in the accepted timeline, as CSV: one row
 * per position whose controller a report changed (the baseline is no change), in (occurredAt,
 * log position) order, as known when the export starts.
 */
@QueryHandler(ControlHistoryQuery)
export class ControlHistoryHandler implements IQueryHandler<ControlHistoryQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    private readonly heavyQueries: HeavyQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ neighbourhoodId, query }: ControlHistoryQuery): Promise<ExportAnswer> {
    const knownAtMs = this.clock.now().getTime();
    const release = this.heavyQueries.acquire('the export');
    try {
      const holders = await this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db }) => {
        const reader = new NeighbourhoodControlReader(db);
        if (reader.neighbourhood(neighbourhoodId, knownAtMs) === undefined) {
          throw new ApplicationError('NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${neighbourhoodId}`);
        }
        return new Map(reader.positionRows(neighbourhoodId, knownAtMs).map((p) => [p.id, p.baselineController]));
      });
      const rows = this.changes(neighbourhoodId, knownAtMs, holders, {
        fromMs: query.from === undefined ? Number.MIN_SAFE_INTEGER : Date.parse(query.from),
        toMs: query.to === undefined ? Number.MAX_SAFE_INTEGER - 1 : Date.parse(query.to),
      });
      return { body: csvStream(CONTROL_HISTORY_COLUMNS, rows), mediaType: CSV_MEDIA_TYPE, filename: `${neighbourhoodId}-control-history.csv`, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** The rows, read a page of reports at a time as the answer is sent. */
  private async *changes(
    neighbourhoodId: string,
    knownAtMs: number,
    holders: Map<string, string | null>,
    bounds: { readonly fromMs: number; readonly toMs: number },
  ): AsyncGenerator<CsvCell[]> {
    let after = { occurredAtMs: Number.MIN_SAFE_INTEGER, logPosition: 0 };
    for (;;) {
      const page = await this.projections.read(NEIGHBOURHOOD_CONTROL, undefined, ({ db }) =>
        new NeighbourhoodControlReader(db).claimReportsAfter(neighbourhoodId, knownAtMs, after, bounds.toMs + 1, EXPORT_PAGE_SIZE),
      );
      for (const report of page) {
        if (!foldsInAcceptedTimeline(report)) continue;
        for (const positionId of report.positionIds) {
          if (!holders.has(positionId)) continue;
          const previous = holders.get(positionId)!;
          if (previous === report.controller) continue;
          holders.set(positionId, report.controller);
          if (report.occurredAtMs < bounds.fromMs) continue;
          yield [positionId, previous, report.controller, utcMs(report.occurredAt), report.eventId, report.standing, report.status];
        }
      }
      if (page.length < EXPORT_PAGE_SIZE) return;
      const last = page[page.length - 1]!;
      after = { occurredAtMs: last.occurredAtMs, logPosition: last.logPosition };
    }
  }
}
