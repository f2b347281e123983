import type { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from './config/app-config.js';
import { drainHttpServer } from './http/http-app.js';

/**
 * After the drain, the time left to close the app: the read models commit their batch, the
 * stores close. With the default 8 s drain a stop takes at most 9.5 s, inside the 10 s Docker
 * gives between SIGTERM and SIGKILL. Past it the process exits 1: every acknowledged write is
 * already durable, so the wait is not worth more.
 */
const CLOSE_BUDGET_MS = 1_500;
const PREFIX = 'incident-timeline: ';

function exitAfterLine(line: string, code: number): void {
  process.exitCode = code;
  process.stderr.write(`${PREFIX}${line.replace(/\s*\n\s*/g, ' ')}\n`, () => process.exit(code));
}

/**
 * SIGTERM and SIGINT stop the server gracefully: it stops accepting connections, refuses requests
 * that still arrive with 503 SHUTTING_DOWN, sends every answer in flight whole (for up to the
 * drain time, `TIMELINE_SHUTDOWN_DRAIN_MS`), then closes the app (the read models commit, the
 * stores close) and exits 0. If the drain had to cut an answer, it exits 1 and says so in one
 * line on stderr. A second signal of the same kind ends the process at once.
 *
 * Nest's own shutdown hooks would close the stores before the HTTP server and re-raise the
 * signal (exit 143); the HTTP server is therefore drained first, here.
 */
export function stopGracefullyOnSignals(app: NestFastifyApplication, config: AppConfig, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const drainMs = config.http.shutdownDrainMs;
    logger.log(`${signal}: stopping (answers in flight are sent within ${drainMs / 1000} s, read models commit, stores close)`);
    const budgetMs = drainMs + CLOSE_BUDGET_MS;
    setTimeout(() => exitAfterLine(`did not stop within ${budgetMs / 1000} s; exiting`, 1), budgetMs).unref();
    drainHttpServer(app, drainMs)
      .then(async (outcome) => {
        await app.close();
        return outcome;
      })
      .then(
        ({ cut }) => {
          app.flushLogs();
          if (cut.length === 0) {
            process.exit(0);
          }
          const answers = cut.length === 1 ? '1 answer' : `${cut.length} answers`;
          const listed = cut.slice(0, 3).join(', ') + (cut.length > 3 ? ', …' : '');
          exitAfterLine(`stopped, but the ${drainMs / 1000} s drain cut ${answers} in flight: ${listed}`, 1);
        },
        (error: unknown) => exitAfterLine(`error while stopping: ${error instanceof Error ? error.message : String(error)}`, 1),
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
