import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { neighbourhoodStreamId } from '../../domain/index.js';
import { EVENT_STORE } from '../../event-store/index.js';
import type { EventStore } from '../../event-store/index.js';
import { PAGE_LIMITS } from '../paging.js';
import { rawEventItem } from './raw-event-item.js';
import type { StreamEventDto, StreamPageDto } from './read-stream.dto.js';

export class ReadStreamQuery extends Query<StreamPageDto> {
  constructor(
    readonly neighbourhoodId: string,
    readonly fromRevision: number,
    readonly limit: number,
    /**
     * Admins see protected sources and the request metadata (idempotency key, request hash,
     * request id); everybody else sees the sources redacted and no request metadata.
     */
    readonly asAdmin: boolean,
  ) {
    super();
  }
}

/** The audit view: the stream as the event store holds it, not a read model. */
@QueryHandler(ReadStreamQuery)
export class ReadStreamHandler implements IQueryHandler<ReadStreamQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(query: ReadStreamQuery): Promise<StreamPageDto> {
    const streamId = neighbourhoodStreamId(query.neighbourhoodId);
    if ((await this.store.streamRevision(streamId)) < 0) {
      throw new ApplicationError('NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${query.neighbourhoodId}`);
    }
    const position = await this.store.headPosition();
    const items: StreamEventDto[] = [];
    let more = false;
    let bytes = 0;
    // One extra event tells whether another page follows.
    for await (const event of this.store.readStream(streamId, { fromRevision: query.fromRevision, maxCount: query.limit + 1 })) {
      if (items.length === query.limit) {
        more = true;
        break;
      }
      const item = rawEventItem(event, query.asAdmin);
      // API.md: a page is also cut by size, so that an answer (and what a client that reads it
      // slowly holds in the server's memory) stays near 8 MB. The first event always goes.
      bytes += Buffer.byteLength(JSON.stringify(item));
      if (items.length > 0 && bytes > PAGE_LIMITS.maxBytes) {
        more = true;
        break;
      }
      items.push(item);
    }
    return more ? { items, nextFromRevision: items.at(-1)!.streamRevision + 1, position } : { items, position };
  }
}

