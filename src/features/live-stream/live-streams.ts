import { Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { LiveFilter } from './live-filter.js';
import { BacklogExceeded, type LiveLog } from './live-log.js';
import { type Audience, type LiveCursor, type LiveMessage, isAfter } from './live-message.js';

export interface LiveStreamLimits {
  /** Silence, in ms, before a heartbeat comment. */
  readonly heartbeatMs: number;
  /** Messages and bytes a consumer may fall behind before its stream is ended. */
  readonly backlogMessages: number;
  readonly backlogBytes: number;
}

/**
 * How long an ended stream may take to flush to its consumer before its connection is cut: a
 * consumer cut off for falling behind has this long to read what it was sent; at shutdown, less.
 */
const FLUSH_GRACE_MS = 60_000;
const SHUTDOWN_FLUSH_GRACE_MS = 5_000;

const HEARTBEAT = ': heartbeat\n\n';

/**
 * A live stream writes at most once per this interval, all that came meanwhile: with many streams
 * open, a write per message per stream would cost the server more than the commands themselves.
 */
export const STREAM_GATHER_MS = 50;

/** Every open event stream of this process: opened per request, all ended at shutdown. */
export class LiveStreams {
  private readonly logger = new Logger('LiveStreams');
  private readonly open = new Set<OpenStream>();
  private readonly frames = new SharedFrames();
  private closing = false;

  constructor(
    private readonly log: LiveLog,
    private readonly limits: LiveStreamLimits,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * Streams the messages after `cursor` that pass `filter` to `response`, which it owns from
   * now on (headers included); settles when the stream has ended.
   */
  stream(response: ServerResponse, headers: Record<string, string | number | readonly string[]>, cursor: LiveCursor, filter: LiveFilter, audience: Audience): Promise<void> {
    if (this.closing) {
      response.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1', Connection: 'close' });
      response.end(JSON.stringify({ statusCode: 503, code: 'SHUTTING_DOWN', message: 'The server is stopping; retry in a moment or on another node' }));
      return Promise.resolve();
    }
    const stream = new OpenStream(response, this.log, this.limits, this.logger, this.frames);
    this.open.add(stream);
    return stream
      .run(headers, cursor, filter, audience)
      .catch((error: unknown) => {
        this.logger.error(`event stream failed: ${error instanceof Error ? error.message : String(error)}`);
        response.destroy();
      })
      .finally(() => this.open.delete(stream));
  }

  /** Ends every stream after its last whole message, and refuses new ones; settles once they have ended. */
  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.open].map((stream) => stream.stop('the server is stopping', SHUTDOWN_FLUSH_GRACE_MS)));
  }
}

/**
 * The bytes of a batch of messages. Streams gather on a shared clock (`STREAM_GATHER_MS`), so
 * streams of the same filter and audience take the very same messages in the same turn: the
 * last batch built for each audience is kept and handed to the next stream that takes the same.
 */
export class SharedFrames {
  private readonly last: Partial<Record<Audience, { readonly messages: readonly LiveMessage[]; readonly bytes: Buffer }>> = {};

  of(messages: readonly LiveMessage[], audience: Audience): Buffer {
    if (messages.length === 1) return messages[0]!.frame(audience);
    const last = this.last[audience];
    if (last !== undefined && last.messages.length === messages.length && last.messages.every((message, index) => message === messages[index])) {
      return last.bytes;
    }
    const bytes = Buffer.concat(messages.map((message) => message.frame(audience)));
    this.last[audience] = { messages, bytes };
    return bytes;
  }
}

/** One consumer's stream: whole messages only, a heartbeat in silences, cut off when it falls too far behind. */
class OpenStream {
  private readonly abort = new AbortController();
  private ended: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private waitingForDrain = false;
  private closed = false;
  private stopReason: string | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly log: LiveLog,
    private readonly limits: LiveStreamLimits,
    private readonly logger: Logger,
    private readonly frames: SharedFrames,
  ) {}

  async run(headers: Record<string, string | number | readonly string[]>, cursor: LiveCursor, filter: LiveFilter, audience: Audience): Promise<void> {
    const response = this.response;
    response.on('close', () => {
      this.closed = true;
      this.abort.abort();
    });
    // The stream ends with its connection, so it needs no chunked framing: each write is then one
    // plain write to the socket, which matters with many streams open.
    response.removeHeader('Transfer-Encoding');
    response.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      // The connection ends with the stream: nothing else may queue behind a stream that never ends.
      Connection: 'close',
    });
    response.flushHeaders();
    this.heartbeat = setTimeout(() => this.beat(), this.limits.heartbeatMs);
    // Messages after the cursor: a cursor `N` still wants N's control message, so the log is followed from before N.
    const after = cursor.controlSent ? cursor.position : Math.max(0, cursor.position - 1);
    const messages = this.log.follow<LiveMessage>(after, {
      signal: this.abort.signal,
      select: (entry) => entry.messages.filter((message) => isAfter(cursor, message) && filter.matches(message)),
      gatherMs: STREAM_GATHER_MS,
      backlog: {
        items: this.limits.backlogMessages,
        bytes: this.limits.backlogBytes,
        sizeOf: (message) => message.frame(audience).length,
        onExceeded: () => void this.stop('the consumer fell too far behind', FLUSH_GRACE_MS),
      },
    });
    try {
      for await (const batch of messages) {
        if (this.abort.signal.aborted) break;
        // Whole messages only, and one write for the batch.
        const writable = response.write(this.frames.of(batch, audience));
        this.heartbeat.refresh();
        if (!writable) await this.drained();
      }
    } catch (error) {
      if (!(error instanceof BacklogExceeded)) {
        this.logger.error(`event stream ended by an error: ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      clearTimeout(this.heartbeat);
      await this.end(FLUSH_GRACE_MS);
    }
  }

  /** Ends the stream after the last whole message written. */
  stop(reason: string, graceMs: number): Promise<void> {
    this.stopReason ??= reason;
    this.abort.abort();
    return this.end(graceMs);
  }

  private beat(): void {
    if (this.abort.signal.aborted) return;
    if (!this.waitingForDrain) this.response.write(HEARTBEAT);
    this.heartbeat?.refresh();
  }

  private drained(): Promise<void> {
    this.waitingForDrain = true;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.waitingForDrain = false;
        this.response.off('drain', done);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      this.response.once('drain', done);
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  private end(graceMs: number): Promise<void> {
    this.ended ??= new Promise<void>((resolve) => {
      const response = this.response;
      clearTimeout(this.heartbeat);
      if (this.stopReason !== undefined) this.logger.log(`event stream ended: ${this.stopReason}`);
      if (this.closed || response.destroyed) {
        resolve();
        return;
      }
      // A consumer that reads nothing more would hold the connection open forever.
      const cut = setTimeout(() => response.destroy(), graceMs);
      response.once('close', () => {
        clearTimeout(cut);
        resolve();
      });
      response.end();
    });
    return this.ended;
  }
}
