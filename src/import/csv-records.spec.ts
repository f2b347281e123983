import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { NotCsv, readCsvRecords, WrongEncoding } from './csv-records.js';
import { coordinate, count, wholeText, type CsvRecord } from './dataset-format.js';

const REQUIRED = ['id', 'name', 'lat'];
/** The size of the chunks the file is read in: defects hide at their edges. */
const CHUNK = 64 * 1024;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'csv-records-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function records(path: string, onHeaderRepeated?: (record: number) => void): Promise<CsvRecord[]> {
  const read: CsvRecord[] = [];
  for await (const record of readCsvRecords(path, { requiredColumns: REQUIRED, ...(onHeaderRepeated !== undefined ? { onHeaderRepeated } : {}) })) read.push(record);
  return read;
}

const cells = (read: readonly CsvRecord[]): string[][] => read.map((record) => REQUIRED.map((column) => record.value(column)));

async function encodingError(path: string): Promise<string> {
  const error = await records(path).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WrongEncoding);
  return (error as Error).message;
}

/** A ZIP archive's local entry (stored, checksum left out: only the first bytes are looked at). */
function zipEntry(name: string, content: string): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(Buffer.byteLength(content), 18);
  header.writeUInt32LE(Buffer.byteLength(content), 22);
  header.writeUInt16LE(Buffer.byteLength(name), 26);
  return Buffer.concat([header, Buffer.from(name), Buffer.from(content)]);
}

/** `id,name,lat` rows of ASCII up to `bytes` long in all (the header included). */
function asciiRows(bytes: number): string {
  let text = 'id,name,lat\n';
  for (let n = 1; text.length < bytes; n += 1) text += `${n},place ${n},33.5\n`;
  return text.slice(0, text.lastIndexOf('\n', bytes - 1) + 1);
}

