import { StreamCache } from './stream-cache.js';

interface Folded {
  readonly events: number;
}

const folded = (events: number): Folded => ({ events });

describe('StreamCache', () => {
  const cache = (budget: number): StreamCache<Folded> => new StreamCache<Folded>(budget, (value) => value.events);

  it('keeps many short streams within a budget of events, whatever their count', () => {
    const streams = cache(10_000);
    for (let i = 0; i < 2_000; i++) streams.set(`place-${i}`, folded(5));
    expect(streams.size).toBe(2_000);
    expect(streams.heldWeight).toBe(10_000);
    expect(streams.get('place-0')).toEqual(folded(5));
  });

  it('evicts the least recently used streams until the events held fit the budget', () => {
    const streams = cache(100);
    streams.set('a', folded(40));
    streams.set('b', folded(40));
    streams.get('a');
    streams.set('c', folded(40));
    expect(streams.get('b')).toBeUndefined();
    expect(streams.get('a')).toEqual(folded(40));
    expect(streams.get('c')).toEqual(folded(40));
    expect(streams.heldWeight).toBe(80);
  });

  it('weighs an entry again when it is set again after growing', () => {
    const streams = cache(100);
    streams.set('a', folded(30));
    streams.set('b', folded(30));
    streams.set('a', folded(80));
    expect(streams.get('b')).toBeUndefined();
    expect(streams.size).toBe(1);
    expect(streams.heldWeight).toBe(80);
  });

  it('keeps a stream longer than the whole budget alone, until another is set', () => {
    const streams = cache(100);
    streams.set('a', folded(60));
    streams.set('long', folded(150));
    expect(streams.get('a')).toBeUndefined();
    expect(streams.get('long')).toEqual(folded(150));
    expect(streams.heldWeight).toBe(150);
    streams.set('b', folded(10));
    expect(streams.get('long')).toBeUndefined();
    expect(streams.get('b')).toEqual(folded(10));
    expect(streams.heldWeight).toBe(10);
  });

  it('counts an empty state as one event, so the budget also bounds the count', () => {
    const streams = cache(3);
    for (const key of ['a', 'b', 'c', 'd']) streams.set(key, folded(0));
    expect(streams.size).toBe(3);
    expect(streams.get('a')).toBeUndefined();
  });

  it('gives back the weight of a deleted entry', () => {
    const streams = cache(100);
    streams.set('a', folded(70));
    streams.delete('a');
    streams.delete('a');
    streams.set('b', folded(90));
    expect(streams.get('b')).toEqual(folded(90));
    expect(streams.heldWeight).toBe(90);
  });
});
