import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CSV_MEDIA_TYPE, type ExportAnswer, HeavyQueryResponse, StreamedExport, sendExport } from '../exports/streamed-export.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { CONTROL_HISTORY_COLUMNS, ControlHistoryQueryDto } from './control-history.dto.js';
import { ControlHistoryQuery } from './control-history.handler.js';

@ApiTags('Exports')
@Controller('neighbourhoods/:id/control-history.csv')
export class ControlHistoryController {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @StreamedExport(CSV_MEDIA_TYPE)
  @ApiOperation({
    summary: 'Every change of controller of the neighbourhood\'s positions in the accepted timeline, as CSV',
    description:
      `One row per position a report gave to another controller, in (occurredAt, log position) order; the baseline is no row. ` +
      `Columns: ${CONTROL_HISTORY_COLUMNS.join(', ')} (an empty controller is nobody). RFC 4180, UTF-8 with a byte-order mark, ` +
      "CRLF, UTC instants; a cell beginning with =, +, -, @, tab or CR is prefixed with '. As known when the export starts; " +
      'streamed, a heavy query.',
  })
  @ApiOkResponse({ description: 'text/csv' })
  @HeavyQueryResponse()
  @ReadModelResponses({ status: 404, description: 'NEIGHBOURHOOD_NOT_FOUND' })
  async export(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Query() query: ControlHistoryQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendExport(reply, await this.bus.execute<ControlHistoryQuery, ExportAnswer>(new ControlHistoryQuery(neighbourhoodId, query)));
  }
}