describe('reading CSV records', () => {
  it('names the first byte that is not UTF-8 when it is the last byte of a chunk, and yields nothing', async () => {
    const head = Buffer.from(asciiRows(CHUNK - 40));
    const line = Buffer.from(`${'9'.repeat(CHUNK - head.length - 8)},Medell`);
    const content = Buffer.concat([head, line, Buffer.from([0xed]), Buffer.from('n,33.5\n')]);
    expect(head.length + line.length + 1).toBe(CHUNK);
    expect(await encodingError(file('edge.csv', content))).toBe(
      `the file is not UTF-8 text (byte ${CHUNK} is not); save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)") and run the import again`,
    );
  });

  it('reads a character cut in two by a chunk as one, and names the byte that is not UTF-8 after it', async () => {
    const head = Buffer.from(asciiRows(CHUNK - 100));
    const pad = Buffer.from(`1,${'x'.repeat(CHUNK - head.length - 3)}`);
    // í (C3 AD) across the chunk's end; then, a line later, a Windows-1252 í.
    const content = Buffer.concat([head, pad, Buffer.from('í,1\n2,Medell'), Buffer.from([0xed]), Buffer.from('n,1\n')]);
    expect(content.indexOf(Buffer.from('í'))).toBe(CHUNK - 1);
    const bad = content.indexOf(0xed, CHUNK + 1);
    expect(await encodingError(file('split.csv', content))).toContain(`(byte ${bad + 1} is not)`);
  });

  it('takes a replacement character the file holds for text, not for the byte that is not UTF-8', async () => {
    const content = Buffer.concat([Buffer.from('id,name,lat\n1,a\uFFFDb,1\n2,Medell'), Buffer.from([0xed]), Buffer.from('n,2\n')]);
    expect(await encodingError(file('fffd.csv', content))).toContain(`(byte ${content.indexOf(0xed) + 1} is not)`);
  });

  it('refuses a file whose bad byte lies in a field of several lines before yielding any record', async () => {
    const content = Buffer.concat([Buffer.from('id,name,lat\n1,a,1\n2,"two\nlines Medell'), Buffer.from([0xed]), Buffer.from('n",2\n3,c,3\n')]);
    expect(await encodingError(file('multiline.csv', content))).toContain(`(byte ${content.indexOf(0xed) + 1} is not)`);
  });

  it('refuses a file that ends within a character, and UTF-16 big-endian text', async () => {
    const cut = Buffer.concat([Buffer.from('id,name,lat\n1,a,1\n2,b'), Buffer.from([0xd8])]);
    expect(await encodingError(file('cut.csv', cut))).toContain(`(byte ${cut.length} is not)`);
    const bigEndian = Buffer.from('id,name,lat\n1,a,1\n', 'utf16le').swap16();
    expect(await encodingError(file('be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), bigEndian])))).toContain('UTF-16 big-endian');
  });

  it('reads UTF-16LE text with its mark as the same records as UTF-8', async () => {
    const text = 'id,name,lat\n1,اليرموك,33.5\n2,Medellín,6.2\n';
    const utf16 = await records(file('le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])));
    const utf8 = await records(file('u8.csv', text));
    expect(utf16.map((r) => [r.value('id'), r.value('name'), r.value('lat')])).toEqual(utf8.map((r) => [r.value('id'), r.value('name'), r.value('lat')]));
    expect(utf8.map((r) => r.value('name'))).toEqual(['اليرموك', 'Medellín']);
  });

  it('takes the delimiter from the header, after blank lines, and says when numbers may have decimal commas', async () => {
    const semicolon = await records(file('de.csv', '\n\nid;name;lat\n1;"a, b";33,5\n'));
    expect(semicolon.map((r) => [r.value('name'), r.value('lat'), r.decimalComma])).toEqual([['a, b', '33,5', true]]);
    const tab = await records(file('tab.csv', 'id\tname\tlat\n1\ta;b\t33.5\n'));
    expect(tab.map((r) => [r.value('name'), r.decimalComma])).toEqual([['a;b', true]]);
    const comma = await records(file('en.csv', 'id,name,lat\n1,a;b,"33,5"\n'));
    expect(comma.map((r) => [r.value('name'), r.value('lat'), r.decimalComma])).toEqual([['a;b', '33,5', false]]);
  });
});

describe('what re-saved exports hold', () => {
  it("reads R's NA, MySQL's \\N and NULL as empty cells, quoted or not, and text that only contains them as it is", async () => {
    const read = await records(file('na.csv', 'id,name,lat\n1,NA,NA\n2,\\N, NULL \n3,NAB,33.5\n4,"NA",na\n'));
    expect(cells(read)).toEqual([
      ['1', '', ''],
      ['2', '', ''],
      ['3', 'NAB', '33.5'],
      ['4', '', 'na'],
    ]);
  });

  it("takes Excel's sep= line for the delimiter and reads the header after it", async () => {
    const semicolon = await records(file('sep.csv', 'sep=;\r\nid;name;lat\r\n1;a, b;33,5\r\n'));
    expect(cells(semicolon)).toEqual([['1', 'a, b', '33,5']]);
    expect(semicolon[0]!.decimalComma).toBe(true);
    const quoted = await records(file('sep-quoted.csv', '\uFEFF"sep=,"\nid,name,lat\n1,a,33.5\n'));
    expect(cells(quoted)).toEqual([['1', 'a', '33.5']]);
    // Re-saved with commas by a tool that kept the line: the header says which delimiter holds.
    const resaved = await records(file('sep-resaved.csv', 'sep=;\nid,name,lat\n1,a,33.5\n'));
    expect(cells(resaved)).toEqual([['1', 'a', '33.5']]);
  });

  it('reads the columns of a header repeated further down (two exports joined), and says where it came', async () => {
    const joined = 'id,name,lat\n1,a,33.5\n2,b,34.5\nLAT,ID,extra,Name\n35.5,3,x,c\n';
    const repeated: number[] = [];
    const read = await records(file('joined.csv', joined), (record) => repeated.push(record));
    expect(cells(read)).toEqual([
      ['1', 'a', '33.5'],
      ['2', 'b', '34.5'],
      ['3', 'c', '35.5'],
    ]);
    expect(read.map((record) => record.index)).toEqual([1, 2, 3]);
    expect(repeated).toEqual([2]);
  });

  it('marks a last record no line break ends (the file may be cut there), and no other', async () => {
    const cut = await records(file('cut.csv', 'id,name,lat\n1,a,33.5\n2,b'));
    expect(cut.map((record) => [record.value('id'), record.truncated === true])).toEqual([
      ['1', false],
      ['2', true],
    ]);
    // A line break after it: a row whose trailing fields are missing, not a cut file.
    const short = await records(file('short.csv', 'id,name,lat\n1,a,33.5\n2,b\n'));
    expect(short.map((record) => record.truncated === true)).toEqual([false, false]);
    // Every field there, the last one perhaps cut (`34` of `34.5`): no line break ends the file.
    const lastField = await records(file('last-field.csv', 'id,name,lat\n1,a,33.5\n2,b,34'));
    expect(lastField.map((record) => record.truncated === true)).toEqual([false, true]);
    const crlf = await records(file('crlf.csv', 'id,name,lat\r\n1,a,33.5\r\n2,b\r\n'));
    expect(crlf.map((record) => record.truncated === true)).toEqual([false, false]);
    const utf16 = await records(file('cut16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name,lat\n1,a,33.5\n2,b', 'utf16le')])));
    expect(utf16.map((record) => record.truncated === true)).toEqual([false, true]);
  });

  it('yields the records before a quote that is never closed, then stops', async () => {
    const read: string[] = [];
    const error = await (async () => {
      for await (const record of readCsvRecords(file('quote.csv', 'id,name,lat\n1,a,33.5\n2,b,34.5\n3,"c,35.5\n4,d,36.5\n'), { requiredColumns: REQUIRED })) {
        read.push(record.value('id'));
      }
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toMatch(/Quote Not Closed/);
    expect(read).toEqual(['1', '2']);
  });

  it('reads whole numbers written as floats with a decimal comma only where commas are decimal', () => {
    expect(wholeText('2,0', true)).toBe('2');
    expect(wholeText('1600000000,00', true)).toBe('1600000000');
    expect(wholeText('2.0', true)).toBe('2');
    expect(wholeText('2,0')).toBe('2,0');
    expect(wholeText('2,5', true)).toBe('2,5');
    expect(count('4,0', true)).toBe(4);
    expect(count('4,0')).toBeUndefined();
  });
});

describe('files that are no CSV text', () => {
  it('says a file without a header is empty', async () => {
    for (const content of ['', '\n\n  \r\n', '\uFEFF']) {
      const error = await records(file('empty.csv', content)).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(NotCsv);
      expect((error as Error).message).toBe('the file is empty (it holds no header)');
    }
  });

  it('names UTF-16 text without its byte order mark', async () => {
    const message = await encodingError(file('le-nobom.csv', Buffer.from('id,name,lat\n1,a,33.5\n', 'utf16le')));
    expect(message).toMatch(/^the file is UTF-16 text without a byte order mark; save it as UTF-8/);
  });

  const CSV = 'id,name,lat\n1,a,33.5\n';
  const SAVE_AS_CSV = 'save it as CSV UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)"; in LibreOffice: Text CSV, UTF-8)';
  const cases: readonly (readonly [string, Buffer, string])[] = [
    ['an Excel workbook', Buffer.concat([zipEntry('[Content_Types].xml', '<Types/>'), zipEntry('xl/workbook.xml', '<workbook/>')]), `an Excel workbook (.xlsx), not CSV: ${SAVE_AS_CSV}`],
    ['an OpenDocument spreadsheet', zipEntry('mimetype', 'application/vnd.oasis.opendocument.spreadsheet'), `an OpenDocument spreadsheet (.ods), not CSV: ${SAVE_AS_CSV}`],
    ['a ZIP archive of the CSV', zipEntry('ged251.csv', CSV), 'a ZIP archive, not CSV: unpack it (unzip) and import the CSV file inside'],
    ['an Excel 97-2003 workbook', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]), `an Excel 97-2003 workbook (.xls), not CSV: ${SAVE_AS_CSV}`],
    ['a gzip-compressed CSV', gzipSync(CSV), 'gzip-compressed, not CSV: unpack it (gunzip) and import the CSV file inside'],
    ['a bzip2-compressed CSV', Buffer.from('BZh91AY&SY'), 'bzip2-compressed, not CSV: unpack it (bunzip2) and import the CSV file inside'],
    ['JSON from an API, with a byte order mark', Buffer.from('\uFEFF {"status":200,"data":[{"event_id_cnty":"SYR1"}]}'), 'JSON, not CSV: export the data as CSV'],
    ['a JSON array', Buffer.from('[{"id":1}]'), 'JSON, not CSV: export the data as CSV'],
    ['a Stata file', Buffer.from('<stata_dta><header><release>118</release>'), "a Stata file (.dta), not CSV: download the dataset's CSV version"],
    ['an R data file', Buffer.from('RDX3\nX\n\u0000\u0000'), "an R data file, not CSV: download the dataset's CSV version"],
    ['a Parquet file', Buffer.concat([Buffer.from('PAR1'), Buffer.from([0x15, 0x04, 0x15])]), "a Parquet file, not CSV: download the dataset's CSV version"],
  ];

  it.each(cases)('names %s, and what to do instead, before reading a record', async (_, content, message) => {
    const error = await records(file('export', content)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(NotCsv);
    expect((error as Error).message).toBe(`the file is ${message}`);
  });

  it('reads a CSV whose first column name only looks like one of those', async () => {
    const read = await records(file('plain.csv', 'PAR1,id,name,lat\n1,2,a,33.5\n'));
    expect(read.map((record) => record.value('name'))).toEqual(['a']);
  });
});

describe('coordinates', () => {
  it('reads a decimal comma only in a file that separates fields otherwise', () => {
    expect(coordinate('33,4728', 90, true)).toBe(33.4728);
    expect(coordinate('-6,25', 180, true)).toBe(-6.25);
    expect(coordinate('33,4728', 90)).toBeUndefined();
    expect(coordinate('1,000', 90)).toBeUndefined();
    expect(coordinate('1,000,5', 90, true)).toBeUndefined();
    expect(coordinate('33.4728', 90, true)).toBe(33.4728);
  });
});
