import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { LaunchAttackDto, toLaunchAttackCommand } from './launch-attack.dto.js';
import { LaunchAttackCommand } from './launch-attack.handler.js';

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/attacks')
export class LaunchAttackController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Record an attack; its targets become contested' })
  @CommandResponses()
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
