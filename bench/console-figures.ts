import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer } from './child-processes.js';
import { BENCH_KEYS } from './in-process-app.js';
import { KeepAliveClient } from './keep-alive-client.js';
import { median, progress, quantile, round } from './measure.js';
import type { PopulatedNeighbourhood } from './populate-log.js';

export interface ConsoleFiguresOptions {
  readonly dataDir: string;
  /** The 10,000-event neighbourhood. */
  readonly mid: PopulatedNeighbourhood;
  readonly historyQueries: number;
  readonly renderRuns: number;
}

export interface ConsoleFiguresResult {
  readonly controlHistoryP50Ms: number;
  readonly controlHistoryP99Ms: number;
  readonly consoleFirstRenderMs: number;
  readonly blankPageMs: number;
  readonly consoleFirstRenderRatio: number;
}

const CHROMIUM = '/usr/bin/chromium';

/** Why the console figures cannot be measured on this machine, or undefined when they can. */
export function consoleFiguresUnavailable(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium): the console figures need it`;
}
const THOUSAND = 'bench-console-thousand';

/**
 * On the big log, against the built server: a page of `control-history` (the default 100 items)
 * from a random instant of the 10,000-event neighbourhood, which folds every report before it;
 * then, in headless Chromium, the time from navigation to the console's first drawn map of a
 * neighbourhood of 1,000 positions, over the time to load a near-empty page of the same server
 * (GET /health, to its load event), alternating, each in a fresh browser context.
 */
export async function measureConsoleFigures(options: ConsoleFiguresOptions): Promise<ConsoleFiguresResult> {
  const unavailable = consoleFiguresUnavailable();
  if (unavailable !== undefined) throw new Error(unavailable);
  const server = await startServer(options.dataDir);
  try {
    const http = new KeepAliveClient(server.url, { authorization: `Bearer ${BENCH_KEYS.analyst}` });
    const first = await http.get(`/v1/neighbourhoods/${options.mid.place.id}/control-history?limit=1`);
    if (first.status !== 200) throw new Error(`control-history: ${first.status} ${first.body}`);
    const startMs = Date.parse((JSON.parse(first.body) as { from: string }).from);
    const history = async (): Promise<number> => {
      const from = new Date(startMs + Math.random() * (options.mid.lastOccurredAtMs - startMs)).toISOString();
      const started = performance.now();
      const { status, body } = await http.get(`/v1/neighbourhoods/${options.mid.place.id}/control-history?from=${from}`);
      const ms = performance.now() - started;
      if (status !== 200) throw new Error(`control-history?from=${from}: ${status} ${body}`);
      return ms;
    };
    progress(`console: ${options.historyQueries} control-history pages from random instants of ${options.mid.events} events`);
    for (let i = 0; i < 50; i++) await history();
    const latencies: number[] = [];
    for (let i = 0; i < options.historyQueries; i++) latencies.push(await history());

    progress('console: first map of 1,000 positions in headless Chromium, against a near-empty page');
    const registered = await fetch(`${server.url}/v1/neighbourhoods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_KEYS.writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: THOUSAND,
        name: 'A thousand positions',
        city: 'Bench',
        country: 'Syria',
        controlAsOf: '2018-04-16T00:00:00Z',
        positions: Array.from({ length: 1000 }, (_, i) => ({
          id: `p-${i}`,
          name: `Position ${i}`,
          coordinates: [36.28 + (i % 40) * 0.001, 33.47 + Math.floor(i / 40) * 0.001],
          controller: null,
        })),
      }),
    });
    const { position } = (await registered.json()) as { position: number };
    await http.get(`/v1/neighbourhoods/${THOUSAND}/control?minPosition=${position}`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const renders: number[] = [];
      const blanks: number[] = [];
      const page = async (run: (p: import('playwright-core').Page) => Promise<number>): Promise<number> => {
        const context = await browser.newContext();
        // The key as a signed-in analyst's tab holds it.
        await context.addInitScript(`sessionStorage.setItem('incident-timeline.api-key', ${JSON.stringify(BENCH_KEYS.analyst)})`);
        try {
          return await run(await context.newPage());
        } finally {
          await context.close();
        }
      };
      for (let i = 0; i < options.renderRuns + 1; i++) {
        const blank = await page(async (p) => {
          await p.goto(`${server.url}/health`, { waitUntil: 'load' });
          // The page's own timing: navigation start to its load event.
          return p.evaluate(() => (performance as unknown as { getEntriesByType(type: string): { loadEventEnd: number }[] }).getEntriesByType('navigation')[0]!.loadEventEnd);
        });
        const render = await page(async (p) => {
          await p.goto(`${server.url}/console/?neighbourhood=${THOUSAND}`);
          // A function, not a string: the console's policy refuses eval.
          await p.waitForFunction(() => performance.getEntriesByName('console:map-rendered').length > 0, undefined, { timeout: 60_000 });
          return p.evaluate(() => performance.getEntriesByName('console:map-rendered')[0]!.startTime);
        });
        // The first pair warms the server and the browser.
        if (i > 0) {
          blanks.push(blank);
          renders.push(render);
        }
      }
      const consoleFirstRenderMs = median(renders);
      const blankPageMs = median(blanks);
      return {
        controlHistoryP50Ms: round(median(latencies), 3),
        controlHistoryP99Ms: round(quantile(latencies, 0.99), 3),
        consoleFirstRenderMs: round(consoleFirstRenderMs, 1),
        blankPageMs: round(blankPageMs, 1),
        consoleFirstRenderRatio: round(consoleFirstRenderMs / blankPageMs, 2),
      };
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
  }
}
