/**
 * DESIGN.md, quality bars: "An acknowledged write survives `kill -9`. A retried write never
 * duplicates. Every read model equals a fresh rebuild from the log."
 *
 * The built server runs as a child process. 32 writers send keyed incident commands; the
 * server is killed with SIGKILL while requests are in flight; it restarts on the same data
 * directory, and every writer resends every command of its sequence, in order, with the same
 * keys and bodies. Nothing here is timed: waits are for readiness only.
 */
import { tadamonScenario } from '../../scripts/tadamon-scenario.js';
import {
  type Answer,
  type ServerProcess,
  type StreamEvent,
  SERVER_KEYS,
  describeError,
  isConnectionFailure,
  readStream,
  startServer,
  temporaryDataDir,
} from './server-process.js';

const WRITERS = 32;
const COMMANDS_PER_WRITER = 48;
/** The kill comes once this many commands have been acknowledged (while the others are in flight). */
const KILL_AFTER_ACKS = 400;
/** Whole-file budget: two starts, ~1,500 commands twice, three rebuilds. Not an assertion. */
const TEST_TIMEOUT_MS = 300_000;

const BASELINE = '2018-04-16T00:00:00Z';
const INCIDENTS_FROM = Date.parse('2018-04-17T00:00:00Z');

/** Southern Damascus, where the Tadamon report is set. */
const NEIGHBOURHOODS = [
  { id: 'damascus-yarmouk-camp', name: 'Yarmouk camp', nameAr: 'مخيم اليرموك', at: [36.3048, 33.4719] },
  { id: 'damascus-hajar-al-aswad', name: 'al-Hajar al-Aswad', nameAr: 'الحجر الأسود', at: [36.3081, 33.4626] },
  { id: 'damascus-qadam-asali', name: 'al-Asali, al-Qadam', nameAr: 'العسالي في حي القدم', at: [36.2882, 33.4731] },
  { id: 'damascus-tadamon', name: 'Tadamon', nameAr: 'حي التضامن', at: [36.3041, 33.4838] },
  { id: 'rif-dimashq-babila', name: 'Babila', nameAr: 'ببيلا', at: [36.3267, 33.4684] },
  { id: 'rif-dimashq-beit-sahm', name: 'Beit Sahm', nameAr: 'بيت سحم', at: [36.3357, 33.4612] },
  { id: 'rif-dimashq-yalda', name: 'Yalda', nameAr: 'يلدا', at: [36.3176, 33.4632] },
  { id: 'damascus-qadam', name: 'al-Qadam', nameAr: 'حي القدم', at: [36.2861, 33.4789] },
] as const;

/** Who attacks whom on each writer's front line: the defender holds the position at the start. */
const FRONTS = [
  { attacker: 'isis', defender: 'syrian-regime' },
  { attacker: 'opposition-factions', defender: 'hezbollah' },
  { attacker: 'isis', defender: 'ndf' },
  { attacker: 'isis', defender: 'iranian-militias' },
] as const;

const SOURCES = [
  { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 },
  { name: 'Amaq (أعماق)', kind: 'partisan-agency', reliability: 'D', credibility: 4 },
  { name: 'Damascus Now (دمشق الآن)', kind: 'partisan-network', reliability: 'D', credibility: 3 },
  { name: 'local activists', kind: 'field', reliability: 'C', credibility: 3, url: 'https://example.org/reports/south-damascus' },
] as const;
const PROTECTED_SOURCE = { name: 'medic in Yalda', kind: 'witness', reliability: 'B', credibility: 2, protected: true };

