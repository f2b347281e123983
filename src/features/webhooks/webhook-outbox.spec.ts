import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '../../event-store/index.js';
import { LiveMessage, type LogEntry } from '../live-stream/live-message.js';
import { ATTEMPTS_KEPT, type DeliveryAttempt, WEBHOOK_OUTBOX_FILE, WebhookOutbox } from './webhook-outbox.js';

const recorded = (position: number, type: string, data: unknown): RecordedEvent => ({
  eventId: `e${position}`,
  type,
  streamId: 's',
  revision: 0,
  position,
  data,
  metadata: { recordedAt: '2018-04-18T00:00:00.000Z' },
});

const registration = (position: number, webhookId: string, filter: object): LogEntry => ({
  position,
  event: recorded(position, 'WebhookRegistered', { webhookId, url: `https://hooks.example.org/${webhookId}`, filter, secret: `secret-${webhookId}` }),
  messages: [],
});
const webhookEvent = (position: number, type: 'WebhookDeleted' | 'WebhookResumed', webhookId: string): LogEntry => ({ position, event: recorded(position, type, { webhookId }), messages: [] });
/** A casualty report in `neighbourhood` (city Damascus), with a control message when `control`. */
const report = (position: number, neighbourhood: string, control = false): LogEntry => {
  const messages = [new LiveMessage(String(position), position, 'event', 'CasualtiesReported', neighbourhood, 'Damascus', () => ({ position }))];
  if (control) messages.push(new LiveMessage(`${position}/control`, position, 'control', 'control', neighbourhood, 'Damascus', () => ({ shares: {} })));
  return { position, event: recorded(position, 'CasualtiesReported', { neighbourhoodId: neighbourhood }), messages };
};
const attempt = (deliveryId: string, number: number, error: string | null): DeliveryAttempt => ({
  deliveryId,
  position: 1,
  attempt: number,
  at: '2018-04-18T00:00:00.000Z',
  httpStatus: error === null ? 200 : 500,
  latencyMs: 3,
  error,
});

describe('WebhookOutbox', () => {
  let dir: string;
  let outbox: WebhookOutbox;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    outbox = WebhookOutbox.open(dir);
  });
  afterEach(() => {
    outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const owedIds = (webhookId: string): string[] => {
    const ids: string[] = [];
    for (let next = outbox.next(webhookId); next !== undefined; next = outbox.next(webhookId)) {
      ids.push(next.messageId);
      outbox.delivered(next, attempt(next.messageId, 1, null));
    }
    return ids;
  };

  it('owes each webhook the messages after its registration that pass its filter, in log order', () => {
    outbox.file([report(1, 'tadamon'), registration(2, 'all', {}), report(3, 'tadamon', true), registration(4, 'yarmouk', { neighbourhoods: ['yarmouk'], types: ['control'] })]);
    outbox.file([report(5, 'yarmouk', true), report(6, 'tadamon', true)]);
    expect(outbox.checkpoint()).toBe(6);
    expect(owedIds('all')).toEqual(['3', '3/control', '5', '5/control', '6', '6/control']);
    expect(owedIds('yarmouk')).toEqual(['5/control']);
    const body = JSON.parse(new LiveMessage('5', 5, 'event', 'CasualtiesReported', 'yarmouk', 'Damascus', () => ({ position: 5 })).webhookBody());
    expect(body).toEqual({ id: '5', event: 'CasualtiesReported', data: { position: 5 } });
  });

  it('keeps registrations, the checkpoint and what is owed across a reopening; the file is the owner’s only', () => {
    outbox.file([registration(1, 'w', {}), report(2, 'tadamon')]);
    outbox.close();
    outbox = WebhookOutbox.open(dir);
    expect(outbox.checkpoint()).toBe(2);
    expect(outbox.liveWebhooks().map((w) => [w.id, w.secret, w.registeredPosition])).toEqual([['w', 'secret-w', 1]]);
    expect(outbox.next('w')?.messageId).toBe('2');
    expect(statSync(join(dir, WEBHOOK_OUTBOX_FILE)).mode & 0o777).toBe(0o600);
  });

  it('drops what a deleted webhook was owed and owes it nothing more', () => {
    outbox.file([registration(1, 'w', {}), report(2, 'tadamon'), webhookEvent(3, 'WebhookDeleted', 'w'), report(4, 'tadamon')]);
    expect(outbox.next('w')).toBeUndefined();
    expect(outbox.liveWebhooks()).toEqual([]);
    expect(outbox.webhook('w')?.deleted).toBe(true);
  });

  it('marks a webhook failing once it has failed for the failing window, keeps owing it, and starts over on a resume', () => {
    outbox.file([registration(1, 'w', {}), report(2, 'tadamon')]);
    const first = outbox.next('w')!;
    expect(outbox.failed(first, attempt('w:2', 1, 'answered 500'), 1_000, 2_000, 10_000)).toBe('active');
    const second = outbox.next('w')!;
    expect(second).toMatchObject({ attempts: 1, failures: 1, nextAttemptMs: 2_000 });
    expect(outbox.failed(second, attempt('w:2', 2, 'answered 500'), 11_000, 20_000, 10_000)).toBe('failing');
    outbox.file([report(3, 'tadamon')]);
    expect(outbox.webhook('w')?.status).toBe('failing');
    expect(outbox.pendingCount('w')).toBe(2);

    outbox.file([webhookEvent(4, 'WebhookResumed', 'w')]);
    expect(outbox.webhook('w')).toMatchObject({ status: 'active', failingSinceMs: null });
    expect(outbox.next('w')).toMatchObject({ messageId: '2', attempts: 2, failures: 0, nextAttemptMs: 0 });
  });

  it('keeps the newest attempts of each webhook only', () => {
    outbox.file([registration(1, 'w', {}), report(2, 'tadamon')]);
    for (let index = 1; index <= ATTEMPTS_KEPT + 20; index += 1) outbox.failed(outbox.next('w')!, attempt('w:2', index, 'answered 500'), 0, 0, Number.MAX_SAFE_INTEGER);
    const kept = outbox.attempts('w');
    expect(kept).toHaveLength(ATTEMPTS_KEPT);
    expect(kept[0]!.attempt).toBe(ATTEMPTS_KEPT + 20);
    expect(kept[kept.length - 1]!.attempt).toBe(21);
  });
});
