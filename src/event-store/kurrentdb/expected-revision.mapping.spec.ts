import { ANY, NO_STREAM, STREAM_EXISTS } from '@kurrent/kurrentdb-client';
import {
  assertExpectedRevision,
  expectationHolds,
  fromCurrentStreamState,
  revisionToNumber,
  toStreamState,
} from './expected-revision.mapping.js';

describe('expected revision ↔ streamState', () => {
  it.each([
    ['any', ANY],
    ['no_stream', NO_STREAM],
    ['stream_exists', STREAM_EXISTS],
    [0, 0n],
    [41, 41n],
    [Number.MAX_SAFE_INTEGER, BigInt(Number.MAX_SAFE_INTEGER)],
  ] as const)('maps %p to %p', (expected, state) => {
    expect(toStreamState(expected)).toBe(state);
  });

  it.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('refuses the revision %p', (expected) => {
    expect(() => toStreamState(expected)).toThrow(RangeError);
    expect(() => assertExpectedRevision(expected)).toThrow(RangeError);
  });

  it('maps the current state the server reports to a revision, -1 for no stream', () => {
    expect(fromCurrentStreamState(NO_STREAM)).toBe(-1);
    expect(fromCurrentStreamState(0n)).toBe(0);
    expect(fromCurrentStreamState(7n)).toBe(7);
    expect(fromCurrentStreamState(-1n)).toBe(-1);
  });

  it('refuses revisions a number cannot hold exactly', () => {
    expect(revisionToNumber(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => revisionToNumber(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toThrow(RangeError);
    expect(() => revisionToNumber(-2n)).toThrow(RangeError);
  });

  it.each([
    ['any', -1, true],
    ['any', 3, true],
    ['no_stream', -1, true],
    ['no_stream', 0, false],
    ['stream_exists', -1, false],
    ['stream_exists', 0, true],
    [2, 2, true],
    [2, 1, false],
    [0, -1, false],
  ] as const)('expectation %p on a stream at %p holds: %p', (expected, actual, holds) => {
    expect(expectationHolds(expected, actual)).toBe(holds);
  });
});
