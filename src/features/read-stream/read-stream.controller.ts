import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiRefusals } from '../../http/index.js';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { ReadStreamQueryDto, StreamPageDto } from './read-stream.dto.js';
import { ReadStreamQuery } from './read-stream.handler.js';

@ApiTags('Audit')
@Controller('neighbourhoods/:id/events')
export class ReadStreamController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({
    summary: 'The raw event stream of a neighbourhood, oldest first, from the event store itself',
    description: 'Admins also see protected sources and each event\'s request metadata (idempotencyKey, requestHash, requestId).',
  })
  @ApiOkResponse({ type: StreamPageDto })
  @NeighbourhoodIdParam()
  @ApiRefusals('NEIGHBOURHOOD_NOT_FOUND')
  read(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Query() query: ReadStreamQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StreamPageDto> {
    return this.bus.execute(
      new ReadStreamQuery(neighbourhoodId, query.fromRevision ?? 0, query.limit ?? 100, principal.role === 'admin'),
    );
  }
}
