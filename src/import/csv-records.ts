import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
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
 * Liberal where exports differ: a UTF-8 byte order mark, CRLF or LF, `;` or tab between fields
 * where the header says so (spreadsheets in many locales save so), extra columns, any column
 * order, header names in any case, stray quotes inside unquoted fields, rows with missing or
 * extra trailing fields, empty lines and rows of empty fields. Strict about the header: a
 * required column missing throws {@link MissingColumns} before the first record. Strict about
 * the encoding: text that is not UTF-8 (a spreadsheet's "CSV" in Windows-1252, UTF-16) stops
 * the read at its first byte that is not, rather than import names with bytes lost.
 */
export async function* readCsvRecords(path: string, options: CsvReadOptions): AsyncGenerator<CsvRecord> {
  let delimiter: string;
  try {
    delimiter = await headerDelimiter(path, options.requiredColumns);
  } catch (error) {
    if (error instanceof CsvAbort) throw error;
    throw new CsvAbort(`cannot read ${path}: ${(error as Error).message}`);
  }
  const input = createReadStream(path);
  let bytes = 0;
  input.on('data', (chunk) => {
    bytes += chunk.length;
    options.onBytes?.(bytes);
  });
  // Naming the line endings (rather than letting the parser discover one) accepts files that mix them.
  const parser = parse({
    bom: true,
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  });
  // The pipeline's failure also destroys the parser, which ends the loop below with the error.
  let encodingProblem: string | undefined;
  const piping = pipeline(input, utf8Only((problem) => (encodingProblem = problem)), parser).catch(() => undefined);
  let columns: ReadonlyMap<string, number> | undefined;
  let header: readonly string[] = [];
  let index = 0;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      if (columns === undefined) {
        columns = headerColumns(fields);
        header = fields.map((field) => field.trim());
        const missing = options.requiredColumns.filter((column) => !columns!.has(column));
        if (missing.length > 0) throw new MissingColumns(missing);
        continue;
      }
      index += 1;
      // A quote opened in a field and never closed joins the records after it into this one, up
      // to the next quote: such a record runs over a line break and has the wrong number of
      // fields. Reading on would lose records without a word.
      if (!fitsHeader(fields, header) && fields.some((field) => /[\r\n]/.test(field))) {
        throw new CsvAbort(
          `CSV error at record ${index} (near line ${parser.info.lines}): it has ${fields.length} fields where the header has ` +
            `${header.length} and a field that runs over a line break: a quote opened in it is never closed`,
        );
      }
      // The rows of empty fields a spreadsheet leaves below the data (`,,,,`) are no records.
      if (fields.every((field) => field.trim() === '')) continue;
      const positions = columns;
      yield {
        index,
        value: (column: string): string => {
          const at = positions.get(column);
          return at === undefined ? '' : (fields[at] ?? '');
        },
      };
    }
    if (encodingProblem !== undefined) throw new CsvAbort(encodingProblem);
    if (columns === undefined) throw new MissingColumns(options.requiredColumns);
  } catch (error) {
    if (encodingProblem !== undefined) throw new CsvAbort(encodingProblem);
    if (error instanceof MissingColumns || error instanceof CsvAbort) throw error;
    if (error instanceof CsvError) throw new CsvAbort(`CSV error after record ${index} (near line ${parser.info.lines}): ${error.message}`);
    throw new CsvAbort(`cannot read ${path}: ${(error as Error).message}`);
  } finally {
    input.destroy();
    parser.destroy();
    await piping;
  }
}

/**
 * A record has the header's fields, give or take empty ones at the end: a trailing comma after
 * every row, or after the header alone, is no broken quote.
 */
function fitsHeader(fields: readonly string[], header: readonly string[]): boolean {
  if (fields.length >= header.length) return fields.slice(header.length).every((field) => field === '');
  return header.slice(fields.length).every((name) => name === '');
}

const DELIMITERS = [',', ';', '\t'] as const;

/** The delimiter that makes the file's first line hold the most required columns; `,` unless another holds more. */
async function headerDelimiter(path: string, requiredColumns: readonly string[]): Promise<string> {
  const file = await open(path, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
  const firstLine = head.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/, 1)[0] ?? '';
  const found = (delimiter: string): number => {
    const names = new Set(firstLine.split(delimiter).map((name) => name.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase()));
    return requiredColumns.filter((column) => names.has(column)).length;
  };
  let best: string = DELIMITERS[0];
  for (const delimiter of DELIMITERS) if (found(delimiter) > found(best)) best = delimiter;
  return best;
}

/**
 * Passes the file's bytes on, line by line as they check out as UTF-8 (so that a record is never
 * cut short); at the first byte that is not, it passes on the whole lines before it, reports
 * the problem and ends the stream there.
 */
function utf8Only(report: (problem: string) => void): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* (source) {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const advice = 'save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")';
    let offset = 0;
    let carry = Buffer.alloc(0);
    for await (const chunk of source) {
      if (offset === 0 && chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
        report(`the file is UTF-16 text; ${advice}`);
        return;
      }
      let valid = chunk.length;
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        valid = validPrefix(chunk);
      }
      const bytes = Buffer.concat([carry, chunk.subarray(0, valid)]);
      const lines = Math.max(bytes.lastIndexOf(0x0a), bytes.lastIndexOf(0x0d)) + 1;
      if (lines > 0) yield bytes.subarray(0, lines);
      if (valid < chunk.length) {
        report(`the file is not UTF-8 text (byte ${offset + valid + 1} is not); ${advice}`);
        return;
      }
      carry = bytes.subarray(lines);
      offset += chunk.length;
    }
    try {
      decoder.decode();
    } catch {
      report(`the file is not UTF-8 text (it ends within a character); ${advice}`);
      return;
    }
    if (carry.length > 0) yield carry;
  };
}

/** How many bytes at the start of the chunk are whole UTF-8 characters, up to the first invalid byte. */
function validPrefix(chunk: Buffer): number {
  const text = new TextDecoder('utf-8').decode(chunk);
  const replaced = text.indexOf('\uFFFD');
  return replaced === -1 ? chunk.length : Buffer.byteLength(text.slice(0, replaced));
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
