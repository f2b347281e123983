import { createHash } from 'node:crypto';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import type { RecordedOutcome } from '../domain/index.js';

/** Who sent a command and how: everything the write side needs beyond the command itself. */
export interface CommandMetadata {
  /** Non-secret id of the API key, e.g. `writer-3fa2b1c4`. */
  readonly keyId: string;
  readonly role: string;
  /** The Idempotency-Key header, when given. */
  readonly idempotencyKey?: string;
  /**
   * Fingerprint of the request (method, path, body): tells a retry from a key reused for
   * another request. Present with an Idempotency-Key: without one, a request is never a retry.
   */
  readonly requestHash?: string;
  /** The If-Match revision, when given: the append then succeeds only at exactly this revision. */
  readonly expectedRevision?: number;
  /** Request id, for correlating logs with events. */
  readonly requestId?: string;
}

export interface CommandResult {
  /** How the event stands (see `RecordedOutcome`): the same for the first answer and every replay. */
  readonly outcome: RecordedOutcome;
  readonly eventId: string;
  readonly type: string;
  readonly streamId: string;
  readonly streamRevision: number;
  readonly position: number;
  /** True when this answers a retry of an already-appended command: nothing was written. */
  readonly replayed: boolean;
}

/** Fixed namespace for ids derived from idempotency keys. */
const IDEMPOTENT_EVENT_NAMESPACE = '9b3a2f44-7d1e-4c5b-9e0a-6f1d2c3b4a59';

/**
 * The event id of a command. With an Idempotency-Key it is derived from the key and the
 * caller, so a retry after a lost response (or after a crash) produces the same id and the
 * store's idempotent append refuses to duplicate it. Without one, every command is new, and
 * its id is a time-ordered UUID (version 7): the event store's unique index on event ids then
 * grows at its right edge, instead of every append dirtying a random page of it (in a group
 * commit of 64 appends, that was about half the pages the commit wrote).
 */
export function eventIdFor(metadata: Pick<CommandMetadata, 'keyId' | 'idempotencyKey'>): string {
  if (metadata.idempotencyKey === undefined) return uuidv7();
  return uuidv5(`${metadata.keyId}\n${metadata.idempotencyKey}`, IDEMPOTENT_EVENT_NAMESPACE);
}

/** A stable fingerprint of a request, independent of key order in its JSON body. */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n`).update(canonicalJson(body)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
