import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { LaunchCounterattackDto, toLaunchCounterattackCommand } from './launch-counterattack.dto.js';
import { LaunchCounterattackCommand } from './launch-counterattack.handler.js';

@ApiTags('Incidents')
@Controller('neighbourhoods/:id/counterattacks')
export class LaunchCounterattackController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Record a counterattack; its targets become contested' })
  @CommandResponses()
  launch(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Body() body: LaunchCounterattackDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new LaunchCounterattackCommand(toLaunchCounterattackCommand(body, neighbourhoodId), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { neighbourhoodId });
  }
}
