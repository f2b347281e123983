/**
 * The three HTTP timeouts, set small: a client slower than a limit is answered 408
 * REQUEST_TIMEOUT in the API's error shape (or, for the idle timeout, finds its connection
 * closed), and a client within it is served. Nothing is timed beyond telling the two apart: the
 * slow clients are several times slower than the limit, the others several times faster.
 */
import { Body, Controller, Get, Post, Query, Req } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { AuthModule } from '../../src/auth/auth.module.js';
import { Public, Roles } from '../../src/auth/roles.decorator.js';
import { loadConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { exemptFromRequestTimeout, LongLivedAnswer } from '../../src/http/answer-deadline.js';
import { configureHttpApp, createHttpAdapter } from '../../src/http/http-app.js';

const WRITER_KEY = 'writer-key-0123456789abcdef';
const REQUEST_TIMEOUT_MS = 1_000;
const HEADERS_TIMEOUT_MS = 500;
const IDLE_TIMEOUT_MS = 1_000;
/** Bounds every wait of a client here, so that a hung server fails a test instead of hanging it. */
const CLIENT_BOUND_MS = 20_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class NoteDto {
  @IsString() text!: string;
}

@Controller('slow')
class SlowController {
  @Get('answer')
  @Public()
  async answer(@Query('ms') ms: string) {
    await sleep(Number(ms));
    return { answered: true };
  }

  @Get('long-lived')
  @Public()
  @LongLivedAnswer()
  async longLived(@Query('ms') ms: string) {
    await sleep(Number(ms));
    return { answered: true };
  }

  @Get('exempt')
  @Public()
  async exempt(@Query('ms') ms: string, @Req() request: FastifyRequest) {
    exemptFromRequestTimeout(request);
    await sleep(Number(ms));
    return { answered: true };
  }

  @Get('big')
  @Public()
  big(@Query('mb') mb: string) {
    return { text: 'x'.repeat(Number(mb) * 1024 * 1024) };
  }

  @Post('notes')
  @Roles('writer')
  note(@Body() body: NoteDto) {
    return { length: body.text.length };
  }
}

/** One raw HTTP/1.1 connection: what it received, and whether the server closed it. */
class Connection {
  received = '';
  closed = false;
  private readonly socket: Socket;
  private readonly closing: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    this.socket.on('error', () => undefined);
    this.closing = new Promise((resolve) => this.socket.once('close', () => resolve()));
    void this.closing.then(() => (this.closed = true));
  }

  write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  /** Writes `text` a piece at a time, `gapMs` apart (each gap well inside the idle timeout). */
  async trickle(text: string, pieces: number, gapMs: number): Promise<void> {
    const size = Math.ceil(text.length / pieces);
    for (let at = 0; at < text.length && !this.closed; at += size) {
      this.write(text.slice(at, at + size));
      await sleep(gapMs);
    }
  }

  /** Waits for `count` complete answers (with Content-Length), or for the close. */
  async answers(count: number): Promise<{ status: number; headers: string; body: string }[]> {
    const deadline = Date.now() + CLIENT_BOUND_MS;
    for (;;) {
      const parsed = parseAnswers(this.received);
      if (parsed.length >= count || this.closed || Date.now() > deadline) return parsed;
      await sleep(10);
    }
  }

  /** Waits for the server to close the connection; false if it is still open after the bound. */
  async serverCloses(): Promise<boolean> {
    let bound: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.closing.then(() => true),
      new Promise<boolean>((resolve) => (bound = setTimeout(() => resolve(false), CLIENT_BOUND_MS))),
    ]);
    clearTimeout(bound);
    return closed;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function parseAnswers(text: string): { status: number; headers: string; body: string }[] {
  const answers: { status: number; headers: string; body: string }[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return answers;
    const headers = rest.slice(0, end);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
    if (rest.length < end + 4 + length) return answers;
    answers.push({ status: Number(headers.slice(9, 12)), headers: headers.toLowerCase(), body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
}

function expectRequestTimeout(answer: { status: number; body: string } | undefined): void {
  expect(answer?.status).toBe(408);
  expect(JSON.parse(answer!.body)).toEqual({ statusCode: 408, code: 'REQUEST_TIMEOUT', message: expect.any(String) });
}

describe('HTTP timeouts (request 1 s, headers 0.5 s, idle 1 s)', () => {
  let app: NestFastifyApplication;
  let port: number;
  const open: Connection[] = [];
  const connection = () => {
    const created = new Connection(port);
    open.push(created);
    return created;
  };

  beforeAll(async () => {
    const config = {
      ...loadConfig({
        TIMELINE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        TIMELINE_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        TIMELINE_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
        TIMELINE_API_KEYS: `writer:${WRITER_KEY}`,
      }),
      rateLimitPerSecond: 0,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forConfig(config), AuthModule],
      controllers: [SlowController],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config.http), { logger: false });
    configureHttpApp(app, config, { shutdownHooks: false });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });

  afterEach(() => {
    for (const created of open.splice(0)) created.destroy();
  });

  afterAll(async () => {
    await app?.close();
  });

  const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  const noteRequest = (body: string) =>
    [
      `POST /v1/slow/notes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${WRITER_KEY}\r\n`,
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    ].join('');

  describe('headers timeout', () => {
    const headers = `GET /v1/slow/answer?ms=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(40)}\r\n\r\n`;

    it('answers 408 to a client whose headers take longer than the limit', async () => {
      const slow = connection();
      await slow.trickle(headers, 20, HEADERS_TIMEOUT_MS / 5);
      const [answer] = await slow.answers(1);
      expectRequestTimeout(answer);
      expect(await slow.serverCloses()).toBe(true);
    });

    it('serves a client whose headers arrive within it', async () => {
      const client = connection();
      await client.trickle(headers, 5, HEADERS_TIMEOUT_MS / 25);
      const [answer] = await client.answers(1);
      expect(answer?.status).toBe(200);
    });
  });

  describe('request timeout', () => {
    const body = JSON.stringify({ text: 'n'.repeat(200) });

    it('answers 408 to a client whose body takes longer than the limit to arrive', async () => {
      const slow = connection();
      slow.write(noteRequest(body));
      await slow.trickle(body, 20, REQUEST_TIMEOUT_MS / 5);
      const [answer] = await slow.answers(1);
      expectRequestTimeout(answer);
    });

    it('serves a client whose body arrives within it', async () => {
      const client = connection();
      client.write(noteRequest(body));
      await client.trickle(body, 5, REQUEST_TIMEOUT_MS / 25);
      const [answer] = await client.answers(1);
      expect(answer?.status).toBe(201);
      expect(JSON.parse(answer!.body)).toEqual({ length: 200 });
    });

    it('answers 408, with the security headers and the request id, when the answer does not begin within the limit', async () => {
      const client = connection();
      client.write(get(`/v1/slow/answer?ms=${REQUEST_TIMEOUT_MS * 4}`));
      const [answer] = await client.answers(1);
      expectRequestTimeout(answer);
      expect(answer!.headers).toContain('\r\nx-request-id: ');
      expect(answer!.headers).toContain('\r\nx-content-type-options: nosniff');
      expect(answer!.headers).toContain('\r\nconnection: close');
    });

    it('serves an answer that begins within it', async () => {
      const client = connection();
      client.write(get(`/v1/slow/answer?ms=${REQUEST_TIMEOUT_MS / 5}`));
      const [answer] = await client.answers(1);
      expect(answer?.status).toBe(200);
    });

    it('lets a @LongLivedAnswer() route, and a request its handler exempts, take longer', async () => {
      const routed = connection();
      routed.write(get(`/v1/slow/long-lived?ms=${REQUEST_TIMEOUT_MS * 2}`));
      const exempted = connection();
      exempted.write(get(`/v1/slow/exempt?ms=${REQUEST_TIMEOUT_MS * 2}`));
      const [[viaRoute], [viaHandler]] = await Promise.all([routed.answers(1), exempted.answers(1)]);
      expect(viaRoute?.status).toBe(200);
      expect(viaHandler?.status).toBe(200);
    });

    it('does not cut an answer that a client reads slowly for longer than the limit', async () => {
      const client = connection();
      client.pause();
      client.write(get('/v1/slow/big?mb=4'));
      await sleep(REQUEST_TIMEOUT_MS * 2);
      client.resume();
      const [answer] = await client.answers(1);
      expect(answer?.status).toBe(200);
      expect(JSON.parse(answer!.body).text).toHaveLength(4 * 1024 * 1024);
    });
  });

  describe('idle timeout', () => {
    it('closes a kept-alive connection left idle for longer than the limit', async () => {
      const client = connection();
      client.write(get('/v1/slow/answer?ms=0'));
      expect((await client.answers(1))[0]?.status).toBe(200);
      expect(await client.serverCloses()).toBe(true);
      expect(parseAnswers(client.received)).toHaveLength(1);
    });

    it('serves the next request of a connection idle for less than the limit', async () => {
      const client = connection();
      client.write(get('/v1/slow/answer?ms=0'));
      expect((await client.answers(1))[0]?.status).toBe(200);
      await sleep(IDLE_TIMEOUT_MS / 10);
      client.write(get('/v1/slow/answer?ms=0'));
      const answers = await client.answers(2);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      expect(client.closed).toBe(false);
    });

    it('answers 408 to a connection that sends nothing, and closes it (the headers timeout counts from the connection)', async () => {
      const silent = connection();
      expect(await silent.serverCloses()).toBe(true);
      expectRequestTimeout(parseAnswers(silent.received)[0]);
    });

    it('closes a connection whose client stops reading its answer', async () => {
      const stalled = connection();
      stalled.pause();
      stalled.write(get('/v1/slow/big?mb=24'));
      // A paused client cannot see the close: it reads again after three times the idle timeout, and
      // gets what the socket buffers held, then the close, instead of the whole answer.
      await sleep(IDLE_TIMEOUT_MS * 3);
      stalled.resume();
      expect(await stalled.serverCloses()).toBe(true);
      expect(stalled.received.length).toBeLessThan(24 * 1024 * 1024);
    });
  });
});
