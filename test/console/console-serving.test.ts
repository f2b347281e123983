import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { tileSource } from '../../src/console/console-assets.js';
import { loadConfig } from '../../src/config/app-config.js';
import { type RunningApp, startApp, temporaryDataDir } from '../e2e/app-harness.js';

/*
 * How the server serves the console: open without a key, by exact path only, compressed and
 * revalidated, under a policy that allows no inline script, and with an operator's tile server
 * allowed to supply images when TIMELINE_TILE_URL names one.
 */
const TILES = 'https://{s}.tiles.example.org/osm/{z}/{x}/{y}{r}.png?key=a&b=c';

describe('TIMELINE_TILE_URL', () => {
  it('takes an http(s) XYZ template and refuses anything the map cannot fill, naming the variable', () => {
    expect(loadConfig({}).tileUrl).toBeUndefined();
    expect(loadConfig({ TIMELINE_TILE_URL: TILES }).tileUrl).toBe(TILES);
    expect(loadConfig({ TIMELINE_TILE_URL: 'http://10.0.0.5:8080/{z}/{x}/{y}.png' }).tileUrl).toBe('http://10.0.0.5:8080/{z}/{x}/{y}.png');
    for (const [value, problem] of [
      ['https://tiles.example.org/{z}/{x}.png', /must contain \{y\}/],
      ['https://tiles.example.org/{zoom}/{x}/{y}.png', /placeholder the map cannot fill: "\{zoom\}"/],
      ['ftp://tiles.example.org/{z}/{x}/{y}.png', /http or https/],
      ['tiles/{z}/{x}/{y}.png', /http or https/],
      ['https://user:secret@tiles.example.org/{z}/{x}/{y}.png', /user name or password/],
    ] as const) {
      expect(() => loadConfig({ TIMELINE_TILE_URL: value })).toThrow(/^TIMELINE_TILE_URL: /);
      expect(() => loadConfig({ TIMELINE_TILE_URL: value })).toThrow(problem);
    }
    // A refusal never quotes the template: a tile service's key may sit in it.
    expect(() => loadConfig({ TIMELINE_TILE_URL: 'https://user:secret@tiles.example.org/{z}/{x}/{y}.png' })).not.toThrow(/secret/);
  });

  it('allows images from the template\'s origin, subdomains as a wildcard', () => {
    expect(tileSource(TILES)).toBe('https://*.tiles.example.org');
    expect(tileSource('http://10.0.0.5:8080/{z}/{x}/{y}.png')).toBe('http://10.0.0.5:8080');
  });
});

describe('serving /console/', () => {
  const data = temporaryDataDir();
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(data.dir, { env: { TIMELINE_TILE_URL: TILES } });
  });

  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers, redirect: 'manual' });

  it('redirects /console to /console/ with its query string (308)', async () => {
    const answer = await get('/console?neighbourhood=damascus-tadamon&asOf=2018-04-18T23%3A30%3A00Z');
    expect(answer.status).toBe(308);
    expect(answer.headers.get('location')).toBe('/console/?neighbourhood=damascus-tadamon&asOf=2018-04-18T23%3A30%3A00Z');
  });

  it('serves the page without a key, whatever view its query names, with the tile template and the tile origin allowed', async () => {
    const answer = await get('/console/?neighbourhood=damascus-tadamon&source=x');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await answer.text();
    expect(html).toContain(`<meta name="tile-url" content="${TILES.replace(/&/g, '&amp;')}">`);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    const policy = answer.headers.get('content-security-policy')!;
    expect(policy).toContain("script-src 'self'");
    expect(policy).toMatch(/img-src 'self' data: https:\/\/\*\.tiles\.example\.org(;|$)/);
    expect(policy).not.toContain('upgrade-insecure-requests');
    // Only the page gains the tile origin.
    expect((await get('/console/console.js')).headers.get('content-security-policy')).not.toContain('tiles.example.org');
  });

  it('serves its modules and the four vendored files, compressed when asked, and revalidates them', async () => {
    for (const [path, type] of [
      ['/console/console.js', 'text/javascript; charset=utf-8'],
      ['/console/console.css', 'text/css; charset=utf-8'],
      ['/console/vendor/leaflet.js', 'text/javascript; charset=utf-8'],
      ['/console/vendor/leaflet.css', 'text/css; charset=utf-8'],
      ['/console/vendor/uplot.js', 'text/javascript; charset=utf-8'],
      ['/console/vendor/uplot.css', 'text/css; charset=utf-8'],
    ] as const) {
      const plain = await fetch(`${app.url}${path}`, { headers: { 'accept-encoding': 'identity' } });
      expect({ path, status: plain.status, type: plain.headers.get('content-type'), encoding: plain.headers.get('content-encoding') }).toEqual({ path, status: 200, type, encoding: null });
      const body = Buffer.from(await plain.arrayBuffer());
      expect(body.length).toBeGreaterThan(100);
      expect(plain.headers.get('cache-control')).toBe('no-cache');
      const etag = plain.headers.get('etag')!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
      expect((await get(path, { 'if-none-match': etag })).status).toBe(304);
      // fetch would decompress by itself: node:http-level bytes are checked through the raw header.
      const gzip = await rawGet(path, 'gzip');
      expect(gzip.encoding).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(body)).toBe(true);
      const brotli = await rawGet(path, 'gzip, deflate, br');
      expect(brotli.encoding).toBe('br');
      expect(brotliDecompressSync(brotli.body).equals(body)).toBe(true);
      expect((await rawGet(path, 'br;q=0, gzip;q=0')).encoding).toBeUndefined();
    }
  });

  it('serves nothing else: other files of node_modules, paths out of the folder and unknown files are 404', async () => {
    for (const path of ['/console/vendor/leaflet-src.js', '/console/vendor/../../package.json', '/console/%2e%2e/package.json', '/console/nope.js', '/console/vendor/']) {
      const answer = await get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
    }
  });

  async function rawGet(path: string, acceptEncoding: string): Promise<{ encoding: string | undefined; body: Buffer }> {
    const { request } = await import('node:http');
    return new Promise((resolve, reject) => {
      const req = request(`${app.url}${path}`, { headers: { 'accept-encoding': acceptEncoding } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
  }
});
