import type { AssessmentStatus, Source, Standing, TimePrecision } from './sources.js';

export const POSITION_KINDS = ['building', 'block', 'checkpoint', 'sector', 'landmark'] as const;
export type PositionKind = (typeof POSITION_KINDS)[number];

export const neighbourhoodStreamId = (neighbourhoodId: string): string => `neighbourhood-${neighbourhoodId}`;

/**
 * An area on the map: a GeoJSON Polygon or MultiPolygon (RFC 7946 §3.1.6-7), in WGS 84
 * [longitude, latitude] positions, kept exactly as sent (ring orientation and holes included).
 */
export type Area =
  | { readonly type: 'Polygon'; readonly coordinates: readonly (readonly (readonly number[])[])[] }
  | { readonly type: 'MultiPolygon'; readonly coordinates: readonly (readonly (readonly (readonly number[])[])[])[] };

export interface PositionSpec {
  readonly id: string;
  readonly name: string;
  readonly nameAr?: string;
  readonly kind?: PositionKind;
  /** Share of the neighbourhood this position stands for; 1 when not given. */
  readonly weight: number;
  /** [longitude, latitude], WGS 84, as in GeoJSON. */
  readonly coordinates?: readonly [number, number];
  /** Its extent on the map, beside or instead of `coordinates`. */
  readonly area?: Area;
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
  /**
   * When the world could know: the earliest `reportedAt` of the sources, else when the server
   * recorded the report. Absent from reports recorded before reports carried it: their
   * `recordedAt` stands in.
   */
  readonly reportedAt?: string;
}

/** Why a claim was recorded though it contradicts the accepted timeline: what refuse mode would answer. */
export type ConflictCode = 'NOT_CONTROLLED' | 'TIMELINE_CONFLICT';

/**
 * How a capture or retreat stood against the accepted timeline when it was recorded. Absent
 * from reports recorded before claims existed: they are `accepted`.
 */
export interface ClaimStanding {
  readonly standing?: Standing;
  /** The accepted events that made its corroborated positions stand as it claims (the baseline is not listed). */
  readonly corroborates?: readonly string[];
  /** The accepted events it contradicts (conflicting reports only). */
  readonly conflictsWith?: readonly string[];
  readonly conflictCode?: ConflictCode;
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
    /** The neighbourhood's boundary on the map. */
    readonly outline?: Area;
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
  readonly data: IncidentFields & ClaimStanding & {
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
    readonly against?: string;
    readonly targets: readonly string[];
    readonly inResponseTo?: string;
  };
}

export interface ForcesRetreated {
  readonly type: 'ForcesRetreated';
  readonly data: IncidentFields & ClaimStanding & {
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

/**
 * An editor's judgement of a report, and the standing it leaves the report in: confirming a
 * conflicting report, or taking a report out of `refuted`, may promote it.
 */
export interface ReportAssessed {
  readonly type: 'ReportAssessed';
  readonly data: {
    readonly neighbourhoodId: string;
    readonly eventId: string;
    readonly assessedType: IncidentType;
    readonly status: AssessmentStatus;
    readonly reason: string;
    readonly standing: Standing;
    /** The report was checked again at its place in time (a capture or retreat leaving `refuted`, or a conflicting one confirmed). */
    readonly promoted?: true;
    /** When that check found positions already as the report claims: the accepted events that made them so. */
    readonly corroborates?: readonly string[];
  };
}

export type IncidentEvent =
  | AttackLaunched
  | PositionCaptured
  | CounterattackLaunched
  | ForcesRetreated
  | CasualtiesReported;
export type IncidentType = IncidentEvent['type'];

export type NeighbourhoodEvent = NeighbourhoodRegistered | PositionsAdded | IncidentEvent | ReportRetracted | ReportAssessed;
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

/**
 * How a recorded event stands, as the command that recorded it answers (and its retries answer
 * again): the standing of a report or registration, what a claim corroborates or contradicts,
 * and what an assessment left.
 */
export interface RecordedOutcome {
  readonly standing?: Standing;
  readonly corroborates?: readonly string[];
  readonly conflictsWith?: readonly string[];
  readonly conflictCode?: ConflictCode;
  readonly assessed?: { readonly eventId: string; readonly status: AssessmentStatus; readonly standing: Standing };
}

export function outcomeOf(event: { readonly type: string; readonly data: unknown }): RecordedOutcome {
  const typed = event as NeighbourhoodEvent;
  switch (typed.type) {
    case 'PositionCaptured':
    case 'ForcesRetreated': {
      const { standing, corroborates, conflictsWith, conflictCode } = typed.data;
      return {
        standing: standing ?? 'accepted',
        ...(corroborates !== undefined && { corroborates }),
        ...(conflictsWith !== undefined && { conflictsWith }),
        ...(conflictCode !== undefined && { conflictCode }),
      };
    }
    case 'ReportAssessed':
      return { assessed: { eventId: typed.data.eventId, status: typed.data.status, standing: typed.data.standing } };
    case 'ReportRetracted':
      return {};
    default:
      // Registrations, attacks, counterattacks and casualty reports are accepted as they come.
      return { standing: 'accepted' };
  }
}
