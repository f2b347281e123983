import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../application/clock.js';
import { ProjectionEngine } from '../../projections/projection-engine.js';
import { HeavyQueries } from '../exports/heavy-queries.js';
import { type ExportAnswer, GEOJSON_MEDIA_TYPE, textStream } from '../exports/streamed-export.js';
import { utcMs } from '../instants.js';
import type { CityControlGeoJsonQueryDto } from './city-control-geojson.dto.js';
import { controlFeature } from './control-geojson.feature.js';
import { NEIGHBOURHOOD_CONTROL } from './neighbourhood-control.read-model.js';
import { type Bitemporal, NeighbourhoodControlReader, questionInstants } from './neighbourhood-control.reader.js';

export class CityControlGeoJsonQuery extends Query<ExportAnswer> {
  constructor(readonly query: CityControlGeoJsonQueryDto) {
    super();
  }
}

/** Neighbourhoods folded per read of the read model while the map streams. */
const NEIGHBOURHOODS_PER_READ = 20;

/**
 * The control map of every neighbourhood (of a city) at asOf, as known at knownAt: one RFC 7946
 * FeatureCollection, streamed a few neighbourhoods at a time, whose features carry their
 * neighbourhoodId. `knownAt` defaults to the start of the export, so that the pages read later
 * answer the same question.
 */
@QueryHandler(CityControlGeoJsonQuery)
export class CityControlGeoJsonHandler implements IQueryHandler<CityControlGeoJsonQuery> {
  constructor(
    private readonly projections: ProjectionEngine,
    private readonly heavyQueries: HeavyQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ query }: CityControlGeoJsonQuery): Promise<ExportAnswer> {
    const time = questionInstants(query.asOf, query.knownAt, this.clock.now());
    const release = this.heavyQueries.acquire('the export');
    try {
      const position = await this.projections.read(NEIGHBOURHOOD_CONTROL, query.minPosition, (view) => view.position);
      const head = {
        type: 'FeatureCollection',
        asOf: utcMs(time.asOf),
        knownAt: utcMs(time.knownAt),
        ...(query.city !== undefined && { city: query.city }),
        position,
      };
      return { body: textStream(this.document(head, time, query.city)), mediaType: GEOJSON_MEDIA_TYPE, filename: 'control.geojson', release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** `head`'s members, then the features, a few neighbourhoods per read of the read model. */
  private async *document(head: Record<string, unknown>, time: Bitemporal, city: string | undefined): AsyncGenerator<string> {
    yield `${JSON.stringify(head).slice(0, -1)},"features":[`;
    let afterId = '';
    let separator = '';
    for (;;) {
      const page = await this.projections.read(NEIGHBOURHOOD_CONTROL, undefined, ({ db }) => {
        const reader = new NeighbourhoodControlReader(db);
        const actors = reader.actors();
        const neighbourhoods = reader.neighbourhoodsAfter(time.knownAtMs, afterId, NEIGHBOURHOODS_PER_READ, city);
        const features = neighbourhoods.flatMap((neighbourhood) =>
          reader.control(neighbourhood, time, actors).positions.map((p) => JSON.stringify(controlFeature(neighbourhood.id, p, actors))),
        );
        return { features, count: neighbourhoods.length, lastId: neighbourhoods.at(-1)?.id };
      });
      if (page.features.length > 0) {
        yield separator + page.features.join(',');
        separator = ',';
      }
      if (page.count < NEIGHBOURHOODS_PER_READ) break;
      afterId = page.lastId!;
    }
    yield ']}';
  }
}
