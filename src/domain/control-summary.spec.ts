import { summarizeControl, UNKNOWN_SIDE, type WeightedControl } from './control-summary.js';

const SIDES: Record<string, string> = {
  isis: 'isis',
  'syrian-regime': 'pro-government',
  hezbollah: 'pro-government',
  'opposition-factions': 'opposition',
};
const sideOf = (actor: string): string | undefined => SIDES[actor];

const held = (controller: string | null, weight = 1, contested = false): WeightedControl => ({ controller, weight, contested });

describe('summarizeControl', () => {
  it('gives each actor its fraction of the total weight, uncontrolled positions counting in the total only', () => {
    const summary = summarizeControl([held('isis', 3), held('syrian-regime', 1), held(null, 4)], sideOf);
    expect(summary.shares).toEqual({ isis: 3 / 8, 'syrian-regime': 1 / 8 });
  });

  it('adds up the shares of the actors of one side', () => {
    const summary = summarizeControl([held('syrian-regime', 2), held('hezbollah', 1), held('isis', 1)], sideOf);
    expect(summary.sideShares).toEqual({ isis: 0.25, 'pro-government': 0.75 });
  });

  it('counts an actor with no known side under "unknown"', () => {
    expect(summarizeControl([held('somebody', 1), held('isis', 1)], sideOf).sideShares).toEqual({ isis: 0.5, [UNKNOWN_SIDE]: 0.5 });
  });

  it('names a majority controller only for strictly more than half the weight', () => {
    expect(summarizeControl([held('isis', 2), held('syrian-regime', 2)], sideOf).majorityController).toBeNull();
    expect(summarizeControl([held('isis', 9), held('syrian-regime', 4), held('hezbollah', 5)], sideOf).majorityController).toBeNull();
    expect(summarizeControl([held('isis', 2.0001), held('syrian-regime', 2)], sideOf).majorityController).toBe('isis');
    expect(summarizeControl([held('isis', 13), held('syrian-regime', 5)], sideOf).majorityController).toBe('isis');
  });

  it('does not let rounding of decimal weights turn exactly half into a majority', () => {
    // Summed in this order, twice 0.2 + 0.1 comes out above 0.3 + 0.2 + 0.1 in binary floating point.
    const positions = [held('syrian-regime', 0.3), held('isis', 0.2), held('isis', 0.1)];
    expect(2 * (0.2 + 0.1)).toBeGreaterThan(0.3 + 0.2 + 0.1);
    const summary = summarizeControl(positions, sideOf);
    expect(summary.majorityController).toBeNull();
  });

  it('is a side-wide majority no actor has alone: no majority controller', () => {
    const summary = summarizeControl([held('syrian-regime', 2), held('hezbollah', 2), held('isis', 1)], sideOf);
    expect(summary.sideShares['pro-government']).toBeCloseTo(0.8);
    expect(summary.majorityController).toBeNull();
  });

  it('counts contested positions whoever holds them', () => {
    const summary = summarizeControl([held('isis', 1, true), held(null, 1, true), held('syrian-regime', 1, false)], sideOf);
    expect(summary.contestedPositions).toBe(2);
  });

  it('answers an empty neighbourhood with no shares and no majority', () => {
    expect(summarizeControl([], sideOf)).toEqual({ shares: {}, sideShares: {}, majorityController: null, contestedPositions: 0 });
  });

  it('lists shares by actor id, whatever the order of the positions', () => {
    const summary = summarizeControl([held('syrian-regime'), held('isis'), held('hezbollah')], sideOf);
    expect(Object.keys(summary.shares)).toEqual(['hezbollah', 'isis', 'syrian-regime']);
  });
});
