/** The answer for one request: go ahead, or wait `retryAfterSeconds`. */
export type RateLimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true });

/** Buckets kept at most: callers keyed by client address are as many as there are clients. */
export const DEFAULT_MAX_BUCKETS = 100_000;

/**
 * A token bucket per caller: it holds up to one second's worth of requests and refills at
 * `perSecond`, so a client may burst up to the limit and then sustain it. Callers are API key
 * ids and, for requests without a valid key, client addresses. The buckets used least recently
 * are dropped beyond `maxBuckets`, so that requests from ever new addresses cannot fill the
 * memory; a dropped caller starts again with a full bucket. 0 turns limiting off.
 */
export class TokenBucketRateLimiter {
  /** In order of last use: a Map iterates in insertion order, and each use re-inserts. */
  private readonly buckets = new Map<string, Bucket>();
  /** At least one request, or a rate below 1/s could never let one through. */
  private readonly capacity: number;

  constructor(
    readonly perSecond: number,
    /** Milliseconds from a monotonic clock: wall-clock jumps must not refill or drain buckets. */
    private readonly now: () => number = () => performance.now(),
    private readonly maxBuckets = DEFAULT_MAX_BUCKETS,
  ) {
    if (!Number.isFinite(perSecond) || perSecond < 0) {
      throw new RangeError(`perSecond must be a non-negative number, got ${perSecond}`);
    }
    if (!Number.isSafeInteger(maxBuckets) || maxBuckets < 1) {
      throw new RangeError(`maxBuckets must be a positive integer, got ${maxBuckets}`);
    }
    this.capacity = Math.max(1, perSecond);
  }

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  /** How many callers have a bucket now. */
  get size(): number {
    return this.buckets.size;
  }

  take(caller: string): RateLimitDecision {
    if (!this.enabled) {
      return ALLOWED;
    }
    const now = this.now();
    const bucket = this.buckets.get(caller) ?? { tokens: this.capacity, updatedAt: now };
    const elapsedSeconds = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsedSeconds * this.perSecond);
    bucket.updatedAt = now;
    this.buckets.delete(caller);
    this.buckets.set(caller, bucket);
    if (this.buckets.size > this.maxBuckets) {
      this.buckets.delete(this.buckets.keys().next().value!);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return ALLOWED;
    }
    const waitSeconds = (1 - bucket.tokens) / this.perSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }
}
