import { Agent, request as httpRequest } from 'node:http';

/** GET over one kept-alive connection: fetch (undici) adds allocations and a tail of its own. */
export class KeepAliveClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly target: URL;

  constructor(
    url: string,
    private readonly headers: Record<string, string>,
  ) {
    this.target = new URL(url);
  }

  get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest({ host: this.target.hostname, port: this.target.port, path, headers: this.headers, agent: this.agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });
  }
}
