import fc from 'fast-check';
import {
  type ControlSummary,
  DomainError,
  type FoldReport,
  type NeighbourhoodCommand,
  type NeighbourhoodEvent,
  type PositionStanding,
  type Positioned,
  decideNeighbourhood,
  evolveNeighbourhood,
  foldReports,
  foldsInAcceptedTimeline,
  initialNeighbourhoodState,
  summarizeControl,
} from '../../domain/index.js';
import type { RecordedEvent } from '../../event-store/index.js';
import { LiveFold } from './live-fold.js';
import type { LiveMessage } from './live-message.js';

/*
 * The control messages of the live feed against an independent oracle: after every event, the
 * domain's whole-view fold (`foldReports`, as perspectives use it) over every report that folds in
 * the accepted timeline, summarised. Histories come from the real decider, fed random commands
 * (captures and retreats recorded as claims too, late reports, attacks, retractions, assessments).
 */

const N = 'n1';
const ACTORS = { a: 'side-a', b: 'side-b', c: 'side-a' } as const;
const ACTOR_IDS = Object.keys(ACTORS) as (keyof typeof ACTORS)[];
const POSITIONS = ['p1', 'p2', 'p3', 'p4'];
const BASELINE = Date.parse('2018-01-01T00:00:00Z');
const NOW = Date.parse('2019-01-01T00:00:00Z');
const source = { name: 'field', kind: 'field', reliability: 'C' as const, credibility: 3 as const };

type Step =
  | { kind: 'capture' | 'retreat'; actor: number; yieldedTo: number; positions: number[]; hour: number; record: boolean }
  | { kind: 'attack' | 'counterattack'; actor: number; other: number; positions: number[]; hour: number }
  | { kind: 'casualties'; hour: number }
  | { kind: 'retract'; target: number }
  | { kind: 'assess'; target: number; status: 'confirmed' | 'disputed' | 'refuted' }
  | { kind: 'add-position'; weight: number; controller: number };

const actorIndex = fc.integer({ min: 0, max: ACTOR_IDS.length });
const positionSet = fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 3 });
const hour = fc.integer({ min: 1, max: 200 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('capture' as const, 'retreat' as const), actor: actorIndex, yieldedTo: actorIndex, positions: positionSet, hour, record: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('attack' as const, 'counterattack' as const), actor: actorIndex, other: actorIndex, positions: positionSet, hour }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('casualties' as const), hour }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retract' as const), target: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('assess' as const), target: fc.nat(), status: fc.constantFrom('confirmed' as const, 'disputed' as const, 'refuted' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add-position' as const), weight: fc.integer({ min: 1, max: 5 }), controller: actorIndex }) },
);

const actorOf = (index: number): string => ACTOR_IDS[index % ACTOR_IDS.length]!;
const at = (hours: number): string => new Date(BASELINE + hours * 3_600_000).toISOString();

function commandOf(s: Step, positions: readonly string[], incidents: readonly string[]): NeighbourhoodCommand | undefined {
  const pick = (indexes: number[]) => [...new Set(indexes.map((i) => positions[i % positions.length]!))];
  const fields = { neighbourhoodId: N, sources: [source] };
  switch (s.kind) {
    case 'capture':
      return { type: 'CapturePosition', ...fields, by: actorOf(s.actor), positions: pick(s.positions), occurredAt: at(s.hour), ...(s.record && { onConflict: 'record' }) };
    case 'retreat':
      return {
        type: 'Retreat',
        ...fields,
        by: actorOf(s.actor),
        positions: pick(s.positions),
        occurredAt: at(s.hour),
        ...(s.yieldedTo < ACTOR_IDS.length && s.yieldedTo !== s.actor && { yieldedTo: actorOf(s.yieldedTo) }),
        ...(s.record && { onConflict: 'record' }),
      };
    case 'attack':
      return { type: 'LaunchAttack', ...fields, attackers: [actorOf(s.actor)], defenders: [actorOf(s.other + 1 + s.actor)], targets: pick(s.positions), occurredAt: at(s.hour) };
    case 'counterattack':
      return { type: 'LaunchCounterattack', ...fields, by: actorOf(s.actor), against: actorOf(s.other + 1 + s.actor), targets: pick(s.positions), occurredAt: at(s.hour) };
    case 'casualties':
      return { type: 'ReportCasualties', ...fields, killed: { best: 1 }, occurredAt: at(s.hour) };
    case 'retract':
      return incidents.length === 0 ? undefined : { type: 'RetractReport', neighbourhoodId: N, eventId: incidents[s.target % incidents.length]!, reason: 'false report' };
    case 'assess':
      return incidents.length === 0 ? undefined : { type: 'AssessReport', neighbourhoodId: N, eventId: incidents[s.target % incidents.length]!, status: s.status, reason: 'judged' };
    case 'add-position':
      return { type: 'AddPositions', neighbourhoodId: N, positions: [{ id: `p${positions.length + 1}`, name: 'more', weight: s.weight, controller: s.controller < ACTOR_IDS.length ? actorOf(s.controller) : null }] };
  }
}

