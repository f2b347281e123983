import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/roles.decorator.js';
import { ApiRefusals } from '../../http/index.js';
import { READ_MODELS } from '../read-models.js';
import { ProjectionStatusDto, RebuildAcceptedDto } from './projections-admin.dto.js';
import { ListProjectionsQuery, RebuildProjectionCommand } from './projections-admin.handler.js';

@ApiTags('Operations')
@Controller('projections')
export class ProjectionsAdminController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
  ) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Every projection: its version, position, the log head, lag and status' })
  @ApiOkResponse({ type: [ProjectionStatusDto] })
  list(): Promise<ProjectionStatusDto[]> {
    return this.queries.execute(new ListProjectionsQuery());
  }

  @Post(':name/rebuild')
  @Roles('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Rebuild a projection from position 0 beside the live copy',
    description:
      'Queries keep reading the live generation meanwhile; the new one replaces it atomically once it has caught up ' +
      'with the head, and the old file is deleted. Asking again while a rebuild runs starts nothing new.',
  })
  @ApiAcceptedResponse({ type: RebuildAcceptedDto })
  @ApiParam({ name: 'name', description: 'A read model', enum: READ_MODELS.map((model) => model.name) })
  @ApiRefusals('PROJECTION_NOT_FOUND')
  rebuild(@Param('name') name: string): Promise<RebuildAcceptedDto> {
    return this.commands.execute(new RebuildProjectionCommand(name));
  }
}
