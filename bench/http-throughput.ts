import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningChild, startBareFastify, startServer } from './child-processes.js';
import { NeighbourhoodScript, Random, type ScriptedRequest, actorBody, registrationBody } from './conflict-script.js';
import { LIVE_BASELINE } from './command-throughput.js';
import { BENCH_KEYS } from './in-process-app.js';
import { median, progress, round } from './measure.js';
import type { BenchPlace, UcdpMaterial } from './ucdp-material.js';

export interface HttpThroughputOptions {
  readonly material: UcdpMaterial;
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
  readonly neighbourhoods: number;
}

export interface HttpThroughputResult {
  readonly httpCommandsPerSec: number;
  readonly bareFastifyPerSec: number;
  readonly httpVsBareFastify: number;
  readonly rounds: readonly { readonly app: number; readonly bare: number }[];
  readonly appLatencyP50Ms: number;
  readonly appLatencyP99Ms: number;
  /** Answers other than 201, and connection errors, over all measured app runs. */
  readonly appNon2xx: number;
  readonly appErrors: number;
}

const AUTH = { authorization: `Bearer ${BENCH_KEYS.writer}`, 'content-type': 'application/json' };

async function post(url: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
}

/** Places under fresh ids (and so fresh position ids), so that each run starts on new streams. */
function renamed(places: readonly BenchPlace[], suffix: string): BenchPlace[] {
  return places.map((place) => ({ ...place, id: `${place.id.slice(0, 40)}-${suffix}` }));
}

interface Load {
  readonly rate: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * autocannon with `connections` connections for `seconds`. Each request is the next step of a
 * neighbourhood script that no other in-flight request uses, so every request is valid when it
 * is sent (the app answers 201); the bare server gets the very same bodies.
 */
async function load(url: string, scripts: readonly NeighbourhoodScript[], seconds: number, connections: number): Promise<Load> {
  const busy = new Set<number>();
  let cursor = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: AUTH,
    requests: [
      {
        method: 'POST',
        setupRequest: (request, context) => {
          let index = cursor++ % scripts.length;
          while (busy.has(index)) index = cursor++ % scripts.length;
          busy.add(index);
          const step = scripts[index]!.next();
          Object.assign(context, { index, step });
          return { ...request, path: `/v1/neighbourhoods/${step.neighbourhoodId}/${step.kind}`, body: JSON.stringify(step.body) };
        },
        onResponse: (status, body, context) => {
          const { index, step } = context as { index: number; step: ScriptedRequest };
          busy.delete(index);
          if (status === 201) scripts[index]!.recorded(step, (JSON.parse(body) as { eventId: string }).eventId);
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    rate: ok / result.duration,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/**
 * The real server (`node dist/src/main.js`: HTTP, API keys, validation, CommandBus, pipeline,
 * durable append, projections, request log) against a bare Fastify route doing one durable
 * insert per request, under the same autocannon load, in alternating rounds.
 */
export async function measureHttpThroughput(options: HttpThroughputOptions): Promise<HttpThroughputResult> {
  const root = mkdtempSync(join(tmpdir(), 'bench-http-'));
  let app: RunningChild | undefined;
  let bare: RunningChild | undefined;
  try {
    app = await startServer(join(root, 'app'));
    bare = await startBareFastify(join(root, 'bare'));
    const places = options.material.places.slice(0, options.neighbourhoods);
    const actorIds = new Set(places.flatMap((place) => place.belligerents));
    for (const actor of options.material.actors) if (actorIds.has(actor.id)) await post(app.url, '/v1/actors', actorBody(actor));
    const random = new Random(11);
    const scriptsFor = async (suffix: string, target: RunningChild | undefined): Promise<NeighbourhoodScript[]> => {
      const fresh = renamed(places, suffix);
      if (target !== undefined) for (const place of fresh) await post(target.url, '/v1/neighbourhoods', registrationBody(place, LIVE_BASELINE));
      return fresh.map((place) => new NeighbourhoodScript(place, options.material, new Random(random.int(2 ** 31)), Date.parse(LIVE_BASELINE) + 3_600_000, 1_000));
    };

    progress('http: warming up both servers');
    await load(app.url, await scriptsFor('w', app), 2, options.connections);
    await load(bare.url, await scriptsFor('w', undefined), 2, options.connections);

    const rounds: { app: number; bare: number }[] = [];
    const appRuns: Load[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const bareRun = await load(bare.url, await scriptsFor(`r${r}`, undefined), options.seconds, options.connections);
      const appRun = await load(app.url, await scriptsFor(`r${r}`, app), options.seconds, options.connections);
      appRuns.push(appRun);
      rounds.push({ app: round(appRun.rate, 1), bare: round(bareRun.rate, 1) });
      progress(`http: round ${r + 1}/${options.rounds}: app ${appRun.rate.toFixed(0)}/s (p99 ${appRun.p99} ms), bare Fastify ${bareRun.rate.toFixed(0)}/s`);
    }
    // Each round's ratio is against the bare server's run just before it; the median round is reported.
    return {
      httpCommandsPerSec: round(median(rounds.map((r) => r.app)), 1),
      bareFastifyPerSec: round(median(rounds.map((r) => r.bare)), 1),
      httpVsBareFastify: round(median(rounds.map((r) => r.app / r.bare)), 3),
      rounds,
      appLatencyP50Ms: median(appRuns.map((run) => run.p50)),
      appLatencyP99Ms: median(appRuns.map((run) => run.p99)),
      appNon2xx: appRuns.reduce((sum, run) => sum + run.non2xx, 0),
      appErrors: appRuns.reduce((sum, run) => sum + run.errors, 0),
    };
  } finally {
    await app?.stop();
    await bare?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
