import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { RegisterNeighbourhoodDto, toRegisterNeighbourhoodCommand } from './register-neighbourhood.dto.js';
import { RegisterNeighbourhoodCommand } from './register-neighbourhood.handler.js';

/** The request an integration sends, from the Tadamon report (scripts/tadamon-scenario.ts). */
const EXAMPLE = {
  id: 'damascus-tadamon',
  name: 'Tadamon',
  nameAr: 'حي التضامن',
  city: 'Damascus',
  country: 'Syria',
  controlAsOf: '2018-04-16T00:00:00Z',
  positions: [
    { id: 'west-tadamon', name: 'Western Tadamon', kind: 'sector', weight: 6, coordinates: [36.3005, 33.4835], controller: 'isis' },
    { id: 'buildings-block-a', name: 'Building block A (ten buildings)', kind: 'block', weight: 10, coordinates: [36.3032, 33.4851], controller: 'syrian-regime' },
    { id: 'abu-turabi-bakery-1', name: 'Abu Turabi bakery, north block', nameAr: 'فرن أبو ترابي', kind: 'block', weight: 2, coordinates: [36.3049, 33.4862], controller: 'syrian-regime' },
    { id: 'militia-barracks', name: 'Foreign militia barracks', kind: 'building', weight: 2, coordinates: [36.3027, 33.4824], controller: 'iranian-militias' },
    { id: 'east-tadamon', name: 'Eastern Tadamon', kind: 'sector', weight: 20, coordinates: [36.3078, 33.4846], controller: 'syrian-regime' },
  ],
};

@ApiTags('Reference data')
@Controller('neighbourhoods')
export class RegisterNeighbourhoodController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Register a neighbourhood with its positions and who held them at the baseline' })
  @CommandResponses(
    { type: RegisterNeighbourhoodDto, summary: 'Register Tadamon: ISIS holds its west, the regime and its allies the rest', example: EXAMPLE },
    'ALREADY_EXISTS',
    'ACTOR_UNKNOWN',
    'OCCURRED_IN_FUTURE',
    'INVALID_COMMAND',
  )
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
