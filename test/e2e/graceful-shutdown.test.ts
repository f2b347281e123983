/**
 * SIGTERM while commands are in flight (src/signal-shutdown.ts): the server stops accepting,
 * lets the requests it has finish, lets the projections commit, closes the stores and exits 0.
 * Every request in flight at SIGTERM gets its whole answer (a 2xx, or 503 SHUTTING_DOWN when the
 * server read it only after the signal); a request sent afterwards gets 503 SHUTTING_DOWN on a
 * connection kept alive, or finds new connections refused; no request meets a reset or a closed
 * connection. Every acknowledged command is in the store after a restart. Nothing here is timed:
 * waits are for readiness (and the exit) only.
 */
import { randomUUID } from 'node:crypto';
import { Agent, get } from 'node:http';
import { tadamonScenario } from '../../scripts/tadamon-scenario.js';
import {
  type ExitStatus,
  type ServerProcess,
  type StreamEvent,
  SERVER_KEYS,
  describeError,
  isConnectionFailure,
  readStream,
  startServer,
  temporaryDataDir,
} from './server-process.js';

const WRITERS = 64;
const COMMANDS_PER_WRITER = 24;
/** SIGTERM once this many commands are acknowledged: the writers then have a burst in flight. */
const SIGTERM_AFTER_ACKS = 2 * WRITERS;
const TEST_TIMEOUT_MS = 180_000;
/** A generous bound on the exit (the server forces its own exit at 25 s). */
const EXIT_BOUND_MS = 60_000;

const BASELINE = '2018-04-16T00:00:00Z';
const NEIGHBOURHOODS = [
  { id: 'damascus-tadamon', name: 'Tadamon', nameAr: 'حي التضامن' },
  { id: 'damascus-yarmouk-camp', name: 'Yarmouk camp', nameAr: 'مخيم اليرموك' },
] as const;
const SOURCES = [
  { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 },
  { name: 'Amaq (أعماق)', kind: 'partisan-agency', reliability: 'D', credibility: 4 },
  { name: 'Damascus Now (دمشق الآن)', kind: 'partisan-network', reliability: 'D', credibility: 3 },
] as const;

interface KeyedCommand {
  readonly key: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

type Outcome =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly body: any;
      readonly requestId: string | null;
      readonly retryAfter: string | null;
      readonly connection: string | null;
    }
  | { readonly kind: 'connection-failure'; readonly error: string; readonly code: string | undefined };

interface Sent {
  readonly command: KeyedCommand;
  /** Sent as X-Request-Id: the server's log then tells whether it read the request. */
  readonly requestId: string;
  /** The request was sent before SIGTERM and had no answer yet when the signal went. */
  inFlightAtSigterm: boolean;
  readonly sentAfterSigterm: boolean;
  outcome?: Outcome;
}

/** Attacks and casualty reports: valid in any order, so that every writer may run concurrently. */
function writerCommands(writer: number): KeyedCommand[] {
  const n = NEIGHBOURHOODS[writer % NEIGHBOURHOODS.length]!;
  return Array.from({ length: COMMANDS_PER_WRITER }, (_, k) => {
    const key = `term-w${String(writer).padStart(2, '0')}-c${String(k).padStart(2, '0')}`;
    const occurredAt = new Date(Date.parse('2018-04-18T06:00:00Z') + writer * 60_000 + k * 1_000).toISOString();
    const sources = [SOURCES[(writer + k) % SOURCES.length]!];
    return k % 2 === 0
      ? {
          key,
          path: `/v1/neighbourhoods/${n.id}/attacks`,
          body: {
            attackers: ['isis', 'opposition-factions'],
            defenders: ['syrian-regime', 'hezbollah'],
            targets: ['front'],
            origin: 'Yarmouk camp',
            occurredAt,
            timePrecision: 'hour',
            sources,
          },
        }
      : {
          key,
          path: `/v1/neighbourhoods/${n.id}/casualties`,
          body: { actor: 'syrian-regime', killed: { best: k }, wounded: { low: 1, best: 2, high: 5 }, occurredAt, sources },
        };
  });
}

