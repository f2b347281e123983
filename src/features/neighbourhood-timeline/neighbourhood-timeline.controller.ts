import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { NeighbourhoodTimelineDto, NeighbourhoodTimelineQueryDto } from './neighbourhood-timeline.dto.js';
import { NeighbourhoodTimelineQuery } from './neighbourhood-timeline.handler.js';

@ApiTags('Timeline')
@Controller('neighbourhoods/:id/timeline')
export class NeighbourhoodTimelineController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({
    summary: 'The reports of a neighbourhood in occurredAt order, a page at a time; retracted and refuted ones included and marked',
    description:
      'Each item shows its sources once, its standing and status, what it contradicts while conflicting, what it corroborates, ' +
      'and its assessments. Protected sources are redacted unless the caller is an admin. Filters combine with AND; ' +
      '`nextCursor` is present while more items remain.',
  })
  @ApiOkResponse({ type: NeighbourhoodTimelineDto })
  @NeighbourhoodIdParam()
  @ReadModelResponses('NEIGHBOURHOOD_NOT_FOUND')
  timeline(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Query() query: NeighbourhoodTimelineQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NeighbourhoodTimelineDto> {
    return this.bus.execute(new NeighbourhoodTimelineQuery(neighbourhoodId, query, principal.role === 'admin'));
  }
}
