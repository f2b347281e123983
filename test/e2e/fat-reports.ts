/**
 * Reports as big as the input limits allow (50 sources with long names and URLs, notes of
 * 10,000 characters), for the tests of bounded answers, slow readers, drains and full disks.
 */
import type { ServerProcess } from './server-process.js';

export const TADAMON = '/v1/neighbourhoods/damascus-tadamon';

const FAT_SOURCES = Array.from({ length: 50 }, (_, i) => ({
  name: `Source ${i} (مصدر ${i}) `.padEnd(200, 'n'),
  kind: 'newspaper',
  reliability: 'C',
  credibility: 3,
  url: `https://news.example.org/${i}/${'article-'.repeat(250)}`,
}));

/** Attack `k` on Tadamon's front line, one minute after attack `k - 1`; its notes begin `Report <k>:`. */
export function fatAttack(k: number) {
  return {
    attackers: ['isis'],
    defenders: ['syrian-regime'],
    targets: ['front'],
    occurredAt: new Date(Date.parse('2018-04-18T00:00:00Z') + k * 60_000).toISOString(),
    sources: FAT_SOURCES,
    notes: `Report ${k}: ${'n'.repeat(9_980)}`.slice(0, 10_000),
  };
}

/** The two actors and Tadamon with its one position, held by the regime, registered through `server`. */
export async function registerTadamon(server: ServerProcess): Promise<void> {
  for (const actor of [
    { id: 'isis', name: 'ISIS', side: 'isis', kind: 'rebel-group' },
    { id: 'syrian-regime', name: 'Regime', side: 'pro-government', kind: 'state-forces' },
  ]) {
    expect((await server.post('/v1/actors', actor)).status).toBe(201);
  }
  const registered = await server.post('/v1/neighbourhoods', {
    id: 'damascus-tadamon',
    name: 'Tadamon',
    nameAr: 'حي التضامن',
    city: 'Damascus',
    country: 'Syria',
    controlAsOf: '2018-04-16T00:00:00Z',
    positions: [{ id: 'front', name: 'Front line', kind: 'block', controller: 'syrian-regime' }],
  });
  expect(registered.status).toBe(201);
}

/** Tadamon, then `count` fat attacks sent by `writers` clients at once. */
export async function writeFatReports(server: ServerProcess, count: number, writers: number): Promise<void> {
  await registerTadamon(server);
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < count) {
        const k = next++;
        const answer = await server.post(`${TADAMON}/attacks`, fatAttack(k));
        if (answer.status !== 201) throw new Error(`attack ${k}: ${answer.status} ${answer.text.slice(0, 200)}`);
      }
    }),
  );
}
