import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/roles.decorator.js';
import { EVENT_STORE } from '../event-store/index.js';
import type { EventStore } from '../event-store/index.js';
import { ProjectionEngine, type ReadModelsHealth } from '../projections/index.js';

export type ComponentStatus = 'ok' | 'unavailable';

export interface EventStoreHealth {
  readonly name: string;
  readonly status: ComponentStatus;
  readonly headPosition?: number;
  readonly error?: string;
}

export interface HealthReport {
  readonly status: ComponentStatus;
  readonly eventStore: EventStoreHealth;
  readonly readModels: ReadModelsHealth;
}

/**
 * `GET /health`: 200 `{"status": "ok", ...}` when every component is usable, 503 with
 * `"status": "unavailable"` otherwise. Each component reports itself under its own key with its
 * own `status`; a new component (or a new way to fail) is one more entry of the report, and the
 * overall status follows from all of them.
 */
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
    const components = {
      eventStore: await this.eventStoreHealth(),
      readModels: this.projections.readModelsHealth(),
    };
    const status: ComponentStatus = Object.values(components).every((component) => component.status === 'ok') ? 'ok' : 'unavailable';
    void reply.status(status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status, ...components };
  }

  private async eventStoreHealth(): Promise<EventStoreHealth> {
    try {
      await this.store.ping();
      return { name: this.store.name, status: 'ok', headPosition: await this.store.headPosition() };
    } catch (error) {
      return { name: this.store.name, status: 'unavailable', error: error instanceof Error ? error.message.split('\n')[0] : 'unknown error' };
    }
  }
}
