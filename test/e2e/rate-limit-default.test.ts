/**
 * The per-key rate limit at its real default: the server starts without
 * TIMELINE_RATE_LIMIT_PER_SECOND, and one key sends more than 2,000 requests a second (pipelined
 * on a few connections, on a route the guard refuses with 403 after counting it, so that the
 * server spends little on each) until a 429 appears. The bucket starts full, so at least 2,000
 * requests pass first. Waits are bounded, never timed.
 *
 * Driving it needs a server that answers one key more than 2,000 times a second, which a shared
 * 2-core machine does with little margin when other work runs beside it. So the wiring is also
 * checked without load: the limiter the guard uses is built with the default of the config.
 */
import { Test } from '@nestjs/testing';
import { connect, type Socket } from 'node:net';
import { AuthModule } from '../../src/auth/auth.module.js';
import { TokenBucketRateLimiter } from '../../src/auth/rate-limiter.js';
import { loadConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { SERVER_KEYS, type ServerProcess, startServer, temporaryDataDir } from './server-process.js';

const DEFAULT_PER_SECOND = 2000;
const CONNECTIONS = 4;
/** Requests written at once on each connection, then read back, again and again. */
const PIPELINE = 250;
const BOUND_MS = 60_000;

interface Answer {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

/** Splits what a connection received into complete answers, keeping the incomplete rest. */
function takeAnswers(buffer: { text: string }): Answer[] {
  const answers: Answer[] = [];
  for (;;) {
    const end = buffer.text.indexOf('\r\n\r\n');
    if (end < 0) return answers;
    const headers = buffer.text.slice(0, end).toLowerCase();
    const length = Number(/\r\ncontent-length: *(\d+)/.exec(headers)?.[1] ?? 0);
    if (buffer.text.length < end + 4 + length) return answers;
    answers.push({ status: Number(headers.slice(9, 12)), headers, body: buffer.text.slice(end + 4, end + 4 + length) });
    buffer.text = buffer.text.slice(end + 4 + length);
  }
}

/** One connection sending batches of pipelined requests until told to stop. */
async function hammer(port: number, request: string, onAnswer: (answer: Answer) => boolean): Promise<void> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const buffer = { text: '' };
  try {
    for (;;) {
      const batch = request.repeat(PIPELINE);
      const answers = await new Promise<Answer[]>((resolve, reject) => {
        const got: Answer[] = [];
        const onData = (chunk: Buffer) => {
          buffer.text += chunk.toString('latin1');
          got.push(...takeAnswers(buffer));
          if (got.length >= PIPELINE) {
            socket.off('data', onData);
            resolve(got);
          }
        };
        socket.on('data', onData);
        socket.once('error', reject);
        socket.write(batch);
      });
      for (const answer of answers) {
        if (!onAnswer(answer)) return;
      }
    }
  } finally {
    socket.destroy();
  }
}

describe('the per-key rate limit at its default', () => {
  const data = temporaryDataDir();
  let server: ServerProcess;

  beforeAll(async () => {
    // Refusals are logged at warn: a line for each of thousands of 403s would cost more than the requests.
    server = await startServer({ dataDir: data.dir, env: { TIMELINE_RATE_LIMIT_PER_SECOND: undefined, TIMELINE_LOG_LEVEL: 'error' } });
  });

  afterAll(async () => {
    await server?.kill();
    data.remove();
  });

  it(`lets a burst of ${DEFAULT_PER_SECOND} requests through, then answers 429 RATE_LIMITED with Retry-After`, async () => {
    const request = `GET /v1/projections HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SERVER_KEYS.writer}\r\n\r\n`;
    const started = Date.now();
    const deadline = started + BOUND_MS;
    let passed = 0;
    let passedBeforeFirstLimit: number | undefined;
    let limited: Answer | undefined;
    const unexpected: string[] = [];
    await Promise.all(
      Array.from({ length: CONNECTIONS }, () =>
        hammer(server.port, request, (answer) => {
          if (answer.status === 403) passed += 1;
          else if (answer.status === 429) {
            if (limited === undefined) {
              limited = answer;
              passedBeforeFirstLimit = passed;
            }
          } else unexpected.push(`${answer.status} ${answer.body.slice(0, 100)}`);
          return limited === undefined && unexpected.length === 0 && Date.now() < deadline;
        }),
      ),
    );
    console.log(`rate-limit-default: ${JSON.stringify({ passedBeforeFirstLimit, passed, untilLimitedMs: Date.now() - started })}`);
    expect(unexpected).toEqual([]);
    expect(limited).toBeDefined();
    expect(JSON.parse(limited!.body)).toEqual({ statusCode: 429, code: 'RATE_LIMITED', message: expect.any(String) });
    expect(Number(/\r\nretry-after: *(\d+)/.exec(limited!.headers)?.[1])).toBeGreaterThanOrEqual(1);
    expect(passedBeforeFirstLimit).toBeGreaterThanOrEqual(DEFAULT_PER_SECOND);

    // Per key: another key is not limited, nor is /health.
    expect((await server.get('/v1/projections', { as: 'admin' })).status).toBe(200);
    expect((await server.get('/health', { as: null })).status).toBe(200);
  }, BOUND_MS + 30_000);
});

describe('the rate limiter wiring', () => {
  it(`builds the guard's limiter with ${DEFAULT_PER_SECOND} a second when TIMELINE_RATE_LIMIT_PER_SECOND is unset`, async () => {
    const config = loadConfig({ TIMELINE_API_KEYS: `writer:${SERVER_KEYS.writer}` });
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forConfig(config), AuthModule] }).compile();
    const limiter = moduleRef.get(TokenBucketRateLimiter);
    expect(limiter.perSecond).toBe(DEFAULT_PER_SECOND);
    expect(limiter.enabled).toBe(true);
    await moduleRef.close();
  });
});
