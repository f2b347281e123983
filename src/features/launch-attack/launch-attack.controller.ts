import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { LaunchAttackDto, toLaunchAttackCommand } from './launch-attack.dto.js';
import { LaunchAttackCommand } from './launch-attack.handler.js';

/** The request an integration sends, from the Tadamon report (scripts/tadamon-scenario.ts). */
const EXAMPLE = {
  attackers: ['isis', 'opposition-factions'],
  defenders: ['syrian-regime', 'hezbollah', 'iranian-militias'],
  targets: ['buildings-block-a', 'buildings-block-b', 'abu-turabi-bakery-1', 'abu-turabi-bakery-2', 'militia-barracks'],
  origin: 'Yarmouk camp, past opposition areas near Babila and Beit Sahm (ببيلا، بيت سحم)',
  occurredAt: '2018-04-18T06:00:00Z',
  timePrecision: 'day',
  sources: [
    { name: 'Arabic news report on the Tadamon attack', kind: 'news', reliability: 'B', credibility: 3 },
    { name: 'local activists', kind: 'field', reliability: 'C', credibility: 3 },
  ],
  notes: 'Surprise attack on several axes, exploiting slack front lines during negotiations over the evacuation of the camp.',
};

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/attacks')
export class LaunchAttackController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Record an attack; its targets become contested' })
  @NeighbourhoodIdParam()
  @CommandResponses(
    { type: LaunchAttackDto, summary: 'Wednesday: ISIS and other factions attack regime, Hezbollah and Iranian militia units', example: EXAMPLE },
    'NEIGHBOURHOOD_NOT_FOUND',
    'ACTOR_UNKNOWN',
    'POSITION_UNKNOWN',
    'OCCURRED_IN_FUTURE',
    'BEFORE_BASELINE',
    'REPORTED_BEFORE_OCCURRED',
    'INVALID_COMMAND',
  )
  launch(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Body() body: LaunchAttackDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new LaunchAttackCommand(toLaunchAttackCommand(body, neighbourhoodId), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { neighbourhoodId });
  }
}
