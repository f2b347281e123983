/**
 * Property-based hostile-input tests: every command endpoint, fed with generated malformed,
 * oversized, deeply nested, control-character-laden and prototype-polluting bodies.
 *
 * Each case mutates a VALID body of its endpoint (see hostile-input.arbitraries.ts), so the
 * hostile part is what is tested. For every case:
 * - the answer is never a 5xx;
 * - a 4xx has the body {statusCode, code: /^[A-Z_]+$/, message, details?}, statusCode = status;
 * - a refusal writes nothing: the event store's head position (GET /health) is unchanged;
 * - an acceptance (201) writes exactly one event, at the position it answers, and the read
 *   models survive it (GET /health stays 200);
 * - the answer is the one API.md demands where the case settles it: 400 VALIDATION_FAILED for
 *   an invalid body, 413 over 1 MiB, 415 for another media type, the domain code otherwise;
 * - a refusal stays small (< 10 kB: it does not echo a huge input) and holds no raw NUL;
 * - Object.prototype is not polluted (the app runs in this process).
 *
 * Failures are reproducible: run again with the seed and path fast-check prints,
 *   HOSTILE_SEED=<seed> HOSTILE_PATH=<path> NODE_OPTIONS=--experimental-vm-modules npx jest test/e2e/hostile-input.test.ts
 * Other knobs: HOSTILE_RUNS=<cases per endpoint>; HOSTILE_COLLECT=1 records every failing case
 * (the smallest per problem) instead of stopping at the first; HOSTILE_NO_SHRINK=1.
 *
 * The defects these properties have found each have a plain regression test at the bottom of
 * this file.
 */
import fc from 'fast-check';
import { tadamonScenario, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { KEYS, type RunningApp, startApp, temporaryDataDir } from './app-harness.js';
import {
  type BaseContext,
  caseArb,
  ENDPOINTS,
  type EndpointSpec,
  FRONT_ID,
  FRONT_PATH,
  type HostileCase,
  labelOf,
  materialise,
  printable,
  type Request,
  TADAMON_PATH,
  type Verdict,
  verdictOf,
} from './hostile-input.arbitraries.js';

/** Cases per endpoint and run (9 endpoints). */
const RUNS_PER_ENDPOINT = Number(process.env.HOSTILE_RUNS ?? 200);
const SEED = process.env.HOSTILE_SEED === undefined ? undefined : Number(process.env.HOSTILE_SEED);
const PATH = process.env.HOSTILE_PATH;
const COLLECT = process.env.HOSTILE_COLLECT === '1';

const BODY_LIMIT = 1024 * 1024;
/** A refusal says what is wrong; it never needs to be longer than this. */
const MAX_REFUSAL_BYTES = 10_000;
const JSON_MEDIA_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-?8"?\s*)?$/i;

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
}

interface Health {
  readonly head: number;
  readonly healthy: boolean;
  readonly text: string;
}

interface Tally {
  runs: number;
  calls: number;
  accepted: number;
  statuses: Map<number, number>;
  codes: Map<string, number>;
  largestBody: number;
  largestRefusal: number;
  millis: number;
  failed: boolean;
}

const bump = <K>(map: Map<K, number>, key: K): void => void map.set(key, (map.get(key) ?? 0) + 1);
const show = <K>(map: Map<K, number>): string => [...map].map(([k, n]) => `${String(k)}×${n}`).join(' ');

