import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import type { Area } from '../../domain/index.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import { utcMs, utcMsOrNull } from '../instants.js';
import type { NeighbourhoodDetailDto, RegisteredPositionDto } from './neighbourhood-detail.dto.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader } from './neighbourhood-control.reader.js';

export class NeighbourhoodDetailQuery extends Query<NeighbourhoodDetailDto> {
  constructor(
    readonly neighbourhoodId: string,
    /** Admins see protected sources among the sources cited. */
    readonly admin: boolean,
    readonly minPosition?: number,
  ) {
    super();
  }
}

/** Everything as known now. */
const NOW = Number.MAX_SAFE_INTEGER;

/** A neighbourhood as registered, with its positions, the span of its incidents and the sources they cite. */
@QueryHandler(NeighbourhoodDetailQuery)
export class NeighbourhoodDetailHandler implements IQueryHandler<NeighbourhoodDetailQuery> {
  constructor(private readonly projections: ProjectionEngine) {}

  execute(query: NeighbourhoodDetailQuery): Promise<NeighbourhoodDetailDto> {
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const reader = new NeighbourhoodControlReader(db);
      const neighbourhood = reader.neighbourhood(query.neighbourhoodId, NOW);
      if (neighbourhood === undefined) throw new ApplicationError('NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${query.neighbourhoodId}`);
      return {
        id: neighbourhood.id,
        name: neighbourhood.name,
        nameAr: neighbourhood.nameAr,
        city: neighbourhood.city,
        country: neighbourhood.country,
        controlAsOf: utcMs(neighbourhood.controlAsOf),
        outline: neighbourhood.outline === null ? null : (JSON.parse(neighbourhood.outline) as Area),
        positions: reader.positionRows(neighbourhood.id, NOW).map(
          (p): RegisteredPositionDto => ({
            id: p.id,
            name: p.name,
            nameAr: p.nameAr,
            kind: p.kind as RegisteredPositionDto['kind'],
            weight: p.weight,
            coordinates: p.coordinates === null ? null : [p.coordinates[0], p.coordinates[1]],
            area: p.area,
            baselineController: p.baselineController,
          }),
        ),
        firstIncidentAt: utcMsOrNull(reader.firstEventAt(neighbourhood.id, NOW)),
        lastIncidentAt: utcMsOrNull(reader.lastEventAt(neighbourhood.id, { asOfMs: NOW, knownAtMs: NOW })),
        sources: reader.sourcesCited(neighbourhood.id, query.admin),
        position,
      };
    });
  }
}
