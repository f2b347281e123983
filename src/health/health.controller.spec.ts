import type { FastifyReply } from 'fastify';
import type { EventStore } from '../event-store/index.js';
import type { ProjectionEngine, ReadModelsHealth } from '../projections/index.js';
import { HealthController } from './health.controller.js';

const RUNNING: ReadModelsHealth = { status: 'ok', projections: [{ name: 'actors', status: 'running', position: 7 }] };
const FAILED: ReadModelsHealth = {
  status: 'unavailable',
  projections: [{ name: 'actors', status: 'failed', position: 3, error: 'disk I/O error' }],
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
  it('answers 200 with status ok when the store and the read models are usable', async () => {
    const { reply, status } = recordingReply();
    const report = await controllerWith(usableStore, RUNNING).health(reply);
    expect(status()).toBe(200);
    expect(report).toEqual({ status: 'ok', eventStore: { name: 'sqlite', status: 'ok', headPosition: 42 }, readModels: RUNNING });
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

  it('answers 503 when a read model has failed, with the store still ok', async () => {
    const { reply, status } = recordingReply();
    const report = await controllerWith(usableStore, FAILED).health(reply);
    expect(status()).toBe(503);
    expect(report).toEqual({ status: 'unavailable', eventStore: { name: 'sqlite', status: 'ok', headPosition: 42 }, readModels: FAILED });
  });
});
