import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import type { CsvRecord } from './dataset-format.js';

/** The header lacks columns the format needs: nothing is read or sent. */
export class MissingColumns extends Error {
  /** `found`: the header's own names, trimmed and in lower case. */
  constructor(
    readonly columns: readonly string[],
    readonly found: ReadonlySet<string> = new Set(),
  ) {
    super(`the header lacks the column${columns.length > 1 ? 's' : ''} ${columns.join(', ')}`);
  }
}

/** The CSV cannot be read on (an unclosed quote, an unreadable file). */
export class CsvAbort extends Error {}

/** The file is text in an encoding that would lose characters: nothing is read or sent. */
export class WrongEncoding extends Error {}

/** The file is no text at all (a workbook, an archive, JSON): nothing is read or sent. */
export class NotCsv extends Error {}

export interface CsvReadOptions {
  readonly requiredColumns: readonly string[];
  /** Called with the number of bytes read so far, as the file is read. */
  readonly onBytes?: (bytes: number) => void;
  /**
   * Called when a record repeats a header (two exports joined end to end): its columns are read
   * from there on. `record` is the number of data records before it.
   */
  readonly onHeaderRepeated?: (record: number) => void;
}

/**
 * Cells that stand for "no value" in the tools analysts re-save exports with: R writes `NA`,
 * MySQL and PostgreSQL dumps `\N`, others `NULL`. Read as empty, never as a name or a code,
 * quoted or not: csv-parse tells a quoted field only through a callback per field, which made
 * an import two and a half times slower, and no dataset name is NA.
 */
const NO_VALUE = new Set(['NA', '\\N', 'NULL']);

/**
 * Streams the data records of a CSV file (RFC 4180) through csv-parse, in constant memory.
 * Liberal where exports differ: a UTF-8 or UTF-16LE byte order mark, CRLF or LF, `;` or tab
 * between fields where the header says so (spreadsheets in many locales save so), extra
 * columns, any column order, header names in any case, stray quotes inside unquoted fields,
 * rows with missing or extra trailing fields, empty lines and rows of empty fields, the cells
 * `NA`, `\N` and `NULL` (read as empty), Excel's `sep=;` first line, and a
 * header repeated further down (its columns are read from there on). A last record with no
 * line break after it comes `truncated`: the file may have been cut off inside it. Strict
 * about the header: a required column missing throws {@link MissingColumns} before the first
 * record. Strict about the encoding: a file that is neither UTF-8 nor UTF-16LE with its byte
 * order mark (a spreadsheet's "CSV" in Windows-1252) throws {@link WrongEncoding} before the
 * first record, naming its first byte that is not UTF-8.
 */
