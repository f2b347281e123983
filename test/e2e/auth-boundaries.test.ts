/**
 * Who may do what, over HTTP: the editor role, what the raw events show each role, how a key
 * must be sent, the rate limit for requests without a valid key, and the start-up checks of
 * TIMELINE_API_KEYS in the built server.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLACEHOLDER_DATES } from '../../scripts/tadamon-scenario.js';
import { type RunningApp, KEYS, playScenario, startApp, temporaryDataDir } from './app-harness.js';
import { SERVER_ENTRY, freePort, startServer, temporaryDataDir as temporaryServerDir } from './server-process.js';

const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const EDITOR_KEY = 'editor-key-0123456789abcdef';
const ALL_KEYS = `writer:${KEYS.writer},analyst:${KEYS.analyst},admin:${KEYS.admin},editor:${EDITOR_KEY}`;
const source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };

describe('roles and keys over HTTP', () => {
  const data = temporaryDataDir();
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(data.dir, { env: { TIMELINE_API_KEYS: ALL_KEYS } });
    await playScenario(app);
    await app.post(`${TADAMON}/casualties`, { killed: { best: 1 }, occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] }, { headers: { 'idempotency-key': 'keyed-casualties' } });
  });
  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  const asEditor = (method: string, path: string, body?: unknown) =>
    app.request(method, path, {
      as: null,
      headers: { authorization: `Bearer ${EDITOR_KEY}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { raw: JSON.stringify(body) }),
    });

  it('lets an editor read everything an analyst may', async () => {
    for (const path of ['/v1/neighbourhoods', '/v1/actors', `${TADAMON}/control`, `${TADAMON}/timeline`, `${TADAMON}/control.geojson`, `${TADAMON}/events`, '/v1/actors/isis/holdings']) {
      const answer = await asEditor('GET', path);
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
    }
  });

  it("refuses an editor a writer's commands and an admin's operations", async () => {
    const command = await asEditor('POST', `${TADAMON}/casualties`, { killed: { best: 1 }, occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] });
    expect({ status: command.status, code: command.body.code, message: command.body.message }).toEqual({
      status: 403,
      code: 'FORBIDDEN',
      message: 'The editor role may not do this',
    });
    expect((await asEditor('GET', '/v1/projections')).status).toBe(403);
    expect((await asEditor('POST', `${TADAMON}/retractions`, { eventId: '00000000-0000-4000-8000-000000000000', reason: 'x' })).status).toBe(403);
  });

  it('shows the request metadata of raw events to admins only', async () => {
    const admin = await app.get(`${TADAMON}/events?limit=1000`, { as: 'admin' });
    const keyed = (admin.body.items as { metadata: Record<string, unknown> }[]).find((item) => item.metadata.idempotencyKey === 'keyed-casualties')!;
    expect(keyed.metadata).toEqual(
      expect.objectContaining({ idempotencyKey: 'keyed-casualties', requestHash: expect.any(String), requestId: expect.any(String), recordedBy: expect.any(String) }),
    );
    for (const read of [() => app.get(`${TADAMON}/events?limit=1000`, { as: 'analyst' }), () => asEditor('GET', `${TADAMON}/events?limit=1000`)]) {
      const answer = await read();
      expect(answer.status).toBe(200);
      for (const item of answer.body.items as { metadata: Record<string, unknown> }[]) {
        expect(item.metadata).not.toHaveProperty('idempotencyKey');
        expect(item.metadata).not.toHaveProperty('requestHash');
        expect(item.metadata).not.toHaveProperty('requestId');
        expect(item.metadata).toEqual(expect.objectContaining({ recordedAt: expect.any(String), recordedBy: expect.any(String), role: expect.any(String) }));
      }
    }
  });

  it.each([
    ['a key without the Bearer scheme', { authorization: KEYS.analyst }, /must use the Bearer scheme: send "Authorization: Bearer <key>"/],
    ['another scheme', { authorization: `Basic ${KEYS.analyst}` }, /must use the Bearer scheme/],
    ['no header', {}, /^Missing API key: send "Authorization: Bearer <key>"$/],
    ['an unknown key', { authorization: 'Bearer unknown-key-0123456789abcdef' }, /^Unknown API key$/],
  ])('answers %s with 401, saying how to send a key and quoting none', async (_case, headers, message) => {
    const answer = await app.get('/v1/actors', { as: null, headers });
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(answer.body.message).toMatch(message);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    expect(answer.text).not.toContain(KEYS.analyst);
  });
});

describe('the rate limit for requests without a valid key', () => {
  const data = temporaryDataDir();
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(data.dir, { env: { TIMELINE_RATE_LIMIT_PER_SECOND: '3' } });
  });
  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  it('limits them per client address, with Retry-After, and leaves /health and valid keys alone', async () => {
    const guesses = [];
    // A full bucket holds 3; 20 guesses in a row outrun a refill of 3 a second.
    for (let i = 0; i < 20; i++) guesses.push(await app.get('/v1/actors', { as: null, headers: { authorization: `Bearer guessed-key-${i}-0123456789` } }));
    const statuses = guesses.map((answer) => answer.status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses).toContain(429);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    const limited = guesses.find((answer) => answer.status === 429)!;
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 6; i++) expect((await app.get('/health', { as: null })).status).toBe(200);
    expect((await app.get('/v1/actors', { as: 'analyst' })).status).toBe(200);
  });
});

/** Starts the built server as it is started in production; answers its exit code and what it wrote to stderr. */
async function failedStart(env: Record<string, string>, dataDir: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(await freePort()), TIMELINE_DATA_DIR: dataDir, TIMELINE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stderr: Buffer.concat(chunks).toString('utf8') };
}

