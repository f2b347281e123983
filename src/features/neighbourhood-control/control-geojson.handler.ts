import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../application/clock.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import { utcMs } from '../instants.js';
import type { ControlFeatureCollectionDto } from './control-geojson.dto.js';
import { controlFeature } from './control-geojson.feature.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader, questionInstants } from './neighbourhood-control.reader.js';

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

/** The control map of a neighbourhood: one feature per position, in the order of /control. */
@QueryHandler(ControlGeoJsonQuery)
export class ControlGeoJsonHandler implements IQueryHandler<ControlGeoJsonQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(query: ControlGeoJsonQuery): Promise<ControlFeatureCollectionDto> {
    return this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, ({ db, position }) => {
      const time = questionInstants(query.asOf, query.knownAt, this.clock.now());
      const reader = new NeighbourhoodControlReader(db);
      const neighbourhood = reader.requireNeighbourhood(query.neighbourhoodId, time);
      const actors = reader.actors();
      const { positions } = reader.control(neighbourhood, time, actors);
      return {
        type: 'FeatureCollection',
        features: positions.map((p) => controlFeature(neighbourhood.id, p, actors)),
        neighbourhoodId: neighbourhood.id,
        asOf: utcMs(time.asOf),
        knownAt: utcMs(time.knownAt),
        position,
      };
    });
  }
}
