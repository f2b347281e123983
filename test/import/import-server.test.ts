/**
 * The importer against the real server: the built script (`dist/scripts/import.js`) sends the
 * whole UCDP Syria extract through POST /v1/batches of the built server, on a loopback port with
 * a temporary data directory. Waits are for events only (the server's head moving), never timed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { type ServerProcess, SERVER_KEYS, startServer, temporaryDataDir } from '../e2e/server-process.js';
import { readUcdpRows, recountUcdp, ucdpFullFile } from './ucdp-recount.js';

const SCRIPT = fileURLToPath(new URL('../../dist/scripts/import.js', import.meta.url));

describe('the importer against the server', () => {
  const data = temporaryDataDir();
  let server: ServerProcess;
  let work: string;
  let keyFile: string;
  let expectedEvents: number;

  beforeAll(async () => {
    server = await startServer({ dataDir: data.dir, env: { TIMELINE_LOG_LEVEL: 'warn' } });
    work = mkdtempSync(join(tmpdir(), 'import-server-'));
    keyFile = join(work, 'api-keys.json');
    writeFileSync(keyFile, JSON.stringify({ keys: [{ role: 'writer', key: SERVER_KEYS.writer }, { role: 'admin', key: SERVER_KEYS.admin }] }));
    const expected = recountUcdp(readUcdpRows(ucdpFullFile()), Date.now());
    expectedEvents = expected.attacks + expected.casualties + expected.places + expected.actors;
  });

  afterAll(async () => {
    await server.kill();
    data.remove();
    rmSync(work, { recursive: true, force: true });
  });

  const head = async (): Promise<number> => (await server.get('/health', { as: null })).body.eventStore.headPosition as number;

  /** The built importer; `whenRunning` is handed a way to kill it. */
  function runImport(whenRunning?: (kill: () => void) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
    const child = spawn(
      process.execPath,
      [SCRIPT, '--format', 'ucdp', '--file', ucdpFullFile(), '--url', server.url, '--key-file', keyFile, '--rejects', join(work, 'rejects.csv')],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    whenRunning?.(() => child.kill('SIGKILL'));
    return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  }

  const count = (stdout: string, label: string): number => {
    const match = new RegExp(`^\\s*${label.replace(/[:]/g, '\\$&')}\\s+([\\d,]+)$`, 'm').exec(stdout);
    return match === null ? 0 : Number(match[1]!.replace(/,/g, ''));
  };

  it('killed half-way and run again, ends with exactly the events of one run; a third run writes nothing', async () => {
    let stopped = false;
    const killed = await runImport((kill) => {
      void (async () => {
        // Half-way: once the server holds a third of what a whole run writes.
        while (!stopped && (await head()) < expectedEvents / 3) await new Promise((resolve) => setImmediate(resolve));
        kill();
      })();
    });
    stopped = true;
    expect(killed.signal).toBe('SIGKILL');
    const partial = await head();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(expectedEvents);

    const finished = await runImport();
    expect({ code: finished.code, stderr: finished.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(await head()).toBe(expectedEvents);
    expect(count(finished.stdout, 'created') + count(finished.stdout, 'replayed') + count(finished.stdout, 'existing')).toBe(expectedEvents);
    expect(count(finished.stdout, 'replayed') + count(finished.stdout, 'existing')).toBeGreaterThanOrEqual(partial);
    expect(parse(readFileSync(join(work, 'rejects.csv')), { columns: true })).toEqual([]);

    const again = await runImport();
    expect(again.code).toBe(0);
    expect(count(again.stdout, 'created')).toBe(0);
    expect(await head()).toBe(expectedEvents);
  }, 240_000);

  it('serves what it imported: every record on a timeline, with the dataset as a source', async () => {
    const [first] = readUcdpRows(ucdpFullFile());
    // Each distinct location is a neighbourhood of its own: walk the list to the first row's place.
    let place: { id: string } | undefined;
    for (let cursor: string | undefined, page = 0; place === undefined && page < 20; page += 1) {
      const neighbourhoods = await server.get(`/v1/neighbourhoods?limit=1000${cursor === undefined ? '' : `&cursor=${cursor}`}`, { as: 'analyst' });
      expect(neighbourhoods.status).toBe(200);
      place = neighbourhoods.body.items.find((n: { name: string }) => n.name === first!.where_coordinates);
      cursor = neighbourhoods.body.nextCursor;
      if (cursor === undefined) break;
    }
    expect(place).toBeDefined();
    const timeline = await server.get(`/v1/neighbourhoods/${place!.id}/timeline?source=${encodeURIComponent('UCDP GED')}&limit=1000`, { as: 'analyst' });
    expect(timeline.status).toBe(200);
    const references = timeline.body.items.flatMap((item: { sources: { kind: string; reference?: string }[] }) =>
      item.sources.filter((source) => source.kind === 'dataset').map((source) => source.reference),
    );
    expect(references).toContain(first!.id);
  });
});
