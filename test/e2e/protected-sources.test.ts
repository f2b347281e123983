import type { LoggerService } from '@nestjs/common';
import { PLACEHOLDER_DATES as T, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const SECRET_NAME = 'Abu Khalil, resident of Nasrin street';
const SECRET_URL = 'https://chat.example.net/threads/abu-khalil-7731';
const informant = { name: SECRET_NAME, kind: 'informant', reliability: 'B', credibility: 2, url: SECRET_URL, protected: true };
const open = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };

/** Everything the app logs, as text, to search for leaks. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  private record = (...args: unknown[]) => void this.lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  log = this.record;
  error = this.record;
  warn = this.record;
  debug = this.record;
  verbose = this.record;
  fatal = this.record;
}

describe('protected sources', () => {
  const data = temporaryDataDir();
  const logger = new RecordingLogger();
  let app: RunningApp;
  let protectedCapture: string;
  let lastPosition = 0;

  beforeAll(async () => {
    app = await startApp(data.dir, { logger });
    await playScenario(app);
    const capture = await app.post(`${TADAMON}/captures`, {
      by: 'ndf',
      positions: [P.regimePart],
      occurredAt: '2018-04-19T20:00:00Z',
      sources: [open, informant],
      notes: 'Two sources; one must stay anonymous.',
    });
    expect(capture.status).toBe(201);
    protectedCapture = capture.body.eventId;
    const casualties = await app.post(`${TADAMON}/casualties`, {
      actor: 'ndf',
      killed: { best: 3 },
      occurredAt: '2018-04-19T21:00:00Z',
      sources: [informant],
    });
    expect(casualties.status).toBe(201);
    lastPosition = casualties.body.position;
  });
  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  const analystViews = () => [
    `${TADAMON}/timeline`,
    `${TADAMON}/events?limit=1000`,
    `${TADAMON}/control?asOf=2018-04-19T23:00:00Z`,
    `${TADAMON}/control`,
    `${TADAMON}/control.geojson?asOf=2018-04-19T23:00:00Z`,
    '/v1/actors/ndf/holdings?asOf=2018-04-19T23:00:00Z',
    '/v1/neighbourhoods',
    '/v1/actors',
  ];

  it('never shows an analyst the name or URL of a protected source, in any view', async () => {
    for (const path of analystViews()) {
      const answer = await app.get(`${path}${path.includes('?') ? '&' : '?'}minPosition=${lastPosition}`, { as: 'analyst' });
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      expect(answer.text).not.toContain(SECRET_NAME);
      expect(answer.text).not.toContain(SECRET_URL);
      expect(answer.text).not.toContain('abu-khalil');
    }
  });

  it('shows analysts what the source is worth, not who it is', async () => {
    const timeline = await app.get(`${TADAMON}/timeline?minPosition=${lastPosition}`, { as: 'analyst' });
    const item = timeline.body.items.find((i: { eventId: string }) => i.eventId === protectedCapture);
    expect(item.sources).toEqual([open, { protected: true, kind: 'informant', reliability: 'B', credibility: 2 }]);
    const events = await app.get(`${TADAMON}/events?limit=1000`, { as: 'analyst' });
    const event = events.body.items.find((e: { eventId: string }) => e.eventId === protectedCapture);
    expect(event.data.sources[1]).toEqual({ protected: true, kind: 'informant', reliability: 'B', credibility: 2 });
  });

  it('shows admins everything', async () => {
    const timeline = await app.get(`${TADAMON}/timeline?minPosition=${lastPosition}`, { as: 'admin' });
    const item = timeline.body.items.find((i: { eventId: string }) => i.eventId === protectedCapture);
    expect(item.sources[1]).toEqual(informant);
    const events = await app.get(`${TADAMON}/events?limit=1000`, { as: 'admin' });
    expect(events.text).toContain(SECRET_URL);
  });

  it('never echoes a protected source in a refusal, nor logs it', async () => {
    const refusals = [
      app.post(`${TADAMON}/captures`, { by: 'ndf', positions: [P.regimePart], occurredAt: T.missiles, sources: [informant] }),
      app.post(`${TADAMON}/captures`, { by: 'ndf', positions: [P.regimePart], occurredAt: T.missiles, sources: [{ ...informant, credibility: 9 }] }),
      app.post(`${TADAMON}/captures`, { by: 'ndf', positions: [P.regimePart], occurredAt: T.missiles, sources: [{ ...informant, url: 'not a url with Abu Khalil' }] }),
      app.post(`${TADAMON}/captures`, { by: 'isis', positions: [P.southern], occurredAt: T.wednesdayCaptures, sources: [informant] }),
      app.post(`${TADAMON}/attacks`, { attackers: ['martians'], defenders: ['isis'], occurredAt: T.missiles, sources: [informant] }),
      app.post(`${TADAMON}/attacks`, { attackers: ['isis'], defenders: ['ndf'], occurredAt: T.missiles, sources: [informant] }, { as: 'analyst' }),
    ];
    for (const answer of await Promise.all(refusals)) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.text).not.toContain(SECRET_NAME);
      expect(answer.text).not.toContain('Abu Khalil');
      expect(answer.text).not.toContain(SECRET_URL);
    }
    const logged = logger.lines.join('\n');
    expect(logged).toContain('request refused');
    expect(logged).not.toContain('Abu Khalil');
    expect(logged).not.toContain(SECRET_URL);
  });
});
