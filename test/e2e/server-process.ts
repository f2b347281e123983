/**
 * The built server (`dist/src/main.js`) as a child process, for tests that need what only a
 * real process has: signals, `kill -9`, its exit code and its stdout/stderr. `npm test` builds
 * dist/ first (the `pretest` script).
 *
 * Waits here are for readiness only (the server answering /health), never timed assertions.
 */
import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_ENTRY = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

/** Keys of this file's servers: distinctive strings, so that a test can search its output for them. */
export const SERVER_KEYS = {
  writer: 'writer-secret-7Qm2Xv9Lk4Rt8Wz1',
  analyst: 'analyst-secret-3Hn6Pc1Jd5Yb0Vs7',
  admin: 'admin-secret-9Fg4Tk8Mw2Qe6Ux3',
} as const;
export type ServerRole = keyof typeof SERVER_KEYS;

/** Generous: a cold start builds the read models and, after a crash, recovers the WAL. */
const READY_TIMEOUT_MS = 60_000;
/** Bounds a single request, so that a hung server fails the test instead of hanging it. */
const REQUEST_TIMEOUT_MS = 60_000;

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface RequestOptions {
  /** The key to send; `null` for none. Default: analyst for GET, writer otherwise. */
  readonly as?: ServerRole | null;
  readonly headers?: Record<string, string>;
  /** A JSON body (serialised here) ... */
  readonly json?: unknown;
  /** ... or a raw body, sent as it is. */
  readonly raw?: string;
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Settles when the process has exited, with its code or signal. */
  readonly exited: Promise<ExitStatus>;
  /** Everything the process wrote so far. */
  stdout(): string;
  stderr(): string;
  request(method: string, path: string, options?: RequestOptions): Promise<Answer>;
  get(path: string, options?: RequestOptions): Promise<Answer>;
  post(path: string, body: unknown, options?: RequestOptions): Promise<Answer>;
  /** Sends a signal (if the process still runs). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL unless it has exited, then waits for the exit. The data directory stays. */
  kill(): Promise<ExitStatus>;
}

export interface StartOptions {
  readonly dataDir: string;
  /** Extra environment, over the defaults below (e.g. `TIMELINE_LOG_LEVEL`); `undefined` removes a default. */
  readonly env?: Record<string, string | undefined>;
  /** A port to use instead of a free one (e.g. one already taken). */
  readonly port?: number;
  /** Runs the server as this user and group (the test runs as root). */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** Another build's entry point instead of this one's (to measure an older build the same way). */
  readonly entry?: string;
}

/** Processes still running, killed if the test worker exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export function temporaryDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'timeline-proc-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A port that was free a moment ago: listen on 0, note the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** The environment of the child: the parent's, minus anything that would configure the server or Node. */
function childEnvironment(dataDir: string, port: number, extra: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(TIMELINE_|KURRENTDB_|EVENT_STORE$|PORT$|HOST$|NODE_OPTIONS$|NODE_ENV$)/.test(name)) continue;
    env[name] = value;
  }
  const merged: NodeJS.ProcessEnv = {
    ...env,
    TIMELINE_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    TIMELINE_API_KEYS: `writer:${SERVER_KEYS.writer},analyst:${SERVER_KEYS.analyst},admin:${SERVER_KEYS.admin}`,
    TIMELINE_RATE_LIMIT_PER_SECOND: '0',
    TIMELINE_LOG_LEVEL: 'warn',
    ...extra,
  };
  for (const [name, value] of Object.entries(merged)) {
    if (value === undefined) delete merged[name];
  }
  return merged;
}

function spawnServer(options: StartOptions, port: number): ChildProcess {
  const spawnOptions: SpawnOptions = {
    env: childEnvironment(options.dataDir, port, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.user && { uid: options.user.uid, gid: options.user.gid }),
  };
  const child = spawn(process.execPath, [options.entry ?? SERVER_ENTRY], spawnOptions);
  live.add(child);
  return child;
}