interface KeyedCommand {
  readonly key: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

type Outcome =
  | { readonly kind: 'answer'; readonly status: number; readonly body: any; readonly requestId: string | null }
  | { readonly kind: 'connection-failure'; readonly error: string };

const neighbourhoodOf = (writer: number) => NEIGHBOURHOODS[writer % NEIGHBOURHOODS.length]!;
const positionOf = (writer: number) => `front-w${String(writer).padStart(2, '0')}`;
const frontOf = (writer: number) => FRONTS[Math.floor(writer / NEIGHBOURHOODS.length) % FRONTS.length]!;

function registrations(): KeyedCommand[] {
  const actors = tadamonScenario
    .filter((step) => step.path === '/v1/actors')
    .map((step) => ({ key: `setup-${step.label}`, path: step.path, body: step.body({}) }));
  const neighbourhoods = NEIGHBOURHOODS.map((n, index) => {
    const writers = Array.from({ length: WRITERS }, (_, w) => w).filter((w) => neighbourhoodOf(w) === n);
    return {
      key: `setup-neighbourhood-${n.id}`,
      path: '/v1/neighbourhoods',
      body: {
        id: n.id,
        name: n.name,
        nameAr: n.nameAr,
        city: 'Damascus',
        country: 'Syria',
        controlAsOf: BASELINE,
        positions: [
          // Positions nobody fights over, so that shares are not all decided by the fronts.
          { id: 'rear-sector', name: `${n.name}, rear`, kind: 'sector', weight: 5 + index, controller: index % 2 === 0 ? 'isis' : 'syrian-regime' },
          { id: 'no-mans-land', name: `${n.name}, no man's land`, kind: 'block', weight: 1 },
          ...writers.map((w, i) => ({
            id: positionOf(w),
            name: `${n.name}, front line ${i + 1}`,
            nameAr: `خط الجبهة ${i + 1}`,
            kind: i % 2 === 0 ? 'block' : 'building',
            weight: 1 + (w % 5),
            coordinates: [n.at[0] + i * 0.0011, n.at[1] - i * 0.0007],
            controller: frontOf(w).defender,
          })),
        ],
      },
    };
  });
  return [...actors, ...neighbourhoods];
}

/**
 * A writer's sequence: rounds of attack, capture, casualties, counterattack, retreat,
 * casualties on its own position. Each is valid given the ones before it (captures and
 * retreats alternate control, and a retreat yields the position to the defender or to no one),
 * and only given them: replayed out of order, the domain rules would refuse them.
 */
function writerCommands(writer: number): KeyedCommand[] {
  const n = neighbourhoodOf(writer).id;
  const position = positionOf(writer);
  const { attacker, defender } = frontOf(writer);
  const commands: KeyedCommand[] = [];
  for (let k = 0; k < COMMANDS_PER_WRITER; k++) {
    const round = Math.floor(k / 6);
    const occurredAt = new Date(INCIDENTS_FROM + k * 15 * 60_000 + writer * 7_000).toISOString();
    const sources = [SOURCES[(writer + k) % SOURCES.length]!, ...(k % 4 === 0 ? [SOURCES[(writer + k + 1) % SOURCES.length]!] : [])];
    const key = `w${String(writer).padStart(2, '0')}-c${String(k).padStart(3, '0')}`;
    const incidents = (kind: string) => `/v1/neighbourhoods/${n}/${kind}`;
    switch (k % 6) {
      case 0:
        commands.push({
          key,
          path: incidents('attacks'),
          body: {
            attackers: [attacker],
            defenders: [defender],
            targets: [position],
            origin: round % 2 === 0 ? 'from Yarmouk camp' : 'from the orchards (البساتين)',
            occurredAt,
            timePrecision: 'hour',
            sources,
          },
        });
        break;
      case 1:
        commands.push({
          key,
          path: incidents('captures'),
          body: { by: attacker, positions: [position], occurredAt, sources, notes: `round ${round}: the line moved` },
        });
        break;
      case 2:
        commands.push({
          key,
          path: incidents('casualties'),
          body: {
            actor: defender,
            killed: { low: round, best: round + 1, high: round + 3 },
            wounded: { best: 2 * round + 1 },
            occurredAt,
            sources: [...sources, PROTECTED_SOURCE],
          },
        });
        break;
      case 3:
        commands.push({
          key,
          path: incidents('counterattacks'),
          body: { by: defender, against: attacker, targets: [position], occurredAt, timePrecision: 'day', sources },
        });
        break;
      case 4:
        commands.push({
          key,
          path: incidents('retreats'),
          body: {
            by: attacker,
            positions: [position],
            ...(round % 2 === 0 ? { yieldedTo: defender } : {}),
            occurredAt,
            sources,
          },
        });
        break;
      default:
        commands.push({
          key,
          path: incidents('casualties'),
          body: { actor: attacker, killed: { best: round }, occurredAt, sources, notes: 'ملاحظة: أرقام أولية' },
        });
    }
  }
  return commands;
}

async function send(server: ServerProcess, command: KeyedCommand): Promise<Outcome> {
  try {
    const answer = await server.post(command.path, command.body, { headers: { 'idempotency-key': command.key } });
    return { kind: 'answer', status: answer.status, body: answer.body, requestId: answer.headers.get('x-request-id') };
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    return { kind: 'connection-failure', error: describeError(error) };
  }
}

/** A read-model query, retried only while the read models are still catching up after the start. */
async function query(server: ServerProcess, path: string): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const answer = await server.get(path);
    if (answer.status !== 503 || attempt >= 20) {
      expect({ path, status: answer.status, body: answer.status === 200 ? '…' : answer.body }).toEqual({ path, status: 200, body: '…' });
      return answer;
    }
  }
}

