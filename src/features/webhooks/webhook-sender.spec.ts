import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook } from './webhook-sender.js';

describe('one webhook delivery attempt', () => {
  let server: Server;
  let port = 0;
  let answer: (response: import('node:http').ServerResponse) => void = (response) => response.end('ok');
  let requests = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests += 1;
      request.resume();
      request.on('end', () => answer(response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (url: string, options: { timeoutMs?: number; allowPrivate?: boolean } = {}) =>
    postWebhook({
      url,
      body: Buffer.from('{"id":"1"}'),
      headers: { 'Content-Type': 'application/json' },
      timeoutMs: options.timeoutMs ?? 5_000,
      allowPrivate: options.allowPrivate ?? true,
      signal: new AbortController().signal,
    });

  it('counts a 2xx as delivered, anything else (a redirect too) as not', async () => {
    answer = (response) => response.end('ok');
    expect(await post(`http://127.0.0.1:${port}/in`)).toMatchObject({ httpStatus: 200, error: null });
    answer = (response) => {
      response.writeHead(302, { Location: 'http://127.0.0.1:1/' });
      response.end();
    };
    expect(await post(`http://127.0.0.1:${port}/in`)).toMatchObject({ httpStatus: 302, error: 'answered 302' });
  });

  it('gives up on an answer that does not come within the timeout', async () => {
    answer = () => undefined;
    const result = await post(`http://127.0.0.1:${port}/in`, { timeoutMs: 200 });
    expect(result).toMatchObject({ httpStatus: null, error: 'no complete answer within 0.2 s' });
  });

  it('refuses to connect to a forbidden address, by number or by what a name resolves to', async () => {
    answer = (response) => response.end('ok');
    const before = requests;
    for (const url of [`http://127.0.0.1:${port}/in`, `http://localhost:${port}/in`, `http://[::ffff:127.0.0.1]:${port}/in`]) {
      const result = await post(url, { allowPrivate: false });
      expect(result.httpStatus).toBeNull();
      expect(result.error).toMatch(/refused to connect to .*loopback, private, link-local or metadata/);
    }
    expect(requests).toBe(before);
  });

  it('reports a connection that is refused', async () => {
    const result = await post('http://127.0.0.1:1/in');
    expect(result).toMatchObject({ httpStatus: null, error: expect.stringContaining('ECONNREFUSED') });
  });
});
