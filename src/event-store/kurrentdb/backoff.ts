/** Reconnect delays: exponential from `initialMs`, doubling up to `maxMs`. */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5_000 };

/**
 * The pause before reconnect attempt `attempt` (0 for the first): the exponential step, of which
 * a random half is kept ("equal jitter"). Many API nodes dropped by the same leader election then
 * come back spread out instead of all at once, and no pause is shorter than half its step.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_RECONNECT_BACKOFF, random: () => number = Math.random): number {
  if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be an integer >= 0, got ${attempt}`);
  if (!(policy.initialMs > 0) || !(policy.maxMs >= policy.initialMs)) {
    throw new RangeError(`backoff needs 0 < initialMs <= maxMs, got ${policy.initialMs} and ${policy.maxMs}`);
  }
  // 2 ** attempt overflows to Infinity long after it passed maxMs; min() keeps it finite.
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 60));
  const jitter = Math.min(1, Math.max(0, random()));
  return Math.round(step / 2 + (step / 2) * jitter);
}
