import { StorageError, type StorageFailureKind } from '../event-store.port.js';
import { sqliteStorageFailure } from './sqlite-storage-failure.js';

/** While the storage refuses writes, a probe write is tried this often; it clears the refusal once it succeeds. */
export const STORAGE_PROBE_INTERVAL_MS = 5_000;

export interface StorageLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

interface Failure {
  readonly kind: StorageFailureKind;
  readonly damaged: boolean;
  /** The first line of SQLite's (or the file system's) own words. */
  readonly reason: string;
}

/** What clients are told: never a path of the server. */
const CLIENT_MESSAGES = {
  full: 'The event store has no space left on its disk; nothing was written. Retry once space has been freed.',
  unavailable: 'The event store cannot be written or read right now (a storage error); nothing was written. Retry later.',
  damaged: 'The event store is damaged and refuses commands until it is restored from a backup; nothing was written.',
} as const;

/**
 * Whether the embedded store's storage takes writes, as its last writes found it. The first write
 * that fails for lack of space or on an I/O error marks it failed (one log line); from then on a
 * probe write runs every 5 s, and the first write or probe that succeeds marks it usable again
 * (one log line). A damaged file stays refused until the process restarts: appending to a log
 * that is to be restored from a backup would only lose the new events in the restore.
 */
export class SqliteStorageWatch {
  private failure: Failure | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private stopped = false;

  constructor(
    private readonly file: string,
    /** Throws when the storage still refuses a write that needs new space. */
    private readonly probe: () => Promise<void>,
    private readonly logger: StorageLogger,
  ) {}

  /**
   * The error to throw for `error`, met while writing (`write`) or reading (`read`): a
   * StorageError for a storage failure, which it also records; `error` itself otherwise. A
   * read that finds no space (a sort spilling to a temporary file) changes nothing recorded.
   */
  failed(error: unknown, during: 'write' | 'read'): unknown {
    if (error instanceof StorageError) return error;
    const failure = sqliteStorageFailure(error);
    if (failure === undefined) return error;
    const reason = firstLine(error);
    if (!failure.transient && (during === 'write' || failure.kind === 'unavailable')) {
      this.record({ kind: failure.kind, damaged: failure.damaged, reason });
    }
    const message = failure.damaged || this.failure?.damaged === true ? CLIENT_MESSAGES.damaged : CLIENT_MESSAGES[failure.kind];
    return new StorageError(failure.damaged ? 'unavailable' : failure.kind, message, { cause: error });
  }

  /** A write was committed: the storage takes writes again, unless the file is damaged. */
  succeeded(): void {
    const failure = this.failure;
    if (failure === undefined || failure.damaged) return;
    this.failure = undefined;
    this.stopProbing();
    this.logger.log(`storage available again: ${this.file} takes writes`);
  }

  /** Throws the StorageError of the recorded failure, if any (for /health). */
  assertUsable(): void {
    const failure = this.failure;
    if (failure === undefined) return;
    const state = failure.damaged ? 'damaged' : failure.kind === 'full' ? 'full' : 'unavailable';
    throw new StorageError(failure.kind, `storage ${state}: ${failure.reason}`);
  }

  /** Appends to a damaged file are refused before they reach it. */
  refuseIfDamaged(): void {
    if (this.failure?.damaged === true) throw new StorageError('unavailable', CLIENT_MESSAGES.damaged);
  }

  stop(): void {
    this.stopped = true;
    this.stopProbing();
  }

  private record(failure: Failure): void {
    const previous = this.failure;
    if (previous?.damaged === true) return;
    if (previous !== undefined && previous.kind === failure.kind && !failure.damaged) return;
    this.failure = failure;
    if (failure.damaged) {
      this.stopProbing();
      this.logger.error(
        `event store ${this.file} is damaged (${failure.reason}): it is the source of truth, not a read model, and is never ` +
          'rebuilt; commands are refused with 503 STORAGE_UNAVAILABLE until it is restored: stop the server and restore the ' +
          'last backup (docs/operations.md, "Restoring")',
      );
      return;
    }
    if (failure.kind === 'full') {
      this.logger.warn(
        `storage full: ${this.file}: ${failure.reason}; commands are refused with 507 STORAGE_FULL until space is freed ` +
          `(a probe write every ${STORAGE_PROBE_INTERVAL_MS / 1000} s finds out)`,
      );
    } else {
      this.logger.warn(
        `storage unavailable: ${this.file}: ${failure.reason}; commands are refused with 503 STORAGE_UNAVAILABLE until it ` +
          `takes writes again (a probe write every ${STORAGE_PROBE_INTERVAL_MS / 1000} s finds out)`,
      );
    }
    this.startProbing();
  }

  private startProbing(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => void this.runProbe(), STORAGE_PROBE_INTERVAL_MS);
    // The probe never keeps a process alive that has nothing else to do.
    this.timer.unref();
  }

  private stopProbing(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async runProbe(): Promise<void> {
    if (this.probing || this.failure === undefined || this.stopped) return;
    this.probing = true;
    try {
      await this.probe();
      if (!this.stopped) this.succeeded();
    } catch (error) {
      // Still failing: said once already, when it began. A failure of another kind (full, then
      // an I/O error) is a new state, and is said.
      const failure = sqliteStorageFailure(error);
      if (failure !== undefined && !failure.transient && !this.stopped) this.record({ kind: failure.kind, damaged: failure.damaged, reason: firstLine(error) });
    } finally {
      this.probing = false;
    }
  }
}

/** Known by its shape, not by `instanceof Error`: the driver's errors may come from another realm. */
function firstLine(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  const text = typeof message === 'string' ? message : String(error);
  return text.split('\n')[0] ?? text;
}
