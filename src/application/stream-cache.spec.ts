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
    for (let i = 0; i < 2_000; i++) expect(streams.get(`place-${i}`)).toEqual(folded(5));
    // The budget is full to the event: one more evicts the least recently used, and only it.
    streams.set('one-more', folded(5));
    expect(streams.get('place-0')).toBeUndefined();
    expect(streams.get('place-1')).toEqual(folded(5));
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
    // The evicted stream's events were given back: 20 more fit exactly.
    streams.set('d', folded(20));
    for (const key of ['a', 'c', 'd']) expect(streams.get(key)).toBeDefined();
  });

  it('weighs an entry again when it is set again after growing', () => {
    const streams = cache(100);
    streams.set('a', folded(30));
    streams.set('b', folded(30));
    streams.set('a', folded(80));
    expect(streams.get('b')).toBeUndefined();
    // `a` now weighs 80, not 30 + 80: 20 more fit beside it.
    streams.set('c', folded(20));
    expect(streams.get('a')).toEqual(folded(80));
    expect(streams.get('c')).toEqual(folded(20));
  });

  it('keeps a stream longer than the whole budget alone, until another is set', () => {
    const streams = cache(100);
    streams.set('a', folded(60));
    streams.set('long', folded(150));
    expect(streams.get('a')).toBeUndefined();
    expect(streams.get('long')).toEqual(folded(150));
    streams.set('b', folded(10));
    expect(streams.get('long')).toBeUndefined();
    expect(streams.get('b')).toEqual(folded(10));
    // Nothing of the long stream is still counted: 90 more fit beside `b`.
    streams.set('c', folded(90));
    expect(streams.get('b')).toEqual(folded(10));
    expect(streams.get('c')).toEqual(folded(90));
  });

  it('counts an empty state as one event, so the budget also bounds the count', () => {
    const streams = cache(3);
    for (const key of ['a', 'b', 'c', 'd']) streams.set(key, folded(0));
    expect(streams.get('a')).toBeUndefined();
    for (const key of ['b', 'c', 'd']) expect(streams.get(key)).toEqual(folded(0));
  });

  it('gives back the weight of a deleted entry', () => {
    const streams = cache(100);
    streams.set('a', folded(70));
    streams.set('b', folded(20));
    streams.delete('a');
    streams.delete('a');
    streams.set('c', folded(80));
    expect(streams.get('a')).toBeUndefined();
    expect(streams.get('b')).toEqual(folded(20));
    expect(streams.get('c')).toEqual(folded(80));
  });
});
