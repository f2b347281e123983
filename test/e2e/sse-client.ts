/**
 * A server-sent events client over node:http, for tests that need what EventSource hides: the
 * raw bytes, pausing the socket (a slow consumer), the end of the stream and its status.
 *
 * Waits here are for what the server sends (a message, the end), bounded only so that a broken
 * server fails the test instead of hanging it; nothing asserts on time.
 */
import { type ClientRequest, type IncomingMessage, request } from 'node:http';

export interface SseMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

export interface SseStream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** Every message so far, in order. */
  readonly messages: SseMessage[];
  /** Comment lines (`: heartbeat`) so far. */
  readonly comments: string[];
  /** Everything received, as text. */
  raw(): string;
  /** Settles when the server has ended the stream (or the connection dropped). */
  readonly ended: Promise<void>;
  isEnded(): boolean;
  /** Resolves once `predicate` holds for the messages received (checked on every chunk). */
  waitFor(predicate: (messages: readonly SseMessage[]) => boolean, what?: string): Promise<void>;
  waitForComment(text: string): Promise<void>;
  /** Stops reading from the socket (the server's writes back up), and starts again. */
  pause(): void;
  resume(): void;
  close(): void;
}

const WAIT_LIMIT_MS = 60_000;

/** Opens `url`; resolves once the answer's headers arrived. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(url, { headers: { accept: 'text/event-stream', ...headers } });
    req.on('error', reject);
    req.on('response', (response) => {
      resolve(streamOf(req, response));
    });
    req.end();
  });
}

function streamOf(req: ClientRequest, response: IncomingMessage): SseStream {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const chunks: string[] = [];
  let pending = '';
  let ended = false;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    chunks.push(chunk);
    pending += chunk;
    let boundary = pending.indexOf('\n\n');
    while (boundary >= 0) {
      const block = pending.slice(0, boundary);
      pending = pending.slice(boundary + 2);
      parseBlock(block, messages, comments);
      boundary = pending.indexOf('\n\n');
    }
    notify();
  });
  const endedPromise = new Promise<void>((resolve) => {
    const done = (): void => {
      ended = true;
      resolve();
      notify();
    };
    response.on('end', done);
    response.on('close', done);
    response.on('error', done);
  });

  function waitUntil(check: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (check()) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`gave up waiting for ${what}; ${messages.length} messages, ended: ${ended}`));
      }, WAIT_LIMIT_MS);
      const listener = (): void => {
        if (check()) {
          clearTimeout(timer);
          listeners.delete(listener);
          resolve();
        } else if (ended) {
          clearTimeout(timer);
          listeners.delete(listener);
          reject(new Error(`the stream ended before ${what}; ${messages.length} messages`));
        }
      };
      listeners.add(listener);
    });
  }

  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    messages,
    comments,
    raw: () => chunks.join(''),
    ended: endedPromise,
    isEnded: () => ended,
    waitFor: (predicate, what = 'the expected messages') => waitUntil(() => predicate(messages), what),
    waitForComment: (text) => waitUntil(() => comments.includes(text), `the comment "${text}"`),
    pause: () => response.pause(),
    resume: () => response.resume(),
    close: () => {
      req.destroy();
      response.destroy();
    },
  };
}

function parseBlock(block: string, messages: SseMessage[], comments: string[]): void {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0 && id === undefined) return;
  const text = data.join('\n');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  messages.push({ id, event, data: text, json });
}
