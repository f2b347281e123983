import { SERVER_KEYS, type ServerProcess, startServer, temporaryDataDir } from './server-process.js';
import { type SseMessage, openSse } from './sse-client.js';

const NEIGHBOURHOOD = 'damascus-tadamon';
const field = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const auth = { authorization: `Bearer ${SERVER_KEYS.analyst}` };

async function registerNeighbourhood(server: ServerProcess): Promise<void> {
  for (const [id, side] of [
    ['isis', 'isis'],
    ['syrian-regime', 'pro-government'],
  ] as const) {
    expect((await server.post('/v1/actors', { id, name: id, side })).status).toBe(201);
  }
  const registered = await server.post('/v1/neighbourhoods', {
    id: NEIGHBOURHOOD,
    name: 'Tadamon',
    city: 'Damascus',
    country: 'Syria',
    controlAsOf: '2018-04-16T00:00:00Z',
    positions: [
      { id: 'west', name: 'West', weight: 1, controller: 'isis' },
      { id: 'east', name: 'East', weight: 2, controller: 'syrian-regime' },
    ],
  });
  expect(registered.status).toBe(201);
}

/**
 * `count` commands, one after another: captures of `west` that hand it back and forth (each
 * changes control: a control message follows) between casualty reports (no control message).
 * Answers the last position.
 */
async function burst(server: ServerProcess, count: number, startMinute: number): Promise<number> {
  let last = 0;
  for (let index = 0; index < count; index += 1) {
    const minute = startMinute + index;
    const occurredAt = new Date(Date.parse('2018-04-17T00:00:00Z') + minute * 60_000).toISOString();
    const capture = index % 2 === 0;
    const answer = capture
      ? await server.post(`/v1/neighbourhoods/${NEIGHBOURHOOD}/captures`, {
          by: minute % 4 === 0 ? 'syrian-regime' : 'isis',
          positions: ['west'],
          occurredAt,
          sources: [field],
        })
      : await server.post(`/v1/neighbourhoods/${NEIGHBOURHOOD}/casualties`, { killed: { best: index }, occurredAt, sources: [field] });
    expect(answer.status).toBe(201);
    last = answer.body.position;
  }
  return last;
}

describe('the event stream across a server restart', () => {
  const data = temporaryDataDir();
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.kill();
    data.remove();
  });

  it('lets a consumer that dropped out mid-burst resume with Last-Event-ID and see every position exactly once', async () => {
    server = await startServer({ dataDir: data.dir });
    await registerNeighbourhood(server);
    const start = (await server.get(`/v1/neighbourhoods/${NEIGHBOURHOOD}/head`, { as: 'writer' })).body.position as number;

    const first = await openSse(`${server.url}/v1/stream`, auth);
    const dropped = first.waitFor((messages) => messages.length >= 60, '60 messages').then(() => first.close());
    await burst(server, 160, 0);
    await dropped;

    server.signal('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    server = await startServer({ dataDir: data.dir });
    // Captures keep alternating between the two actors: every one changes who holds west.
    const last = await burst(server, 81, 1_000);

    const seen = first.messages;
    const second = await openSse(`${server.url}/v1/stream`, { ...auth, 'last-event-id': seen[seen.length - 1]!.id! });
    await second.waitFor((messages) => messages.some((m) => m.id === String(last)), `position ${last}`);
    second.close();
    await server.kill();

    const all: SseMessage[] = [...seen, ...second.messages];
    const allIds = all.map((m) => m.id!);
    expect(new Set(allIds).size).toBe(allIds.length);
    const positions = all.filter((m) => m.event !== 'control').map((m) => Number(m.id));
    expect(positions).toEqual(Array.from({ length: last - start }, (_, index) => start + 1 + index));
    // Each capture changed who holds west: its control message follows it, wherever the consumer dropped out.
    for (const message of all.filter((m) => m.event === 'PositionCaptured')) {
      expect(allIds).toContain(`${message.id}/control`);
    }
    expect(seen.length).toBeLessThan(all.length);
  }, 120_000);

  it('ends open streams cleanly on SIGTERM, after their last whole message', async () => {
    const own = temporaryDataDir();
    try {
      server = await startServer({ dataDir: own.dir });
      await registerNeighbourhood(server);
      const sse = await openSse(`${server.url}/v1/stream?from=0`, auth);
      const last = await burst(server, 20, 0);
      await sse.waitFor((messages) => messages.some((m) => m.id === String(last)), `position ${last}`);
      server.signal('SIGTERM');
      await sse.ended;
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(sse.raw().endsWith('\n\n')).toBe(true);
    } finally {
      await server?.kill();
      own.remove();
    }
  }, 90_000);
});
