/**
 * The headers that make commands safe to retry and to condition: Idempotency-Key and If-Match,
 * over HTTP. A header the API cannot honour is refused with 400, never ignored.
 */
import { PLACEHOLDER_DATES } from '../../scripts/tadamon-scenario.js';
import { type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const casualties = (best: number) => ({ killed: { best }, occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] });

describe('command headers over HTTP', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let serial = 0;
  const freshKey = () => `header-test-${++serial}`;

  beforeAll(async () => {
    app = await startApp(data.dir);
    await playScenario(app);
  });
  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  const head = async (): Promise<number> => (await app.get('/health')).body.eventStore.headPosition as number;
  const revisionOf = async (path: string): Promise<number> => {
    const answer = await app.post(path, casualties(0));
    expect(answer.status).toBe(201);
    return answer.body.streamRevision as number;
  };

  describe('Idempotency-Key', () => {
    it('answers a replay 200 with Idempotent-Replayed: true and the first answer; the first answer has no such header', async () => {
      const headers = { 'idempotency-key': freshKey() };
      const first = await app.post(`${TADAMON}/casualties`, casualties(3), { headers });
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const before = await head();
      const replay = await app.post(`${TADAMON}/casualties`, casualties(3), { headers });
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(replay.body).toEqual(first.body);
      expect(await head()).toBe(before);
    });

    it.each([
      ['1 character', '!'],
      ['200 characters', 'k'.repeat(200)],
      ['every visible ASCII character', Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join('')],
    ])('takes a key of %s', async (_case, key) => {
      expect((await app.post(`${TADAMON}/casualties`, casualties(1), { headers: { 'idempotency-key': key } })).status).toBe(201);
    });

    it.each([
      ['201 characters', 'k'.repeat(201), /1 to 200 visible ASCII characters/],
      ['a space inside', 'retry 1', /no spaces/],
      ['a tab inside', 'retry\t1', /no spaces/],
      ['a non-ASCII character', 'clé-1', /visible ASCII/],
      ['empty', '', /it is empty/],
      ['only spaces', '   ', /it is empty/],
    ])('refuses a key of %s with 400 naming the header, writing nothing', async (_case, key, problem) => {
      const before = await head();
      const response = await fetch(`${app.url}${TADAMON}/casualties`, {
        method: 'POST',
        headers: { authorization: 'Bearer writer-key-0123456789abcdef', 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(casualties(1)),
      });
      const body = (await response.json()) as { code: string; details: { field: string; problems: string[] }[] };
      expect({ status: response.status, code: body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      expect(body.details).toEqual([{ field: 'Idempotency-Key', problems: [expect.stringMatching(problem)] }]);
      expect(await head()).toBe(before);
    });

    it('takes a retry that sends an optional field as null where the first attempt left it out, and the other way round', async () => {
      const headers = { 'idempotency-key': freshKey() };
      const omitted = { ...casualties(4) };
      const withNulls = { ...casualties(4), actor: null, wounded: null, timePrecision: null, notes: null, sources: [{ ...source, url: null, protected: null }] };
      const first = await app.post(`${TADAMON}/casualties`, omitted, { headers });
      expect(first.status).toBe(201);
      const retry = await app.post(`${TADAMON}/casualties`, withNulls, { headers });
      expect({ status: retry.status, body: retry.body }).toEqual({ status: 200, body: first.body });

      const otherHeaders = { 'idempotency-key': freshKey() };
      const firstWithNulls = await app.post(`${TADAMON}/casualties`, withNulls, { headers: otherHeaders });
      expect(firstWithNulls.status).toBe(201);
      const retryOmitted = await app.post(`${TADAMON}/casualties`, omitted, { headers: otherHeaders });
      expect({ status: retryOmitted.status, body: retryOmitted.body }).toEqual({ status: 200, body: firstWithNulls.body });
      // A value where there was none is another request.
      const other = await app.post(`${TADAMON}/casualties`, { ...omitted, notes: 'now with notes' }, { headers: otherHeaders });
      expect({ status: other.status, code: other.body.code }).toEqual({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    });
  });

  describe('If-Match', () => {
    it('appends at exactly the quoted revision, and answers 412 at any other', async () => {
      const revision = await revisionOf(`${TADAMON}/casualties`);
      const stale = await app.post(`${TADAMON}/casualties`, casualties(1), { headers: { 'if-match': `"${revision - 1}"` } });
      expect({ status: stale.status, code: stale.body.code }).toEqual({ status: 412, code: 'WRONG_EXPECTED_REVISION' });
      const fresh = await app.post(`${TADAMON}/casualties`, casualties(1), { headers: { 'if-match': `"${revision}"` } });
      expect(fresh.status).toBe(201);
      expect(fresh.headers.get('etag')).toBe(`"${revision + 1}"`);
    });

    it('takes * as "the stream exists": an append to a neighbourhood that exists, 412 for one that does not', async () => {
      const appended = await app.post(`${TADAMON}/casualties`, casualties(1), { headers: { 'if-match': '*' } });
      expect(appended.status).toBe(201);
      const before = await head();
      const missing = await app.post('/v1/neighbourhoods/nowhere-at-all/casualties', casualties(1), { headers: { 'if-match': '*' } });
      expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 412, code: 'WRONG_EXPECTED_REVISION' });
      const registering = await app.post(
        '/v1/neighbourhoods',
        { id: 'if-match-star', name: 'x', city: 'x', country: 'x', controlAsOf: PLACEHOLDER_DATES.baseline, positions: [{ id: 'p', name: 'p' }] },
        { headers: { 'if-match': '*' } },
      );
      expect({ status: registering.status, code: registering.body.code }).toEqual({ status: 412, code: 'WRONG_EXPECTED_REVISION' });
      expect(await head()).toBe(before);
    });

    it.each([
      ['a weak entity tag', (r: number) => `W/"${r}"`, /weak entity tag/],
      ['a list of entity tags', (r: number) => `"${r}", "${r + 1}"`, /list of entity tags/],
      ['a list holding *', (r: number) => `*, "${r}"`, /list of entity tags/],
      ['an unquoted revision', (r: number) => String(r), /in double quotes/],
      ['a non-numeric tag', () => '"latest"', /in double quotes/],
      ['a negative revision', () => '"-1"', /in double quotes/],
      ['a revision with a leading zero', (r: number) => `"0${r}"`, /in double quotes/],
      ['a revision past 2^53', () => '"9007199254740993"', /in double quotes/],
      ['an empty value', () => '', /it is empty/],
    ])('refuses %s with 400 naming If-Match and how to write it, writing nothing', async (_case, value, problem) => {
      const revision = await revisionOf(`${TADAMON}/casualties`);
      const before = await head();
      const response = await fetch(`${app.url}${TADAMON}/casualties`, {
        method: 'POST',
        headers: { authorization: 'Bearer writer-key-0123456789abcdef', 'content-type': 'application/json', 'if-match': value(revision) },
        body: JSON.stringify(casualties(1)),
      });
      const body = (await response.json()) as { code: string; details: { field: string; problems: string[] }[] };
      expect({ status: response.status, code: body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      expect(body.details).toEqual([{ field: 'If-Match', problems: [expect.stringMatching(problem)] }]);
      expect(body.details[0]!.problems[0]).toContain('If-Match: "12"');
      expect(await head()).toBe(before);
    });
  });
});
