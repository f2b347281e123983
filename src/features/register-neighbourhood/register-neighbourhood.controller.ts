import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { RegisterNeighbourhoodDto, toRegisterNeighbourhoodCommand } from './register-neighbourhood.dto.js';
import { RegisterNeighbourhoodCommand } from './register-neighbourhood.handler.js';

@ApiTags('Reference data')
@Controller('neighbourhoods')
export class RegisterNeighbourhoodController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Register a neighbourhood with its positions and who held them at the baseline' })
  @CommandResponses()
  register(
    @Body() body: RegisterNeighbourhoodDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new RegisterNeighbourhoodCommand(toRegisterNeighbourhoodCommand(body), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { neighbourhoodId: body.id });
  }
}
