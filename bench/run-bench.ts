/**
 * npm run bench [-- --quick] [-- --json] [-- --keep]
 *
 * Every figure is a ratio against a baseline measured in the same run, on the same machine:
 * absolute rates on a shared 2-core box mean little. Progress goes to stderr; the table to
 * stdout; with --json the last line of stdout is one JSON object with every figure.
 *
 * bench/tsconfig.json compiles src/ with the options of `npm run build` (tsconfig.build.json)
 * into the same dist/, so the server the benchmark spawns is the built server of this tree.
 * --keep leaves the big log's data directory in place (its path goes to stderr).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { runJsonChild } from './child-processes.js';
import { type BatchThroughputResult, measureBatchThroughput } from './batch-throughput.js';
import { type CommandThroughputResult, measureCommandThroughput } from './command-throughput.js';
import { type ConsoleFiguresResult, consoleFiguresUnavailable, measureConsoleFigures } from './console-figures.js';
import { type HttpThroughputResult, measureHttpThroughput } from './http-throughput.js';
import { type ImportRunResult, measureImport } from './import-run.js';
import { type LiveFeedResult, measureLiveFeed } from './live-feed.js';
import { type LongHistoryResult, measureLongHistory } from './long-history.js';
import { progress, round } from './measure.js';
import { NEIGHBOURHOODS, planNeighbourhoods } from './plan.js';
import { type PopulatedLog, populateLog } from './populate-log.js';
import type { RawReadResult, RebuildResult } from './rebuild-child.js';
import { type StartupResult, measureStartup } from './startup.js';
import { loadUcdpMaterial } from './ucdp-material.js';

interface Settings {
  readonly commandRounds: number;
  readonly serialPerRound: number;
  readonly concurrentPerRound: number;
  readonly httpRounds: number;
  readonly httpSeconds: number;
  readonly logEvents: number;
  readonly longEvents: number;
  readonly captures: number;
  readonly asOfQueries: number;
  readonly perspectiveQueries: number;
  readonly batchRounds: number;
  readonly batchesPerLane: number;
  readonly startupRuns: number;
  readonly liveFeedRounds: number;
}

const FULL: Settings = {
  commandRounds: 5,
  serialPerRound: 1_000,
  concurrentPerRound: 10_000,
  httpRounds: 3,
  httpSeconds: 10,
  logEvents: 1_000_000,
  longEvents: 100_000,
  captures: 300,
  asOfQueries: 3_000,
  perspectiveQueries: 1_000,
  batchRounds: 5,
  batchesPerLane: 5,
  startupRuns: 5,
  liveFeedRounds: 5,
};

const QUICK: Settings = {
  commandRounds: 5,
  serialPerRound: 300,
  concurrentPerRound: 3_000,
  httpRounds: 3,
  httpSeconds: 4,
  logEvents: 200_000,
  longEvents: 20_000,
  captures: 100,
  asOfQueries: 1_000,
  perspectiveQueries: 500,
  batchRounds: 3,
  batchesPerLane: 2,
  startupRuns: 3,
  liveFeedRounds: 3,
};

const CONCURRENCY = 64;
/** Batches of 500 commands, 4 in flight. */
const BATCH_SIZE = 500;
const BATCH_LANES = 4;
const PERSPECTIVE_LABEL = 'status=confirmed&minReliability=C';
/** The live feed's load: a burst of commands, 16 in flight, and the number of event streams open. */
const LIVE_FEED = { commands: 2_000, clients: 100, concurrency: 16 } as const;

interface RebuildFigures {
  readonly rebuildEvents: number;
  readonly rebuildEventsPerSec: number;
  readonly rawReadEventsPerSec: number;
  readonly rebuildVsRawRead: number;
  readonly rebuildPeakRssMb: number;
  readonly rebuildSeconds: number;
  readonly rawReadSeconds: readonly number[];
}

function machine(): Record<string, string | number> {
  const memGiB = round(totalmem() / 2 ** 30, 1);
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // nproc is coreutils; os.cpus() is the fallback.
  }
  return { nproc, memGiB, node: process.version, cpu: cpus()[0]?.model ?? 'unknown' };
}

