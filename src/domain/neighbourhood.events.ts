import type { Source, TimePrecision } from './sources.js';

export const POSITION_KINDS = ['building', 'block', 'checkpoint', 'sector', 'landmark'] as const;
export type PositionKind = (typeof POSITION_KINDS)[number];

export const neighbourhoodStreamId = (neighbourhoodId: string): string => `neighbourhood-${neighbourhoodId}`;

export interface PositionSpec {
  readonly id: string;
  readonly name: string;
  readonly nameAr?: string;
  readonly kind?: PositionKind;
  /** Share of the neighbourhood this position stands for; 1 when not given. */
  readonly weight: number;
  /** [longitude, latitude], WGS 84, as in GeoJSON. */
  readonly coordinates?: readonly [number, number];
  /** Who held it at the neighbourhood's `controlAsOf`; null when nobody did. */
  readonly controller: string | null;
}

/** What every incident report carries. */
export interface IncidentFields {
  /** ISO 8601 instant with a zone. */
  readonly occurredAt: string;
  readonly timePrecision: TimePrecision;
  readonly sources: readonly Source[];
  readonly notes?: string;
}

export interface NeighbourhoodRegistered {
  readonly type: 'NeighbourhoodRegistered';
  readonly data: {
    readonly neighbourhoodId: string;
    readonly name: string;
    readonly nameAr?: string;
    readonly city: string;
    readonly country: string;
    readonly controlAsOf: string;
    readonly positions: readonly PositionSpec[];
  };
}

export interface PositionsAdded {
  readonly type: 'PositionsAdded';
  readonly data: { readonly neighbourhoodId: string; readonly positions: readonly PositionSpec[] };
}

export interface AttackLaunched {
  readonly type: 'AttackLaunched';
  readonly data: IncidentFields & {
    readonly neighbourhoodId: string;
    readonly attackers: readonly string[];
    readonly defenders: readonly string[];
    readonly targets: readonly string[];
    readonly origin?: string;
  };
}

export interface PositionCaptured {
  readonly type: 'PositionCaptured';
  readonly data: IncidentFields & {
    readonly neighbourhoodId: string;
    readonly by: string;
    readonly positions: readonly string[];
    /**
     * Who held each position just before, as known when the capture was recorded. A later
     * late report may show a different holder; the control read model always derives the
     * holder from the timeline itself.
     */
    readonly from: Readonly<Record<string, string | null>>;
    readonly attackId?: string;
  };
}

export interface CounterattackLaunched {
  readonly type: 'CounterattackLaunched';
  readonly data: IncidentFields & {
    readonly neighbourhoodId: string;
    readonly by: string;
    readonly against: string;
    readonly targets: readonly string[];
    readonly inResponseTo?: string;
  };
}

export interface ForcesRetreated {
  readonly type: 'ForcesRetreated';
  readonly data: IncidentFields & {
    readonly neighbourhoodId: string;
    readonly by: string;
    readonly positions: readonly string[];
    readonly yieldedTo?: string;
  };
}

export interface CasualtyFigure {
  readonly low?: number;
  readonly best: number;
  readonly high?: number;
}

export interface CasualtiesReported {
  readonly type: 'CasualtiesReported';
  readonly data: IncidentFields & {
    readonly neighbourhoodId: string;
    readonly actor?: string;
    readonly killed: CasualtyFigure;
    readonly wounded?: CasualtyFigure;
  };
}

export interface ReportRetracted {
  readonly type: 'ReportRetracted';
  readonly data: {
    readonly neighbourhoodId: string;
    readonly eventId: string;
    readonly retractedType: IncidentType;
    readonly reason: string;
  };
}

export type IncidentEvent =
  | AttackLaunched
  | PositionCaptured
  | CounterattackLaunched
  | ForcesRetreated
  | CasualtiesReported;
export type IncidentType = IncidentEvent['type'];

export type NeighbourhoodEvent = NeighbourhoodRegistered | PositionsAdded | IncidentEvent | ReportRetracted;
export type NeighbourhoodEventType = NeighbourhoodEvent['type'];

export const INCIDENT_TYPES: readonly IncidentType[] = [
  'AttackLaunched',
  'PositionCaptured',
  'CounterattackLaunched',
  'ForcesRetreated',
  'CasualtiesReported',
];

/**
 * An event as the fold sees it: the domain event plus where the log put it and when the
 * server recorded it. Time-ordering needs the position; knowledge-ordering needs recordedAt.
 */
export type Positioned<E> = E & {
  readonly eventId: string;
  readonly position: number;
  readonly recordedAt: string;
};