export interface FailedStart {
  /** The exit, or 'still-running' if it did not exit within the bound (it is then killed). */
  readonly exit: ExitStatus | 'still-running';
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the server where it cannot work and waits, at most `boundMs`, for it to exit. */
export async function startFailing(options: StartOptions, boundMs: number): Promise<FailedStart> {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run \`npm run build\` first`);
  installExitHook();
  const child = spawnServer(options, options.port ?? (await freePort()));
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  let bound: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    exited,
    new Promise<'still-running'>((resolve) => (bound = setTimeout(() => resolve('still-running'), boundMs))),
  ]);
  clearTimeout(bound);
  if (exit === 'still-running') {
    child.kill('SIGKILL');
    await exited;
  }
  return { exit, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** Starts `node dist/src/main.js` on a free loopback port and waits until `GET /health` answers 200. */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const entry = options.entry ?? SERVER_ENTRY;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  installExitHook();
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawnServer(options, port);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
  const stdout = (): string => Buffer.concat(out).toString('utf8');
  const stderr = (): string => Buffer.concat(err).toString('utf8');
  // 'close' (not 'exit'): the output pipes are drained by then, so stdout() is complete.
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Answer> {
    const role = opts.as === undefined ? (method === 'GET' ? 'analyst' : 'writer') : opts.as;
    const body = opts.json !== undefined ? JSON.stringify(opts.json) : opts.raw;
    const headers: Record<string, string> = {
      ...(role ? { authorization: `Bearer ${SERVER_KEYS[role]}` } : {}),
      ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    };
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  const server: ServerProcess = {
    url,
    port,
    dataDir: options.dataDir,
    child,
    exited,
    stdout,
    stderr,
    request,
    get: (path, opts) => request('GET', path, opts),
    post: (path, body, opts = {}) => request('POST', path, { ...opts, json: body }),
    signal: (signal) => {
      if (!hasExited) child.kill(signal);
    },
    kill: async () => {
      if (!hasExited) child.kill('SIGKILL');
      return exited;
    },
  };

  try {
    await waitUntilHealthy(server, () => hasExited);
  } catch (error) {
    await server.kill();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- stdout:\n${stdout()}\n--- stderr:\n${stderr()}`);
  }
  return server;
}

async function waitUntilHealthy(server: ServerProcess, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  for (;;) {
    if (hasExited()) {
      const { code, signal } = await server.exited;
      throw new Error(`the server exited before it was ready (code ${code}, signal ${signal})`);
    }
    try {
      const answer = await server.get('/health', { as: null });
      if (answer.status === 200) return;
      last = `${answer.status} ${answer.text}`;
    } catch (error) {
      last = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
    }
    if (Date.now() > deadline) throw new Error(`the server was not healthy within ${READY_TIMEOUT_MS / 1000} s: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Reads a whole neighbourhood stream through `GET …/events`, page by page. */
export async function readStream(
  server: ServerProcess,
  neighbourhoodId: string,
  as: ServerRole = 'admin',
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  let fromRevision = 0;
  for (;;) {
    const answer = await server.get(`/v1/neighbourhoods/${neighbourhoodId}/events?limit=1000&fromRevision=${fromRevision}`, { as });
    if (answer.status !== 200) throw new Error(`reading ${neighbourhoodId} answered ${answer.status}: ${answer.text}`);
    events.push(...(answer.body.items as StreamEvent[]));
    if (answer.body.nextFromRevision === undefined || answer.body.nextFromRevision === null) return events;
    fromRevision = answer.body.nextFromRevision as number;
  }
}

export interface StreamEvent {
  readonly eventId: string;
  readonly type: string;
  readonly streamRevision: number;
  readonly position: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly data: any;
  readonly metadata: { recordedAt: string; recordedBy: string; idempotencyKey?: string; requestId?: string; [key: string]: unknown };
}

/**
 * A failure below HTTP: refused, reset, closed mid-answer. `fetch` reports all of them as
 * `TypeError: fetch failed` with the socket error as its cause. (Not `instanceof`: under Jest
 * the error comes from another realm than the test's TypeError.)
 */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'TypeError' && message === 'fetch failed';
}

export function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { message, cause } = error as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const detail = cause?.code ?? cause?.message;
  return `${String(message)}${detail !== undefined ? ` (${String(detail)})` : ''}`;
}

/** The server's exit, or 'not-exited' if it has not exited within `boundMs` (a bound, not a timing). */
export async function exitWithin(server: ServerProcess, boundMs: number): Promise<ExitStatus | 'not-exited'> {
  let bound: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    server.exited,
    new Promise<'not-exited'>((resolve) => (bound = setTimeout(() => resolve('not-exited'), boundMs))),
  ]);
  clearTimeout(bound);
  return exit;
}