async function measureRebuild(dataDir: string): Promise<RebuildFigures> {
  progress('rebuild: raw read of the log (JSON.parse of every row), in a process of its own');
  const before = await runJsonChild<RawReadResult>('rebuild-child.js', ['raw', dataDir]);
  progress(`rebuild: raw read ${before.events} events in ${before.seconds.toFixed(2)} s; rebuilding every projection in a process of its own`);
  const rebuild = await runJsonChild<RebuildResult>('rebuild-child.js', ['rebuild', dataDir]);
  progress(`rebuild: ${rebuild.events} events in ${rebuild.seconds.toFixed(2)} s, peak RSS ${rebuild.peakRssMb} MB; raw read again`);
  const after = await runJsonChild<RawReadResult>('rebuild-child.js', ['raw', dataDir]);
  // The faster raw read is the baseline: the ratio can only come out lower for it.
  const rawSeconds = Math.min(before.seconds, after.seconds);
  const rawReadEventsPerSec = before.events / rawSeconds;
  const rebuildEventsPerSec = rebuild.events / rebuild.seconds;
  return {
    rebuildEvents: rebuild.events,
    rebuildEventsPerSec: round(rebuildEventsPerSec, 0),
    rawReadEventsPerSec: round(rawReadEventsPerSec, 0),
    rebuildVsRawRead: round(rebuildEventsPerSec / rawReadEventsPerSec, 3),
    rebuildPeakRssMb: rebuild.peakRssMb,
    rebuildSeconds: round(rebuild.seconds, 2),
    rawReadSeconds: [round(before.seconds, 2), round(after.seconds, 2)],
  };
}

interface Row {
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  readonly ok: boolean | undefined;
}

