import * as path from 'node:path';

export const EVENT_STORE_KINDS = ['sqlite', 'kurrentdb'] as const;
export type EventStoreKind = (typeof EVENT_STORE_KINDS)[number];

/** The environment, parsed and checked once at start. Frozen; nothing changes it later. */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute. Holds the embedded event store, the read models and generated API keys. */
  readonly dataDir: string;
  readonly eventStore: EventStoreKind;
  /** `kurrentdb://…` or `esdb://…` (also `+discover`). Set whenever `eventStore` is `kurrentdb`. */
  readonly kurrentDbConnectionString?: string;
  /**
   * TIMELINE_API_KEYS as it is set, trimmed: `role:key` pairs that auth parses and checks.
   * Undefined when the variable is unset: the server then uses (and on first start
   * generates) `api-keys.json` in the data directory.
   */
  readonly apiKeyList?: string;
  /** Requests per second per API key; 0 turns rate limiting off. */
  readonly rateLimitPerSecond: number;
  /** Origins allowed to call the API from a browser (TIMELINE_CORS_ORIGINS); empty: CORS off. */
  readonly corsOrigins: readonly string[];
  /** pino level (TIMELINE_LOG_LEVEL): fatal, error, warn, info, debug, trace or silent. */
  readonly logLevel: LogLevel;
  /** Heavy queries (exports, perspective folds) answered at once (TIMELINE_MAX_HEAVY_QUERIES); 0: no cap. */
  readonly maxHeavyQueries: number;
  /**
   * Events of folded neighbourhood states the write side keeps in memory, least recently used
   * evicted first (TIMELINE_STREAM_CACHE_EVENTS). `loadConfig` always sets it; absent, the default.
   */
  readonly streamCacheEvents?: number;
  /** Timeouts of the HTTP connections and the drain of a graceful stop. */
  readonly http: HttpTimeouts;
  /** The live feed: the event stream and webhooks. `loadConfig` always sets it; absent, the defaults apply. */
  readonly liveFeed?: LiveFeedConfig;
  /**
   * TIMELINE_TILE_URL: an XYZ tile template (`https://{s}.tile.example.org/{z}/{x}/{y}.png`) the
   * console draws under its map, where the deployment reaches the internet. Unset: a plain background.
   */
  readonly tileUrl?: string;
}

/** All in milliseconds. docs/operations.md, "Timeouts", says what each one bounds. */
export interface HttpTimeouts {
  /** TIMELINE_REQUEST_TIMEOUT_MS: from a request's first byte until its answer begins. */
  readonly requestTimeoutMs: number;
  /** TIMELINE_HEADERS_TIMEOUT_MS: from a request's first byte until its headers are in; at most the request timeout. */
  readonly headersTimeoutMs: number;
  /** TIMELINE_IDLE_TIMEOUT_MS: a connection on which nothing moves for this long is closed. */
  readonly idleTimeoutMs: number;
  /** TIMELINE_SHUTDOWN_DRAIN_MS: how long a stop waits for the answers in flight to be sent. */
  readonly shutdownDrainMs: number;
}

/** The live feed's section of the configuration (`TIMELINE_STREAM_*`, `TIMELINE_WEBHOOK_*`). */
export interface LiveFeedConfig {
  /** Silence on a stream, in ms, before a heartbeat comment (TIMELINE_STREAM_HEARTBEAT_MS). */
  readonly heartbeatMs: number;
  /** Messages a stream consumer may fall behind before its stream is ended (TIMELINE_STREAM_BACKLOG_MESSAGES). */
  readonly backlogMessages: number;
  /** Bytes a stream consumer may fall behind before its stream is ended (TIMELINE_STREAM_BACKLOG_BYTES). */
  readonly backlogBytes: number;
  /** This node delivers webhooks (TIMELINE_WEBHOOK_DELIVERY): by default with the embedded store, not with KurrentDB. */
  readonly webhookDelivery: boolean;
  /** Webhook URLs may reach loopback, private, link-local and metadata addresses (TIMELINE_WEBHOOK_ALLOW_PRIVATE). */
  readonly webhookAllowPrivate: boolean;
  /** Factor on every delay of the retry schedule and on the 24 h before a webhook is failing (TIMELINE_WEBHOOK_RETRY_SCALE). */
  readonly webhookRetryScale: number;
}

