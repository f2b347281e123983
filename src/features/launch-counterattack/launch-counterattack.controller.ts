import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { LaunchCounterattackDto, toLaunchCounterattackCommand } from './launch-counterattack.dto.js';
import { LaunchCounterattackCommand } from './launch-counterattack.handler.js';

/** The request an integration sends, from the Tadamon report (scripts/tadamon-scenario.ts). */
const EXAMPLE = {
  by: 'syrian-regime',
  against: 'isis',
  targets: ['abu-turabi-bakery-1', 'abu-turabi-bakery-2'],
  inResponseTo: '0196f0a2-6c1d-7b3e-9a41-3f2c5d8e7a10',
  occurredAt: '2018-04-18T22:00:00Z',
  timePrecision: 'hour',
  sources: [{ name: 'Arabic news report on the Tadamon attack', kind: 'news', reliability: 'B', credibility: 3 }],
};

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/counterattacks')
export class LaunchCounterattackController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Record a counterattack; its targets become contested' })
  @NeighbourhoodIdParam()
  @CommandResponses(
    { type: LaunchCounterattackDto, summary: 'Wednesday night: regime forces counterattack near the Abu Turabi bakery', example: EXAMPLE },
    'NEIGHBOURHOOD_NOT_FOUND',
    'EVENT_NOT_FOUND',
    'ACTOR_UNKNOWN',
    'POSITION_UNKNOWN',
    'OCCURRED_IN_FUTURE',
    'BEFORE_BASELINE',
    'REPORTED_BEFORE_OCCURRED',
    'INVALID_COMMAND',
  )
  launch(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Body() body: LaunchCounterattackDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new LaunchCounterattackCommand(toLaunchCounterattackCommand(body, neighbourhoodId), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { neighbourhoodId });
  }
}
