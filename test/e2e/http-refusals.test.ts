/**
 * A refusal sent while the client is still sending its body must reach the client: the server
 * answers, then reads and discards the rest of the body before it closes (a lingering close), and
 * with `Expect: 100-continue` it answers before the body is sent at all. Each refusal is tried
 * 20 times with Node's fetch and 20 times with curl, with and without curl's own `Expect`, against
 * the built server in a process of its own (in one process with the client, the race that loses
 * the answer is rarer).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVER_KEYS as KEYS, type ServerProcess, startServer, temporaryDataDir } from './server-process.js';

const run = promisify(execFile);
const ROUNDS = 20;
/** Three times the 1 MiB limit: far more than the socket buffers hold while the answer goes out. */
const BODY_BYTES = 3_000_000;
const TEST_TIMEOUT_MS = 120_000;

const oversizedBody = JSON.stringify({ id: 'big', name: 'Big', side: 'isis', kind: 'militia', notes: 'x'.repeat(BODY_BYTES) });
/** Under the limit, but still far more than the socket buffers hold. */
const largeBody = JSON.stringify({ id: 'large', name: 'Large', side: 'isis', kind: 'militia', notes: 'x'.repeat(900_000) });

interface Case {
  readonly name: string;
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const CASES: readonly Case[] = [
  {
    name: 'a body over 1 MiB',
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    headers: { authorization: `Bearer ${KEYS.writer}`, 'content-type': 'application/json' },
    body: oversizedBody,
  },
  {
    name: 'a large body that is not JSON',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    headers: { authorization: `Bearer ${KEYS.writer}`, 'content-type': 'text/plain' },
    body: oversizedBody,
  },
  { name: 'a large body without a key', status: 401, code: 'UNAUTHENTICATED', headers: { 'content-type': 'application/json' }, body: oversizedBody },
  {
    name: 'a large body under the limit with an unknown key',
    status: 401,
    code: 'UNAUTHENTICATED',
    headers: { authorization: 'Bearer not-a-known-key-0123456789', 'content-type': 'application/json' },
    body: largeBody,
  },
];

type Outcome = string;

function describeOutcome(status: number, text: string, expected: Case): Outcome {
  let code: unknown;
  try {
    code = (JSON.parse(text) as { code?: unknown }).code;
  } catch {
    code = `unparsable body ${JSON.stringify(text.slice(0, 80))}`;
  }
  return status === expected.status && code === expected.code ? 'answered' : `${status} ${String(code)}`;
}

describe('refusals of large bodies reach the client', () => {
  const data = temporaryDataDir();
  const files = mkdtempSync(join(tmpdir(), 'timeline-bodies-'));
  let app: ServerProcess;
  let port: number;

  beforeAll(async () => {
    app = await startServer({ dataDir: data.dir });
    port = app.port;
  });

  afterAll(async () => {
    await app?.kill();
    data.remove();
    rmSync(files, { recursive: true, force: true });
  });

  describe.each(CASES)('$name: $status $code', (refusal) => {
    it(`answers all ${ROUNDS} sequential requests of Node's fetch`, async () => {
      const outcomes: Outcome[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        try {
          const response = await fetch(`${app.url}/v1/actors`, { method: 'POST', headers: refusal.headers, body: refusal.body });
          outcomes.push(describeOutcome(response.status, await response.text(), refusal));
        } catch (error) {
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          outcomes.push(`connection failure: ${cause?.code ?? cause?.message ?? String(error)}`);
        }
      }
      expect(outcomes).toEqual(Array.from({ length: ROUNDS }, () => 'answered'));
    }, TEST_TIMEOUT_MS);

    it.each([
      ['with curl\'s own "Expect: 100-continue"', []],
      ['without Expect', ['-H', 'Expect:']],
    ])(`answers all ${ROUNDS} sequential requests of curl %s`, async (_variant, extra) => {
      const file = join(files, `${refusal.status}-${refusal.body.length}.json`);
      writeFileSync(file, refusal.body);
      const headers = Object.entries(refusal.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
      const outcomes: Outcome[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        // curl exits 0 when it read an answer, whatever its status; -w appends the status.
        const args = ['-sS', '-X', 'POST', ...headers, ...(extra as string[]), '--data-binary', `@${file}`, '-w', '\n%{http_code}', `${app.url}/v1/actors`];
        try {
          const { stdout } = await run('curl', args, { maxBuffer: 1024 * 1024 });
          const cut = stdout.lastIndexOf('\n');
          outcomes.push(describeOutcome(Number(stdout.slice(cut + 1)), stdout.slice(0, cut), refusal));
        } catch (error) {
          outcomes.push(`curl failed: ${String((error as { stderr?: string }).stderr ?? error).trim()}`);
        }
      }
      expect(outcomes).toEqual(Array.from({ length: ROUNDS }, () => 'answered'));
    }, TEST_TIMEOUT_MS);
  });

  /** Sends headers with `Expect: 100-continue`, and the body only if "100 Continue" comes. */
  function expectContinue(headers: Record<string, string>, body: string): Promise<{ interim: boolean; response: string; bodySent: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      let interim = false;
      let bodySent = false;
      const head = [
        'POST /v1/actors HTTP/1.1',
        'Host: 127.0.0.1',
        'Expect: 100-continue',
        `Content-Length: ${Buffer.byteLength(body)}`,
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ].join('\r\n');
      socket.on('connect', () => socket.write(`${head}\r\n\r\n`));
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8');
        if (received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
          interim = true;
          received = received.slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
          bodySent = true;
          socket.write(body);
        }
        const end = received.indexOf('\r\n\r\n');
        const length = /\r\ncontent-length: (\d+)/i.exec(received);
        if (end >= 0 && length && received.length >= end + 4 + Number(length[1])) {
          socket.destroy();
          resolve({ interim, response: received, bodySent });
        }
      });
      socket.on('error', reject);
    });
  }

  it.each([
    ['413 for a Content-Length over the limit', 413, { authorization: `Bearer ${KEYS.writer}`, 'content-type': 'application/json' }],
    ['415 for a body that is not JSON', 415, { authorization: `Bearer ${KEYS.writer}`, 'content-type': 'text/plain' }],
    ['401 without a key', 401, { 'content-type': 'application/json' }],
  ])('with Expect: 100-continue, answers %s before the body is sent', async (_case, status, headers) => {
    const { interim, response, bodySent } = await expectContinue(headers, oversizedBody);
    expect({ interim, bodySent }).toEqual({ interim: false, bodySent: false });
    expect(response.slice(0, response.indexOf('\r\n'))).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(response.toLowerCase()).toContain('\r\nconnection: close\r\n');
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { statusCode: number; code: string };
    expect(body.statusCode).toBe(status);
  });

  it('with Expect: 100-continue, sends "100 Continue" for a body it will read, and records it', async () => {
    const body = JSON.stringify({ id: 'continued', name: 'Continued', side: 'isis', kind: 'militia' });
    const { interim, response } = await expectContinue({ authorization: `Bearer ${KEYS.writer}`, 'content-type': 'application/json' }, body);
    expect(interim).toBe(true);
    expect(response).toMatch(/^HTTP\/1\.1 201 /);
    const { position } = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { position: number };
    const actors = await app.get(`/v1/actors?minPosition=${position}`);
    expect(actors.body.items.map((actor: { id: string }) => actor.id)).toContain('continued');
  });

  it('still serves requests after all these refusals', async () => {
    const health = await app.get('/health', { as: null });
    expect(health.status).toBe(200);
  });
});
