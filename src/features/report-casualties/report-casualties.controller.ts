import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { ReportCasualtiesDto, toReportCasualtiesCommand } from './report-casualties.dto.js';
import { ReportCasualtiesCommand } from './report-casualties.handler.js';

/** The request an integration sends, from the Tadamon report (scripts/tadamon-scenario.ts). */
const EXAMPLE = {
  actor: 'syrian-regime',
  killed: { low: 12, best: 12 },
  occurredAt: '2018-04-19T04:00:00Z',
  timePrecision: 'hour',
  sources: [{ name: 'Arabic news report on the Tadamon attack', kind: 'news', reliability: 'B', credibility: 3 }],
  notes: '"More than 11 bodies".',
};

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/casualties')
export class ReportCasualtiesController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Record killed and wounded, as low / best / high' })
  @NeighbourhoodIdParam()
  @CommandResponses(
    { type: ReportCasualtiesDto, summary: 'Thursday: more than 11 bodies of regime fighters left behind', example: EXAMPLE },
    'NEIGHBOURHOOD_NOT_FOUND',
    'ACTOR_UNKNOWN',
    'OCCURRED_IN_FUTURE',
    'BEFORE_BASELINE',
    'REPORTED_BEFORE_OCCURRED',
    'INVALID_COMMAND',
  )
  report(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Body() body: ReportCasualtiesDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new ReportCasualtiesCommand(toReportCasualtiesCommand(body, neighbourhoodId), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { neighbourhoodId });
  }
}
