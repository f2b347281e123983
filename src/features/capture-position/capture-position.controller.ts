import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { CapturePositionDto, toCapturePositionCommand } from './capture-position.dto.js';
import { CapturePositionCommand } from './capture-position.handler.js';

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/captures')
export class CapturePositionController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Record that an actor captured positions' })
  @CommandResponses()
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
