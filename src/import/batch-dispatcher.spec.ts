import { BatchDispatcher } from './batch-dispatcher.js';
import type { BatchCommand, BatchResult, ImportCommand, KeyRole } from './import-commands.js';
import type { BatchAnswer, TimelineClient } from './timeline-client.js';

/** A client whose batches are answered only when the test says so. */
class HeldClient implements TimelineClient {
  readonly sent: { commands: readonly BatchCommand[]; key: KeyRole; answer: () => void }[] = [];
  async health(): Promise<void> {}
  sendBatch(commands: readonly BatchCommand[], key: KeyRole): Promise<BatchAnswer> {
    return new Promise((resolve) => {
      this.sent.push({ commands, key, answer: () => resolve({ results: commands.map((): BatchResult => ({ status: 201, eventId: 'e' })), position: this.sent.length }) });
    });
  }
  async datasetEvents(): Promise<never[]> {
    return [];
  }
}

const casualty = (neighbourhoodId: string, n: number): ImportCommand => ({
  role: 'casualties',
  path: `/v1/neighbourhoods/${neighbourhoodId}/casualties`,
  idempotencyKey: `ucdp:${n}:casualties`,
  body: { occurredAt: '2018-05-01T00:00:00Z', timePrecision: 'day', sources: [{ name: 'UCDP GED', kind: 'dataset', reliability: 'B', credibility: 2 }], killed: { best: n } },
});

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('batch dispatcher', () => {
  it('packs commands in order into batches of at most maxCommands', async () => {
    const client = new HeldClient();
    const answered: number[] = [];
    const dispatcher = new BatchDispatcher(client, { maxCommands: 2, maxBytes: 1_000_000, maxInFlight: 8 }, (item) => answered.push(item.record));
    for (let n = 1; n <= 5; n += 1) await dispatcher.add({ command: casualty(`n${n}`, n), record: n, rowId: String(n), neighbourhoodId: `n${n}` });
    const drained = dispatcher.drain();
    await flush();
    expect(client.sent.map((batch) => batch.commands.map((c) => c.idempotencyKey))).toEqual([
      ['ucdp:1:casualties', 'ucdp:2:casualties'],
      ['ucdp:3:casualties', 'ucdp:4:casualties'],
      ['ucdp:5:casualties'],
    ]);
    client.sent.forEach((batch) => batch.answer());
    await drained;
    expect(answered.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(dispatcher.lastPosition).toBe(3);
  });

  it('cuts batches by size', async () => {
    const client = new HeldClient();
    const size = Buffer.byteLength(JSON.stringify({ path: casualty('a', 1).path, idempotencyKey: 'ucdp:1:casualties', body: casualty('a', 1).body })) + 1;
    const dispatcher = new BatchDispatcher(client, { maxCommands: 1000, maxBytes: 16 + size * 2, maxInFlight: 8 }, () => undefined);
    for (let n = 1; n <= 3; n += 1) await dispatcher.add({ command: casualty('a', n), record: n, rowId: String(n), neighbourhoodId: `x${n}` });
    const drained = dispatcher.drain();
    await flush();
    expect(client.sent.map((b) => b.commands.length)).toEqual([2, 1]);
    client.sent.forEach((b) => b.answer());
    await drained;
  });

  it('sends a batch touching a neighbourhood only after the batches in flight for it are answered', async () => {
    const client = new HeldClient();
    const dispatcher = new BatchDispatcher(client, { maxCommands: 1, maxBytes: 1_000_000, maxInFlight: 4 }, () => undefined);
    await dispatcher.add({ command: casualty('a', 1), record: 1, rowId: '1', neighbourhoodId: 'a' });
    await dispatcher.add({ command: casualty('b', 2), record: 2, rowId: '2', neighbourhoodId: 'b' });
    const third = dispatcher.add({ command: casualty('a', 3), record: 3, rowId: '3', neighbourhoodId: 'a' });
    await third;
    const drained = dispatcher.drain();
    await flush();
    // Batch 1 (a) is in flight, batch 2 (b) went beside it; batch 3 (a) waits for batch 1.
    expect(client.sent.map((b) => b.commands[0]!.idempotencyKey)).toEqual(['ucdp:1:casualties', 'ucdp:2:casualties']);
    expect(dispatcher.isPending('3')).toBe(true);
    client.sent[1]!.answer();
    await flush();
    expect(client.sent).toHaveLength(2);
    client.sent[0]!.answer();
    await flush();
    expect(client.sent.map((b) => b.commands[0]!.idempotencyKey)).toEqual(['ucdp:1:casualties', 'ucdp:2:casualties', 'ucdp:3:casualties']);
    client.sent[2]!.answer();
    await drained;
    expect(dispatcher.isPending('3')).toBe(false);
  });

  it('keeps at most maxInFlight batches unanswered', async () => {
    const client = new HeldClient();
    const dispatcher = new BatchDispatcher(client, { maxCommands: 1, maxBytes: 1_000_000, maxInFlight: 2 }, () => undefined);
    for (let n = 1; n <= 3; n += 1) await dispatcher.add({ command: casualty(`n${n}`, n), record: n, rowId: String(n), neighbourhoodId: `n${n}` });
    const drained = dispatcher.drain();
    await flush();
    expect(client.sent).toHaveLength(2);
    client.sent[0]!.answer();
    await flush();
    expect(client.sent).toHaveLength(3);
    client.sent.slice(1).forEach((b) => b.answer());
    await drained;
  });

  it('sends registrations at once with the key asked for and answers them in order', async () => {
    const client = new HeldClient();
    const dispatcher = new BatchDispatcher(client, { maxCommands: 2, maxBytes: 1_000_000, maxInFlight: 2 }, () => undefined);
    const sending = dispatcher.sendNow([1, 2, 3].map((n) => ({ command: casualty('a', n), record: n, rowId: String(n) })), 'admin');
    await flush();
    client.sent[0]!.answer();
    await flush();
    client.sent[1]!.answer();
    expect(await sending).toHaveLength(3);
    expect(client.sent.map((b) => [b.key, b.commands.length])).toEqual([
      ['admin', 2],
      ['admin', 1],
    ]);
  });
});
