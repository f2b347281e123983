import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { RegisterActorDto, toRegisterActorCommand } from './register-actor.dto.js';
import { RegisterActorCommand } from './register-actor.handler.js';

/** The request an integration sends, from the Tadamon report (scripts/tadamon-scenario.ts). */
const EXAMPLE = { id: 'isis', name: 'Islamic State (ISIS / Daesh)', nameAr: 'تنظيم داعش', side: 'isis', kind: 'rebel-group' };

@ApiTags('Reference data')
@Controller('actors')
export class RegisterActorController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Register an actor (armed group, state force, militia)' })
  @CommandResponses(
    { type: RegisterActorDto, summary: 'Register ISIS as an actor', example: EXAMPLE },
    'ALREADY_EXISTS',
  )
  register(
    @Body() body: RegisterActorDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new RegisterActorCommand(toRegisterActorCommand(body), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { actorId: body.id });
  }
}
