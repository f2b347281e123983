import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  DomainError,
  type NeighbourhoodCommand,
  type NeighbourhoodEvent,
  type Positioned,
  type Reliability,
  type Source,
  type TimePrecision,
  decideNeighbourhood,
  evolveNeighbourhood,
  initialNeighbourhoodState,
  precisionWindowEnd,
  precisionWindowStart,
} from '../../src/domain/index.js';
import type { RecordedEvent } from '../../src/event-store/index.js';
import { neighbourhoodControlReadModel } from '../../src/features/neighbourhood-control/neighbourhood-control.read-model.js';
import { NeighbourhoodControlReader, type Perspective } from '../../src/features/neighbourhood-control/neighbourhood-control.reader.js';
import { ReadModelFile } from '../../src/projections/read-model-file.js';

/*
 * Every control answer, in the default view and in any perspective, against a naive fold written
 * here from DESIGN.md's words ("Reports are claims", "Perspectives", "Precise rules for claims").
 * The logs come from the real decider, so they hold only what it accepts: late reports, ties,
 * record-mode claims of every standing, retractions and assessments, recorded over time.
 */
const N = 'claims-town';
const ACTORS = ['a', 'b', 'c'];
const POSITIONS = ['p0', 'p1', 'p2', 'p3'];
const BASELINE_MS = Date.UTC(2018, 3, 16);
const HOUR = 3_600_000;
/** Every report is recorded after every instant it may be about. */
const RECORDING_START_MS = BASELINE_MS + 100 * HOUR;
const iso = (ms: number): string => new Date(ms).toISOString();

const SOURCES: readonly Source[] = [
  { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 },
  { name: 'Amaq', kind: 'partisan-agency', reliability: 'D', credibility: 4 },
  { name: 'Damascus Now', kind: 'partisan-network', reliability: 'B', credibility: 2 },
  { name: 'witness', kind: 'field', reliability: 'A', credibility: 1, protected: true },
];

type Step =
  | {
      kind: 'capture' | 'retreat';
      by: string;
      positions: string[];
      yieldedTo: string | null;
      hour: number;
      precision: TimePrecision;
      record: boolean;
      cite: Cite;
      delay: number;
    }
  | { kind: 'attack'; by: string; targets: string[]; hour: number; precision: TimePrecision; cite: Cite; delay: number }
  | { kind: 'retract'; pick: number; delay: number }
  | { kind: 'assess'; pick: number; status: 'confirmed' | 'disputed' | 'refuted'; delay: number };

/** Which sources a report cites, and how long after its occurredAt each published (none: no date). */
type Cite = readonly { readonly source: number; readonly publishedAfterHours: number | null }[];

const citeArb: fc.Arbitrary<Cite> = fc.uniqueArray(
  fc.record({ source: fc.nat(SOURCES.length - 1), publishedAfterHours: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }) }),
  { minLength: 1, maxLength: 3, selector: (cite) => cite.source },
);
const positionsArb = fc.subarray(POSITIONS, { minLength: 1, maxLength: 3 });
// Hours on a 4-day grid, so that reports often share an instant and the log position decides.
const hourArb = fc.integer({ min: 0, max: 96 });
const delayArb = fc.integer({ min: 0, max: 5 });
// Mostly hours, so that windows often hold an asOf of the grid, at their edges included.
const precisionArb = fc.constantFrom<TimePrecision>('exact', 'hour', 'hour', 'day', 'week', 'month');
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constantFrom('capture' as const, 'retreat' as const),
      by: fc.constantFrom(...ACTORS),
      positions: positionsArb,
      yieldedTo: fc.option(fc.constantFrom(...ACTORS), { nil: null }),
      hour: hourArb,
      precision: precisionArb,
      record: fc.boolean(),
      cite: citeArb,
      delay: delayArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('attack' as const),
      by: fc.constantFrom(...ACTORS),
      targets: positionsArb,
      hour: hourArb,
      precision: precisionArb,
      cite: citeArb,
      delay: delayArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retract' as const), pick: fc.nat(), delay: delayArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('assess' as const), pick: fc.nat(), status: fc.constantFrom('confirmed' as const, 'disputed' as const, 'refuted' as const), delay: delayArb }),
  },
);