function table(rows: readonly Row[]): string {
  const header = ['figure', 'value', 'target', ''];
  const cells = rows.map((row) => [row.figure, row.value, row.target, row.ok === undefined ? '' : row.ok ? 'ok' : 'MISSED']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string => c.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const quick = args.has('--quick');
  const json = args.has('--json');
  const keep = args.has('--keep');
  const settings = quick ? QUICK : FULL;
  // Said before the minutes of work that come before the console figures, not after them.
  const unavailable = consoleFiguresUnavailable();
  if (unavailable !== undefined) throw new Error(unavailable);
  const started = performance.now();
  const host = machine();
  progress(`${quick ? 'quick' : 'full'} run on ${host.nproc} cores, ${host.memGiB} GiB, node ${host.node}`);
  const material = loadUcdpMaterial();

  progress('commands: serial and 64 in flight through the CommandBus, against a raw durable insert loop');
  const commands: CommandThroughputResult = await measureCommandThroughput({
    material,
    rounds: settings.commandRounds,
    serialPerRound: settings.serialPerRound,
    concurrentPerRound: settings.concurrentPerRound,
    concurrency: CONCURRENCY,
    neighbourhoods: NEIGHBOURHOODS,
  });

  progress('http: the built server against a bare Fastify route, autocannon with 64 connections');
  const http: HttpThroughputResult = await measureHttpThroughput({
    material,
    rounds: settings.httpRounds,
    seconds: settings.httpSeconds,
    connections: CONCURRENCY,
    neighbourhoods: NEIGHBOURHOODS,
  });

  progress(`batches: POST /v1/batches (${BATCH_LANES} of ${BATCH_SIZE} in flight) against raw inserts in transactions of ${BATCH_SIZE}`);
  const batches: BatchThroughputResult = await measureBatchThroughput({
    material,
    rounds: settings.batchRounds,
    batchesPerLane: settings.batchesPerLane,
    batchSize: BATCH_SIZE,
    lanes: BATCH_LANES,
    neighbourhoods: NEIGHBOURHOODS,
  });

  const imported: ImportRunResult = await measureImport();
  progress(`live feed: ${LIVE_FEED.commands} commands alone and with ${LIVE_FEED.clients} event streams open, then webhook deliveries`);
  const live: LiveFeedResult = await measureLiveFeed({ ...LIVE_FEED, rounds: settings.liveFeedRounds });

  const bigDir = mkdtempSync(join(tmpdir(), 'bench-log-'));
  let populated: PopulatedLog;
  let rebuild: RebuildFigures;
  let history: LongHistoryResult;
  let consoleFigures: ConsoleFiguresResult;
  let startup: StartupResult;
  try {
    progress(`log: appending ${settings.logEvents} events straight to the store in large batches (setup, not measured)`);
    populated = await populateLog({
      dir: bigDir,
      material,
      plan: planNeighbourhoods(material, settings.logEvents, settings.longEvents),
      progress: (done, total) => progress(`log: ${done}/${total} events`),
    });
    progress(`log: head ${populated.head} in ${populated.seconds.toFixed(1)} s (${populated.lateReports} late reports, ${populated.retractions} retractions, ${populated.assessments} confirmations)`);
    rebuild = await measureRebuild(bigDir);
    history = await measureLongHistory({
      dataDir: bigDir,
      material,
      long: populated.neighbourhoods[0]!,
      short: populated.neighbourhoods[1]!,
      mid: populated.neighbourhoods[2]!,
      captures: settings.captures,
      asOfQueries: settings.asOfQueries,
      perspectiveQueries: settings.perspectiveQueries,
    });
    consoleFigures = await measureConsoleFigures({ dataDir: bigDir, mid: populated.neighbourhoods[2]!, historyQueries: quick ? 300 : 1_000, renderRuns: 5 });
    progress('startup: the built server on an empty store and on the big log with caught-up read models');
    startup = await measureStartup(bigDir, settings.startupRuns);
  } finally {
    if (keep) progress(`kept the big log in ${bigDir}`);
    else rmSync(bigDir, { recursive: true, force: true });
  }

  const figures = {
    mode: quick ? 'quick' : 'full',
    commandsPerSecSerial: commands.commandsPerSecSerial,
    rawAppendsPerSecSerial: commands.rawAppendsPerSecSerial,
    // What one durable commit costs on this disk right now: every command ratio hangs on it.
    rawDurableInsertUs: round(1e6 / commands.rawAppendsPerSecSerial, 0),
    commandsVsRawSerial: commands.commandsVsRawSerial,
    commandsPerSecConcurrent: commands.commandsPerSecConcurrent,
    concurrentVsRawSerial: commands.concurrentVsRawSerial,
    appendsPerGroupCommit: commands.appendsPerGroupCommit,
    concurrentLatencyP50Ms: commands.concurrentLatencyP50Ms,
    concurrentLatencyP99Ms: commands.concurrentLatencyP99Ms,
    failedCommands: commands.failedCommands,
    httpCommandsPerSec: http.httpCommandsPerSec,
    bareFastifyPerSec: http.bareFastifyPerSec,
    httpVsBareFastify: http.httpVsBareFastify,
    httpLatencyP50Ms: http.appLatencyP50Ms,
    httpLatencyP99Ms: http.appLatencyP99Ms,
    httpNon2xx: http.appNon2xx,
    httpErrors: http.appErrors,
    batchCommandsPerSec: batches.batchCommandsPerSec,
    rawBatchedAppendsPerSec: batches.rawBatchedAppendsPerSec,
    batchVsRawBatch: batches.batchVsRawBatch,
    refusedInBatches: batches.refusedInBatches,
    importRecords: imported.importRecords,
    importRowsPerSec: imported.importRowsPerSec,
    importPeakRssMb: imported.importPeakRssMb,
    rebuildEvents: rebuild.rebuildEvents,
    rebuildEventsPerSec: rebuild.rebuildEventsPerSec,
    rawReadEventsPerSec: rebuild.rawReadEventsPerSec,
    rebuildVsRawRead: rebuild.rebuildVsRawRead,
    rebuildPeakRssMb: rebuild.rebuildPeakRssMb,
    longNeighbourhoodEvents: history.longEvents,
    shortNeighbourhoodEvents: history.shortEvents,
    captureMedianLongMs: history.captureMedianLongMs,
    captureMedianShortMs: history.captureMedianShortMs,
    coldCaptureLongMs: history.coldCaptureLongMs,
    commandLatencyGrowth: history.commandLatencyGrowth,
    asOfP50Ms: history.asOfP50LongMs,
    asOfP99Ms: history.asOfP99Ms,
    asOfP99ShortMs: history.asOfP99ShortMs,
    asOfGrowth: history.asOfGrowth,
    midNeighbourhoodEvents: history.midEvents,
    perspectiveP50Ms: history.perspectiveP50Ms,
    perspectiveP99Ms: history.perspectiveP99Ms,
    perspectiveP50ShortMs: history.perspectiveP50ShortMs,
    perspectiveGrowth: history.perspectiveGrowth,
    controlHistoryP50Ms: consoleFigures.controlHistoryP50Ms,
    controlHistoryP99Ms: consoleFigures.controlHistoryP99Ms,
    consoleFirstRenderMs: consoleFigures.consoleFirstRenderMs,
    blankPageMs: consoleFigures.blankPageMs,
    consoleFirstRenderRatio: consoleFigures.consoleFirstRenderRatio,
    startupEmptyMs: startup.startupEmptyMs,
    startupBigMs: startup.startupBigMs,
    startupGrowth: startup.startupGrowth,
    streamFanoutP99Ms: live.streamFanoutP99Ms,
    streamFanoutP50Ms: live.streamFanoutP50Ms,
    streamCommandsPerSecAlone: live.streamCommandsPerSecAlone,
    streamCommandsPerSecWithClients: live.streamCommandsPerSecWithClients,
    streamCommandsVsAlone: live.streamCommandsVsAlone,
    webhookDeliveriesPerSec: live.webhookDeliveriesPerSec,
    details: { commands: { serialRounds: commands.serialRounds, concurrentRounds: commands.concurrentRounds }, http: http.rounds, batches: batches.rounds, import: { seconds: imported.importSeconds, summary: imported.importSummary }, rebuild: { seconds: rebuild.rebuildSeconds, rawReadSeconds: rebuild.rawReadSeconds }, startup: startup.runs, liveFeed: live.rounds },
    machine: host,
    seconds: round((performance.now() - started) / 1000, 1),
  };

  const rows: Row[] = [
    { figure: 'commands/s, serial (CommandBus)', value: String(figures.commandsPerSecSerial), target: '', ok: undefined },
    { figure: 'raw durable inserts/s, serial', value: String(figures.rawAppendsPerSecSerial), target: '', ok: undefined },
    { figure: '  one durable insert (us)', value: String(figures.rawDurableInsertUs), target: '', ok: undefined },
    { figure: 'commandsVsRawSerial', value: String(figures.commandsVsRawSerial), target: '>= 0.7', ok: figures.commandsVsRawSerial >= 0.7 },
    { figure: `commands/s, ${CONCURRENCY} in flight`, value: String(figures.commandsPerSecConcurrent), target: '', ok: undefined },
    { figure: '  appends per group commit', value: String(figures.appendsPerGroupCommit), target: '', ok: undefined },
    { figure: 'concurrentVsRawSerial', value: String(figures.concurrentVsRawSerial), target: '>= 3', ok: figures.concurrentVsRawSerial >= 3 },
    { figure: 'HTTP commands/s (built server)', value: String(figures.httpCommandsPerSec), target: '', ok: undefined },
    { figure: 'bare Fastify inserts/s', value: String(figures.bareFastifyPerSec), target: '', ok: undefined },
    { figure: 'httpVsBareFastify', value: String(figures.httpVsBareFastify), target: '>= 0.8', ok: figures.httpVsBareFastify >= 0.8 },
    { figure: `batch commands/s (${BATCH_LANES} batches of ${BATCH_SIZE} in flight)`, value: String(figures.batchCommandsPerSec), target: '', ok: undefined },
    { figure: `raw durable inserts/s, transactions of ${BATCH_SIZE}`, value: String(figures.rawBatchedAppendsPerSec), target: '', ok: undefined },
    { figure: 'batchVsRawBatch', value: String(figures.batchVsRawBatch), target: '>= 0.5', ok: figures.batchVsRawBatch >= 0.5 },
    { figure: `importRowsPerSec (UCDP, ${figures.importRecords} records)`, value: String(figures.importRowsPerSec), target: '', ok: undefined },
    { figure: 'importPeakRssMb (the importer)', value: String(figures.importPeakRssMb), target: '<= 300', ok: figures.importPeakRssMb <= 300 },
    { figure: `rebuild events/s (${figures.rebuildEvents} events)`, value: String(figures.rebuildEventsPerSec), target: '', ok: undefined },
    { figure: 'raw read events/s (JSON.parse)', value: String(figures.rawReadEventsPerSec), target: '', ok: undefined },
    { figure: 'rebuildVsRawRead', value: String(figures.rebuildVsRawRead), target: '>= 0.5', ok: figures.rebuildVsRawRead >= 0.5 },
    { figure: 'rebuildPeakRssMb', value: String(figures.rebuildPeakRssMb), target: '<= 400', ok: figures.rebuildPeakRssMb <= 400 },
    { figure: `capture median, ${figures.longNeighbourhoodEvents}-event neighbourhood (ms)`, value: String(figures.captureMedianLongMs), target: '', ok: undefined },
    { figure: `capture median, ${figures.shortNeighbourhoodEvents}-event neighbourhood (ms)`, value: String(figures.captureMedianShortMs), target: '', ok: undefined },
    { figure: 'commandLatencyGrowth', value: String(figures.commandLatencyGrowth), target: '<= 2', ok: figures.commandLatencyGrowth <= 2 },
    { figure: 'asOfP99Ms (long neighbourhood)', value: String(figures.asOfP99Ms), target: '<= 5', ok: figures.asOfP99Ms <= 5 },
    { figure: 'asOfGrowth', value: String(figures.asOfGrowth), target: '<= 2', ok: figures.asOfGrowth <= 2 },
    { figure: `perspectiveP99Ms (${PERSPECTIVE_LABEL}, ${figures.midNeighbourhoodEvents}-event neighbourhood)`, value: String(figures.perspectiveP99Ms), target: '<= 50', ok: figures.perspectiveP99Ms <= 50 },
    { figure: 'perspectiveGrowth (median, 10k over 1k events)', value: String(figures.perspectiveGrowth), target: '<= 12', ok: figures.perspectiveGrowth <= 12 },
    { figure: `controlHistoryP99Ms (a page from a random instant, ${figures.midNeighbourhoodEvents}-event neighbourhood)`, value: String(figures.controlHistoryP99Ms), target: '<= 50', ok: figures.controlHistoryP99Ms <= 50 },
    { figure: 'consoleFirstRenderRatio (1,000-position map over a near-empty page)', value: String(figures.consoleFirstRenderRatio), target: '<= 5', ok: figures.consoleFirstRenderRatio <= 5 },
    { figure: 'startup to healthy + caught up, empty (ms)', value: String(figures.startupEmptyMs), target: '', ok: undefined },
    { figure: `startup to healthy + caught up, ${figures.rebuildEvents} events (ms)`, value: String(figures.startupBigMs), target: '', ok: undefined },
    { figure: 'startupGrowth', value: String(figures.startupGrowth), target: '<= 2', ok: figures.startupGrowth <= 2 },
    { figure: `commands/s, ${LIVE_FEED.concurrency} in flight (HTTP), no stream open`, value: String(figures.streamCommandsPerSecAlone), target: '', ok: undefined },
    { figure: `  with ${LIVE_FEED.clients} event streams open`, value: String(figures.streamCommandsPerSecWithClients), target: '', ok: undefined },
    { figure: 'streamCommandsVsAlone', value: String(figures.streamCommandsVsAlone), target: '>= 0.8', ok: figures.streamCommandsVsAlone >= 0.8 },
    { figure: `streamFanoutP99Ms (${LIVE_FEED.clients} streams)`, value: String(figures.streamFanoutP99Ms), target: '<= 250', ok: figures.streamFanoutP99Ms <= 250 },
    { figure: 'webhookDeliveriesPerSec (one webhook, local receiver)', value: String(figures.webhookDeliveriesPerSec), target: '', ok: undefined },
  ];
  process.stdout.write(`\nincident-timeline bench (${figures.mode}), ${host.nproc} cores, ${host.memGiB} GiB, node ${host.node}, ${figures.seconds} s\n\n`);
  process.stdout.write(`${table(rows)}\n`);
  if (figures.failedCommands > 0 || figures.httpNon2xx > 0 || figures.httpErrors > 0 || figures.refusedInBatches > 0) {
    process.stdout.write(`\nWARNING: ${figures.failedCommands} failed commands, ${figures.httpNon2xx} non-2xx HTTP answers, ${figures.httpErrors} HTTP errors, ${figures.refusedInBatches} commands refused in batches\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
