import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { RejectsList, runImport, UCDP_FORMAT, EMPTY_MAPPING, type ImportReport } from '../../src/import/index.js';
import { InMemoryClient, InMemoryTimeline } from './in-memory-timeline.js';
import { countsIn, readUcdpRows, recountUcdp, UCDP_SLICE as SLICE, type UcdpRow } from './ucdp-recount.js';

const NOW = Date.parse('2024-01-01T00:00:00Z');

async function importFile(file: string): Promise<{ report: ImportReport; timeline: InMemoryTimeline; rejects: RejectsList }> {
  const timeline = new InMemoryTimeline({ 'writer-key': 'writer' });
  const rejects = new RejectsList();
  const report = await runImport({
    format: UCDP_FORMAT,
    file,
    mapping: EMPTY_MAPPING,
    client: new InMemoryClient(timeline, { writer: 'writer-key' }),
    rejects,
    clock: () => NOW,
  });
  return { report, timeline, rejects };
}

function expectMatchesRecount(file: string, report: ImportReport, timeline: InMemoryTimeline): void {
  const expected = recountUcdp(readUcdpRows(file), NOW);
  expect(countsIn(timeline, report.tally.warnings.get('DATE_DROPPED') ?? 0)).toEqual(expected);
  expect(report.tally.records).toBe(expected.attacks);
  expect(report.tally.outcomes.get('created')).toBe(expected.attacks + expected.casualties + expected.places + expected.actors);
  expect([...report.tally.outcomes.keys()]).toEqual(['created']);
  expect(report.rejected).toBe(0);
}

describe('UCDP GED import', () => {
  it('maps the slice (every kind of row) with counts equal to an independent recount', async () => {
    const { report, timeline } = await importFile(SLICE);
    expectMatchesRecount(SLICE, report, timeline);
  });

  it('writes each row as the codebook says: sides, civilians, figures, sources, dates, notes', async () => {
    const { timeline } = await importFile(SLICE);
    const byKey = (key: string) => timeline.events.find((e) => e.idempotencyKey === key)!.body;

    // id 259516: government against IS in al-Hajar al-Aswad, the seed's own story.
    const tadamon = byKey('ucdp:259516:attack');
    expect(tadamon).toMatchObject({ attackers: ['government-of-syria'], defenders: ['is'], occurredAt: expect.stringMatching(/^2018-05-\d\dT00:00:00Z$/) });
    expect(tadamon.notes).toContain('ISIS loses al-Hajar al-Aswad');
    expect((tadamon.sources as { kind: string }[])[0]).toEqual({ name: 'UCDP GED', kind: 'dataset', reliability: 'B', credibility: 2, reference: '259516' });

    const rows = parse(readFileSync(SLICE), { columns: true }) as UcdpRow[];
    for (const row of rows) {
      const attack = byKey(`ucdp:${row.id}:attack`);
      const precision = { '1': 'day', '2': 'week', '3': 'week', '4': 'month', '5': 'month' }[row.date_prec!];
      expect(attack).toMatchObject({ occurredAt: `${row.date_start}T00:00:00Z`, timePrecision: precision });
      expect(attack.defenders).toEqual(row.type_of_violence === '3' ? ['civilians'] : expect.any(Array));
      expect((attack.attackers as string[]).length).toBe(row.side_a!.split(', ').length);
      const outlets = (attack.sources as { kind: string; name: string; reportedAt?: string }[]).filter((s) => s.kind === 'outlet');
      expect(outlets.map((s) => s.name)).toEqual([...new Set(row.source_office!.split(';'))]);
      for (const outlet of outlets) {
        if (outlet.reportedAt === undefined) continue;
        expect(Date.parse(outlet.reportedAt)).toBeGreaterThanOrEqual(Date.parse(`${row.date_start}T00:00:00Z`) - 31 * 86_400_000);
        expect(Date.parse(outlet.reportedAt)).toBeLessThanOrEqual(NOW);
      }
      const casualties = timeline.events.find((e) => e.idempotencyKey === `ucdp:${row.id}:casualties`);
      const [low, best, high] = [Number(row.low), Number(row.best), Number(row.high)];
      if (Math.max(high, best) === 0) expect(casualties).toBeUndefined();
      else expect(casualties!.body.killed).toEqual({ low: Math.min(low, best), best, high: Math.max(high, best) });
    }
  });

  it('writes nothing on a second run: every command replays', async () => {
    const timeline = new InMemoryTimeline({ 'writer-key': 'writer' });
    const run = () =>
      runImport({ format: UCDP_FORMAT, file: SLICE, mapping: EMPTY_MAPPING, client: new InMemoryClient(timeline, { writer: 'writer-key' }), rejects: new RejectsList(), clock: () => NOW });
    const first = await run();
    const events = timeline.events.length;
    const second = await run();
    expect(timeline.events.length).toBe(events);
    expect([...second.tally.outcomes]).toEqual([['replayed', first.tally.outcomes.get('created')]]);
  });

  it('reads the export re-saved with its numbers as floats (`3.0`) as the export: every command replays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ucdp-floats-'));
    try {
      const rows = parse(readFileSync(SLICE), { columns: true }) as UcdpRow[];
      const floats = rows.map((row) => {
        const copy: Record<string, string> = { ...row };
        for (const column of ['id', 'type_of_violence', 'date_prec', 'where_prec', 'low', 'best', 'high']) copy[column] = `${row[column]}.0`;
        return copy;
      });
      const file = join(dir, 'floats.csv');
      writeFileSync(file, stringify(floats, { header: true }));
      expect(readFileSync(file, 'utf8')).toContain(`\n${rows[0]!.id}.0,`);
      const timeline = new InMemoryTimeline({ 'writer-key': 'writer' });
      const run = (from: string) =>
        runImport({ format: UCDP_FORMAT, file: from, mapping: EMPTY_MAPPING, client: new InMemoryClient(timeline, { writer: 'writer-key' }), rejects: new RejectsList(), clock: () => NOW });
      const first = await run(SLICE);
      const events = timeline.events.length;
      const second = await run(file);
      expect(second.rejected).toBe(0);
      expect(timeline.events.length).toBe(events);
      expect([...second.tally.outcomes]).toEqual([['replayed', first.tally.outcomes.get('created')]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
