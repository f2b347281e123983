import { jsonEvent, type JSONEventData, type Position } from '@kurrent/kurrentdb-client';
import type { EventToAppend, RecordedEvent } from '../event-store.port.js';
import { revisionToNumber } from './expected-revision.mapping.js';
import { toPortPosition } from './position.mapping.js';

/** The client's recorded event, as far as this adapter reads it (from the bridge or gRPC). */
export interface ClientRecordedEvent {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly isJson: boolean;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: Position | undefined;
}

/** KurrentDB stores event ids as UUIDs and reads them back in this form. */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The event as the client appends it: a JSON event carrying the port's id through, so the
 * server can recognise a retry. Data and metadata are serialised by the client at the call.
 */
export function toEventData(event: EventToAppend): JSONEventData {
  if (typeof event.eventId !== 'string' || !CANONICAL_UUID.test(event.eventId)) {
    // The server would answer an upper-case UUID in lower case, and a retry or a copy would no
    // longer recognise its own event: insist on the form that round-trips.
    throw new TypeError(
      `the kurrentdb event store needs event ids that are lower-case UUIDs, got ${JSON.stringify(event.eventId)}`,
    );
  }
  if (typeof event.type !== 'string' || event.type.length === 0) {
    throw new TypeError(`event ${event.eventId} needs a non-empty string type`);
  }
  if (typeof event.metadata !== 'object' || event.metadata === null || Array.isArray(event.metadata)) {
    throw new TypeError(`event ${event.eventId} needs an object as metadata`);
  }
  // Serialised here, at the call, like the embedded store: a payload that is not JSON fails its
  // own append, and a caller changing its object afterwards cannot change what is written.
  const data = JSON.parse(JSON.stringify(event.data ?? null)) as JSONEventData['data'];
  const metadata = JSON.parse(JSON.stringify(event.metadata)) as Record<string, unknown>;
  return jsonEvent({ id: event.eventId, type: event.type, data, metadata });
}

/** `$`-streams and `$`-types are the server's own (stats, metadata, links, projections). */
export function isSystemEvent(event: { readonly streamId: string; readonly type: string }): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}

/** The port's view of a recorded event. Every event this application wrote is JSON. */
export function toRecordedEvent(event: ClientRecordedEvent): RecordedEvent {
  const where = `event ${event.id} (${event.streamId}@${event.revision})`;
  if (!event.isJson) {
    throw new TypeError(`${where} is not JSON; this event store holds JSON events only`);
  }
  return {
    eventId: event.id,
    type: event.type,
    streamId: event.streamId,
    revision: revisionToNumber(event.revision),
    position: toPortPosition(event.position, where),
    data: event.data,
    metadata: toMetadata(event.metadata, where),
  };
}

function toMetadata(metadata: unknown, where: string): Readonly<Record<string, unknown>> {
  // The client hands back `undefined` for empty metadata, and bytes for metadata that is not JSON.
  if (metadata === undefined) return {};
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && !(metadata instanceof Uint8Array)) {
    return metadata as Record<string, unknown>;
  }
  throw new TypeError(`${where} has metadata that is not a JSON object`);
}
