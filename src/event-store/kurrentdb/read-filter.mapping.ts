import { eventTypeFilter, excludeSystemEvents, streamNameFilter, type Filter } from '@kurrent/kurrentdb-client';
import type { ReadAllFilter } from '../event-store.port.js';
import { isSystemEvent } from './recorded-event.mapping.js';

export interface CompiledReadFilter {
  /** An empty list of prefixes or of types keeps nothing: no need to ask the server. */
  readonly matchesNothing: boolean;
  /** What the server filters on: one filter per read, so the narrower of the two. */
  readonly serverFilter: Filter;
  /** The exact rule, applied to every event the server sends. */
  matches(event: { readonly streamId: string; readonly type: string }): boolean;
}

/**
 * The port's filter as one server-side filter plus the exact rule.
 *
 * The server takes a single filter per read or subscription. Stream prefixes go to the server
 * when given (they are what projections and tenants narrow on); event types go there otherwise.
 * Both are checked again here, because:
 * - the server's type filter is by prefix (`PositionCaptured` would let `PositionCapturedV2`
 *   through), while the port wants exact types;
 * - the server compares stream prefixes with the culture-sensitive `String.StartsWith`, while
 *   the port wants a literal, ordinal prefix;
 * - with a prefix filter the server still lets `$`-streams through, and system events are
 *   never part of this application's log.
 */
export function compileReadFilter(filter: ReadAllFilter | undefined): CompiledReadFilter {
  const prefixes = filter?.streamPrefixes === undefined ? undefined : strings(filter.streamPrefixes, 'streamPrefixes');
  const types = filter?.eventTypes === undefined ? undefined : strings(filter.eventTypes, 'eventTypes');
  const typeSet = types === undefined ? undefined : new Set(types);
  const serverFilter =
    prefixes !== undefined && prefixes.length > 0
      ? streamNameFilter({ prefixes: [...new Set(prefixes)] })
      : types !== undefined && types.length > 0
        ? eventTypeFilter({ prefixes: [...new Set(types)] })
        : excludeSystemEvents();
  return {
    matchesNothing: prefixes?.length === 0 || types?.length === 0,
    serverFilter,
    matches: (event) =>
      !isSystemEvent(event) &&
      (prefixes === undefined || prefixes.some((prefix) => event.streamId.startsWith(prefix))) &&
      (typeSet === undefined || typeSet.has(event.type)),
  };
}

function strings(values: readonly string[], name: string): string[] {
  if (!Array.isArray(values) || values.some((value) => typeof value !== 'string')) {
    throw new TypeError(`${name} must be a list of strings`);
  }
  return [...values];
}
