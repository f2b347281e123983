import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  DomainError,
  type NeighbourhoodEvent,
  type Positioned,
  decideNeighbourhood,
  evolveNeighbourhood,
  initialNeighbourhoodState,
} from '../../src/domain/index.js';
import type { RecordedEvent } from '../../src/event-store/index.js';
import { neighbourhoodControlReadModel } from '../../src/features/neighbourhood-control/neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader } from '../../src/features/neighbourhood-control/neighbourhood-control.reader.js';
import { ReadModelFile } from '../../src/projections/read-model-file.js';
import { FIELD_SOURCE } from './event-log.fixture.js';

/*
 * The read model answers (asOf, knownAt) with index seeks; the domain answers by folding the
 * stream. For random histories (late reports, ties, retractions) that the decider accepts, both
 * must agree: the domain fold of the events recorded by knownAt is the oracle for the
 * controller, since and eventId; contested is checked against a direct reading of the rule.
 */
const N = 'oracle-town';
const ACTORS = ['a', 'b', 'c'];
const POSITIONS = ['p0', 'p1', 'p2'];
const BASELINE_MS = Date.UTC(2018, 3, 16);
const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

type Step =
  | { kind: 'capture'; by: string; positions: string[]; hour: number; delay: number }
  | { kind: 'retreat'; by: string; positions: string[]; yieldedTo: string | null; hour: number; delay: number }
  | { kind: 'attack'; targets: string[]; hour: number; delay: number }
  | { kind: 'retract'; pick: number; delay: number };

const positionsArb = fc.subarray(POSITIONS, { minLength: 1 });
// Hours on a 4-day grid, so that incidents often share an instant and the log position decides.
const hourArb = fc.integer({ min: 0, max: 96 });
const delayArb = fc.integer({ min: 0, max: 6 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('capture' as const), by: fc.constantFrom(...ACTORS), positions: positionsArb, hour: hourArb, delay: delayArb }),
  fc.record({
    kind: fc.constant('retreat' as const),
    by: fc.constantFrom(...ACTORS),
    positions: positionsArb,
    yieldedTo: fc.option(fc.constantFrom(...ACTORS), { nil: null }),
    hour: hourArb,
    delay: delayArb,
  }),
  fc.record({ kind: fc.constant('attack' as const), targets: positionsArb, hour: hourArb, delay: delayArb }),
  fc.record({ kind: fc.constant('retract' as const), pick: fc.nat(), delay: delayArb }),
);

/**
 * The history as logged events, keeping only what the decider accepts (with every command's
 * effects checked against the timeline so far): recordedAt never goes backwards along the log.
 */
function toLog(steps: readonly Step[]): Positioned<NeighbourhoodEvent>[] {
  const base = { neighbourhoodId: N, timePrecision: 'hour' as const, sources: [FIELD_SOURCE] };
  let recordedMs = BASELINE_MS + 100 * HOUR;
  let state = initialNeighbourhoodState();
  const log: Positioned<NeighbourhoodEvent>[] = [];
  const incidents: string[] = [];
  const retracted = new Set<string>();
  const push = (event: NeighbourhoodEvent, delay: number): boolean => {
    recordedMs += delay * HOUR;
    const eventId = `e${log.length + 1}`;
    const positioned = { ...event, eventId, position: log.length + 1, recordedAt: iso(recordedMs) } as Positioned<NeighbourhoodEvent>;
    if (event.type !== 'NeighbourhoodRegistered' && !accepted(state, event, recordedMs)) return false;
    log.push(positioned);
    state = evolveNeighbourhood(state, positioned);
    return true;
  };
  push(
    {
      type: 'NeighbourhoodRegistered',
      data: {
        neighbourhoodId: N,
        name: 'Oracle town',
        city: 'Damascus',
        country: 'Syria',
        controlAsOf: iso(BASELINE_MS),
        positions: POSITIONS.map((id, i) => ({ id, name: id, weight: i + 1, controller: i === 2 ? null : 'a' })),
      },
    },
    0,
  );
  for (const step of steps) {
    if (step.kind === 'retract') {
      const candidates = incidents.filter((id) => !retracted.has(id));
      if (candidates.length === 0) continue;
      const eventId = candidates[step.pick % candidates.length]!;
      const retractedType = log.find((e) => e.eventId === eventId)!.type as 'PositionCaptured';
      if (push({ type: 'ReportRetracted', data: { neighbourhoodId: N, eventId, retractedType, reason: 'false report' } }, step.delay)) {
        retracted.add(eventId);
      }
      continue;
    }
    const occurredAt = iso(BASELINE_MS + step.hour * HOUR);
    let logged: boolean;
    if (step.kind === 'capture') {
      logged = push({ type: 'PositionCaptured', data: { ...base, by: step.by, positions: step.positions, from: {}, occurredAt } }, step.delay);
    } else if (step.kind === 'retreat') {
      const yieldedTo = step.yieldedTo === step.by ? null : step.yieldedTo;
      logged = push(
        { type: 'ForcesRetreated', data: { ...base, by: step.by, positions: step.positions, ...(yieldedTo ? { yieldedTo } : {}), occurredAt } },
        step.delay,
      );
    } else {
      logged = push({ type: 'AttackLaunched', data: { ...base, attackers: ['b'], defenders: ['a'], targets: step.targets, occurredAt } }, step.delay);
    }
    if (logged) incidents.push(log.at(-1)!.eventId);
  }
  return log;
}

