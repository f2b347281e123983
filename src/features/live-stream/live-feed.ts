import { Inject, Injectable, type OnApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApplicationError } from '../../application/application-error.js';
import { type AppConfig, liveFeedConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { EVENT_STORE, type EventStore } from '../../event-store/index.js';
import { onHttpDrain } from '../../http/http-app.js';
import { LiveLog } from './live-log.js';
import { type LiveCursor, parseMessageId } from './live-message.js';
import { LiveStreams } from './live-streams.js';

/**
 * Fastify route config of the event stream. An answer that lasts as long as its consumer
 * listens: request drains, idle timeouts and caps on heavy queries are not for it.
 */
export const LIVE_STREAM_ROUTE_CONFIG = { longLivedStream: true } as const;

/** Entries of the log kept in memory behind its head, for consumers that resume. */
export const RING_CAPACITY = 10_000;

/** The live feed of this process: the shared log, and the event streams open on it. */
@Injectable()
export class LiveFeed implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  readonly log: LiveLog;
  readonly streams: LiveStreams;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    const settings = liveFeedConfig(config);
    this.log = new LiveLog(store, { ringCapacity: RING_CAPACITY });
    this.streams = new LiveStreams(this.log, {
      heartbeatMs: settings.heartbeatMs,
      backlogMessages: settings.backlogMessages,
      backlogBytes: settings.backlogBytes,
    });
  }

  /**
   * Streams must end when the server begins to stop (a signal's drain, or a close): both wait for
   * the answers in progress, and a stream never finishes by itself.
   */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as { addHook?: (name: 'preClose', hook: () => Promise<void>) => void } | undefined;
    if (fastify === undefined) return;
    onHttpDrain(fastify, () => this.streams.closeAll());
    fastify.addHook?.('preClose', () => this.streams.closeAll());
  }

  async onModuleDestroy(): Promise<void> {
    await this.streams.closeAll();
  }

  onApplicationShutdown(): void {
    this.log.close();
  }

  /**
   * Where a stream starts: after `Last-Event-ID` (which wins), else after `from`, else at the
   * head (new events only). A malformed id or a position past the head is the client's mistake.
   */
  async startingCursor(lastEventId: string | string[] | undefined, from: number | undefined): Promise<LiveCursor> {
    const head = await this.store.headPosition();
    let cursor: LiveCursor;
    let field: string;
    if (lastEventId !== undefined) {
      field = 'Last-Event-ID';
      const parsed = typeof lastEventId === 'string' ? parseMessageId(lastEventId.trim()) : undefined;
      if (parsed === undefined) throw invalid(field, 'must be a message id of this stream: a log position, or <position>/control');
      cursor = parsed;
    } else if (from !== undefined) {
      field = 'from';
      cursor = { position: from, controlSent: false };
    } else {
      return { position: head, controlSent: true };
    }
    if (cursor.position > head) throw invalid(field, `is past the head of the log (${head})`);
    return cursor;
  }
}

function invalid(field: string, problem: string): ApplicationError {
  return new ApplicationError('VALIDATION_FAILED', `${field} ${problem}`, [{ field, problems: [problem] }]);
}
