import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, type SchemaObject } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/roles.decorator.js';
import { EVENT_STORE, StorageError } from '../event-store/index.js';
import type { EventStore, StorageFailureKind, StoreDurability } from '../event-store/index.js';
import { ProjectionEngine, type ReadModelsHealth } from '../projections/index.js';

export type ComponentStatus = 'ok' | 'unavailable';

export interface EventStoreHealth {
  readonly name: string;
  readonly status: ComponentStatus;
  readonly headPosition?: number;
  /** The settings of the store's own connection, for a store that has them (the embedded one). */
  readonly durability?: StoreDurability;
  readonly error?: string;
}

/**
 * Whether the storage takes writes: the event store's (its first failed write turns it
 * `unavailable`, a probe write every 5 s turns it back) and the read models' (a read model that
 * cannot write waits, and says why). `reason` is `full` (no space left) or `unavailable` (I/O
 * errors, a read-only or damaged file).
 */
export interface StorageHealth {
  readonly status: ComponentStatus;
  readonly reason?: StorageFailureKind;
  /** What refuses writes: `event store`, or `read model <name>`. */
  readonly where?: string;
  readonly error?: string;
}

export interface HealthReport {
  readonly status: ComponentStatus;
  readonly eventStore: EventStoreHealth;
  readonly readModels: ReadModelsHealth;
  readonly storage: StorageHealth;
}

/**
 * `GET /health`: 200 `{"status": "ok", ...}` when every component is usable, 503 with
 * `"status": "unavailable"` otherwise. Each component reports itself under its own key with its
 * own `status`; a new component (or a new way to fail) is one more entry of the report, and the
 * overall status follows from all of them.
 */
/** The health report, as the document shows it: its components are described in docs/operations.md. */
const HEALTH_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status', 'eventStore', 'readModels', 'storage'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    eventStore: { type: 'object', additionalProperties: true },
    readModels: { type: 'object', additionalProperties: true },
    storage: { type: 'object', additionalProperties: true },
  },
};

@ApiTags('Operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projections: ProjectionEngine,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: '200 when the event store, its storage and the read models are usable, 503 otherwise (each component says why)' })
  @ApiOkResponse({ description: 'Every component is usable', schema: HEALTH_SCHEMA })
  @ApiServiceUnavailableResponse({ description: 'A component is not usable: the same report, `status` "unavailable"', schema: HEALTH_SCHEMA })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const { health: eventStore, storageFailure } = await this.eventStoreHealth();
    const readModels = this.projections.readModelsHealth();
    const components = { eventStore, readModels, storage: storageHealth(storageFailure, readModels) };
    const status: ComponentStatus = Object.values(components).every((component) => component.status === 'ok') ? 'ok' : 'unavailable';
    void reply.status(status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status, ...components };
  }

  private async eventStoreHealth(): Promise<{ health: EventStoreHealth; storageFailure?: StorageError }> {
    const { name } = this.store;
    const durability = this.durability();
    try {
      await this.store.ping();
      return { health: { name, status: 'ok', headPosition: await this.store.headPosition(), ...(durability && { durability }) } };
    } catch (error) {
      const health: EventStoreHealth = { name, status: 'unavailable', ...(durability && { durability }), error: firstLine(error) };
      if (!(error instanceof StorageError)) return { health };
      // A store that refuses writes may still be read: its head says how far the log goes.
      const headPosition = await this.store.headPosition().catch(() => undefined);
      return { health: { ...health, ...(headPosition !== undefined && { headPosition }) }, storageFailure: error };
    }
  }

  private durability(): StoreDurability | undefined {
    try {
      return this.store.durability?.();
    } catch {
      return undefined;
    }
  }
}

function storageHealth(eventStore: StorageError | undefined, readModels: ReadModelsHealth): StorageHealth {
  if (eventStore !== undefined) return { status: 'unavailable', reason: eventStore.kind, where: 'event store', error: firstLine(eventStore) };
  const waiting = readModels.projections.find((projection) => projection.storage !== undefined);
  if (waiting?.storage !== undefined) {
    return {
      status: 'unavailable',
      reason: waiting.storage,
      where: `read model ${waiting.name}`,
      ...(waiting.error !== undefined && { error: waiting.error }),
    };
  }
  return { status: 'ok' };
}

function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : 'unknown error';
}
