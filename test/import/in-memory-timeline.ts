import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BatchAnswer, BatchCommand, BatchResult, KeyRole, StoredDatasetEvent, TimelineClient } from '../../src/import/index.js';

/** An event the timeline recorded, with the command that made it. */
export interface RecordedEvent {
  readonly eventId: string;
  readonly neighbourhoodId: string;
  readonly kind: string;
  readonly idempotencyKey: string;
  readonly apiKey: string;
  readonly body: Record<string, unknown>;
  retracted: boolean;
}

type Role = 'writer' | 'admin' | 'analyst';

/**
 * The batch contract of POST /v1/batches, in memory: commands run in order, each seeing the
 * earlier ones; a repeated idempotency key (per API key) replays the first answer, or answers
 * IDEMPOTENCY_KEY_REUSED for another body; re-registering an id answers ALREADY_EXISTS;
 * unknown neighbourhoods, actors and positions are refused; retractions need the admin role.
 * Captures and retreats answer a standing from a plain controller per position.
 */
export class InMemoryTimeline {
  readonly events: RecordedEvent[] = [];
  readonly actors = new Map<string, Record<string, unknown>>();
  readonly neighbourhoods = new Map<string, { positions: Map<string, string | null>; body: Record<string, unknown> }>();
  /** Every command received, in arrival order (replays included). */
  readonly received: { apiKey: string; command: BatchCommand }[] = [];
  batches = 0;
  private readonly keyed = new Map<string, { body: string; result: BatchResult }>();
  private position = 0;
  /** Commands for which this answers a refusal instead of running them. */
  refuse: (command: BatchCommand) => { status: number; code: string; message: string } | undefined = () => undefined;

  constructor(readonly keys: Readonly<Record<string, Role>>) {}

  roleOf(apiKey: string): Role | undefined {
    return this.keys[apiKey];
  }

  runBatch(apiKey: string, commands: readonly BatchCommand[]): BatchAnswer {
    this.batches += 1;
    const results = commands.map((command) => {
      this.received.push({ apiKey, command });
      return this.run(apiKey, command);
    });
    return { results, position: this.position };
  }

  timeline(neighbourhoodId: string, source: string): StoredDatasetEvent[] | undefined {
    if (!this.neighbourhoods.has(neighbourhoodId)) return undefined;
    return this.events.flatMap((event) => {
      if (event.neighbourhoodId !== neighbourhoodId) return [];
      const sources = (event.body.sources ?? []) as { name: string; kind: string; reference?: string }[];
      const dataset = sources.find((s) => s.kind === 'dataset' && s.name === source && s.reference !== undefined);
      const match = dataset === undefined ? null : /^(.+)@(\d+)$/.exec(dataset.reference!);
      return match ? [{ rowId: match[1]!, version: match[2]!, eventId: event.eventId, retracted: event.retracted }] : [];
    });
  }

  /** Events not retracted, by the idempotency key of the command that made them. */
  standingByKey(): Map<string, RecordedEvent[]> {
    const byKey = new Map<string, RecordedEvent[]>();
    for (const event of this.events) byKey.set(event.idempotencyKey, [...(byKey.get(event.idempotencyKey) ?? []), event]);
    return byKey;
  }