async function sendTo(url: string, endpoint: EndpointSpec, request: Request): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${KEYS[endpoint.role]}` };
  if (request.contentType !== null) headers['content-type'] = request.contentType;
  const response = await fetch(`${url}${endpoint.path}`, { method: 'POST', headers, ...(request.body === null ? {} : { body: request.body }) });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

async function healthOf(app: RunningApp): Promise<Health> {
  const answer = await app.get('/health');
  const head = answer.body?.eventStore?.headPosition;
  if (typeof head !== 'number') throw new Error(`GET /health has no event store head: ${answer.status} ${answer.text.slice(0, 500)}`);
  return { head, healthy: answer.status === 200, text: answer.text };
}

/**
 * The health report once the read models have processed everything up to the store's head
 * (or one of them failed, or 3 s passed). Projections run asynchronously: without waiting, a
 * command that breaks one would show only on a later, innocent case.
 */
async function settledHealthOf(app: RunningApp): Promise<Health> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const health = await healthOf(app);
    const projections = (JSON.parse(health.text) as { readModels?: { projections?: { status?: string; position?: unknown }[] } }).readModels?.projections;
    const settled =
      !Array.isArray(projections) ||
      projections.some((p) => p.status === 'failed') ||
      projections.every((p) => typeof p.position !== 'number' || p.position >= health.head);
    if (settled || Date.now() > deadline) return health;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The Tadamon actors and neighbourhoods, no incidents: every position is held by its baseline controller. */
async function registerScenario(app: RunningApp): Promise<void> {
  for (const step of tadamonScenario.filter((s) => s.path === '/v1/actors' || s.path === '/v1/neighbourhoods')) {
    const answer = await app.post(step.path, step.body({}));
    expect({ step: step.label, status: answer.status }).toEqual({ step: step.label, status: 201 });
  }
}

/**
 * The front neighbourhood: `pool` positions for captures (front-c-N) and as many for retreats
 * (front-r-N), all held by syrian-regime. Returns the id of an attack there.
 */
async function registerFront(app: RunningApp, pool: number): Promise<string> {
  const positions = ['c', 'r'].flatMap((kind) =>
    Array.from({ length: pool }, (_, i) => ({ id: `front-${kind}-${i}`, name: `Front position ${kind}${i}`, controller: 'syrian-regime' })),
  );
  const chunks = Array.from({ length: Math.ceil(positions.length / 1000) }, (_, i) => positions.slice(i * 1000, (i + 1) * 1000));
  const registered = await app.post('/v1/neighbourhoods', {
    id: FRONT_ID,
    name: 'Hostile-input front',
    city: 'Damascus',
    country: 'Syria',
    controlAsOf: '2018-04-16T00:00:00Z',
    positions: chunks[0],
  });
  expect(registered.status).toBe(201);
  for (const chunk of chunks.slice(1)) expect((await app.post(`${FRONT_PATH}/positions`, { positions: chunk })).status).toBe(201);
  return postAttack(app, '2018-04-17T06:00:00Z', FRONT_PATH);
}

/** An attack that nothing depends on (in Tadamon unless told); returns its event id. */
async function postAttack(app: RunningApp, occurredAt: string, neighbourhood = TADAMON_PATH): Promise<string> {
  const answer = await app.post(`${neighbourhood}/attacks`, {
    attackers: ['opposition-factions'],
    defenders: ['hezbollah'],
    occurredAt,
    sources: [{ name: 'field sources', kind: 'field', reliability: 'F', credibility: 6 }],
  });
  expect(answer.status).toBe(201);
  return answer.body.eventId as string;
}

/**
 * Checks one answer against the properties; throws an Error whose first line names the problem.
 * `before`/`after` are the health reports around the request.
 */
function check(verdict: Verdict, request: Request, answer: Answer, before: Health, after: Health): void {
  const fail = (problem: string): never => {
    throw new Error(problem);
  };
  if (answer.status >= 500) fail('a 5xx is a bug');
  const polluted = Object.getOwnPropertyNames(Object.prototype).sort().join() !== PROTOTYPE_KEYS || ({} as Record<string, unknown>)['polluted'] !== undefined;
  if (polluted) fail('Object.prototype was polluted');

  let code: string | undefined;
  if (answer.status === 201) {
    const body = JSON.parse(answer.text) as { eventId?: unknown; position?: unknown };
    if (after.head !== before.head + 1) fail(`an accepted command must write exactly one event: head went ${before.head} -> ${after.head}`);
    if (body.position !== after.head) fail(`the answer's position ${String(body.position)} is not the new head ${after.head}`);
    if (typeof body.eventId !== 'string') fail('an accepted command answers its eventId');
  } else if (answer.status >= 400 && answer.status < 500) {
    if (after.head !== before.head) fail(`a refused command wrote ${after.head - before.head} event(s)`);
    if (!answer.contentType?.startsWith('application/json')) fail(`a refusal must be JSON, not ${answer.contentType}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(answer.text) as Record<string, unknown>;
    } catch {
      return fail('a refusal must be JSON');
    }
    const extra = Object.keys(body).filter((k) => !['statusCode', 'code', 'message', 'details'].includes(k));
    if (extra.length > 0) fail(`unexpected keys in the error body: ${extra.join(', ')}`);
    if (body.statusCode !== answer.status) fail(`statusCode ${String(body.statusCode)} is not the HTTP status`);
    if (typeof body.code !== 'string' || !/^[A-Z_]+$/.test(body.code)) fail(`code ${String(body.code)} is not UPPER_SNAKE`);
    if (typeof body.message !== 'string') fail('message must be a string');
    if (body.details !== undefined && !Array.isArray(body.details)) fail('details must be a list');
    const bytes = Buffer.byteLength(answer.text);
    if (bytes >= MAX_REFUSAL_BYTES) fail(`a refusal of ${bytes} bytes echoes too much`);
    if (answer.text.includes('\u0000')) fail('a refusal holds a raw NUL');
    code = body.code as string;
  } else {
    fail('a command answers 201 or a 4xx');
  }
  if (before.healthy && !after.healthy) fail(`read models failed after this command: ${after.text.slice(0, 400)}`);

  const isJson = request.contentType !== null && JSON_MEDIA_TYPE.test(request.contentType.trim());
  if (verdict.kind === 'unsupported') {
    if (code !== 'UNSUPPORTED_MEDIA_TYPE' || answer.status !== 415) fail('expected 415 UNSUPPORTED_MEDIA_TYPE');
  } else if (isJson && request.bytes > BODY_LIMIT) {
    if (code !== 'PAYLOAD_TOO_LARGE' || answer.status !== 413) fail('expected 413 PAYLOAD_TOO_LARGE for a body over 1 MiB');
  } else if (verdict.kind === 'invalid') {
    if (code !== 'VALIDATION_FAILED' || answer.status !== 400) fail('expected 400 VALIDATION_FAILED');
  } else if (verdict.kind === 'refused') {
    if (code === undefined) fail('expected a refusal');
    if (verdict.codes && !verdict.codes.includes(code!)) fail(`expected ${verdict.codes.join(' or ')}`);
  }
}

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort().join();

/** Kinds of hostility in a case, for the summary. */
function kindsOf(hostile: HostileCase): string[] {
  if (hostile.kind === 'body') return [`body:${hostile.body.op}`];
  return hostile.mutations.map((m) => (m.op === 'set' ? `set:${m.why}` : m.op === 'add-key' ? (m.hugeKey ? 'huge-key' : 'unknown-key') : m.op));
}

describe('hostile input on every command endpoint (property-based)', () => {
  const dataDirs: { remove(): void }[] = [];
  let app: RunningApp;
  let attackId: string;
  let frontAttackId: string;
  let retractableId: string;
  let serial = 0;
  /** How many pool positions valid captures and retreats used up. */
  let captured = 0;
  let retreated = 0;
  const POOL = RUNS_PER_ENDPOINT + 100; // shrinking a failure may accept more cases than it runs
  const started = Date.now();
  const tallies = new Map<string, Tally>(
    ENDPOINTS.map((e) => [
      e.name,
      { runs: 0, calls: 0, accepted: 0, statuses: new Map(), codes: new Map(), largestBody: 0, largestRefusal: 0, millis: 0, failed: false },
    ]),
  );
  /** Cases by kind of hostility, over all endpoints: [cases, accepted]. */
  const kinds = new Map<string, [number, number]>();
  const collected = new Map<string, { bytes: number; example: string; answer: string }>();

  const context = (): BaseContext => ({
    fresh: (prefix) => `hi-${prefix}-${++serial}`,
    attackId,
    frontAttackId,
    retractableId,
    capturable: `front-c-${captured}`,
    retreatable: `front-r-${retreated}`,
  });

  /** After a 201, the next valid body must not depend on what the accepted one used up. */
  async function usedUp(endpoint: EndpointSpec): Promise<void> {
    if (endpoint.name === 'retractions') retractableId = await postAttack(app, '2018-04-17T12:00:00Z');
    if (endpoint.name === 'captures') captured += 1;
    if (endpoint.name === 'retreats') retreated += 1;
    if (captured >= POOL || retreated >= POOL) throw new Error('the pool of front positions is used up');
  }

  /** A fresh app on a fresh data directory, with the scenario's actors and neighbourhoods. */
  async function boot(): Promise<void> {
    const data = temporaryDataDir();
    dataDirs.push(data);
    app = await startApp(data.dir);
    await registerScenario(app);
    attackId = await postAttack(app, '2018-04-17T06:00:00Z');
    retractableId = await postAttack(app, '2018-04-17T12:00:00Z');
    frontAttackId = await registerFront(app, POOL);
    captured = 0;
    retreated = 0;
  }

  beforeAll(boot);

  afterAll(async () => {
    await app?.stop();
    for (const data of dataDirs) data.remove();
  });

  it("accepts each endpoint's valid body as it is (the cases mutate these)", async () => {
    for (const endpoint of ENDPOINTS) {
      const before = await healthOf(app);
      const answer = await sendTo(app.url, endpoint, materialise(endpoint, { kind: 'fields', mutations: [] }, context()));
      expect({ endpoint: endpoint.name, status: answer.status, text: answer.text }).toEqual({ endpoint: endpoint.name, status: 201, text: expect.any(String) });
      expect((await healthOf(app)).head).toBe(before.head + 1);
      await usedUp(endpoint);
    }
  });

  it.each(ENDPOINTS.map((e) => [e.name, e] as const))(
    'POST %s: never a 5xx; refusals in the error shape, small, writing nothing',
    async (_name, endpoint) => {
      const tally = tallies.get(endpoint.name)!;
      const property = fc.asyncProperty(caseArb(endpoint), async (hostile) => {
        tally.calls += 1;
        const request = materialise(endpoint, hostile, context());
        tally.largestBody = Math.max(tally.largestBody, request.bytes);
        const before = await healthOf(app);
        const t0 = Date.now();
        const answer = await sendTo(app.url, endpoint, request);
        tally.millis += Date.now() - t0;
        const after = answer.status < 400 ? await settledHealthOf(app) : await healthOf(app);
        bump(tally.statuses, answer.status);
        for (const kind of kindsOf(hostile)) {
          const [n, ok] = kinds.get(kind) ?? [0, 0];
          kinds.set(kind, [n + 1, ok + (answer.status === 201 ? 1 : 0)]);
        }
        if (answer.status >= 400 && answer.status < 500) {
          tally.largestRefusal = Math.max(tally.largestRefusal, Buffer.byteLength(answer.text));
          bump(tally.codes, /"code":"([A-Z_]+)"/.exec(answer.text)?.[1] ?? '(none)');
        }
        if (answer.status === 201) {
          tally.accepted += 1;
          await usedUp(endpoint);
        }
        try {
          check(verdictOf(hostile), request, answer, before, after);
        } catch (error) {
          const problem = (error as Error).message;
          const example = printable(JSON.stringify(hostile).slice(0, 500));
          const seen = printable(`${answer.status} ${answer.text.slice(0, 200)}`);
          if (COLLECT) {
            const key = `${endpoint.name}: ${problem.split('\n')[0]!.replace(/\d+/g, 'N')}`;
            const prior = collected.get(key);
            if (!prior || prior.bytes > request.bytes) collected.set(key, { bytes: request.bytes, example, answer: seen });
            return;
          }
          throw new Error(`${problem}\n  ${endpoint.name} ${labelOf(hostile)}, ${request.bytes} bytes, answered ${seen}`);
        }
      });
      const details = await fc.check(property, {
        numRuns: RUNS_PER_ENDPOINT,
        endOnFailure: process.env.HOSTILE_NO_SHRINK === '1',
        ...(SEED !== undefined ? { seed: SEED } : {}),
        ...(PATH !== undefined ? { path: PATH } : {}),
      });
      tally.runs = details.numRuns;
      tally.failed = details.failed;
      if (details.failed) throw new Error(await fc.asyncDefaultReportMessage(details));
    },
    120_000,
  );

  it(`generated ${RUNS_PER_ENDPOINT} cases for each of the ${ENDPOINTS.length} endpoints, and the read models are still up`, async () => {
    const total = [...tallies.values()].reduce((sum, t) => sum + t.runs, 0);
    const accepted = [...tallies.values()].reduce((sum, t) => sum + t.accepted, 0);
    const lines = [...tallies].map(
      ([name, t]) =>
        `  ${name.padEnd(15)} ${String(t.runs).padStart(4)} cases${t.failed ? ` (FAILED; ${t.calls} runs with shrinking)` : ''}, ${String(t.accepted).padStart(3)} accepted; ` +
        `statuses ${show(new Map([...t.statuses].sort(([a], [b]) => a - b)))}; codes ${show(new Map([...t.codes].sort(([, a], [, b]) => b - a)))}; ` +
        `largest body ${t.largestBody} B, largest refusal ${t.largestRefusal} B, ${t.millis} ms in requests`,
    );
    const unknown = [...collected].map(([problem, c]) => `  UNEXPLAINED ${problem}\n      smallest (${c.bytes} B): ${c.example}\n      -> ${c.answer}`);
    console.log(
      [
        `hostile input: ${total} generated cases (${RUNS_PER_ENDPOINT} per endpoint × ${ENDPOINTS.length}), ${accepted} of them valid after all and accepted, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        ...lines,
        `  by kind (cases/accepted): ${[...kinds].sort(([a], [b]) => a.localeCompare(b)).map(([k, [n, ok]]) => `${k} ${n}/${ok}`).join(', ')}`,
        ...unknown,
      ].join('\n'),
    );
    expect((await healthOf(app)).healthy).toBe(true);
    expect(collected.size).toBe(0);
    for (const [name, t] of tallies) expect({ name, cases: t.runs }).toEqual({ name, cases: RUNS_PER_ENDPOINT });
    expect(total).toBe(RUNS_PER_ENDPOINT * ENDPOINTS.length);
  });
});

