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
 * given that no date allows, or no date that settles it and no order given, throws
 * {@link DateOrderUnclear}: a date read in the wrong order is a wrong date, not a refused one.
 */
export async function settleDateOrder(file: string, format: DatasetFormat, reading: DateReading): Promise<DateOrder> {
  const witnesses: Partial<Record<DateOrder, Witness>> = {};
  let ambiguous: Witness | undefined;
  try {
    for await (const record of readCsvRecords(file, { requiredColumns: format.requiredColumns })) {
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
  if (dmy !== undefined && mdy !== undefined) {
    throw new DateOrderUnclear(`the file writes dates both day first (${at(dmy)}) and month first (${at(mdy)}): make them one order`);
  }
  const found: DateOrder | undefined = dmy !== undefined ? 'dmy' : mdy !== undefined ? 'mdy' : undefined;
  if (found !== undefined) {
    if (reading.order !== undefined && reading.order !== found) {
      throw new DateOrderUnclear(`--date-order ${reading.order} does not fit the file: ${at((dmy ?? mdy)!)} reads only ${found}`);
    }
    return found;
  }
  if (reading.order !== undefined) return reading.order;
  throw new DateOrderUnclear(
    `every numeric date in the file reads both day first and month first (${ambiguous === undefined ? 'none settles it' : `e.g. ${at(ambiguous)}`}): give --date-order dmy or mdy`,
  );
}
