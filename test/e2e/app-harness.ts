import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tadamonScenario } from '../../scripts/tadamon-scenario.js';
import { AppModule } from '../../src/app.module.js';
import { CLOCK, type Clock } from '../../src/application/clock.js';
import { loadConfig } from '../../src/config/app-config.js';
import { APP_CONFIG } from '../../src/config/config.module.js';
import { READ_MODELS } from '../../src/features/read-models.js';
import { configureHttpApp, createHttpAdapter } from '../../src/http/http-app.js';
import { PROJECTIONS_OPTIONS } from '../../src/projections/index.js';
import { BUILT_WRITER_THREADS } from '../built-modules.js';
import { recordAnswers } from '../openapi-answers.recorder.js';

export const KEYS = {
  writer: 'writer-key-0123456789abcdef',
  analyst: 'analyst-key-0123456789abcdef',
  editor: 'editor-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdef',
} as const;
export type KeyRole = keyof typeof KEYS;

export interface RunningApp {
  readonly url: string;
  readonly dataDir: string;
  request(method: string, path: string, options?: RequestOptions): Promise<Answer>;
  post(path: string, body: unknown, options?: RequestOptions): Promise<Answer>;
  get(path: string, options?: RequestOptions): Promise<Answer>;
  /** Stops the app; the data directory stays for a restart. */
  stop(): Promise<void>;
  /** The app itself, for a test that needs one of its providers. */
  readonly nest: NestFastifyApplication;
}

export interface RequestOptions {
  readonly as?: KeyRole | null;
  readonly headers?: Record<string, string>;
  /** A raw body, sent as it is. */
  readonly raw?: string;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export function temporaryDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'timeline-e2e-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The real app over real HTTP on a loopback port, with a data directory of the test's. */
export async function startApp(
  dataDir: string,
  options: { clock?: Clock; env?: NodeJS.ProcessEnv; logger?: LoggerService } = {},
): Promise<RunningApp> {
  const config = loadConfig({
    TIMELINE_DATA_DIR: dataDir,
    TIMELINE_API_KEYS: `writer:${KEYS.writer},analyst:${KEYS.analyst},editor:${KEYS.editor},admin:${KEYS.admin}`,
    TIMELINE_RATE_LIMIT_PER_SECOND: '0',
    ...options.env,
  });
  // Read models are filed on writer threads, from the build, as production files them.
  let builder = Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(APP_CONFIG)
    .useValue(config)
    .overrideProvider(PROJECTIONS_OPTIONS)
    .useValue({ readModels: READ_MODELS, writerThreads: BUILT_WRITER_THREADS });
  if (options.clock) builder = builder.overrideProvider(CLOCK).useValue(options.clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), { logger: options.logger ?? false });
  configureHttpApp(app, config, { shutdownHooks: false });
  recordAnswers(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Answer> {
    const role = opts.as === undefined ? (method === 'GET' ? 'analyst' : 'writer') : opts.as;
    const headers: Record<string, string> = { ...(role ? { authorization: `Bearer ${KEYS[role]}` } : {}), ...opts.headers };
    const response = await fetch(`${url}${path}`, { method, headers, ...(opts.raw !== undefined ? { body: opts.raw } : {}) });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, text, body };
  }

  return {
    url,
    dataDir,
    request,
    post: (path, body, opts = {}) =>
      request('POST', path, {
        ...opts,
        raw: JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...opts.headers },
      }),
    get: (path, opts) => request('GET', path, opts),
    stop: () => app.close(),
    nest: app,
  };
}

/** Loads the Tadamon report through the API; every step must be recorded (201). */
export async function playScenario(app: RunningApp): Promise<{ ids: Record<string, string>; lastPosition: number }> {
  const ids: Record<string, string> = {};
  let lastPosition = 0;
  for (const step of tadamonScenario) {
    const answer = await app.post(step.path, step.body(ids), step.role ? { as: step.role } : {});
    expect({ step: step.label, status: answer.status, body: answer.body }).toMatchObject({ status: 201 });
    ids[step.label] = answer.body.eventId;
    lastPosition = Math.max(lastPosition, answer.body.position);
  }
  return { ids, lastPosition };
}
