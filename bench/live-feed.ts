/**
 * The live feed under load, on the built server:
 * - streamFanoutP99Ms: with `clients` event streams open, the p99 over a burst of commands of the
 *   delay between a command's answer and its message having reached every stream;
 * - streamCommandsVsAlone: command throughput with those streams open over throughput without
 *   them, rounds alternating in the same run;
 * - webhookDeliveriesPerSec: signed deliveries acknowledged by a local receiver, per second, while
 *   a burst of commands is recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, type IncomingMessage, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { DIST, startServer } from './child-processes.js';
import { BENCH_KEYS } from './in-process-app.js';
import { median, progress, quantile, round } from './measure.js';

export interface LiveFeedOptions {
  readonly rounds: number;
  readonly commands: number;
  readonly clients: number;
  readonly concurrency: number;
}

export interface LiveFeedResult {
  readonly streamFanoutP99Ms: number;
  readonly streamFanoutP50Ms: number;
  readonly streamCommandsPerSecAlone: number;
  readonly streamCommandsPerSecWithClients: number;
  /** The median over rounds of each round's ratio. */
  readonly streamCommandsVsAlone: number;
  readonly webhookDeliveriesPerSec: number;
  readonly rounds: readonly { readonly alone: number; readonly withClients: number; readonly fanoutP99Ms: number }[];
}

const NEIGHBOURHOOD = 'bench-live-feed';
const SOURCE = { name: 'bench wire', kind: 'news', reliability: 'C', credibility: 3 };
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface Answer {
  readonly status: number;
  readonly body: string;
}

function send(url: string, method: string, path: string, key: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${url}${path}`, {
      method,
      agent,
      headers: { authorization: `Bearer ${key}`, ...(text !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }) },
    });
    req.on('error', reject);
    req.on('response', (response: IncomingMessage) => {
      let answer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (answer += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: answer }));
    });
    req.end(text);
  });
}

async function command(url: string, path: string, body: unknown): Promise<number> {
  const answer = await send(url, 'POST', path, BENCH_KEYS.writer, body);
  if (answer.status !== 201) throw new Error(`POST ${path}: ${answer.status} ${answer.body}`);
  return (JSON.parse(answer.body) as { position: number }).position;
}

async function setUp(url: string): Promise<void> {
  for (const [id, side] of [
    ['bench-attackers', 'attackers'],
    ['bench-defenders', 'defenders'],
  ]) {
    await command(url, '/v1/actors', { id, name: id, side });
  }
  await command(url, '/v1/neighbourhoods', {
    id: NEIGHBOURHOOD,
    name: 'Live feed bench',
    city: 'Bench city',
    country: 'Benchland',
    controlAsOf: '2018-01-01T00:00:00Z',
    positions: Array.from({ length: 8 }, (_, index) => ({ id: `p${index}`, name: `P${index}`, controller: 'bench-defenders' })),
  });
}

/** Casualty reports, and every tenth an attack (its contest changes control: a control message follows). */
function body(index: number): { path: string; body: unknown } {
  const occurredAt = new Date(Date.parse('2018-02-01T00:00:00Z') + index * 1_000).toISOString();
  if (index % 10 === 0) {
    return {
      path: `/v1/neighbourhoods/${NEIGHBOURHOOD}/attacks`,
      body: { attackers: ['bench-attackers'], defenders: ['bench-defenders'], targets: [`p${(index / 10) % 8}`], occurredAt, sources: [SOURCE] },
    };
  }
  return { path: `/v1/neighbourhoods/${NEIGHBOURHOOD}/casualties`, body: { killed: { best: index % 7 }, occurredAt, sources: [SOURCE], notes: 'bench' } };
}

/** `count` commands, `concurrency` in flight; the position and answer time of each, and the rate. */
async function burst(url: string, count: number, concurrency: number, offset: number): Promise<{ acks: Map<number, number>; perSec: number }> {
  const acks = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = offset + next++;
      const { path, body: payload } = body(index);
      const position = await command(url, path, payload);
      acks.set(position, performance.timeOrigin + performance.now());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { acks, perSec: count / ((performance.now() - started) / 1000) };
}

/** `count` event streams from the head, in a child process: when each message id reached all of them (epoch ms). */
async function openStreams(url: string, count: number): Promise<{ readonly reachedAll: Map<number, number>; close(): void }> {
  const child = spawn(process.execPath, [join(DIST, 'bench', 'stream-clients.js'), url, BENCH_KEYS.analyst, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const reachedAll = new Map<number, number>();
  let pending = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stream-clients exited with ${code}`)));
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') resolve();
        else {
          const [position, at] = line.split(' ');
          reachedAll.set(Number(position), Number(at));
        }
      }
    });
  });
  child.removeAllListeners('exit');
  return { reachedAll, close: () => child.kill('SIGTERM') };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Deliveries per second to a receiver in this process that answers 200 at once. It holds its
 * answer to the first delivery until the burst is recorded, so that what is measured is the
 * dispatcher draining the outbox, not the rate of the commands.
 */
