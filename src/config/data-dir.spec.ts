import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirError, ensureDataDir } from './data-dir.js';

describe('ensureDataDir', () => {
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'timeline-data-'));
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates missing directories with mode 0700', () => {
    const dir = path.join(tmp, 'a', 'b', 'data');
    ensureDataDir(dir);
    for (const created of [path.join(tmp, 'a'), path.join(tmp, 'a', 'b'), dir]) {
      expect(fs.statSync(created).mode & 0o777).toBe(0o700);
    }
  });

  it('narrows an existing directory of its own to owner-only', () => {
    fs.chmodSync(tmp, 0o755);
    ensureDataDir(tmp);
    expect(fs.statSync(tmp).mode & 0o777).toBe(0o700);
  });

  it('refuses a file, naming the variable and the path', () => {
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, '');
    expect(() => ensureDataDir(file)).toThrow(new DataDirError(`TIMELINE_DATA_DIR (${file}): is not a directory`));
    expect(() => ensureDataDir(path.join(file, 'data'))).toThrow(/a parent is not a directory \(ENOTDIR\)$/);
  });

  it('fails fast where the parent refuses to create it', () => {
    if (!fs.existsSync('/proc/self')) {
      return;
    }
    expect(() => ensureDataDir('/proc/timeline-data')).toThrow(/^TIMELINE_DATA_DIR \(\/proc\/timeline-data\): cannot be created/);
  });
});
