import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, startServer } from './child-processes.js';
import { BENCH_KEYS } from './in-process-app.js';
import { progress, round } from './measure.js';
import { UCDP_CSV } from './ucdp-material.js';

export interface ImportRunResult {
  readonly importRecords: number;
  readonly importSeconds: number;
  readonly importRowsPerSec: number;
  /** The importer's own peak resident set (VmHWM), not the server's. */
  readonly importPeakRssMb: number;
  readonly importSummary: string;
}

/**
 * `npm run import -- --format ucdp` of the whole UCDP extract into the built server on an empty
 * store, as a user runs it (the built importer in a process of its own, through the batch
 * endpoint); its peak memory read from /proc while it runs.
 */
export async function measureImport(): Promise<ImportRunResult> {
  const root = mkdtempSync(join(tmpdir(), 'bench-import-'));
  const server = await startServer(join(root, 'app'));
  try {
    progress(`import: the UCDP extract into the built server`);
    const started = performance.now();
    const child = spawn(process.execPath, [join(DIST, 'scripts', 'import.js'), '--format', 'ucdp', '--file', UCDP_CSV, '--url', server.url, '--rejects', join(root, 'rejects.csv')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TIMELINE_API_KEY: BENCH_KEYS.writer },
    });
    let peakKb = 0;
    const sample = (): void => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        // The process has gone: its last sample stands.
      }
    };
    const sampler = setInterval(sample, 50);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err = (err + chunk).slice(-4_000)));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`the importer exited with ${code}: ${err}`);
    const records = countRecords(out + err);
    progress(`import: ${records} records in ${seconds.toFixed(1)} s, importer peak RSS ${(peakKb / 1024).toFixed(0)} MB`);
    return {
      importRecords: records,
      importSeconds: round(seconds, 2),
      importRowsPerSec: round(records / seconds, 0),
      importPeakRssMb: peakKb > 0 ? round(peakKb / 1024, 0) : Number.NaN,
      importSummary: (out + err).trim().split('\n').slice(-12).join('\n'),
    };
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The number of records the importer's summary says it read. */
function countRecords(output: string): number {
  const match = /([\d,]+) records in [\d.]+ s/.exec(output);
  if (!match) throw new Error(`the importer's summary names no record count:\n${output}`);
  return Number(match[1]!.replaceAll(',', ''));
}
