import type { BatchCommand, BatchResult, KeyRole } from './import-commands.js';
import {
  RequestRefused,
  ServerUnavailable,
  type BatchAnswer,
  type StoredDatasetEvent,
  type TimelineClient,
} from './timeline-client.js';

export interface ApiKeys {
  readonly writer: string;
  /** Retractions and timeline reads; the writer key is used when absent. */
  readonly admin?: string;
}

export interface HttpTimelineClientOptions {
  readonly baseUrl: string;
  readonly keys: ApiKeys;
  /** Waits before each retry of a request that met a network error, 429, 502, 503 or 504. */
  readonly retryDelaysMs?: readonly number[];
  readonly requestTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** About 30 s of retries in all before the server counts as unreachable. */
export const DEFAULT_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000] as const;
const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 30_000;
const TIMELINE_PAGE = 1_000;

/**
 * The importer's client over HTTP (global fetch). Batches carry their commands' idempotency
 * keys, so a batch resent after a network error or a 503 writes nothing twice.
 */
export class HttpTimelineClient implements TimelineClient {
  private readonly baseUrl: string;
  private readonly retryDelaysMs: readonly number[];
  private readonly requestTimeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: HttpTimelineClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async health(): Promise<void> {
    const response = await this.request('GET', '/health');
    if (!response.ok) throw new ServerUnavailable(`${this.baseUrl}/health answered ${response.status}`);
  }

  async sendBatch(commands: readonly BatchCommand[], key: KeyRole): Promise<BatchAnswer> {
    const response = await this.request('POST', '/v1/batches', { key, body: JSON.stringify({ commands }) });
    const answer = await readJson(response);
    if (response.status === 404) throw new RequestRefused(`${this.baseUrl} has no POST /v1/batches (404): the server predates the batch endpoint`);
    if (response.status !== 200) throw new RequestRefused(`POST /v1/batches answered ${describeRefusal(response.status, answer)}`);
    const results = (answer as { results?: unknown }).results;
    if (!Array.isArray(results) || results.length !== commands.length) {
      throw new RequestRefused(`POST /v1/batches answered ${Array.isArray(results) ? results.length : 'no'} results for ${commands.length} commands`);
    }
    const position = (answer as { position?: unknown }).position;
    return { results: results as BatchResult[], ...(typeof position === 'number' ? { position } : {}) };
  }

  /**
   * The lookup the supersede check relies on: `GET /v1/neighbourhoods/:id/timeline?source=<name>`,
   * every page, keeping items whose source of kind `dataset` and that name carries a reference
   * `<row id>@<version>`. A 404 is a neighbourhood with no events.
   */
  async datasetEvents(neighbourhoodId: string, sourceName: string, minPosition: number): Promise<StoredDatasetEvent[]> {
    const events: StoredDatasetEvent[] = [];
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ source: sourceName, limit: String(TIMELINE_PAGE) });
      if (minPosition > 0) query.set('minPosition', String(minPosition));
      if (cursor !== undefined) query.set('cursor', cursor);
      const path = `/v1/neighbourhoods/${encodeURIComponent(neighbourhoodId)}/timeline?${query}`;
      const response = await this.request('GET', path, { key: 'admin' });
      const answer = await readJson(response);
      if (response.status === 404) return events;
      if (response.status !== 200) throw new RequestRefused(`GET ${path} answered ${describeRefusal(response.status, answer)}`);
      const page = answer as { items?: unknown; nextCursor?: unknown };
      for (const item of Array.isArray(page.items) ? page.items : []) {
        const event = datasetEvent(item, sourceName);
        if (event !== undefined) events.push(event);
      }
      cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
    } while (cursor !== undefined);
    return events;
  }

  private async request(method: 'GET' | 'POST', path: string, options: { key?: KeyRole; body?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.key !== undefined) headers.authorization = `Bearer ${this.keyFor(options.key)}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 0; ; attempt += 1) {
      let failure: string;
      let wait = this.retryDelaysMs[attempt];
      try {
        const response = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          ...(options.body !== undefined ? { body: options.body } : {}),
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
        if (!RETRIED_STATUSES.has(response.status)) return response;
        failure = `answered ${response.status}`;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (wait !== undefined && Number.isFinite(retryAfter) && retryAfter > 0) wait = Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS);
        await response.body?.cancel();
      } catch (error) {
        failure = `cannot be reached (${networkReason(error)})`;
      }
      if (wait === undefined) {
        throw new ServerUnavailable(`${this.baseUrl} ${failure}, ${attempt + 1} attempt${attempt === 0 ? '' : 's'} at ${method} ${path.split('?')[0]}`);
      }
      await this.sleep(wait);
    }
  }

  private keyFor(role: KeyRole): string {
    return role === 'admin' ? (this.options.keys.admin ?? this.options.keys.writer) : this.options.keys.writer;
  }
}

function datasetEvent(item: unknown, sourceName: string): StoredDatasetEvent | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { eventId, sources, retracted } = item as { eventId?: unknown; sources?: unknown; retracted?: unknown };
  if (typeof eventId !== 'string' || !Array.isArray(sources)) return undefined;
  for (const source of sources as { name?: unknown; kind?: unknown; reference?: unknown }[]) {
    if (source?.kind !== 'dataset' || source.name !== sourceName || typeof source.reference !== 'string') continue;
    const match = /^(.+)@(\d+)$/.exec(source.reference);
    if (match) return { rowId: match[1]!, version: match[2]!, eventId, retracted: retracted === true };
  }
  return undefined;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 200) };
  }
}

function describeRefusal(status: number, answer: unknown): string {
  const { code, message } = (answer ?? {}) as { code?: unknown; message?: unknown };
  return [status, typeof code === 'string' ? code : undefined, typeof message === 'string' ? `(${message})` : undefined].filter(Boolean).join(' ');
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if ((error as Error).name === 'TimeoutError') return 'no answer in time';
  return typeof cause?.message === 'string' ? cause.message : (error as Error).message;
}
