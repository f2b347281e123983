/** NATO Admiralty grading of a source: reliability of the source, credibility of the item. */
export const RELIABILITY_GRADES = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export type Reliability = (typeof RELIABILITY_GRADES)[number];
export type Credibility = 1 | 2 | 3 | 4 | 5 | 6;

export interface Source {
  readonly name: string;
  readonly kind: string;
  readonly reliability: Reliability;
  readonly credibility: Credibility;
  readonly url?: string;
  /** The source's identity must be withheld from analysts: it is stored whole, shown redacted. */
  readonly protected?: boolean;
  /** When this source published the report: when the world could know (ISO 8601 with a zone). */
  readonly reportedAt?: string;
  /** The report's id at the source: a dataset's row id, an article id. */
  readonly reference?: string;
}

export const TIME_PRECISIONS = ['exact', 'hour', 'day', 'week', 'month'] as const;
export type TimePrecision = (typeof TIME_PRECISIONS)[number];

/** What an analyst may see of a protected source: how good it is and when it spoke, never who it is. */
export interface RedactedSource {
  readonly protected: true;
  readonly kind: string;
  readonly reliability: Reliability;
  readonly credibility: Credibility;
  readonly reportedAt?: string;
}

export function redactSource(source: Source): Source | RedactedSource {
  if (source.protected !== true) return source;
  return {
    protected: true,
    kind: source.kind,
    reliability: source.reliability,
    credibility: source.credibility,
    ...(source.reportedAt !== undefined && { reportedAt: source.reportedAt }),
  };
}

/** Event data with every protected source redacted; data without sources is returned as it is. */
export function redactSources<T>(data: T): T {
  const sources = (data as { sources?: unknown }).sources;
  if (!Array.isArray(sources) || !sources.some((s: Source) => s.protected === true)) return data;
  return { ...data, sources: (sources as Source[]).map(redactSource) };
}

/**
 * How a capture or retreat stands against the accepted timeline when it is recorded (or when an
 * assessment promotes it): `accepted` counts; `corroborating` asserts only what already stood;
 * `conflicting` contradicts the accepted timeline and counts nowhere by default. Attacks,
 * counterattacks and casualty reports are always `accepted`.
 */
export const STANDINGS = ['accepted', 'corroborating', 'conflicting'] as const;
export type Standing = (typeof STANDINGS)[number];

/** An editor's judgement of a report; a report never assessed is `unverified`. */
export const ASSESSMENT_STATUSES = ['confirmed', 'disputed', 'refuted'] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];
export const REPORT_STATUSES = ['unverified', ...ASSESSMENT_STATUSES] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** A report counts in the accepted timeline when it is accepted and neither retracted nor refuted. */
export function foldsInAcceptedTimeline(report: { readonly standing: Standing; readonly status: ReportStatus; readonly retracted: boolean }): boolean {
  return report.standing === 'accepted' && report.status !== 'refuted' && !report.retracted;
}

const UNIT_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/**
 * The start of the UTC window that `at` (epoch ms) lies in at this precision: the hour, the day,
 * the week from Monday 00:00Z, the month from the 1st 00:00Z; `exact` is the instant itself.
 */
export function precisionWindowStart(at: number, precision: TimePrecision): number {
  switch (precision) {
    case 'exact':
      return at;
    case 'hour':
      return Math.floor(at / UNIT_MS.hour) * UNIT_MS.hour;
    case 'day':
      return Math.floor(at / UNIT_MS.day) * UNIT_MS.day;
    case 'week': {
      const day = Math.floor(at / UNIT_MS.day) * UNIT_MS.day;
      // 1970-01-01 was a Thursday: days since the latest Monday.
      const sinceMonday = (((Math.floor(day / UNIT_MS.day) + 3) % 7) + 7) % 7;
      return day - sinceMonday * UNIT_MS.day;
    }
    case 'month': {
      const date = new Date(at);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    }
    default: {
      const unknown: never = precision;
      return unknown;
    }
  }
}

/** The end (exclusive) of the window `precisionWindowStart` starts. */
export function precisionWindowEnd(at: number, precision: TimePrecision): number {
  const start = precisionWindowStart(at, precision);
  switch (precision) {
    case 'exact':
      return start;
    case 'hour':
      return start + UNIT_MS.hour;
    case 'day':
      return start + UNIT_MS.day;
    case 'week':
      return start + 7 * UNIT_MS.day;
    case 'month': {
      const date = new Date(start);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    }
    default: {
      const unknown: never = precision;
      return unknown;
    }
  }
}
