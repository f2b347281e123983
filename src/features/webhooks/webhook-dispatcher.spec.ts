import { retryDelayMs } from './webhook-dispatcher.js';

describe('the retry schedule', () => {
  it('doubles from 1 s, within ±20 %', () => {
    expect(retryDelayMs(0, 1, () => 0)).toBeCloseTo(800);
    expect(retryDelayMs(0, 1, () => 1)).toBeCloseTo(1_200);
    expect(retryDelayMs(0, 1, () => 0.5)).toBeCloseTo(1_000);
    expect(retryDelayMs(3, 1, () => 0.5)).toBeCloseTo(8_000);
  });

  it('waits at most an hour (±20 %), however many failures', () => {
    expect(retryDelayMs(12, 1, () => 0.5)).toBe(3_600_000);
    expect(retryDelayMs(1_000, 1, () => 1)).toBeCloseTo(4_320_000);
  });

  it('is shortened by the scale', () => {
    expect(retryDelayMs(2, 0.01, () => 0.5)).toBeCloseTo(40);
  });
});