export const LIVE_FEED_DEFAULTS: LiveFeedConfig = Object.freeze({
  heartbeatMs: 15_000,
  backlogMessages: 1_000,
  backlogBytes: 8 * 1024 * 1024,
  webhookDelivery: true,
  webhookAllowPrivate: false,
  webhookRetryScale: 1,
});

/** The live feed's configuration of `config`, its defaults when it has none. */
export function liveFeedConfig(config: AppConfig): LiveFeedConfig {
  return config.liveFeed ?? { ...LIVE_FEED_DEFAULTS, webhookDelivery: config.eventStore === 'sqlite' };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function parseCorsOrigins(env: NodeJS.ProcessEnv): string[] {
  const value = read(env, 'TIMELINE_CORS_ORIGINS');
  if (value === undefined) return [];
  return value.split(',').map((entry, index) => {
    const origin = entry.trim();
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      throw new ConfigError('TIMELINE_CORS_ORIGINS', `entry ${index + 1} is not an origin like https://maps.example.org`);
    }
    return origin;
  });
}

/**
 * An http(s) URL with {z}, {x} and {y}, and optionally {s} (a subdomain) and {r} (a retina
 * suffix) as Leaflet fills them. Not quoted back: a tile service's key may sit in its query.
 */
function parseTileUrl(env: NodeJS.ProcessEnv): string | undefined {
  const name = 'TIMELINE_TILE_URL';
  const template = read(env, name);
  if (template === undefined) return undefined;
  const placeholders = template.match(/\{[^}]*\}/g) ?? [];
  const unknown = placeholders.find((placeholder) => !['{z}', '{x}', '{y}', '{s}', '{r}'].includes(placeholder));
  if (unknown !== undefined) throw new ConfigError(name, `has a placeholder the map cannot fill: ${quote(unknown)} (use {z}, {x}, {y}, {s}, {r})`);
  const missing = ['{z}', '{x}', '{y}'].filter((placeholder) => !template.includes(placeholder));
  if (missing.length > 0) throw new ConfigError(name, `must contain ${missing.join(', ')}, e.g. https://tiles.example.org/{z}/{x}/{y}.png`);
  let url: URL | undefined;
  try {
    url = new URL(template.replace(/\{s\}/g, 'a').replace(/\{[zxyr]\}/g, '0'));
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(name, 'must be an http or https URL template, e.g. https://tiles.example.org/{z}/{x}/{y}.png');
  }
  if (url.username !== '' || url.password !== '') throw new ConfigError(name, 'must not carry a user name or password: browsers would show them');
  return template;
}

