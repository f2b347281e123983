import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACLED_FORMAT, EMPTY_MAPPING, RejectsList, runImport } from '../../src/import/index.js';
import { ACLED_COLUMNS_2020, acledRow, writeAcledFile } from './acled-files.js';
import { InMemoryClient, InMemoryTimeline } from './in-memory-timeline.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'acled-versions-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ACLED versions with a small version index', () => {
  it('finds an older version written earlier in the run after its neighbourhood was forgotten', async () => {
    // Row SYR1000 in Yarmouk, then rows elsewhere that push Yarmouk out of a 2-event index,
    // then a newer SYR1000 in Yarmouk: the index reads Yarmouk back from the server.
    const rows = [
      acledRow(0, { fatalities: '0' }),
      ...Array.from({ length: 6 }, (_, n) => acledRow(3 * n + 1, { fatalities: '0' })),
      acledRow(0, { fatalities: '0', timestamp: '1700000000' }),
    ];
    const file = writeAcledFile(join(dir, 'a.csv'), ACLED_COLUMNS_2020, rows);
    const timeline = new InMemoryTimeline({ w: 'writer', a: 'admin' });
    const report = await runImport({
      format: ACLED_FORMAT,
      file,
      mapping: EMPTY_MAPPING,
      client: new InMemoryClient(timeline, { writer: 'w', admin: 'a' }),
      rejects: new RejectsList(),
      limits: { maxCommands: 1, maxBytes: 1_000_000, maxInFlight: 2 },
      maxIndexedEvents: 2,
    });
    expect(report.rejected).toBe(0);
    expect(timeline.events.filter((e) => e.retracted).map((e) => e.idempotencyKey)).toEqual(['acled:SYR1000@1600000000:attack']);
    expect(timeline.events.filter((e) => e.kind === 'retractions')).toHaveLength(1);
  });
});
