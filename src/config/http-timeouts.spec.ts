import { ConfigError, HTTP_DEFAULTS, loadConfig } from './app-config.js';

function problemWith(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env, { cwd: '/srv/app' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig: HTTP timeouts and the shutdown drain', () => {
  it('defaults to a 30 s request, 10 s headers, 72 s idle timeout and an 8 s drain', () => {
    expect(loadConfig({}).http).toEqual({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, idleTimeoutMs: 72_000, shutdownDrainMs: 8_000 });
    expect(HTTP_DEFAULTS.shutdownDrainMs).toBeLessThan(10_000);
  });

  it('reads each variable', () => {
    const { http } = loadConfig({
      TIMELINE_REQUEST_TIMEOUT_MS: '4000',
      TIMELINE_HEADERS_TIMEOUT_MS: '4000',
      TIMELINE_IDLE_TIMEOUT_MS: '250',
      TIMELINE_SHUTDOWN_DRAIN_MS: '0',
    });
    expect(http).toEqual({ requestTimeoutMs: 4000, headersTimeoutMs: 4000, idleTimeoutMs: 250, shutdownDrainMs: 0 });
  });

  it('lowers the default headers timeout to a shorter request timeout', () => {
    expect(loadConfig({ TIMELINE_REQUEST_TIMEOUT_MS: '2500' }).http.headersTimeoutMs).toBe(2500);
  });

  it('refuses a headers timeout longer than the request timeout, naming both', () => {
    const error = problemWith({ TIMELINE_REQUEST_TIMEOUT_MS: '5000', TIMELINE_HEADERS_TIMEOUT_MS: '6000' });
    expect(error.variable).toBe('TIMELINE_HEADERS_TIMEOUT_MS');
    expect(error.message).toBe('TIMELINE_HEADERS_TIMEOUT_MS: must not exceed TIMELINE_REQUEST_TIMEOUT_MS (5000), got 6000');
  });

  it.each([
    ['TIMELINE_REQUEST_TIMEOUT_MS', '30s'],
    ['TIMELINE_REQUEST_TIMEOUT_MS', '0'],
    ['TIMELINE_REQUEST_TIMEOUT_MS', '-1'],
    ['TIMELINE_REQUEST_TIMEOUT_MS', '2147483648'],
    ['TIMELINE_HEADERS_TIMEOUT_MS', '1.5'],
    ['TIMELINE_HEADERS_TIMEOUT_MS', '0'],
    ['TIMELINE_IDLE_TIMEOUT_MS', 'forever'],
    ['TIMELINE_IDLE_TIMEOUT_MS', '0'],
    ['TIMELINE_SHUTDOWN_DRAIN_MS', '8 s'],
    ['TIMELINE_SHUTDOWN_DRAIN_MS', '600001'],
  ])('refuses %s=%s with one line naming the variable', (variable, value) => {
    const error = problemWith({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable}: must be an integer from \\d+ to \\d+, got "${value.replace('.', '\\.')}"$`));
  });
});
