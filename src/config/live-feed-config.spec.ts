import { ConfigError, LIVE_FEED_DEFAULTS, liveFeedConfig, loadConfig } from './app-config.js';

describe('the live feed section of the configuration', () => {
  it('has the documented defaults, delivering webhooks with the embedded store only', () => {
    expect(loadConfig({}).liveFeed).toEqual({
      heartbeatMs: 15_000,
      backlogMessages: 1_000,
      backlogBytes: 8 * 1024 * 1024,
      webhookDelivery: true,
      webhookAllowPrivate: false,
      webhookRetryScale: 1,
    });
    const kurrent = loadConfig({ EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'kurrentdb://127.0.0.1:2113?tls=false' });
    expect(kurrent.liveFeed?.webhookDelivery).toBe(false);
    expect(liveFeedConfig({ ...kurrent, liveFeed: undefined }).webhookDelivery).toBe(false);
    expect(liveFeedConfig({ ...loadConfig({}), liveFeed: undefined })).toEqual(LIVE_FEED_DEFAULTS);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      EVENT_STORE: 'kurrentdb',
      KURRENTDB_CONNECTION_STRING: 'kurrentdb://127.0.0.1:2113?tls=false',
      TIMELINE_STREAM_HEARTBEAT_MS: '250',
      TIMELINE_STREAM_BACKLOG_MESSAGES: '20',
      TIMELINE_STREAM_BACKLOG_BYTES: '65536',
      TIMELINE_WEBHOOK_DELIVERY: 'true',
      TIMELINE_WEBHOOK_ALLOW_PRIVATE: 'true',
      TIMELINE_WEBHOOK_RETRY_SCALE: '0.001',
    });
    expect(config.liveFeed).toEqual({
      heartbeatMs: 250,
      backlogMessages: 20,
      backlogBytes: 65536,
      webhookDelivery: true,
      webhookAllowPrivate: true,
      webhookRetryScale: 0.001,
    });
  });

  it.each([
    ['TIMELINE_STREAM_HEARTBEAT_MS', '0'],
    ['TIMELINE_STREAM_HEARTBEAT_MS', '15s'],
    ['TIMELINE_STREAM_BACKLOG_MESSAGES', '0'],
    ['TIMELINE_STREAM_BACKLOG_BYTES', '10'],
    ['TIMELINE_WEBHOOK_DELIVERY', 'yes'],
    ['TIMELINE_WEBHOOK_ALLOW_PRIVATE', '1'],
    ['TIMELINE_WEBHOOK_RETRY_SCALE', '0'],
    ['TIMELINE_WEBHOOK_RETRY_SCALE', '2'],
    ['TIMELINE_WEBHOOK_RETRY_SCALE', 'fast'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe(name);
  });
});