/** The steps through the decider, as it would record them; refused commands are left out. */
function toLog(steps: readonly Step[]): Positioned<NeighbourhoodEvent>[] {
  let state = initialNeighbourhoodState();
  let recordedMs = RECORDING_START_MS;
  const log: Positioned<NeighbourhoodEvent>[] = [];
  const incidents: string[] = [];
  const record = (command: NeighbourhoodCommand, delay: number): void => {
    recordedMs += delay * HOUR;
    let events: NeighbourhoodEvent[];
    try {
      events = decideNeighbourhood(command, state, { now: recordedMs, knownActors: new Set(ACTORS) });
    } catch (error) {
      if (error instanceof DomainError) return;
      throw error;
    }
    for (const event of events) {
      const positioned = { ...event, eventId: `e${log.length + 1}`, position: log.length + 1, recordedAt: iso(recordedMs) } as Positioned<NeighbourhoodEvent>;
      log.push(positioned);
      state = evolveNeighbourhood(state, positioned);
      if (event.type !== 'NeighbourhoodRegistered' && event.type !== 'ReportRetracted' && event.type !== 'ReportAssessed') incidents.push(positioned.eventId);
    }
  };
  record(
    {
      type: 'RegisterNeighbourhood',
      neighbourhoodId: N,
      name: 'Claims town',
      city: 'Damascus',
      country: 'Syria',
      controlAsOf: iso(BASELINE_MS),
      positions: POSITIONS.map((id, i) => ({ id, name: id, weight: i + 1, controller: i === 3 ? null : ACTORS[i % 2]! })),
    },
    0,
  );
  for (const step of steps) {
    if (step.kind === 'retract' || step.kind === 'assess') {
      if (incidents.length === 0) continue;
      const eventId = incidents[step.pick % incidents.length]!;
      record(
        step.kind === 'retract'
          ? { type: 'RetractReport', neighbourhoodId: N, eventId, reason: 'false report' }
          : { type: 'AssessReport', neighbourhoodId: N, eventId, status: step.status, reason: 'checked' },
        step.delay,
      );
      continue;
    }
    const occurredMs = BASELINE_MS + step.hour * HOUR;
    const fields = {
      neighbourhoodId: N,
      occurredAt: iso(occurredMs),
      timePrecision: step.precision,
      sources: step.cite.map(({ source, publishedAfterHours }) => ({
        ...SOURCES[source]!,
        ...(publishedAfterHours !== null && { reportedAt: iso(occurredMs + publishedAfterHours * HOUR) }),
      })),
    };
    if (step.kind === 'attack') {
      const defender = ACTORS.find((actor) => actor !== step.by)!;
      record({ type: 'LaunchAttack', attackers: [step.by], defenders: [defender], targets: step.targets, ...fields }, step.delay);
    } else if (step.kind === 'capture') {
      record({ type: 'CapturePosition', by: step.by, positions: step.positions, onConflict: step.record ? 'record' : 'refuse', ...fields }, step.delay);
    } else {
      const yieldedTo = step.yieldedTo === step.by ? null : step.yieldedTo;
      record(
        { type: 'Retreat', by: step.by, positions: step.positions, ...(yieldedTo !== null && { yieldedTo }), onConflict: step.record ? 'record' : 'refuse', ...fields },
        step.delay,
      );
    }
  }
  return log;
}

const toRecorded = (event: Positioned<NeighbourhoodEvent>): RecordedEvent => {
  const { eventId, position, recordedAt, type, data } = event;
  return { eventId, type, streamId: `neighbourhood-${N}`, revision: position - 1, position, data, metadata: { recordedAt } };
};

interface OracleView {
  readonly reportedByMs?: number;
  readonly status?: 'confirmed';
  readonly minReliability?: Reliability;
  readonly minCredibility?: number;
  readonly source?: string;
  readonly claims: 'accepted' | 'all';
  readonly admin: boolean;
}

