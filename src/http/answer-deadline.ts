import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The route config key of `@LongLivedAnswer()`. */
const LONG_LIVED_ANSWER = 'incidentTimelineLongLivedAnswer';

/**
 * For a route whose answer may take longer than the request timeout to begin (a server-sent
 * event stream, an export computed before its first byte): its requests are not answered 408
 * when the request timeout passes. The request must still arrive within that timeout, and a
 * connection on which nothing moves for the idle timeout is still closed, so such a route sends
 * something (a comment line of an event stream, the next rows) at least that often.
 */
export const LongLivedAnswer = (): MethodDecorator => RouteConfig({ [LONG_LIVED_ANSWER]: true });

const deadlinesOf = new WeakMap<FastifyInstance, AnswerDeadlines>();

/**
 * Takes one request out of the request timeout, from its handler: for an answer that is known
 * only at run time to be long-lived. Routes that always are use `@LongLivedAnswer()` instead.
 */
export function exemptFromRequestTimeout(request: FastifyRequest): void {
  deadlinesOf.get(request.server)?.release(request);
}

interface Pending {
  readonly reply: FastifyReply;
  readonly deadline: number;
}

/**
 * The request timeout after the request has arrived: an answer that has not begun when it passes
 * (a handler waiting on a stuck store) is replaced by 408 REQUEST_TIMEOUT, so that no request
 * hangs forever. Node's own `requestTimeout` covers the arrival of the request; once an answer
 * begins, the idle timeout covers a client that stops reading it.
 *
 * One timer sweeps every request instead of a timer per request. All requests have the same
 * timeout, so the map's insertion order is deadline order and a sweep stops at the first request
 * whose deadline is still ahead.
 */
export class AnswerDeadlines {
  private readonly pending = new Map<FastifyRequest, Pending>();
  private readonly sweeper: NodeJS.Timeout;

  /** The deadlines of a Fastify instance's requests, found by `exemptFromRequestTimeout`. */
  static install(
    instance: FastifyInstance,
    timeoutMs: number,
    answerTimedOut: (request: FastifyRequest, reply: FastifyReply) => void,
  ): AnswerDeadlines {
    const deadlines = new AnswerDeadlines(timeoutMs, answerTimedOut);
    deadlinesOf.set(instance, deadlines);
    return deadlines;
  }

  constructor(
    private readonly timeoutMs: number,
    private readonly answerTimedOut: (request: FastifyRequest, reply: FastifyReply) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalFor(timeoutMs));
    this.sweeper.unref();
  }

  /** From now on, the request has `timeoutMs` to begin its answer (unless its route opts out). */
  track(request: FastifyRequest, reply: FastifyReply): void {
    const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
    if (config?.[LONG_LIVED_ANSWER] === true) {
      return;
    }
    this.pending.set(request, { reply, deadline: this.now() + this.timeoutMs });
  }

  /**
   * The answer begins, or the request no longer needs a deadline. Also the way for a handler to
   * take its own request out of the request timeout (e.g. after a check that lets it stream).
   */
  release(request: FastifyRequest): void {
    this.pending.delete(request);
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.pending.clear();
  }

  private sweep(): void {
    const now = this.now();
    for (const [request, { reply, deadline }] of this.pending) {
      if (deadline > now) {
        return;
      }
      this.pending.delete(request);
      // A request whose body is still arriving is Node's to time out (its answer is the same 408).
      if (!reply.sent && !reply.raw.headersSent && !reply.raw.destroyed && request.raw.complete) {
        this.answerTimedOut(request, reply);
      }
    }
  }
}

/** A twentieth of the timeout, between 10 ms and 1 s: a 30 s timeout fires within 30-31 s. */
export function sweepIntervalFor(timeoutMs: number): number {
  return Math.min(1000, Math.max(10, Math.floor(timeoutMs / 20)));
}
