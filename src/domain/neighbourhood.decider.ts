import { DomainError } from './domain-error.js';
import type {
  AddPositions,
  CapturePosition,
  IncidentCommandFields,
  LaunchAttack,
  LaunchCounterattack,
  NeighbourhoodCommand,
  PositionSpecInput,
  RegisterNeighbourhood,
  ReportCasualties,
  Retreat,
  RetractReport,
} from './neighbourhood.commands.js';
import type { IncidentFields, IncidentType, NeighbourhoodEvent, PositionSpec } from './neighbourhood.events.js';
import {
  type ControlChange,
  type NeighbourhoodState,
  type PositionState,
  controllerBefore,
  nextChangeAfter,
} from './neighbourhood.state.js';

/** Reports may be stamped slightly ahead of the server's clock; beyond this they are refused. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface DecisionContext {
  /** The server's clock when the command arrived, epoch milliseconds. */
  readonly now: number;
  /** Which of the actors the command refers to are registered. */
  readonly knownActors: ReadonlySet<string>;
}

/**
 * A command has not been appended yet, so it sorts after every recorded event that shares its
 * occurredAt: its log position will be the highest.
 */
const NEW_EVENT_POSITION = Number.POSITIVE_INFINITY;

export function decideNeighbourhood(
  command: NeighbourhoodCommand,
  state: NeighbourhoodState,
  context: DecisionContext,
): NeighbourhoodEvent[] {
  if (command.type === 'RegisterNeighbourhood') return registerNeighbourhood(command, state, context);
  if (!state.registered) {
    throw new DomainError('NEIGHBOURHOOD_NOT_FOUND', `neighbourhood ${command.neighbourhoodId} is not registered`);
  }
  switch (command.type) {
    case 'AddPositions':
      return addPositions(command, state, context);
    case 'LaunchAttack':
      return launchAttack(command, state, context);
    case 'CapturePosition':
      return capturePosition(command, state, context);
    case 'LaunchCounterattack':
      return launchCounterattack(command, state, context);
    case 'Retreat':
      return retreat(command, state, context);
    case 'ReportCasualties':
      return reportCasualties(command, state, context);
    case 'RetractReport':
      return retractReport(command, state);
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function registerNeighbourhood(
  command: RegisterNeighbourhood,
  state: NeighbourhoodState,
  context: DecisionContext,
): NeighbourhoodEvent[] {
  if (state.registered) {
    throw new DomainError('ALREADY_EXISTS', `neighbourhood ${command.neighbourhoodId} is already registered`);
  }
  const controlAsOf = parseInstant(command.controlAsOf, 'controlAsOf');
  if (controlAsOf > context.now + MAX_CLOCK_SKEW_MS) {
    throw new DomainError('OCCURRED_IN_FUTURE', `controlAsOf ${command.controlAsOf} is in the future`);
  }
  const positions = positionSpecs(command.positions, new Map(), context);
  const { type: _type, ...data } = command;
  return [{ type: 'NeighbourhoodRegistered', data: { ...data, positions } }];
}

function addPositions(command: AddPositions, state: NeighbourhoodState, context: DecisionContext): NeighbourhoodEvent[] {
  const positions = positionSpecs(command.positions, state.positions, context);
  return [{ type: 'PositionsAdded', data: { neighbourhoodId: command.neighbourhoodId, positions } }];
}

function positionSpecs(
  inputs: readonly PositionSpecInput[],
  existing: ReadonlyMap<string, PositionState>,
  context: DecisionContext,
): PositionSpec[] {
  if (inputs.length === 0) throw new DomainError('INVALID_COMMAND', 'at least one position is required');
  const seen = new Set<string>();
  for (const input of inputs) {
    if (existing.has(input.id)) throw new DomainError('ALREADY_EXISTS', `position ${input.id} already exists`);
    if (seen.has(input.id)) throw new DomainError('INVALID_COMMAND', `position ${input.id} is listed twice`);
    seen.add(input.id);
    if (input.controller) requireActors([input.controller], context);
  }
  return inputs.map((input) => ({ ...input, weight: input.weight ?? 1, controller: input.controller ?? null }));
}

function launchAttack(command: LaunchAttack, state: NeighbourhoodState, context: DecisionContext): NeighbourhoodEvent[] {
  const incident = incidentFields(command, state, context);
  requireActors([...command.attackers, ...command.defenders], context);
  const overlap = command.attackers.filter((a) => command.defenders.includes(a));
  if (overlap.length > 0) {
    throw new DomainError('INVALID_COMMAND', `an actor cannot attack itself: ${overlap.join(', ')}`);
  }
  const targets = command.targets ?? [];
  requirePositions(targets, state);
  return [
    {
      type: 'AttackLaunched',
      data: {
        neighbourhoodId: command.neighbourhoodId,
        attackers: command.attackers,
        defenders: command.defenders,
        targets,
        ...optional('origin', command.origin),
        ...incident,
      },
    },
  ];
}

function capturePosition(
  command: CapturePosition,
  state: NeighbourhoodState,
  context: DecisionContext,
): NeighbourhoodEvent[] {
  const incident = incidentFields(command, state, context);
  requireActors([command.by], context);
  const positions = requirePositions(command.positions, state, { nonEmpty: true });
  if (command.attackId !== undefined) {
    requireIncident(state, command.attackId, ['AttackLaunched', 'CounterattackLaunched'], 'attackId');
  }
  const at = Date.parse(incident.occurredAt);
  const from: Record<string, string | null> = {};
  for (const position of positions) {
    const holder = controllerBefore(position, at, NEW_EVENT_POSITION);
    if (holder === command.by) {
      throw new DomainError('ALREADY_CONTROLLED', `${command.by} already controls ${position.spec.id} at ${incident.occurredAt}`, [
        { positionId: position.spec.id, controller: holder },
      ]);
    }
    from[position.spec.id] = holder;
  }
  refuseTimelineConflicts(positions, at, NEW_EVENT_POSITION, () => command.by);
  return [
    {
      type: 'PositionCaptured',
      data: {
        neighbourhoodId: command.neighbourhoodId,
        by: command.by,
        positions: command.positions,
        from,
        ...optional('attackId', command.attackId),
        ...incident,
      },
    },
  ];
}

function launchCounterattack(
  command: LaunchCounterattack,
  state: NeighbourhoodState,
  context: DecisionContext,
): NeighbourhoodEvent[] {
  const incident = incidentFields(command, state, context);
  requireActors([command.by, command.against], context);
  if (command.by === command.against) throw new DomainError('INVALID_COMMAND', 'an actor cannot counterattack itself');
  const targets = command.targets ?? [];
  requirePositions(targets, state);
  if (command.inResponseTo !== undefined) {
    requireIncident(state, command.inResponseTo, ['AttackLaunched'], 'inResponseTo');
  }
  return [
    {
      type: 'CounterattackLaunched',
      data: {
        neighbourhoodId: command.neighbourhoodId,
        by: command.by,
        against: command.against,
        targets,
        ...optional('inResponseTo', command.inResponseTo),
        ...incident,
      },
    },
  ];
}

function retreat(command: Retreat, state: NeighbourhoodState, context: DecisionContext): NeighbourhoodEvent[] {
  const incident = incidentFields(command, state, context);
  requireActors(command.yieldedTo ? [command.by, command.yieldedTo] : [command.by], context);
  if (command.yieldedTo === command.by) throw new DomainError('INVALID_COMMAND', 'an actor cannot yield to itself');
  const positions = requirePositions(command.positions, state, { nonEmpty: true });
  const at = Date.parse(incident.occurredAt);
  for (const position of positions) {
    const holder = controllerBefore(position, at, NEW_EVENT_POSITION);
    if (holder !== command.by) {
      throw new DomainError('NOT_CONTROLLED', `${command.by} does not control ${position.spec.id} at ${incident.occurredAt}`, [
        { positionId: position.spec.id, controller: holder },
      ]);
    }
  }
  const successor = command.yieldedTo ?? null;
  refuseTimelineConflicts(positions, at, NEW_EVENT_POSITION, () => successor);
  return [
    {
      type: 'ForcesRetreated',
      data: {
        neighbourhoodId: command.neighbourhoodId,
        by: command.by,
        positions: command.positions,
        ...optional('yieldedTo', command.yieldedTo),
        ...incident,
      },
    },
  ];
}

function reportCasualties(
  command: ReportCasualties,
  state: NeighbourhoodState,
  context: DecisionContext,
): NeighbourhoodEvent[] {
  const incident = incidentFields(command, state, context);
  if (command.actor !== undefined) requireActors([command.actor], context);
  for (const [label, figure] of [['killed', command.killed], ['wounded', command.wounded]] as const) {
    if (figure && ((figure.low ?? figure.best) > figure.best || (figure.high ?? figure.best) < figure.best)) {
      throw new DomainError('INVALID_COMMAND', `${label}: low <= best <= high must hold`);
    }
  }
  return [
    {
      type: 'CasualtiesReported',
      data: {
        neighbourhoodId: command.neighbourhoodId,
        ...optional('actor', command.actor),
        killed: command.killed,
        ...optional('wounded', command.wounded),
        ...incident,
      },
    },
  ];
}

function retractReport(command: RetractReport, state: NeighbourhoodState): NeighbourhoodEvent[] {
  const incident = state.incidents.get(command.eventId);
  if (!incident) {
    throw new DomainError('EVENT_NOT_FOUND', `no incident ${command.eventId} in neighbourhood ${command.neighbourhoodId}`);
  }
  if (incident.retracted) throw new DomainError('ALREADY_EXISTS', `incident ${command.eventId} is already retracted`);
  if (incident.type === 'PositionCaptured' || incident.type === 'ForcesRetreated') {
    const positions = incident.positionIds.flatMap((id) => state.positions.get(id) ?? []);
    // Without the retracted change, each position keeps whoever held it just before.
    refuseTimelineConflicts(positions, incident.at, incident.position, (position) =>
      controllerBefore(position, incident.at, incident.position),
    );
  }
  return [
    {
      type: 'ReportRetracted',
      data: {
        neighbourhoodId: command.neighbourhoodId,
        eventId: command.eventId,
        retractedType: incident.type,
        reason: command.reason,
      },
    },
  ];
}

/**
 * A change inserted (or removed) at (at, position) alters who holds each position until its
 * next recorded change. Only that next change can become impossible: it sets the controller
 * itself, so everything after it is unaffected.
 */
function refuseTimelineConflicts(
  positions: readonly PositionState[],
  at: number,
  position: number,
  holderAfter: (position: PositionState) => string | null,
): void {
  const conflicts: Record<string, unknown>[] = [];
  for (const positionState of positions) {
    const next = nextChangeAfter(positionState, at, position);
    if (!next) continue;
    const holder = holderAfter(positionState);
    const problem = impossibility(next, holder);
    if (problem) {
      conflicts.push({
        eventId: next.eventId,
        type: next.type,
        occurredAt: new Date(next.at).toISOString(),
        positionId: positionState.spec.id,
        problem,
      });
    }
  }
  if (conflicts.length > 0) {
    const ids = [...new Set(conflicts.map((c) => c.eventId as string))];
    throw new DomainError('TIMELINE_CONFLICT', `this would make later recorded events impossible: ${ids.join(', ')}`, conflicts);
  }
}

function impossibility(change: ControlChange, holder: string | null): 'ALREADY_CONTROLLED' | 'NOT_CONTROLLED' | undefined {
  if (change.type === 'PositionCaptured') return holder === change.actor ? 'ALREADY_CONTROLLED' : undefined;
  return holder === change.actor ? undefined : 'NOT_CONTROLLED';
}

function incidentFields(
  command: IncidentCommandFields,
  state: NeighbourhoodState,
  context: DecisionContext,
): IncidentFields {
  const at = parseInstant(command.occurredAt, 'occurredAt');
  if (at > context.now + MAX_CLOCK_SKEW_MS) {
    throw new DomainError('OCCURRED_IN_FUTURE', `occurredAt ${command.occurredAt} is in the future`);
  }
  if (at < state.controlAsOf) {
    throw new DomainError(
      'BEFORE_BASELINE',
      `occurredAt ${command.occurredAt} is before the neighbourhood's baseline ${new Date(state.controlAsOf).toISOString()}`,
    );
  }
  if (command.sources.length === 0) throw new DomainError('INVALID_COMMAND', 'at least one source is required');
  return {
    occurredAt: command.occurredAt,
    timePrecision: command.timePrecision ?? 'exact',
    sources: command.sources,
    ...optional('notes', command.notes),
  };
}

function parseInstant(value: string, field: string): number {
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new DomainError('INVALID_COMMAND', `${field} is not an ISO 8601 instant`);
  return at;
}

function requireActors(actorIds: readonly string[], context: DecisionContext): void {
  const unknown = [...new Set(actorIds.filter((id) => !context.knownActors.has(id)))];
  if (unknown.length > 0) {
    throw new DomainError(
      'ACTOR_UNKNOWN',
      `unknown actor(s): ${listed(unknown)}`,
      unknown.slice(0, MAX_LISTED_IDS).map((actorId) => ({ actorId })),
    );
  }
}

function requirePositions(
  positionIds: readonly string[],
  state: NeighbourhoodState,
  options: { nonEmpty?: boolean } = {},
): PositionState[] {
  if (options.nonEmpty && positionIds.length === 0) {
    throw new DomainError('INVALID_COMMAND', 'at least one position is required');
  }
  if (new Set(positionIds).size !== positionIds.length) {
    throw new DomainError('INVALID_COMMAND', 'a position is listed twice');
  }
  const unknown = positionIds.filter((id) => !state.positions.has(id));
  if (unknown.length > 0) {
    throw new DomainError(
      'POSITION_UNKNOWN',
      `unknown position(s) in ${state.neighbourhoodId}: ${listed(unknown)}`,
      unknown.slice(0, MAX_LISTED_IDS).map((positionId) => ({ positionId })),
    );
  }
  return positionIds.map((id) => state.positions.get(id)!);
}

function requireIncident(state: NeighbourhoodState, eventId: string, types: readonly IncidentType[], field: string): void {
  const incident = state.incidents.get(eventId);
  if (!incident || incident.retracted || !types.includes(incident.type)) {
    throw new DomainError('EVENT_NOT_FOUND', `${field}: no ${types.join(' or ')} ${eventId} in ${state.neighbourhoodId}`);
  }
}

/** A refusal names this many ids at most: a command may carry a thousand unknown ones. */
const MAX_LISTED_IDS = 20;

function listed(ids: readonly string[]): string {
  const shown = ids.slice(0, MAX_LISTED_IDS).join(', ');
  return ids.length > MAX_LISTED_IDS ? `${shown} and ${ids.length - MAX_LISTED_IDS} more` : shown;
}

/** Leaves absent optional fields out of event data instead of storing `undefined`. */
function optional<K extends string, V>(key: K, value: V | undefined | null): Partial<Record<K, V>> {
  return value === undefined || value === null ? {} : ({ [key]: value } as Record<K, V>);
}
