import { START, type Position, type ReadPosition } from '@kurrent/kurrentdb-client';

/*
 * The port's position is one number; KurrentDB's is a pair (commit, prepare) of bigints.
 *
 * - Every event appended through gRPC (EventStoreDB 20+, KurrentDB) is written as a prepare
 *   record flagged "committed", and `$all` reports it at (its log position, its log position):
 *   commit == prepare, even for each event of a multi-event append. The number is therefore the
 *   commit position, and the pair comes back as (n, n).
 * - Only events written in explicit transactions of the retired TCP API have commit != prepare;
 *   several of them share one commit position, which one number cannot order. They are refused
 *   rather than mis-ordered.
 * - Log positions are byte offsets, so 2^53 is 9 PB of log: refused rather than rounded.
 * - A stream read on a server older than 22.6 carries no position (2^64 - 1 on the wire).
 */

const UNKNOWN_POSITION = 0xffff_ffff_ffff_ffffn;
const MAX_PORT_POSITION = BigInt(Number.MAX_SAFE_INTEGER);

export class UnrepresentablePosition extends Error {
  override readonly name = 'UnrepresentablePosition';
}

/** The port position of an event the server reported at `position`. */
export function toPortPosition(position: Position | undefined, what = 'an event'): number {
  if (position === undefined || position.commit === UNKNOWN_POSITION || position.commit < 0n) {
    throw new UnrepresentablePosition(
      `${what}: the server reported no log position (stream reads carry one from EventStoreDB 22.6 on)`,
    );
  }
  if (position.commit !== position.prepare) {
    throw new UnrepresentablePosition(
      `${what} is at commit ${position.commit}, prepare ${position.prepare}: written in an explicit ` +
        'transaction, which this adapter cannot order by one number',
    );
  }
  if (position.commit > MAX_PORT_POSITION) {
    throw new UnrepresentablePosition(`${what} is at log position ${position.commit}, beyond 2^53 - 1`);
  }
  return Number(position.commit);
}

/** The client position of an event the port knows at `position`: the inverse of `toPortPosition`. */
export function toClientPosition(position: number): Position {
  assertPortPosition(position, 'position');
  return { commit: BigInt(position), prepare: BigInt(position) };
}

/**
 * Where a forward `readAll` starts to give the events strictly after `after`.
 *
 * `readAll` from a position is INCLUSIVE: the server returns the event at that position first.
 * So the read starts at the checkpoint and `skipThrough` tells the caller to drop every event at
 * or before it. Position 0 (or none) is the start: the first records of a log are the server's
 * own, so no event of ours sits at 0.
 */
export function readAllStart(after: number | undefined): { fromPosition: ReadPosition; skipThrough: number } {
  if (after === undefined || after === 0) return { fromPosition: START, skipThrough: 0 };
  return { fromPosition: toClientPosition(after), skipThrough: after };
}

/**
 * Where `subscribeToAll` starts to deliver the events strictly after `after`.
 *
 * Unlike `readAll`, a catch-up subscription from a position is EXCLUSIVE: the server sends
 * events after it (it skips `eventPosition <= checkpoint`). The checkpoint is passed as is.
 */
export function subscriptionStart(after: number | undefined): ReadPosition {
  if (after === undefined || after === 0) return START;
  return toClientPosition(after);
}

export function assertPortPosition(position: number, name: string): void {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new RangeError(`${name} must be an integer >= 0, got ${position}`);
  }
}