/** DESIGN.md's words, folded naively over the whole known history. */
function oracle(log: readonly Positioned<NeighbourhoodEvent>[], asOfMs: number, knownAtMs: number, view: OracleView) {
  const known = log.filter((event) => Date.parse(event.recordedAt) <= knownAtMs);
  const retracted = new Set(known.flatMap((event) => (event.type === 'ReportRetracted' ? [event.data.eventId] : [])));
  const latest = new Map<string, { status: string; standing: string }>();
  for (const event of known) if (event.type === 'ReportAssessed') latest.set(event.data.eventId, event.data);
  const registration = known.find((event) => event.type === 'NeighbourhoodRegistered')!;
  const specs = registration.type === 'NeighbourhoodRegistered' ? registration.data.positions : [];
  const controlAsOf = registration.type === 'NeighbourhoodRegistered' ? registration.data.controlAsOf : '';
  const positions = new Map(
    specs.map((spec) => [
      spec.id,
      asOfMs < BASELINE_MS
        ? { controller: null as string | null, since: null as string | null, eventId: null as string | null, contests: [] as string[][], evidence: [] as string[] }
        : { controller: spec.controller, since: controlAsOf, eventId: null as string | null, contests: [] as string[][], evidence: [] as string[] },
    ]),
  );
  const sourcesOf = new Map<string, readonly Source[]>();
  const skipped: { eventId: string; code: string }[] = [];
  const incidents = known
    .filter((event) => 'occurredAt' in event.data)
    .sort((x, y) => Date.parse((x.data as { occurredAt: string }).occurredAt) - Date.parse((y.data as { occurredAt: string }).occurredAt) || x.position - y.position);
  const reports = incidents.filter((event) => Date.parse((event.data as { occurredAt: string }).occurredAt) <= asOfMs);
  /** What the view makes of a report: undefined when it does not pass, else whether it folds and counts as evidence. */
  const passing = (report: Positioned<NeighbourhoodEvent>): { folds: boolean; evidence: boolean } | undefined => {
    if (report.type === 'CasualtiesReported' || report.type === 'NeighbourhoodRegistered' || report.type === 'PositionsAdded') return undefined;
    if (report.type === 'ReportRetracted' || report.type === 'ReportAssessed') return undefined;
    const status = latest.get(report.eventId)?.status ?? 'unverified';
    const standing =
      latest.get(report.eventId)?.standing ?? (report.type === 'PositionCaptured' || report.type === 'ForcesRetreated' ? (report.data.standing ?? 'accepted') : 'accepted');
    // Refuted and retracted reports never fold, even with claims=all; the status filter and
    // the source-level criteria, all for one source, apply to every incident.
    if (retracted.has(report.eventId) || status === 'refuted') return undefined;
    if (view.status === 'confirmed' && status !== 'confirmed') return undefined;
    const passes = report.data.sources.some(
      (source) =>
        (view.source === undefined || (source.name === view.source && (source.protected !== true || view.admin))) &&
        (view.minReliability === undefined || source.reliability <= view.minReliability) &&
        (view.minCredibility === undefined || source.credibility <= view.minCredibility) &&
        (view.reportedByMs === undefined || Date.parse(source.reportedAt ?? report.recordedAt) <= view.reportedByMs),
    );
    if (!passes) return undefined;
    return { folds: standing === 'accepted' || view.claims === 'all', evidence: standing !== 'conflicting' || view.claims === 'all' };
  };
  /** asOf lies in [occurredAt truncated to the report's precision, + one unit). */
  const windowHolds = (report: Positioned<NeighbourhoodEvent>): boolean => {
    const { occurredAt, timePrecision } = report.data as { occurredAt: string; timePrecision: TimePrecision };
    const at = Date.parse(occurredAt);
    return precisionWindowStart(at, timePrecision) <= asOfMs && asOfMs < precisionWindowEnd(at, timePrecision);
  };
  const byId = new Map(known.map((event) => [event.eventId, event]));
  if (asOfMs >= BASELINE_MS) {
    for (const report of reports) {
      const passed = passing(report);
      if (passed === undefined) continue;
      if (report.type === 'AttackLaunched' || report.type === 'CounterattackLaunched') {
        const attackers = report.type === 'AttackLaunched' ? [...report.data.attackers] : [report.data.by];
        for (const target of report.data.targets) positions.get(target)?.contests.push(attackers);
        continue;
      }
      if (report.type !== 'PositionCaptured' && report.type !== 'ForcesRetreated') continue;
      sourcesOf.set(report.eventId, report.data.sources);
      const { folds, evidence } = passed;
      const says = report.type === 'PositionCaptured' ? report.data.by : (report.data.yieldedTo ?? null);
      let applied = false;
      for (const id of report.data.positions) {
        const position = positions.get(id)!;
        const takes = report.type === 'PositionCaptured' ? position.controller !== report.data.by : position.controller === report.data.by;
        if (folds && takes) {
          applied = true;
          Object.assign(position, { controller: says, since: report.data.occurredAt, eventId: report.eventId, contests: [], evidence: [report.eventId] });
        } else if (evidence && position.eventId !== null && says === position.controller) {
          position.evidence.push(report.eventId);
        }
      }
      if (folds && !applied) skipped.push({ eventId: report.eventId, code: report.type === 'PositionCaptured' ? 'ALREADY_CONTROLLED' : 'NOT_CONTROLLED' });
    }
  }
  /** Uncertain: asOf in the window of the report that set the controller, or of the next one of the view (over the whole history after asOf) that changes it. */
  const uncertain = new Map<string, boolean>();
  for (const [id, position] of positions) {
    if (asOfMs < BASELINE_MS) {
      uncertain.set(id, false);
      continue;
    }
    const setter = position.eventId === null ? undefined : byId.get(position.eventId);
    let doubtful = setter !== undefined && windowHolds(setter);
    if (!doubtful) {
      for (const report of incidents) {
        if (Date.parse((report.data as { occurredAt: string }).occurredAt) <= asOfMs) continue;
        if (report.type !== 'PositionCaptured' && report.type !== 'ForcesRetreated') continue;
        if (!report.data.positions.includes(id) || passing(report)?.folds !== true) continue;
        const takes = report.type === 'PositionCaptured' ? position.controller !== report.data.by : position.controller === report.data.by;
        if (!takes) continue;
        doubtful = windowHolds(report);
        break;
      }
    }
    uncertain.set(id, doubtful);
  }
  return {
    positions: [...positions].map(([id, p]) => {
      const cited = p.evidence.flatMap((eventId) => sourcesOf.get(eventId) ?? []);
      return {
        id,
        controller: p.controller,
        since: p.since,
        eventId: p.eventId,
        contested: p.contests.length > 0,
        contestedBy: [...new Set(p.contests.flat())].sort(),
        evidence: {
          reports: p.evidence.length,
          sources: new Set(cited.map((source) => source.name)).size,
          bestReliability: cited.length === 0 ? null : cited.map((source) => source.reliability).sort()[0],
          bestCredibility: cited.length === 0 ? null : Math.min(...cited.map((source) => source.credibility)),
        },
        uncertain: uncertain.get(id)!,
      };
    }),
    skipped,
  };
}

