import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../auth/roles.decorator.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { GEOJSON_MEDIA_TYPE } from '../exports/streamed-export.js';
import { AreaGeometryDto, ControlFeatureCollectionDto, ControlGeoJsonQueryDto, PointGeometryDto } from './control-geojson.dto.js';
import { ControlGeoJsonQuery } from './control-geojson.handler.js';

@ApiTags('Control')
@ApiExtraModels(AreaGeometryDto, PointGeometryDto)
@Controller('neighbourhoods/:id/control.geojson')
export class ControlGeoJsonController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiProduces(GEOJSON_MEDIA_TYPE)
  @ApiOperation({
    summary: 'The control map at asOf: an RFC 7946 FeatureCollection, one feature per position',
    description:
      "A feature's geometry is the position's area (Polygon or MultiPolygon), else a Point at its coordinates, else null. " +
      'Properties carry controller, controllerName, side, since, contested, evidence and uncertain, to style a map by.',
  })
  @ApiOkResponse({ type: ControlFeatureCollectionDto })
  @ReadModelResponses({ status: 404, description: 'NEIGHBOURHOOD_NOT_FOUND' })
  async geojson(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Query() query: ControlGeoJsonQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ControlFeatureCollectionDto> {
    const map = await this.bus.execute(new ControlGeoJsonQuery(neighbourhoodId, query.asOf, query.knownAt, query.minPosition));
    // Set only on success: an error answer is the usual application/json error body.
    void reply.type(GEOJSON_MEDIA_TYPE);
    return map;
  }
}
