import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type ConsoleAsset, loadConsoleAssets, tileSource } from './console-assets.js';

export const CONSOLE_PATH = '/console';

/** The encoding to send: brotli, else gzip, when the client accepts it (a q of 0 refuses). */
function encodingFor(request: FastifyRequest): 'br' | 'gzip' | undefined {
  const header = request.headers['accept-encoding'];
  if (typeof header !== 'string') return undefined;
  const accepted = new Set(
    header
      .split(',')
      .map((part) => part.trim().split(';'))
      .filter(([, q]) => q === undefined || !/^\s*q\s*=\s*0(\.0*)?\s*$/.test(q))
      .map(([name]) => name!.trim().toLowerCase()),
  );
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return undefined;
}

/** The policy helmet set on this answer, with the tile server allowed to supply images. */
function withTileImages(reply: FastifyReply, source: string): string | undefined {
  const policy = reply.raw.getHeader('content-security-policy');
  if (typeof policy !== 'string') return undefined;
  return policy
    .split(';')
    .map((directive) => (directive.trim().startsWith('img-src ') ? `${directive.trim()} ${source}` : directive.trim()))
    .join(';');
}

async function send(request: FastifyRequest, reply: FastifyReply, asset: ConsoleAsset): Promise<FastifyReply> {
  void reply.header('Cache-Control', 'no-cache').header('ETag', asset.etag).header('Vary', 'Accept-Encoding').type(asset.type);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const encoding = encodingFor(request);
  if (encoding === undefined) return reply.send(asset.body);
  return reply.header('Content-Encoding', encoding).send(await asset.encoded(encoding));
}

/**
 * The analyst console at /console/: static files (docs/console.md), open without a key like
 * /docs, since the page asks for one and calls the API with it. Served from memory by exact
 * path; /console redirects to /console/ with its query string, which holds the view.
 */
@Module({})
export class ConsoleModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const assets = loadConsoleAssets(this.config.tileUrl);
    const adapter = this.adapterHost.httpAdapter;
    const page = assets.get('index.html')!;
    const tiles = this.config.tileUrl === undefined ? undefined : tileSource(this.config.tileUrl);
    adapter.get(CONSOLE_PATH, (request: FastifyRequest, reply: FastifyReply) => {
      const query = request.url.indexOf('?');
      return reply.redirect(`${CONSOLE_PATH}/${query < 0 ? '' : request.url.slice(query)}`, 308);
    });
    adapter.get(`${CONSOLE_PATH}/`, (request: FastifyRequest, reply: FastifyReply) => {
      const policy = tiles === undefined ? undefined : withTileImages(reply, tiles);
      if (policy !== undefined) void reply.header('Content-Security-Policy', policy);
      return send(request, reply, page);
    });
    for (const [name, asset] of assets) {
      if (name === 'index.html') continue;
      adapter.get(`${CONSOLE_PATH}/${name}`, (request: FastifyRequest, reply: FastifyReply) => send(request, reply, asset));
    }
  }
}
