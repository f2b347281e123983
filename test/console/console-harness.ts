/**
 * What the console's browser tests share: the built server as a child process on a loopback
 * port with a temporary data directory, the Tadamon demo and a 1,000-position neighbourhood
 * loaded through the API, and Debian's Chromium (/usr/bin/chromium) driven by playwright-core.
 * No browser is ever downloaded: without /usr/bin/chromium the tests fail, saying so (CI
 * installs the `chromium` package first, see .ci/run).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { tadamonScenario } from '../../scripts/tadamon-scenario.js';
import { type ServerProcess, startServer, temporaryDataDir } from '../e2e/server-process.js';

export const CHROMIUM = '/usr/bin/chromium';

export const CONSOLE_KEYS = {
  writer: 'console-writer-7Qm2Xv9Lk4Rt8Wz1',
  analyst: 'console-analyst-3Hn6Pc1Jd5Yb0Vs7',
  editor: 'console-editor-5Tr8Nb2Kq6Wd1Za4',
  admin: 'console-admin-9Fg4Tk8Mw2Qe6Ux3',
} as const;
export type ConsoleRole = keyof typeof CONSOLE_KEYS;

/**
 * Where screenshots go: CONSOLE_SCREENSHOTS when set (docs/screenshots refreshes the README's
 * picture), else the temporary folder the README names.
 */
export const SCREENSHOTS = resolve(process.env.CONSOLE_SCREENSHOTS ?? join(tmpdir(), 'incident-timeline-console-screenshots'));

export const BIG_NEIGHBOURHOOD = 'console-test-thousand';
export const BIG_POSITIONS = 1000;

export interface ConsoleServer {
  readonly server: ServerProcess;
  readonly url: string;
  /** Event ids of the demo's steps, by label. */
  readonly ids: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

async function call(url: string, method: string, path: string, role: ConsoleRole, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${CONSOLE_KEYS[role]}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Starts the built server, loads the demo and a neighbourhood of 1,000 located positions. */
export async function startConsoleServer(env: Record<string, string> = {}): Promise<ConsoleServer> {
  const data = temporaryDataDir();
  const server = await startServer({
    dataDir: data.dir,
    env: { TIMELINE_API_KEYS: Object.entries(CONSOLE_KEYS).map(([role, key]) => `${role}:${key}`).join(','), ...env },
  });
  try {
    const ids: Record<string, string> = {};
    let position = 0;
    for (const step of tadamonScenario) {
      const answer = await call(server.url, 'POST', step.path, step.role ?? 'writer', step.body(ids));
      if (answer.status !== 201) throw new Error(`demo step ${step.label}: ${answer.status} ${JSON.stringify(answer.body)}`);
      ids[step.label] = answer.body.eventId;
      position = Math.max(position, answer.body.position);
    }
    const registered = await call(server.url, 'POST', '/v1/neighbourhoods', 'writer', {
      id: BIG_NEIGHBOURHOOD,
      name: 'A thousand positions',
      nameAr: 'ألف موقع',
      city: 'Damascus',
      country: 'Syria',
      controlAsOf: '2018-04-16T00:00:00Z',
      positions: Array.from({ length: BIG_POSITIONS }, (_, i) => ({
        id: `p-${i}`,
        name: `Position ${i}`,
        weight: 1 + (i % 3),
        coordinates: [36.28 + (i % 40) * 0.001, 33.47 + Math.floor(i / 40) * 0.001],
        controller: i % 2 === 0 ? 'isis' : 'syrian-regime',
      })),
    });
    if (registered.status !== 201) throw new Error(`registering ${BIG_NEIGHBOURHOOD}: ${registered.status} ${JSON.stringify(registered.body)}`);
    position = Math.max(position, registered.body.position);
    // The read models have everything before a page asks.
    const caughtUp = await call(server.url, 'GET', `/v1/neighbourhoods/${BIG_NEIGHBOURHOOD}/control?minPosition=${position}`, 'analyst');
    if (caughtUp.status !== 200) throw new Error(`read models: ${caughtUp.status} ${JSON.stringify(caughtUp.body)}`);
    return {
      server,
      url: server.url,
      ids,
      stop: async () => {
        await server.kill();
        data.remove();
      },
    };
  } catch (error) {
    await server.kill();
    data.remove();
    throw error;
  }
}

/**
 * One Chromium for a test file. playwright-core starts it with a fresh user-data directory of its
 * own (removed when it closes); each test opens its own contexts in it.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium); .ci/run does so`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page in a fresh context (its own sessionStorage), noting every console error and uncaught exception. */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1100 }, locale: 'en-GB', timezoneId: 'America/New_York' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

/** Gives a page that asks for a key the role's key, without waiting for the view. */
export async function submitKey(page: Page, role: ConsoleRole): Promise<void> {
  await page.locator('#sign-in').waitFor({ state: 'visible' });
  await page.fill('#api-key', CONSOLE_KEYS[role]);
  await page.press('#api-key', 'Enter');
}

/** Signs in on a page that asks for a key, and waits for the view to be shown. */
export async function signIn(page: Page, role: ConsoleRole): Promise<void> {
  await submitKey(page, role);
  await ready(page);
}

/** Waits until the view the address names is drawn (locators: the page's policy refuses eval). */
export async function ready(page: Page): Promise<void> {
  await page.locator('main[data-ready="yes"]').waitFor({ state: 'attached' });
  await page.locator('#neighbourhood-view[aria-busy="true"]').waitFor({ state: 'detached' });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
