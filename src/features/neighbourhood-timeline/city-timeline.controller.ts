import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { CityTimelineQueryDto, NeighbourhoodTimelineDto } from './neighbourhood-timeline.dto.js';
import { NeighbourhoodTimelineQuery } from './neighbourhood-timeline.handler.js';

@ApiTags('Timeline')
@Controller('timeline')
export class CityTimelineController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({
    summary: 'The reports of every neighbourhood (of a city) in occurredAt order, a page at a time',
    description:
      'Every filter of the neighbourhood timeline, and `city`. Items carry their neighbourhoodId. Protected sources are redacted ' +
      'unless the caller is an admin; `nextCursor` is present while more items remain.',
  })
  @ApiOkResponse({ type: NeighbourhoodTimelineDto })
  @ReadModelResponses()
  timeline(@Query() query: CityTimelineQueryDto, @CurrentPrincipal() principal: Principal): Promise<NeighbourhoodTimelineDto> {
    return this.bus.execute(new NeighbourhoodTimelineQuery(undefined, query, principal.role === 'admin'));
  }
}
