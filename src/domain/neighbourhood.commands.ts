import type { Area, CasualtyFigure, PositionSpec } from './neighbourhood.events.js';
import type { AssessmentStatus, Source, TimePrecision } from './sources.js';

export interface IncidentCommandFields {
  readonly neighbourhoodId: string;
  readonly occurredAt: string;
  readonly timePrecision?: TimePrecision;
  readonly sources: readonly Source[];
  readonly notes?: string;
}

export interface RegisterNeighbourhood {
  readonly type: 'RegisterNeighbourhood';
  readonly neighbourhoodId: string;
  readonly name: string;
  readonly nameAr?: string;
  readonly city: string;
  readonly country: string;
  readonly controlAsOf: string;
  readonly outline?: Area;
  readonly positions: readonly PositionSpecInput[];
}

/** A position as sent: weight and controller may be left out. */
export type PositionSpecInput = Omit<PositionSpec, 'weight' | 'controller'> & {
  readonly weight?: number;
  readonly controller?: string | null;
};

export interface AddPositions {
  readonly type: 'AddPositions';
  readonly neighbourhoodId: string;
  readonly positions: readonly PositionSpecInput[];
}

export interface LaunchAttack extends IncidentCommandFields {
  readonly type: 'LaunchAttack';
  readonly attackers: readonly string[];
  /** Nobody named (shelling of a place, an IED) when absent or empty. */
  readonly defenders?: readonly string[];
  readonly targets?: readonly string[];
  readonly origin?: string;
}

/**
 * What a capture or retreat that contradicts the accepted timeline does: `refuse` (409, nothing
 * written) or `record` (stored as a claim whose standing says how it stands).
 */
export type OnConflict = 'refuse' | 'record';

export interface CapturePosition extends IncidentCommandFields {
  readonly type: 'CapturePosition';
  readonly by: string;
  readonly positions: readonly string[];
  readonly attackId?: string;
  readonly onConflict?: OnConflict;
}

export interface LaunchCounterattack extends IncidentCommandFields {
  readonly type: 'LaunchCounterattack';
  readonly by: string;
  readonly against?: string;
  readonly targets?: readonly string[];
  readonly inResponseTo?: string;
}

export interface Retreat extends IncidentCommandFields {
  readonly type: 'Retreat';
  readonly by: string;
  readonly positions: readonly string[];
  readonly yieldedTo?: string;
  readonly onConflict?: OnConflict;
}

export interface ReportCasualties extends IncidentCommandFields {
  readonly type: 'ReportCasualties';
  readonly actor?: string;
  readonly killed: CasualtyFigure;
  readonly wounded?: CasualtyFigure;
}

export interface RetractReport {
  readonly type: 'RetractReport';
  readonly neighbourhoodId: string;
  readonly eventId: string;
  readonly reason: string;
}

export interface AssessReport {
  readonly type: 'AssessReport';
  readonly neighbourhoodId: string;
  readonly eventId: string;
  readonly status: AssessmentStatus;
  readonly reason: string;
}

export type NeighbourhoodCommand =
  | RegisterNeighbourhood
  | AddPositions
  | LaunchAttack
  | CapturePosition
  | LaunchCounterattack
  | Retreat
  | ReportCasualties
  | RetractReport
  | AssessReport;

/** Actor ids a command refers to: the command pipeline loads these before deciding. */
export function referencedActors(command: NeighbourhoodCommand): string[] {
  switch (command.type) {
    case 'RegisterNeighbourhood':
    case 'AddPositions':
      return command.positions.flatMap((p) => (p.controller ? [p.controller] : []));
    case 'LaunchAttack':
      return [...command.attackers, ...(command.defenders ?? [])];
    case 'CapturePosition':
      return [command.by];
    case 'LaunchCounterattack':
      return command.against === undefined ? [command.by] : [command.by, command.against];
    case 'Retreat':
      return command.yieldedTo ? [command.by, command.yieldedTo] : [command.by];
    case 'ReportCasualties':
      return command.actor ? [command.actor] : [];
    case 'RetractReport':
    case 'AssessReport':
      return [];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
