import type { ActorKind } from './actor.js';
import { DomainError } from './domain-error.js';
import type {
  AddPositions,
  AssessReport,
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
import type { ConflictCode, IncidentFields, IncidentType, NeighbourhoodEvent, PositionSpec } from './neighbourhood.events.js';
import {
  type ControlChange,
  type IncidentRecord,
  type NeighbourhoodState,
  type PositionState,
  controllerBefore,
  nextChangeAfter,
  setterBefore,
} from './neighbourhood.state.js';
import { type Source, type Standing, foldsInAcceptedTimeline, precisionWindowStart } from './sources.js';

/** Reports may be stamped slightly ahead of the server's clock; beyond this they are refused. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface DecisionContext {
  /** The server's clock when the command arrived, epoch milliseconds. */
  readonly now: number;
  /** Which of the actors the command refers to are registered. */
  readonly knownActors: ReadonlySet<string>;
  /** The kinds of the actors the command refers to, where registered with one. */
  readonly actorKinds?: ReadonlyMap<string, ActorKind>;
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
    case 'AssessReport':
      return assessReport(command, state);
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
  const defenders = command.defenders ?? [];
  requireActors([...command.attackers, ...defenders], context);
  refuseSelfAttack(command.attackers.filter((a) => defenders.includes(a)), context);
  const targets = command.targets ?? [];
  requirePositions(targets, state);
  return [
    {
      type: 'AttackLaunched',
      data: {
        neighbourhoodId: command.neighbourhoodId,
        attackers: command.attackers,
        defenders,
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
  const record = command.onConflict === 'record';
  const from: Record<string, string | null> = {};
  for (const position of positions) {
    const holder = controllerBefore(position, at, NEW_EVENT_POSITION);
    if (holder === command.by && !record) {
      throw new DomainError('ALREADY_CONTROLLED', `${command.by} already controls ${position.spec.id} at ${incident.occurredAt}`, [
        { positionId: position.spec.id, controller: holder },
      ]);
    }
    from[position.spec.id] = holder;
  }
  const claim = { actor: command.by, controller: command.by };
  const standing = record ? claimStanding(positions, at, NEW_EVENT_POSITION, claim) : refuseConflicts(positions, at, NEW_EVENT_POSITION, claim);
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
        ...claimFields(standing),
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
  requireActors(command.against === undefined ? [command.by] : [command.by, command.against], context);
  if (command.by === command.against) refuseSelfAttack([command.by], context, 'counterattack');
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
        ...optional('against', command.against),
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
  const claim = { actor: command.by, controller: command.yieldedTo ?? null };
  let standing: ClaimOutcome;
  if (command.onConflict === 'record') {
    standing = claimStanding(positions, at, NEW_EVENT_POSITION, claim);
  } else {
    for (const position of positions) {
      const holder = controllerBefore(position, at, NEW_EVENT_POSITION);
      if (holder !== command.by) {
        throw new DomainError('NOT_CONTROLLED', `${command.by} does not control ${position.spec.id} at ${incident.occurredAt}`, [
          { positionId: position.spec.id, controller: holder },
        ]);
      }
    }
    standing = refuseConflicts(positions, at, NEW_EVENT_POSITION, claim);
  }
  return [
    {
      type: 'ForcesRetreated',
      data: {
        neighbourhoodId: command.neighbourhoodId,
        by: command.by,
        positions: command.positions,
        ...optional('yieldedTo', command.yieldedTo),
        ...incident,
        ...claimFields(standing),
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
  refuseWithdrawal(state, incident);
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
 * An editor's judgement. Refuting a report of the accepted timeline takes it out as a retraction
 * does, and is refused in the same cases. Confirming a conflicting report, or taking any report
 * out of `refuted`, checks it again at its own place in time: it stands as `accepted` (or
 * `corroborating`, when every position already stands as it claims), or nothing is written and
 * TIMELINE_CONFLICT names what blocks it.
 */
function assessReport(command: AssessReport, state: NeighbourhoodState): NeighbourhoodEvent[] {
  const incident = state.incidents.get(command.eventId);
  if (!incident) {
    throw new DomainError('EVENT_NOT_FOUND', `no incident ${command.eventId} in neighbourhood ${command.neighbourhoodId}`);
  }
  if (incident.retracted) throw new DomainError('REPORT_RETRACTED', `incident ${command.eventId} was retracted: it cannot be assessed`);
  if (incident.status === command.status) {
    throw new DomainError('ALREADY_EXISTS', `incident ${command.eventId} is already ${command.status}`);
  }
  let standing: Standing = incident.standing;
  let promoted = false;
  let corroborates: readonly string[] | undefined;
  if (command.status === 'refuted') {
    refuseWithdrawal(state, incident);
  } else {
    const promotes = incident.status === 'refuted' || (command.status === 'confirmed' && incident.standing === 'conflicting');
    if (promotes && incident.claim !== undefined) {
      const positions = incident.positionIds.flatMap((id) => state.positions.get(id) ?? []);
      const outcome = claimStanding(positions, incident.at, incident.position, incident.claim);
      if (outcome.standing === 'conflicting') {
        throw new DomainError(
          'TIMELINE_CONFLICT',
          `the accepted timeline cannot take ${command.eventId} at its place in time: ${outcome.conflictsWith.join(', ')}`,
          outcome.conflictsWith.map((eventId) => ({ eventId })),
        );
      }
      standing = outcome.standing;
      promoted = true;
      corroborates = outcome.corroborates;
    }
  }
  return [
    {
      type: 'ReportAssessed',
      data: {
        neighbourhoodId: command.neighbourhoodId,
        eventId: command.eventId,
        assessedType: incident.type,
        status: command.status,
        reason: command.reason,
        standing,
        ...(promoted && { promoted: true as const }),
        ...optional('corroborates', corroborates),
      },
    },
  ];
}

/** Taking a report of the accepted timeline out must leave every later report on its positions possible. */
function refuseWithdrawal(state: NeighbourhoodState, incident: IncidentRecord): void {
  if (incident.claim === undefined || !foldsInAcceptedTimeline(incident)) return;
  const conflicts: Record<string, unknown>[] = [];
  for (const id of incident.positionIds) {
    const position = state.positions.get(id);
    if (position === undefined) continue;
    // Without it, the position keeps whoever held it just before.
    const conflict = laterConflict(position, incident.at, incident.position, controllerBefore(position, incident.at, incident.position));
    if (conflict !== undefined) conflicts.push(conflict);
  }
  throwTimelineConflict(conflicts);
}

/** What a claim's event records of how it stands: nothing for a plain accepted report, as before claims existed. */
function claimFields(outcome: ClaimOutcome): ClaimOutcome | Record<string, never> {
  return outcome.standing === 'accepted' && outcome.corroborates === undefined ? {} : outcome;
}

type ClaimOutcome =
  | { readonly standing: 'accepted' | 'corroborating'; readonly corroborates?: readonly string[] }
  | { readonly standing: 'conflicting'; readonly conflictsWith: readonly string[]; readonly conflictCode: ConflictCode };

/**
 * Refuse mode: the positions (already checked to change hands) must leave every later report on
 * them possible; the report is then accepted.
 */
function refuseConflicts(
  positions: readonly PositionState[],
  at: number,
  position: number,
  claim: { readonly controller: string | null },
): ClaimOutcome {
  throwTimelineConflict(positions.flatMap((state): Record<string, unknown>[] => {
    const conflict = laterConflict(state, at, position, claim.controller);
    return conflict === undefined ? [] : [conflict];
  }));
  return { standing: 'accepted' };
}

/**
 * How a claim placed at (at, position) stands against the accepted timeline. A position already
 * held as it claims is corroborated (the accepted events that made it so are listed). A retreat
 * from a position a third actor holds contradicts the timeline (NOT_CONTROLLED), as does a change
 * of hands that would make a later report impossible (TIMELINE_CONFLICT); a conflicting claim
 * lists what it contradicts and nothing it corroborates.
 */
function claimStanding(
  positions: readonly PositionState[],
  at: number,
  position: number,
  claim: { readonly actor: string; readonly controller: string | null },
): ClaimOutcome {
  const corroborates: string[] = [];
  const conflictsWith: string[] = [];
  let corroborated = false;
  let changes = 0;
  let notControlled = false;
  for (const state of positions) {
    const holder = controllerBefore(state, at, position);
    const setter = setterBefore(state, at, position);
    if (holder === claim.controller) {
      corroborated = true;
      if (setter !== null) corroborates.push(setter);
    } else if (holder !== claim.actor && claim.actor !== claim.controller) {
      // A retreat from a position held by someone else than the retreating actor.
      notControlled = true;
      if (setter !== null) conflictsWith.push(setter);
    } else {
      changes += 1;
      const conflict = laterConflict(state, at, position, claim.controller);
      if (conflict !== undefined) conflictsWith.push(conflict.eventId as string);
    }
  }
  if (notControlled || conflictsWith.length > 0) {
    return { standing: 'conflicting', conflictsWith: distinct(conflictsWith), conflictCode: notControlled ? 'NOT_CONTROLLED' : 'TIMELINE_CONFLICT' };
  }
  return {
    standing: changes > 0 ? 'accepted' : 'corroborating',
    ...(corroborated && { corroborates: distinct(corroborates) }),
  };
}

/**
 * A change of who holds `state` at (at, position), leaving `holder` there, affects the report that
 * comes next on it (it says who holds it after, so nothing later is touched). That report must
 * stay possible: a capture that changed hands must still change hands, a retreat must still
 * leave from its actor's hands, or find the position already as it says if it did so before.
 */
function laterConflict(state: PositionState, at: number, position: number, holder: string | null): Record<string, unknown> | undefined {
  const next = nextChangeAfter(state, at, position);
  if (next === undefined) return undefined;
  const problem = impossibility(next, controllerBefore(state, next.at, next.position), holder);
  return problem === undefined
    ? undefined
    : { eventId: next.eventId, type: next.type, occurredAt: new Date(next.at).toISOString(), positionId: state.spec.id, problem };
}

function impossibility(change: ControlChange, before: string | null, after: string | null): 'ALREADY_CONTROLLED' | 'NOT_CONTROLLED' | undefined {
  if (change.type === 'PositionCaptured') return before !== change.actor && after === change.actor ? 'ALREADY_CONTROLLED' : undefined;
  if (before === change.actor) return after === change.actor ? undefined : 'NOT_CONTROLLED';
  return after === change.actor || after === change.controller ? undefined : 'NOT_CONTROLLED';
}

function throwTimelineConflict(conflicts: readonly Record<string, unknown>[]): void {
  if (conflicts.length === 0) return;
  const ids = distinct(conflicts.map((c) => c.eventId as string));
  throw new DomainError('TIMELINE_CONFLICT', `this would make later recorded events impossible: ${ids.join(', ')}`, conflicts);
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
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
  const timePrecision = command.timePrecision ?? 'exact';
  return {
    occurredAt: command.occurredAt,
    timePrecision,
    sources: command.sources,
    ...optional('notes', command.notes),
    ...optional('reportedAt', reportedAt(command.sources, precisionWindowStart(at, timePrecision), context.now)),
  };
}

/**
 * The earliest publication among the sources that give one; none when no source does (the
 * report's recordedAt then stands in, as for reports recorded before sources gave dates). No
 * source may claim to publish after the server's clock (beyond the skew), and the report cannot
 * have been published before its occurredAt window began.
 */
function reportedAt(sources: readonly Source[], windowStart: number, now: number): string | undefined {
  let earliest: { at: number; text: string } | undefined;
  sources.forEach((source, index) => {
    if (source.reportedAt === undefined) return;
    const at = parseInstant(source.reportedAt, `sources[${index}].reportedAt`);
    if (at > now + MAX_CLOCK_SKEW_MS) {
      const problem = `sources[${index}].reportedAt ${source.reportedAt} is later than the server's clock`;
      throw new DomainError('VALIDATION_FAILED', problem, [{ field: `sources[${index}].reportedAt`, problems: [problem] }]);
    }
    if (earliest === undefined || at < earliest.at) earliest = { at, text: source.reportedAt };
  });
  if (earliest === undefined) return undefined;
  if (earliest.at < windowStart) {
    throw new DomainError(
      'REPORTED_BEFORE_OCCURRED',
      `the report was published (${earliest.text}) before its occurredAt window began (${new Date(windowStart).toISOString()})`,
    );
  }
  return new Date(earliest.at).toISOString();
}

function parseInstant(value: string, field: string): number {
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new DomainError('INVALID_COMMAND', `${field} is not an ISO 8601 instant`);
  return at;
}

/**
 * An actor on both sides of one attack is refused, unless its kind marks it as a category of
 * actors (`unidentified`): clashes between two unidentified groups are common in real data.
 */
function refuseSelfAttack(onBothSides: readonly string[], context: DecisionContext, verb?: 'counterattack'): void {
  const refused = onBothSides.filter((actorId) => context.actorKinds?.get(actorId) !== 'unidentified');
  if (refused.length === 0) return;
  throw new DomainError('INVALID_COMMAND', verb === undefined ? `an actor cannot attack itself: ${refused.join(', ')}` : 'an actor cannot counterattack itself');
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
