import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationError } from '../../application/application-error.js';
import { type AppConfig, liveFeedConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { WEBHOOK_STREAM_PREFIX } from '../../domain/index.js';
import { EVENT_STORE, type EventStore } from '../../event-store/index.js';
import { LiveFeed } from '../live-stream/live-feed.js';
import type { LogEntry } from '../live-stream/live-message.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookOutbox } from './webhook-outbox.js';

/** How long a query with `minPosition` waits for the outbox to have filed that position. */
const MIN_POSITION_WAIT_MS = 5_000;
/** After the log could not be followed, wait this long before trying again. */
const RETRY_AFTER_FAILURE_MS = 1_000;

/**
 * Webhooks on this node: the outbox, fed from the log, and, where this node delivers, the
 * dispatcher. While no webhook is registered the outbox follows only the webhook streams (cheap);
 * once one is, it follows the live feed, control messages included. A node that does not deliver
 * (KurrentDB without TIMELINE_WEBHOOK_DELIVERY=true) keeps the registrations only, for listing.
 */
@Injectable()
export class WebhookDelivery implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookDelivery');
  private readonly settings;
  private outboxOpen: WebhookOutbox | undefined;
  private dispatcher: WebhookDispatcher | undefined;
  private readonly abort = new AbortController();
  private feeding: Promise<void> | undefined;
  private readonly filedWaiters = new Set<() => void>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly feed: LiveFeed,
  ) {
    this.settings = liveFeedConfig(config);
  }

  get delivers(): boolean {
    return this.settings.webhookDelivery;
  }

  get allowPrivate(): boolean {
    return this.settings.webhookAllowPrivate;
  }

  get outbox(): WebhookOutbox {
    this.outboxOpen ??= WebhookOutbox.open(this.config.dataDir);
    return this.outboxOpen;
  }

  onApplicationBootstrap(): void {
    const outbox = this.outbox;
    if (this.delivers) {
      this.dispatcher = new WebhookDispatcher(outbox, { allowPrivate: this.allowPrivate, retryScale: this.settings.webhookRetryScale });
      this.dispatcher.wake(outbox.owed());
    }
    this.feeding = this.feedOutbox(this.abort.signal);
  }

  async onModuleDestroy(): Promise<void> {
    this.abort.abort();
    await this.feeding;
    await this.dispatcher?.stop();
    this.outboxOpen?.close();
  }

  /** A webhook deleted through this node gets nothing more from now on, even an attempt in flight. */
  forget(webhookId: string): void {
    this.dispatcher?.forget(webhookId);
  }

  /**
   * Waits until the outbox reflects the log up to `position` (read your own writes), at most a
   * few seconds, else 503 PROJECTION_LAGGING.
   */
  async reflect(position: number): Promise<void> {
    const deadline = Date.now() + MIN_POSITION_WAIT_MS;
    while (!(await this.reflects(position))) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ApplicationError('PROJECTION_LAGGING', `the webhook outbox has not reached position ${position} yet`, undefined, 1);
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.filedWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 100));
        this.filedWaiters.add(done);
      });
    }
  }

  /** Filed up to `position`, or nothing concerning webhooks lies between the checkpoint and it. */
  private async reflects(position: number): Promise<boolean> {
    const checkpoint = this.outbox.checkpoint();
    if (checkpoint >= position) return true;
    if (this.delivers && this.outbox.hasLiveWebhooks()) return false;
    for await (const event of this.store.readAll({ after: checkpoint, filter: { streamPrefixes: [WEBHOOK_STREAM_PREFIX] }, maxCount: 1 })) {
      return event.position > position;
    }
    return true;
  }

  private async feedOutbox(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (this.delivers && this.outbox.hasLiveWebhooks()) await this.followLiveFeed(signal);
        else await this.followRegistrations(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.logger.error(`webhook outbox: following the log failed (${error instanceof Error ? error.message : String(error)}); retrying`);
        await sleep(RETRY_AFTER_FAILURE_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Only the webhook streams, while no webhook needs the rest. */
  private async followRegistrations(signal: AbortSignal): Promise<void> {
    const events = this.store.subscribe({ after: this.outbox.checkpoint(), filter: { streamPrefixes: [WEBHOOK_STREAM_PREFIX] }, signal });
    for await (const event of events) {
      this.filed(this.outbox.file([{ position: event.position, event, messages: [] }]));
      if (this.delivers && this.outbox.hasLiveWebhooks()) return;
    }
  }

  /** Every entry of the live feed, in order, while some webhook is registered. */
  private async followLiveFeed(signal: AbortSignal): Promise<void> {
    const entries = this.feed.log.follow<LogEntry>(this.outbox.checkpoint(), { signal, select: (entry) => [entry] });
    for await (const batch of entries) {
      this.filed(this.outbox.file(batch));
      if (!this.outbox.hasLiveWebhooks()) return;
    }
  }

  private filed(touched: ReadonlySet<string>): void {
    this.dispatcher?.wake(touched);
    for (const waiter of [...this.filedWaiters]) waiter();
  }
}
