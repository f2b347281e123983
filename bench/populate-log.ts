import { randomUUID } from 'node:crypto';
import {
  DomainError,
  type NeighbourhoodEvent,
  type NeighbourhoodState,
  type Positioned,
  actorStreamId,
  controllerBefore,
  nextChangeAfter,
  decideActor,
  decideNeighbourhood,
  evolveNeighbourhood,
  initialActorState,
  initialNeighbourhoodState,
  neighbourhoodStreamId,
} from '../src/domain/index.js';
import type { EventToAppend } from '../src/event-store/index.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { NeighbourhoodScript, Random, type ScriptedRequest, commandOf, registrationBody } from './conflict-script.js';
import type { BenchPlace, UcdpMaterial } from './ucdp-material.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** History runs from the UCDP extract's first day to its last. */
export const HISTORY_START_MS = Date.parse('2016-01-01T00:00:00Z');
export const HISTORY_END_MS = Date.parse('2019-12-01T00:00:00Z');

export interface NeighbourhoodPlan {
  readonly place: BenchPlace;
  /** Events in its stream, registration included. */
  readonly events: number;
}

export interface PopulatedNeighbourhood {
  readonly place: BenchPlace;
  readonly events: number;
  /** Who holds each position after the last event (by occurredAt). */
  readonly holders: ReadonlyMap<string, string>;
  /** occurredAt of the latest event, epoch ms: later commands must come after it. */
  readonly lastOccurredAtMs: number;
}

export interface PopulatedLog {
  readonly head: number;
  readonly neighbourhoods: readonly PopulatedNeighbourhood[];
  readonly lateReports: number;
  readonly lateCapturesRefused: number;
  readonly retractions: number;
  readonly assessments: number;
  readonly seconds: number;
}

/** The simulated writer of one neighbourhood: every event is what the real decider decides. */
class SimulatedNeighbourhood {
  state: NeighbourhoodState = initialNeighbourhoodState();
  revision = -1;
  produced = 0;
  lastOccurredAtMs = 0;
  /** The latest incidents, candidates for a retraction. */
  readonly recent: { eventId: string; type: string }[] = [];
  lastAttackId: string | undefined;

  constructor(
    readonly plan: NeighbourhoodPlan,
    readonly script: NeighbourhoodScript,
    readonly random: Random,
  ) {}
}

export interface PopulateOptions {
  readonly dir: string;
  readonly material: UcdpMaterial;
  readonly plan: readonly NeighbourhoodPlan[];
  /** Appends per stream are cut into rounds, so that streams interleave in the log as they would live. */
  readonly rounds?: number;
  readonly seed?: number;
  readonly progress?: (done: number, total: number) => void;
}

/**
 * Fills `<dir>/events.sqlite` straight through the store, in large batches: setup, not
 * measured. Each event is decided by the domain decider from a scripted command, so the log
 * is one the application could have written: registrations, attacks, captures, casualties,
 * counterattacks and retreats, with about 2% late reports (attacks, casualties, and captures
 * where the timeline allows), about 1% retractions and about 4% confirmations of a recent
 * report by an editor.
 */
