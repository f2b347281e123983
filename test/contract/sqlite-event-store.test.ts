import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { describeEventStoreContract } from './event-store.contract.js';

let root: string | undefined;
let created = 0;
const directories = new WeakMap<EventStore, string>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sqlite-event-store-contract-'));
});

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

function openIn(directory: string): SqliteEventStore {
  const store = SqliteEventStore.openInDirectory(directory);
  directories.set(store, directory);
  return store;
}

describeEventStoreContract('sqlite', {
  detectsEventIdReuseAcrossStreams: true,
  reportsEveryReplay: true,
  async create() {
    if (root === undefined) throw new Error('the temporary root directory is not ready');
    created += 1;
    return openIn(join(root, `store-${created}`));
  },
  async reopen(store) {
    const directory = directories.get(store);
    if (directory === undefined) throw new Error('reopen got a store this factory did not open');
    await store.close();
    return openIn(directory);
  },
});
