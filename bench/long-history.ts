import { type StartedServer, startServer } from './child-processes.js';
import { CommandClient } from './command-client.js';
import { NeighbourhoodScript, Random } from './conflict-script.js';
import { BENCH_KEYS, startInProcessApp } from './in-process-app.js';
import { KeepAliveClient } from './keep-alive-client.js';
import { median, progress, quantile, round } from './measure.js';
import { HISTORY_START_MS, type PopulatedNeighbourhood } from './populate-log.js';
import type { UcdpMaterial } from './ucdp-material.js';

export interface LongHistoryOptions {
  readonly dataDir: string;
  readonly material: UcdpMaterial;
  readonly long: PopulatedNeighbourhood;
  readonly short: PopulatedNeighbourhood;
  /** The 10,000-event neighbourhood of the perspective figures. */
  readonly mid: PopulatedNeighbourhood;
  readonly captures: number;
  readonly asOfQueries: number;
  readonly perspectiveQueries: number;
}

export interface LongHistoryResult {
  readonly longEvents: number;
  readonly shortEvents: number;
  /** The first command on each after the start: it folds the whole stream into the cache. */
  readonly coldCaptureLongMs: number;
  readonly coldCaptureShortMs: number;
  readonly captureMedianLongMs: number;
  readonly captureMedianShortMs: number;
  readonly commandLatencyGrowth: number;
  readonly asOfP50LongMs: number;
  readonly asOfP99Ms: number;
  readonly asOfP99ShortMs: number;
  readonly asOfGrowth: number;
  readonly midEvents: number;
  readonly perspectiveP50Ms: number;
  readonly perspectiveP99Ms: number;
  readonly perspectiveP50ShortMs: number;
  readonly perspectiveGrowth: number;
}

/** The perspective the figures time: confirmed reports from sources rated C or better. */
const PERSPECTIVE = 'status=confirmed&minReliability=C';

/**
 * On the big log: one more capture on the long neighbourhood and on the 1k one (alternating,
 * one at a time, through the real app's CommandBus in this process, with DTO validation, each
 * durable), then `control?asOf=` at random past instants over HTTP against the built server,
 * and `control` according to a perspective (which folds every report of the neighbourhood) on
 * the 10,000-event and the 1,000-event neighbourhoods.
 */
export async function measureLongHistory(options: LongHistoryOptions): Promise<LongHistoryResult> {
  const app = await startInProcessApp(options.dataDir);
  let stopped = false;
  let server: StartedServer | undefined;
  try {
    const client = new CommandClient(app.bus);
    const random = new Random(99);
    const scriptOf = (n: PopulatedNeighbourhood): NeighbourhoodScript => {
      const script = new NeighbourhoodScript(n.place, options.material, new Random(random.int(2 ** 31)), 0, 60_000);
      script.resume(n.holders, Math.max(n.lastOccurredAtMs, Date.parse('2019-12-01T00:00:00Z')) + 3_600_000);
      return script;
    };
    const long = scriptOf(options.long);
    const short = scriptOf(options.short);
    const timed = async (script: NeighbourhoodScript): Promise<number> => {
      const started = performance.now();
      await client.incident(script.capture());
      return performance.now() - started;
    };
    progress(`long history: first capture on ${options.long.events} and ${options.short.events} events (folds each stream once)`);
    const coldLong = await timed(long);
    const coldShort = await timed(short);
    const longLatencies: number[] = [];
    const shortLatencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      await timed(long);
      await timed(short);
    }
    for (let i = 0; i < options.captures; i++) {
      longLatencies.push(await timed(long));
      shortLatencies.push(await timed(short));
    }

    await app.stop();
    stopped = true;

    // Queries go to the built server in a process of its own: its heap holds the app alone,
    // not this benchmark's material, so its tail latency is the app's.
    progress(`long history: ${options.asOfQueries} control?asOf= queries on each, against the built server`);
    server = await startServer(options.dataDir);
    // node:http on one keep-alive socket: fetch (undici) adds its own allocations and tail to
    // what is measured.
    const http = new KeepAliveClient(server.url, { authorization: `Bearer ${BENCH_KEYS.analyst}` });
    const query = async (n: PopulatedNeighbourhood): Promise<number> => {
      const asOf = new Date(HISTORY_START_MS + random.next() * (n.lastOccurredAtMs - HISTORY_START_MS)).toISOString();
      const started = performance.now();
      const { status, body } = await http.get(`/v1/neighbourhoods/${n.place.id}/control?asOf=${asOf}`);
      const ms = performance.now() - started;
      if (status !== 200) throw new Error(`control?asOf=${asOf}: ${status} ${body}`);
      return ms;
    };
    for (let i = 0; i < 300; i++) {
      await query(options.long);
      await query(options.short);
    }
    const asOfLong: number[] = [];
    const asOfShort: number[] = [];
    for (let i = 0; i < options.asOfQueries; i++) {
      asOfLong.push(await query(options.long));
      asOfShort.push(await query(options.short));
    }
    progress(`long history: ${options.perspectiveQueries} control?${PERSPECTIVE} queries on ${options.mid.events} and ${options.short.events} events`);
    const perspective = async (n: PopulatedNeighbourhood): Promise<number> => {
      const started = performance.now();
      const { status, body } = await http.get(`/v1/neighbourhoods/${n.place.id}/control?${PERSPECTIVE}`);
      const ms = performance.now() - started;
      if (status !== 200) throw new Error(`control?${PERSPECTIVE}: ${status} ${body}`);
      return ms;
    };
    for (let i = 0; i < 50; i++) {
      await perspective(options.mid);
      await perspective(options.short);
    }
    const perspectiveMid: number[] = [];
    const perspectiveShort: number[] = [];
    for (let i = 0; i < options.perspectiveQueries; i++) {
      perspectiveMid.push(await perspective(options.mid));
      perspectiveShort.push(await perspective(options.short));
    }
    const captureMedianLongMs = median(longLatencies);
    const captureMedianShortMs = median(shortLatencies);
    const asOfP99Ms = quantile(asOfLong, 0.99);
    const asOfP99ShortMs = quantile(asOfShort, 0.99);
    return {
      longEvents: options.long.events,
      shortEvents: options.short.events,
      coldCaptureLongMs: round(coldLong, 1),
      coldCaptureShortMs: round(coldShort, 1),
      captureMedianLongMs: round(captureMedianLongMs, 3),
      captureMedianShortMs: round(captureMedianShortMs, 3),
      commandLatencyGrowth: round(captureMedianLongMs / captureMedianShortMs, 3),
      asOfP50LongMs: round(median(asOfLong), 3),
      asOfP99Ms: round(asOfP99Ms, 3),
      asOfP99ShortMs: round(asOfP99ShortMs, 3),
      asOfGrowth: round(asOfP99Ms / asOfP99ShortMs, 3),
      midEvents: options.mid.events,
      perspectiveP50Ms: round(median(perspectiveMid), 3),
      perspectiveP99Ms: round(quantile(perspectiveMid, 0.99), 3),
      perspectiveP50ShortMs: round(median(perspectiveShort), 3),
      perspectiveGrowth: round(median(perspectiveMid) / median(perspectiveShort), 3),
    };
  } finally {
    if (!stopped) await app.stop();
    await server?.stop();
  }
}
