import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { RetractReportDto, toRetractReportCommand } from './retract-report.dto.js';
import { RetractReportCommand } from './retract-report.handler.js';

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/retractions')
export class RetractReportController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Withdraw a false report: it then counts nowhere' })
  @CommandResponses()
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
