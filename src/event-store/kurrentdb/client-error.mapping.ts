import { ErrorType, type WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { StorageError, WrongExpectedRevision, type ExpectedRevision } from '../event-store.port.js';
import { fromCurrentStreamState } from './expected-revision.mapping.js';

/*
 * Errors are recognised by the client's `type` tag rather than by `instanceof`: the reads go
 * through the client's native bridge and the appends through gRPC, and each path builds its own
 * error objects. gRPC status codes cover what reaches us before the client converts it.
 */

const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** Worth another attempt after a pause: the connection, the leader or the deadline, not the request. */
const TRANSIENT_TYPES: ReadonlySet<string> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.CANCELLED,
  ErrorType.NOT_LEADER,
]);
const TRANSIENT_GRPC_CODES: ReadonlySet<number> = new Set([GRPC_CANCELLED, GRPC_DEADLINE_EXCEEDED, GRPC_UNAVAILABLE]);
const TRANSIENT_SOCKET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

interface TaggedError {
  readonly type?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
}

function tagOf(error: unknown): TaggedError {
  return typeof error === 'object' && error !== null ? (error as TaggedError) : {};
}

export function isStreamNotFound(error: unknown): boolean {
  return tagOf(error).type === ErrorType.STREAM_NOT_FOUND;
}

export function isWrongExpectedVersion(error: unknown): error is WrongExpectedVersionError {
  return tagOf(error).type === ErrorType.WRONG_EXPECTED_VERSION;
}

/** A dropped connection, a leader change, a deadline: a subscription reconnects after these. */
export function isTransient(error: unknown): boolean {
  const { type, code, message } = tagOf(error);
  if (typeof type === 'string') return TRANSIENT_TYPES.has(type);
  if (typeof code === 'number') return TRANSIENT_GRPC_CODES.has(code);
  if (typeof code === 'string') return TRANSIENT_SOCKET_CODES.has(code);
  // The client's gossip discovery gives up with a plain Error; the cluster may be electing.
  return typeof message === 'string' && message.startsWith('Failed to discover');
}

/**
 * A cluster that cannot be reached, has no leader for now or did not answer in time, as the
 * port's StorageError (`unavailable`: 503 STORAGE_UNAVAILABLE with Retry-After); undefined for
 * any other error. An append that timed out may still have been recorded, so the client is told
 * to retry with the same Idempotency-Key, which records it once either way.
 */
export function toStorageError(error: unknown): StorageError | undefined {
  if (!isTransient(error)) return undefined;
  return new StorageError(
    'unavailable',
    `The event store cluster cannot be reached right now (${describeClientError(error)}); a command may or may not have been recorded: retry it with the same Idempotency-Key.`,
    { cause: error },
  );
}

/** The server's refusal as the port's typed error; `actual` is -1 when the stream does not exist. */
export function toWrongExpectedRevision(
  error: WrongExpectedVersionError,
  streamId: string,
  expected: ExpectedRevision,
): WrongExpectedRevision {
  return new WrongExpectedRevision(streamId, expected, fromCurrentStreamState(error.actualState));
}

/** One line, for logs and for the start-up failure. */
export function describeClientError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { type, code } = tagOf(error);
  const message = (error.message.split('\n')[0] ?? '').trim();
  const tag = typeof type === 'string' ? type : typeof code === 'number' ? `grpc status ${code}` : undefined;
  if (tag === undefined) return message === '' ? error.name : message;
  // The native bridge's errors carry nothing but their class name ("UnavailableError") as message.
  const saysNothing = message === '' || message === error.name || message === error.constructor.name || message === tag;
  return saysNothing ? tag : `${tag}: ${message}`;
}
