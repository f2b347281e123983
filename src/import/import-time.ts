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
 * `YYYY-MM-DD` (one-digit month and day accepted), checked against the calendar; a time of day
 * after it (`2016-01-01 00:00:00.000`, as UCDP's published files write dates) is left out.
 */
export function parseIsoDate(value: string): string | undefined {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$/.exec(value.trim());
  return match ? calendarDate(Number(match[1]), Number(match[2]), Number(match[3])) : undefined;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11,
  november: 11, dec: 12, december: 12,
};

/**
 * ACLED's `event_date` as the export writes it (`2020-05-09`) or as a spreadsheet saves it
 * (`9-May-20`, `09 May 2020`, `9 May 2020`, `09-May-2020`, `9 September 2020`). A two-digit
 * year is 20yy unless that date lies after `today`, then 19yy.
 */
export function parseAcledDate(value: string, today: Date): string | undefined {
  const iso = parseIsoDate(value);
  if (iso !== undefined) return iso;
  const match = /^(\d{1,2})[-\s]([A-Za-z]{3,9})\.?[-\s,]\s*(\d{4}|\d{2})$/.exec(value.trim());
  if (!match) return undefined;
  const day = Number(match[1]);
  const month = MONTHS[match[2]!.toLowerCase()];
  if (month === undefined) return undefined;
  const year = match[3]!;
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
