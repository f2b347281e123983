import { backoffDelay, DEFAULT_RECONNECT_BACKOFF } from './backoff.js';

describe('reconnect backoff', () => {
  const highest = (): number => 1;
  const lowest = (): number => 0;

  it('doubles from 100 ms up to 5 s by default', () => {
    const steps = Array.from({ length: 10 }, (_, attempt) => backoffDelay(attempt, DEFAULT_RECONNECT_BACKOFF, highest));
    expect(steps).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
  });

  it('keeps a random half of each step, never less than half', () => {
    expect(backoffDelay(0, DEFAULT_RECONNECT_BACKOFF, lowest)).toBe(50);
    expect(backoffDelay(3, DEFAULT_RECONNECT_BACKOFF, lowest)).toBe(400);
    expect(backoffDelay(3, DEFAULT_RECONNECT_BACKOFF, () => 0.5)).toBe(600);
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const delay = backoffDelay(attempt);
      expect(delay).toBeGreaterThanOrEqual(50);
      expect(delay).toBeLessThanOrEqual(5000);
    }
  });

  it('stays finite for very many attempts', () => {
    expect(backoffDelay(10_000, DEFAULT_RECONNECT_BACKOFF, highest)).toBe(5000);
  });

  it('refuses a nonsensical policy or attempt', () => {
    expect(() => backoffDelay(-1)).toThrow(RangeError);
    expect(() => backoffDelay(0, { initialMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => backoffDelay(0, { initialMs: 100, maxMs: 10 })).toThrow(RangeError);
  });
});
