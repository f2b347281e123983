import {
  type ControlSummary,
  type IncidentRecord,
  type NeighbourhoodEvent,
  type NeighbourhoodState,
  type PositionState,
  type Positioned,
  PositionFold,
  evolveNeighbourhood,
  foldsInAcceptedTimeline,
  initialNeighbourhoodState,
  summarizeControl,
} from '../../domain/index.js';

/** An attack or counterattack on one position, placed in fold order; whether it folds is read off its record. */
interface Contest {
  readonly at: number;
  readonly position: number;
  readonly attackers: readonly string[];
  readonly record: IncidentRecord;
}

interface PositionControl {
  readonly controller: string | null;
  readonly contested: boolean;
}

/** The summary of a neighbourhood that does not exist yet, or has no positions. */
const NOTHING_HELD: ControlSummary = summarizeControl([], () => undefined);

/**
 * The default control summary of one neighbourhood over the log read so far: the accepted
 * timeline (the domain's state, `evolveNeighbourhood`) folded at asOf = +∞ with `PositionFold`,
 * summarised with `summarizeControl`. Each event refolds only the positions it concerns, and each
 * position only from the report that set its current controller (what came before it no longer
 * counts: the setter ends every earlier contest).
 */
export class NeighbourhoodControlTracker {
  private readonly state: NeighbourhoodState = initialNeighbourhoodState();
  private readonly contests = new Map<string, Contest[]>();
  private readonly folded = new Map<string, PositionControl>();
  /** Undefined while stale: events were folded without summaries (a replay up to its start). */
  private summary: ControlSummary | undefined = NOTHING_HELD;
  private summaryText = JSON.stringify(NOTHING_HELD);
  city: string | undefined;

  constructor(readonly neighbourhoodId: string) {}

  /**
   * Folds the event in. With `summarise`, answers the new summary when it differs from the one
   * before the event, else undefined; without, only keeps the state (faster, for a replay).
   */
  apply(
    event: Positioned<NeighbourhoodEvent>,
    summarise: boolean,
    sideOf: (actorId: string) => string | undefined,
  ): ControlSummary | undefined {
    if (!summarise) {
      this.evolve(event);
      this.summary = undefined;
      return undefined;
    }
    if (this.summary === undefined) this.refoldEverything(sideOf);
    const concerned = this.evolve(event);
    for (const id of concerned) {
      const position = this.state.positions.get(id);
      if (position !== undefined) this.folded.set(id, foldPosition(position, this.contests.get(id) ?? []));
    }
    if (concerned.length === 0) return undefined;
    const summary = this.summarise(sideOf);
    const text = JSON.stringify(summary);
    if (text === this.summaryText) return undefined;
    this.summary = summary;
    this.summaryText = text;
    return summary;
  }

  /** Folds the event into the state; answers the positions whose control it may change. */
  private evolve(event: Positioned<NeighbourhoodEvent>): readonly string[] {
    switch (event.type) {
      case 'NeighbourhoodRegistered':
        this.city = event.data.city;
        evolveNeighbourhood(this.state, event);
        return event.data.positions.map((position) => position.id);
      case 'PositionsAdded':
        evolveNeighbourhood(this.state, event);
        return event.data.positions.map((position) => position.id);
      case 'AttackLaunched':
      case 'CounterattackLaunched': {
        evolveNeighbourhood(this.state, event);
        const record = this.state.incidents.get(event.eventId)!;
        const attackers = event.type === 'AttackLaunched' ? event.data.attackers : [event.data.by];
        for (const id of record.positionIds) insertContest(this.contestsOf(id), { at: record.at, position: record.position, attackers, record });
        return record.positionIds;
      }
      case 'PositionCaptured':
      case 'ForcesRetreated':
      case 'CasualtiesReported':
        evolveNeighbourhood(this.state, event);
        return this.state.incidents.get(event.eventId)?.positionIds ?? [];
      case 'ReportRetracted':
      case 'ReportAssessed':
        evolveNeighbourhood(this.state, event);
        return this.state.incidents.get(event.data.eventId)?.positionIds ?? [];
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  }

  private contestsOf(positionId: string): Contest[] {
    let list = this.contests.get(positionId);
    if (list === undefined) {
      list = [];
      this.contests.set(positionId, list);
    }
    return list;
  }

  private refoldEverything(sideOf: (actorId: string) => string | undefined): void {
    this.folded.clear();
    for (const [id, position] of this.state.positions) this.folded.set(id, foldPosition(position, this.contests.get(id) ?? []));
    this.summary = this.summarise(sideOf);
    this.summaryText = JSON.stringify(this.summary);
  }

  private summarise(sideOf: (actorId: string) => string | undefined): ControlSummary {
    const positions = [];
    for (const [id, position] of this.state.positions) {
      const control = this.folded.get(id) ?? { controller: position.spec.controller, contested: false };
      positions.push({ weight: position.spec.weight, controller: control.controller, contested: control.contested });
    }
    return summarizeControl(positions, sideOf);
  }
}

/** Fold order: occurredAt, then log position. */
const before = (a: { at: number; position: number }, b: { at: number; position: number }): boolean =>
  a.at !== b.at ? a.at < b.at : a.position < b.position;

function insertContest(list: Contest[], contest: Contest): void {
  let index = list.length;
  // Reports mostly arrive in time order: look from the end.
  while (index > 0 && before(contest, list[index - 1]!)) index -= 1;
  list.splice(index, 0, contest);
}

/** Index of the first contest at or after (at, position). */
function firstContestFrom(list: readonly Contest[], at: number, position: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid]!, { at, position })) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The position's controller and contest at asOf = +∞. The accepted timeline's reports on it leave
 * it held as they say, so the fold starts at the first report of the last run that names its
 * current controller: that report changed the controller and ended every contest before it.
 */
function foldPosition(position: PositionState, contests: readonly Contest[]): PositionControl {
  const history = position.history;
  let start = history.length;
  let holder = position.spec.controller;
  if (history.length > 0) {
    const current = history[history.length - 1]!.controller;
    start = history.length - 1;
    while (start > 0 && history[start - 1]!.controller === current) start -= 1;
    holder = start === 0 ? position.spec.controller : history[start - 1]!.controller;
  }
  const fold = new PositionFold({ controller: holder, since: null, eventId: null });
  let next = start < history.length && start > 0 ? firstContestFrom(contests, history[start]!.at, history[start]!.position) : 0;
  const contest = (entry: Contest): void => {
    if (foldsInAcceptedTimeline(entry.record)) fold.contest(entry.attackers);
  };
  for (let index = start; index < history.length; index += 1) {
    const change = history[index]!;
    while (next < contests.length && before(contests[next]!, change)) contest(contests[next++]!);
    fold.fold({
      eventId: change.eventId,
      type: change.type,
      actor: change.actor,
      controller: change.controller,
      occurredAt: new Date(change.at).toISOString(),
    });
  }
  while (next < contests.length) contest(contests[next++]!);
  const result = fold.result();
  return { controller: result.controller, contested: result.contested };
}