export async function* readCsvRecords(path: string, options: CsvReadOptions): AsyncGenerator<CsvRecord> {
  let delimiter: string;
  try {
    delimiter = await checkedDelimiter(path, options.requiredColumns);
  } catch (error) {
    if (error instanceof WrongEncoding || error instanceof NotCsv) throw error;
    throw new CsvAbort(`cannot read ${path}: ${(error as Error).message}`);
  }
  const decimalComma = delimiter !== ',';
  const input = createReadStream(path);
  let bytes = 0;
  /** The file's last two bytes so far: whether it ends in a line break. */
  let tail = Buffer.alloc(0);
  input.on('data', (chunk) => {
    bytes += chunk.length;
    tail = Buffer.concat([tail, (typeof chunk === 'string' ? Buffer.from(chunk) : chunk).subarray(-2)]).subarray(-2);
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
  const piping = pipeline(input, parser).catch(() => undefined);
  let columns: ReadonlyMap<string, number> | undefined;
  let header: readonly string[] = [];
  let index = 0;
  /** The last record read, yielded once the next one shows that a line break ended it. */
  let held: { readonly fields: readonly string[]; readonly columns: ReadonlyMap<string, number>; readonly index: number } | undefined;
  const record = (from: NonNullable<typeof held>, truncated: boolean): CsvRecord => ({
    index: from.index,
    decimalComma,
    ...(truncated ? { truncated } : {}),
    value: (column: string): string => {
      const at = from.columns.get(column);
      const cell = at === undefined ? '' : (from.fields[at] ?? '');
      return NO_VALUE.has(cell.trim()) ? '' : cell;
    },
  });
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      if (columns === undefined) {
        if (isSeparatorLine(fields, delimiter) || isBlank(fields)) continue;
        columns = headerColumns(fields);
        header = fields.map((field) => field.trim());
        const found = new Set(columns.keys());
        const missing = options.requiredColumns.filter((column) => !found.has(column));
        if (missing.length > 0) throw new MissingColumns(missing, found);
        continue;
      }
      if (repeatsHeader(fields, options.requiredColumns)) {
        columns = headerColumns(fields);
        header = fields.map((field) => field.trim());
        options.onHeaderRepeated?.(index);
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
      if (isBlank(fields)) continue;
      if (held !== undefined) yield record(held, false);
      held = { fields, columns, index };
    }
    if (columns === undefined) throw new NotCsv('the file is empty (it holds no header)');
    if (held !== undefined) {
      // A file cut off mid-row (a download or a copy that stopped) ends without a line break,
      // and its last field may be cut (`177` as `17`) however many fields the record has: so
      // none of that record is read. Exports end in a line break.
      const endsInLineBreak = tail.includes(0x0a) || tail.includes(0x0d);
      yield record(held, !endsInLineBreak);
    }
  } catch (error) {
    // The record before the one that stopped the reading ended in a line break: it is whole.
    if (held !== undefined) {
      const whole = held;
      held = undefined;
      yield record(whole, false);
    }
    if (error instanceof MissingColumns || error instanceof CsvAbort || error instanceof NotCsv) throw error;
    if (error instanceof CsvError) throw new CsvAbort(`CSV error after record ${index} (near line ${parser.info.lines}): ${error.message}`);
    throw new CsvAbort(`cannot read ${path}: ${(error as Error).message}`);
  } finally {
    input.destroy();
    parser.destroy();
    await piping;
  }
}

/**
 * The record is a header holding every required column. Checked on every record, so a record
 * without the first required name, told by the fields' lengths first, costs next to nothing.
 */
function repeatsHeader(fields: readonly string[], requiredColumns: readonly string[]): boolean {
  const first = requiredColumns[0];
  if (first === undefined) return false;
  // A name may carry white space, quotes trimmed away by the parser, or a byte order mark.
  const named = (field: string): boolean => field.length >= first.length && field.length <= first.length + 8 && field.replace(/^\uFEFF/, '').trim().toLowerCase() === first;
  if (!fields.some(named)) return false;
  const names = headerColumns(fields);
  return requiredColumns.every((column) => names.has(column));
}

/** Excel's first line `sep=;` (quoted or not), which names the delimiter for Excel and is no header. */
const SEPARATOR_LINE = /^"?sep=(.?)"?$/i;

function isSeparatorLine(fields: readonly string[], delimiter: string): boolean {
  return SEPARATOR_LINE.test(fields.join(delimiter).replace(/^\uFEFF/, '').trim());
}

/** A record of empty fields only (a line of white space, or `,,,,` below the data). */
function isBlank(fields: readonly string[]): boolean {
  return fields.every((field) => field.trim() === '');
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
const ADVICE = 'save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)") and run the import again';

/**
 * Checks the file's encoding (the whole file, before anything is sent: an import half done
 * would have to be undone) and returns the delimiter that makes its header hold the most
 * required columns; `,` unless another holds more.
 */
async function checkedDelimiter(path: string, requiredColumns: readonly string[]): Promise<string> {
  const file = await open(path, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
  const other = otherKind(head);
  if (other !== undefined) throw new NotCsv(`the file is ${other.what}, not CSV: ${other.advice}`);
  let text: string;
  if (head[0] === 0xff && head[1] === 0xfe) {
    // UTF-16LE with its mark loses nothing, and the parser reads it.
    text = head.subarray(2, head.length - (head.length % 2)).toString('utf16le');
  } else if (head[0] === 0xfe && head[1] === 0xff) {
    throw new WrongEncoding(`the file is UTF-16 big-endian text; ${ADVICE}`);
  } else if (looksUtf16WithoutMark(head)) {
    throw new WrongEncoding(`the file is UTF-16 text without a byte order mark; ${ADVICE}`);
  } else {
    const invalid = await firstInvalidUtf8Byte(path);
    if (invalid !== undefined) throw new WrongEncoding(`the file is not UTF-8 text (byte ${invalid + 1} is not); ${ADVICE}`);
    text = head.toString('utf8');
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).filter((line) => line.trim() !== '');
  // Excel's `sep=;` line names the delimiter, and the header is the line after it; a header
  // that holds more required columns split otherwise was re-saved by another tool since.
  const separator = SEPARATOR_LINE.exec(lines[0]?.trim() ?? '')?.[1];
  const firstLine = (separator !== undefined ? lines[1] : lines[0]) ?? '';
  const found = (delimiter: string): number => {
    const names = new Set(firstLine.split(delimiter).map((name) => name.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase()));
    return requiredColumns.filter((column) => names.has(column)).length;
  };
  let best: string = separator !== undefined && (DELIMITERS as readonly string[]).includes(separator) ? separator : DELIMITERS[0];
  for (const delimiter of DELIMITERS) if (found(delimiter) > found(best)) best = delimiter;
  return best;
}

const SAVE_AS_CSV = 'save it as CSV UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)"; in LibreOffice: Text CSV, UTF-8)';
const UNPACK = (tool: string): string => `unpack it (${tool}) and import the CSV file inside`;
const DOWNLOAD_CSV = "download the dataset's CSV version";

/**
 * What a file that is no CSV text is, by its first bytes, and what to do instead. The exports
 * come as workbooks, in archives, as JSON from APIs, and UCDP offers Stata and R files.
 */
function otherKind(head: Buffer): { readonly what: string; readonly advice: string } | undefined {
  const starts = (...bytes: readonly number[]): boolean => bytes.every((byte, at) => head[at] === byte);
  const latin1 = head.toString('latin1');
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) {
    if (latin1.includes('application/vnd.oasis.opendocument.spreadsheet')) return { what: 'an OpenDocument spreadsheet (.ods)', advice: SAVE_AS_CSV };
    if (latin1.includes('xl/')) return { what: 'an Excel workbook (.xlsx)', advice: SAVE_AS_CSV };
    return { what: 'a ZIP archive', advice: UNPACK('unzip') };
  }
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return { what: 'an Excel 97-2003 workbook (.xls)', advice: SAVE_AS_CSV };
  if (starts(0x1f, 0x8b)) return { what: 'gzip-compressed', advice: UNPACK('gunzip') };
  if (starts(0x42, 0x5a, 0x68)) return { what: 'bzip2-compressed', advice: UNPACK('bunzip2') };
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return { what: 'xz-compressed', advice: UNPACK('unxz') };
  if (starts(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return { what: 'a 7-Zip archive', advice: UNPACK('7z x') };
  if (latin1.startsWith('<stata_dta>')) return { what: 'a Stata file (.dta)', advice: DOWNLOAD_CSV };
  if (/^RD[AX][23]\n/.test(latin1)) return { what: 'an R data file', advice: DOWNLOAD_CSV };
  if (latin1.startsWith('PAR1') && head.length > 4 && head[4]! < 0x20 && head[4] !== 0x0a && head[4] !== 0x0d) return { what: 'a Parquet file', advice: DOWNLOAD_CSV };
  // A CSV header starts with a column name; JSON with an object or an array.
  if (/^(\xEF\xBB\xBF)?\s*[[{]/.test(latin1)) return { what: 'JSON', advice: 'export the data as CSV' };
  return undefined;
}

/**
 * Text in UTF-16 without its mark has a zero byte beside nearly every ASCII character; a CSV in
 * UTF-8 has none (NUL is no character any export writes).
 */
function looksUtf16WithoutMark(head: Buffer): boolean {
  const sample = head.subarray(0, 512);
  let zeros = 0;
  for (const byte of sample) if (byte === 0) zeros += 1;
  return sample.length >= 4 && zeros >= sample.length / 4;
}

/** The 0-based offset of the file's first byte that is not UTF-8, or undefined when it all is. */
async function firstInvalidUtf8Byte(path: string): Promise<number | undefined> {
  let offset = 0;
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    // Checked up to the start of the last character, so that no character is cut in two.
    let end = bytes.length;
    for (let back = 0; back < 3 && end > 0 && (bytes[end - 1]! & 0xc0) === 0x80; back += 1) end -= 1;
    if (end > 0) end -= 1;
    const block = bytes.subarray(0, end);
    if (!isUtf8(block)) return offset + firstInvalidIn(block);
    offset += end;
    carry = Buffer.from(bytes.subarray(end));
  }
  return carry.length === 0 || isUtf8(carry) ? undefined : offset + firstInvalidIn(carry);
}

/** Where in a block that begins on a character, and is not all UTF-8, the first byte that is not lies. */
function firstInvalidIn(block: Buffer): number {
  const text = new TextDecoder('utf-8').decode(block);
  let at = 0;
  for (const character of text) {
    const code = character.codePointAt(0)!;
    // A replacement character the file itself holds is three bytes of valid UTF-8.
    if (code === 0xfffd && !(block[at] === 0xef && block[at + 1] === 0xbf && block[at + 2] === 0xbd)) return at;
    at += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return at;
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
