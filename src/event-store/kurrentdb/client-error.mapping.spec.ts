import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  ErrorType,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { StorageError, WrongExpectedRevision } from '../event-store.port.js';
import {
  describeClientError,
  isStreamNotFound,
  isTransient,
  isWrongExpectedVersion,
  toStorageError,
  toWrongExpectedRevision,
} from './client-error.mapping.js';

function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('client errors', () => {
  it('turns WrongExpectedVersionError into the port error, with -1 when the stream does not exist', () => {
    const missing = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 'stream_exists', current: 'no_stream' });
    const behind = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: 4n });

    expect(isWrongExpectedVersion(missing)).toBe(true);
    const mappedMissing = toWrongExpectedRevision(missing, 's', 'stream_exists');
    expect(mappedMissing).toBeInstanceOf(WrongExpectedRevision);
    expect(mappedMissing).toMatchObject({ streamId: 's', expected: 'stream_exists', actual: -1 });
    expect(toWrongExpectedRevision(behind, 's', 0)).toMatchObject({ expected: 0, actual: 4 });
  });

  it('recognises a missing stream, which a read treats as empty', () => {
    expect(isStreamNotFound(new StreamNotFoundError(undefined, 'neighbourhood-1'))).toBe(true);
    expect(isStreamNotFound(new UnavailableError())).toBe(false);
    expect(isStreamNotFound(undefined)).toBe(false);
  });

  it.each([
    ['unavailable', new UnavailableError(), true],
    ['deadline exceeded', new DeadlineExceededError(), true],
    ['cancelled by the server', new CancelledError(), true],
    ['a raw gRPC UNAVAILABLE', grpcError(14, '14 UNAVAILABLE: No connection established'), true],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    ['gossip discovery giving up', new Error('Failed to discover after 10 attempts.'), true],
    ['access denied', new AccessDeniedError(), false],
    ['a wrong expected version', new WrongExpectedVersionError(undefined, { streamName: 's', expected: 1n, current: 2n }), false],
    ['a programming error', new TypeError('x is not a function'), false],
  ])('retries a subscription after %s: %p', (_, error, transient) => {
    expect(isTransient(error)).toBe(transient);
  });

  it('retries after a leader change', () => {
    // NotLeaderError needs a gRPC error with the leader's address to be built; its tag is what counts.
    expect(isTransient(Object.assign(new Error('not leader'), { type: ErrorType.NOT_LEADER }))).toBe(true);
  });

  it('describes an error in one line, saying what the native bridge leaves out', () => {
    const bridge = new UnavailableError(Object.assign(new Error('UnavailableError'), { name: 'UnavailableError' }) as never);
    expect(describeClientError(bridge)).toBe('unavailable');
    expect(describeClientError(grpcError(14, '14 UNAVAILABLE: No connection\nmore'))).toBe('grpc status 14: 14 UNAVAILABLE: No connection');
    expect(describeClientError(new Error('no answer within 5000 ms'))).toBe('no answer within 5000 ms');
    expect(describeClientError('text')).toBe('text');
  });

  it.each([
    ['unavailable', new UnavailableError()],
    ['deadline exceeded', new DeadlineExceededError()],
    ['a leader change', Object.assign(new Error('not leader'), { type: ErrorType.NOT_LEADER })],
    ['a raw gRPC UNAVAILABLE', grpcError(14, '14 UNAVAILABLE: No connection established')],
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
  ])('answers %s as the storage being unavailable (503 STORAGE_UNAVAILABLE), telling the client to retry with its key', (_, error) => {
    const mapped = toStorageError(error);
    expect(mapped).toBeInstanceOf(StorageError);
    expect(mapped).toMatchObject({ kind: 'unavailable', cause: error });
    expect(mapped?.message).toMatch(/retry it with the same Idempotency-Key/);
  });

  it.each([
    ['access denied', new AccessDeniedError()],
    ['a wrong expected version', new WrongExpectedVersionError(undefined, { streamName: 's', expected: 1n, current: 2n })],
    ['a missing stream', new StreamNotFoundError(undefined, 'neighbourhood-1')],
    ['a programming error', new TypeError('x is not a function')],
  ])('leaves %s as it is', (_, error) => {
    expect(toStorageError(error)).toBeUndefined();
  });
});
