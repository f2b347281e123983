import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { AssessReportDto, toAssessReportCommand } from './assess-report.dto.js';
import { AssessReportCommand } from './assess-report.handler.js';

/** The request an integration sends, from the Tadamon report (scripts/tadamon-scenario.ts). */
const EXAMPLE = {
  eventId: '0196f0a2-9b47-7e05-a3d8-1c6e0f5b2a94',
  status: 'confirmed',
  reason: 'Field sources, Amaq and Damascus Now all report the positions lost, in different words.',
};

@ApiTags('Claims')
@Controller('neighbourhoods/:id/assessments')
export class AssessReportController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('editor')
  @ApiOperation({
    summary: 'Confirm, dispute or refute a report',
    description:
      'A refuted report leaves the accepted timeline as a retracted one does (409 TIMELINE_CONFLICT when later reports depend ' +
      'on it). Confirming a conflicting report, or taking a report out of refuted, checks it again at its place in time: it ' +
      'becomes accepted (or corroborating), else 409 TIMELINE_CONFLICT names what blocks it and nothing is written. The same ' +
      'status again is 409 ALREADY_EXISTS; a retracted report is 409 REPORT_RETRACTED.',
  })
  @NeighbourhoodIdParam()
  @CommandResponses(
    { type: AssessReportDto, summary: "Editor: the field sources, Amaq and Damascus Now agree that Wednesday's positions fell", example: EXAMPLE },
    'NEIGHBOURHOOD_NOT_FOUND',
    'EVENT_NOT_FOUND',
    'ALREADY_EXISTS',
    'REPORT_RETRACTED',
    'TIMELINE_CONFLICT',
  )
  assess(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Body() body: AssessReportDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new AssessReportCommand(toAssessReportCommand(body, neighbourhoodId), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { neighbourhoodId });
  }
}