function parseLogLevel(env: NodeJS.ProcessEnv): LogLevel {
  const value = read(env, 'TIMELINE_LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError('TIMELINE_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return value as LogLevel;
}

/** One environment variable is wrong. The message names it and never quotes a secret. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

const DEFAULTS = {
  PORT: 3000,
  HOST: '127.0.0.1',
  TIMELINE_DATA_DIR: './data',
  EVENT_STORE: 'sqlite',
  TIMELINE_RATE_LIMIT_PER_SECOND: 2000,
  TIMELINE_MAX_HEAVY_QUERIES: 4,
} as const;

/**
 * Events of folded neighbourhood states kept for the write side. A folded event holds about
 * 0.5 KB, so the default stays near 100 MB while keeping every place of a large import warm.
 */
export const DEFAULT_STREAM_CACHE_EVENTS = 200_000;

/**
 * The HTTP defaults. Idle: longer than the 60 s idle timeout of common load balancers, which
 * must close an idle connection before the server does. Drain: inside the 10 s Docker gives a
 * container between SIGTERM and SIGKILL, with room left to close the stores.
 */
export const HTTP_DEFAULTS: HttpTimeouts = Object.freeze({
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 72_000,
  shutdownDrainMs: 8_000,
});

/** The longest delay a Node timer takes; a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

const KURRENTDB_SCHEMES = ['kurrentdb://', 'kurrentdb+discover://', 'esdb://', 'esdb+discover://'];

function parseBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, `must be true or false, got ${quote(raw)}`);
}

/** The live feed's section: its own variables, parsed apart from the rest. */
function parseLiveFeed(env: NodeJS.ProcessEnv, eventStore: EventStoreKind): LiveFeedConfig {
  const scaleName = 'TIMELINE_WEBHOOK_RETRY_SCALE';
  const scaleText = read(env, scaleName);
  const scale = scaleText === undefined ? LIVE_FEED_DEFAULTS.webhookRetryScale : /^\d+(\.\d+)?(e-?\d+)?$/i.test(scaleText) ? Number(scaleText) : Number.NaN;
  if (!(scale > 0 && scale <= 1)) {
    throw new ConfigError(scaleName, `must be a number above 0 and at most 1 (1 is the real schedule), got ${quote(scaleText ?? '')}`);
  }
  return Object.freeze({
    heartbeatMs: parseInteger(env, 'TIMELINE_STREAM_HEARTBEAT_MS', LIVE_FEED_DEFAULTS.heartbeatMs, 10, 3_600_000),
    backlogMessages: parseInteger(env, 'TIMELINE_STREAM_BACKLOG_MESSAGES', LIVE_FEED_DEFAULTS.backlogMessages, 1, 1_000_000),
    backlogBytes: parseInteger(env, 'TIMELINE_STREAM_BACKLOG_BYTES', LIVE_FEED_DEFAULTS.backlogBytes, 1024, 1024 ** 3),
    // One delivering node is enough; with KurrentDB every node sees the same log, so delivery is opt-in there.
    webhookDelivery: parseBoolean(env, 'TIMELINE_WEBHOOK_DELIVERY', eventStore === 'sqlite'),
    webhookAllowPrivate: parseBoolean(env, 'TIMELINE_WEBHOOK_ALLOW_PRIVATE', LIVE_FEED_DEFAULTS.webhookAllowPrivate),
    webhookRetryScale: scale,
  });
}

/** Unset and empty (`VAR=` in a compose file) both mean "use the default" (TIMELINE_API_KEYS aside). */
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function parseInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) {
    return fallback;
  }
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new ConfigError(name, `must be ${range}, got ${quote(raw)}`);
  }
  return value;
}

function parseHost(env: NodeJS.ProcessEnv): string {
  const host = read(env, 'HOST') ?? DEFAULTS.HOST;
  if (/\s/.test(host)) {
    throw new ConfigError('HOST', `must be a host name or IP address, got ${quote(host)}`);
  }
  return host;
}

function parseEventStore(env: NodeJS.ProcessEnv): EventStoreKind {
  const raw = read(env, 'EVENT_STORE') ?? DEFAULTS.EVENT_STORE;
  const kind = EVENT_STORE_KINDS.find((candidate) => candidate === raw);
  if (kind === undefined) {
    throw new ConfigError('EVENT_STORE', `must be one of ${EVENT_STORE_KINDS.join(', ')}, got ${quote(raw)}`);
  }
  return kind;
}

/** The connection string may carry credentials, so it is never quoted back. */
function parseKurrentDbConnectionString(env: NodeJS.ProcessEnv, eventStore: EventStoreKind): string | undefined {
  const name = 'KURRENTDB_CONNECTION_STRING';
  const raw = read(env, name);
  if (raw === undefined) {
    if (eventStore === 'kurrentdb') {
      throw new ConfigError(name, 'is required when EVENT_STORE=kurrentdb (e.g. kurrentdb://127.0.0.1:2113?tls=false)');
    }
    return undefined;
  }
  const scheme = KURRENTDB_SCHEMES.find((prefix) => raw.toLowerCase().startsWith(prefix));
  if (scheme === undefined || raw.length === scheme.length) {
    throw new ConfigError(name, 'must be a kurrentdb://host:port or esdb://host:port connection string');
  }
  return raw;
}

/**
 * The key list is a secret that replaces the generated keys: set but blank (`TIMELINE_API_KEYS=`
 * from a template whose secret did not arrive) is a mistake, never "generate keys instead".
 */