async function measureWebhooks(url: string, count: number, concurrency: number, offset: number): Promise<number> {
  let received = 0;
  let last = 0;
  let release: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      last = performance.now();
      if (received === 1) void held.then(() => res.end('ok'));
      else res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const port = (receiver.address() as AddressInfo).port;
    const registered = await send(url, 'POST', '/v1/webhooks', BENCH_KEYS.admin, { url: `http://127.0.0.1:${port}/hook`, filter: { types: ['CasualtiesReported'] } });
    if (registered.status !== 201) throw new Error(`POST /v1/webhooks: ${registered.status} ${registered.body}`);
    const casualties = Array.from({ length: count }, (_, index) => offset + index).filter((index) => index % 10 !== 0).length;
    await burst(url, count, concurrency, offset);
    await until(() => received >= 1, 'the first webhook delivery');
    const started = performance.now();
    release!();
    await until(() => received >= casualties, `${casualties} webhook deliveries`);
    return (casualties - 1) / ((last - started) / 1000);
  } finally {
    receiver.closeAllConnections();
    receiver.close();
  }
}

export async function measureLiveFeed(options: LiveFeedOptions): Promise<LiveFeedResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-live-'));
  const server = await startServer(dir, 10, { TIMELINE_WEBHOOK_ALLOW_PRIVATE: 'true' });
  try {
    await setUp(server.url);
    let offset = 0;
    // Warm-up: the first commands compile the paths on both sides, and the first streamed
    // messages the stream's path (otherwise the first round's streams pay for compiling it).
    await burst(server.url, 500, options.concurrency, offset);
    offset += 500;
    const warming = await openStreams(server.url, options.clients);
    const warm = await burst(server.url, 500, options.concurrency, offset);
    offset += 500;
    await until(() => [...warm.acks.keys()].every((position) => warming.reachedAll.has(position)), 'the warm-up messages at every stream');
    warming.close();
    const rounds: { alone: number; withClients: number; fanoutP99Ms: number; delays: number[] }[] = [];
    for (let index = 0; index < options.rounds; index += 1) {
      // Alternating which goes first cancels a drift of the machine's speed within a round.
      let alone = index % 2 === 1 ? await burst(server.url, options.commands, options.concurrency, offset) : undefined;
      offset += alone === undefined ? 0 : options.commands;
      const streams = await openStreams(server.url, options.clients);
      const loaded = await burst(server.url, options.commands, options.concurrency, offset);
      offset += options.commands;
      await until(() => [...loaded.acks.keys()].every((position) => streams.reachedAll.has(position)), 'every message at every stream');
      streams.close();
      if (alone === undefined) {
        alone = await burst(server.url, options.commands, options.concurrency, offset);
        offset += options.commands;
      }
      const reachedAll = streams.reachedAll;
      const delays = [...loaded.acks].map(([position, ack]) => Math.max(0, reachedAll.get(position)! - ack));
      const fanoutP99Ms = quantile(delays, 0.99);
      progress(`live feed round ${index + 1}: ${alone.perSec.toFixed(0)} commands/s alone, ${loaded.perSec.toFixed(0)} with ${options.clients} streams, fan-out p99 ${fanoutP99Ms.toFixed(1)} ms`);
      rounds.push({ alone: alone.perSec, withClients: loaded.perSec, fanoutP99Ms, delays });
    }
    progress(`live feed: webhook deliveries over a burst of ${options.commands} commands`);
    const webhookDeliveriesPerSec = await measureWebhooks(server.url, options.commands, options.concurrency, offset);
    const alone = median(rounds.map((r) => r.alone));
    const withClients = median(rounds.map((r) => r.withClients));
    // Each round's two runs are next to each other in time: their ratio is steadier than a ratio of medians.
    const ratio = median(rounds.map((r) => r.withClients / r.alone));
    const allDelays = rounds.flatMap((r) => r.delays);
    return {
      streamFanoutP99Ms: round(quantile(allDelays, 0.99), 1),
      streamFanoutP50Ms: round(quantile(allDelays, 0.5), 1),
      streamCommandsPerSecAlone: round(alone, 1),
      streamCommandsPerSecWithClients: round(withClients, 1),
      streamCommandsVsAlone: round(ratio, 3),
      webhookDeliveriesPerSec: round(webhookDeliveriesPerSec, 1),
      rounds: rounds.map((r) => ({ alone: round(r.alone, 1), withClients: round(r.withClients, 1), fanoutP99Ms: round(r.fanoutP99Ms, 1) })),
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