  private run(apiKey: string, command: BatchCommand): BatchResult {
    const refusal = this.refuse(command);
    if (refusal !== undefined) return refusal;
    const stored = this.keyed.get(`${apiKey} ${command.idempotencyKey}`);
    const body = JSON.stringify(command.body);
    if (stored !== undefined) {
      return stored.body === body ? { ...stored.result, status: 200 } : refused(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different request');
    }
    const result = this.decide(apiKey, command);
    if (result.status === 201) this.keyed.set(`${apiKey} ${command.idempotencyKey}`, { body, result });
    return result;
  }

  private decide(apiKey: string, command: BatchCommand): BatchResult {
    const role = this.roleOf(apiKey);
    const body = command.body as Record<string, unknown>;
    if (command.path === '/v1/actors') {
      if (this.actors.has(body.id as string)) return refused(409, 'ALREADY_EXISTS', `actor ${String(body.id)} is already registered`);
      this.actors.set(body.id as string, body);
      return this.created(apiKey, command, '', 'actor');
    }
    if (command.path === '/v1/neighbourhoods') {
      if (this.neighbourhoods.has(body.id as string)) return refused(409, 'ALREADY_EXISTS', `neighbourhood ${String(body.id)} is already registered`);
      const positions = new Map<string, string | null>();
      for (const p of body.positions as { id: string; controller?: string }[]) positions.set(p.id, p.controller ?? null);
      this.neighbourhoods.set(body.id as string, { positions, body });
      return this.created(apiKey, command, body.id as string, 'neighbourhood');
    }
    const match = /^\/v1\/neighbourhoods\/([a-z0-9-]+)\/(attacks|captures|retreats|casualties|retractions)$/.exec(command.path);
    if (!match) return refused(404, 'NOT_FOUND', `no command at ${command.path}`);
    const [, id, kind] = match as unknown as [string, string, string];
    if (kind === 'retractions' && role !== 'admin') return refused(403, 'FORBIDDEN', 'retractions need the admin role');
    const neighbourhood = this.neighbourhoods.get(id);
    if (neighbourhood === undefined) return refused(404, 'NEIGHBOURHOOD_NOT_FOUND', `no neighbourhood ${id}`);
    if (kind === 'retractions') {
      const target = this.events.find((e) => e.eventId === body.eventId && e.neighbourhoodId === id);
      if (target === undefined) return refused(404, 'EVENT_NOT_FOUND', `no event ${String(body.eventId)} in ${id}`);
      if (target.retracted) return refused(409, 'ALREADY_EXISTS', 'already retracted');
      target.retracted = true;
      return this.created(apiKey, command, id, kind);
    }
    const actorIds = [body.by, body.yieldedTo, ...((body.attackers as string[]) ?? []), ...((body.defenders as string[]) ?? [])].filter(
      (a): a is string => typeof a === 'string',
    );
    const unknownActor = actorIds.find((a) => !this.actors.has(a));
    if (unknownActor !== undefined) return refused(422, 'ACTOR_UNKNOWN', `no actor ${unknownActor}`);
    const positions = (body.positions as string[] | undefined) ?? [];
    const unknownPosition = positions.find((p) => !neighbourhood.positions.has(p));
    if (unknownPosition !== undefined) return refused(422, 'POSITION_UNKNOWN', `no position ${unknownPosition}`);
    let standing = 'accepted';
    if (kind === 'captures') {
      if (positions.every((p) => neighbourhood.positions.get(p) === body.by)) standing = 'corroborating';
      else for (const p of positions) neighbourhood.positions.set(p, body.by as string);
    } else if (kind === 'retreats') {
      const yieldedTo = (body.yieldedTo as string | undefined) ?? null;
      if (positions.every((p) => neighbourhood.positions.get(p) === yieldedTo)) standing = 'corroborating';
      else if (positions.some((p) => neighbourhood.positions.get(p) !== body.by)) standing = 'conflicting';
      else for (const p of positions) neighbourhood.positions.set(p, yieldedTo);
    }
    return { ...this.created(apiKey, command, id, kind), standing };
  }

  private created(apiKey: string, command: BatchCommand, neighbourhoodId: string, kind: string): BatchResult {
    const eventId = randomUUID();
    this.position += 1;
    this.events.push({ eventId, neighbourhoodId, kind, idempotencyKey: command.idempotencyKey, apiKey, body: command.body as Record<string, unknown>, retracted: false });
    return { status: 201, eventId };
  }
}

function refused(status: number, code: string, message: string): BatchResult {
  return { status, code, message };
}

/** The same timeline as a client, without HTTP, for fast runs of the whole pipeline. */
export class InMemoryClient implements TimelineClient {
  constructor(
    readonly timeline: InMemoryTimeline,
    private readonly keys: { writer: string; admin?: string },
  ) {}

