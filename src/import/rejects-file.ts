import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** One refused command, or one refused row (command `row`). */
export interface Reject {
  /** 1-based record index in the file, the header not counted. */
  readonly record: number;
  readonly datasetId: string;
  readonly version?: string;
  readonly command: string;
  readonly code: string;
  readonly message: string;
}

export interface RejectsSink {
  write(reject: Reject): void;
  readonly count: number;
  close(): Promise<void>;
}

export const REJECTS_HEADER = ['record', 'dataset_id', 'version', 'command', 'code', 'message'] as const;

/** A field as RFC 4180 writes it: quoted, with quotes doubled, when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** The rejects file: written from the start of every run (so it holds this run's refusals only), header first. */
export class RejectsFile implements RejectsSink {
  private readonly stream: WriteStream;
  private written = 0;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
    this.stream.write(csvLine(REJECTS_HEADER));
  }

  get count(): number {
    return this.written;
  }

  write(reject: Reject): void {
    this.written += 1;
    this.stream.write(
      csvLine([String(reject.record), reject.datasetId, reject.version ?? '', reject.command, reject.code, reject.message]),
    );
  }

  async close(): Promise<void> {
    if (!this.stream.writableFinished && this.failure === undefined) {
      this.stream.end();
      await Promise.race([once(this.stream, 'finish'), once(this.stream, 'error')]).catch(() => undefined);
    }
    if (this.failure !== undefined) throw new Error(`cannot write the rejects file ${this.path}: ${this.failure.message}`);
  }
}

/** Keeps rejects in memory, for callers that want them as values (small runs, tests). */
export class RejectsList implements RejectsSink {
  readonly items: Reject[] = [];

  get count(): number {
    return this.items.length;
  }

  write(reject: Reject): void {
    this.items.push(reject);
  }

  async close(): Promise<void> {}
}
