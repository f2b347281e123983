import { type RunningApp, startApp, temporaryDataDir } from './app-harness.js';

/** A server as deployed: TIMELINE_WEBHOOK_ALLOW_PRIVATE unset. */
describe('webhook URLs that lead inside (server-side request forgery)', () => {
  const data = temporaryDataDir();
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(data.dir);
  });

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  it.each([
    ['0.0.0.0/8', 'http://0.0.0.0/hook'],
    ['0.0.0.0/8', 'http://0.1.2.3/hook'],
    ['10/8', 'http://10.20.30.40/hook'],
    ['100.64/10', 'http://100.100.100.200/hook'],
    ['127/8', 'http://127.0.0.1:8080/hook'],
    ['127/8, written as a number', 'http://2130706433/hook'],
    ['127/8, by name', 'http://localhost:3000/hook'],
    ['169.254/16 (metadata)', 'http://169.254.169.254/latest/meta-data/'],
    ['172.16/12', 'https://172.31.255.1/hook'],
    ['192.168/16', 'http://192.168.1.1/hook'],
    ['::', 'http://[::]/hook'],
    ['::1', 'http://[::1]:8080/hook'],
    ['fc00::/7', 'http://[fd12:3456::1]/hook'],
    ['fe80::/10', 'http://[fe80::1]/hook'],
    ['IPv4-mapped 127/8', 'http://[::ffff:127.0.0.1]/hook'],
    ['IPv4-mapped 10/8', 'http://[::ffff:a00:1]/hook'],
    ['IPv4-mapped 169.254/16', 'http://[::ffff:169.254.169.254]/hook'],
  ])('refuses %s (%s) with 400 VALIDATION_FAILED on url, and records nothing', async (_range, url) => {
    const answer = await app.post('/v1/webhooks', { url, filter: {} }, { as: 'admin' });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(answer.body.details).toEqual([{ field: 'url', problems: [expect.stringContaining('loopback, private, link-local or metadata address')] }]);
    const head = await app.get('/health', { as: null });
    expect(head.body.eventStore.headPosition).toBe(0);
  });

  it('takes a public address', async () => {
    const answer = await app.post('/v1/webhooks', { url: 'https://93.184.215.14/hook', filter: { types: ['control'] } }, { as: 'admin' });
    expect(answer.status).toBe(201);
  });
});
