import type { AppendResult } from './event-store.port.js';

/** Where an event of the batch already sits in the stream. */
export interface EventLocation {
  readonly revision: number;
  readonly position: number;
}

export type BatchLookup =
  | { readonly kind: 'absent' }
  | { readonly kind: 'original'; readonly result: AppendResult }
  | { readonly kind: 'conflict'; readonly eventId: string };

/** The first id that occurs twice in the batch, if any: such a batch can never be written. */
export function repeatedEventId(eventIds: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const eventId of eventIds) {
    if (seen.has(eventId)) return eventId;
    seen.add(eventId);
  }
  return undefined;
}

/**
 * What the stream already holds of a batch, given where its ids were found in the stream.
 *
 * - none of them: `absent`, the batch is new;
 * - all of them, as one run of consecutive revisions in the batch's order: `original`, the batch
 *   is a retry and its answer is the original result (revision and position of its last event);
 * - anything else (some ids only, or out of order): `conflict`, since writing it would either
 *   duplicate events or split a batch.
 */
export function classifyBatch(eventIds: readonly string[], found: ReadonlyMap<string, EventLocation>): BatchLookup {
  const locations = eventIds.map((eventId) => found.get(eventId));
  const known = locations.findIndex((location) => location !== undefined);
  if (known === -1) return { kind: 'absent' };
  const first = locations[0];
  const isOriginal =
    first !== undefined &&
    locations.every((location, index) => location !== undefined && location.revision === first.revision + index);
  if (!isOriginal) return { kind: 'conflict', eventId: eventIds[known]! };
  const last = locations[locations.length - 1]!;
  return { kind: 'original', result: { nextRevision: last.revision, position: last.position, replayed: true } };
}
