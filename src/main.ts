import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { AppModule } from './app.module.js';
import { ApiKeyStore, apiKeysFromEnvironment } from './auth/api-keys.js';
import { AuthModule } from './auth/auth.module.js';
import { loadConfig, type AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { Logger as PinoLogger } from 'nestjs-pino';
import { ensureDataDir } from './config/data-dir.js';
import { API_PREFIX, configureHttpApp, createHttpAdapter, refuseNewRequests } from './http/http-app.js';
import { DOCS_PATH } from './http/openapi.js';

/**
 * API.md: a start that cannot work exits within 15 s. Both deadlines count from the start of
 * the process (`performance.now()`), leaving a margin for the exit itself.
 */
const STARTUP_DEADLINE_MS = 12_500;
/** For a start stuck in synchronous code (a blocked event loop never runs the timer above). */
const STARTUP_HARD_DEADLINE_MS = 13_500;
const FATAL_PREFIX = 'incident-timeline: cannot start: ';

/** Errors whose message already names the variable, file or directory at fault. */
const SELF_EXPLAINING_ERRORS = new Set(['ConfigError', 'DataDirError', 'ApiKeyListError', 'EventStoreUnavailable']);

const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
};

const PHASES = [
  'reading the configuration',
  'preparing the data directory',
  'creating the application',
  'initialising the modules',
  'listening',
] as const;
type Phase = (typeof PHASES)[number];

/**
 * Shared with the watchdog thread. [0]: index of the current phase. [1]: 0 while starting,
 * 1 once the fatal line is written, 2 once the server listens.
 */
const startupState = new Int32Array(new SharedArrayBuffer(8));
let phase: Phase = PHASES[0];

function enter(next: Phase): void {
  phase = next;
  Atomics.store(startupState, 0, PHASES.indexOf(next));
}

/** The one line a failed start writes. Written before exiting, never interleaved with logs. */
function exitWith(reason: string): void {
  if (Atomics.compareExchange(startupState, 1, 0, 1) !== 0) {
    return;
  }
  const line = `${FATAL_PREFIX}${reason.replace(/\s*\n\s*/g, ' ').trim()}\n`;
  process.exitCode = 1;
  process.stderr.write(line, () => process.exit(1));
}

/**
 * A thread that ends the process if the start is still not done at the hard deadline, even
 * when the main thread is stuck in synchronous code (e.g. a blocking lock wait in a native
 * driver) and its own timers cannot run.
 */
function startWatchdog(): Worker {
  const source = `
    const { workerData } = require('node:worker_threads');
    const { writeSync } = require('node:fs');
    const state = new Int32Array(workerData.state);
    setTimeout(() => {
      const outcome = Atomics.compareExchange(state, 1, 0, 1);
      if (outcome === 2) {
        return;
      }
      if (outcome === 0) {
        const phase = workerData.phases[Atomics.load(state, 0)];
        writeSync(2, workerData.prefix + 'startup took longer than ' + workerData.seconds + ' s while ' + phase + '\\n');
      }
      process.kill(process.pid, 'SIGKILL');
    }, workerData.ms);
  `;
  const worker = new Worker(source, {
    eval: true,
    workerData: {
      state: startupState.buffer,
      phases: PHASES,
      prefix: FATAL_PREFIX,
      ms: Math.max(0, STARTUP_HARD_DEADLINE_MS - performance.now()),
      seconds: STARTUP_HARD_DEADLINE_MS / 1000,
    },
  });
  worker.unref();
  return worker;
}

function reasonFor(error: unknown, config: AppConfig | undefined): string {
  const err: NodeJS.ErrnoException = error instanceof Error ? error : new Error(String(error));
  if (SELF_EXPLAINING_ERRORS.has(err.name)) {
    return err.message;
  }
  if (phase === 'listening' && config !== undefined) {
    const what = (err.code && LISTEN_ERRORS[err.code]) ?? err.message;
    return `cannot listen on ${config.host}:${config.port}: ${what}${err.code ? ` (${err.code})` : ''}`;
  }
  return `${phase}: ${err.message}`;
}

