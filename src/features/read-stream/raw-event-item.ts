import { redactSources } from '../../domain/index.js';
import type { RecordedEvent } from '../../event-store/index.js';
import type { StreamEventDto } from './read-stream.dto.js';

/**
 * What tells one request from another (the client's idempotency key, the request fingerprint,
 * the request id that joins the event to the logs) is for admins: other roles need what
 * happened and who recorded it, not how it was sent.
 */
const ADMIN_ONLY_METADATA = new Set(['idempotencyKey', 'requestHash', 'requestId']);

/**
 * An event as the audit view shows it (`GET …/events`, and the live feed for every event that
 * is not an incident): admins see it whole; everybody else sees protected sources redacted and
 * no request metadata.
 */
export function rawEventItem(event: RecordedEvent, asAdmin: boolean): StreamEventDto {
  return {
    eventId: event.eventId,
    type: event.type,
    streamRevision: event.revision,
    position: event.position,
    data: asAdmin ? event.data : redactSources(event.data),
    metadata: asAdmin ? event.metadata : withoutRequestMetadata(event.metadata),
  };
}

function withoutRequestMetadata(metadata: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !ADMIN_ONLY_METADATA.has(key)));
}