export async function populateLog(options: PopulateOptions): Promise<PopulatedLog> {
  const started = performance.now();
  const { material, plan } = options;
  const random = new Random(options.seed ?? 20180418);
  const store = SqliteEventStore.openInDirectory(options.dir);
  let lateReports = 0;
  let lateCapturesRefused = 0;
  let retractions = 0;
  let assessments = 0;
  try {
    let position = await store.headPosition();
    if (position !== 0) throw new Error(`${options.dir} already holds a log`);
    const nowMs = Date.now();
    const metadata = (recordedAtMs: number, n: number): Record<string, unknown> => ({
      recordedAt: new Date(Math.min(recordedAtMs, nowMs)).toISOString(),
      recordedBy: 'writer-3fa2b1c4',
      role: 'writer',
      requestId: `req-${n.toString(36)}`,
    });

    const knownActors = new Set<string>();
    const actorAppends = material.actors.map((actor) => {
      const [event] = decideActor({ type: 'RegisterActor', actorId: actor.id, name: actor.name, side: actor.side, kind: actor.kind }, initialActorState());
      knownActors.add(actor.id);
      return store.append(actorStreamId(actor.id), [{ eventId: randomUUID(), type: event!.type, data: event!.data, metadata: metadata(HISTORY_START_MS - DAY, ++position) }], 'no_stream');
    });
    await Promise.all(actorAppends);

    const simulations = plan.map((entry) => {
      const incidents = Math.max(1, entry.events - 1);
      const stepMs = Math.max(1_000, Math.floor((HISTORY_END_MS - HISTORY_START_MS - DAY) / incidents));
      const script = new NeighbourhoodScript(entry.place, material, new Random(random.int(2 ** 31)), HISTORY_START_MS + HOUR, stepMs);
      return new SimulatedNeighbourhood(entry, script, new Random(random.int(2 ** 31)));
    });
    const total = plan.reduce((sum, entry) => sum + entry.events, 0);
    let done = 0;

    const decideAndRecord = (sim: SimulatedNeighbourhood, request: ScriptedRequest | Record<string, unknown>, recordedAtMs: number, batch: EventToAppend[]): string => {
      const command = 'kind' in request ? commandOf(request as ScriptedRequest) : (request as never);
      const [decided] = decideNeighbourhood(command, sim.state, { now: nowMs, knownActors });
      const eventId = randomUUID();
      position += 1;
      const positioned = { ...decided!, eventId, position, recordedAt: new Date(recordedAtMs).toISOString() } as Positioned<NeighbourhoodEvent>;
      sim.state = evolveNeighbourhood(sim.state, positioned);
      sim.revision += 1;
      sim.produced += 1;
      batch.push({ eventId, type: decided!.type, data: decided!.data, metadata: metadata(recordedAtMs, position) });
      return eventId;
    };

    const step = (sim: SimulatedNeighbourhood, batch: EventToAppend[]): void => {
      const { script, random: rnd } = sim;
      if (sim.produced === 0) {
        const body = registrationBody(sim.plan.place, new Date(HISTORY_START_MS).toISOString());
        const { id, ...rest } = body as { id: string };
        decideAndRecord(sim, { type: 'RegisterNeighbourhood', neighbourhoodId: id, ...rest }, HISTORY_START_MS, batch);
        return;
      }
      const roll = rnd.next();
      const now = script.now;
      if (roll < 0.01 && sim.recent.length > 8) {
        // Retract an older attack or casualty report (never the attack the next capture cites).
        const candidates = sim.recent.filter((r) => r.eventId !== sim.lastAttackId && (r.type === 'AttackLaunched' || r.type === 'CasualtiesReported'));
        if (candidates.length > 0) {
          const target = rnd.pick(candidates);
          sim.recent.splice(sim.recent.indexOf(target), 1);
          decideAndRecord(sim, script.retraction(target.eventId), now + HOUR, batch);
          retractions += 1;
          return;
        }
      }
      if (roll < 0.03) {
        const earliest = HISTORY_START_MS + 2 * HOUR;
        const at = Math.max(earliest, now - (1 + rnd.int(30)) * DAY - rnd.int(DAY));
        const kindRoll = rnd.next();
        const request = kindRoll < 0.15 ? script.lateCapture(at, (positionId) => controllerBefore(sim.state.positions.get(positionId)!, at, Number.POSITIVE_INFINITY)) : undefined;
        // Only where a later change follows: the script's view of who holds what now stays true.
        const positionId = (request?.body.positions as string[] | undefined)?.[0];
        if (request !== undefined && nextChangeAfter(sim.state.positions.get(positionId!)!, at, Number.POSITIVE_INFINITY) !== undefined) {
          try {
            decideAndRecord(sim, request, now + 2 * HOUR, batch);
            lateReports += 1;
            return;
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            lateCapturesRefused += 1;
          }
        }
        const late = kindRoll < 0.7 ? script.lateAttack(at) : script.lateCasualties(at);
        const eventId = decideAndRecord(sim, late, now + 2 * HOUR, batch);
        sim.recent.push({ eventId, type: late.kind === 'attacks' ? 'AttackLaunched' : 'CasualtiesReported' });
        lateReports += 1;
        return;
      }
      if (roll < 0.07 && sim.recent.length > 0) {
        // An editor confirms a recent report, as perspectives of confirmed reports need.
        const target = rnd.pick(sim.recent);
        try {
          decideAndRecord(sim, { type: 'AssessReport', neighbourhoodId: sim.plan.place.id, eventId: target.eventId, status: 'confirmed', reason: 'Matches footage geolocated by two analysts' }, now + 3 * HOUR, batch);
          assessments += 1;
          return;
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      }
      const request = script.next();
      const eventId = decideAndRecord(sim, request, now + (1 + rnd.int(6)) * HOUR, batch);
      sim.lastOccurredAtMs = Math.max(sim.lastOccurredAtMs, now);
      script.recorded(request, eventId);
      if (request.kind === 'attacks') sim.lastAttackId = eventId;
      sim.recent.push({ eventId, type: decidedType(request) });
      if (sim.recent.length > 64) sim.recent.shift();
    };

    const rounds = options.rounds ?? 200;
    let lastReport = 0;
    for (let round = 0; round < rounds; round++) {
      const appends: Promise<unknown>[] = [];
      for (const sim of simulations) {
        const remaining = sim.plan.events - sim.produced;
        if (remaining <= 0) continue;
        const take = Math.ceil(remaining / (rounds - round));
        const batch: EventToAppend[] = [];
        const expected = sim.revision;
        const firstPosition = position + 1;
        for (let i = 0; i < take; i++) step(sim, batch);
        const lastPosition = position;
        appends.push(
          store.append(neighbourhoodStreamId(sim.plan.place.id), batch, expected === -1 ? 'no_stream' : expected).then((result) => {
            // The log has one writer here: positions are exactly the ones the fold was given.
            if (result.position !== lastPosition || result.nextRevision !== sim.revision) {
              throw new Error(`populate: expected positions ${firstPosition}..${lastPosition}, the store answered ${result.position}`);
            }
          }),
        );
        done += take;
      }
      await Promise.all(appends);
      if (options.progress && (done - lastReport >= total / 20 || done === total)) {
        lastReport = done;
        options.progress(done, total);
      }
    }
    return {
      head: await store.headPosition(),
      neighbourhoods: simulations.map((sim) => ({
        place: sim.plan.place,
        events: sim.produced,
        holders: new Map(
          sim.script.positionIds.map((id) => [id, controllerBefore(sim.state.positions.get(id)!, Number.POSITIVE_INFINITY, 0) ?? '']),
        ),
        lastOccurredAtMs: sim.lastOccurredAtMs,
      })),
      lateReports,
      lateCapturesRefused,
      retractions,
      assessments,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await store.close();
  }
}

function decidedType(request: ScriptedRequest): string {
  switch (request.kind) {
    case 'attacks':
      return 'AttackLaunched';
    case 'captures':
      return 'PositionCaptured';
    case 'counterattacks':
      return 'CounterattackLaunched';
    case 'retreats':
      return 'ForcesRetreated';
    case 'casualties':
      return 'CasualtiesReported';
    case 'retractions':
      return 'ReportRetracted';
  }
}