describe('TIMELINE_API_KEYS at start-up (built server)', () => {
  const data = temporaryServerDir();
  afterAll(() => data.remove());

  it.each([
    ['set but empty', ''],
    ['set but blank', '   '],
  ])('refuses to start when it is %s, in one line naming the variable, instead of generating keys', async (_case, value) => {
    const { code, stderr } = await failedStart({ TIMELINE_API_KEYS: value }, data.dir);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/^incident-timeline: cannot start: TIMELINE_API_KEYS: is set but empty[^\n]*\n$/);
    expect(() => readFileSync(join(data.dir, 'api-keys.json'))).toThrow();
  });

  it('refuses a malformed list in one line naming the variable and the entry, quoting no key', async () => {
    const { code, stderr } = await failedStart({ TIMELINE_API_KEYS: `writer:${KEYS.writer},reader:${KEYS.analyst}` }, data.dir);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/^incident-timeline: cannot start: TIMELINE_API_KEYS: entry 2 has unknown role "reader" \(expected one of writer, analyst, editor, admin\)\n$/);
    expect(stderr).not.toContain(KEYS.writer);
    expect(stderr).not.toContain(KEYS.analyst);
  });

  it('takes editor keys from the list', async () => {
    const server = await startServer({ dataDir: data.dir, env: { TIMELINE_API_KEYS: `admin:${KEYS.admin},editor:${EDITOR_KEY}` } });
    try {
      const answer = await server.get('/v1/actors', { as: null, headers: { authorization: `Bearer ${EDITOR_KEY}` } });
      expect(answer.status).toBe(200);
    } finally {
      await server.kill();
    }
  });
});

describe('generated keys (built server)', () => {
  const data = temporaryServerDir();
  afterAll(() => data.remove());

  it('generates one key per role on first start, the editor included, and each works for its role', async () => {
    const server = await startServer({ dataDir: data.dir, env: { TIMELINE_API_KEYS: undefined as unknown as string } });
    try {
      const file = JSON.parse(readFileSync(join(data.dir, 'api-keys.json'), 'utf8')) as { keys: { role: string; key: string }[] };
      expect(file.keys.map((entry) => entry.role)).toEqual(['writer', 'analyst', 'editor', 'admin']);
      const editor = file.keys.find((entry) => entry.role === 'editor')!.key;
      expect((await server.get('/v1/actors', { as: null, headers: { authorization: `Bearer ${editor}` } })).status).toBe(200);
      expect((await server.get('/v1/projections', { as: null, headers: { authorization: `Bearer ${editor}` } })).status).toBe(403);
    } finally {
      await server.kill();
    }
  });
});
