import { classifyBatch, repeatedEventId, type EventLocation } from './batch-idempotency.js';

const at = (revision: number): EventLocation => ({ revision, position: 1000 + revision * 10 });

describe('recognising a retried batch', () => {
  it('finds an id repeated within the batch', () => {
    expect(repeatedEventId(['a', 'b', 'c'])).toBeUndefined();
    expect(repeatedEventId(['a', 'b', 'a'])).toBe('a');
    expect(repeatedEventId([])).toBeUndefined();
  });

  it('calls a batch none of whose ids is in the stream new', () => {
    expect(classifyBatch(['a', 'b'], new Map())).toEqual({ kind: 'absent' });
  });

  it('answers a batch found whole, in order, with the revision and position of its last event', () => {
    const found = new Map([
      ['a', at(4)],
      ['b', at(5)],
      ['c', at(6)],
    ]);
    expect(classifyBatch(['a', 'b', 'c'], found)).toEqual({ kind: 'original', result: { nextRevision: 6, position: 1060, replayed: true } });
    expect(classifyBatch(['a', 'b'], found)).toEqual({ kind: 'original', result: { nextRevision: 5, position: 1050, replayed: true } });
  });

  it('refuses a batch that only partly repeats an earlier one, naming the first known id', () => {
    expect(classifyBatch(['new', 'b'], new Map([['b', at(1)]]))).toEqual({ kind: 'conflict', eventId: 'b' });
    expect(classifyBatch(['a', 'new'], new Map([['a', at(1)]]))).toEqual({ kind: 'conflict', eventId: 'a' });
  });

  it('refuses known ids that are not one run in the batch order', () => {
    const swapped = new Map([
      ['a', at(2)],
      ['b', at(1)],
    ]);
    const gap = new Map([
      ['a', at(1)],
      ['b', at(3)],
    ]);
    expect(classifyBatch(['a', 'b'], swapped)).toEqual({ kind: 'conflict', eventId: 'a' });
    expect(classifyBatch(['a', 'b'], gap)).toEqual({ kind: 'conflict', eventId: 'a' });
  });
});
