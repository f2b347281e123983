/**
 * README: a start that cannot work exits non-zero within 15 s with one line naming what failed.
 * Each case starts the built server where it cannot work; the wait for its exit is bounded by
 * that promise, and nothing else about its speed is asserted.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { type FailedStart, freePort, startFailing, temporaryDataDir } from './server-process.js';

const PROMISED_EXIT_MS = 15_000;
const TEST_TIMEOUT_MS = 30_000;
const PREFIX = 'incident-timeline: cannot start: ';

/** The one line on stderr, checked to be the only output of the process. */
function theOneLine(outcome: FailedStart): string {
  expect(outcome.exit).not.toBe('still-running');
  if (outcome.exit === 'still-running') return '';
  expect(outcome.exit.signal).toBeNull();
  expect(outcome.exit.code).not.toBe(0);
  expect(outcome.stdout).toBe('');
  const lines = outcome.stderr.split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe('');
  expect(lines[0].startsWith(PREFIX)).toBe(true);
  return lines[0].slice(PREFIX.length);
}

describe('a start that cannot work', () => {
  const data = temporaryDataDir();
  afterAll(() => data.remove());

  it('names the address when the port is in use', async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const outcome = await startFailing({ dataDir: join(data.dir, 'port'), port }, PROMISED_EXIT_MS);
      expect(theOneLine(outcome)).toBe(`cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, TEST_TIMEOUT_MS);

  it('names the data directory when it is a file', async () => {
    const file = join(data.dir, 'not-a-directory');
    writeFileSync(file, 'x');
    const outcome = await startFailing({ dataDir: file }, PROMISED_EXIT_MS);
    expect(theOneLine(outcome)).toBe(`TIMELINE_DATA_DIR (${file}): is not a directory`);
  }, TEST_TIMEOUT_MS);

  it('names the data directory when this process may not read it', async () => {
    const dir = join(data.dir, 'unreadable');
    mkdirSync(dir);
    // root reads any directory: as root, the server runs as nobody, and the directory stays root's.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      chmodSync(data.dir, 0o755);
      chmodSync(dir, 0o700);
    } else {
      chmodSync(dir, 0o000);
    }
    try {
      const outcome = await startFailing({ dataDir: dir, ...(asRoot && { user: { uid: 65534, gid: 65534 } }) }, PROMISED_EXIT_MS);
      expect(theOneLine(outcome)).toBe(`TIMELINE_DATA_DIR (${dir}): is not readable and writable by this process (EACCES)`);
    } finally {
      chmodSync(dir, 0o700);
    }
  }, TEST_TIMEOUT_MS);

  it('names TIMELINE_API_KEYS and the entry when the key list is malformed, never quoting a key', async () => {
    const outcome = await startFailing(
      { dataDir: join(data.dir, 'keys'), env: { TIMELINE_API_KEYS: 'writer:writer-secret-7Qm2Xv9Lk4Rt8Wz1,reader:short' } },
      PROMISED_EXIT_MS,
    );
    const line = theOneLine(outcome);
    expect(line).toBe('TIMELINE_API_KEYS: entry 2 has unknown role "reader" (expected one of writer, analyst, editor, admin)');
    expect(outcome.stderr).not.toContain('writer-secret');
  }, TEST_TIMEOUT_MS);

  it.each([
    ['TIMELINE_REQUEST_TIMEOUT_MS', '30s', 'TIMELINE_REQUEST_TIMEOUT_MS: must be an integer from 1 to 2147483647, got "30s"'],
    ['TIMELINE_IDLE_TIMEOUT_MS', '0', 'TIMELINE_IDLE_TIMEOUT_MS: must be an integer from 1 to 2147483647, got "0"'],
    ['TIMELINE_HEADERS_TIMEOUT_MS', '40000', 'TIMELINE_HEADERS_TIMEOUT_MS: must not exceed TIMELINE_REQUEST_TIMEOUT_MS (30000), got 40000'],
  ])('names %s when its value (%s) is malformed', async (variable, value, expected) => {
    const outcome = await startFailing({ dataDir: join(data.dir, variable), env: { [variable]: value } }, PROMISED_EXIT_MS);
    expect(theOneLine(outcome)).toBe(expected);
  }, TEST_TIMEOUT_MS);
});
