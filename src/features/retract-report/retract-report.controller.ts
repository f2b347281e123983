import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { RetractReportDto, toRetractReportCommand } from './retract-report.dto.js';
import { RetractReportCommand } from './retract-report.handler.js';

/** The request an integration sends, from the Tadamon report (scripts/tadamon-scenario.ts). */
const EXAMPLE = {
  eventId: '0196f0a3-1e7b-7d20-8c5f-6a9b2e4d1c37',
  reason: 'The same article was recorded twice; this copy counts the same bodies again.',
};

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/retractions')
export class RetractReportController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Withdraw a false report: it then counts nowhere' })
  @NeighbourhoodIdParam()
  @CommandResponses(
    { type: RetractReportDto, summary: 'Withdraw a casualty report recorded twice from the same article', example: EXAMPLE },
    'NEIGHBOURHOOD_NOT_FOUND',
    'EVENT_NOT_FOUND',
    'ALREADY_EXISTS',
    'TIMELINE_CONFLICT',
  )
  retract(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Body() body: RetractReportDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new RetractReportCommand(toRetractReportCommand(body, neighbourhoodId), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { neighbourhoodId });
  }
}
