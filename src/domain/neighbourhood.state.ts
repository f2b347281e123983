import type { IncidentEvent, IncidentType, NeighbourhoodEvent, PositionSpec, Positioned } from './neighbourhood.events.js';
import { type ReportStatus, type Standing, foldsInAcceptedTimeline } from './sources.js';

/**
 * What one report of the accepted timeline says of one position, placed in time: a capture (the
 * captor holds it after) or a retreat (`controller` holds it after, nobody when null). It may
 * change the controller, or find the position already as it says (a corroboration).
 */
export interface ControlChange {
  /** occurredAt, epoch milliseconds. */
  readonly at: number;
  /** Log position: breaks ties between reports at the same instant. */
  readonly position: number;
  readonly eventId: string;
  readonly type: 'PositionCaptured' | 'ForcesRetreated';
  /** The captor or the retreating actor. */
  readonly actor: string;
  /** Who holds the position after it. */
  readonly controller: string | null;
}

export interface PositionState {
  readonly spec: PositionSpec;
  /** The accepted timeline's reports on this position, in (at, position) order. */
  readonly history: ControlChange[];
}

export interface IncidentRecord {
  readonly eventId: string;
  readonly type: IncidentType;
  readonly at: number;
  readonly position: number;
  readonly positionIds: readonly string[];
  /** The captor or retreating actor, and who holds the positions after it: for captures and retreats. */
  readonly claim?: { readonly actor: string; readonly controller: string | null };
  standing: Standing;
  status: ReportStatus;
  retracted: boolean;
}

export interface NeighbourhoodState {
  registered: boolean;
  neighbourhoodId: string;
  /** The baseline instant, epoch milliseconds. */
  controlAsOf: number;
  readonly positions: Map<string, PositionState>;
  readonly incidents: Map<string, IncidentRecord>;
}

export const initialNeighbourhoodState = (): NeighbourhoodState => ({
  registered: false,
  neighbourhoodId: '',
  controlAsOf: Number.NEGATIVE_INFINITY,
  positions: new Map(),
  incidents: new Map(),
});

/** Total order of the timeline: occurredAt first, then the log position. */
const compareChange = (at: number, position: number, change: ControlChange): number =>
  at !== change.at ? at - change.at : position - change.position;

