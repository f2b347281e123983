import { parseAcledDate, parseIsoDate, precisionWindowStart } from './import-time.js';

const today = new Date('2024-06-15T12:00:00Z');

describe('import dates', () => {
  it('reads ISO dates and refuses impossible ones', () => {
    expect(parseIsoDate('2018-05-15')).toBe('2018-05-15');
    expect(parseIsoDate('2018-5-9')).toBe('2018-05-09');
    expect(parseIsoDate('2018-02-30')).toBeUndefined();
    expect(parseIsoDate('2016-01-01 00:00:00.000')).toBe('2016-01-01');
    expect(parseIsoDate('2016-01-01T00:00:00')).toBe('2016-01-01');
    expect(parseIsoDate('2016-01-01 25')).toBeUndefined();
    expect(parseIsoDate('15/05/2018')).toBeUndefined();
  });

  it.each([
    ['2020-05-09', '2020-05-09'],
    ['9-May-20', '2020-05-09'],
    ['09-May-2020', '2020-05-09'],
    ['09 May 2020', '2020-05-09'],
    ['9 May 2020', '2020-05-09'],
    ['16 May 2025', '2025-05-16'],
    ['9 September 2020', '2020-09-09'],
    ['1-Sept-19', '2019-09-01'],
    ['31-dec-97', '1997-12-31'],
    ['15-Jun-24', '2024-06-15'],
    ['16-Jun-24', '1924-06-16'],
  ])('reads the ACLED date %s as %s (a two-digit year is 20yy unless that is after today)', (text, date) => {
    expect(parseAcledDate(text, today)).toBe(date);
  });

  it.each(['30-Feb-20', '9-Mai-20', '2020/05/09', '5/9/2020', '', 'May 2020'])('refuses %j', (text) => {
    expect(parseAcledDate(text, today)).toBeUndefined();
  });

  it('starts precision windows as the server does: the day, Monday of the week, the 1st of the month', () => {
    expect(new Date(precisionWindowStart('2018-05-17', 'day')).toISOString()).toBe('2018-05-17T00:00:00.000Z');
    expect(new Date(precisionWindowStart('2018-05-17', 'week')).toISOString()).toBe('2018-05-14T00:00:00.000Z');
    expect(new Date(precisionWindowStart('2018-05-14', 'week')).toISOString()).toBe('2018-05-14T00:00:00.000Z');
    expect(new Date(precisionWindowStart('2018-05-20', 'week')).toISOString()).toBe('2018-05-14T00:00:00.000Z');
    expect(new Date(precisionWindowStart('2018-05-17', 'month')).toISOString()).toBe('2018-05-01T00:00:00.000Z');
  });
});
