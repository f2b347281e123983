import { Controller, Get, Param, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../auth/roles.decorator.js';
import { ApiRefusals } from '../../http/index.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { NeighbourhoodHeadDto } from './neighbourhood-head.dto.js';
import { NeighbourhoodHeadQuery } from './neighbourhood-head.handler.js';

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/head')
export class NeighbourhoodHeadController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Roles('writer', 'analyst', 'editor')
  @ApiOperation({ summary: "The revision of a neighbourhood's stream, for a conditional append (If-Match)" })
  @ApiOkResponse({
    type: NeighbourhoodHeadDto,
    description: 'ETag carries the revision',
    headers: { ETag: { description: 'The stream revision, as If-Match takes it ("3")', schema: { type: 'string' } } },
  })
  @NeighbourhoodIdParam()
  @ApiRefusals('NEIGHBOURHOOD_NOT_FOUND')
  async head(@Param('id', NeighbourhoodIdPipe) neighbourhoodId: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<NeighbourhoodHeadDto> {
    const head = await this.bus.execute(new NeighbourhoodHeadQuery(neighbourhoodId));
    void reply.header('ETag', `"${head.streamRevision}"`);
    return head;
  }
}
