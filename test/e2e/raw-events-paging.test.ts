/**
 * Paging of `GET /v1/neighbourhoods/:id/events` (the audit view): `nextFromRevision` walks the
 * stream to its end without a gap or a repeat, and is absent on the last page.
 */
import { PLACEHOLDER_DATES } from '../../scripts/tadamon-scenario.js';
import { type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };

interface Page {
  items: { eventId: string; streamRevision: number; position: number }[];
  nextFromRevision?: number;
}

describe('raw events, page by page', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let all: Page['items'];

  beforeAll(async () => {
    app = await startApp(data.dir);
    await playScenario(app);
    for (let best = 0; best < 14; best++) {
      expect((await app.post(`${TADAMON}/casualties`, { killed: { best }, occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] })).status).toBe(201);
    }
    const whole = await app.get(`${TADAMON}/events?limit=1000`);
    expect(whole.body.nextFromRevision).toBeUndefined();
    all = whole.body.items;
    expect(all.length).toBeGreaterThan(20);
  });
  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  async function walk(limit: number, from?: number): Promise<{ items: Page['items']; pages: number }> {
    const items: Page['items'] = [];
    let next: number | undefined = from;
    let pages = 0;
    for (;;) {
      const answer = await app.get(`${TADAMON}/events?limit=${limit}${next === undefined ? '' : `&fromRevision=${next}`}`);
      expect(answer.status).toBe(200);
      const page = answer.body as Page;
      pages += 1;
      expect(page.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.items);
      if (page.nextFromRevision === undefined) return { items, pages };
      // Only while an event remains, and right after the page's last one.
      expect(page.items.length).toBe(limit);
      expect(page.nextFromRevision).toBe(page.items.at(-1)!.streamRevision + 1);
      next = page.nextFromRevision;
      if (pages > all.length + 1) throw new Error('the pages never end');
    }
  }

  it.each([1, 2, 3, 7, 10])('walks the whole stream in pages of %i, with no gap and no repeat', async (limit) => {
    const { items, pages } = await walk(limit);
    expect(items.map((item) => item.streamRevision)).toEqual(all.map((_, revision) => revision));
    expect(items.map((item) => item.eventId)).toEqual(all.map((item) => item.eventId));
    expect(new Set(items.map((item) => item.eventId)).size).toBe(items.length);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(all.length / limit));
  });

  it('ends without nextFromRevision when the last page is exactly full', async () => {
    const { items } = await walk(all.length);
    expect(items).toHaveLength(all.length);
    const last = await app.get(`${TADAMON}/events?limit=${all.length}`);
    expect(last.body.nextFromRevision).toBeUndefined();
  });

  it('starts where it is told and reads an empty page past the end', async () => {
    const { items } = await walk(4, 5);
    expect(items.map((item) => item.streamRevision)).toEqual(all.slice(5).map((item) => item.streamRevision));
    const past = await app.get(`${TADAMON}/events?fromRevision=${all.length}`);
    expect(past.body).toEqual({ items: [], position: expect.any(Number) });
  });
});
