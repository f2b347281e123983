import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookEvent } from '../../domain/index.js';
import { LiveFilter, type LiveFilterSpec } from '../live-stream/live-filter.js';
import type { LogEntry } from '../live-stream/live-message.js';

/** The outbox's file in the data directory. It is not a read model: never rebuilt, never listed with them. */
export const WEBHOOK_OUTBOX_FILE = 'webhook-outbox.sqlite';

export type WebhookStatus = 'active' | 'failing';

export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  readonly filter: LiveFilterSpec;
  readonly description: string | null;
  readonly secret: string;
  readonly createdAt: string;
  readonly registeredPosition: number;
  readonly deleted: boolean;
  readonly status: WebhookStatus;
  /** When the current run of failures began (epoch ms); null while deliveries succeed. */
  readonly failingSinceMs: number | null;
}

export interface PendingDelivery {
  readonly seq: number;
  readonly webhookId: string;
  /** The message's SSE id: a log position, or `<position>/control`. */
  readonly messageId: string;
  readonly position: number;
  readonly event: string;
  readonly body: string;
  /** Attempts so far, and failures since the schedule last started over (a success or a resume). */
  readonly attempts: number;
  readonly failures: number;
  readonly nextAttemptMs: number;
}

export interface DeliveryAttempt {
  readonly deliveryId: string;
  readonly position: number;
  readonly attempt: number;
  readonly at: string;
  readonly httpStatus: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

/** Attempts kept per webhook for `GET /v1/webhooks/:id/deliveries`. */
export const ATTEMPTS_KEPT = 100;

const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL
  ) STRICT;
  INSERT INTO checkpoint (id, position) VALUES (1, 0);

  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    filter TEXT NOT NULL,
    description TEXT,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    registered_position INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active',
    failing_since_ms INTEGER
  ) STRICT;

  -- What is still to deliver, per webhook in seq order: the log's order.
  CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    UNIQUE (webhook_id, message_id)
  ) STRICT;
  CREATE INDEX deliveries_in_order ON deliveries (webhook_id, seq);

  CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    http_status INTEGER,
    latency_ms INTEGER NOT NULL,
    error TEXT
  ) STRICT;
  CREATE INDEX attempts_of_webhook ON attempts (webhook_id, id);
