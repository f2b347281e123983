import { DatasetVersionIndex, decideVersion } from './dataset-versions.js';

const event = (version: string, eventId: string, retracted = false) => ({ rowId: 'SYR1', version, eventId, retracted });

describe('ACLED versions', () => {
  it('imports a row never stored, retracting nothing', () => {
    expect(decideVersion([], '100')).toEqual({ kind: 'import', retract: [] });
  });

  it('imports the stored version again (its commands replay) and retracts nothing', () => {
    expect(decideVersion([event('100', 'a')], '100')).toEqual({ kind: 'import', retract: [] });
  });

  it('retracts the standing events of older versions before a newer one', () => {
    const decision = decideVersion([event('90', 'a'), event('90', 'b'), event('80', 'c', true), event('100', 'd')], '120');
    expect(decision).toEqual({ kind: 'import', retract: [event('90', 'a'), event('90', 'b'), event('100', 'd')] });
  });

  it('skips a row older than the stored version, compared as numbers', () => {
    expect(decideVersion([event('1000', 'a')], '999')).toEqual({ kind: 'older', stored: '1000' });
  });

  it('keeps what it holds per neighbourhood and forgets the least recently used past its bound', () => {
    const index = new DatasetVersionIndex(3);
    index.load('n1', [event('1', 'a'), event('1', 'b')]);
    index.load('n2', [event('1', 'c')]);
    expect(index.has('n1')).toBe(true);
    index.record('n2', { rowId: 'SYR2', version: '5', eventId: 'd', retracted: false });
    expect(index.has('n2')).toBe(true);
    expect(index.has('n1')).toBe(false);
    expect(index.versionsOf('n2', 'SYR2')).toEqual([{ rowId: 'SYR2', version: '5', eventId: 'd', retracted: false }]);
    index.markRetracted('n2', 'c');
    expect(index.versionsOf('n2', 'SYR1')).toEqual([event('1', 'c', true)]);
    index.record('n9', event('1', 'x'));
    expect(index.has('n9')).toBe(false);
  });

  it('keeps every event of a row, in order, counts each once, and retracts only the one named', () => {
    const index = new DatasetVersionIndex(4);
    index.load('n1', [event('90', 'a'), event('100', 'b')]);
    index.record('n1', event('100', 'b'));
    index.record('n1', event('110', 'c'));
    expect(index.versionsOf('n1', 'SYR1')).toEqual([event('90', 'a'), event('100', 'b'), event('110', 'c')]);
    index.markRetracted('n1', 'b');
    expect(index.versionsOf('n1', 'SYR1')).toEqual([event('90', 'a'), event('100', 'b', true), event('110', 'c')]);
    // Three events held: one more neighbourhood of two goes past the bound of four, and the older one is forgotten.
    index.load('n2', [event('1', 'x'), event('1', 'y')]);
    expect(index.has('n1')).toBe(false);
    expect(index.versionsOf('n2', 'SYR1')).toEqual([event('1', 'x'), event('1', 'y')]);
  });

  it('refuses to index a version or an event id with a space or a line break in it', () => {
    const index = new DatasetVersionIndex();
    expect(() => index.load('n1', [event('1 2', 'a')])).toThrow(/cannot index/);
    expect(() => index.load('n1', [event('1', 'a\nb')])).toThrow(/cannot index/);
  });
});
