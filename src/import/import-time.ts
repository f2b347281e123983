/** The precisions the importer gives reports (a subset of the server's). */
export type ImportPrecision = 'day' | 'week' | 'month';

const DAY_MS = 86_400_000;

/** A calendar date as `YYYY-MM-DD`, or undefined when the fields are no real date. */
export function calendarDate(year: number, month: number, day: number): string | undefined {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return undefined;
  if (year < 1000 || year > 9999) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.toISOString().slice(0, 10);
}

/**
 * `YYYY-MM-DD` or `YYYY/MM/DD` (one-digit month and day accepted), checked against the calendar;
 * a time of day after it (`2016-01-01 00:00:00.000`, as UCDP's published files write dates, or
 * `2016-01-01T00:00:00Z`) is left out: the date is the one written.
 */
export function parseIsoDate(value: string): string | undefined {
  const match = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(value.trim());
  return match ? calendarDate(Number(match[1]), Number(match[3]), Number(match[4])) : undefined;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11,
  november: 11, dec: 12, december: 12,
};

/** Which comes first in a numeric date such as `03/04/2020`: the day (`dmy`) or the month (`mdy`). */
export type DateOrder = 'dmy' | 'mdy';
export const DATE_ORDERS: readonly DateOrder[] = ['dmy', 'mdy'];

/** How a file's dates are read: `today` settles two-digit years; `order` the numeric dates a spreadsheet writes. */
export interface DateReading {
  readonly today: Date;
  readonly order?: DateOrder;
}

/**
 * `15/03/2020`, `3/15/20`, `15.03.2020` or `15-03-2020`, with a time of day after it or not
 * (`-` only with a four-digit year: `24-03-15` may be year first).
 */
const NUMERIC_DATE = /^(\d{1,2})(?:[/.](\d{1,2})[/.](\d{4}|\d{2})|-(\d{1,2})-(\d{4}))(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:\s?[AaPp][Mm])?)?$/;

/**
 * A dataset date as the export writes it (`2020-05-09`, UCDP's `2016-01-01 00:00:00.000`) or as
 * a spreadsheet saves it: `9-May-20`, `09 May 2020`, `9 May 2020`, `09-May-2020`,
 * `9 September 2020`, `March 15, 2020`, and, when `reading.order` says which comes first, `09/05/2020`,
 * `5/9/20 0:00` or `09.05.2020`. A two-digit year is 20yy unless that date lies after `today`,
 * then 19yy.
 */
export function parseDatasetDate(value: string, reading: DateReading): string | undefined {
  const iso = parseIsoDate(value);
  if (iso !== undefined) return iso;
  const text = value.trim();
  const numeric = NUMERIC_DATE.exec(text);
  if (numeric !== null) {
    if (reading.order === undefined) return undefined;
    return numericDate(numeric, reading.order, reading.today);
  }
  const dayFirst = /^(\d{1,2})[-\s]([A-Za-z]{3,9})\.?[-\s,]\s*(\d{4}|\d{2})$/.exec(text);
  // `March 15, 2024`, as a spreadsheet in English writes a long date.
  const monthFirst = dayFirst === null ? /^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$/.exec(text) : null;
  const [day, name, year] = dayFirst !== null ? [dayFirst[1]!, dayFirst[2]!, dayFirst[3]!] : monthFirst !== null ? [monthFirst[2]!, monthFirst[1]!, monthFirst[3]!] : [];
  if (day === undefined || name === undefined || year === undefined) return undefined;
  const month = MONTHS[name.toLowerCase()];
  return month === undefined ? undefined : withYear(year, month, Number(day), reading.today);
}

/** A date as a spreadsheet writes it with numbers only (`03/04/2020`), whose order the file must say. */
export function isNumericDate(value: string): boolean {
  return NUMERIC_DATE.test(value.trim());
}

/**
 * Why `value` of `column` is no date, in one sentence: a numeric date read without an order
 * asks for `--date-order`.
 */
export function dateProblem(column: string, value: string, reading: DateReading): string {
  const quoted = JSON.stringify(value.slice(0, 40));
  const numeric = NUMERIC_DATE.exec(value.trim());
  if (numeric !== null) {
    if (reading.order === undefined) {
      return `${column} ${quoted} is a spreadsheet's date with the day and month in an order the file does not say: give --date-order dmy or mdy`;
    }
    const other = reading.order === 'dmy' ? 'mdy' : 'dmy';
    // A file in the other order reads some of its dates (days up to 12) wrongly and refuses the rest.
    return numericDate(numeric, other, reading.today) === undefined
      ? `${column} ${quoted} is not a date, day or month first`
      : `${column} ${quoted} is not a date read as ${reading.order} but is one read as ${other}: is --date-order right? (a date whose day and month are both 12 or less reads either way)`;
  }
  return `${column} ${quoted} is not a date (2020-05-09, 9-May-20, 09 May 2020, or 09/05/2020 in the file's order)`;
}

function numericDate(match: RegExpExecArray, order: DateOrder, today: Date): string | undefined {
  const [first, second, year] = match[2] !== undefined ? [match[1]!, match[2], match[3]!] : [match[1]!, match[4]!, match[5]!];
  return order === 'dmy' ? withYear(year, Number(second), Number(first), today) : withYear(year, Number(first), Number(second), today);
}

function withYear(year: string, month: number, day: number, today: Date): string | undefined {
  if (year.length === 4) return calendarDate(Number(year), month, day);
  const twentieth = calendarDate(2000 + Number(year), month, day);
  if (twentieth === undefined) return undefined;
  return twentieth <= today.toISOString().slice(0, 10) ? twentieth : calendarDate(1900 + Number(year), month, day);
}

/** The instant a report dated `date` is said to occur at: 00:00Z of that day. */
export function startOfDay(date: string): string {
  return `${date}T00:00:00Z`;
}

/**
 * The start of the precision window of a report occurring at 00:00Z on `date`, as the server
 * computes it: the day itself, Monday of its week, or the 1st of its month (00:00Z).
 */
export function precisionWindowStart(date: string, precision: ImportPrecision): number {
  const day = Date.parse(startOfDay(date));
  switch (precision) {
    case 'day':
      return day;
    case 'week':
      return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
    case 'month':
      return Date.parse(`${date.slice(0, 8)}01T00:00:00Z`);
    default: {
      const unknown: never = precision;
      return unknown;
    }
  }
}
