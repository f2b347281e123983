import { type RedactedSource, type Source, redactSource } from '../../domain/index.js';
import { utcMs } from '../instants.js';
import type { TimelineEntry } from './neighbourhood-timeline.reader.js';

/** A report as the timeline shows it (API.md "Timeline items"). */
export interface TimelineItem {
  readonly eventId: string;
  readonly neighbourhoodId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly timePrecision: string;
  readonly reportedAt: string;
  readonly recordedAt: string;
  /** What the report says; its sources and its standing are the item's own fields. */
  readonly data: Record<string, unknown>;
  readonly sources: readonly (Source | RedactedSource)[];
  readonly standing: string;
  readonly status: string;
  readonly conflictsWith?: readonly string[];
  readonly conflictCode?: string;
  readonly corroborates?: readonly string[];
  readonly assessments: readonly { status: string; reason: string; recordedAt: string; recordedBy: string | null }[];
  readonly retracted: boolean;
  readonly retraction?: { readonly eventId: string; readonly reason: string; readonly recordedAt: string };
}

/** Fields of the recorded data the item shows as fields of its own. */
const OWN_FIELDS = new Set(['sources', 'reportedAt', 'standing', 'corroborates', 'conflictsWith', 'conflictCode']);

/**
 * The item for a timeline entry, with protected sources redacted unless `revealProtected`. What
 * a conflicting report contradicts shows while it stands conflicting.
 */
export function timelineItem(entry: TimelineEntry, revealProtected: boolean): TimelineItem {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry.data)) {
    if (!OWN_FIELDS.has(key)) data[key] = key === 'occurredAt' && typeof value === 'string' ? utcMs(value) : value;
  }
  const cited = Array.isArray(entry.data.sources) ? (entry.data.sources as Source[]) : [];
  const sources = cited.map((source) => {
    const dated = source.reportedAt === undefined ? source : { ...source, reportedAt: utcMs(source.reportedAt) };
    return revealProtected ? dated : redactSource(dated);
  });
  const conflicting = entry.standing === 'conflicting';
  return {
    eventId: entry.eventId,
    neighbourhoodId: entry.neighbourhoodId,
    type: entry.type,
    occurredAt: utcMs(entry.occurredAt),
    timePrecision: entry.timePrecision,
    reportedAt: utcMs(entry.reportedAt),
    recordedAt: utcMs(entry.recordedAt),
    data,
    sources,
    standing: entry.standing,
    status: entry.status,
    ...(conflicting && entry.data.conflictsWith !== undefined && { conflictsWith: entry.data.conflictsWith as string[] }),
    ...(conflicting && entry.data.conflictCode !== undefined && { conflictCode: entry.data.conflictCode as string }),
    ...(!conflicting && entry.corroborates !== undefined && { corroborates: entry.corroborates }),
    assessments: entry.assessments.map((assessment) => ({ ...assessment, recordedAt: utcMs(assessment.recordedAt) })),
    retracted: entry.retraction !== null,
    ...(entry.retraction !== null && { retraction: { ...entry.retraction, recordedAt: utcMs(entry.retraction.recordedAt) } }),
  };
}
