import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * Once no answer has been in flight for this long, the connections still open (idle keep-alive
 * ones) are closed. A client in the middle of a series of requests sends its next one within
 * that time and is answered 503 SHUTTING_DOWN, instead of finding its connection closed under it
 * as it sends.
 */
const QUIET_BEFORE_CLOSING_MS = 500;
const POLL_MS = 20;

export interface DrainOutcome {
  /** Answers that had not been sent whole when the drain time ran out, and were cut. */
  readonly cut: readonly string[];
}

/**
 * The connections and the answers in flight of one HTTP server, for a drain: stop accepting
 * connections, let every answer in flight be sent whole (handed to the kernel, which delivers it
 * even after the process exits), then close what is left.
 */
export class HttpConnections {
  private readonly sockets = new Set<Socket>();
  private readonly answers = new Set<ServerResponse>();
  private drainStarted = false;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (_request, response: ServerResponse) => {
      this.answers.add(response);
      response.once('close', () => this.answers.delete(response));
    });
  }

  /** True from the start of a drain: requests that still arrive are refused. */
  get stopping(): boolean {
    return this.drainStarted;
  }

  /**
   * Stops accepting connections and waits, at most `drainMs`, for the answers in flight to be
   * sent. Connections kept alive stay open meanwhile, so that a request sent on one gets its 503
   * rather than a reset; they are closed once the answers are out. Whatever is still being sent
   * when the time runs out is cut, and listed in the outcome. `endEndless` is started with the
   * drain, not awaited: it ends the answers that would never end by themselves.
   */
  async drain(drainMs: number, endEndless: () => Promise<void> = () => Promise.resolve()): Promise<DrainOutcome> {
    this.drainStarted = true;
    const deadline = performance.now() + drainMs;
    // Not `server.close()`: Node's own closes every connection it deems idle at once, and that
    // includes one whose answer has been written by the handler but not yet sent.
    NetServer.prototype.close.call(this.server);
    void endEndless();

    let lastBusy = performance.now();
    for (;;) {
      const now = performance.now();
      if (this.answers.size > 0) {
        lastBusy = now;
      } else if (this.sockets.size === 0 || now - lastBusy >= QUIET_BEFORE_CLOSING_MS) {
        break;
      }
      if (now >= deadline) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(1, deadline - now))));
    }

    const cut = [...this.answers].filter((answer) => !answer.writableFinished).map(describeAnswer);
    for (const socket of this.sockets) {
      socket.destroy();
    }
    return { cut };
  }
}

function describeAnswer(answer: ServerResponse): string {
  const request = answer.req;
  const path = (request.url ?? '').split('?')[0];
  const state = answer.headersSent ? `${answer.statusCode}, partly sent` : 'not begun';
  return `${request.method} ${path} (${state})`;
}
