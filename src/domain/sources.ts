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
}

export const TIME_PRECISIONS = ['exact', 'hour', 'day', 'week', 'month'] as const;
export type TimePrecision = (typeof TIME_PRECISIONS)[number];

/** What an analyst may see of a protected source: how good it is, never who it is. */
export interface RedactedSource {
  readonly protected: true;
  readonly kind: string;
  readonly reliability: Reliability;
  readonly credibility: Credibility;
}

export function redactSource(source: Source): Source | RedactedSource {
  if (source.protected !== true) return source;
  return { protected: true, kind: source.kind, reliability: source.reliability, credibility: source.credibility };
}

/** Event data with every protected source redacted; data without sources is returned as it is. */
export function redactSources<T>(data: T): T {
  const sources = (data as { sources?: unknown }).sources;
  if (!Array.isArray(sources) || !sources.some((s: Source) => s.protected === true)) return data;
  return { ...data, sources: (sources as Source[]).map(redactSource) };
}
