/**
 * What a client is told about a body or a query the API will not take, over HTTP: one problem
 * per missing field, one path style, real calendar dates, text that shows, UTF-8 and Unicode
 * text only, and no query parameter a route does not know. Every refusal writes nothing.
 */
import { PLACEHOLDER_DATES, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { type Answer, type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const attack = { attackers: ['isis'], defenders: ['ndf'], occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] };

/** `sources[0].kind`, `positions[2]`, `killed.best`: names, each with an optional index, joined by dots. */
const PATH = /^[A-Za-z][A-Za-z0-9]*(\[\d+\])?(\.[A-Za-z][A-Za-z0-9]*(\[\d+\])?)*$/;

describe('input validation over HTTP', () => {
  const data = temporaryDataDir();
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(data.dir);
    await playScenario(app);
  });
  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  async function head(): Promise<number> {
    return (await app.get('/health')).body.eventStore.headPosition as number;
  }

  /** Sends a raw body and expects 400 VALIDATION_FAILED that writes nothing; returns the answer. */
  async function refused(path: string, raw: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
    const before = await head();
    const response = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { authorization: 'Bearer writer-key-0123456789abcdef', 'content-type': 'application/json', ...headers },
      body: raw,
    });
    const text = await response.text();
    const answer = { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
    expect({ status: answer.status, code: answer.body.code, written: (await head()) - before }).toEqual({ status: 400, code: 'VALIDATION_FAILED', written: 0 });
    return answer;
  }

  describe('messages', () => {
    it('answers {} with "is required" once for each required field, and nothing else', async () => {
      const answer = await refused(`${TADAMON}/captures`, '{}');
      expect(answer.body.details).toEqual([
        { field: 'by', problems: ['by is required'] },
        { field: 'positions', problems: ['positions is required'] },
        { field: 'occurredAt', problems: ['occurredAt is required'] },
        { field: 'sources', problems: ['sources is required'] },
      ]);
    });

    it('answers a required field sent as null as a missing one', async () => {
      const answer = await refused(`${TADAMON}/captures`, JSON.stringify({ by: null, positions: [P.blockA], occurredAt: PLACEHOLDER_DATES.missiles, sources: [{ ...source, name: null }] }));
      expect(answer.body.details).toEqual([
        { field: 'by', problems: ['by is required'] },
        { field: 'sources[0].name', problems: ['name is required'] },
      ]);
    });

    it('says a calendar-impossible instant is not a real date, unlike a malformed one', async () => {
      const impossible = await refused(`${TADAMON}/attacks`, JSON.stringify({ ...attack, occurredAt: '2018-02-30T10:00:00Z' }));
      expect(impossible.body.details).toEqual([{ field: 'occurredAt', problems: ['occurredAt is not a real calendar date: 2018-02-30 does not exist'] }]);
      const malformed = await refused(`${TADAMON}/attacks`, JSON.stringify({ ...attack, occurredAt: '30/02/2018 10:00' }));
      expect(malformed.body.details).toEqual([
        { field: 'occurredAt', problems: ['occurredAt must be an ISO 8601 instant with a zone, e.g. 2018-04-18T06:00:00Z'] },
      ]);
    });

    it.each([
      ['sources as an object', { ...attack, sources: { name: 'x', kind: 5 } }],
      ['positions as an object of positions', { positions: { 0: { id: 'Q', name: '' } } }],
      ['items of the wrong kind in lists', { ...attack, attackers: ['isis', 5, 'ISIS'], sources: [source, 'x', [source], { ...source, kind: 5 }] }],
      ['a casualty figure as a list', { killed: [{ best: 1 }], occurredAt: PLACEHOLDER_DATES.missiles, sources: [{}] }],
    ])('names every field with one path style: %s', async (_case, body) => {
      const path = 'positions' in body && !('attackers' in body) ? `${TADAMON}/positions` : 'killed' in body ? `${TADAMON}/casualties` : `${TADAMON}/attacks`;
      const answer = await refused(path, JSON.stringify(body));
      const fields = (answer.body.details as { field: string }[]).map((detail) => detail.field);
      expect(fields.length).toBeGreaterThan(0);
      for (const field of fields) expect(field).toMatch(PATH);
      expect(fields).not.toContain('sources.kind');
      expect(fields).not.toContain('positions.id');
    });

    it('reports the wrong items of a list at their index', async () => {
      const answer = await refused(`${TADAMON}/attacks`, JSON.stringify({ ...attack, attackers: ['isis', 5, 'ISIS'], sources: [source, 'x'] }));
      expect(answer.body.details).toEqual([
        { field: 'attackers[1]', problems: ['attackers[1] must be a string'] },
        { field: 'attackers[2]', problems: ['attackers[2] must be a lowercase slug ([a-z0-9]+(-[a-z0-9]+)*)'] },
        { field: 'sources[1]', problems: ['sources[1] must be an object'] },
      ]);
    });
  });

  describe('strict input', () => {
    it('refuses a body that is not UTF-8 instead of storing U+FFFD', async () => {
      const [before, after] = JSON.stringify({ ...attack, notes: '\uE000' }).split('\uE000') as [string, string];
      const answer = await refused(`${TADAMON}/attacks`, Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(after)]));
      expect(answer.body.details).toEqual([{ field: 'body', problems: ['body is not valid UTF-8'] }]);
    });

    it.each([
      ['a value', JSON.stringify({ ...attack, notes: 'x' }).replace('"notes":"x"', '"notes":"\\ud800x"'), 'notes'],
      ['a nested value', JSON.stringify({ ...attack, sources: [{ ...source, name: 'x' }] }).replace('"name":"x"', '"name":"a\\udc00"'), 'sources[0].name'],
      ['a key', JSON.stringify({ ...attack, extra: 1 }).replace('"extra"', '"\\ud83d"'), 'body'],
    ])('refuses a lone surrogate in %s', async (_case, raw, field) => {
      const answer = await refused(`${TADAMON}/attacks`, raw);
      expect(answer.body.details).toEqual([{ field, problems: [expect.stringContaining('a lone UTF-16 surrogate')] }]);
    });

    it('takes a surrogate pair written as escapes', async () => {
      const raw = JSON.stringify({ ...attack, notes: 'x' }).replace('"notes":"x"', '"notes":"\\ud83d\\ude00 smile"');
      const answer = await app.request('POST', `${TADAMON}/attacks`, { raw, headers: { 'content-type': 'application/json' } });
      expect(answer.status).toBe(201);
    });

    it.each([
      ['spaces', '   '],
      ['a no-break space', '\u00a0'],
      ['a right-to-left mark', '\u200f'],
      ['a zero-width space', '\u200b'],
      ['a byte order mark', '\ufeff'],
      ['an ideographic space and a word joiner', '\u3000\u2060'],
    ])('refuses names and other free text made of %s', async (_case, blank) => {
      const actor = await refused('/v1/actors', JSON.stringify({ id: 'blank-name', name: blank, side: 'isis' }));
      expect(actor.body.details).toEqual([{ field: 'name', problems: [expect.stringMatching(/^name must hold at least one visible character/)] }]);
      const report = await refused(`${TADAMON}/attacks`, JSON.stringify({ ...attack, sources: [{ ...source, kind: blank }] }));
      expect(report.body.details).toEqual([{ field: 'sources[0].kind', problems: [expect.stringMatching(/^kind must hold/)] }]);
      await refused(`${TADAMON}/retractions`, JSON.stringify({ eventId: '00000000-0000-4000-8000-000000000000', reason: blank }), {
        authorization: 'Bearer admin-key-0123456789abcdef',
      });
    });

    it('keeps text as it was sent, spaces and marks around it included', async () => {
      const name = ' \u200fحي التضامن\u200e ';
      const answer = await app.post('/v1/actors', { id: 'spaced-name', name, side: 'isis' });
      expect(answer.status).toBe(201);
      const listed = await app.get(`/v1/actors?minPosition=${answer.body.position}`);
      expect(listed.body.items.find((item: { id: string }) => item.id === 'spaced-name').name).toBe(name);
    });

    it.each(['+14:01', '+14:59', '-14:30', '+15:00'])('refuses a zone offset of %s', async (offset) => {
      const answer = await refused(`${TADAMON}/attacks`, JSON.stringify({ ...attack, occurredAt: `2018-04-19T10:00:00${offset}` }));
      expect(answer.body.details).toEqual([{ field: 'occurredAt', problems: [expect.stringMatching(/zone offset/)] }]);
    });

    it.each(['+14:00', '-14:00', '-12:00'])('takes a zone offset of %s', async (offset) => {
      expect((await app.post(`${TADAMON}/attacks`, { ...attack, occurredAt: `2018-04-19T10:00:00${offset}` })).status).toBe(201);
    });
  });

  describe('query parameters', () => {
    it.each([
      ['/v1/neighbourhoods', 'analyst'],
      ['/v1/actors', 'analyst'],
      [`${TADAMON}/control`, 'analyst'],
      [`${TADAMON}/control.geojson`, 'analyst'],
      [`${TADAMON}/timeline`, 'analyst'],
      [`${TADAMON}/events`, 'analyst'],
      ['/v1/actors/isis/holdings', 'analyst'],
      ['/v1/projections', 'admin'],
      ['/health', null],
    ] as const)('GET %s refuses a parameter it does not know, and takes none', async (path, as) => {
      const unknown = await app.get(`${path}?asof=2018-04-19T00:00:00Z`, { as });
      expect({ status: unknown.status, code: unknown.body?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      expect(unknown.body.details).toEqual([{ field: 'asof', problems: ['is not a known field'] }]);
      expect((await app.get(path, { as })).status).toBe(200);
    });

    it('takes the parameters a route knows', async () => {
      expect((await app.get(`${TADAMON}/control?asOf=2018-04-19T00:00:00Z`)).status).toBe(200);
      expect((await app.get(`${TADAMON}/events?fromRevision=1&limit=2`)).status).toBe(200);
      expect((await app.get('/v1/actors?minPosition=1')).status).toBe(200);
    });

    it('refuses query parameters on commands, writing nothing', async () => {
      const before = await head();
      const answer = await app.post(`${TADAMON}/attacks?dryRun=true`, attack);
      expect({ status: answer.status, code: answer.body.code, details: answer.body.details }).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
        details: [{ field: 'dryRun', problems: ['is not a known field'] }],
      });
      const rebuild = await app.post('/v1/projections/actors/rebuild?force=1', undefined, { as: 'admin' });
      expect(rebuild.status).toBe(400);
      expect(await head()).toBe(before);
    });

    it('asks for the key before it looks at the parameters', async () => {
      expect((await app.get('/v1/projections?x=1', { as: null })).status).toBe(401);
      expect((await app.get('/v1/projections?x=1', { as: 'analyst' })).status).toBe(403);
    });

    it.each(['9007199254740992', '1e16', '99999999999999999999', '1.5', '0x10', '-1', ''])(
      'refuses fromRevision=%s on the raw events with 400, never a 500',
      async (value) => {
        const answer = await app.get(`${TADAMON}/events?fromRevision=${value}`);
        expect({ status: answer.status, code: answer.body?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      },
    );

    it.each([
      ['/v1/timeline', 'limit'],
      ['/v1/neighbourhoods', 'limit'],
      [`${TADAMON}/timeline`, 'limit'],
      [`${TADAMON}/control-history`, 'limit'],
      [`${TADAMON}/control`, 'minCredibility'],
      [`${TADAMON}/control`, 'minPosition'],
    ])('reads %s?%s= as plain decimal digits only, as fromRevision', async (path, parameter) => {
      for (const value of ['0x10', '1e2', '10.0', '%2010', '+5', '']) {
        const answer = await app.get(`${path}?${parameter}=${value}`);
        expect({ value, status: answer.status, code: answer.body?.code }).toEqual({ value, status: 400, code: 'VALIDATION_FAILED' });
      }
      expect((await app.get(`${path}?${parameter}=2`)).status).toBe(200);
    });

    it('refuses an empty source filter rather than look for a source named nothing', async () => {
      for (const path of [`${TADAMON}/control`, `${TADAMON}/timeline`, '/v1/timeline']) {
        expect((await app.get(`${path}?source=`)).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      }
    });

    it('takes fromRevision=9007199254740991, the largest safe integer, and answers an empty page', async () => {
      const answer = await app.get(`${TADAMON}/events?fromRevision=9007199254740991`);
      expect(answer.status).toBe(200);
      expect(answer.body.items).toEqual([]);
    });
  });
});
