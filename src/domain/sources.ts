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
