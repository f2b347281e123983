import { TokenBucketRateLimiter } from './rate-limiter.js';

describe('TokenBucketRateLimiter', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000;
  });

  it('allows a burst of one second worth of requests, then refuses with Retry-After', () => {
    const limiter = new TokenBucketRateLimiter(3, clock);
    expect([1, 2, 3].map(() => limiter.take('writer-1').allowed)).toEqual([true, true, true]);
    expect(limiter.take('writer-1')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refills at the configured rate, and never above one second worth', () => {
    const limiter = new TokenBucketRateLimiter(2, clock);
    limiter.take('k');
    limiter.take('k');
    expect(limiter.take('k').allowed).toBe(false);
    now += 500;
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(false);
    now += 60_000;
    expect([1, 2, 3].map(() => limiter.take('k').allowed)).toEqual([true, true, false]);
  });

  it('keeps a bucket per key', () => {
    const limiter = new TokenBucketRateLimiter(1, clock);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('asks for a longer wait when the rate is below one per second', () => {
    const limiter = new TokenBucketRateLimiter(0.25, clock);
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 4 });
  });

  it('is off at 0', () => {
    const limiter = new TokenBucketRateLimiter(0, clock);
    expect(limiter.enabled).toBe(false);
    expect(Array.from({ length: 10_000 }, () => limiter.take('k').allowed).every(Boolean)).toBe(true);
  });

  it('does not refill when the clock goes backwards', () => {
    const limiter = new TokenBucketRateLimiter(1, clock);
    limiter.take('k');
    now -= 10_000;
    expect(limiter.take('k').allowed).toBe(false);
  });

  it('keeps at most maxBuckets callers, dropping the one used least recently', () => {
    const limiter = new TokenBucketRateLimiter(1, clock, 2);
    limiter.take('a');
    limiter.take('b');
    expect(limiter.take('a').allowed).toBe(false); // a is now the most recent
    limiter.take('c'); // drops b
    expect(limiter.size).toBe(2);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true); // a fresh bucket; drops c
    expect(limiter.take('c').allowed).toBe(true);
    expect(limiter.size).toBe(2);
  });

  it('refuses a maxBuckets that is not a positive integer', () => {
    expect(() => new TokenBucketRateLimiter(1, clock, 0)).toThrow(RangeError);
  });
});
