import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../auth/roles.decorator.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { ControlFeatureCollectionDto, ControlGeoJsonQueryDto } from './control-geojson.dto.js';
import { ControlGeoJsonQuery } from './control-geojson.handler.js';

export const GEOJSON_MEDIA_TYPE = 'application/geo+json';

@ApiTags('Control')
@Controller('neighbourhoods/:id/control.geojson')
export class ControlGeoJsonController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiProduces(GEOJSON_MEDIA_TYPE)
  @ApiOperation({
    summary: 'The control map at asOf: an RFC 7946 FeatureCollection, one Point per position with coordinates',
    description: 'Feature properties carry controller, controllerName, side, since and contested, to style a map by.',
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
