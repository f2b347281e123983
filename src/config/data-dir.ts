import * as fs from 'node:fs';
import * as path from 'node:path';

/** The data directory is missing, not a directory, or not usable by this process. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

function exists(target: string): boolean {
  try {
    fs.statSync(target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return false;
    }
    throw error;
  }
}

/**
 * Creates the missing directories of `dir`, outermost first, each with mode 0700. Not
 * `mkdirSync({ recursive: true })`: on Node 20 that spins forever when the parent refuses
 * the mkdir with ENOENT (e.g. under /proc), blocking the event loop and so every deadline.
 */
function createMissing(dir: string): string[] {
  const missing: string[] = [];
  for (let current = dir; !exists(current); current = path.dirname(current)) {
    missing.unshift(current);
    if (path.dirname(current) === current) {
      break;
    }
  }
  for (const directory of missing) {
    fs.mkdirSync(directory, { mode: 0o700 });
    // The mode given to mkdir() is masked by the umask; set it exactly.
    fs.chmodSync(directory, 0o700);
  }
  return missing;
}

/**
 * Makes sure the data directory exists and this process may read, write and enter it.
 * It holds the event store and the API keys, so it is made owner-only (0700): a directory
 * created here gets that mode, and an existing one this process owns is narrowed to it. One
 * owned by another user (a volume set up by the operator) is left as it is.
 */
export function ensureDataDir(dir: string): void {
  const fail = (what: string, error?: unknown): never => {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    throw new DataDirError(`TIMELINE_DATA_DIR (${dir}): ${what}${code ? ` (${code})` : ''}`);
  };
  try {
    createMissing(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(code === 'ENOTDIR' ? 'a parent is not a directory' : 'cannot be created', error);
  }
  try {
    if (!fs.statSync(dir).isDirectory()) {
      fail('is not a directory');
    }
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    const stat = fs.statSync(dir);
    if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) {
      fs.chmodSync(dir, 0o700);
    }
  } catch (error) {
    if (error instanceof DataDirError) {
      throw error;
    }
    fail('is not readable and writable by this process', error);
  }
}
