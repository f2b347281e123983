import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { RetreatDto, toRetreatCommand } from './retreat.dto.js';
import { RetreatCommand } from './retreat.handler.js';

/** The request an integration sends, from the Tadamon report (scripts/tadamon-scenario.ts). */
const EXAMPLE = {
  by: 'syrian-regime',
  positions: ['abu-turabi-bakery-1', 'abu-turabi-bakery-2'],
  yieldedTo: 'isis',
  occurredAt: '2018-04-19T04:00:00Z',
  timePrecision: 'hour',
  sources: [{ name: 'Arabic news report on the Tadamon attack', kind: 'news', reliability: 'B', credibility: 3 }],
};

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/retreats')
export class RetreatController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Record that an actor withdrew from positions it held' })
  @NeighbourhoodIdParam()
  @CommandResponses(
    { type: RetreatDto, summary: 'Thursday: the regime withdraws from the bakery blocks, which ISIS takes back', example: EXAMPLE },
    'NEIGHBOURHOOD_NOT_FOUND',
    'NOT_CONTROLLED',
    'TIMELINE_CONFLICT',
    'ACTOR_UNKNOWN',
    'POSITION_UNKNOWN',
    'OCCURRED_IN_FUTURE',
    'BEFORE_BASELINE',
    'REPORTED_BEFORE_OCCURRED',
    'INVALID_COMMAND',
  )
  retreat(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Body() body: RetreatDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new RetreatCommand(toRetreatCommand(body, neighbourhoodId), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { neighbourhoodId });
  }
}
