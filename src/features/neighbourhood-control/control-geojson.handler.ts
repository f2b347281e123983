import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../application/clock.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader, questionInstants } from './neighbourhood-control.reader.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import type { ControlFeatureCollectionDto, ControlFeatureDto } from './control-geojson.dto.js';

export class ControlGeoJsonQuery extends Query<ControlFeatureCollectionDto> {
  constructor(
    readonly neighbourhoodId: string,
    readonly asOf?: string,
    readonly knownAt?: string,
    readonly minPosition?: number,
  ) {
    super();
  }
}

/** The control map of a neighbourhood: its positions with coordinates, as GeoJSON points. */
@QueryHandler(ControlGeoJsonQuery)
export class ControlGeoJsonHandler implements IQueryHandler<ControlGeoJsonQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(query: ControlGeoJsonQuery): Promise<ControlFeatureCollectionDto> {
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const time = questionInstants(query.asOf, query.knownAt, this.clock.now());
      const { asOf, knownAt } = time;
      const reader = new NeighbourhoodControlReader(db);
      const neighbourhood = reader.requireNeighbourhood(query.neighbourhoodId, time);
      const actors = reader.actors();
      const { positions } = reader.control(neighbourhood, time, actors);
      const features = positions.flatMap((p): ControlFeatureDto[] => {
        if (p.coordinates === null) return [];
        const controller = p.controller === null ? undefined : actors.get(p.controller);
        return [
          {
            type: 'Feature',
            id: p.id,
            geometry: { type: 'Point', coordinates: [p.coordinates[0], p.coordinates[1]] },
            properties: {
              id: p.id,
              name: p.name,
              nameAr: p.nameAr,
              kind: p.kind,
              weight: p.weight,
              controller: p.controller,
              controllerName: controller?.name ?? null,
              side: controller?.side ?? null,
              since: p.since,
              contested: p.contested,
              contestedBy: [...p.contestedBy],
              eventId: p.eventId,
              evidence: p.evidence,
            },
          },
        ];
      });
      return { type: 'FeatureCollection', features, neighbourhoodId: neighbourhood.id, asOf, knownAt, position };
    });
  }
}
