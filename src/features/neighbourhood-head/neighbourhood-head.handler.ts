import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ApplicationError } from '../../application/application-error.js';
import { neighbourhoodStreamId } from '../../domain/index.js';
import { EVENT_STORE, type EventStore } from '../../event-store/index.js';
import type { NeighbourhoodHeadDto } from './neighbourhood-head.dto.js';

export class NeighbourhoodHeadQuery extends Query<NeighbourhoodHeadDto> {
  constructor(readonly neighbourhoodId: string) {
    super();
  }
}

/** Where a neighbourhood's stream stands, from the event store itself: what an If-Match needs. */
@QueryHandler(NeighbourhoodHeadQuery)
export class NeighbourhoodHeadHandler implements IQueryHandler<NeighbourhoodHeadQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ neighbourhoodId }: NeighbourhoodHeadQuery): Promise<NeighbourhoodHeadDto> {
    const streamId = neighbourhoodStreamId(neighbourhoodId);
    const revision = await this.store.streamRevision(streamId);
    if (revision < 0) throw new ApplicationError('NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${neighbourhoodId}`);
    let position = 0;
    for await (const event of this.store.readStream(streamId, { fromRevision: revision, maxCount: 1 })) position = event.position;
    return { neighbourhoodId, streamRevision: revision, position };
  }
}
