import { START } from '@kurrent/kurrentdb-client';
import {
  UnrepresentablePosition,
  readAllStart,
  subscriptionStart,
  toClientPosition,
  toPortPosition,
} from './position.mapping.js';

describe('positions', () => {
  it('maps a gRPC-written event (commit == prepare) to its commit position, and back', () => {
    expect(toPortPosition({ commit: 1234n, prepare: 1234n })).toBe(1234);
    expect(toClientPosition(1234)).toEqual({ commit: 1234n, prepare: 1234n });
    expect(toPortPosition(toClientPosition(987_654_321))).toBe(987_654_321);
  });

  it('accepts positions up to 2^53 - 1 and refuses beyond, rather than round', () => {
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    expect(toPortPosition({ commit: max, prepare: max })).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toPortPosition({ commit: max + 1n, prepare: max + 1n })).toThrow(UnrepresentablePosition);
  });

  it('refuses an event of an explicit transaction (commit != prepare), which one number cannot order', () => {
    expect(() => toPortPosition({ commit: 500n, prepare: 420n }, 'event e1')).toThrow(/event e1 .*explicit transaction/);
  });

  it('says so when the server reported no position (a stream read before 22.6)', () => {
    expect(() => toPortPosition(undefined)).toThrow(/no log position/);
    const unknown = 0xffff_ffff_ffff_ffffn;
    expect(() => toPortPosition({ commit: unknown, prepare: unknown })).toThrow(/no log position/);
  });

  it('refuses a checkpoint that is not a position', () => {
    expect(() => toClientPosition(-1)).toThrow(RangeError);
    expect(() => toClientPosition(1.5)).toThrow(RangeError);
  });

  describe('starting strictly after a checkpoint', () => {
    it('reads $all from the start when there is no checkpoint (or 0)', () => {
      expect(readAllStart(undefined)).toEqual({ fromPosition: START, skipThrough: 0 });
      expect(readAllStart(0)).toEqual({ fromPosition: START, skipThrough: 0 });
    });

    it('reads $all from the checkpoint itself and skips it, since readAll is inclusive', () => {
      expect(readAllStart(4096)).toEqual({ fromPosition: { commit: 4096n, prepare: 4096n }, skipThrough: 4096 });
    });

    it('subscribes from the checkpoint itself, since subscribeToAll is exclusive', () => {
      expect(subscriptionStart(undefined)).toBe(START);
      expect(subscriptionStart(0)).toBe(START);
      expect(subscriptionStart(4096)).toEqual({ commit: 4096n, prepare: 4096n });
    });
  });
});
