import { dateProblem, parseDatasetDate, parseIsoDate, precisionWindowStart } from './import-time.js';

const today = new Date('2024-06-15T12:00:00Z');

describe('import dates', () => {
  it('reads ISO dates and refuses impossible ones', () => {
    expect(parseIsoDate('2018-05-15')).toBe('2018-05-15');
    expect(parseIsoDate('2018-5-9')).toBe('2018-05-09');
    expect(parseIsoDate('2018-02-30')).toBeUndefined();
    expect(parseIsoDate('2016-01-01 00:00:00.000')).toBe('2016-01-01');
    expect(parseIsoDate('2016-01-01T00:00:00')).toBe('2016-01-01');
    expect(parseIsoDate('2016-01-01T00:00:00Z')).toBe('2016-01-01');
    expect(parseIsoDate('2016-01-01T23:00:00-05:00')).toBe('2016-01-01');
    expect(parseIsoDate('2018/05/15')).toBe('2018-05-15');
    expect(parseIsoDate('2018/05-15')).toBeUndefined();
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
    ['March 15, 2024', '2024-03-15'],
    ['Sept 1 2019', '2019-09-01'],
    ['2020/05/09', '2020-05-09'],
  ])('reads the dataset date %s as %s (a two-digit year is 20yy unless that is after today)', (text, date) => {
    expect(parseDatasetDate(text, { today })).toBe(date);
  });

  it.each(['30-Feb-20', '9-Mai-20', '5/9/2020', '15/03/2024', '', 'May 2020', 'March 15', '2020-05'])('refuses %j when no date order is given', (text) => {
    expect(parseDatasetDate(text, { today })).toBeUndefined();
  });

  it.each([
    ['15/03/2024', 'dmy', '2024-03-15'],
    ['3/15/2024', 'mdy', '2024-03-15'],
    ['05/09/2020', 'dmy', '2020-09-05'],
    ['05/09/2020', 'mdy', '2020-05-09'],
    ['15.03.2024', 'dmy', '2024-03-15'],
    ['15-03-2024', 'dmy', '2024-03-15'],
    ['1/1/2016 0:00', 'mdy', '2016-01-01'],
    ['01/01/2016 00:00', 'dmy', '2016-01-01'],
    ['3/15/2024 12:00:00 AM', 'mdy', '2024-03-15'],
    ['3/15/24', 'mdy', '2024-03-15'],
    ['6/16/24', 'mdy', '1924-06-16'],
    ['2024-03-15', 'dmy', '2024-03-15'],
  ] as const)('reads the spreadsheet date %s in the order %s as %s', (text, order, date) => {
    expect(parseDatasetDate(text, { today, order })).toBe(date);
  });

  it.each([
    ['3/15/2024', 'dmy'],
    ['15/03/2024', 'mdy'],
    ['31/02/2024', 'dmy'],
    ['15/03/2024/1', 'dmy'],
    ['24-03-15', 'dmy'],
    ['15-03-24', 'dmy'],
  ] as const)('refuses %s read as %s', (text, order) => {
    expect(parseDatasetDate(text, { today, order })).toBeUndefined();
  });

  it('says why a date is refused, and asks for the order of a spreadsheet date', () => {
    expect(dateProblem('event_date', '3/15/2024', { today })).toBe(
      'event_date "3/15/2024" is a spreadsheet\'s date with the day and month in an order the file does not say: give --date-order dmy or mdy',
    );
    expect(dateProblem('event_date', '3/15/2024', { today, order: 'dmy' })).toBe(
      'event_date "3/15/2024" is not a date read as dmy but is one read as mdy: is --date-order right? (a date whose day and month are both 12 or less reads either way)',
    );
    expect(dateProblem('event_date', '31/31/2024', { today, order: 'dmy' })).toBe('event_date "31/31/2024" is not a date, day or month first');
    expect(dateProblem('date_start', 'someday', { today })).toBe(
      'date_start "someday" is not a date (2020-05-09, 9-May-20, 09 May 2020, or 09/05/2020 in the file\'s order)',
    );
  });

  it('starts precision windows as the server does: the day, Monday of the week, the 1st of the month', () => {
    expect(new Date(precisionWindowStart('2018-05-17', 'day')).toISOString()).toBe('2018-05-17T00:00:00.000Z');
    expect(new Date(precisionWindowStart('2018-05-17', 'week')).toISOString()).toBe('2018-05-14T00:00:00.000Z');
    expect(new Date(precisionWindowStart('2018-05-14', 'week')).toISOString()).toBe('2018-05-14T00:00:00.000Z');
    expect(new Date(precisionWindowStart('2018-05-20', 'week')).toISOString()).toBe('2018-05-14T00:00:00.000Z');
    expect(new Date(precisionWindowStart('2018-05-17', 'month')).toISOString()).toBe('2018-05-01T00:00:00.000Z');
  });
});
