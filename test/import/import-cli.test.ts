/**
 * The importer end to end: `runImportCli` in-process, and the built script (`dist/scripts/import.js`,
 * built by `npm test`'s pretest) as a child process, against an HTTP server on loopback that
 * implements the batch contract in memory. No timed assertions: waits are for events only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { runImportCli } from '../../src/import/index.js';
import { ACLED_COLUMNS_2020, ACLED_COLUMNS_2024, ACLED_SUB_EVENTS, acledCsv, acledRow, writeAcledFile, type AcledRow } from './acled-files.js';
import { InMemoryTimeline, startTimelineServer, type TimelineServer } from './in-memory-timeline.js';
import { countsIn, readUcdpRows, recountUcdp, UCDP_SLICE, ucdpFullFile } from './ucdp-recount.js';

const SCRIPT = fileURLToPath(new URL('../../dist/scripts/import.js', import.meta.url));
const WRITER = 'writer-key-for-import-tests';
const ADMIN = 'admin-key-for-import-tests';
const ANALYST = 'analyst-key-for-import-tests';

let dir: string;
let server: TimelineServer;
let keyFile: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'import-test-'));
  keyFile = join(dir, 'api-keys.json');
  writeFileSync(
    keyFile,
    JSON.stringify({ keys: [{ role: 'writer', key: WRITER }, { role: 'analyst', key: ANALYST }, { role: 'admin', key: ADMIN }] }),
  );
  server = await startTimelineServer(new InMemoryTimeline({ [WRITER]: 'writer', [ADMIN]: 'admin', [ANALYST]: 'analyst' }));
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** runImportCli in this process, with the server's URL and the key file unless given. */
async function importInProcess(argv: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runImportCli([...argv, ...(argv.includes('--url') ? [] : ['--url', server.url])], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: { TIMELINE_DATA_DIR: dir, ...env },
    cwd: dir,
    retryDelaysMs: [1, 1, 1],
  });
  return { code, stdout, stderr };
}

/** The built script as a child process; `onSpawn` may kill it. */
function importAsProcess(argv: readonly string[], onSpawn?: (kill: () => void) => void): Promise<CliRun & { signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [SCRIPT, ...argv, '--url', server.url, '--key-file', keyFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  onSpawn?.(() => child.kill('SIGKILL'));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })));
}