/** Records the history the decider accepts from the steps, as the log would hold it. */
function history(steps: readonly Step[]): RecordedEvent[] {
  const state = initialNeighbourhoodState();
  const recorded: RecordedEvent[] = [];
  const append = (event: { type: string; data: unknown }, streamId: string): void => {
    const position = recorded.length + 1;
    const eventId = `e${position}`;
    recorded.push({ eventId, type: event.type, streamId, revision: 0, position, data: event.data, metadata: { recordedAt: new Date(NOW).toISOString() } });
    if (streamId === `neighbourhood-${N}`) {
      evolveNeighbourhood(state, { ...(event as NeighbourhoodEvent), eventId, position, recordedAt: new Date(NOW).toISOString() } as Positioned<NeighbourhoodEvent>);
    }
  };
  for (const [id, side] of Object.entries(ACTORS)) append({ type: 'ActorRegistered', data: { actorId: id, name: id, side } }, `actor-${id}`);
  const positions = [...POSITIONS];
  const incidents: string[] = [];
  const commands: NeighbourhoodCommand[] = [
    {
      type: 'RegisterNeighbourhood',
      neighbourhoodId: N,
      name: 'N',
      city: 'C',
      country: 'X',
      controlAsOf: new Date(BASELINE).toISOString(),
      positions: POSITIONS.map((id, index) => ({ id, name: id, weight: index + 1, controller: index === 2 ? null : actorOf(index % 2) })),
    },
  ];
  for (const s of steps) {
    const command = commands.pop() ?? commandOf(s, positions, incidents);
    if (command === undefined) continue;
    let events: NeighbourhoodEvent[];
    try {
      events = decideNeighbourhood(command, state, { now: NOW, knownActors: new Set(ACTOR_IDS) });
    } catch (error) {
      if (error instanceof DomainError) continue;
      throw error;
    }
    for (const event of events) {
      append(event, `neighbourhood-${N}`);
      if (event.type === 'PositionsAdded') positions.push(...event.data.positions.map((p) => p.id));
      if (!['NeighbourhoodRegistered', 'PositionsAdded', 'ReportRetracted', 'ReportAssessed'].includes(event.type)) incidents.push(recorded[recorded.length - 1]!.eventId);
    }
  }
  return recorded;
}