async function send(server: ServerProcess, command: KeyedCommand, requestId: string): Promise<Outcome> {
  try {
    const answer = await server.post(command.path, command.body, { headers: { 'idempotency-key': command.key, 'x-request-id': requestId } });
    return {
      kind: 'answer',
      status: answer.status,
      body: answer.body,
      requestId: answer.headers.get('x-request-id'),
      retryAfter: answer.headers.get('retry-after'),
      connection: answer.headers.get('connection'),
    };
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    return { kind: 'connection-failure', error: describeError(error), code: (error as { cause?: { code?: string } }).cause?.code };
  }
}

const acknowledged = (s: Sent): s is Sent & { outcome: Extract<Outcome, { kind: 'answer' }> } =>
  s.outcome?.kind === 'answer' && s.outcome.status >= 200 && s.outcome.status < 300;

/** 503 SHUTTING_DOWN in the API's error shape, telling the client to retry and closing the connection. */
const refusedWhileStopping = (s: Sent): boolean =>
  s.outcome?.kind === 'answer' &&
  s.outcome.status === 503 &&
  s.outcome.body?.code === 'SHUTTING_DOWN' &&
  s.outcome.body?.statusCode === 503 &&
  s.outcome.retryAfter === '1' &&
  s.outcome.connection === 'close';

/** Refused, or reset before any answer: how a client sees a connection the server did not accept. */
const neverAccepted = (s: Sent): boolean =>
  s.outcome?.kind === 'connection-failure' && (s.outcome.code === 'ECONNREFUSED' || s.outcome.code === 'ECONNRESET');

/**
 * The request ids the server logged (a 'request completed' line, or the 'request refused' line of a
 * 503): the requests it read. A connection the server never accepted (refused, or still in the
 * kernel's accept queue when the listening socket closed, which resets it) carried a request it
 * never read.
 */
function idsReadBy(server: ServerProcess): Set<string> {
  const ids = new Set<string>();
  for (const line of server.stdout().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { req?: { id?: string }; requestId?: string };
    const id = entry.req?.id ?? entry.requestId;
    if (typeof id === 'string') ids.add(id);
  }
  return ids;
}

interface ProbeOutcome {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfter: string | undefined;
  readonly connection: string | undefined;
  readonly reusedSocket: boolean;
}

function probe(port: number, agent: Agent): Promise<ProbeOutcome> {
  return new Promise((resolve, reject) => {
    const request = get(
      { host: '127.0.0.1', port, path: '/v1/actors', agent, headers: { authorization: `Bearer ${SERVER_KEYS.analyst}` } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(text),
            retryAfter: response.headers['retry-after'],
            connection: response.headers.connection,
            reusedSocket: request.reusedSocket,
          }),
        );
      },
    );
    request.on('error', reject);
  });
}

