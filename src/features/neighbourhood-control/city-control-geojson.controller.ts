import { Controller, Get, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type ExportAnswer, GEOJSON_MEDIA_TYPE, HeavyQueryResponse, StreamedExport, sendExport } from '../exports/streamed-export.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { CityControlGeoJsonQueryDto } from './city-control-geojson.dto.js';
import { CityControlGeoJsonQuery } from './city-control-geojson.handler.js';
import { AreaGeometryDto, ControlFeatureCollectionDto, PointGeometryDto } from './control-geojson.dto.js';

@ApiTags('Exports')
@ApiExtraModels(AreaGeometryDto, PointGeometryDto)
@Controller('control.geojson')
export class CityControlGeoJsonController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @StreamedExport(GEOJSON_MEDIA_TYPE)
  @ApiOperation({
    summary: 'The control map of every neighbourhood (of a city) at asOf: one RFC 7946 FeatureCollection, streamed',
    description:
      'Features as in /neighbourhoods/:id/control.geojson (neighbourhoods by id, positions in their order), each with ' +
      '`properties.neighbourhoodId`; a position without area or coordinates has a null geometry. Foreign members: asOf, knownAt, ' +
      'city (when given) and position (the log position of the first read). knownAt defaults to the start of the export. A heavy query.',
  })
  @ApiOkResponse({ type: ControlFeatureCollectionDto })
  @HeavyQueryResponse()
  @ReadModelResponses()
  async export(@Query() query: CityControlGeoJsonQueryDto, @Res() reply: FastifyReply): Promise<void> {
    sendExport(reply, await this.bus.execute<CityControlGeoJsonQuery, ExportAnswer>(new CityControlGeoJsonQuery(query)));
  }
}