/** Every read model answer this test compares, at `minPosition` = head, with asOf/knownAt pinned. */
async function readModels(server: ServerProcess, head: number, pinned: string, actorIds: readonly string[]) {
  const at = `minPosition=${head}&asOf=${encodeURIComponent(pinned)}&knownAt=${encodeURIComponent(pinned)}`;
  const snapshot: Record<string, unknown> = {};
  for (const n of NEIGHBOURHOODS) {
    snapshot[`${n.id}/control`] = (await query(server, `/v1/neighbourhoods/${n.id}/control?${at}`)).body;
    snapshot[`${n.id}/control.geojson`] = (await query(server, `/v1/neighbourhoods/${n.id}/control.geojson?${at}`)).body;
    snapshot[`${n.id}/timeline`] = (await query(server, `/v1/neighbourhoods/${n.id}/timeline?limit=1000&minPosition=${head}`)).body;
  }
  snapshot['neighbourhoods'] = (await query(server, `/v1/neighbourhoods?limit=1000&${at}`)).body;
  snapshot['actors'] = (await query(server, `/v1/actors?limit=1000&minPosition=${head}`)).body;
  for (const actorId of actorIds) {
    snapshot[`actors/${actorId}/holdings`] = (await query(server, `/v1/actors/${actorId}/holdings?${at}`)).body;
  }
  return snapshot;
}

interface ProjectionStatus {
  name: string;
  generation: number;
  status: string;
  lag: number;
  position: number;
  headPosition: number;
  rebuild?: unknown;
}

async function projections(server: ServerProcess): Promise<ProjectionStatus[]> {
  const answer = await server.get('/v1/projections', { as: 'admin' });
  expect(answer.status).toBe(200);
  return answer.body as ProjectionStatus[];
}

