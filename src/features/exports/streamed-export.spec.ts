import { parse } from 'csv-parse/sync';
import type { Readable } from 'node:stream';
import { type CsvCell, csvStream } from './streamed-export.js';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function* rowsOf(rows: readonly CsvCell[][]): AsyncGenerator<CsvCell[]> {
  yield* rows;
}

describe('csvStream', () => {
  it('writes RFC 4180 with a byte-order mark, a header row and CRLF, quoting where a cell needs it, and reads back the same', async () => {
    const rows: CsvCell[][] = [
      ['plain', 'حي التضامن'],
      ['a, comma', 'a "quote"'],
      ['two\r\nlines', '{"json":["cell"]}'],
      [null, ''],
    ];
    const bytes = await bytesOf(csvStream(['first', 'second'], rowsOf(rows)));
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = bytes.subarray(3).toString('utf8');
    expect(text).toBe(
      'first,second\r\nplain,حي التضامن\r\n"a, comma","a ""quote"""\r\n"two\r\nlines","{""json"":[""cell""]}"\r\n,\r\n',
    );
    expect(parse(text, { record_delimiter: '\r\n' })).toEqual([['first', 'second'], ...rows.map((row) => row.map((cell) => cell ?? ''))]);
  });

  it('writes the header alone for no rows', async () => {
    expect((await bytesOf(csvStream(['a', 'b'], rowsOf([])))).subarray(3).toString('utf8')).toBe('a,b\r\n');
  });

  it.each(['=1+1', '+44 20', '-2', '@SUM(A1)', '\tindented', '\rreturn', '\uFF1Dwide', '\uFF0Bwide', '\uFF0Dwide', '\uFF20wide'])(
    "prefixes %p with ' so that no spreadsheet reads it as a formula",
    async (cell) => {
      const text = (await bytesOf(csvStream(['cell'], rowsOf([[cell], ['safe=1']])))).subarray(3).toString('utf8');
      expect(parse(text, { record_delimiter: '\r\n', from_line: 2 })).toEqual([[`'${cell}`], ['safe=1']]);
    },
  );

  it('pulls rows only as its reader takes them, and lets go of them when the reader stops', async () => {
    let pulled = 0;
    let finished = false;
    async function* endless(): AsyncGenerator<CsvCell[]> {
      try {
        for (;;) {
          pulled += 1;
          yield [`row ${pulled}`, 'x'.repeat(100)];
        }
      } finally {
        finished = true;
      }
    }
    const stream = csvStream(['n', 'filler'], endless());
    for await (const chunk of stream) {
      expect((chunk as Buffer).length).toBeGreaterThan(0);
      break;
    }
    // What the stream's buffers hold (16 rows waiting, 16 KiB of text), not an endless amount.
    expect(pulled).toBeLessThan(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(true);
  });
});
