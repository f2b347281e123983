import { Worker } from 'node:worker_threads';
import type { AppConfig } from './config/app-config.js';

/**
 * API.md: a start that cannot work exits within 15 s. Both deadlines count from the start of
 * the process (`performance.now()`), leaving a margin for the exit itself.
 */
const STARTUP_DEADLINE_MS = 12_500;
/** For a start stuck in synchronous code (a blocked event loop never runs the timer above). */
const STARTUP_HARD_DEADLINE_MS = 13_500;
const FATAL_PREFIX = 'incident-timeline: cannot start: ';

/** Errors whose message already names the variable, file or directory at fault. */
const SELF_EXPLAINING_ERRORS = new Set(['ConfigError', 'DataDirError', 'ApiKeyListError', 'EventStoreUnavailable', 'EventStoreDamaged']);

const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
};

export const STARTUP_PHASES = [
  'reading the configuration',
  'preparing the data directory',
  'creating the application',
  'initialising the modules',
  'listening',
] as const;
export type StartupPhase = (typeof STARTUP_PHASES)[number];

/** Values of the shared outcome cell. */
const STARTING = 0;
const FAILED = 1;
const STARTED = 2;

/**
 * Watches a start: the phase it is in, a deadline on the main thread, and a second one on a
 * thread of its own that holds even when the main thread is stuck in synchronous code (e.g. a
 * blocking lock wait in a native driver) and its own timers cannot run. Whichever fires first
 * writes the one line a failed start prints, naming the phase, and ends the process.
 */
export class StartupWatchdog {
  /** Shared with the watchdog thread. [0]: index of the current phase. [1]: the outcome. */
  private readonly state = new Int32Array(new SharedArrayBuffer(8));
  private current: StartupPhase = STARTUP_PHASES[0];
  private readonly deadline: NodeJS.Timeout;
  private readonly thread: Worker;

  private constructor() {
    this.thread = this.startThread();
    this.deadline = setTimeout(
      () => this.fail(`startup took longer than ${STARTUP_DEADLINE_MS / 1000} s while ${this.current}`),
      Math.max(0, STARTUP_DEADLINE_MS - performance.now()),
    );
  }

  static start(): StartupWatchdog {
    return new StartupWatchdog();
  }

  get phase(): StartupPhase {
    return this.current;
  }

  enter(phase: StartupPhase): void {
    this.current = phase;
    Atomics.store(this.state, 0, STARTUP_PHASES.indexOf(phase));
  }

  /**
   * The server listens. False when a deadline fired first: the process is then on its way out
   * and the caller must do nothing more.
   */
  async started(): Promise<boolean> {
    clearTimeout(this.deadline);
    if (Atomics.compareExchange(this.state, 1, STARTING, STARTED) !== STARTING) {
      return false;
    }
    await this.thread.terminate();
    return true;
  }

  /** Ends the process with the one line of a failed start, saying what went wrong. */
  failWith(error: unknown, config: AppConfig | undefined): void {
    this.fail(describeStartupFailure(error, this.current, config));
  }

  /** Writes the line before exiting, never interleaved with logs; only the first call counts. */
  private fail(reason: string): void {
    clearTimeout(this.deadline);
    if (Atomics.compareExchange(this.state, 1, STARTING, FAILED) !== STARTING) {
      return;
    }
    const line = `${FATAL_PREFIX}${reason.replace(/\s*\n\s*/g, ' ').trim()}\n`;
    process.exitCode = 1;
    process.stderr.write(line, () => process.exit(1));
  }

  private startThread(): Worker {
    const source = `
      const { workerData } = require('node:worker_threads');
      const { writeSync } = require('node:fs');
      const state = new Int32Array(workerData.state);
      setTimeout(() => {
        const outcome = Atomics.compareExchange(state, 1, ${STARTING}, ${FAILED});
        if (outcome === ${STARTED}) {
          return;
        }
        if (outcome === ${STARTING}) {
          const phase = workerData.phases[Atomics.load(state, 0)];
          writeSync(2, workerData.prefix + 'startup took longer than ' + workerData.seconds + ' s while ' + phase + '\\n');
        }
        process.kill(process.pid, 'SIGKILL');
      }, workerData.ms);
    `;
    const worker = new Worker(source, {
      eval: true,
      workerData: {
        state: this.state.buffer,
        phases: STARTUP_PHASES,
        prefix: FATAL_PREFIX,
        ms: Math.max(0, STARTUP_HARD_DEADLINE_MS - performance.now()),
        seconds: STARTUP_HARD_DEADLINE_MS / 1000,
      },
    });
    worker.unref();
    return worker;
  }
}

/** The reason a start failed, in words that name the variable, file, address or phase at fault. */
export function describeStartupFailure(error: unknown, phase: StartupPhase, config: AppConfig | undefined): string {
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
