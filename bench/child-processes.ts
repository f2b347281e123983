import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BENCH_API_KEYS_ENV } from './in-process-app.js';
import { sleep } from './measure.js';

/** dist/ of this build: bench/*.js run from dist/bench, the server from dist/src. */
export const DIST = join(import.meta.dirname, '..');
export const SERVER_ENTRY = join(DIST, 'src', 'main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a bench child script to completion and parses the last line it printed as JSON. */
export function runJsonChild<T>(script: string, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIST, 'bench', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || last === undefined) reject(new Error(`${script} exited with ${code}`));
      else resolve(JSON.parse(last) as T);
    });
  });
}

export interface RunningChild {
  readonly child: ChildProcess;
  readonly url: string;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** The bare Fastify baseline server, on a port of its own choosing. */
export function startBareFastify(dataDir: string): Promise<RunningChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIST, 'bench', 'bare-fastify-server.js'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bare-fastify-server exited with ${code}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) {
        const { port } = JSON.parse(line) as { port: number };
        child.removeAllListeners('exit');
        resolve({ child, url: `http://127.0.0.1:${port}`, stop: stopper(child) });
      }
    });
  });
}

export interface HealthBody {
  readonly status: string;
  readonly eventStore: { readonly headPosition?: number };
  readonly readModels: { readonly projections: readonly { readonly position: number }[] };
}

/** True when /health answers 200 and every read model stands at the log's head. */
export async function healthyAndCaughtUp(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`);
    if (response.status !== 200) return false;
    const body = (await response.json()) as HealthBody;
    const head = body.eventStore.headPosition ?? -1;
    return body.readModels.projections.every((projection) => projection.position >= head);
  } catch {
    return false;
  }
}

export interface StartedServer extends RunningChild {
  /** From spawn to the first 200 of /health with every read model at the head, in ms. */
  readonly startupMs: number;
}

/**
 * The built server, `node dist/src/main.js`, as production starts it (default log level;
 * stdout, its JSON request log, goes to /dev/null), polled every `pollMs` until healthy and
 * caught up. BENCH_SERVER_NODE_ARGS adds options to its node (e.g. `--cpu-prof`, to profile it).
 */
export async function startServer(dataDir: string, pollMs = 10, env: Readonly<Record<string, string>> = {}): Promise<StartedServer> {
  const port = await freePort();
  const started = performance.now();
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, SERVER_ENTRY], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      TIMELINE_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      TIMELINE_API_KEYS: BENCH_API_KEYS_ENV,
      TIMELINE_RATE_LIMIT_PER_SECOND: '0',
      ...env,
    },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${stderr}`);
    if (await healthyAndCaughtUp(url)) break;
    if (performance.now() - started > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`the server did not become healthy in 120 s: ${stderr}`);
    }
    await sleep(pollMs);
  }
  return { child, url, startupMs: performance.now() - started, stop: stopper(child) };
}
