import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/roles.decorator.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { ActorListDto, ListActorsQueryDto } from './list-actors.dto.js';
import { ListActorsQuery } from './list-actors.handler.js';

@ApiTags('Actors')
@Controller('actors')
export class ListActorsController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({ summary: 'The registered actors, a page at a time, by id', description: '`nextCursor` is present while more actors remain.' })
  @ApiOkResponse({ type: ActorListDto })
  @ReadModelResponses()
  list(@Query() query: ListActorsQueryDto): Promise<ActorListDto> {
    return this.bus.execute(new ListActorsQuery(query));
  }
}
