import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type ContentEncoding = 'br' | 'gzip';

/** One file the console serves, held in memory with its validator. */
export interface ConsoleAsset {
  readonly type: string;
  readonly body: Buffer;
  /** A strong validator of the body: a 304 saves sending it again. */
  readonly etag: string;
  /**
   * The body compressed, made on first demand off the event loop (zlib's thread pool) and kept:
   * compressing at start would hold the start up by the time brotli's best setting takes.
   */
  encoded(encoding: ContentEncoding): Promise<Buffer>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The libraries the console loads, by exact file: nothing else of node_modules is served. */
const VENDOR_FILES: Readonly<Record<string, readonly [string, string]>> = {
  'leaflet.js': ['leaflet', 'dist/leaflet.js'],
  'leaflet.css': ['leaflet', 'dist/leaflet.css'],
  'uplot.js': ['uplot', 'dist/uPlot.iife.min.js'],
  'uplot.css': ['uplot', 'dist/uPlot.min.css'],
};

/** The page's placeholder for the tile template, in a meta element (scripts read it; no inline script is needed). */
const TILE_URL_PLACEHOLDER = '%TILE_URL%';

export function asset(file: string, body: Buffer): ConsoleAsset {
  const type = TYPES[path.extname(file)];
  if (type === undefined) throw new Error(`console: no media type for ${file}`);
  const encodings = new Map<ContentEncoding, Promise<Buffer>>();
  return {
    type,
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    encoded(encoding) {
      let encoded = encodings.get(encoding);
      if (encoded === undefined) {
        encoded =
          encoding === 'br'
            ? brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })
            : gzipAsync(body, { level: 9 });
        encodings.set(encoding, encoded);
      }
      return encoded;
    },
  };
}

/**
 * The folder of the console's own files, `console/` at the root of the package: two levels
 * above this module in src/ (tests), three in dist/src/ (the built server).
 */
export function consoleDirectory(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let directory = from;
  for (let level = 0; level < 4; level += 1) {
    const candidate = path.join(directory, 'console');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    directory = path.dirname(directory);
  }
  throw new Error(`console: no console/index.html above ${from}`);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Every file of the console by its path under /console/: the page (with the tile template
 * filled in), its modules and styles, and the vendored libraries under vendor/.
 */
export function loadConsoleAssets(tileUrl: string | undefined, directory: string = consoleDirectory()): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isFile() || TYPES[path.extname(entry.name)] === undefined) continue;
    let body = readFileSync(path.join(directory, entry.name));
    if (entry.name === 'index.html') {
      body = Buffer.from(body.toString('utf8').replace(TILE_URL_PLACEHOLDER, escapeAttribute(tileUrl ?? '')), 'utf8');
    }
    assets.set(entry.name, asset(entry.name, body));
  }
  const require = createRequire(import.meta.url);
  for (const [name, [pkg, file]] of Object.entries(VENDOR_FILES)) {
    const root = path.dirname(require.resolve(`${pkg}/package.json`));
    assets.set(`vendor/${name}`, asset(name, readFileSync(path.join(root, file))));
  }
  return assets;
}

/**
 * The origin a tile template loads images from, as a CSP source: `{s}` subdomains become a
 * wildcard (`https://*.tile.example.org`).
 */
export function tileSource(tileUrl: string): string {
  const url = new URL(tileUrl.replace(/\{s\}/g, 'tile-subdomain').replace(/\{[zxyr]\}/g, '0'));
  return `${url.protocol}//${url.host.replace(/tile-subdomain/g, '*')}`;
}
