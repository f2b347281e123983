import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { ReportCasualtiesDto, toReportCasualtiesCommand } from './report-casualties.dto.js';
import { ReportCasualtiesCommand } from './report-casualties.handler.js';

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/casualties')
export class ReportCasualtiesController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Record killed and wounded, as low / best / high' })
  @CommandResponses()
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