  async health(): Promise<void> {}

  async sendBatch(commands: readonly BatchCommand[], key: KeyRole): Promise<BatchAnswer> {
    return this.timeline.runBatch(key === 'admin' ? (this.keys.admin ?? this.keys.writer) : this.keys.writer, commands);
  }

  async datasetEvents(neighbourhoodId: string, sourceName: string): Promise<StoredDatasetEvent[]> {
    return this.timeline.timeline(neighbourhoodId, sourceName) ?? [];
  }
}

export interface TimelineServer {
  readonly url: string;
  readonly timeline: InMemoryTimeline;
  /** Answers the next `count` batch requests with this status instead of running them. */
  failNextBatches(count: number, status: number): void;
  /** Called before each batch runs; a test may hold it. */
  beforeBatch: (batchNumber: number) => Promise<void>;
  close(): Promise<void>;
}

/** The in-memory timeline over HTTP on a free loopback port: /health, /v1/batches, the timeline lookup. */
export async function startTimelineServer(timeline: InMemoryTimeline): Promise<TimelineServer> {
  let failures: { count: number; status: number } = { count: 0, status: 503 };
  let requests = 0;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    if (url.pathname === '/health') return send(200, { status: 'ok' });
    const apiKey = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const role = timeline.roleOf(apiKey);
    if (role === undefined) return send(401, { statusCode: 401, code: 'UNAUTHENTICATED', message: 'unknown key' });
    if (request.method === 'POST' && url.pathname === '/v1/batches') {
      requests += 1;
      if (failures.count > 0) {
        failures = { ...failures, count: failures.count - 1 };
        return send(failures.status, { statusCode: failures.status, code: 'UNAVAILABLE', message: 'try again' }, { 'retry-after': '0' });
      }
      if (raw.length > 1024 * 1024) return send(413, { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'over 1 MiB' });
      if (role === 'analyst') return send(403, { statusCode: 403, code: 'FORBIDDEN', message: 'writers only' });
      const body = JSON.parse(raw.toString('utf8')) as { commands?: BatchCommand[] };
      const commands = body.commands ?? [];
      if (commands.length < 1 || commands.length > 1000) return send(400, { statusCode: 400, code: 'VALIDATION_FAILED', message: '1 to 1000 commands' });
      await server.beforeBatch(requests);
      return send(200, timeline.runBatch(apiKey, commands));
    }
    const timelineMatch = /^\/v1\/neighbourhoods\/([a-z0-9-]+)\/timeline$/.exec(url.pathname);
    if (request.method === 'GET' && timelineMatch) {
      if (role === 'writer') return send(403, { statusCode: 403, code: 'FORBIDDEN', message: 'analysts only' });
      const events = timeline.timeline(timelineMatch[1]!, url.searchParams.get('source') ?? '');
      if (events === undefined) return send(404, { statusCode: 404, code: 'NEIGHBOURHOOD_NOT_FOUND', message: 'no such neighbourhood' });
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const page = events.slice(from, from + limit);
      return send(200, {
        items: page.map((e) => ({ eventId: e.eventId, retracted: e.retracted, sources: [{ name: url.searchParams.get('source'), kind: 'dataset', reference: `${e.rowId}@${e.version}` }] })),
        ...(from + limit < events.length ? { nextCursor: String(from + limit) } : {}),
        position: 0,
      });
    }
    send(404, { statusCode: 404, code: 'NOT_FOUND', message: url.pathname });
  };
  const http: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const server: TimelineServer = {
    url: `http://127.0.0.1:${port}`,
    timeline,
    failNextBatches(count, status) {
      failures = { count, status };
    },
    beforeBatch: async () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  return server;
}