/**
 * Regressions: each defect the properties above once found, as a plain test. They run on an app
 * of their own: one of those defects broke the read models of the app it hit.
 */
describe('defects the hostile-input properties found, kept fixed', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  const source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
  const retreat = { by: 'syrian-regime', positions: [P.southern], occurredAt: '2018-04-19T18:00:00Z', sources: [source] };
  const casualties = { killed: { best: 1 }, occurredAt: '2018-04-19T18:00:00Z', sources: [source] };

  beforeAll(async () => {
    app = await startApp(data.dir);
    await registerScenario(app);
  });
  afterAll(async () => {
    await app?.stop();
    data.remove();
  });

  /** Sends a raw body and expects 400 VALIDATION_FAILED, nothing written and healthy read models. */
  async function expectValidationFailed(path: string, raw: string, role: 'writer' | 'admin' = 'writer'): Promise<{ text: string }> {
    const before = await healthOf(app);
    const answer = await app.request('POST', path, { as: role, raw, headers: { 'content-type': 'application/json' } });
    const after = await settledHealthOf(app);
    expect({ status: answer.status, code: answer.body?.code, written: after.head - before.head, brokeReadModels: before.healthy && !after.healthy }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      written: 0,
      brokeReadModels: false,
    });
    return answer;
  }

  // Found: POST …/retreats {…valid, "extra": [[[…1…]]] (3,000 deep)} answers 500.
  it.each([
    ['an unknown field', (deep: string) => JSON.stringify({ ...retreat, extra: 0 }).replace('"extra":0', `"extra":${deep}`)],
    ['notes', (deep: string) => JSON.stringify({ ...retreat, notes: 0 }).replace('"notes":0', `"notes":${deep}`)],
    ['sources', (deep: string) => JSON.stringify({ ...retreat, sources: 0 }).replace('"sources":0', `"sources":${deep}`)],
  ])('answers 400, not 500, for arrays and objects nested 3,000 deep in %s', async (_where, place) => {
    for (const deep of ['['.repeat(3000) + '1' + ']'.repeat(3000), '{"a":'.repeat(3000) + '1' + '}'.repeat(3000)]) {
      await expectValidationFailed(`${TADAMON_PATH}/retreats`, place(deep));
    }
  });

  // Found: {"valueOf": 1} and the like answer 201.
  it.each(['valueOf', 'toString', 'constructor', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'prototype', 'toCommand'])(
    'refuses an unknown field named %s, at the top and nested',
    async (key) => {
      await expectValidationFailed('/v1/actors', JSON.stringify({ id: `inherited-${key.toLowerCase().replace(/_/g, '')}`, name: 'x', side: 'x', [key]: 1 }));
      await expectValidationFailed(`${TADAMON_PATH}/retreats`, JSON.stringify({ ...retreat, sources: [{ ...source, [key]: 1 }] }));
      await expectValidationFailed(`${TADAMON_PATH}/positions`, JSON.stringify({ positions: [{ id: 'inherited-key-position', name: 'x', [key]: 1 }] }));
    },
  );

  // Found: a 100 kB unknown key comes back three times (~300 kB).
  it('does not echo a huge unknown key name back', async () => {
    const answer = await expectValidationFailed('/v1/actors', JSON.stringify({ id: 'huge-key', name: 'x', side: 'x', ['k'.repeat(100_000)]: 1 }));
    expect(Buffer.byteLength(answer.text)).toBeLessThan(MAX_REFUSAL_BYTES);
  });

  // Found: {occurredAt, sources} without killed answers 500.
  it('refuses casualties without "killed" with 400, not 500', async () => {
    await expectValidationFailed(`${TADAMON_PATH}/casualties`, JSON.stringify({ occurredAt: '2018-04-19T18:00:00Z', sources: [source] }));
  });

  // Found: a url with NUL or a bidi override is stored.
  it.each([
    ['NUL', 'https://example.org/a\u0000b'],
    ['ESC', 'https://example.org/\u001b[31m'],
    ['a C1 control', 'https://example.org/\u0085'],
    ['RIGHT-TO-LEFT OVERRIDE', 'https://example.org/\u202Efdp.exe'],
    ['a bidi isolate in the host', 'https://exa\u2067mple.org/'],
  ])('refuses a source url holding %s', async (_name, url) => {
    await expectValidationFailed(`${TADAMON_PATH}/retreats`, JSON.stringify({ ...retreat, sources: [{ ...source, url }] }));
  });

  // Found: 1,000 unknown position ids come back in full (148 kB).
  it('keeps a POSITION_UNKNOWN refusal small however many ids are unknown', async () => {
    const positions = Array.from({ length: 1000 }, (_, i) => `zz-unknown-${String(i).padStart(6, '0')}-`.padEnd(64, 'x'));
    const answer = await app.post(`${TADAMON_PATH}/retreats`, { ...retreat, positions });
    expect({ status: answer.status, code: answer.body?.code }).toEqual({ status: 422, code: 'POSITION_UNKNOWN' });
    expect(Buffer.byteLength(answer.text)).toBeLessThan(MAX_REFUSAL_BYTES);
  });

  // Found: 300 empty sources get a refusal of 19 kB.
  it.each([
    ['300 empty sources', `${TADAMON_PATH}/retreats`, { ...retreat, sources: Array.from({ length: 300 }, () => ({})) }],
    [
      '300 sources with every field wrong',
      `${TADAMON_PATH}/retreats`,
      { ...retreat, sources: Array.from({ length: 300 }, () => ({ name: '', kind: 7, reliability: 'Z', credibility: '3', url: 'x', protected: 'no' })) },
    ],
    [
      '1,000 positions with every field wrong',
      `${TADAMON_PATH}/positions`,
      { positions: Array.from({ length: 1000 }, () => ({ id: 'X', name: '', kind: 'castle', weight: 0, coordinates: [999, 999], controller: 'ISIS' })) },
    ],
  ])('keeps a VALIDATION_FAILED small for %s', async (_name, path, body) => {
    const answer = await expectValidationFailed(path, JSON.stringify(body));
    expect(Buffer.byteLength(answer.text)).toBeLessThan(MAX_REFUSAL_BYTES);
  });

  // Found: attackers ["isis", "isis"] answers 201.
  it('refuses the same actor twice among the attackers', async () => {
    const before = await healthOf(app);
    const answer = await app.post(`${TADAMON_PATH}/attacks`, { attackers: ['isis', 'isis'], defenders: ['ndf'], occurredAt: '2018-04-19T18:00:00Z', sources: [source] });
    expect({ refused: answer.status >= 400 && answer.status < 500, written: (await healthOf(app)).head - before.head }).toEqual({ refused: true, written: 0 });
  });

  // Found: {"positions": [[]]} is stored as a position {} and
  // takes the neighbourhood-control projection down (GET /health 503 from then on). Last in this
  // block, since it breaks the read models of the app it hits.
  it.each([
    ['sources: [[]]', `${TADAMON_PATH}/retreats`, { ...retreat, sources: [[]] }],
    ['sources: [[source]]', `${TADAMON_PATH}/retreats`, { ...retreat, sources: [[source]] }],
    ['killed: []', `${TADAMON_PATH}/casualties`, { ...casualties, killed: [] }],
    ['killed: [{best: 1}]', `${TADAMON_PATH}/casualties`, { ...casualties, killed: [{ best: 1 }] }],
    ['wounded: []', `${TADAMON_PATH}/casualties`, { ...casualties, wounded: [] }],
    ['positions: [[{id, name}]] (add positions)', `${TADAMON_PATH}/positions`, { positions: [[{ id: 'array-position', name: 'x' }]] }],
    ['positions: [[]] (register a neighbourhood)', '/v1/neighbourhoods', { id: 'array-hood', name: 'x', city: 'x', country: 'x', controlAsOf: '2018-04-16T00:00:00Z', positions: [[]] }],
    ['positions: [[]] (add positions)', `${TADAMON_PATH}/positions`, { positions: [[]] }],
  ])('refuses an array where an object belongs: %s', async (_name, path, body) => {
    await expectValidationFailed(path, JSON.stringify(body));
  });
});
