import { ANY, NO_STREAM, STREAM_EXISTS, type AppendStreamState, type CurrentStreamState } from '@kurrent/kurrentdb-client';
import type { ExpectedRevision } from '../event-store.port.js';

/** The port's expectation as the client's `streamState` option of `appendToStream`. */
export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      assertRevision(expected, 'expected revision');
      return BigInt(expected);
  }
}

/** A stream state the server reported (`no_stream` or the last revision) as the port's revision, -1 for none. */
export function fromCurrentStreamState(state: CurrentStreamState): number {
  return state === NO_STREAM ? -1 : revisionToNumber(state);
}

/** A revision from the server as a number; the port counts revisions in plain numbers. */
export function revisionToNumber(revision: bigint): number {
  // A stream of more than 2^53 events is not something this application can produce; say so
  // rather than round to a neighbouring revision.
  if (revision < -1n || revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`stream revision ${revision} is outside what this adapter can represent (-1 to 2^53 - 1)`);
  }
  return Number(revision);
}

export { expectationHolds } from '../event-store.port.js';

export function assertExpectedRevision(expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  assertRevision(expected, 'expected revision');
}

function assertRevision(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be 'any', 'no_stream', 'stream_exists' or a revision >= 0, got ${String(value)}`);
  }
}
