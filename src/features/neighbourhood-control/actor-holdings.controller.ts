import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/roles.decorator.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { ActorIdPipe } from '../path-params.js';
import { ActorHoldingsDto, ActorHoldingsQueryDto } from './actor-holdings.dto.js';
import { ActorHoldingsQuery } from './actor-holdings.handler.js';

@ApiTags('Control')
@Controller('actors/:id/holdings')
export class ActorHoldingsController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({
    summary: 'The positions an actor controlled at asOf (as known at knownAt), grouped by neighbourhood, a page of positions at a time',
    description: '`limit` counts positions; `nextCursor` is present while more remain. Both instants default to now.',
  })
  @ApiOkResponse({ type: ActorHoldingsDto })
  @ReadModelResponses({ status: 404, description: 'ACTOR_NOT_FOUND: no such actor (or none registered by knownAt)' })
  holdings(@Param('id', ActorIdPipe) actorId: string, @Query() query: ActorHoldingsQueryDto): Promise<ActorHoldingsDto> {
    return this.bus.execute(new ActorHoldingsQuery(actorId, query));
  }
}
