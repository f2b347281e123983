import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './child-processes.js';
import { median, progress, round } from './measure.js';

export interface StartupResult {
  readonly startupEmptyMs: number;
  readonly startupBigMs: number;
  readonly startupGrowth: number;
  readonly runs: readonly { readonly empty: number; readonly big: number }[];
}

/**
 * Spawns the built server, alternately on an empty data directory (a fresh one each time)
 * and on the big log with its read models caught up, and times spawn → /health 200 with every
 * read model at the head.
 */
export async function measureStartup(bigDataDir: string, runs: number): Promise<StartupResult> {
  const results: { empty: number; big: number }[] = [];
  for (let r = 0; r < runs; r++) {
    const emptyDir = mkdtempSync(join(tmpdir(), 'bench-empty-'));
    try {
      const empty = await startServer(emptyDir);
      await empty.stop();
      const big = await startServer(bigDataDir);
      await big.stop();
      results.push({ empty: round(empty.startupMs, 1), big: round(big.startupMs, 1) });
      progress(`startup: run ${r + 1}/${runs}: empty ${empty.startupMs.toFixed(0)} ms, big log ${big.startupMs.toFixed(0)} ms`);
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  }
  const startupEmptyMs = median(results.map((r) => r.empty));
  const startupBigMs = median(results.map((r) => r.big));
  return { startupEmptyMs, startupBigMs, startupGrowth: round(startupBigMs / startupEmptyMs, 3), runs: results };
}
