import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostOf, isForbiddenAddress } from './webhook-address.js';

export interface WebhookPost {
  readonly url: string;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** The whole exchange: connecting, sending, the answer and its body. */
  readonly timeoutMs: number;
  readonly allowPrivate: boolean;
  readonly signal: AbortSignal;
}

export interface WebhookAnswer {
  /** The HTTP status, when an answer came. */
  readonly httpStatus: number | null;
  /** Why it does not count as delivered; null for a 2xx. */
  readonly error: string | null;
  readonly latencyMs: number;
}

class ForbiddenAddress extends Error {
  override readonly name = 'ForbiddenAddress';
  constructor(address: string) {
    super(`refused to connect to ${address}: a loopback, private, link-local or metadata address`);
  }
}

/** Connections are kept alive between deliveries; each new one is checked where it connects. */
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 4 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 4 }) };

/**
 * Resolves as DNS does, then refuses a forbidden address: this is the address the socket
 * connects to, so a name that resolved to a public address at registration and to a private one
 * now (DNS rebinding) is caught here. Node asks for one address or for all of them.
 */
const checkedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, options, (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
    if (error) {
      callback(error, '', 0);
      return;
    }
    const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
    const forbidden = addresses.find(isForbiddenAddress);
    if (forbidden !== undefined) {
      callback(new ForbiddenAddress(forbidden), '', 0);
      return;
    }
    (callback as (error: null, address: string | LookupAddress[], family?: number) => void)(null, address, family);
  });
};

/** One delivery attempt: a POST whose answer is a 2xx, or why not. Never throws. */
export function postWebhook(post: WebhookPost): Promise<WebhookAnswer> {
  const started = performance.now();
  const latency = (): number => Math.round(performance.now() - started);
  return new Promise<WebhookAnswer>((resolve) => {
    let settled = false;
    let request: ClientRequest | undefined;
    const settle = (httpStatus: number | null, error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      post.signal.removeEventListener('abort', onAbort);
      resolve({ httpStatus, error, latencyMs: latency() });
    };
    const fail = (why: string, status: number | null = null): void => {
      settle(status, why);
      request?.destroy();
    };
    const timer = setTimeout(() => fail(`no complete answer within ${post.timeoutMs / 1000} s`), post.timeoutMs);
    const onAbort = (): void => fail('the server is stopping');
    post.signal.addEventListener('abort', onAbort, { once: true });
    if (post.signal.aborted) {
      onAbort();
      return;
    }
    let url: URL;
    try {
      url = new URL(post.url);
    } catch {
      fail('the URL does not parse');
      return;
    }
    const host = hostOf(url);
    if (!post.allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host)) {
      fail(new ForbiddenAddress(host).message);
      return;
    }
    const https = url.protocol === 'https:';
    request = (https ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      agent: https ? agents.https : agents.http,
      headers: { ...post.headers, 'Content-Length': String(post.body.length) },
      ...(post.allowPrivate ? {} : { lookup: checkedLookup }),
    });
    request.on('socket', (socket) => {
      // The address actually connected, whatever resolved it (a reused connection was checked when it opened).
      if (!socket.connecting) return;
      socket.once('connect', () => {
        const address = socket.remoteAddress;
        if (!post.allowPrivate && (address === undefined || isForbiddenAddress(address))) fail(new ForbiddenAddress(address ?? 'an unknown address').message);
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => fail(error instanceof ForbiddenAddress ? error.message : describe(error)));
    request.on('response', (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      // The answer's body is read (and dropped) so that the connection can be reused; it counts in the timeout.
      response.resume();
      response.on('error', (error: NodeJS.ErrnoException) => fail(describe(error), status));
      response.on('end', () => settle(status, status >= 200 && status < 300 ? null : `answered ${status}`));
    });
    request.end(post.body);
  });
}

function describe(error: NodeJS.ErrnoException): string {
  return error.code !== undefined ? `${error.code}: ${error.message}` : error.message;
}
