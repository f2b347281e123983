import { createHash, randomFillSync } from 'node:crypto';
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
   * Fingerprint of the request (method, path, normalised body; see `requestHash`): tells a
   * retry from a key reused for another request. Present with an Idempotency-Key: without
   * one, a request is never a retry.
   */
  readonly requestHash?: string;
  /**
   * The fingerprint earlier versions took of the same request, over the body as sent, when
   * that differs (the body holds nulls): a retry of a command they recorded is still known.
   */
  readonly formerRequestHash?: string;
  /**
   * From If-Match: a revision, and the append then succeeds only at exactly that revision; or
   * `'exists'` (`If-Match: *`), and it succeeds only if the stream already exists.
   */
  readonly expectedRevision?: number | 'exists';
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
  if (metadata.idempotencyKey === undefined) return timeOrderedId();
  return uuidv5(`${metadata.keyId}\n${metadata.idempotencyKey}`, IDEMPOTENT_EVENT_NAMESPACE);
}

/**
 * A version 7 UUID, ordered as generated within a millisecond too (RFC 9562's counter, as the
 * uuid package keeps it), from random bytes drawn 256 ids at a time: one call into the system's
 * random source per id costs more than the rest of the id.
 */
function timeOrderedId(): string {
  const random = pooledRandomBytes();
  const now = Date.now();
  if (now > v7Clock.msecs) {
    v7Clock.msecs = now;
    v7Clock.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    v7Clock.seq = (v7Clock.seq + 1) | 0;
    if (v7Clock.seq === 0) v7Clock.msecs += 1;
  }
  return uuidv7({ random, msecs: v7Clock.msecs, seq: v7Clock.seq });
}

const v7Clock = { msecs: -Infinity, seq: 0 };
const RANDOM_POOL = new Uint8Array(16 * 256);
let poolOffset = RANDOM_POOL.length;

function pooledRandomBytes(): Uint8Array {
  if (poolOffset === RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    poolOffset = 0;
  }
  poolOffset += 16;
  return RANDOM_POOL.subarray(poolOffset - 16, poolOffset);
}

/**
 * A stable fingerprint of a request: SHA-256 (base64url) of `<method> <path>\n` and the body
 * as canonical JSON (keys sorted, no white space) after every member whose value is null is
 * dropped, at any depth. API.md lets an optional field be omitted or sent as null, and every
 * field of this API that may be null is optional, so both ways are one request. Items of a
 * list are kept as they are. A body without nulls hashes exactly as it did before nulls were
 * dropped, so the hashes events already carry stay valid.
 */
export function requestHash(method: string, path: string, body: unknown): string {
  return hashOf(method, path, withoutNullMembers(body));
}

/** `requestHash`, and the fingerprint earlier versions took when it differs (see `CommandMetadata.formerRequestHash`). */
export function requestHashes(method: string, path: string, body: unknown): { requestHash: string; formerRequestHash?: string } {
  const normalised = withoutNullMembers(body);
  const hash = hashOf(method, path, normalised);
  return normalised === body ? { requestHash: hash } : { requestHash: hash, formerRequestHash: hashOf(method, path, body) };
}

/** Whether a recorded event's request hash is this command's request: a retry, not a reused key. */
export function isSameRequest(metadata: Pick<CommandMetadata, 'requestHash' | 'formerRequestHash'>, recorded: unknown): boolean {
  return recorded === metadata.requestHash || (metadata.formerRequestHash !== undefined && recorded === metadata.formerRequestHash);
}

function hashOf(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n`).update(canonicalJson(body)).digest('base64url');
}

/** `value` without null object members, at any depth; the very same value when it has none. */
function withoutNullMembers(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const kept = withoutNullMembers(item);
      if (kept !== item) (copy ??= [...value])[index] = kept;
    });
    return copy ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, member] of Object.entries(value)) {
    const kept = member === null ? undefined : withoutNullMembers(member);
    if (kept === member) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    if (kept === undefined) delete copy[key];
    else copy[key] = kept;
  }
  return copy ?? value;
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
