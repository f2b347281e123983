import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { type IncidentType, type Source, redactSource, redactSources } from '../../domain/index.js';
import { NEIGHBOURHOOD_TIMELINE } from './neighbourhood-timeline.read-model.js';
import { NeighbourhoodTimelineReader } from './neighbourhood-timeline.reader.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import type { NeighbourhoodTimelineDto, TimelineItemDto } from './neighbourhood-timeline.dto.js';

export class NeighbourhoodTimelineQuery extends Query<NeighbourhoodTimelineDto> {
  constructor(
    readonly neighbourhoodId: string,
    readonly filter: { readonly from?: string; readonly to?: string; readonly type?: IncidentType },
    /** Admins see protected sources; everybody else sees them redacted. */
    readonly revealProtectedSources: boolean,
    readonly minPosition?: number,
  ) {
    super();
  }
}

@QueryHandler(NeighbourhoodTimelineQuery)
export class NeighbourhoodTimelineHandler implements IQueryHandler<NeighbourhoodTimelineQuery> {
  constructor(private readonly projections: ProjectionEngine) {}

  execute(query: NeighbourhoodTimelineQuery): Promise<NeighbourhoodTimelineDto> {
    return this.projections.read(NEIGHBOURHOOD_TIMELINE, query.minPosition, ({ db, position }) => {
      const reader = new NeighbourhoodTimelineReader(db);
      if (!reader.hasNeighbourhood(query.neighbourhoodId)) {
        throw new ApplicationError('NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${query.neighbourhoodId}`);
      }
      const entries = reader.entries({
        neighbourhoodId: query.neighbourhoodId,
        ...(query.filter.from !== undefined && { fromMs: Date.parse(query.filter.from) }),
        ...(query.filter.to !== undefined && { toMs: Date.parse(query.filter.to) }),
        ...(query.filter.type !== undefined && { type: query.filter.type }),
      });
      const items = entries.map((entry): TimelineItemDto => {
        const data = query.revealProtectedSources ? entry.data : redactSources(entry.data);
        const sources = Array.isArray(entry.data.sources) ? (entry.data.sources as Source[]) : [];
        return {
          eventId: entry.eventId,
          type: entry.type,
          occurredAt: entry.occurredAt,
          timePrecision: entry.timePrecision,
          recordedAt: entry.recordedAt,
          data,
          sources: query.revealProtectedSources ? sources : sources.map(redactSource),
          retracted: entry.retraction !== null,
          ...(entry.retraction !== null && { retraction: entry.retraction }),
        };
      });
      return { items, position };
    });
  }
}