const viewArb: fc.Arbitrary<OracleView> = fc.record(
  {
    reportedByHour: fc.integer({ min: 0, max: 130 }),
    status: fc.constant('confirmed' as const),
    minReliability: fc.constantFrom<Reliability>('A', 'B', 'C', 'D'),
    minCredibility: fc.integer({ min: 1, max: 4 }),
    source: fc.constantFrom(...SOURCES.map((source) => source.name)),
    claims: fc.constantFrom('accepted' as const, 'all' as const),
    admin: fc.boolean(),
  },
  { requiredKeys: ['claims', 'admin'] },
).map(({ reportedByHour, ...rest }) => ({ ...rest, ...(reportedByHour !== undefined && { reportedByMs: BASELINE_MS + reportedByHour * HOUR }) }));

const toPerspective = (view: OracleView): Perspective => {
  const { admin, ...rest } = view;
  return { ...rest, matchProtected: admin };
};

describe('claims: every control answer against a naive fold of DESIGN.md', () => {
  let dir: string;
  let run = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claims-oracle-'));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  const withModel = (log: readonly Positioned<NeighbourhoodEvent>[], use: (reader: NeighbourhoodControlReader) => void): void => {
    run += 1;
    const file = ReadModelFile.create(join(dir, `run-${run}.sqlite`), neighbourhoodControlReadModel);
    try {
      file.applyBatch(log.map(toRecorded));
      file.createDeferredIndexes();
      use(new NeighbourhoodControlReader(file.db));
    } finally {
      file.close();
    }
  };

  const instantsArb = fc.array(fc.tuple(fc.integer({ min: -2, max: 100 }), fc.integer({ min: 95, max: 220 })), { minLength: 1, maxLength: 5 });

  it('the default view is the fold of the accepted timeline, with the evidence and contests the rules give', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), instantsArb, (steps, instants) => {
        const log = toLog(steps);
        withModel(log, (reader) => {
          for (const [asOfHour, knownAtHour] of instants) {
            const asOfMs = BASELINE_MS + asOfHour * HOUR;
            const knownAtMs = BASELINE_MS + knownAtHour * HOUR;
            const neighbourhood = reader.neighbourhood(N, knownAtMs);
            if (neighbourhood === undefined) continue;
            const answer = reader.control(neighbourhood, { asOfMs, knownAtMs }, new Map());
            const expected = oracle(log, asOfMs, knownAtMs, { claims: 'accepted', admin: false });
            expect(answer.positions.map(comparable)).toEqual(expected.positions);
            // The accepted timeline never skips: the decider keeps every report of it possible.
            expect(expected.skipped).toEqual([]);
            expect(answer.skipped).toEqual([]);
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('every perspective equals the naive fold of the reports that pass it, skipped reports included', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), instantsArb, viewArb, (steps, instants, view) => {
        const log = toLog(steps);
        withModel(log, (reader) => {
          for (const [asOfHour, knownAtHour] of instants) {
            const asOfMs = BASELINE_MS + asOfHour * HOUR;
            const knownAtMs = BASELINE_MS + knownAtHour * HOUR;
            const neighbourhood = reader.neighbourhood(N, knownAtMs);
            if (neighbourhood === undefined) continue;
            const answer = reader.control(neighbourhood, { asOfMs, knownAtMs }, new Map(), toPerspective(view));
            const expected = oracle(log, asOfMs, knownAtMs, view);
            expect(answer.positions.map(comparable)).toEqual(expected.positions);
            expect(answer.skipped).toEqual(expected.skipped);
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('a perspective that lets every report through equals the default view, with nothing skipped', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), instantsArb, (steps, instants) => {
        const log = toLog(steps);
        withModel(log, (reader) => {
          for (const [asOfHour, knownAtHour] of instants) {
            const time = { asOfMs: BASELINE_MS + asOfHour * HOUR, knownAtMs: BASELINE_MS + knownAtHour * HOUR };
            const neighbourhood = reader.neighbourhood(N, time.knownAtMs);
            if (neighbourhood === undefined) continue;
            const open = reader.control(neighbourhood, time, new Map(), { claims: 'accepted', matchProtected: true });
            expect(open.skipped).toEqual([]);
            expect(open.positions).toEqual(reader.control(neighbourhood, time, new Map()).positions);
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('the generated logs and instants give positions both certain and uncertain, in the default view and in perspectives', () => {
    const seen = new Set<string>();
    const samples = fc.sample(fc.tuple(fc.array(stepArb, { minLength: 10, maxLength: 40 }), instantsArb, viewArb), { numRuns: 60, seed: 5 });
    for (const [steps, instants, view] of samples) {
      const log = toLog(steps);
      for (const [asOfHour, knownAtHour] of instants) {
        const time = [BASELINE_MS + asOfHour * HOUR, BASELINE_MS + knownAtHour * HOUR] as const;
        // Nothing is known before the registration is recorded.
        if (time[1] < RECORDING_START_MS) continue;
        for (const [name, answer] of [['default', oracle(log, ...time, { claims: 'accepted', admin: false })], ['perspective', oracle(log, ...time, view)]] as const) {
          for (const position of answer.positions) seen.add(`${name} ${position.uncertain} ${position.eventId === null ? 'baseline' : 'report'}`);
        }
      }
    }
    // An uncertain position held since the baseline can only be so because of the next change.
    expect([...seen].sort()).toEqual(
      ['baseline', 'report'].flatMap((held) => ['default', 'perspective'].flatMap((name) => [`${name} false ${held}`, `${name} true ${held}`])).sort(),
    );
  });

  it('the generated logs hold every standing, assessments and retractions (the comparisons above are not vacuous)', () => {
    const seen = new Set<string>();
    for (const steps of fc.sample(fc.array(stepArb, { minLength: 20, maxLength: 40 }), { numRuns: 60, seed: 3 })) {
      for (const event of toLog(steps)) {
        seen.add(event.type);
        if (event.type === 'PositionCaptured' || event.type === 'ForcesRetreated') seen.add(event.data.standing ?? 'accepted');
        if (event.type === 'ReportAssessed') seen.add(`${event.data.status}${event.data.promoted === true ? ' promoted' : ''}`);
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'AttackLaunched',
        'ForcesRetreated',
        'NeighbourhoodRegistered',
        'PositionCaptured',
        'ReportAssessed',
        'ReportRetracted',
        'accepted',
        'confirmed',
        'confirmed promoted',
        'conflicting',
        'corroborating',
        'disputed',
        'disputed promoted',
        'refuted',
      ].sort(),
    );
  });
});

function comparable(position: {
  id: string;
  controller: string | null;
  since: string | null;
  eventId: string | null;
  contested: boolean;
  contestedBy: readonly string[];
  evidence: unknown;
  uncertain: boolean;
}) {
  const { id, controller, since, eventId, contested, contestedBy, evidence, uncertain } = position;
  return { id, controller, since, eventId, contested, contestedBy: [...contestedBy], evidence, uncertain };
}
