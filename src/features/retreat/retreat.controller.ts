import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { RetreatDto, toRetreatCommand } from './retreat.dto.js';
import { RetreatCommand } from './retreat.handler.js';

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/retreats')
export class RetreatController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Record that an actor withdrew from positions it held' })
  @CommandResponses()
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
