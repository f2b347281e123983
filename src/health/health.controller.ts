import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/roles.decorator.js';
import { EVENT_STORE } from '../event-store/index.js';
import type { EventStore } from '../event-store/index.js';
import { ProjectionEngine, type ReadModelsHealth } from '../projections/index.js';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  eventStore: { name: string; status: 'ok' | 'unavailable'; headPosition?: number; error?: string };
  readModels: ReadModelsHealth;
}

@ApiTags('Operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projections: ProjectionEngine,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: '200 when the event store and the read models are usable, 503 otherwise' })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const eventStore: HealthReport['eventStore'] = { name: this.store.name, status: 'ok' };
    try {
      await this.store.ping();
      eventStore.headPosition = await this.store.headPosition();
    } catch (error) {
      eventStore.status = 'unavailable';
      eventStore.error = error instanceof Error ? error.message.split('\n')[0] : 'unknown error';
    }
    const readModels = this.projections.readModelsHealth();
    const status = eventStore.status === 'ok' && readModels.status === 'ok' ? 'ok' : 'unavailable';
    void reply.status(status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status, eventStore, readModels };
  }
}
