import { CsvAbort, readCsvRecords } from './csv-records.js';
import type { CsvRecord, DatasetFormat } from './dataset-format.js';
import { type DateOrder, type DateReading, isNumericDate, parseDatasetDate } from './import-time.js';

/** The file's numeric dates cannot be read in one order that fits them all: nothing from the first of them on is sent. */
export class DateOrderUnclear extends CsvAbort {}

/** The numeric dates of a record's date columns. */
export function numericDates(record: CsvRecord, format: DatasetFormat): string[] {
  return format.dateColumns.flatMap((column) => record.value(column).split(';').map((value) => value.trim()).filter(isNumericDate));
}

interface Witness {
  readonly record: number;
  readonly value: string;
}

/**
 * The order of the file's numeric dates, from all of them: a date that reads only day first
 * (`15/03/2024`) or only month first (`3/15/2024`) settles it. A file that has both, an order
 * given that no date allows, or dates that read either way with none to settle them and no
 * order given, throws {@link DateOrderUnclear} naming `firstRecord`, the record the import
 * stops at: a date read in the wrong order is a wrong date, not a refused one. Dates that read
 * in neither order settle nothing; their rows are refused one by one. Undefined when `signal`
 * aborts the reading.
 */
export async function settleDateOrder(
  file: string,
  format: DatasetFormat,
  reading: DateReading,
  firstRecord: number,
  signal?: AbortSignal,
): Promise<DateOrder | undefined> {
  const witnesses: Partial<Record<DateOrder, Witness>> = {};
  let ambiguous: Witness | undefined;
  try {
    for await (const record of readCsvRecords(file, { requiredColumns: format.requiredColumns })) {
      if (signal?.aborted === true) return undefined;
      for (const value of numericDates(record, format)) {
        const dmy = parseDatasetDate(value, { today: reading.today, order: 'dmy' }) !== undefined;
        const mdy = parseDatasetDate(value, { today: reading.today, order: 'mdy' }) !== undefined;
        if (dmy && mdy) ambiguous ??= { record: record.index, value };
        else if (dmy) witnesses.dmy ??= { record: record.index, value };
        else if (mdy) witnesses.mdy ??= { record: record.index, value };
      }
      if (witnesses.dmy !== undefined && witnesses.mdy !== undefined) break;
    }
  } catch (error) {
    // A file the parser cannot read to its end is settled by the dates before that point; the
    // import itself stops there, and says so.
    if (!(error instanceof CsvAbort)) throw error;
  }
  const { dmy, mdy } = witnesses;
  const at = (witness: Witness): string => `${witness.value} at record ${witness.record}`;
  const stop = (reason: string): DateOrderUnclear =>
    new DateOrderUnclear(`stopped at record ${firstRecord}, the first with a date of numbers only: ${reason}`);
  if (dmy !== undefined && mdy !== undefined) {
    throw stop(`the file writes dates both day first (${at(dmy)}) and month first (${at(mdy)}): make them one order`);
  }
  const found: DateOrder | undefined = dmy !== undefined ? 'dmy' : mdy !== undefined ? 'mdy' : undefined;
  if (found !== undefined) {
    if (reading.order !== undefined && reading.order !== found) {
      throw stop(`--date-order ${reading.order} does not fit the file: ${at((dmy ?? mdy)!)} reads only ${found}`);
    }
    return found;
  }
  if (reading.order !== undefined) return reading.order;
  // No date reads in either order: whichever is taken, each is refused on its own row.
  if (ambiguous === undefined) return 'dmy';
  throw stop(`every numeric date in the file reads both day first and month first (e.g. ${at(ambiguous)}): give --date-order dmy or mdy`);
}