/** Readiness wait: polls until `done` holds, failing after a generous bound. */
async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('crash safety: kill -9 under load, restart, resend everything', () => {
  const data = temporaryDataDir();
  const sequences = Array.from({ length: WRITERS }, (_, w) => writerCommands(w));
  const allCommands = sequences.flat();
  const setupAnswers = new Map<string, string>();
  /** The answer each command got before the kill, if it was sent then. */
  const beforeKill = new Map<string, Outcome>();
  /** The answer to the resend after the restart: every command. */
  const afterRestart = new Map<string, Outcome>();
  const counts = { acknowledged: 0, inFlightAtKill: 0, sentBeforeKill: 0, unansweredCommitted: 0, unansweredNotCommitted: 0, neverSent: 0, events: 0 };
  const timings: Record<string, number> = {};
  let first: ServerProcess | undefined;
  let second: ServerProcess | undefined;
  let killStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const started = Date.now();

  beforeAll(async () => {
    first = await startServer({ dataDir: data.dir });
    timings.firstStart = Date.now() - started;

    for (const command of registrations()) {
      const answer = await first.post(command.path, command.body, { headers: { 'idempotency-key': command.key } });
      expect({ key: command.key, status: answer.status, body: answer.body }).toMatchObject({ key: command.key, status: 201 });
      setupAnswers.set(command.key, answer.body.eventId);
    }

    // Phase 1: 32 writers, each sending its sequence one command at a time, until the kill.
    const server = first;
    let acknowledged = 0;
    let inFlight = 0;
    let killed = false;
    const loadStarted = Date.now();
    await Promise.all(
      sequences.map(async (commands) => {
        for (const command of commands) {
          if (killed) return;
          inFlight++;
          counts.sentBeforeKill++;
          const outcome = await send(server, command);
          inFlight--;
          beforeKill.set(command.key, outcome);
          if (outcome.kind !== 'answer') return;
          if (outcome.status >= 200 && outcome.status < 300) acknowledged++;
          if (!killed && acknowledged >= KILL_AFTER_ACKS) {
            killed = true;
            counts.inFlightAtKill = inFlight;
            server.signal('SIGKILL');
          }
        }
      }),
    );
    killStatus = await first.exited;
    timings.loadUntilKill = Date.now() - loadStarted;

    // Phase 2: the same data directory; every writer resends its whole sequence, in order.
    const restarted = Date.now();
    second = await startServer({ dataDir: data.dir });
    timings.restart = Date.now() - restarted;
    const resendStarted = Date.now();
    const again = second;
    await Promise.all(
      sequences.map(async (commands) => {
        for (const command of commands) afterRestart.set(command.key, await send(again, command));
      }),
    );
    timings.resend = Date.now() - resendStarted;

    for (const command of allCommands) {
      const outcome = beforeKill.get(command.key);
      const retry = afterRestart.get(command.key);
      if (outcome === undefined) counts.neverSent++;
      else if (outcome.kind === 'answer' && outcome.status >= 200 && outcome.status < 300) counts.acknowledged++;
      else if (retry?.kind === 'answer' && retry.status === 200) counts.unansweredCommitted++;
      else counts.unansweredNotCommitted++;
    }
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await first?.kill();
    await second?.kill();
    data.remove();
    // The numbers behind the run, for whoever reads the test log.
    console.log(`crash-safety: ${JSON.stringify({ ...counts, commands: allCommands.length, timingsMs: timings, totalMs: Date.now() - started })}`);
  });

  it('was killed by SIGKILL mid-stream, with requests in flight', () => {
    expect(killStatus).toEqual({ code: null, signal: 'SIGKILL' });
    expect(counts.acknowledged).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(counts.inFlightAtKill).toBeGreaterThan(0);
    expect(counts.neverSent).toBeGreaterThan(0);
    // Before the kill, a first send is never a replay, and no command is refused.
    for (const [key, outcome] of beforeKill) {
      if (outcome.kind === 'answer') expect({ key, status: outcome.status, body: outcome.body }).toMatchObject({ key, status: 201 });
    }
  });

  it('keeps the event id of every command acknowledged before the kill: the retry answers 200 with the same result', () => {
    const mismatches: unknown[] = [];
    for (const command of allCommands) {
      const outcome = beforeKill.get(command.key);
      if (outcome?.kind !== 'answer') continue;
      const retry = afterRestart.get(command.key)!;
      if (retry.kind !== 'answer' || retry.status !== 200 || JSON.stringify(retry.body) !== JSON.stringify(outcome.body)) {
        mismatches.push({ key: command.key, before: outcome.body, after: retry });
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('answers every resent command: 200 if it was recorded before the kill, else 201', () => {
    const refused = allCommands
      .map((command) => ({ key: command.key, outcome: afterRestart.get(command.key)! }))
      .filter(({ outcome }) => outcome.kind !== 'answer' || (outcome.status !== 200 && outcome.status !== 201));
    expect(refused).toEqual([]);
    for (const command of allCommands) {
      const before = beforeKill.get(command.key);
      const retry = afterRestart.get(command.key) as Extract<Outcome, { kind: 'answer' }>;
      if (before === undefined) expect({ key: command.key, status: retry.status }).toEqual({ key: command.key, status: 201 });
    }
  });

  it('holds exactly one event per key: the event ids in the store are exactly the ids answered', async () => {
    const events: StreamEvent[] = [];
    for (const n of NEIGHBOURHOODS) {
      const stream = await readStream(second!, n.id, 'admin');
      expect(stream.map((e) => e.streamRevision)).toEqual(stream.map((_, i) => i));
      events.push(...stream);
    }
    counts.events = events.length;
    const answeredIds = new Map<string, string>();
    for (const command of allCommands) {
      const retry = afterRestart.get(command.key) as Extract<Outcome, { kind: 'answer' }>;
      answeredIds.set(command.key, retry.body.eventId);
    }
    for (const [key, id] of setupAnswers) if (key.startsWith('setup-neighbourhood-')) answeredIds.set(key, id);

    const ids = events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...answeredIds.values()].sort());

    const byKey = new Map<string, string[]>();
    for (const event of events) {
      const key = event.metadata.idempotencyKey;
      expect(typeof key).toBe('string');
      byKey.set(key!, [...(byKey.get(key!) ?? []), event.eventId]);
    }
    const notOnce = [...answeredIds].filter(([key, id]) => JSON.stringify(byKey.get(key)) !== JSON.stringify([id]));
    expect(notOnce).toEqual([]);
    expect(byKey.size).toBe(answeredIds.size);
    expect(events.length).toBe(allCommands.length + NEIGHBOURHOODS.length);
  });

  it('serves read models equal to a fresh rebuild from the log', async () => {
    const server = second!;
    const head = (await server.get('/health')).body.eventStore.headPosition as number;
    const maxAnswered = Math.max(...[...afterRestart.values()].map((o) => (o.kind === 'answer' ? o.body.position : 0)));
    expect(head).toBe(maxAnswered);
    // asOf/knownAt: one fixed instant after every write, so that "now" plays no part.
    const pinned = new Date(Date.now() + 60 * 60_000).toISOString();
    const actorIds = tadamonScenario.filter((s) => s.path === '/v1/actors').map((s) => s.body({}).id as string);

    const live = await readModels(server, head, pinned, actorIds);
    // Not a vacuous comparison: the timelines hold every incident, and the fronts have moved.
    const timelineItems = NEIGHBOURHOODS.reduce((sum, n) => sum + (live[`${n.id}/timeline`] as { items: unknown[] }).items.length, 0);
    expect(timelineItems).toBe(allCommands.length);

    const rebuildStarted = Date.now();
    const before = await projections(server);
    expect(before.map((p) => p.name).sort()).toEqual(['actors', 'neighbourhood-control', 'neighbourhood-timeline']);
    const tickets = new Map<string, number>();
    for (const projection of before) {
      const answer = await server.post(`/v1/projections/${projection.name}/rebuild`, undefined, { as: 'admin' });
      expect({ name: projection.name, status: answer.status }).toEqual({ name: projection.name, status: 202 });
      expect(answer.body.generation).toBeGreaterThan(projection.generation);
      tickets.set(projection.name, answer.body.generation);
    }
    const after = await eventually(
      'the rebuilt generations going live',
      () => projections(server),
      (list) =>
        list.every(
          (p) => p.generation >= tickets.get(p.name)! && p.status === 'running' && p.rebuild === undefined && p.lag === 0,
        ),
    );
    timings.rebuild = Date.now() - rebuildStarted;
    expect(after.map((p) => p.position)).toEqual(after.map(() => head));

    const rebuilt = await readModels(server, head, pinned, actorIds);
    expect(rebuilt).toEqual(live);
  });

  it('never prints a key', () => {
    for (const server of [first!, second!]) {
      const output = server.stdout() + server.stderr();
      for (const key of Object.values(SERVER_KEYS)) expect(output).not.toContain(key);
    }
  });
});
