import type { StorageFailureKind } from '../event-store.port.js';

/** What a failure of the store's file says about its storage. */
export interface SqliteStorageFailure {
  readonly kind: StorageFailureKind;
  /**
   * The file itself is damaged (SQLite found a malformed page, or no database at all): the
   * log cannot be trusted until it is restored, so the store stays refused until a restart.
   */
  readonly damaged: boolean;
  /** Another connection holds a lock for longer than the busy timeout: worth a retry, not a storage state. */
  readonly transient: boolean;
}

/** Node's error codes for a file that could not be written, as the storage probe meets them. */
const FULL_ERRNOS: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
const UNAVAILABLE_ERRNOS: ReadonlySet<string> = new Set(['EIO', 'EROFS', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'ESTALE']);

/**
 * The storage failure an error of better-sqlite3 (or of the probe's file) stands for, or
 * undefined for anything else (a constraint, a bug, a closed store). Extended result codes
 * (`SQLITE_IOERR_WRITE`, `SQLITE_READONLY_DBMOVED`, …) count as their primary code. Errors are
 * known by their code rather than by their class: the driver's error class is not the same
 * object in every module registry that loads it (a test runner's, a worker thread's).
 */
export function sqliteStorageFailure(error: unknown): SqliteStorageFailure | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('SQLITE_')) {
    if (code === 'SQLITE_FULL') return { kind: 'full', damaged: false, transient: false };
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return { kind: 'unavailable', damaged: true, transient: false };
    if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) {
      return { kind: 'unavailable', damaged: false, transient: false };
    }
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return { kind: 'unavailable', damaged: false, transient: true };
    return undefined;
  }
  if (FULL_ERRNOS.has(code)) return { kind: 'full', damaged: false, transient: false };
  if (UNAVAILABLE_ERRNOS.has(code)) return { kind: 'unavailable', damaged: false, transient: false };
  return undefined;
}
