import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { CSV_MEDIA_TYPE, type ExportAnswer, HeavyQueryResponse, StreamedExport, sendExport } from '../exports/streamed-export.js';
import { NeighbourhoodIdPipe } from '../path-params.js';
import { ReadModelResponses } from '../read-model-query.dto.js';
import { CityTimelineCsvQueryDto, TimelineCsvQueryDto } from './neighbourhood-timeline.dto.js';
import { TIMELINE_CSV_COLUMNS, TimelineCsvQuery } from './timeline-csv.handler.js';

const CSV_FORMAT =
  `Columns: ${TIMELINE_CSV_COLUMNS.join(', ')}; data, sources, assessments, conflictsWith and corroborates hold compact JSON ` +
  '(the last two empty where the item has none). RFC 4180, UTF-8 with a byte-order mark, a header row, CRLF, UTC instants; a ' +
  "cell beginning with =, +, -, @, tab or CR is prefixed with '. Protected sources are redacted unless the caller is an admin. " +
  'Without knownAt, as known when the export starts. Streamed; `limit` and `cursor` are refused (400). A heavy query.';

@ApiTags('Exports')
@Controller()
export class TimelineCsvController {
  constructor(private readonly bus: QueryBus) {}

  @Get('neighbourhoods/:id/timeline.csv')
  @StreamedExport(CSV_MEDIA_TYPE)
  @ApiOperation({ summary: "A neighbourhood's timeline as CSV, with every filter of the timeline", description: CSV_FORMAT })
  @ApiOkResponse({ description: 'text/csv' })
  @HeavyQueryResponse()
  @ReadModelResponses({ status: 404, description: 'NEIGHBOURHOOD_NOT_FOUND' })
  async neighbourhood(
    @Param('id', NeighbourhoodIdPipe) neighbourhoodId: string,
    @Query() query: TimelineCsvQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendExport(reply, await this.bus.execute<TimelineCsvQuery, ExportAnswer>(new TimelineCsvQuery(neighbourhoodId, query, principal.role === 'admin')));
  }

  @Get('timeline.csv')
  @StreamedExport(CSV_MEDIA_TYPE)
  @ApiOperation({ summary: 'The timeline of every neighbourhood (of a city) as CSV, with every filter of the timeline', description: CSV_FORMAT })
  @ApiOkResponse({ description: 'text/csv' })
  @HeavyQueryResponse()
  @ReadModelResponses()
  async city(@Query() query: CityTimelineCsvQueryDto, @CurrentPrincipal() principal: Principal, @Res() reply: FastifyReply): Promise<void> {
    sendExport(reply, await this.bus.execute<TimelineCsvQuery, ExportAnswer>(new TimelineCsvQuery(undefined, query, principal.role === 'admin')));
  }
}
