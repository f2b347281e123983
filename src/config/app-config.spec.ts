import * as path from 'node:path';
import { ConfigError, loadConfig } from './app-config.js';

const WRITER_KEY = 'wWwWwWwWwWwWwWwW1234';
const ANALYST_KEY = 'aAaAaAaAaAaAaAaA_-12';

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env, { cwd: '/srv/app' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({}, { cwd: '/srv/app' });
    expect(config).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/app/data',
      eventStore: 'sqlite',
      rateLimitPerSecond: 2000,
      corsOrigins: [],
      logLevel: 'info',
      http: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, idleTimeoutMs: 72_000, shutdownDrainMs: 8_000 },
      maxHeavyQueries: 4,
      streamCacheEvents: 200_000,
      liveFeed: expect.any(Object),
    });
    expect(config.apiKeyList).toBeUndefined();
  });

  it('takes the cap on heavy queries, 0 for none, and refuses anything but a whole number', () => {
    expect(loadConfig({ TIMELINE_MAX_HEAVY_QUERIES: '0' }).maxHeavyQueries).toBe(0);
    expect(loadConfig({ TIMELINE_MAX_HEAVY_QUERIES: '16' }).maxHeavyQueries).toBe(16);
    expect(() => loadConfig({ TIMELINE_MAX_HEAVY_QUERIES: '-1' })).toThrow(/TIMELINE_MAX_HEAVY_QUERIES/);
    expect(() => loadConfig({ TIMELINE_MAX_HEAVY_QUERIES: 'four' })).toThrow(/TIMELINE_MAX_HEAVY_QUERIES/);
  });

  it('takes the budget of cached stream events, 0 keeping only the last stream decided, and refuses anything but a whole number', () => {
    expect(loadConfig({ TIMELINE_STREAM_CACHE_EVENTS: '0' }).streamCacheEvents).toBe(0);
    expect(loadConfig({ TIMELINE_STREAM_CACHE_EVENTS: '1000000' }).streamCacheEvents).toBe(1_000_000);
    expect(() => loadConfig({ TIMELINE_STREAM_CACHE_EVENTS: '-1' })).toThrow(/TIMELINE_STREAM_CACHE_EVENTS/);
    expect(() => loadConfig({ TIMELINE_STREAM_CACHE_EVENTS: '2e5' })).toThrow(/TIMELINE_STREAM_CACHE_EVENTS/);
  });

  it('takes CORS origins and refuses anything that is not an origin', () => {
    expect(loadConfig({ TIMELINE_CORS_ORIGINS: 'https://maps.example.org, http://localhost:5173' }).corsOrigins).toEqual([
      'https://maps.example.org',
      'http://localhost:5173',
    ]);
    expect(() => loadConfig({ TIMELINE_CORS_ORIGINS: 'https://maps.example.org/path' })).toThrow(/TIMELINE_CORS_ORIGINS: entry 1/);
    expect(() => loadConfig({ TIMELINE_CORS_ORIGINS: '*' })).toThrow(/TIMELINE_CORS_ORIGINS/);
  });

  it('refuses an unknown log level', () => {
    expect(loadConfig({ TIMELINE_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(() => loadConfig({ TIMELINE_LOG_LEVEL: 'loud' })).toThrow(/TIMELINE_LOG_LEVEL/);
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ PORT: '', HOST: ' ', EVENT_STORE: '' }, { cwd: '/srv/app' });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.eventStore).toBe('sqlite');
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        TIMELINE_DATA_DIR: '/var/lib/timeline',
        EVENT_STORE: 'kurrentdb',
        KURRENTDB_CONNECTION_STRING: 'kurrentdb://127.0.0.1:2113?tls=false',
        TIMELINE_API_KEYS: `writer:${WRITER_KEY}, analyst:${ANALYST_KEY}`,
        TIMELINE_RATE_LIMIT_PER_SECOND: '0',
      },
      { cwd: '/srv/app' },
    );
    expect(config).toEqual(
      expect.objectContaining({
        port: 8080,
        host: '0.0.0.0',
        dataDir: '/var/lib/timeline',
        eventStore: 'kurrentdb',
        kurrentDbConnectionString: 'kurrentdb://127.0.0.1:2113?tls=false',
        rateLimitPerSecond: 0,
      }),
    );
    expect(config.apiKeyList).toBe(`writer:${WRITER_KEY}, analyst:${ANALYST_KEY}`);
  });

  it('resolves a relative data directory against the working directory', () => {
    expect(loadConfig({ TIMELINE_DATA_DIR: 'var/../store' }, { cwd: '/srv/app' }).dataDir).toBe('/srv/app/store');
    expect(path.isAbsolute(loadConfig({}).dataDir)).toBe(true);
  });

  it('accepts esdb:// connection strings', () => {
    const config = loadConfig({ EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'esdb://db:2113?tls=false' });
    expect(config.kurrentDbConnectionString).toBe('esdb://db:2113?tls=false');
  });

  it('freezes the config', () => {
    const config = loadConfig({ TIMELINE_API_KEYS: `writer:${WRITER_KEY}` });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: must be an integer from 0 to 65535, got "eighty"'],
    [{ PORT: '65536' }, 'PORT: must be an integer from 0 to 65535, got "65536"'],
    [{ PORT: '-1' }, 'PORT: must be an integer from 0 to 65535, got "-1"'],
    [{ PORT: '80.5' }, 'PORT: must be an integer from 0 to 65535, got "80.5"'],
    [{ HOST: 'local host' }, 'HOST: must be a host name or IP address, got "local host"'],
    [{ EVENT_STORE: 'postgres' }, 'EVENT_STORE: must be one of sqlite, kurrentdb, got "postgres"'],
    [{ TIMELINE_RATE_LIMIT_PER_SECOND: 'lots' }, 'TIMELINE_RATE_LIMIT_PER_SECOND: must be an integer >= 0, got "lots"'],
    [{ TIMELINE_RATE_LIMIT_PER_SECOND: '-5' }, 'TIMELINE_RATE_LIMIT_PER_SECOND: must be an integer >= 0, got "-5"'],
  ])('refuses %j with a one-line message naming the variable', (env, message) => {
    const error = errorOf(env);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('\n');
  });

  it('requires a connection string for kurrentdb', () => {
    const error = errorOf({ EVENT_STORE: 'kurrentdb' });
    expect(error.variable).toBe('KURRENTDB_CONNECTION_STRING');
    expect(error.message).toMatch(/^KURRENTDB_CONNECTION_STRING: is required when EVENT_STORE=kurrentdb/);
  });

  it('refuses another scheme without quoting the connection string (it may hold a password)', () => {
    const error = errorOf({ EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'postgres://admin:hunter2@db' });
    expect(error.variable).toBe('KURRENTDB_CONNECTION_STRING');
    expect(error.message).not.toContain('hunter2');
  });

  describe('TIMELINE_API_KEYS', () => {
    it('is read as it is set, trimmed; auth parses and checks it', () => {
      expect(loadConfig({ TIMELINE_API_KEYS: ` writer:${WRITER_KEY},reader:x ` }).apiKeyList).toBe(`writer:${WRITER_KEY},reader:x`);
    });

    it.each([
      ['empty', ''],
      ['blank', '  \t '],
    ])('refuses a variable that is set but %s, naming it, instead of generating keys', (_case, value) => {
      const error = errorOf({ TIMELINE_API_KEYS: value });
      expect(error.variable).toBe('TIMELINE_API_KEYS');
      expect(error.message).toMatch(/^TIMELINE_API_KEYS: is set but empty/);
      expect(error.message).not.toContain('\n');
    });
  });
});
