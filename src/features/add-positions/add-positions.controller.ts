import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CommandResponses, type CommandResponse, commandMetadata, executeCommand } from '../command-endpoint.js';
import { NeighbourhoodIdParam, NeighbourhoodIdPipe } from '../path-params.js';
import { AddPositionsDto, toAddPositionsCommand } from './add-positions.dto.js';
import { AddPositionsCommand } from './add-positions.handler.js';

/** The request an integration sends, from the Tadamon report (scripts/tadamon-scenario.ts). */
const EXAMPLE = {
  positions: [{ id: 'southern-blocks', name: 'Southern blocks', kind: 'block', weight: 12, coordinates: [36.3019, 33.4809], controller: 'syrian-regime' }],
};

@ApiTags('Reference data')
@Controller('neighbourhoods/:id/positions')
export class AddPositionsController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('writer')
  @ApiOperation({ summary: 'Add positions to a neighbourhood' })
  @NeighbourhoodIdParam()
  @CommandResponses(
    { type: AddPositionsDto, summary: 'Add the southern blocks of Tadamon, held by the regime', example: EXAMPLE },
    'NEIGHBOURHOOD_NOT_FOUND',
    'ALREADY_EXISTS',
    'ACTOR_UNKNOWN',
    'INVALID_COMMAND',
  )
  add(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Body() body: AddPositionsDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CommandResponse> {
    const command = new AddPositionsCommand(toAddPositionsCommand(body, neighbourhoodId), commandMetadata(request, principal));
    return executeCommand(this.bus, command, reply, { neighbourhoodId });
  }
}