/** Index of the first change strictly after (at, position). */
function upperBound(history: readonly ControlChange[], at: number, position: number): number {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareChange(at, position, history[mid]!) >= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first change at or after (at, position). */
function lowerBound(history: readonly ControlChange[], at: number, position: number): number {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareChange(at, position, history[mid]!) > 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Who held the position just before (at, position), that report excluded. Every report of the
 * accepted timeline leaves the position held as it says (the decider keeps it so), so the
 * holder is what the report before says.
 */
export function controllerBefore(state: PositionState, at: number, position: number): string | null {
  const index = lowerBound(state.history, at, position);
  return index === 0 ? state.spec.controller : state.history[index - 1]!.controller;
}

/**
 * The accepted event that made the position held as it is just before (at, position): the first
 * of the reports before that all say the same holder, or null when it has been so since the
 * baseline.
 */
export function setterBefore(state: PositionState, at: number, position: number): string | null {
  let index = lowerBound(state.history, at, position);
  if (index === 0) return null;
  const holder = state.history[index - 1]!.controller;
  while (index > 0 && state.history[index - 1]!.controller === holder) index -= 1;
  return index === 0 && state.spec.controller === holder ? null : state.history[index]!.eventId;
}

/** The first report strictly after (at, position), if any. */
export function nextChangeAfter(state: PositionState, at: number, position: number): ControlChange | undefined {
  return state.history[upperBound(state.history, at, position)];
}

function insertChange(history: ControlChange[], change: ControlChange): void {
  const index = upperBound(history, change.at, change.position);
  // Appending in time order is the common case; splice only for late reports.
  if (index === history.length) history.push(change);
  else history.splice(index, 0, change);
}

function removeChange(history: ControlChange[], incident: IncidentRecord): void {
  const index = lowerBound(history, incident.at, incident.position);
  if (history[index]?.eventId === incident.eventId) history.splice(index, 1);
}

function positionsOf(event: IncidentEvent): readonly string[] {
  switch (event.type) {
    case 'PositionCaptured':
    case 'ForcesRetreated':
      return event.data.positions;
    case 'AttackLaunched':
    case 'CounterattackLaunched':
      return event.data.targets;
    case 'CasualtiesReported':
      return [];
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function claimOf(event: IncidentEvent): IncidentRecord['claim'] {
  switch (event.type) {
    case 'PositionCaptured':
      return { actor: event.data.by, controller: event.data.by };
    case 'ForcesRetreated':
      return { actor: event.data.by, controller: event.data.yieldedTo ?? null };
    default:
      return undefined;
  }
}

/** The standing a report was recorded with; reports recorded before claims existed are accepted. */
export function recordedStanding(event: IncidentEvent): Standing {
  return event.type === 'PositionCaptured' || event.type === 'ForcesRetreated' ? (event.data.standing ?? 'accepted') : 'accepted';
}

/** Puts the report's claims into, or takes them out of, the accepted timeline. */
function place(state: NeighbourhoodState, incident: IncidentRecord, into: boolean): void {
  const claim = incident.claim;
  if (claim === undefined) return;
  for (const id of incident.positionIds) {
    const positionState = state.positions.get(id);
    if (positionState === undefined) continue;
    if (into) {
      insertChange(positionState.history, {
        at: incident.at,
        position: incident.position,
        eventId: incident.eventId,
        type: incident.type as ControlChange['type'],
        ...claim,
      });
    } else {
      removeChange(positionState.history, incident);
    }
  }
}

/**
 * Folds one event into the state. The fold owns the state: it is updated in place and
 * returned, so folding a long stream costs O(n log n) rather than a copy per event. A caller
 * that needs an older state folds again; nobody keeps references to superseded states.
 */
export function evolveNeighbourhood(
  state: NeighbourhoodState,
  event: Positioned<NeighbourhoodEvent>,
): NeighbourhoodState {
  switch (event.type) {
    case 'NeighbourhoodRegistered':
      state.registered = true;
      state.neighbourhoodId = event.data.neighbourhoodId;
      state.controlAsOf = Date.parse(event.data.controlAsOf);
      for (const spec of event.data.positions) state.positions.set(spec.id, { spec, history: [] });
      return state;
    case 'PositionsAdded':
      for (const spec of event.data.positions) state.positions.set(spec.id, { spec, history: [] });
      return state;
    case 'AttackLaunched':
    case 'PositionCaptured':
    case 'CounterattackLaunched':
    case 'ForcesRetreated':
    case 'CasualtiesReported': {
      const incident: IncidentRecord = {
        eventId: event.eventId,
        type: event.type,
        at: Date.parse(event.data.occurredAt),
        position: event.position,
        positionIds: positionsOf(event),
        ...(claimOf(event) !== undefined && { claim: claimOf(event) }),
        standing: recordedStanding(event),
        status: 'unverified',
        retracted: false,
      };
      state.incidents.set(event.eventId, incident);
      if (foldsInAcceptedTimeline(incident)) place(state, incident, true);
      return state;
    }
    case 'ReportRetracted': {
      const incident = state.incidents.get(event.data.eventId);
      if (!incident) return state;
      if (foldsInAcceptedTimeline(incident)) place(state, incident, false);
      incident.retracted = true;
      return state;
    }
    case 'ReportAssessed': {
      const incident = state.incidents.get(event.data.eventId);
      if (!incident) return state;
      const folded = foldsInAcceptedTimeline(incident);
      incident.status = event.data.status;
      incident.standing = event.data.standing;
      const folds = foldsInAcceptedTimeline(incident);
      if (folded !== folds) place(state, incident, folds);
      return state;
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