/** The summary's count for a label, 0 when absent. */
function summaryCount(stdout: string, label: string): number {
  const escaped = label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s*${escaped}\\s+([\\d,]+)$`, 'm').exec(stdout);
  return match === null ? 0 : Number(match[1]!.replace(/,/g, ''));
}

function readRejects(path: string): Record<string, string>[] {
  return parse(readFileSync(path), { columns: true }) as Record<string, string>[];
}

const datePlusDays = (days: number): string => new Date(Date.UTC(2018, 4, 1) + days * 86_400_000).toISOString().slice(0, 10);

/** One row per ACLED sub-event type, in both date forms, with quoting that tests the parser. */
function everySubEventType(): AcledRow[] {
  return ACLED_SUB_EVENTS.map(([eventType, subEventType], n) =>
    acledRow(n, {
      event_type: eventType,
      sub_event_type: subEventType,
      event_date: n % 3 === 0 ? datePlusDays(n) : n % 3 === 1 ? '9-May-18' : '09 May 2018',
      time_precision: String((n % 3) + 1),
      notes: `Row ${n}: "quoted", with commas,\nan Arabic line: قصف على مخيم اليرموك`,
      ...(n === 10 ? { actor2: '', inter2: '' } : {}),
      ...(n === 12 ? { actor2: 'Islamic State (Syria)' } : {}),
    }),
  );
}

describe('import CLI, UCDP', () => {
  it('imports the slice, then a re-run writes nothing: everything replayed', async () => {
    const first = await importInProcess(['--format', 'ucdp', '--file', UCDP_SLICE, '--rejects', join(dir, 'r.csv')]);
    expect(first.code).toBe(0);
    const created = summaryCount(first.stdout, 'created');
    expect(created).toBe(server.timeline.events.length);
    expect(readRejects(join(dir, 'r.csv'))).toEqual([]);

    const second = await importInProcess(['--format', 'ucdp', '--file', UCDP_SLICE, '--rejects', join(dir, 'r.csv')]);
    expect(second.code).toBe(0);
    expect(server.timeline.events.length).toBe(created);
    expect(summaryCount(second.stdout, 'created')).toBe(0);
    expect(summaryCount(second.stdout, 'replayed')).toBe(created);
  });

  it('imports the full Syria extract through the built script, with counts equal to an independent recount', async () => {
    const file = ucdpFullFile();
    const run = await importAsProcess(['--format', 'ucdp', '--file', file, '--rejects', join(dir, 'r.csv')]);
    expect(run.code).toBe(0);
    const expected = recountUcdp(readUcdpRows(file), Date.now());
    expect(countsIn(server.timeline, summaryCount(run.stdout, 'warning:DATE_DROPPED'))).toEqual(expected);
    expect(expected).toMatchObject({ attacks: 16_566, onCivilians: 482 });
    expect(summaryCount(run.stdout, 'created')).toBe(expected.attacks + expected.casualties + expected.places + expected.actors);
    // 33 location names stand for two places each: each place is a neighbourhood of its own.
    const names = new Map<string, number>();
    for (const e of server.timeline.events.filter((e) => e.kind === 'neighbourhood')) names.set(String(e.body.name), (names.get(String(e.body.name)) ?? 0) + 1);
    expect([...names.values()].filter((n) => n > 1)).toHaveLength(33);
  }, 300_000);

  it('finishes an import killed half-way with exactly one set of commands per row', async () => {
    const file = ucdpFullFile();
    let killed = false;
    const interrupted = await importAsProcess(['--format', 'ucdp', '--file', file, '--rejects', join(dir, 'r.csv')], (kill) => {
      // The third batch reaches the server, which writes it after the client is gone.
      server.beforeBatch = async (n) => {
        if (n === 3 && !killed) {
          killed = true;
          kill();
        }
      };
    });
    expect(interrupted.signal).toBe('SIGKILL');
    server.beforeBatch = async () => undefined;
    const partial = server.timeline.events.length;
    expect(partial).toBeGreaterThan(0);

    const finished = await importAsProcess(['--format', 'ucdp', '--file', file, '--rejects', join(dir, 'r.csv')]);
    expect(finished.code).toBe(0);
    const expected = recountUcdp(readUcdpRows(file), Date.now());
    expect(server.timeline.events.length).toBe(expected.attacks + expected.casualties + expected.places + expected.actors);
    expect([...server.timeline.standingByKey().values()].filter((events) => events.length !== 1)).toEqual([]);
    // Everything the killed run wrote, including the batch it never saw answered, replays.
    expect(summaryCount(finished.stdout, 'replayed')).toBe(partial);
  }, 300_000);
});

describe('import CLI, ACLED', () => {
  it('imports every sub-event type of both column sets and skips the unmapped ones by type', async () => {
    const rows = everySubEventType();
    const old = writeAcledFile(join(dir, 'old.csv'), ACLED_COLUMNS_2020, rows, { bom: true });
    const shuffled = [...ACLED_COLUMNS_2024].reverse();
    const recent = writeAcledFile(join(dir, 'new.csv'), shuffled, rows.map((r) => ({ ...r, event_id_cnty: `N${r.event_id_cnty}`, inter1: 'State forces' })), { crlf: false });
    for (const file of [old, recent]) {
      const run = await importInProcess(['--format', 'acled', '--file', file]);
      expect(run.code).toBe(0);
      for (const [, sub] of ACLED_SUB_EVENTS.filter(([type, sub]) => ['Protests', 'Riots', 'Strategic developments'].includes(type) && sub !== 'Non-violent transfer of territory')) {
        expect(summaryCount(run.stdout, `skipped:${sub}`)).toBe(1);
      }
    }
    const kinds = (prefix: string) =>
      server.timeline.events.filter((e) => e.idempotencyKey.startsWith(prefix) && e.kind !== 'casualties').map((e) => e.kind).sort();
    // Armed clash, six explosions and three kinds of violence against civilians are attacks;
    // territory taken twice is captured; territory handed over with an actor2 is a retreat.
    const expectedKinds = [...Array<string>(10).fill('attacks'), 'captures', 'captures', 'retreats'].sort();
    expect(kinds('acled:SYR')).toEqual(expectedKinds);
    expect(kinds('acled:NSYR')).toEqual(expectedKinds);
    const fatal = rows.filter((r, n) => Number(r.fatalities) > 0 && !['Protests', 'Riots'].includes(ACLED_SUB_EVENTS[n]![0]) && (ACLED_SUB_EVENTS[n]![0] !== 'Strategic developments' || n === 12));
    expect(server.timeline.events.filter((e) => e.kind === 'casualties')).toHaveLength(2 * fatal.length);
  });

  it('keeps notes, dates and quoting as the file has them, and sends no defenders without actor2', async () => {
    const rows = everySubEventType();
    await importInProcess(['--format', 'acled', '--file', writeAcledFile(join(dir, 'a.csv'), ACLED_COLUMNS_2020, rows)]);
    const event = (n: number, role: string) => server.timeline.events.find((e) => e.idempotencyKey === `acled:SYR${1000 + n}@${1_600_000_000 + n}:${role}`)!.body;
    expect(event(0, 'attack')).toMatchObject({ occurredAt: `${datePlusDays(0)}T00:00:00Z`, timePrecision: 'day', notes: rows[0]!.notes });
    expect(event(4, 'attack')).toMatchObject({ occurredAt: '2018-05-09T00:00:00Z', timePrecision: 'week' });
    expect(event(5, 'attack')).toMatchObject({ occurredAt: '2018-05-09T00:00:00Z', timePrecision: 'month' });
    expect(event(10, 'attack')).toMatchObject({ attackers: ['military-forces-of-syria-2000'], defenders: [] });
    expect(event(12, 'retreat')).toMatchObject({ by: 'islamic-state-syria', yieldedTo: 'military-forces-of-syria-2000', onConflict: 'record' });
    expect(event(1, 'capture')).toMatchObject({ by: 'military-forces-of-syria-2000', positions: ['site'], onConflict: 'record' });
    expect(server.timeline.actors.get('civilians-syria')).toBeUndefined();
  });

  it('retracts an older version of a changed row, skips an older row, and re-runs write nothing', async () => {
    const base = [acledRow(1), acledRow(2, { sub_event_type: 'Government regains territory' }), acledRow(3)];
    const changedInFile = acledRow(3, { timestamp: '1600000999', notes: 'corrected: more fatalities', fatalities: '7' });
    const file = writeAcledFile(join(dir, 'v1.csv'), ACLED_COLUMNS_2024, [...base, changedInFile]);
    const first = await importInProcess(['--format', 'acled', '--file', file]);
    expect(first.code).toBe(0);
    const retracted = () => server.timeline.events.filter((e) => e.retracted).map((e) => e.idempotencyKey).sort();
    expect(retracted()).toEqual(['acled:SYR1003@1600000003:attack']);

    const again = await importInProcess(['--format', 'acled', '--file', file]);
    expect(again.code).toBe(0);
    expect(summaryCount(again.stdout, 'created')).toBe(0);
    expect(summaryCount(again.stdout, 'skipped:OLDER_VERSION')).toBe(1);

    // A later export: row 2 changed, row 1 as an older copy than stored (skipped).
    const later = writeAcledFile(join(dir, 'v2.csv'), ACLED_COLUMNS_2020, [
      acledRow(1, { timestamp: '1500000000' }),
      acledRow(2, { sub_event_type: 'Government regains territory', timestamp: '1700000000', fatalities: '0' }),
    ]);
    const events = server.timeline.events.length;
    const second = await importInProcess(['--format', 'acled', '--file', later]);
    expect(second.code).toBe(0);
    expect(summaryCount(second.stdout, 'skipped:OLDER_VERSION')).toBe(1);
    expect(retracted()).toEqual(['acled:SYR1002@1600000002:capture', 'acled:SYR1002@1600000002:casualties', 'acled:SYR1003@1600000003:attack']);
    const retractions = server.timeline.received.filter((r) => r.command.path.endsWith('/retractions'));
    expect(new Set(retractions.map((r) => r.apiKey))).toEqual(new Set([ADMIN]));
    expect(server.timeline.events.length).toBe(events + 3);

    const third = await importInProcess(['--format', 'acled', '--file', later]);
    expect(summaryCount(third.stdout, 'created')).toBe(0);
    expect(server.timeline.events.length).toBe(events + 3);
  });

  it('refuses rows SUPERSEDE_FAILED when the stored versions cannot be read (a writer key alone)', async () => {
    const file = writeAcledFile(join(dir, 'a.csv'), ACLED_COLUMNS_2024, [acledRow(1), acledRow(2)]);
    expect((await importInProcess(['--format', 'acled', '--file', file], { TIMELINE_API_KEY: WRITER })).code).toBe(0);
    const rerun = await importInProcess(['--format', 'acled', '--file', file, '--rejects', join(dir, 'r.csv')], { TIMELINE_API_KEY: WRITER });
    expect(rerun.code).toBe(0);
    const rejects = readRejects(join(dir, 'r.csv'));
    expect(rejects.map((r) => [r.record, r.dataset_id, r.version, r.code])).toEqual([
      ['1', 'SYR1001', '1600000001', 'SUPERSEDE_FAILED'],
      ['2', 'SYR1002', '1600000002', 'SUPERSEDE_FAILED'],
    ]);
    expect(rejects[0]!.message).toContain('403 FORBIDDEN');
  });

  it('keeps each neighbourhood in row order and splits batches by count and size', async () => {
    const rows = Array.from({ length: 600 }, (_, n) => acledRow(n, { notes: `${n} ${'long notes '.repeat(800)}`.trim(), fatalities: '1' }));
    const run = await importInProcess(['--format', 'acled', '--file', writeAcledFile(join(dir, 'big.csv'), ACLED_COLUMNS_2024, rows)]);
    expect(run.code).toBe(0);
    expect(server.timeline.batches).toBeGreaterThan(6);
    const byNeighbourhood = new Map<string, number[]>();
    for (const { command } of server.timeline.received) {
      const match = /^\/v1\/neighbourhoods\/([^/]+)\/attacks$/.exec(command.path);
      if (match) byNeighbourhood.set(match[1]!, [...(byNeighbourhood.get(match[1]!) ?? []), Number(/SYR(\d+)/.exec(command.idempotencyKey)![1])]);
    }
    expect(byNeighbourhood.size).toBe(3);
    for (const order of byNeighbourhood.values()) expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(summaryCount(run.stdout, 'created')).toBe(3 + 2 + 1200);
  });
});

describe('import CLI, rejects and exit codes', () => {
  it('lists every refused row and command in the rejects file with its record, id and code', async () => {
    server.timeline.refuse = (command) =>
      (command.body as { notes?: string }).notes?.includes('REFUSED BY SERVER') === true && command.path.endsWith('/attacks')
        ? { status: 409, code: 'TIMELINE_CONFLICT', message: 'conflicts with a later event' }
        : undefined;
    const rows = [
      acledRow(1),
      acledRow(2, { event_date: '31-Feb-18' }),
      acledRow(3, { notes: 'REFUSED BY SERVER', fatalities: '2' }),
      acledRow(4, { latitude: '95' }),
      acledRow(5, { sub_event_type: 'Peaceful protest', event_type: 'Protests' }),
      acledRow(6, { fatalities: '2000000' }),
    ];
    const file = writeAcledFile(join(dir, 'mixed.csv'), ACLED_COLUMNS_2020, rows);
    const run = await importInProcess(['--format', 'acled', '--file', file]);
    expect(run.code).toBe(0);
    const rejects = readRejects(`${file}.rejects.csv`);
    expect(rejects.map((r) => [r.record, r.dataset_id, r.command, r.code])).toEqual([
      ['2', 'SYR1002', 'row', 'ROW_INVALID'],
      ['4', 'SYR1004', 'row', 'ROW_INVALID'],
      ['6', 'SYR1006', 'casualties', 'VALIDATION_FAILED'],
      ['3', 'SYR1003', 'attack', 'TIMELINE_CONFLICT'],
    ]);
    expect(rejects.every((r) => r.message !== '')).toBe(true);
    expect(summaryCount(run.stdout, 'refused:ROW_INVALID')).toBe(2);
    expect(summaryCount(run.stdout, 'refused:TIMELINE_CONFLICT')).toBe(1);
    expect(summaryCount(run.stdout, 'skipped:Peaceful protest')).toBe(1);
    expect(run.stdout).toContain('(4 lines)');
  });

  it('maps places with a mapping file and refuses unmatched rows PLACE_UNMAPPED', async () => {
    const mapping = join(dir, 'map.json');
    writeFileSync(
      mapping,
      JSON.stringify({
        places: { byName: { Yarmouk: { neighbourhood: 'damascus-yarmouk', position: 'camp' } }, positions: [{ neighbourhood: 'damascus-tadamon', position: 'north', coordinates: [36.3083, 33.4781] }] },
        actors: { 'Military Forces of Syria (2000-)': { id: 'syrian-regime' } },
      }),
    );
    server.timeline.runBatch(WRITER, [
      { path: '/v1/neighbourhoods', idempotencyKey: 'seed-1', body: { id: 'damascus-yarmouk', positions: [{ id: 'camp' }] } },
      { path: '/v1/neighbourhoods', idempotencyKey: 'seed-2', body: { id: 'damascus-tadamon', positions: [{ id: 'north' }] } },
    ]);
    // acledRow cycles Yarmouk, Tadamon, Al Hajar Al Aswad; the last is neither named nor near.
    const file = writeAcledFile(join(dir, 'm.csv'), ACLED_COLUMNS_2024, [acledRow(0), acledRow(1), acledRow(2), acledRow(4, { geo_precision: '2' })]);
    const run = await importInProcess(['--format', 'acled', '--file', file, '--map', mapping]);
    expect(run.code).toBe(0);
    expect(readRejects(`${file}.rejects.csv`).map((r) => [r.record, r.code])).toEqual([
      ['3', 'PLACE_UNMAPPED'],
      ['4', 'PLACE_UNMAPPED'],
    ]);
    const attacks = server.timeline.events.filter((e) => e.kind === 'attacks');
    expect(attacks.map((e) => [e.neighbourhoodId, e.body.attackers])).toEqual([
      ['damascus-yarmouk', ['syrian-regime']],
      ['damascus-tadamon', ['syrian-regime']],
    ]);
  });

  it('retries a batch answered 503 and writes it once', async () => {
    server.failNextBatches(2, 503);
    const run = await importInProcess(['--format', 'ucdp', '--file', UCDP_SLICE]);
    expect(run.code).toBe(0);
    expect([...server.timeline.standingByKey().values()].every((events) => events.length === 1)).toBe(true);
  });

  it('sends nothing in a dry run', async () => {
    const run = await importInProcess(['--format', 'ucdp', '--file', UCDP_SLICE, '--dry-run']);
    expect(run.code).toBe(0);
    expect(summaryCount(run.stdout, 'valid')).toBeGreaterThan(45);
    expect(server.timeline.batches).toBe(0);
  });

  it('exits 2 on a missing header column, before sending anything', async () => {
    const columns = ACLED_COLUMNS_2024.filter((c) => c !== 'sub_event_type');
    const run = await importInProcess(['--format', 'acled', '--file', writeAcledFile(join(dir, 'x.csv'), columns, [acledRow(1)])]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(['import: x.csv: not an ACLED export: the header lacks the column sub_event_type']);
    expect(server.timeline.batches).toBe(0);
  });

  it('exits 2 when the parser cannot read on, after importing the rows before', async () => {
    const file = join(dir, 'broken.csv');
    writeAcledFile(file, ACLED_COLUMNS_2024, [acledRow(1)]);
    writeFileSync(file, `${readFileSync(file, 'utf8')}"SYR9,unclosed quote\n`, { flag: 'w' });
    const run = await importInProcess(['--format', 'acled', '--file', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^import: broken\.csv: CSV error after record 1 .*; the rows before it were imported\n$/);
    expect(server.timeline.events.some((e) => e.idempotencyKey === 'acled:SYR1001@1600000001:attack')).toBe(true);
  });

  it('exits 2 on a quote opened mid-file and never closed, rather than lose the records it joins', async () => {
    const file = join(dir, 'open-quote.csv');
    writeAcledFile(file, ACLED_COLUMNS_2024, Array.from({ length: 6 }, (_, n) => acledRow(n + 1)));
    // The fourth record's notes open a quote that never closes; the later notes are quoted (they hold a comma).
    const text = readFileSync(file, 'utf8');
    const broken = text.replace('"On 4 May 2018, regime forces clashed with IS fighters."', '"On 4 May 2018, clashes.');
    expect(broken).not.toBe(text);
    expect(broken).toContain('"On 5 May 2018, regime forces clashed with IS fighters."');
    writeFileSync(file, broken);
    const run = await importInProcess(['--format', 'acled', '--file', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^import: open-quote\.csv: CSV error at record 4 .*a quote opened in it is never closed; the rows before it were imported\n$/);
    expect(server.timeline.events.some((e) => e.idempotencyKey === 'acled:SYR1003@1600000003:attack')).toBe(true);
    expect(server.timeline.events.some((e) => e.idempotencyKey === 'acled:SYR1004@1600000004:attack')).toBe(false);
  });

  it('reads UCDP dates written with a time of day, as UCDP publishes them', async () => {
    const text = readFileSync(UCDP_SLICE, 'utf8');
    const rows = parse(text, { columns: true, bom: true }) as Record<string, string>[];
    const columns = Object.keys(rows[0]!);
    const timed: Record<string, string>[] = rows.map((row) => ({
      ...row,
      date_start: `${row['date_start']} 00:00:00.000`,
      date_end: `${row['date_end']} 00:00:00.000`,
      source_date: row['source_date']!.split(';').map((date) => (date.trim() === '' ? date : `${date.trim()} 00:00:00.000`)).join(';'),
    }));
    const quote = (value: string) => `"${value.replace(/"/g, '""')}"`;
    const file = join(dir, 'ucdp-timed.csv');
    writeFileSync(file, `${[columns.join(','), ...timed.map((row) => columns.map((c) => quote(row[c] ?? '')).join(','))].join('\n')}\n`);
    const plain = await importInProcess(['--format', 'ucdp', '--file', UCDP_SLICE, '--dry-run', '--rejects', join(dir, 'slice.rejects.csv')]);
    const run = await importInProcess(['--format', 'ucdp', '--file', file, '--dry-run']);
    expect(run.code).toBe(0);
    expect(summaryCount(run.stdout, 'refused:ROW_INVALID')).toBe(0);
    expect(summaryCount(run.stdout, 'valid')).toBe(summaryCount(plain.stdout, 'valid'));
    expect(summaryCount(run.stdout, 'warning:DATE_DROPPED')).toBe(summaryCount(plain.stdout, 'warning:DATE_DROPPED'));
  });

  it('exits 2, writing nothing, when the rejects file is the input itself or a directory', async () => {
    const file = writeAcledFile(join(dir, 'self.csv'), ACLED_COLUMNS_2024, [acledRow(1)]);
    const before = readFileSync(file, 'utf8');
    const self = await importInProcess(['--format', 'acled', '--file', file, '--rejects', file]);
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/cannot write the rejects file .*self\.csv: it is the file being imported/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    const folder = await importInProcess(['--format', 'acled', '--file', file, '--rejects', dir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/: it is a directory/);
    expect(server.timeline.batches).toBe(0);
  });

  it.each([
    [['--format', 'gdelt', '--file', 'x.csv'], /--format must be acled or ucdp/],
    [['--format', 'ucdp', '--file', 'missing.csv'], /cannot read .*missing\.csv: ENOENT/],
    [['--format', 'ucdp', '--file', UCDP_SLICE, '--rejects', '/nonexistent-dir/r.csv'], /cannot write the rejects file \/nonexistent-dir\/r\.csv/],
  ])('exits 2 on wrong arguments: %j', async (argv, message) => {
    const run = await importInProcess(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('exits 2 on a bad mapping file, naming the field in one line', async () => {
    writeFileSync(join(dir, 'bad.json'), '{"places": {"radiusKm": -1}}');
    const run = await importInProcess(['--format', 'ucdp', '--file', UCDP_SLICE, '--map', 'bad.json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^import: mapping file .*bad\.json: places\.radiusKm must be .*\n$/);
  });

  it('exits 1 with one line when the server cannot be reached', async () => {
    const url = server.url;
    await server.close();
    const run = await importInProcess(['--format', 'ucdp', '--file', UCDP_SLICE, '--url', url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^import: http:\/\/127\.0\.0\.1:\d+ cannot be reached \(ECONNREFUSED\).*is the server running\?\n$/);
    server = await startTimelineServer(new InMemoryTimeline({}));
  });

  it('exits 1 with one line when the server refuses the key', async () => {
    const run = await importInProcess(['--format', 'ucdp', '--file', UCDP_SLICE], { TIMELINE_API_KEY: 'not-a-key-of-this-server' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('import: stopped: POST /v1/batches answered 401 UNAUTHENTICATED (unknown key)\n');
  });

  it('stops reading on an interrupt, exits 130, and a re-run finishes with one event per command', async () => {
    // 1,500 rows: several windows, so that reading is still under way when the first batch arrives.
    const file = writeAcledFile(join(dir, 'long.csv'), ACLED_COLUMNS_2024, Array.from({ length: 1500 }, (_, n) => acledRow(n)));
    const interrupt = new AbortController();
    server.beforeBatch = async () => interrupt.abort();
    let stderr = '';
    const code = await runImportCli(['--format', 'acled', '--file', file, '--url', server.url, '--key-file', keyFile], {
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
      signal: interrupt.signal,
    });
    expect(code).toBe(130);
    expect(stderr).toBe('import: interrupted: run the same command again to finish\n');
    const partial = server.timeline.events.length;
    server.beforeBatch = async () => undefined;
    const rerun = await importInProcess(['--format', 'acled', '--file', file]);
    expect(rerun.code).toBe(0);
    expect(summaryCount(rerun.stdout, 'replayed')).toBe(partial);
    // 3 places, 2 actors, 1,500 attacks, 1,000 casualty reports (fatalities n % 3 > 0).
    expect(server.timeline.events.length).toBe(3 + 2 + 1500 + 1000);
    expect([...server.timeline.standingByKey().values()].every((events) => events.length === 1)).toBe(true);
  });

  it('exits 1 when nothing was created, replayed or already there', async () => {
    const file = writeAcledFile(join(dir, 'bad.csv'), ACLED_COLUMNS_2024, [acledRow(1, { event_date: 'someday' }), acledRow(2, { timestamp: 'x' })]);
    const run = await importInProcess(['--format', 'acled', '--file', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('import: nothing was created, replayed or already there\n');
    expect(readRejects(`${file}.rejects.csv`)).toHaveLength(2);
  });
});

/** The rows as a spreadsheet in a `;` locale saves them: `;` between fields, decimal commas. */
function semicolonCsv(columns: readonly string[], rows: readonly AcledRow[]): string {
  const field = (value: string): string => (/[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const lines = [columns, ...rows.map((row) => columns.map((column) => row[column] ?? ''))].map((fields) => fields.map(field).join(';'));
  return `${lines.join('\r\n')}\r\n`;
}

/** `2018-05-09` as `09.05.2018` (day first) or `5/9/2018` (month first). */
const numericDate = (iso: string, order: 'dmy' | 'mdy'): string => {
  const [year, month, day] = iso.split('-');
  return order === 'dmy' ? `${day}.${month}.${year}` : `${Number(month)}/${Number(day)}/${year}`;
};

describe('import CLI, files as spreadsheets save them', () => {
  const rows = (): AcledRow[] => Array.from({ length: 6 }, (_, n) => acledRow(n + 1, n === 2 ? { notes: 'two lines,\nof notes' } : {}));

  it('reads numeric dates in the order --date-order gives, and asks for it when no date of the file settles it', async () => {
    // Every date of these rows has its day at 12 or less: each reads either way.
    const file = writeAcledFile(
      join(dir, 'us.csv'),
      ACLED_COLUMNS_2024,
      rows().map((row) => ({ ...row, event_date: numericDate(row['event_date']!, 'mdy') })),
    );
    const without = await importInProcess(['--format', 'acled', '--file', file]);
    expect(without.code).toBe(2);
    expect(without.stderr).toBe(
      'import: record 1 has a date of numbers only: reading every date of the file for their order\n' +
        'import: us.csv: stopped at record 1, the first with a date of numbers only: every numeric date in the file reads both day first and month first (e.g. 5/2/2018 at record 1): give --date-order dmy or mdy; nothing was imported\n',
    );
    expect(server.timeline.batches).toBe(0);

    const iso = writeAcledFile(join(dir, 'iso.csv'), ACLED_COLUMNS_2024, rows());
    expect((await importInProcess(['--format', 'acled', '--file', iso])).code).toBe(0);
    const events = server.timeline.events.length;
    // The same rows with their dates month first: every command is a replay of the ISO file's.
    const run = await importInProcess(['--format', 'acled', '--file', file, '--date-order', 'mdy']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('refused:');
    expect(summaryCount(run.stdout, 'replayed')).toBeGreaterThan(0);
    expect(server.timeline.events.length).toBe(events);
  });

  it('settles the date order from the whole file, and refuses an order no date allows or a file of both', async () => {
    const iso = [acledRow(1), acledRow(2), acledRow(3, { event_date: '2018-05-20' })];
    const written = (name: string, order: 'dmy' | 'mdy', extra: AcledRow[] = []): string =>
      writeAcledFile(join(dir, name), ACLED_COLUMNS_2024, [...iso, ...extra].map((row) => ({ ...row, event_date: numericDate(row['event_date']!, order) })));
    // The last row's 5/20/2018 reads only month first: it settles the rows before it, which read either way.
    const monthFirst = written('mdy.csv', 'mdy');
    const settled = await importInProcess(['--format', 'acled', '--file', monthFirst, '--dry-run']);
    expect(settled.code).toBe(0);
    expect(settled.stdout).not.toContain('refused:');
    expect(settled.stderr).toContain('import: dates of numbers only are read month first\n');

    const wrong = await importInProcess(['--format', 'acled', '--file', monthFirst, '--date-order', 'dmy']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--date-order dmy does not fit the file: 5/20/2018 at record 3 reads only mdy');
    expect(server.timeline.batches).toBe(0);

    const both = written('both.csv', 'mdy', [{ ...acledRow(4), event_date: '2018-05-21' }]);
    writeFileSync(both, readFileSync(both, 'utf8').replace('5/21/2018', '21/5/2018'));
    const mixed = await importInProcess(['--format', 'acled', '--file', both]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('the file writes dates both day first (21/5/2018 at record 4) and month first (5/20/2018 at record 3): make them one order');
    expect(server.timeline.batches).toBe(0);

    // A file whose first rows have ISO dates sends them, and stops at its first numeric date.
    const late = writeAcledFile(join(dir, 'late.csv'), ACLED_COLUMNS_2024, [acledRow(1), { ...acledRow(2), event_date: '5/3/2018' }]);
    const run = await importInProcess(['--format', 'acled', '--file', late]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('(e.g. 5/3/2018 at record 2): give --date-order dmy or mdy; the rows before it were imported');
    expect(server.timeline.events.map((e) => e.idempotencyKey)).toContain('acled:SYR1001@1600000001:attack');
    expect(server.timeline.events.map((e) => e.idempotencyKey)).not.toContain('acled:SYR1002@1600000002:attack');
  });

  it('settles the date order from the dates before a point the parser cannot read past, and stops there', async () => {
    const rowsWithDates = [1, 2, 3, 4, 5, 6].map((n) => ({ ...acledRow(n), event_date: n === 3 ? '5/20/2018' : `5/${n}/2018` }));
    const file = writeAcledFile(join(dir, 'broken.csv'), ACLED_COLUMNS_2024, rowsWithDates);
    const text = readFileSync(file, 'utf8');
    const broken = text.replace('"On 5 May 2018, regime forces clashed with IS fighters."', '"On 5 May 2018, clashes.');
    expect(broken).not.toBe(text);
    writeFileSync(file, broken);
    const run = await importInProcess(['--format', 'acled', '--file', file]);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')).toEqual([
      'import: record 1 has a date of numbers only: reading every date of the file for their order',
      'import: dates of numbers only are read month first',
      expect.stringMatching(/^import: broken\.csv: CSV error at record 5 .*a quote opened in it is never closed; the rows before it were imported$/),
      '',
    ]);
    const attacks = server.timeline.events.filter((e) => e.kind === 'attacks').map((e) => e.idempotencyKey);
    expect(attacks).toEqual([1, 2, 3, 4].map((n) => `acled:SYR${1000 + n}@${1_600_000_000 + n}:attack`));
  });

  it('refuses on its own row a date that reads in neither order, and says a dry run sent nothing when it stops', async () => {
    const file = writeAcledFile(join(dir, 'neither.csv'), ACLED_COLUMNS_2024, [acledRow(1), { ...acledRow(2), event_date: '31/02/2018' }, acledRow(3)]);
    const run = await importInProcess(['--format', 'acled', '--file', file]);
    expect(run.code).toBe(0);
    expect(summaryCount(run.stdout, 'refused:ROW_INVALID')).toBe(1);
    expect(readRejects(`${file}.rejects.csv`).map((r) => [r.dataset_id, r.message])).toEqual([['SYR1002', 'event_date "31/02/2018" is not a date, day or month first']]);
    expect(server.timeline.events.filter((e) => e.kind === 'attacks')).toHaveLength(2);

    const ambiguous = writeAcledFile(join(dir, 'ambiguous.csv'), ACLED_COLUMNS_2024, [acledRow(1), { ...acledRow(2), event_date: '5/3/2018' }]);
    const dry = await importInProcess(['--format', 'acled', '--file', ambiguous, '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain(
      'import: ambiguous.csv: stopped at record 2, the first with a date of numbers only: every numeric date in the file reads both day first and month first (e.g. 5/3/2018 at record 2): give --date-order dmy or mdy; nothing was sent (dry run)\n',
    );
    expect(dry.stdout).toMatch(/: 1 records in /);
  });

  it('stops reading the dates for their order on an interrupt, and exits 130', async () => {
    const file = writeAcledFile(
      join(dir, 'long-numeric.csv'),
      ACLED_COLUMNS_2024,
      Array.from({ length: 3000 }, (_, n) => ({ ...acledRow(n + 1), event_date: '5/3/2018' })),
    );
    const interrupt = new AbortController();
    let stderr = '';
    const code = await runImportCli(['--format', 'acled', '--file', file, '--url', server.url, '--key-file', keyFile], {
      stdout: () => undefined,
      stderr: (text) => {
        stderr += text;
        // Interrupted as soon as the reading for the order begins.
        if (text.includes('reading every date of the file')) interrupt.abort();
      },
      signal: interrupt.signal,
    });
    expect(code).toBe(130);
    expect(stderr).toBe(
      'import: record 1 has a date of numbers only: reading every date of the file for their order\nimport: interrupted: run the same command again to finish\n',
    );
    expect(server.timeline.batches).toBe(0);
  });

  it('reads a file with ; between fields, decimal commas and dates day first as the comma file', async () => {
    const iso = writeAcledFile(join(dir, 'iso.csv'), ACLED_COLUMNS_2024, rows());
    expect((await importInProcess(['--format', 'acled', '--file', iso])).code).toBe(0);
    const events = server.timeline.events.length;
    const file = join(dir, 'de.csv');
    const german = rows().map((row) => ({
      ...row,
      event_date: numericDate(row['event_date']!, 'dmy'),
      latitude: row['latitude']!.replace('.', ','),
      longitude: row['longitude']!.replace('.', ','),
    }));
    writeFileSync(file, `\uFEFF${semicolonCsv(ACLED_COLUMNS_2024, german)}`);
    expect(readFileSync(file, 'utf8')).toContain(';33,4728;36,3000;');
    const run = await importInProcess(['--format', 'acled', '--file', file, '--date-order', 'dmy']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('refused:');
    expect(summaryCount(run.stdout, 'replayed')).toBeGreaterThan(0);
    expect(server.timeline.events.length).toBe(events);
  });

  it('reads rows with one more, empty, field than the header, and skips the empty rows below the data', async () => {
    const file = join(dir, 'trailing.csv');
    const text = writeAcledFile(join(dir, 'plain.csv'), ACLED_COLUMNS_2024, rows());
    const lines = readFileSync(text, 'utf8');
    // Every record ends in a comma (the third one's notes run over two lines); then three rows of commas.
    writeFileSync(file, `${lines.replace(/\r\n(?=SYR|$)/g, ',\r\n')}${','.repeat(30)}\r\n${','.repeat(30)}\r\n,,,\r\n`);
    expect(readFileSync(file, 'utf8')).toContain('"two lines,\nof notes"');
    const run = await importInProcess(['--format', 'acled', '--file', file, '--dry-run']);
    expect(run.stderr).not.toContain('CSV error');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('refused:');
    expect(run.stdout).toMatch(/: 6 records in /);
  });

  it('exits 2 on a file that is not UTF-8, naming its first such byte, before sending anything', async () => {
    const file = join(dir, 'cp1252.csv');
    const utf8 = readFileSync(writeAcledFile(join(dir, 'u.csv'), ACLED_COLUMNS_2024, rows().map((row, n) => (n === 3 ? { ...row, location: 'Medellín' } : row))));
    // Windows-1252 writes í as the one byte 0xED, which is no UTF-8.
    const at = utf8.indexOf(Buffer.from('í'));
    writeFileSync(file, Buffer.concat([utf8.subarray(0, at), Buffer.from([0xed]), utf8.subarray(at + 2)]));
    const run = await importInProcess(['--format', 'acled', '--file', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `import: cp1252.csv: the file is not UTF-8 text (byte ${at + 1} is not); save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)") and run the import again; nothing was sent\n`,
    );
    expect(server.timeline.batches).toBe(0);
  });

  it('exits 2 on an export still compressed, saying to unpack it, before sending anything', async () => {
    const file = join(dir, 'acled.csv.gz');
    writeFileSync(file, gzipSync(readFileSync(writeAcledFile(join(dir, 'u.csv'), ACLED_COLUMNS_2024, rows()))));
    const run = await importInProcess(['--format', 'acled', '--file', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('import: acled.csv.gz: the file is gzip-compressed, not CSV: unpack it (gunzip) and import the CSV file inside; nothing was sent\n');
    expect(server.timeline.batches).toBe(0);
  });

  it('reads UTF-16LE text with its byte order mark as the UTF-8 file', async () => {
    const utf8 = writeAcledFile(join(dir, 'u.csv'), ACLED_COLUMNS_2024, rows());
    expect((await importInProcess(['--format', 'acled', '--file', utf8])).code).toBe(0);
    const events = server.timeline.events.length;
    const file = join(dir, 'utf16.csv');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(utf8, 'utf8'), 'utf16le')]));
    const run = await importInProcess(['--format', 'acled', '--file', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('refused:');
    expect(summaryCount(run.stdout, 'replayed')).toBeGreaterThan(0);
    expect(server.timeline.events.length).toBe(events);
  });
});

describe('import CLI, exports re-saved by other tools', () => {
  const withNoValue = (row: AcledRow, marker: string): AcledRow =>
    Object.fromEntries(Object.entries(row).map(([column, value]) => [column, value === '' ? marker : value])) as AcledRow;
  /** Every sub-event type, the transfer of territory with no actor2, an attack with none. */
  const rowsWithGaps = (): AcledRow[] =>
    ACLED_SUB_EVENTS.map(([eventType, subEventType], n) =>
      acledRow(n, { event_type: eventType, sub_event_type: subEventType, ...(n % 4 === 0 || subEventType === 'Non-violent transfer of territory' ? { actor2: '', inter2: '' } : {}) }),
    );

  it.each([['NA'], ['\\N'], ['NULL']])('reads %s cells as the empty cells they stand for: the same commands as the file as downloaded', async (marker) => {
    const rows = rowsWithGaps();
    expect((await importInProcess(['--format', 'acled', '--file', writeAcledFile(join(dir, 'a.csv'), ACLED_COLUMNS_2024, rows)])).code).toBe(0);
    const events = server.timeline.events.length;
    const run = await importInProcess(['--format', 'acled', '--file', writeAcledFile(join(dir, 'na.csv'), ACLED_COLUMNS_2024, rows.map((row) => withNoValue(row, marker)))]);
    expect(run.code).toBe(0);
    // Every command replays with the very same body: any other is refused IDEMPOTENCY_KEY_REUSED.
    expect(run.stdout).not.toContain('refused:');
    expect(summaryCount(run.stdout, 'replayed')).toBeGreaterThan(0);
    expect(server.timeline.events.length).toBe(events);
    expect([...server.timeline.actors.keys()].filter((id) => id === 'na' || id === 'n' || id === 'null')).toEqual([]);
  });

  it('refuses ROW_TRUNCATED a last row the end of the file cuts short, and the whole file imports it later', async () => {
    const rows = Array.from({ length: 5 }, (_, n) => acledRow(n + 1, { fatalities: '7' }));
    const whole = writeAcledFile(join(dir, 'whole.csv'), ACLED_COLUMNS_2020, rows);
    const text = readFileSync(whole, 'utf8');
    // Cut inside the last row's fatalities, as a download that stopped leaves it: `…,7` becomes `…,` and the rest is gone.
    const cutAt = text.lastIndexOf(',7,') + 1;
    const cut = join(dir, 'cut.csv');
    writeFileSync(cut, text.slice(0, cutAt));
    const run = await importInProcess(['--format', 'acled', '--file', cut]);
    expect(run.code).toBe(0);
    expect(readRejects(`${cut}.rejects.csv`).map((r) => [r.record, r.dataset_id, r.command, r.code])).toEqual([['5', 'SYR1005', 'row', 'ROW_TRUNCATED']]);
    expect(server.timeline.events.some((event) => event.idempotencyKey?.startsWith('acled:SYR1005@'))).toBe(false);
    const again = await importInProcess(['--format', 'acled', '--file', whole]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('refused:');
    expect(server.timeline.events.filter((event) => event.idempotencyKey?.startsWith('acled:SYR1005@')).map((event) => event.idempotencyKey!.split(':').pop())).toEqual([
      'attack',
      'casualties',
    ]);
  });

  it('refuses ROW_TRUNCATED a last row cut inside its last column, where every field is there', async () => {
    const rows = Array.from({ length: 3 }, (_, n) => acledRow(n + 1));
    const whole = acledCsv(ACLED_COLUMNS_2024, rows);
    expect(ACLED_COLUMNS_2024.at(-1)).toBe('timestamp');
    const cut = join(dir, 'cut-timestamp.csv');
    // The last timestamp, 1600000003, cut to 16000.
    writeFileSync(cut, whole.slice(0, whole.lastIndexOf('1600000003') + 5));
    const run = await importInProcess(['--format', 'acled', '--file', cut, '--dry-run']);
    expect(run.code).toBe(0);
    expect(readRejects(`${cut}.rejects.csv`).map((r) => [r.record, r.dataset_id, r.code])).toEqual([['3', 'SYR1003', 'ROW_TRUNCATED']]);
    expect(summaryCount(run.stdout, 'refused:ROW_TRUNCATED')).toBe(1);
  });

  it('reads a second export joined below the first in its own column order, and warns once', async () => {
    const first = acledCsv(ACLED_COLUMNS_2020, [acledRow(1), acledRow(2)]);
    const second = acledCsv([...ACLED_COLUMNS_2024].reverse(), [acledRow(3), acledRow(4), acledRow(5)]);
    const joined = join(dir, 'joined.csv');
    writeFileSync(joined, first + second);
    const run = await importInProcess(['--format', 'acled', '--file', joined, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: 5 records in /);
    expect(run.stdout).not.toContain('skipped:');
    expect(run.stdout).not.toContain('refused:');
    expect(summaryCount(run.stdout, 'warning:HEADER_REPEATED')).toBe(1);
    expect(run.stderr).toContain('the header comes again after record 2');
  });

  it('counts NAME_CUT once for an actor whose name is cut to the limit, however many rows name it', async () => {
    const long = `Coalition ${'of the brigades and battalions '.repeat(8)}in the south`;
    const rows = [acledRow(1, { actor2: long }), acledRow(2, { actor2: long }), acledRow(3)];
    const run = await importInProcess(['--format', 'acled', '--file', writeAcledFile(join(dir, 'long.csv'), ACLED_COLUMNS_2024, rows)]);
    expect(run.code).toBe(0);
    expect(summaryCount(run.stdout, 'warning:NAME_CUT')).toBe(1);
    const cut = [...server.timeline.actors.values()].find((actor) => String(actor.name).startsWith('Coalition'));
    expect(String(cut?.name).length).toBeLessThanOrEqual(200);
  });

  it('says which format a file of the other dataset is, a header with no records, and takes --format in capitals', async () => {
    const rejects = ['--rejects', join(dir, 'slice.rejects.csv')];
    const ucdp = await importInProcess(['--format', 'acled', '--file', UCDP_SLICE, '--dry-run', ...rejects]);
    expect(ucdp.code).toBe(2);
    expect(ucdp.stderr).toBe('import: ucdp-ged-syria-slice.csv: this is a UCDP GED export, not an ACLED export: run with --format ucdp\n');
    const header = writeAcledFile(join(dir, 'header.csv'), ACLED_COLUMNS_2024, []);
    const empty = await importInProcess(['--format', 'ACLED', '--file', header, '--dry-run']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe('import: header.csv: the file holds its header and no records: nothing to import\n');
    const capitals = await importInProcess(['--format', 'UCDP', '--file', UCDP_SLICE, '--dry-run', ...rejects]);
    expect(capitals.code).toBe(0);
  });
});
