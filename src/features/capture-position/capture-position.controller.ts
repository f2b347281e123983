import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { CapturePositionDto, toCapturePositionCommand } from './capture-position.dto.js';
import { CapturePositionCommand } from './capture-position.handler.js';

/** The request an integration sends, from the Tadamon report (scripts/tadamon-scenario.ts). */
const EXAMPLE = {
  by: 'isis',
  positions: ['buildings-block-a', 'abu-turabi-bakery-1', 'abu-turabi-bakery-2', 'militia-barracks'],
  attackId: '0196f0a2-6c1d-7b3e-9a41-3f2c5d8e7a10',
  occurredAt: '2018-04-18T10:00:00Z',
  timePrecision: 'day',
  sources: [
    { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 },
    { name: 'Amaq (أعماق)', kind: 'partisan-agency', reliability: 'D', credibility: 4, reportedAt: '2018-04-18T14:00:00Z' },
  ],
  notes: 'Field sources: about 20 buildings. Amaq: "several points".',
};

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/captures')
export class CapturePositionController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Record that an actor captured positions' })
  @NeighbourhoodIdParam()
  @CommandResponses(
    { type: CapturePositionDto, summary: 'Wednesday: ISIS captures block A, the bakery blocks and the militia barracks', example: EXAMPLE },
    'NEIGHBOURHOOD_NOT_FOUND',
    'EVENT_NOT_FOUND',
    'ALREADY_CONTROLLED',
    'TIMELINE_CONFLICT',
    'ACTOR_UNKNOWN',
    'POSITION_UNKNOWN',
    'OCCURRED_IN_FUTURE',
    'BEFORE_BASELINE',
    'REPORTED_BEFORE_OCCURRED',
  )
  capture(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Body() body: CapturePositionDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new CapturePositionCommand(toCapturePositionCommand(body, neighbourhoodId), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { neighbourhoodId });
  }
}