`;

interface WebhookRow {
  id: string;
  url: string;
  filter: string;
  description: string | null;
  secret: string;
  created_at: string;
  registered_position: number;
  deleted: number;
  status: WebhookStatus;
  failing_since_ms: number | null;
}

interface DeliveryRow {
  seq: number;
  webhook_id: string;
  message_id: string;
  position: number;
  event: string;
  body: string;
  attempts: number;
  failures: number;
  next_attempt_ms: number;
}

/**
 * The durable outbox of webhook deliveries, in its own SQLite file: the registrations as the log
 * has them, what each webhook is still owed (filed from the log with the checkpoint in the same
 * transaction, so a restart neither loses nor repeats a message), and recent attempts. A
 * delivery leaves the outbox only once its webhook acknowledged it, or the webhook was deleted.
 */
export class WebhookOutbox {
  private readonly statements;
  /** The webhooks that are owed messages, with their filters: read on every filing. */
  private live: { readonly record: WebhookRecord; readonly filter: LiveFilter }[] = [];

  private constructor(private readonly db: Database.Database) {
    this.statements = {
      checkpoint: db.prepare<[], { position: number }>('SELECT position FROM checkpoint WHERE id = 1'),
      setCheckpoint: db.prepare<[number]>('UPDATE checkpoint SET position = max(position, ?) WHERE id = 1'),
      register: db.prepare(
        `INSERT OR IGNORE INTO webhooks (id, url, filter, description, secret, created_at, registered_position)
         VALUES (@id, @url, @filter, @description, @secret, @createdAt, @position)`,
      ),
      markDeleted: db.prepare<[string]>('UPDATE webhooks SET deleted = 1 WHERE id = ?'),
      dropDeliveries: db.prepare<[string]>('DELETE FROM deliveries WHERE webhook_id = ?'),
      dropAttempts: db.prepare<[string]>('DELETE FROM attempts WHERE webhook_id = ?'),
      resume: db.prepare<[string]>("UPDATE webhooks SET status = 'active', failing_since_ms = NULL WHERE id = ? AND deleted = 0"),
      restartSchedule: db.prepare<[string]>('UPDATE deliveries SET failures = 0, next_attempt_ms = 0 WHERE webhook_id = ?'),
      liveWebhooks: db.prepare<[], WebhookRow>('SELECT * FROM webhooks WHERE deleted = 0 ORDER BY registered_position'),
      webhook: db.prepare<[string], WebhookRow>('SELECT * FROM webhooks WHERE id = ?'),
      enqueue: db.prepare(
        `INSERT OR IGNORE INTO deliveries (webhook_id, message_id, position, event, body)
         VALUES (@webhookId, @messageId, @position, @event, @body)`,
      ),
      next: db.prepare<[string], DeliveryRow>('SELECT * FROM deliveries WHERE webhook_id = ? ORDER BY seq LIMIT 1'),
      owed: db.prepare<[], { webhook_id: string }>('SELECT DISTINCT webhook_id FROM deliveries'),
      pendingCount: db.prepare<[string], { count: number }>('SELECT count(*) AS count FROM deliveries WHERE webhook_id = ?'),
      delivered: db.prepare<[number]>('DELETE FROM deliveries WHERE seq = ?'),
      clearFailing: db.prepare<[string]>('UPDATE webhooks SET failing_since_ms = NULL WHERE id = ? AND failing_since_ms IS NOT NULL'),
      reschedule: db.prepare<[number, number, number]>('UPDATE deliveries SET attempts = attempts + 1, failures = failures + 1, next_attempt_ms = ? WHERE seq = ? AND attempts = ?'),
      failingSince: db.prepare<[number, string]>('UPDATE webhooks SET failing_since_ms = ? WHERE id = ? AND failing_since_ms IS NULL'),
      markFailing: db.prepare<[string]>("UPDATE webhooks SET status = 'failing' WHERE id = ? AND deleted = 0"),
      recordAttempt: db.prepare(
        `INSERT INTO attempts (webhook_id, delivery_id, position, attempt, at, http_status, latency_ms, error)
         VALUES (@webhookId, @deliveryId, @position, @attempt, @at, @httpStatus, @latencyMs, @error)`,
      ),
      pruneAttempts: db.prepare<{ webhookId: string }>(
        `DELETE FROM attempts WHERE webhook_id = @webhookId AND id <= (
           SELECT id FROM attempts WHERE webhook_id = @webhookId ORDER BY id DESC LIMIT 1 OFFSET ${ATTEMPTS_KEPT})`,
      ),
      attempts: db.prepare<[string, number], Record<string, unknown>>(
        `SELECT delivery_id AS deliveryId, position, attempt, at, http_status AS httpStatus, latency_ms AS latencyMs, error
         FROM attempts WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`,
      ),
    };
    this.refreshLive();
  }

  /** Opens (creating if missing) the outbox of a data directory. */
  static open(dataDir: string): WebhookOutbox {
    const file = join(dataDir, WEBHOOK_OUTBOX_FILE);
    // Registrations hold their signing secrets: the file is the owner's only, like the rest of the directory.
    closeSync(openSync(file, 'a', 0o600));
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL: a power loss may undo the last transactions, never half of one. What that loses is
      // at-least-once anyway: a filing undone with its checkpoint is filed again from the log, a
      // delivery whose acknowledgement is undone is sent again. A killed process loses nothing.
      db.pragma('synchronous = NORMAL');
      const version = Number(db.pragma('user_version', { simple: true }));
      if (version === 0) {
        db.transaction(() => {
          db.exec(SCHEMA);
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        })();
      } else if (version !== SCHEMA_VERSION) {
        throw new Error(`${file} has schema version ${version}; this build reads version ${SCHEMA_VERSION}`);
      }
      return new WebhookOutbox(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** The log position up to which everything is filed. */
  checkpoint(): number {
    return this.statements.checkpoint.get()!.position;
  }

  hasLiveWebhooks(): boolean {
    return this.live.length > 0;
  }

  liveWebhooks(): WebhookRecord[] {
    return this.live.map((entry) => entry.record);
  }

  webhook(id: string): WebhookRecord | undefined {
    const row = this.statements.webhook.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  /** Webhooks with deliveries waiting. */
  owed(): string[] {
    return this.statements.owed.all().map((row) => row.webhook_id);
  }

  pendingCount(webhookId: string): number {
    return this.statements.pendingCount.get(webhookId)!.count;
  }

  /**
   * Files entries of the log, in order, in one transaction with the checkpoint: registrations
   * change the webhooks; each message goes to every live webhook registered before it whose
   * filter it passes. Answers the webhooks that have new deliveries or whose state changed.
   */
  file(entries: readonly LogEntry[]): Set<string> {
    const touched = new Set<string>();
    if (entries.length === 0) return touched;
    const fileAll = this.db.transaction(() => {
      for (const entry of entries) {
        const webhookId = this.applyRegistration(entry);
        if (webhookId !== undefined) {
          touched.add(webhookId);
          this.refreshLive();
          continue;
        }
        for (const message of entry.messages) {
          for (const { record, filter } of this.live) {
            if (message.position <= record.registeredPosition || !filter.matches(message)) continue;
            this.statements.enqueue.run({ webhookId: record.id, messageId: message.id, position: message.position, event: message.event, body: message.webhookBody() });
            touched.add(record.id);
          }
        }
      }
      this.statements.setCheckpoint.run(entries[entries.length - 1]!.position);
    });
    try {
      fileAll();
    } catch (error) {
      // Rolled back: the webhooks in memory must be the file's again.
      this.refreshLive();
      throw error;
    }
    return touched;
  }

  /** The oldest delivery a webhook is owed. */
  next(webhookId: string): PendingDelivery | undefined {
    const row = this.statements.next.get(webhookId);
    return row === undefined ? undefined : toDelivery(row);
  }

  /** The webhook acknowledged it: it leaves the outbox, and the webhook's run of failures ends. */
  delivered(delivery: PendingDelivery, attempt: DeliveryAttempt): void {
    this.db.transaction(() => {
      this.statements.delivered.run(delivery.seq);
      this.statements.clearFailing.run(delivery.webhookId);
      this.record(delivery.webhookId, attempt);
    })();
  }

  /**
   * It was not acknowledged: try again at `nextAttemptMs`; a webhook failing since longer than
   * `failingAfterMs` (counted from its first failure since it last delivered) is marked failing.
   * Nothing changes if the delivery left meanwhile (the webhook was deleted).
   */
  failed(delivery: PendingDelivery, attempt: DeliveryAttempt, nowMs: number, nextAttemptMs: number, failingAfterMs: number): WebhookStatus | undefined {
    return this.db.transaction((): WebhookStatus | undefined => {
      const changed = this.statements.reschedule.run(nextAttemptMs, delivery.seq, delivery.attempts).changes;
      if (changed === 0) return undefined;
      this.statements.failingSince.run(nowMs, delivery.webhookId);
      this.record(delivery.webhookId, attempt);
      const webhook = this.webhook(delivery.webhookId);
      if (webhook !== undefined && webhook.failingSinceMs !== null && nowMs - webhook.failingSinceMs >= failingAfterMs) {
        this.statements.markFailing.run(delivery.webhookId);
        this.refreshLive();
        return 'failing';
      }
      return webhook?.status;
    })();
  }

  /** The newest attempts at a webhook's deliveries, newest first. */
  attempts(webhookId: string, limit = ATTEMPTS_KEPT): DeliveryAttempt[] {
    return this.statements.attempts.all(webhookId, limit) as unknown as DeliveryAttempt[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private record(webhookId: string, attempt: DeliveryAttempt): void {
    this.statements.recordAttempt.run({ webhookId, ...attempt });
    this.statements.pruneAttempts.run({ webhookId });
  }

  /** A webhook registration event: applied, and its webhook's id answered; undefined for any other entry. */
  private applyRegistration(entry: LogEntry): string | undefined {
    const event = entry.event as unknown as WebhookEvent;
    switch (event.type) {
      case 'WebhookRegistered':
        this.statements.register.run({
          id: event.data.webhookId,
          url: event.data.url,
          filter: JSON.stringify(event.data.filter),
          description: event.data.description ?? null,
          secret: event.data.secret,
          createdAt: String(entry.event.metadata.recordedAt),
          position: entry.position,
        });
        return event.data.webhookId;
      case 'WebhookDeleted':
        this.statements.markDeleted.run(event.data.webhookId);
        this.statements.dropDeliveries.run(event.data.webhookId);
        this.statements.dropAttempts.run(event.data.webhookId);
        return event.data.webhookId;
      case 'WebhookResumed':
        this.statements.resume.run(event.data.webhookId);
        this.statements.restartSchedule.run(event.data.webhookId);
        return event.data.webhookId;
      default:
        return undefined;
    }
  }

  private refreshLive(): void {
    this.live = this.statements.liveWebhooks.all().map((row) => {
      const record = toRecord(row);
      return { record, filter: new LiveFilter(record.filter) };
    });
  }
}

function toRecord(row: WebhookRow): WebhookRecord {
  return {
    id: row.id,
    url: row.url,
    filter: JSON.parse(row.filter) as LiveFilterSpec,
    description: row.description,
    secret: row.secret,
    createdAt: row.created_at,
    registeredPosition: row.registered_position,
    deleted: row.deleted === 1,
    status: row.status,
    failingSinceMs: row.failing_since_ms,
  };
}

function toDelivery(row: DeliveryRow): PendingDelivery {
  return {
    seq: row.seq,
    webhookId: row.webhook_id,
    messageId: row.message_id,
    position: row.position,
    event: row.event,
    body: row.body,
    attempts: row.attempts,
    failures: row.failures,
    nextAttemptMs: row.next_attempt_ms,
  };
}
