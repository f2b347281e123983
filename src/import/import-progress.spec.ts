import { progressReporter } from './import-progress.js';

describe('progress', () => {
  it('redraws a bar in place on a terminal, at most every 100 ms, and clears it at the end', () => {
    let now = 0;
    let out = '';
    const progress = progressReporter({ write: (t) => (out += t), isTTY: true, totalBytes: 1000, clock: () => now });
    now = 50;
    progress.update(10, 100);
    expect(out).toBe('');
    now = 1000;
    progress.update(500, 500);
    expect(out).toBe(`\r\x1b[K[${'#'.repeat(15)}${'-'.repeat(15)}]  50%  500 records, 500/s`);
    progress.finish();
    expect(out.endsWith('\r\x1b[K')).toBe(true);
  });

  it('writes a plain line now and then elsewhere', () => {
    let now = 0;
    const lines: string[] = [];
    const progress = progressReporter({ write: (t) => lines.push(t), isTTY: false, totalBytes: 200, clock: () => now, lineEveryMs: 10_000 });
    now = 5_000;
    progress.update(1, 10);
    now = 10_000;
    progress.update(2_000, 100);
    progress.finish();
    expect(lines).toEqual(['import: 50% of the file, 2,000 records, 200/s\n']);
  });

  it('writes a note on a line of its own, clearing the bar first on a terminal', () => {
    let now = 1000;
    let out = '';
    const progress = progressReporter({ write: (t) => (out += t), isTTY: true, totalBytes: 1000, clock: () => now });
    progress.note('before any bar');
    now = 2000;
    progress.update(500, 500);
    progress.note('over the bar');
    expect(out).toBe(`import: before any bar\n\r\x1b[K[${'#'.repeat(15)}${'-'.repeat(15)}]  50%  500 records, 500/s\r\x1b[Kimport: over the bar\n`);
    const lines: string[] = [];
    progressReporter({ write: (t) => lines.push(t), isTTY: false, totalBytes: 1, clock: () => now }).note('plain');
    expect(lines).toEqual(['import: plain\n']);
  });
});
