import { isInstant } from './input-limits.js';

describe('isInstant', () => {
  it.each(['2018-04-18T06:00:00Z', '2018-04-18T06:00Z', '2018-04-18T06:00:00.123+03:00', '2016-02-29T00:00:00-05:30'])(
    'accepts %s',
    (value) => expect(isInstant(value)).toBe(true),
  );

  it.each([
    '2018-02-30T00:00:00Z',
    '2017-02-29T00:00:00Z',
    '2018-04-18T24:00:00Z',
    '2018-04-18T06:00:00',
    '2018-04-18',
    'yesterday',
    '1800-01-01T00:00:00Z',
    '2018-04-18T06:00:00+25:00',
    '',
  ])('refuses %s', (value) => expect(isInstant(value)).toBe(false));

  it('refuses non-strings', () => {
    expect(isInstant(1524031200000)).toBe(false);
    expect(isInstant(null)).toBe(false);
  });
});
