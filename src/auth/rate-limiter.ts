/** The answer for one request: go ahead, or wait `retryAfterSeconds`. */
export type RateLimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true });

/**
 * A token bucket per caller: it holds up to one second's worth of requests and refills at
 * `perSecond`, so a client may burst up to the limit and then sustain it. Buckets are keyed
 * by API key id, of which there are few, so the map stays small. 0 turns limiting off.
 */
export class TokenBucketRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** At least one request, or a rate below 1/s could never let one through. */
  private readonly capacity: number;

  constructor(
    readonly perSecond: number,
    /** Milliseconds from a monotonic clock: wall-clock jumps must not refill or drain buckets. */
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isFinite(perSecond) || perSecond < 0) {
      throw new RangeError(`perSecond must be a non-negative number, got ${perSecond}`);
    }
    this.capacity = Math.max(1, perSecond);
  }

  get enabled(): boolean {
    return this.perSecond > 0;
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
    this.buckets.set(caller, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return ALLOWED;
    }
    const waitSeconds = (1 - bucket.tokens) / this.perSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }
}
