import { hasVisibleText, instantProblem, isInstant, slugProblem } from './input-limits.js';

describe('isInstant', () => {
  it.each([
    '2018-04-18T06:00:00Z',
    '2018-04-18T06:00Z',
    '2018-04-18T06:00:00.123+03:00',
    '2016-02-29T00:00:00-05:30',
    '2018-04-18T06:00:00+14:00',
    '2018-04-18T06:00:00-14:00',
  ])('accepts %s', (value) => expect(isInstant(value)).toBe(true));

  it.each([
    '2018-02-30T00:00:00Z',
    '2017-02-29T00:00:00Z',
    '2018-04-18T24:00:00Z',
    '2018-04-18T06:00:00',
    '2018-04-18',
    'yesterday',
    '1800-01-01T00:00:00Z',
    '2018-04-18T06:00:00+25:00',
    '2018-04-18T06:00:00+14:01',
    '2018-04-18T06:00:00+14:59',
    '2018-04-18T06:00:00-14:30',
    '2018-04-18T06:00:00+05:60',
    '',
  ])('refuses %s', (value) => expect(isInstant(value)).toBe(false));

  it('refuses non-strings', () => {
    expect(isInstant(1524031200000)).toBe(false);
    expect(isInstant(null)).toBe(false);
  });
});

describe('instantProblem', () => {
  it.each([
    ['2018-02-30T10:00:00Z', 'is not a real calendar date: 2018-02-30 does not exist'],
    ['2017-02-29T10:00:00Z', 'is not a real calendar date: 2017-02-29 does not exist'],
    ['2018-13-01T10:00:00Z', 'is not a real calendar date: 2018-13-01 does not exist'],
    ['2018-04-18T23:60Z', 'is not a real time of day: 23:60 does not exist'],
    ['2018-04-18T23:59:60Z', 'is not a real time of day: 23:59:60 does not exist'],
    ['2018-04-18T10:00:00+14:30', 'has a zone offset beyond ±14:00: +14:30'],
    ['2018-04-18T10:00:00+05:60', 'has a zone offset that does not exist: +05:60'],
    ['1899-12-31T23:59:59Z', 'must be in 1900 or later'],
    ['2018-04-18 10:00:00Z', 'must be an ISO 8601 instant with a zone, e.g. 2018-04-18T06:00:00Z'],
    ['2018-04-18T10:00:00.1234567890Z', 'must be an ISO 8601 instant with a zone, e.g. 2018-04-18T06:00:00Z'],
  ])('words what is wrong with %s', (value, problem) => expect(instantProblem(value)).toBe(problem));

  it('has nothing to say of a real instant', () => {
    expect(instantProblem('2016-02-29T23:59:59.999999999-12:00')).toBeUndefined();
  });
});

describe('hasVisibleText', () => {
  it.each(['x', ' x ', '\u200fفرن\u200e', 'line 1\nline 2', '\u0301', '😀'])('finds text in %j', (value) => expect(hasVisibleText(value)).toBe(true));

  it.each(['', ' ', '\t\n\r', '\u00a0', '\u1680', '\u2000\u200a', '\u2028\u2029', '\u202f\u205f\u3000', '\u200b\u200c\u200d', '\u200e\u200f\u061c', '\ufeff', '\u2060\u2061', '\u00ad', '\u3164\u115f', '\u{e0001}'])(
    'finds none in %j',
    (value) => expect(hasVisibleText(value)).toBe(false),
  );
});

describe('slugProblem', () => {
  it.each([
    ['isis', undefined],
    [7, 'must be a string'],
    ['ISIS', 'must be a lowercase slug ([a-z0-9]+(-[a-z0-9]+)*)'],
    ['a'.repeat(65), 'must be at most 64 characters'],
  ])('%j: %s', (value, problem) => expect(slugProblem(value)).toBe(problem));
});
