import { Logger } from '@nestjs/common';
import type { DeliveryAttempt, WebhookOutbox } from './webhook-outbox.js';
import { postWebhook } from './webhook-sender.js';
import { webhookSignature } from './webhook-signature.js';

export interface DispatcherSettings {
  /** Webhooks may reach loopback, private, link-local and metadata addresses. */
  readonly allowPrivate: boolean;
  /** Factor on every delay and on the time before a webhook is failing (1: the real schedule). */
  readonly retryScale: number;
}

/** The whole exchange of one attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Retry delays: 1 s · 2^n, at most an hour, each ±20 %. */
const FIRST_DELAY_MS = 1_000;
const LONGEST_DELAY_MS = 3_600_000;
const JITTER = 0.2;
/** Failing this long without a delivery, a webhook is marked failing and paused. */
export const FAILING_AFTER_MS = 24 * 3_600_000;

/** The delay before the next attempt after `failures` failures in a row (the first failure: 0 before it). */
export function retryDelayMs(failures: number, scale: number, random: () => number): number {
  const base = Math.min(FIRST_DELAY_MS * 2 ** Math.min(failures, 32), LONGEST_DELAY_MS);
  return base * (1 - JITTER + 2 * JITTER * random()) * scale;
}

/**
 * Sends what the outbox owes, one delivery in flight per webhook so that each receives the log's
 * order. A delivery is recorded as done only once its webhook answered 2xx; an attempt cut short
 * by a stop is not recorded at all, and is made again after the restart.
 */
export class WebhookDispatcher {
  private readonly logger = new Logger('WebhookDelivery');
  private readonly workers = new Map<string, Worker>();
  private readonly abort = new AbortController();
  /** Deleted through this node: nothing more goes to them, even before the outbox files the deletion. */
  private readonly gone = new Set<string>();

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly settings: DispatcherSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** The outbox has something new for these webhooks (or their state changed). */
  wake(webhookIds: Iterable<string>): void {
    if (this.abort.signal.aborted) return;
    for (const id of webhookIds) {
      if (this.gone.has(id)) continue;
      let worker = this.workers.get(id);
      if (worker === undefined) {
        worker = new Worker();
        this.workers.set(id, worker);
        void this.work(id, worker);
      }
      worker.wake();
    }
  }

  /** Stops delivering to a webhook at once, an attempt in flight included. */
  forget(webhookId: string): void {
    this.gone.add(webhookId);
    this.workers.get(webhookId)?.cancel();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const worker of this.workers.values()) worker.cancel();
    await Promise.all([...this.workers.values()].map((worker) => worker.done));
  }

  private async work(id: string, worker: Worker): Promise<void> {
    try {
      for (;;) {
        if (this.abort.signal.aborted || this.gone.has(id)) return;
        const webhook = this.outbox.webhook(id);
        const delivery = webhook !== undefined && !webhook.deleted && webhook.status === 'active' ? this.outbox.next(id) : undefined;
        if (webhook === undefined || delivery === undefined) {
          // Nothing to send (or paused): the worker ends, and the next wake starts another.
          this.workers.delete(id);
          return;
        }
        const wait = delivery.nextAttemptMs - Date.now();
        if (wait > 0) {
          await worker.sleep(wait);
          continue;
        }
        const body = Buffer.from(delivery.body, 'utf8');
        const startedAt = Date.now();
        const answer = await postWebhook({
          url: webhook.url,
          body,
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'incident-timeline-webhooks/1',
            'Timeline-Delivery-Id': `${id}:${delivery.messageId}`,
            'Timeline-Event': delivery.event,
            'Timeline-Signature': webhookSignature(webhook.secret, Math.floor(startedAt / 1000), body),
          },
          timeoutMs: DELIVERY_TIMEOUT_MS,
          allowPrivate: this.settings.allowPrivate,
          signal: worker.signal,
        });
        if (this.abort.signal.aborted || this.gone.has(id)) return;
        const attempt: DeliveryAttempt = {
          deliveryId: `${id}:${delivery.messageId}`,
          position: delivery.position,
          attempt: delivery.attempts + 1,
          at: new Date(startedAt).toISOString(),
          httpStatus: answer.httpStatus,
          latencyMs: answer.latencyMs,
          error: answer.error,
        };
        if (answer.error === null) {
          this.outbox.delivered(delivery, attempt);
          continue;
        }
        const now = Date.now();
        const next = now + Math.round(retryDelayMs(delivery.failures, this.settings.retryScale, this.random));
        const status = this.outbox.failed(delivery, attempt, now, next, FAILING_AFTER_MS * this.settings.retryScale);
        if (status === 'failing') {
          this.logger.warn(`webhook ${id} is failing (${answer.error}); its deliveries wait until POST /v1/webhooks/${id}/resume`);
        }
      }
    } catch (error) {
      this.workers.delete(id);
      this.logger.error(`webhook ${id}: delivery stopped: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      worker.finish();
    }
  }
}

/** One webhook's delivery loop: woken by new deliveries, asleep between retries, cancelled by a stop or a deletion. */
class Worker {
  private readonly controller = new AbortController();
  private waiter: (() => void) | undefined;
  private finished!: () => void;
  readonly done = new Promise<void>((resolve) => {
    this.finished = resolve;
  });

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  cancel(): void {
    this.controller.abort();
    this.wake();
  }

  /** Until `ms` have passed, or a wake-up (new deliveries, a resume) or a cancel comes. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), ms);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      if (this.controller.signal.aborted) this.wake();
    });
  }

  finish(): void {
    this.finished();
  }
}