/** Whether the decider records this event, as the command that asks for it. */
function accepted(state: ReturnType<typeof initialNeighbourhoodState>, event: NeighbourhoodEvent, now: number): boolean {
  const context = { now, knownActors: new Set(ACTORS) };
  try {
    switch (event.type) {
      case 'PositionCaptured':
        decideNeighbourhood({ type: 'CapturePosition', ...event.data }, state, context);
        return true;
      case 'ForcesRetreated':
        decideNeighbourhood({ type: 'Retreat', ...event.data }, state, context);
        return true;
      case 'ReportRetracted':
        decideNeighbourhood({ type: 'RetractReport', ...event.data }, state, context);
        return true;
      default:
        return true;
    }
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  }
}

const toRecorded = (event: Positioned<NeighbourhoodEvent>): RecordedEvent => ({
  eventId: event.eventId,
  type: event.type,
  streamId: `neighbourhood-${N}`,
  revision: event.position - 1,
  position: event.position,
  data: event.data,
  metadata: { recordedAt: event.recordedAt },
});

/** The rule read literally, over the whole known history: the last attack or change at or before asOf decides. */
function contestedByRule(known: readonly Positioned<NeighbourhoodEvent>[], positionId: string, asOfMs: number): boolean {
  const retracted = new Set(known.flatMap((e) => (e.type === 'ReportRetracted' ? [e.data.eventId] : [])));
  let last: { at: number; position: number; contests: boolean } | undefined;
  for (const event of known) {
    if (retracted.has(event.eventId)) continue;
    let touches: readonly string[] = [];
    let contests = false;
    if (event.type === 'AttackLaunched' || event.type === 'CounterattackLaunched') [touches, contests] = [event.data.targets, true];
    if (event.type === 'PositionCaptured' || event.type === 'ForcesRetreated') touches = event.data.positions;
    if (!touches.includes(positionId)) continue;
    const at = Date.parse((event.data as { occurredAt: string }).occurredAt);
    if (at > asOfMs) continue;
    if (last === undefined || at > last.at || (at === last.at && event.position > last.position)) last = { at, position: event.position, contests };
  }
  return last?.contests ?? false;
}

describe('neighbourhood control read model against the domain fold', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'control-oracle-'));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('agrees on controller, since, eventId and contested for any (asOf, knownAt)', () => {
    let run = 0;
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.tuple(fc.integer({ min: -2, max: 100 }), fc.integer({ min: 95, max: 260 })), { minLength: 1, maxLength: 8 }),
        (steps, instants) => {
          const log = toLog(steps);
          run += 1;
          const file = ReadModelFile.create(join(dir, `run-${run}.sqlite`), neighbourhoodControlReadModel);
          try {
            file.applyBatch(log.map(toRecorded));
            const reader = new NeighbourhoodControlReader(file.db);
            for (const [asOfHour, knownAtHour] of instants) {
              const asOfMs = BASELINE_MS + asOfHour * HOUR;
              const knownAtMs = BASELINE_MS + knownAtHour * HOUR;
              const known = log.filter((e) => Date.parse(e.recordedAt) <= knownAtMs);
              const neighbourhood = reader.neighbourhood(N, knownAtMs);
              if (neighbourhood === undefined) continue;
              const answer = reader.control(neighbourhood, { asOfMs, knownAtMs }, new Map());
              const state = known.reduce(evolveNeighbourhood, initialNeighbourhoodState());
              for (const position of answer.positions) {
                const history = state.positions.get(position.id)!.history.filter((change) => change.at <= asOfMs);
                const last = history.at(-1);
                const expected =
                  asOfMs < BASELINE_MS
                    ? { controller: null, since: null, eventId: null, contested: false }
                    : {
                        controller: last === undefined ? state.positions.get(position.id)!.spec.controller : last.controller,
                        since: last === undefined ? iso(BASELINE_MS) : iso(last.at),
                        eventId: last?.eventId ?? null,
                        contested: contestedByRule(known, position.id, asOfMs),
                      };
                expect({ controller: position.controller, since: position.since, eventId: position.eventId, contested: position.contested }).toEqual(expected);
              }
            }
          } finally {
            file.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
