import type { IncidentEvent, IncidentType, NeighbourhoodEvent, PositionSpec, Positioned } from './neighbourhood.events.js';

/** A change of controller on one position, placed in time. */
export interface ControlChange {
  /** occurredAt, epoch milliseconds. */
  readonly at: number;
  /** Log position: breaks ties between changes at the same instant. */
  readonly position: number;
  readonly eventId: string;
  readonly type: 'PositionCaptured' | 'ForcesRetreated';
  /** The captor or the retreating actor. */
  readonly actor: string;
  /** Who holds the position after the change. */
  readonly controller: string | null;
}

export interface PositionState {
  readonly spec: PositionSpec;
  /** Control changes in (at, position) order; retracted changes are removed. */
  readonly history: ControlChange[];
}

export interface IncidentRecord {
  readonly eventId: string;
  readonly type: IncidentType;
  readonly at: number;
  readonly position: number;
  readonly positionIds: readonly string[];
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

/** Who held the position just before (at, position), that change excluded. */
export function controllerBefore(state: PositionState, at: number, position: number): string | null {
  const index = lowerBound(state.history, at, position);
  return index === 0 ? state.spec.controller : state.history[index - 1]!.controller;
}

/** The first change strictly after (at, position), if any. */
export function nextChangeAfter(state: PositionState, at: number, position: number): ControlChange | undefined {
  return state.history[upperBound(state.history, at, position)];
}

function insertChange(history: ControlChange[], change: ControlChange): void {
  const index = upperBound(history, change.at, change.position);
  // Appending in time order is the common case; splice only for late reports.
  if (index === history.length) history.push(change);
  else history.splice(index, 0, change);
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

function controlChangeOf(event: Positioned<IncidentEvent>, at: number): Omit<ControlChange, 'position'> | undefined {
  switch (event.type) {
    case 'PositionCaptured':
      return { at, eventId: event.eventId, type: event.type, actor: event.data.by, controller: event.data.by };
    case 'ForcesRetreated':
      return {
        at,
        eventId: event.eventId,
        type: event.type,
        actor: event.data.by,
        controller: event.data.yieldedTo ?? null,
      };
    default:
      return undefined;
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
      const at = Date.parse(event.data.occurredAt);
      const positionIds = positionsOf(event);
      state.incidents.set(event.eventId, {
        eventId: event.eventId,
        type: event.type,
        at,
        position: event.position,
        positionIds,
        retracted: false,
      });
      const change = controlChangeOf(event, at);
      if (change) {
        for (const id of positionIds) {
          const positionState = state.positions.get(id);
          if (positionState) insertChange(positionState.history, { ...change, position: event.position });
        }
      }
      return state;
    }
    case 'ReportRetracted': {
      const incident = state.incidents.get(event.data.eventId);
      if (!incident) return state;
      incident.retracted = true;
      for (const id of incident.positionIds) {
        const positionState = state.positions.get(id);
        if (!positionState) continue;
        const index = lowerBound(positionState.history, incident.at, incident.position);
        if (positionState.history[index]?.eventId === incident.eventId) positionState.history.splice(index, 1);
      }
      return state;
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