function urlOf(app: NestFastifyApplication, config: AppConfig): string {
  const address = app.getHttpServer().address() as AddressInfo | string | null;
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${port}`;
}

function describeKeys(app: NestFastifyApplication): string | undefined {
  let store: ApiKeyStore;
  try {
    store = app.get(ApiKeyStore, { strict: false });
  } catch {
    return undefined;
  }
  const source = store.source;
  if (source.kind === 'environment') {
    return `API keys: ${store.size} from TIMELINE_API_KEYS`;
  }
  return source.created
    ? `API keys: generated one per role in ${source.path} (readable by its owner only)`
    : `API keys: read from ${source.path}`;
}

/** A stop that takes longer than this is forced: the data is safe, the wait is not worth more. */
const SHUTDOWN_DEADLINE_MS = 25_000;

/**
 * SIGTERM/SIGINT: stop accepting, let in-flight requests finish (their appends commit before
 * they answer), then let the projections commit their batch and close the stores, and exit 0.
 * Nest's own shutdown hooks would close the stores before the HTTP server and re-raise the
 * signal (exit 143); the HTTP server is therefore closed first, here.
 */
function stopGracefullyOnSignals(app: NestFastifyApplication, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping (in-flight requests finish, read models commit, stores close)`);
    setTimeout(() => {
      process.stderr.write(`incident-timeline: did not stop within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting\n`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // close() ends only the keep-alive connections idle at that moment: one busy then would stay open for
    // keepAliveTimeout (72 s) after its answer, past the deadline above. Node now ends it ~1 s after its answer.
    app.getHttpServer().keepAliveTimeout = 1;
    refuseNewRequests(app);
    app
      .getHttpAdapter()
      .close()
      .then(() => app.close())
      .then(
        () => {
          app.flushLogs();
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(`incident-timeline: error while stopping: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function bootstrap(): Promise<void> {
  let config: AppConfig | undefined;
  const watchdog = startWatchdog();
  const deadline = setTimeout(
    () => exitWith(`startup took longer than ${STARTUP_DEADLINE_MS / 1000} s while ${phase}`),
    Math.max(0, STARTUP_DEADLINE_MS - performance.now()),
  );
  try {
    config = loadConfig(process.env);
    // A malformed key list fails here, before anything else is opened.
    if (config.apiKeyList !== undefined) apiKeysFromEnvironment(config.apiKeyList);
    enter('preparing the data directory');
    ensureDataDir(config.dataDir);

    enter('creating the application');
    // Logs are held back until the server listens: a failed start prints one line only.
    const app = await NestFactory.create<NestFastifyApplication>(
      // ConfigModule reads the same environment as `config` above. AppModule may import
      // ConfigModule and AuthModule itself too; Nest loads each module once.
      { imports: [ConfigModule, AuthModule, LoggingModule, AppModule] },
      createHttpAdapter(),
      { abortOnError: false, bufferLogs: true, autoFlushLogs: false },
    );
    app.useLogger(app.get(PinoLogger));
    configureHttpApp(app, config, { shutdownHooks: false });

    enter('initialising the modules');
    await app.init();
    enter('listening');
    await app.listen(config.port, config.host);
    clearTimeout(deadline);
    if (Atomics.compareExchange(startupState, 1, 0, 2) !== 0) {
      return; // a deadline fired first; the process is on its way out
    }
    await watchdog.terminate();
    app.flushLogs();

    const logger = new Logger('Main');
    const url = urlOf(app, config);
    logger.log(`Listening on ${url} (API under /${API_PREFIX}, docs at ${url}/${DOCS_PATH})`);
    const keys = describeKeys(app);
    if (keys !== undefined) {
      logger.log(keys);
    }
    stopGracefullyOnSignals(app, logger);
  } catch (error) {
    clearTimeout(deadline);
    exitWith(reasonFor(error, config));
  }
}

void bootstrap();