/** The signal reaches the server a moment after it is sent: until then it answers as usual. */
async function probeUntilRefused(port: number, agent: Agent): Promise<ProbeOutcome> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const outcome = await probe(port, agent);
    if (outcome.status !== 200 || Date.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('graceful shutdown: SIGTERM with commands in flight', () => {
  const data = temporaryDataDir();
  const sent: Sent[] = [];
  let first: ServerProcess | undefined;
  let second: ServerProcess | undefined;
  let exit: ExitStatus | 'not-exited' | undefined;
  let lateProbe: ProbeOutcome | undefined;
  const timings: Record<string, number> = {};
  const started = Date.now();

  beforeAll(async () => {
    // info: the request lines are what this test reads in the output.
    first = await startServer({ dataDir: data.dir, env: { TIMELINE_LOG_LEVEL: 'info' } });
    for (const step of tadamonScenario.filter((s) => s.path === '/v1/actors')) {
      expect((await first.post(step.path, step.body({}))).status).toBe(201);
    }
    for (const n of NEIGHBOURHOODS) {
      const registered = await first.post('/v1/neighbourhoods', {
        ...n,
        city: 'Damascus',
        country: 'Syria',
        controlAsOf: BASELINE,
        positions: [{ id: 'front', name: `${n.name}, front line`, kind: 'block', weight: 3, controller: 'syrian-regime' }],
      });
      expect(registered.status).toBe(201);
    }

    const server = first;
    // One connection kept alive across the signal, asked until it is refused.
    const keptAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await probe(server.port, keptAlive)).status).toBe(200);
    let probing: Promise<ProbeOutcome> | undefined;
    let acks = 0;
    let signalled = false;
    let signalledAt = 0;
    const inFlight = new Set<Sent>();
    const burstStarted = Date.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (const command of writerCommands(writer)) {
          const entry: Sent = { command, requestId: randomUUID(), inFlightAtSigterm: false, sentAfterSigterm: signalled };
          sent.push(entry);
          inFlight.add(entry);
          entry.outcome = await send(server, command, entry.requestId);
          inFlight.delete(entry);
          // A writer stops at its first failure: the server is going away.
          if (!acknowledged(entry)) return;
          acks++;
          if (!signalled && acks >= SIGTERM_AFTER_ACKS) {
            signalled = true;
            signalledAt = Date.now();
            for (const other of inFlight) other.inFlightAtSigterm = true;
            server.signal('SIGTERM');
            probing = probeUntilRefused(server.port, keptAlive);
          }
        }
      }),
    );
    lateProbe = await probing;
    keptAlive.destroy();
    timings.burstUntilSettled = Date.now() - burstStarted;
    timings.sigtermToLastAnswer = Date.now() - signalledAt;
    let bound: NodeJS.Timeout | undefined;
    exit = await Promise.race([
      first.exited,
      new Promise<'not-exited'>((resolve) => (bound = setTimeout(() => resolve('not-exited'), EXIT_BOUND_MS))),
    ]);
    clearTimeout(bound);
    timings.sigtermToExit = Date.now() - signalledAt;

    const restarted = Date.now();
    second = await startServer({ dataDir: data.dir });
    timings.restart = Date.now() - restarted;
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await first?.kill();
    await second?.kill();
    data.remove();
    const count = (f: (s: Sent) => boolean) => sent.filter(f).length;
    console.log(
      `graceful-shutdown: ${JSON.stringify({
        sent: sent.length,
        acknowledged: count(acknowledged),
        inFlightAtSigterm: count((s) => s.inFlightAtSigterm),
        inFlightAnswered2xx: count((s) => s.inFlightAtSigterm && acknowledged(s)),
        inFlight503: count((s) => s.inFlightAtSigterm && s.outcome?.kind === 'answer' && s.outcome.status === 503),
        inFlightConnectionFailures: count((s) => s.inFlightAtSigterm && s.outcome?.kind === 'connection-failure'),
        refusedConnections: count((s) => s.outcome?.kind === 'connection-failure' && s.outcome.code === 'ECONNREFUSED'),
        resetConnections: count((s) => s.outcome?.kind === 'connection-failure' && s.outcome.code === 'ECONNRESET'),
        failedAfterTheServerReadThem: first ? count((s) => s.outcome?.kind === 'connection-failure' && idsReadBy(first!).has(s.requestId)) : null,
        sentAfterSigterm: count((s) => s.sentAfterSigterm),
        answered503: count((s) => s.outcome?.kind === 'answer' && s.outcome.status === 503),
        connectionFailures: count((s) => s.outcome?.kind === 'connection-failure'),
        failureKinds: [...new Set(sent.flatMap((s) => (s.outcome?.kind === 'connection-failure' ? [s.outcome.error] : [])))],
        exit,
        timingsMs: timings,
        totalMs: Date.now() - started,
      })}`,
    );
  });

  it('exits with code 0, not by a signal, and says nothing on stderr', () => {
    expect(exit).toEqual({ code: 0, signal: null });
    expect(first!.stderr()).toBe('');
    expect(sent.some((s) => s.inFlightAtSigterm)).toBe(true);
  });

  it('answers every request it read whole, in flight at SIGTERM or later: a 2xx or 503 SHUTTING_DOWN, never a reset', () => {
    const read = idsReadBy(first!);
    const cut = sent.filter((s) => read.has(s.requestId) && !(acknowledged(s) || refusedWhileStopping(s)));
    expect(cut.map((s) => ({ key: s.command.key, outcome: s.outcome }))).toEqual([]);
  });

  it('answers every request in flight at SIGTERM, unless its connection was never accepted', () => {
    const read = idsReadBy(first!);
    const inFlight = sent.filter((s) => s.inFlightAtSigterm);
    expect(inFlight.length).toBeGreaterThan(0);
    const unanswered = inFlight.filter((s) => !(acknowledged(s) || refusedWhileStopping(s) || (neverAccepted(s) && !read.has(s.requestId))));
    expect(unanswered.map((s) => ({ key: s.command.key, outcome: s.outcome }))).toEqual([]);
  });

  it('answers a request sent after SIGTERM with a 2xx or 503 SHUTTING_DOWN, or refuses its connection', () => {
    const read = idsReadBy(first!);
    const late = sent.filter((s) => s.sentAfterSigterm);
    const unexpected = late.filter((s) => !(acknowledged(s) || refusedWhileStopping(s) || (neverAccepted(s) && !read.has(s.requestId))));
    expect(unexpected.map((s) => ({ key: s.command.key, outcome: s.outcome }))).toEqual([]);
    // Before the signal nothing fails; a request the server had taken in finishes with its answer.
    const failedEarly = sent.filter((s) => !s.inFlightAtSigterm && !s.sentAfterSigterm && !acknowledged(s));
    expect(failedEarly.map((s) => ({ key: s.command.key, outcome: s.outcome }))).toEqual([]);
  });

  it('answers a request on a connection kept alive across SIGTERM with 503 SHUTTING_DOWN, Retry-After and Connection: close', () => {
    expect(lateProbe).toEqual({
      status: 503,
      body: { statusCode: 503, code: 'SHUTTING_DOWN', message: expect.any(String) },
      retryAfter: '1',
      connection: 'close',
      reusedSocket: true,
    });
  });

  it('has every acknowledged command in the store after a restart, once, with its request id', async () => {
    const events: StreamEvent[] = [];
    for (const n of NEIGHBOURHOODS) events.push(...(await readStream(second!, n.id, 'admin')));
    const byKey = new Map(events.filter((e) => e.metadata.idempotencyKey).map((e) => [e.metadata.idempotencyKey!, e]));
    expect(byKey.size).toBe(events.filter((e) => e.metadata.idempotencyKey).length);
    const missing = sent
      .filter(acknowledged)
      .filter((s) => {
        const event = byKey.get(s.command.key);
        return event === undefined || event.eventId !== s.outcome.body.eventId || event.metadata.requestId !== s.outcome.requestId;
      });
    expect(missing.map((s) => s.command.key)).toEqual([]);
    // The graceful stop answered whatever it recorded: no unacknowledged command is in the store.
    const recordedUnanswered = sent.filter((s) => !acknowledged(s) && byKey.has(s.command.key));
    expect(recordedUnanswered.map((s) => ({ key: s.command.key, outcome: s.outcome }))).toEqual([]);
    expect(byKey.size).toBe(sent.filter(acknowledged).length);
  });

  it('restarts with read models that have caught up with the log', async () => {
    const health = await second!.get('/health');
    expect(health.status).toBe(200);
    const head = health.body.eventStore.headPosition as number;
    // Readiness only: the restarted projections may need a moment to look at the head.
    const deadline = Date.now() + 60_000;
    let list = (await second!.get('/v1/projections', { as: 'admin' })).body as { name: string; lag: number; position: number; status: string }[];
    while (list.some((p) => p.lag !== 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      list = (await second!.get('/v1/projections', { as: 'admin' })).body;
    }
    expect(list.length).toBeGreaterThan(0);
    for (const projection of list) {
      expect(projection).toMatchObject({ lag: 0, position: head, status: 'running' });
    }
  });

  it('logs JSON lines with request ids, and never a key', () => {
    const output = first!.stdout();
    const lines = output.split('\n').filter((line) => line.length > 0);
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as { msg?: string; req?: { id?: string }; res?: { statusCode?: number } };
      } catch {
        return { unparsable: line };
      }
    });
    expect(parsed.filter((p) => 'unparsable' in p)).toEqual([]);
    const completed = parsed.filter((p) => 'msg' in p && p.msg === 'request completed') as { req: { id: string }; res: { statusCode: number } }[];
    expect(completed.length).toBeGreaterThan(0);
    for (const line of completed) expect(line.req.id).toMatch(/^[0-9a-f-]{36}$/);
    const logged = new Map(completed.map((line) => [line.req.id, line.res.statusCode]));
    const unlogged = sent.filter(acknowledged).filter((s) => logged.get(s.outcome.requestId!) !== s.outcome.status);
    expect(unlogged.map((s) => s.command.key)).toEqual([]);
    expect(parsed.some((p) => 'msg' in p && typeof p.msg === 'string' && p.msg.startsWith('SIGTERM: stopping'))).toBe(true);
    for (const server of [first!, second!]) {
      for (const key of Object.values(SERVER_KEYS)) {
        expect(server.stdout()).not.toContain(key);
        expect(server.stderr()).not.toContain(key);
      }
    }
  });
});