/** The oracle: every report that folds in the accepted timeline, folded from the baseline in one go. */
function oracleSummaries(events: readonly RecordedEvent[]): (string | undefined)[] {
  const state = initialNeighbourhoodState();
  const attackers = new Map<string, readonly string[]>();
  return events.map((recorded) => {
    if (recorded.type === 'ActorRegistered') return undefined;
    const event = { ...(recorded as unknown as NeighbourhoodEvent), eventId: recorded.eventId, position: recorded.position, recordedAt: String(recorded.metadata.recordedAt) } as Positioned<NeighbourhoodEvent>;
    if (event.type === 'AttackLaunched') attackers.set(event.eventId, event.data.attackers);
    if (event.type === 'CounterattackLaunched') attackers.set(event.eventId, [event.data.by]);
    evolveNeighbourhood(state, event);
    const starts = new Map<string, PositionStanding>();
    for (const [id, position] of state.positions) starts.set(id, { controller: position.spec.controller, since: null, eventId: null });
    const reports: FoldReport[] = [...state.incidents.values()]
      .filter((incident) => foldsInAcceptedTimeline(incident))
      .sort((x, y) => x.at - y.at || x.position - y.position)
      .flatMap((incident): FoldReport[] => {
        if (incident.claim !== undefined) {
          const type = incident.type as 'PositionCaptured' | 'ForcesRetreated';
          return [{ kind: 'claim', eventId: incident.eventId, type, ...incident.claim, occurredAt: new Date(incident.at).toISOString(), positionIds: incident.positionIds, folds: true, evidence: true }];
        }
        const by = attackers.get(incident.eventId);
        return by === undefined ? [] : [{ kind: 'contest', eventId: incident.eventId, attackers: by, positionIds: incident.positionIds, folds: true }];
      });
    const folded = foldReports(starts, reports).positions;
    const summary: ControlSummary = summarizeControl(
      [...state.positions].map(([id, position]) => ({ weight: position.spec.weight, controller: folded.get(id)!.controller, contested: folded.get(id)!.contested })),
      (actor) => ACTORS[actor as keyof typeof ACTORS],
    );
    return JSON.stringify(summary);
  });
}

const controlOf = (messages: readonly LiveMessage[]): string | undefined => {
  const control = messages.find((m) => m.kind === 'control');
  if (control === undefined) return undefined;
  const { shares, sideShares, majorityController, contestedPositions } = JSON.parse(control.data('others'));
  return JSON.stringify({ shares, sideShares, majorityController, contestedPositions });
};

describe('LiveFold', () => {
  it('sends a control message exactly where the default control summary changes, with the summary a whole fold gives', () => {
    const seen = new Map<string, number>();
    const count = (what: string): void => void seen.set(what, (seen.get(what) ?? 0) + 1);
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const events = history(steps);
        const expected = oracleSummaries(events);
        const fold = new LiveFold();
        let previous = JSON.stringify(summarizeControl([], () => undefined));
        events.forEach((event, index) => {
          const sent = controlOf(fold.apply(event, true).messages);
          count(event.type);
          if (sent !== undefined) count('control');
          if ((event.data as { standing?: string }).standing === 'conflicting') count('conflicting');
          const summary = expected[index];
          if (summary === undefined) {
            expect(sent).toBeUndefined();
            return;
          }
          expect(sent).toBe(summary === previous ? undefined : summary);
          previous = summary;
        });
      }),
      { numRuns: 150 },
    );
    // The histories exercise what the fold must get right.
    for (const what of ['control', 'PositionCaptured', 'ForcesRetreated', 'AttackLaunched', 'CounterattackLaunched', 'ReportRetracted', 'ReportAssessed', 'PositionsAdded', 'conflicting']) {
      expect({ what, seen: (seen.get(what) ?? 0) > 10 }).toEqual({ what, seen: true });
    }
  });

  it('sends the same messages after a quiet fold of the log before them as a fold that made every message', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), fc.nat(), (steps, cut) => {
        const events = history(steps);
        const start = cut % events.length;
        const loud = new LiveFold();
        const quiet = new LiveFold();
        events.forEach((event, index) => {
          const all = loud.apply(event, true).messages;
          const resumed = quiet.apply(event, index >= start).messages;
          if (index < start) {
            expect(resumed).toEqual([]);
            return;
          }
          expect(resumed.map((m) => [m.id, m.event, m.data('others'), m.data('admin')])).toEqual(all.map((m) => [m.id, m.event, m.data('others'), m.data('admin')]));
        });
      }),
      { numRuns: 100 },
    );
  });

  it('sends no message for webhook registrations', () => {
    const fold = new LiveFold();
    const entry = fold.apply(
      { eventId: 'w', type: 'WebhookRegistered', streamId: 'webhook-w', revision: 0, position: 1, data: { webhookId: 'w', url: 'https://x.example', filter: {}, secret: 's' }, metadata: {} },
      true,
    );
    expect(entry.messages).toEqual([]);
  });
});
