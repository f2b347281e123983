import { createHmac } from 'node:crypto';

/**
 * `Timeline-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256, keyed with the secret's UTF-8
 * text, over `<t>.<raw body bytes>`. The time is the attempt's, so a receiver can refuse replays
 * of an old delivery (docs/live-feed.md: refuse |now − t| > 300 s).
 */
export function webhookSignature(secret: string, unixSeconds: number, body: Buffer): string {
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${unixSeconds}.`).update(body).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
