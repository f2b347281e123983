export interface ProgressSink {
  /** Records read so far and bytes of the file read so far. */
  update(records: number, bytes: number): void;
  /** A line about the run (what it is doing besides sending, what it found), above the bar. */
  note(text: string): void;
  /** Clears the bar (on a terminal) before the summary is printed. */
  finish(): void;
}

export interface ProgressOptions {
  readonly write: (text: string) => void;
  /** A terminal gets a bar redrawn in place; anything else a plain line now and then. */
  readonly isTTY: boolean;
  readonly totalBytes: number;
  readonly clock?: () => number;
  /** Between two plain lines. */
  readonly lineEveryMs?: number;
}

const BAR_WIDTH = 30;
const REDRAW_EVERY_MS = 100;

export function progressReporter(options: ProgressOptions): ProgressSink {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const lineEveryMs = options.lineEveryMs ?? 10_000;
  let last = started;
  let drawn = false;
  const describe = (records: number, bytes: number): { percent: number; text: string } => {
    const percent = options.totalBytes > 0 ? Math.min(100, Math.floor((bytes / options.totalBytes) * 100)) : 100;
    const seconds = Math.max(0.001, (clock() - started) / 1000);
    return { percent, text: `${records.toLocaleString('en-US')} records, ${Math.round(records / seconds).toLocaleString('en-US')}/s` };
  };
  return {
    update(records, bytes) {
      const now = clock();
      if (now - last < (options.isTTY ? REDRAW_EVERY_MS : lineEveryMs)) return;
      last = now;
      const { percent, text } = describe(records, bytes);
      if (options.isTTY) {
        const filled = Math.round((percent / 100) * BAR_WIDTH);
        options.write(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}%  ${text}`);
        drawn = true;
      } else {
        options.write(`import: ${percent}% of the file, ${text}\n`);
      }
    },
    note(text) {
      // The bar is drawn again by the next update.
      options.write(`${drawn ? '\r\x1b[K' : ''}import: ${text}\n`);
      drawn = false;
    },
    finish() {
      if (drawn) options.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** For runs nobody watches. */
export const NO_PROGRESS: ProgressSink = { update: () => undefined, note: () => undefined, finish: () => undefined };