function readApiKeyList(env: NodeJS.ProcessEnv): string | undefined {
  const name = 'TIMELINE_API_KEYS';
  if (env[name] === undefined) return undefined;
  const list = env[name].trim();
  if (list === '') {
    throw new ConfigError(name, 'is set but empty; list role:key pairs, or unset it to use the keys generated in the data directory');
  }
  return list;
}

function parseHttpTimeouts(env: NodeJS.ProcessEnv): HttpTimeouts {
  const requestTimeoutMs = parseInteger(env, 'TIMELINE_REQUEST_TIMEOUT_MS', HTTP_DEFAULTS.requestTimeoutMs, 1, MAX_TIMER_MS);
  const headersTimeoutMs = parseInteger(
    env,
    'TIMELINE_HEADERS_TIMEOUT_MS',
    Math.min(HTTP_DEFAULTS.headersTimeoutMs, requestTimeoutMs),
    1,
    MAX_TIMER_MS,
  );
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      'TIMELINE_HEADERS_TIMEOUT_MS',
      `must not exceed TIMELINE_REQUEST_TIMEOUT_MS (${requestTimeoutMs}), got ${headersTimeoutMs}`,
    );
  }
  return Object.freeze({
    requestTimeoutMs,
    headersTimeoutMs,
    idleTimeoutMs: parseInteger(env, 'TIMELINE_IDLE_TIMEOUT_MS', HTTP_DEFAULTS.idleTimeoutMs, 1, MAX_TIMER_MS),
    shutdownDrainMs: parseInteger(env, 'TIMELINE_SHUTDOWN_DRAIN_MS', HTTP_DEFAULTS.shutdownDrainMs, 0, 600_000),
  });
}

export interface LoadConfigOptions {
  /** Base for a relative TIMELINE_DATA_DIR. Defaults to the process's working directory. */
  readonly cwd?: string;
}

/**
 * Parses the environment into an `AppConfig`. Pure apart from reading the working directory
 * (which `options.cwd` replaces): it touches no file. Throws `ConfigError` on the first
 * variable that is wrong.
 */
export function loadConfig(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): AppConfig {
  const port = parseInteger(env, 'PORT', DEFAULTS.PORT, 0, 65535);
  const host = parseHost(env);
  const dataDir = path.resolve(options.cwd ?? process.cwd(), read(env, 'TIMELINE_DATA_DIR') ?? DEFAULTS.TIMELINE_DATA_DIR);
  const eventStore = parseEventStore(env);
  const kurrentDbConnectionString = parseKurrentDbConnectionString(env, eventStore);
  const apiKeyList = readApiKeyList(env);
  const rateLimitPerSecond = parseInteger(
    env,
    'TIMELINE_RATE_LIMIT_PER_SECOND',
    DEFAULTS.TIMELINE_RATE_LIMIT_PER_SECOND,
    0,
    Number.MAX_SAFE_INTEGER,
  );
  const corsOrigins = parseCorsOrigins(env);
  const logLevel = parseLogLevel(env);
  const tileUrl = parseTileUrl(env);
  const http = parseHttpTimeouts(env);
  const maxHeavyQueries = parseInteger(env, 'TIMELINE_MAX_HEAVY_QUERIES', DEFAULTS.TIMELINE_MAX_HEAVY_QUERIES, 0, 10_000);
  const streamCacheEvents = parseInteger(env, 'TIMELINE_STREAM_CACHE_EVENTS', DEFAULT_STREAM_CACHE_EVENTS, 0, 100_000_000);
  const liveFeed = parseLiveFeed(env, eventStore);
  const config: AppConfig = {
    port,
    host,
    dataDir,
    eventStore,
    rateLimitPerSecond,
    corsOrigins,
    logLevel,
    http,
    maxHeavyQueries,
    streamCacheEvents,
    liveFeed,
    ...(kurrentDbConnectionString !== undefined && { kurrentDbConnectionString }),
    ...(apiKeyList !== undefined && { apiKeyList }),
    ...(tileUrl !== undefined && { tileUrl }),
  };
  return Object.freeze(config);
}
