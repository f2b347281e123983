/**
 * A webhook receiver on a loopback port, as docs/live-feed.md tells integrators to write one: it
 * verifies each delivery's signature with the webhook's secret and records what came. It can
 * answer errors, hold answers back, go down and come back on the same port.
 *
 * Waits are for deliveries to arrive, bounded only so that a broken server fails the test.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  readonly deliveryId: string;
  readonly event: string;
  readonly signature: string;
  /** The signature checks out with the secret, and its time is within 300 s of now. */
  readonly verified: boolean;
  readonly body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
  /** What the receiver answered. */
  readonly answered: number;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  /** Every request, in the order it came. */
  readonly deliveries: Delivery[];
  /** The status to answer from now on (default 200). */
  answer(status: number): void;
  /** Holds every answer this long (a slow receiver). */
  delay(ms: number): void;
  setSecret(secret: string): void;
  /** Stops listening and drops open connections; `up()` listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  waitFor(predicate: (deliveries: readonly Delivery[]) => boolean, what?: string): Promise<void>;
  close(): Promise<void>;
}

const WAIT_LIMIT_MS = 60_000;
const TOLERANCE_S = 300;

/** Verifies `Timeline-Signature` as a receiver should: HMAC-SHA256 over "<t>.<raw body>", a fresh t, compared in constant time. */
export function verifySignature(secret: string, header: string, rawBody: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (match === null) return false;
  const [, t, v1] = match;
  if (Math.abs(nowSeconds - Number(t)) > TOLERANCE_S) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(v1!, 'hex'));
}

export async function startReceiver(secret = ''): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const listeners = new Set<() => void>();
  let status = 200;
  let holdMs = 0;
  let currentSecret = secret;
  let port = 0;
  let server: Server | undefined;

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const signature = String(request.headers['timeline-signature'] ?? '');
      const answered = status;
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        json = undefined;
      }
      deliveries.push({
        deliveryId: String(request.headers['timeline-delivery-id'] ?? ''),
        event: String(request.headers['timeline-event'] ?? ''),
        signature,
        verified: verifySignature(currentSecret, signature, raw),
        body: raw.toString('utf8'),
        json,
        answered,
      });
      for (const listener of [...listeners]) listener();
      const reply = (): void => {
        response.statusCode = answered;
        response.end(answered < 300 ? 'ok' : 'not now');
      };
      if (holdMs > 0) setTimeout(reply, holdMs).unref();
      else reply();
    });
  };

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server = createServer(handle);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (server === undefined) {
        resolve();
        return;
      }
      const closing = server;
      server = undefined;
      closing.close(() => resolve());
      closing.closeAllConnections();
    });

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}/hook`;
    },
    get port() {
      return port;
    },
    deliveries,
    answer: (next) => {
      status = next;
    },
    delay: (ms) => {
      holdMs = ms;
    },
    setSecret: (next) => {
      currentSecret = next;
    },
    down: stop,
    up: listen,
    waitFor: (predicate, what = 'the expected deliveries') =>
      new Promise((resolve, reject) => {
        if (predicate(deliveries)) {
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`gave up waiting for ${what}; ${deliveries.length} deliveries so far`));
        }, WAIT_LIMIT_MS);
        const listener = (): void => {
          if (!predicate(deliveries)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve();
        };
        listeners.add(listener);
      }),
    close: stop,
  };
}
