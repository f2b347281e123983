import type { FastifyReply } from 'fastify';
import { StorageError, type EventStore } from '../event-store/index.js';
import type { ProjectionEngine, ReadModelsHealth } from '../projections/index.js';
import { HealthController } from './health.controller.js';

const RUNNING: ReadModelsHealth = { status: 'ok', projections: [{ name: 'actors', status: 'running', position: 7, usable: true }] };
const FAILED: ReadModelsHealth = {
  status: 'unavailable',
  projections: [{ name: 'actors', status: 'failed', position: 3, usable: true, error: 'disk I/O error' }],
};
const WAITING_FOR_SPACE: ReadModelsHealth = {
  status: 'unavailable',
  projections: [{ name: 'actors', status: 'running', position: 3, usable: true, storage: 'full', error: 'database or disk is full' }],
};

function controllerWith(store: Partial<EventStore>, readModels: ReadModelsHealth): HealthController {
  const projections = { readModelsHealth: () => readModels } as unknown as ProjectionEngine;
  return new HealthController({ name: 'sqlite', ...store } as EventStore, projections);
}

function recordingReply(): { reply: FastifyReply; status: () => number | undefined } {
  let code: number | undefined;
  const reply = { status: (value: number) => ((code = value), reply) } as unknown as FastifyReply;
  return { reply, status: () => code };
}

const usableStore: Partial<EventStore> = { ping: async () => undefined, headPosition: async () => 42 };

describe('HealthController', () => {
  it('answers 200 with status ok when the store, its storage and the read models are usable', async () => {
    const { reply, status } = recordingReply();
    const report = await controllerWith(usableStore, RUNNING).health(reply);
    expect(status()).toBe(200);
    expect(report).toEqual({
      status: 'ok',
      eventStore: { name: 'sqlite', status: 'ok', headPosition: 42 },
      readModels: RUNNING,
      storage: { status: 'ok' },
    });
  });

  it("reports the durability settings the store's connection gives", async () => {
    const { reply } = recordingReply();
    const store = { ...usableStore, durability: () => ({ journalMode: 'wal', synchronous: 'full' }) };
    const report = await controllerWith(store, RUNNING).health(reply);
    expect(report.eventStore.durability).toEqual({ journalMode: 'wal', synchronous: 'full' });
  });

  it('answers 503 with the first line of the error when the store cannot be reached', async () => {
    const { reply, status } = recordingReply();
    const store: Partial<EventStore> = {
      ping: async () => {
        throw new Error('unreachable (unavailable)\n    at somewhere');
      },
      headPosition: async () => 42,
    };
    const report = await controllerWith(store, RUNNING).health(reply);
    expect(status()).toBe(503);
    expect(report.status).toBe('unavailable');
    expect(report.eventStore).toEqual({ name: 'sqlite', status: 'unavailable', error: 'unreachable (unavailable)' });
  });

  it('answers 503 saying the storage is full when the store refuses writes, with the head it can still read', async () => {
    const { reply, status } = recordingReply();
    const store: Partial<EventStore> = {
      ping: async () => {
        throw new StorageError('full', 'storage full: database or disk is full');
      },
      headPosition: async () => 42,
    };
    const report = await controllerWith(store, RUNNING).health(reply);
    expect(status()).toBe(503);
    expect(report).toEqual({
      status: 'unavailable',
      eventStore: { name: 'sqlite', status: 'unavailable', headPosition: 42, error: 'storage full: database or disk is full' },
      readModels: RUNNING,
      storage: { status: 'unavailable', reason: 'full', where: 'event store', error: 'storage full: database or disk is full' },
    });
  });

  it('answers 503 naming the read model that waits for space, with the store still ok', async () => {
    const { reply, status } = recordingReply();
    const report = await controllerWith(usableStore, WAITING_FOR_SPACE).health(reply);
    expect(status()).toBe(503);
    expect(report.storage).toEqual({ status: 'unavailable', reason: 'full', where: 'read model actors', error: 'database or disk is full' });
    expect(report.eventStore.status).toBe('ok');
  });

  it('answers 503 when a read model has failed, with the store still ok', async () => {
    const { reply, status } = recordingReply();
    const report = await controllerWith(usableStore, FAILED).health(reply);
    expect(status()).toBe(503);
    expect(report).toEqual({
      status: 'unavailable',
      eventStore: { name: 'sqlite', status: 'ok', headPosition: 42 },
      readModels: FAILED,
      storage: { status: 'ok' },
    });
  });
});
