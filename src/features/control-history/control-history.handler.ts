import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { CLOCK, type Clock } from '../../application/clock.js';
import { ProjectionEngine } from '../../projections/index.js';
import { HeavyQueries } from '../exports/heavy-queries.js';
import type { PerspectiveDto } from '../neighbourhood-control/neighbourhood-control.dto.js';
import { toPerspective } from '../neighbourhood-control/neighbourhood-control.handler.js';
import { NEIGHBOURHOOD_CONTROL } from '../neighbourhood-control/neighbourhood-control.read-model.js';
import { PAGE_LIMITS, decodeCursor, encodeCursor, itemsWithinBytes } from '../paging.js';
import type { ControlHistoryDto, ControlHistoryItemDto, ControlHistoryPageQueryDto } from './control-history.dto.js';
import { ControlHistoryReader, compareKeys } from './control-history.reader.js';

export class ControlHistoryPageQuery extends Query<ControlHistoryDto> {
  constructor(
    readonly neighbourhoodId: string,
    readonly query: ControlHistoryPageQueryDto,
    /** Normalised perspective parameters, when the request gave any. */
    readonly perspective: PerspectiveDto | undefined,
    /** Admins see protected sources; only they match one by name. */
    readonly admin: boolean,
  ) {
    super();
  }
}

const utc = (ms: number): string => new Date(ms).toISOString();

/**
 * A page of the history of a neighbourhood's control summary, in the default view or a
 * perspective. As with /control, a perspective folds on demand: it is a heavy query.
 */
@QueryHandler(ControlHistoryPageQuery)
export class ControlHistoryPageHandler implements IQueryHandler<ControlHistoryPageQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    private readonly heavyQueries: HeavyQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(query: ControlHistoryPageQuery): Promise<ControlHistoryDto> {
    return query.perspective === undefined ? this.answer(query) : this.heavyQueries.run('the perspective', () => this.answer(query));
  }

  private answer({ neighbourhoodId, query, perspective, admin }: ControlHistoryPageQuery): Promise<ControlHistoryDto> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ['number', 'number']);
    const limit = query.limit ?? PAGE_LIMITS.defaultItems;
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const knownAtMs = query.knownAt === undefined ? this.clock.now().getTime() : Date.parse(query.knownAt);
      const reader = new ControlHistoryReader(db);
      const neighbourhood = reader.neighbourhood(neighbourhoodId, knownAtMs);
      if (neighbourhood === undefined) {
        throw new ApplicationError('NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${neighbourhoodId} known at ${utc(knownAtMs)}`);
      }
      const fromMs = query.from === undefined ? neighbourhood.controlAsOfMs : Date.parse(query.from);
      const toMs = query.to === undefined ? Number.MAX_SAFE_INTEGER : Date.parse(query.to);
      if (toMs < fromMs) {
        throw new ApplicationError('VALIDATION_FAILED', `to (${utc(toMs)}) is before from (${utc(fromMs)})`, [
          { field: 'to', problems: [`must not be before from${query.from === undefined ? " (by default the neighbourhood's controlAsOf)" : ''}`] },
        ]);
      }
      const page = reader.page(neighbourhood, {
        neighbourhoodId,
        knownAtMs,
        fromMs,
        toMs,
        limit,
        ...(after !== undefined && { after: { occurredAtMs: after[0] as number, logPosition: after[1] as number } }),
        ...(perspective !== undefined && { perspective: toPerspective(perspective, admin) }),
      });
      const items: ControlHistoryItemDto[] = page.points.map((point) => ({
        at: utc(point.atMs),
        eventId: point.eventId,
        shares: point.summary.shares,
        sideShares: point.summary.sideShares,
        majorityController: point.summary.majorityController,
        contestedPositions: point.summary.contestedPositions,
      }));
      const kept = itemsWithinBytes(items);
      const last = page.points[kept - 1];
      const more = page.more || kept < items.length;
      // A page that ends early lists the skipped reports up to its last item only: the next one lists the rest.
      const skipped = page.skipped.filter((report) => !more || last === undefined || compareKeys(report.key, last.key) <= 0);
      return {
        neighbourhoodId,
        from: utc(fromMs),
        to: query.to === undefined ? null : utc(toMs),
        knownAt: utc(knownAtMs),
        items: items.slice(0, kept),
        ...(more && last !== undefined && { nextCursor: encodeCursor([last.key.occurredAtMs, last.key.logPosition]) }),
        ...(perspective !== undefined && { perspective, skipped: skipped.map(({ eventId, code }) => ({ eventId, code })) }),
        position,
      };
    });
  }
}
