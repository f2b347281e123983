import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ProjectionEngine } from '../../projections/index.js';
import { casualtyTotals } from './casualties.reader.js';
import type { CasualtiesDto, CasualtiesQueryDto } from './casualties.dto.js';
import { NeighbourhoodTimelineReader } from './neighbourhood-timeline.reader.js';
import { NEIGHBOURHOOD_TIMELINE } from './neighbourhood-timeline.read-model.js';
import { requireNeighbourhood } from './neighbourhood-timeline.handler.js';

export class CasualtiesQuery extends Query<CasualtiesDto> {
  constructor(
    readonly neighbourhoodId: string,
    readonly query: CasualtiesQueryDto,
  ) {
    super();
  }
}

/** The casualties reported in a neighbourhood, summed per actor; retracted and refuted reports left out. */
@QueryHandler(CasualtiesQuery)
export class CasualtiesHandler implements IQueryHandler<CasualtiesQuery> {
  constructor(private readonly projections: ProjectionEngine) {}

  execute({ neighbourhoodId, query }: CasualtiesQuery): Promise<CasualtiesDto> {
    const bounds = {
      fromMs: query.from === undefined ? Number.MIN_SAFE_INTEGER : Date.parse(query.from),
      toMs: query.to === undefined ? Number.MAX_SAFE_INTEGER : Date.parse(query.to),
      knownAtMs: query.knownAt === undefined ? Number.MAX_SAFE_INTEGER : Date.parse(query.knownAt),
    };
    return this.projections.read(NEIGHBOURHOOD_TIMELINE, query.minPosition, ({ db, position }) => {
      requireNeighbourhood(new NeighbourhoodTimelineReader(db), neighbourhoodId);
      return { items: casualtyTotals(db, neighbourhoodId, bounds), position };
    });
  }
}
