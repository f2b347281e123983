import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import type { CsvRecord } from './dataset-format.js';

/** The header lacks columns the format needs: nothing is read or sent. */
export class MissingColumns extends Error {
  constructor(readonly columns: readonly string[]) {
    super(`the header lacks the column${columns.length > 1 ? 's' : ''} ${columns.join(', ')}`);
  }
}

/** The CSV cannot be read on (an unclosed quote, an unreadable file). */
export class CsvAbort extends Error {}

export interface CsvReadOptions {
  readonly requiredColumns: readonly string[];
  /** Called with the number of bytes read so far, as the file is read. */
  readonly onBytes?: (bytes: number) => void;
}

/**
 * Streams the data records of a CSV file (RFC 4180) through csv-parse, in constant memory.
 * Liberal where exports differ: a UTF-8 byte order mark, CRLF or LF, extra columns, any column
 * order, header names in any case, stray quotes inside unquoted fields, rows with missing or
 * extra trailing fields, empty lines. Strict about the header: a required column missing
 * throws {@link MissingColumns} before the first record.
 */
export async function* readCsvRecords(path: string, options: CsvReadOptions): AsyncGenerator<CsvRecord> {
  const input = createReadStream(path);
  let bytes = 0;
  input.on('data', (chunk) => {
    bytes += chunk.length;
    options.onBytes?.(bytes);
  });
  // Naming the line endings (rather than letting the parser discover one) accepts files that mix them.
  const parser = parse({
    bom: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  });
  // The pipeline's failure also destroys the parser, which ends the loop below with the error.
  const piping = pipeline(input, parser).catch(() => undefined);
  let columns: ReadonlyMap<string, number> | undefined;
  let headerLength = 0;
  let index = 0;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      if (columns === undefined) {
        columns = headerColumns(fields);
        headerLength = fields.length;
        const missing = options.requiredColumns.filter((column) => !columns!.has(column));
        if (missing.length > 0) throw new MissingColumns(missing);
        continue;
      }
      index += 1;
      // A quote opened in a field and never closed joins the records after it into this one, up
      // to the next quote: such a record runs over a line break and has the wrong number of
      // fields. Reading on would lose records without a word.
      if (fields.length !== headerLength && fields.some((field) => /[\r\n]/.test(field))) {
        throw new CsvAbort(
          `CSV error at record ${index} (line ${parser.info.lines}): it has ${fields.length} fields where the header has ` +
            `${headerLength} and a field that runs over a line break: a quote opened in it is never closed`,
        );
      }
      const positions = columns;
      yield {
        index,
        value: (column: string): string => {
          const at = positions.get(column);
          return at === undefined ? '' : (fields[at] ?? '');
        },
      };
    }
    if (columns === undefined) throw new MissingColumns(options.requiredColumns);
  } catch (error) {
    if (error instanceof MissingColumns || error instanceof CsvAbort) throw error;
    if (error instanceof CsvError) throw new CsvAbort(`CSV error after record ${index} (line ${parser.info.lines}): ${error.message}`);
    throw new CsvAbort(`cannot read ${path}: ${(error as Error).message}`);
  } finally {
    input.destroy();
    parser.destroy();
    await piping;
  }
}

/** Header names compare trimmed and in lower case; the first of a repeated name wins. */
function headerColumns(fields: readonly string[]): Map<string, number> {
  const columns = new Map<string, number>();
  fields.forEach((field, position) => {
    const name = field.replace(/^\uFEFF/, '').trim().toLowerCase();
    if (name !== '' && !columns.has(name)) columns.set(name, position);
  });
  return columns;
}
