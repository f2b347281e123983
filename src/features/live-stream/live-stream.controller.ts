import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { LiveFilter } from './live-filter.js';
import { LiveStreamQueryDto } from './live-stream.dto.js';
import { LIVE_STREAM_ROUTE_CONFIG, LiveFeed } from './live-feed.js';

export const EVENT_STREAM_MEDIA_TYPE = 'text/event-stream';

@ApiTags('Live feed')
@ApiBearerAuth()
@Controller('stream')
export class LiveStreamController {
  constructor(private readonly feed: LiveFeed) {}

  @Get()
  @Roles('analyst')
  @RouteConfig(LIVE_STREAM_ROUTE_CONFIG)
  @ApiOperation({
    summary: 'Server-sent events: what the log records, in log order, as it is recorded',
    description: [
      'Each message has `id: <log position>`, `event: <type>` and `data:` one line of JSON: an incident as its timeline item was',
      'when recorded (plus `position`), any other event as its `/events` item, redacted for the caller\'s role as those are.',
      'After a message that changed its neighbourhood\'s default control summary comes `event: control` with `id: <position>/control`',
      'and `{neighbourhoodId, position, eventId, shares, sideShares, majorityController, contestedPositions}`.',
      'Without `Last-Event-ID` or `from` the stream starts at the head (new events only). Resuming after `N` sends N\'s control',
      'message, after `N/control` it does not; ids of a filtered stream are log positions, with gaps. A comment `: heartbeat`',
      'comes after a silence; a consumer that falls too far behind (1,000 messages or 8 MB by default) is cut off after its last whole',
      'message, and resumes with Last-Event-ID.',
    ].join(' '),
  })
  @ApiProduces(EVENT_STREAM_MEDIA_TYPE)
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this message id (`N` or `N/control`); wins over `from`' })
  @ApiOkResponse({
    description: 'An endless text/event-stream',
    content: {
      [EVENT_STREAM_MEDIA_TYPE]: {
        schema: { type: 'string' },
        example: 'id: 42\nevent: PositionCaptured\ndata: {"eventId":"…","type":"PositionCaptured",…,"position":42}\n\nid: 42/control\nevent: control\ndata: {"neighbourhoodId":"damascus-tadamon","position":42,…}\n\n',
      },
    },
  })
  async stream(
    @Query() query: LiveStreamQueryDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    const cursor = await this.feed.startingCursor(request.headers['last-event-id'], query.from);
    const filter = new LiveFilter({ neighbourhoods: query.neighbourhood, types: query.type, cities: query.city });
    // From here on the stream writes the answer itself, headers set so far included.
    reply.hijack();
    void this.feed.streams.stream(reply.raw, reply.getHeaders() as Record<string, string>, cursor, filter, principal.role === 'admin' ? 'admin' : 'others');
  }
}
