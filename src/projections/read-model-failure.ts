import { StorageError, type StorageFailureKind } from '../event-store/index.js';

/**
 * What an error met while filing or reading a read model says, when it is not the read model's
 * own doing (an event it cannot file is a ProjectionApplyError, and stops it):
 * - `storage`: the disk is full, or a file cannot be written or read for now. Nothing is wrong
 *   with the read model: its runner waits and tries again.
 * - `damaged`: SQLite found a malformed page, no database, or a table missing. A read model is
 *   disposable: its file is moved aside and the read model rebuilt from the log.
 */
export type ReadModelFailure =
  | { readonly kind: 'storage'; readonly storage: StorageFailureKind; readonly reason: string }
  | { readonly kind: 'damaged'; readonly reason: string };

/**
 * Errors are told apart by SQLite's result code (`code`), which errors that crossed from a writer
 * thread keep too; extended codes (`SQLITE_IOERR_WRITE`) count as their primary code. Node's
 * codes for a full or failing file system (a manifest that cannot be written) count as storage.
 */
export function readModelFailure(error: unknown): ReadModelFailure | undefined {
  if (error instanceof StorageError) return { kind: 'storage', storage: error.kind, reason: error.message };
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return undefined;
  const reason = typeof message === 'string' ? (message.split('\n')[0] ?? message) : code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return { kind: 'storage', storage: 'full', reason };
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return { kind: 'damaged', reason };
  if (code === 'SQLITE_ERROR' && typeof message === 'string' && message.startsWith('no such table')) return { kind: 'damaged', reason };
  if (['SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_LOCKED'].some((primary) => code.startsWith(primary))) {
    return { kind: 'storage', storage: 'unavailable', reason };
  }
  if (code === 'EIO' || code === 'EROFS') return { kind: 'storage', storage: 'unavailable', reason };
  return undefined;
}
