import { type ServerProcess, startServer, temporaryDataDir } from './server-process.js';
import { startReceiver } from './webhook-receiver.js';

const field = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const ENV = { TIMELINE_WEBHOOK_ALLOW_PRIVATE: 'true', TIMELINE_WEBHOOK_RETRY_SCALE: '0.01' };

describe('webhook delivery across kill -9', () => {
  const data = temporaryDataDir();
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.kill();
    data.remove();
  });

  it('sends again, after a restart, what was not acknowledged, and loses nothing', async () => {
    const receiver = await startReceiver();
    try {
      server = await startServer({ dataDir: data.dir, env: ENV });
      const hook = await server.post('/v1/webhooks', { url: receiver.url, filter: { types: ['CasualtiesReported'] } }, { as: 'admin' });
      expect(hook.status).toBe(201);
      receiver.setSecret(hook.body.secret);
      expect((await server.post('/v1/actors', { id: 'isis', name: 'ISIS', side: 'isis' })).status).toBe(201);
      const registered = await server.post('/v1/neighbourhoods', {
        id: 'damascus-tadamon',
        name: 'Tadamon',
        city: 'Damascus',
        country: 'Syria',
        controlAsOf: '2018-04-16T00:00:00Z',
        positions: [{ id: 'west', name: 'West', controller: 'isis' }],
      });
      expect(registered.status).toBe(201);

      // A receiver that holds its answer (for longer than the server lives): the first delivery is in flight when the server dies.
      receiver.delay(30_000);
      const positions: string[] = [];
      for (let index = 0; index < 40; index += 1) {
        const answer = await server.post('/v1/neighbourhoods/damascus-tadamon/casualties', {
          killed: { best: index },
          occurredAt: '2018-04-17T10:00:00Z',
          sources: [field],
        });
        expect(answer.status).toBe(201);
        positions.push(String(answer.body.position));
      }
      await receiver.waitFor((deliveries) => deliveries.length >= 1, 'the first delivery');
      expect((await server.kill()).signal).toBe('SIGKILL');
      expect(receiver.deliveries.map((d) => d.json.id)).toEqual([positions[0]]);

      receiver.delay(0);
      server = await startServer({ dataDir: data.dir, env: ENV });
      await receiver.waitFor((deliveries) => deliveries.some((d) => d.json.id === positions[positions.length - 1]), 'the last message');

      const ids = receiver.deliveries.map((d) => d.json.id as string);
      // At least once, in order: every message came, and the first arrival of each is in log order.
      expect([...new Set(ids)]).toEqual(positions);
      // What was in flight when the server died came again, with the same delivery id.
      expect(ids.filter((id) => id === positions[0])).toHaveLength(2);
      expect(receiver.deliveries.every((d) => d.verified && d.deliveryId === `${hook.body.id}:${d.json.id}`)).toBe(true);
    } finally {
      await receiver.close();
    }
  }, 120_000);
});
