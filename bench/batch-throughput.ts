import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './child-processes.js';
import { LIVE_BASELINE, eventShapedRow } from './command-throughput.js';
import { NeighbourhoodScript, Random, type ScriptedRequest, actorBody, registrationBody } from './conflict-script.js';
import { BENCH_KEYS } from './in-process-app.js';
import { median, progress, round } from './measure.js';
import { RawAppendLoop } from './raw-append-loop.js';
import type { UcdpMaterial } from './ucdp-material.js';

export interface BatchThroughputOptions {
  readonly material: UcdpMaterial;
  readonly rounds: number;
  /** Batches each lane sends per round. */
  readonly batchesPerLane: number;
  readonly batchSize: number;
  /** Batches in flight at once; each lane owns its neighbourhoods, so every command is valid. */
  readonly lanes: number;
  readonly neighbourhoods: number;
}

export interface BatchThroughputResult {
  readonly batchCommandsPerSec: number;
  readonly rawBatchedAppendsPerSec: number;
  readonly batchVsRawBatch: number;
  readonly rounds: readonly { readonly batch: number; readonly raw: number }[];
  readonly refusedInBatches: number;
}

interface BatchAnswer {
  readonly results: readonly { readonly status: number; readonly code?: string; readonly message?: string }[];
}

/**
 * POST /v1/batches on the built server, `lanes` batches of `batchSize` in flight, against raw
 * durable inserts of the same event-shaped rows in transactions of `batchSize`; rounds
 * alternate, and each round's ratio is taken against its own raw figure.
 */
export async function measureBatchThroughput(options: BatchThroughputOptions): Promise<BatchThroughputResult> {
  const root = mkdtempSync(join(tmpdir(), 'bench-batches-'));
  const server = await startServer(join(root, 'app'));
  const raw = await RawAppendLoop.open(join(root, 'raw'));
  let refused = 0;
  let firstRefusal: string | undefined;
  try {
    const post = async (commands: readonly { path: string; body: unknown }[]): Promise<number> => {
      const response = await fetch(`${server.url}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_KEYS.writer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ commands }),
      });
      if (response.status !== 200) throw new Error(`POST /v1/batches: ${response.status} ${await response.text()}`);
      const answer = (await response.json()) as BatchAnswer;
      let accepted = 0;
      for (const result of answer.results) {
        if (result.status === 201 || result.status === 200) accepted += 1;
        else {
          refused += 1;
          firstRefusal ??= `${result.status} ${result.code}: ${result.message}`;
        }
      }
      return accepted;
    };

    const places = options.material.places.slice(0, options.neighbourhoods);
    const actorIds = new Set(places.flatMap((place) => place.belligerents));
    await post(options.material.actors.filter((actor) => actorIds.has(actor.id)).map((actor) => ({ path: '/v1/actors', body: actorBody(actor) })));
    await post(places.map((place) => ({ path: '/v1/neighbourhoods', body: registrationBody(place, LIVE_BASELINE) })));
    const random = new Random(11);
    const scripts = places.map((place) => new NeighbourhoodScript(place, options.material, new Random(random.int(2 ** 31)), Date.parse(LIVE_BASELINE) + 3_600_000, 1_000));
    const lanes = Array.from({ length: options.lanes }, (_, lane) => scripts.filter((_, i) => i % options.lanes === lane));

    // A capture moves time on; attacks and casualty reports fall between the captures.
    let step = 0;
    const nextRequest = (script: NeighbourhoodScript): ScriptedRequest => {
      step += 1;
      if (step % 3 === 0) return script.capture();
      const at = script.now - 500;
      return step % 3 === 1 ? script.lateAttack(at) : script.lateCasualties(at);
    };
    const batchOf = (lane: readonly NeighbourhoodScript[]): ScriptedRequest[] =>
      Array.from({ length: options.batchSize }, (_, i) => nextRequest(lane[i % lane.length]!));
    const toCommand = (request: ScriptedRequest): { path: string; body: unknown } => ({
      path: `/v1/neighbourhoods/${request.neighbourhoodId}/${request.kind}`,
      body: request.body,
    });
    // The raw rows come from scripts of their own: a script moves on with every request it writes.
    const rowScripts = places.map((place) => new NeighbourhoodScript(place, options.material, new Random(random.int(2 ** 31)), Date.parse(LIVE_BASELINE) + 3_600_000, 1_000));
    const rows = batchOf(rowScripts).map(eventShapedRow);

    const batches = async (): Promise<number> => {
      const started = performance.now();
      const accepted = await Promise.all(
        lanes.map(async (lane) => {
          let sum = 0;
          for (let b = 0; b < options.batchesPerLane; b++) sum += await post(batchOf(lane).map(toCommand));
          return sum;
        }),
      );
      return accepted.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
    };
    const rawBatched = (): number => raw.runInTransactions(options.lanes * options.batchesPerLane * options.batchSize, rows, options.batchSize);

    progress(`batches: warming up (${places.length} neighbourhoods registered through a batch)`);
    await post(batchOf(lanes[0]!).map(toCommand));
    rawBatched();
    const rounds: { batch: number; raw: number }[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const rawRate = rawBatched();
      const batchRate = await batches();
      rounds.push({ batch: round(batchRate, 1), raw: round(rawRate, 1) });
      progress(`batches: round ${r + 1}/${options.rounds}: ${batchRate.toFixed(0)} commands/s through batches, raw ${rawRate.toFixed(0)} inserts/s in transactions of ${options.batchSize}`);
    }
    if (refused > 0) progress(`batches: ${refused} commands refused, the first with ${firstRefusal}`);
    return {
      batchCommandsPerSec: round(median(rounds.map((r) => r.batch)), 1),
      rawBatchedAppendsPerSec: round(median(rounds.map((r) => r.raw)), 1),
      batchVsRawBatch: round(median(rounds.map((r) => r.batch / r.raw)), 3),
      rounds,
      refusedInBatches: refused,
    };
  } finally {
    raw.close();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
