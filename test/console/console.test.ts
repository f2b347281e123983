import type { Browser, Page } from 'playwright-core';
import { PLACEHOLDER_DATES as T, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import {
  BIG_NEIGHBOURHOOD,
  BIG_POSITIONS,
  type ConsoleServer,
  launchChromium,
  openPage,
  ready,
  screenshot,
  signIn,
  startConsoleServer,
  submitKey,
} from './console-harness.js';

/*
 * The analyst console in Debian's Chromium, against the built server with the Tadamon demo: a
 * person signs in, opens Tadamon, moves the slider to Wednesday night and reads who holds the
 * bakery blocks, switches to Amaq's account, confirms a report as an editor, follows a copied
 * link, and opens a neighbourhood of 1,000 positions. No page may log an error or a warning.
 */
const AMAQ = 'Amaq (أعماق)';
const WEDNESDAY_NIGHT = '2018-04-18T23:30:00.000Z';
const TADAMON = 'damascus-tadamon';

describe('the analyst console in a browser', () => {
  const STEP_MS = 60_000;
  let app: ConsoleServer;
  let browser: Browser;
  const problemsOf = new Map<Page, string[]>();

  beforeAll(async () => {
    const [server, chromium] = await Promise.allSettled([startConsoleServer(), launchChromium()]);
    if (server.status === 'fulfilled') app = server.value;
    if (chromium.status === 'fulfilled') browser = chromium.value;
    if (server.status === 'rejected') throw server.reason;
    if (chromium.status === 'rejected') throw chromium.reason;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function newPage(): Promise<Page> {
    const { page, problems } = await openPage(browser);
    problemsOf.set(page, problems);
    return page;
  }

  /** Every page a test opened logged nothing wrong. */
  afterEach(async () => {
    const problems = [...problemsOf.values()].flat();
    for (const page of problemsOf.keys()) await page.context().close();
    problemsOf.clear();
    expect(problems).toEqual([]);
  });

  const controllerOf = (page: Page, position: string) => page.locator(`#position-rows tr[data-position="${position}"] .controller`).getAttribute('data-actor');
  const sliderTo = async (page: Page, iso: string) => {
    await page.locator('#as-of-slider').fill(String(Date.parse(iso)));
    await ready(page);
  };

  it('asks for a key at /console, then lists the neighbourhoods, sortable from the keyboard', async () => {
    const page = await newPage();
    const answer = await page.goto(`${app.url}/console`);
    // /console redirected to /console/ (308), under a policy without inline scripts or https upgrades.
    expect(new URL(page.url()).pathname).toBe('/console/');
    const policy = (await answer!.allHeaders())['content-security-policy']!;
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('upgrade-insecure-requests');
    expect(await page.locator('script:not([src])').count()).toBe(0);
    await expect(page.locator('#sign-in').isVisible()).resolves.toBe(true);
    await signIn(page, 'analyst');
    const rows = page.locator('#neighbourhood-rows tr');
    expect(await rows.count()).toBe(5);
    const tadamon = page.locator(`#neighbourhood-rows tr[data-neighbourhood="${TADAMON}"]`);
    await expect(tadamon.locator('th').innerText()).resolves.toContain('حي التضامن');
    expect(await tadamon.locator('bdi[lang="ar"]').getAttribute('dir')).toBe('rtl');
    // Sort by contested positions, descending, with the keyboard only.
    await page.locator('button[data-sort="contested"]').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('th:has(button[data-sort="contested"])').getAttribute('aria-sort')).toBe('ascending');
    await page.keyboard.press('Enter');
    expect(await page.locator('th:has(button[data-sort="contested"])').getAttribute('aria-sort')).toBe('descending');
    const byName = await rows.locator('th').allInnerTexts();
    await page.locator('button[data-sort="name"]').focus();
    await page.keyboard.press('Enter');
    const sorted = await rows.locator('th').allInnerTexts();
    expect(sorted).toEqual([...byName].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    // The key is in this tab's session storage, and nowhere in the address.
    expect(page.url()).not.toContain('console-analyst');
    await screenshot(page, 'neighbourhoods');
  }, STEP_MS);

  it('moves the slider to Wednesday night and reads who holds the bakery blocks', async () => {
    const page = await newPage();
    await page.goto(`${app.url}/console/`);
    await signIn(page, 'analyst');
    await page.locator(`#neighbourhood-rows tr[data-neighbourhood="${TADAMON}"] a`).click();
    await ready(page);
    await expect(page.locator('#nb-name-ar').getAttribute('dir')).resolves.toBe('rtl');
    // At the end of the span (Thursday evening), ISIS holds the bakery blocks again.
    expect(await controllerOf(page, P.bakery1)).toBe('isis');
    await sliderTo(page, WEDNESDAY_NIGHT);
    expect(await controllerOf(page, P.bakery1)).toBe('syrian-regime');
    expect(await controllerOf(page, P.bakery2)).toBe('syrian-regime');
    await expect(page.locator(`#position-rows tr[data-position="${P.bakery1}"]`).innerText()).resolves.toContain('Syrian government forces');
    // The map says the same, in a label.
    await expect(page.locator('.leaflet-tooltip', { hasText: 'Abu Turabi bakery, north block' }).innerText()).resolves.toContain('Syrian government forces');
    expect(new URL(page.url()).searchParams.get('asOf')).toBe(WEDNESDAY_NIGHT);
    await expect(page.locator('#as-of-text').inputValue()).resolves.toBe('2018-04-18 23:30');
    await expect(page.locator('#as-of-local').innerText()).resolves.toContain('02:30, 19 Apr 2018 Damascus time');
    // "]" steps to the next event: the regime's withdrawal at 04:00 on Thursday gives them back.
    await page.locator('#as-of-slider').focus();
    await page.keyboard.press(']');
    await ready(page);
    expect(new URL(page.url()).searchParams.get('asOf')).toBe(new Date(T.withdrawal).toISOString());
    expect(await controllerOf(page, P.bakery1)).toBe('isis');
    await page.keyboard.press('[');
    await ready(page);
    expect(await controllerOf(page, P.bakery1)).toBe('syrian-regime');
    await screenshot(page, 'tadamon-wednesday-night');
    // Play steps through the events until paused, from the keyboard too.
    await page.locator('#play').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('#play').getAttribute('aria-pressed')).toBe('true');
    await page.waitForURL((url) => url.searchParams.get('asOf') === new Date(T.withdrawal).toISOString());
    await page.keyboard.press('Enter');
    expect(await page.locator('#play').getAttribute('aria-pressed')).toBe('false');
    await expect(page.locator('#play').innerText()).resolves.toBe('Play');
    await ready(page);
  }, STEP_MS);

  it("switches to Amaq's account and sees the difference", async () => {
    const page = await newPage();
    await page.goto(`${app.url}/console/?neighbourhood=${TADAMON}&asOf=${WEDNESDAY_NIGHT}`);
    await signIn(page, 'analyst');
    expect(await controllerOf(page, P.bakery1)).toBe('syrian-regime');
    const before = await page.locator('#summary-text').innerText();
    await page.selectOption('#source', AMAQ);
    await ready(page);
    expect(new URL(page.url()).searchParams.get('source')).toBe(AMAQ);
    // Amaq never reported the regime's retaking of the bakery: in its account ISIS holds it.
    expect(await controllerOf(page, P.bakery1)).toBe('isis');
    expect(await controllerOf(page, P.bakery2)).toBe('isis');
    const after = await page.locator('#summary-text').innerText();
    expect(after).not.toBe(before);
    expect(after).toContain(`reports citing ${AMAQ}`);
    // The timeline shows Amaq's reports only, each citing it.
    const reports = page.locator('#timeline-list li.report');
    expect(await reports.count()).toBeGreaterThan(0);
    for (const text of await reports.locator('.sources').allInnerTexts()) expect(text).toContain(AMAQ);
    await screenshot(page, 'tadamon-amaq');
  }, STEP_MS);

  it('shows a conflicting claim beside the accepted report it contradicts', async () => {
    const page = await newPage();
    await page.goto(`${app.url}/console/?neighbourhood=${TADAMON}`);
    await signIn(page, 'analyst');
    const claim = page.locator(`#timeline-list li[data-event-id="${app.ids['handover-claim']}"]`);
    await expect(claim.getAttribute('data-standing')).resolves.toBe('conflicting');
    const contradicted = claim.locator(`.contradicted .contradicted-report[data-event-id="${app.ids['withdrawal']}"]`);
    await contradicted.locator('.says').waitFor();
    await expect(contradicted.innerText()).resolves.toContain('withdraws from');
    await expect(contradicted.locator('.badge.standing').innerText()).resolves.toMatch(/accepted/i);
    await expect(claim.locator('.claim-side').first().innerText()).resolves.toContain('National Defence Forces');
  }, STEP_MS);

  it('confirms a report as an editor, with a reason, and the badge changes', async () => {
    const page = await newPage();
    await page.goto(`${app.url}/console/?neighbourhood=${TADAMON}`);
    await signIn(page, 'editor');
    const report = page.locator(`#timeline-list li[data-event-id="${app.ids['amaq-claim']}"]`);
    await expect(report.locator('.badge.status').innerText()).resolves.toMatch(/unverified/i);
    await report.locator('button.assess-confirmed').click();
    await page.keyboard.type('Seen in footage from the bakery.');
    await report.locator('form.assess-form button[type="submit"]').click();
    const confirmed = page.locator(`#timeline-list li[data-event-id="${app.ids['amaq-claim']}"][data-status="confirmed"]`);
    await confirmed.waitFor();
    await expect(confirmed.locator('.badge.status').innerText()).resolves.toMatch(/confirmed/i);
    await expect(confirmed.locator('.assessments').innerText()).resolves.toContain('Seen in footage from the bakery.');
    await screenshot(page, 'tadamon-confirmed');
    // An analyst is offered no assessment.
    const analyst = await newPage();
    await analyst.goto(`${app.url}/console/?neighbourhood=${TADAMON}`);
    await signIn(analyst, 'analyst');
    expect(await analyst.locator('#timeline-list button.assess-confirmed').count()).toBe(0);
  }, STEP_MS);

  it('follows a copied link to the same view, after asking for a key', async () => {
    const page = await newPage();
    await page.goto(`${app.url}/console/?neighbourhood=${TADAMON}`);
    await signIn(page, 'analyst');
    await sliderTo(page, WEDNESDAY_NIGHT);
    await page.selectOption('#min-reliability', 'D');
    await ready(page);
    await page.fill('#known-at', '2030-01-01 00:00');
    await page.press('#known-at', 'Enter');
    await ready(page);
    const link = page.url();
    expect(new URL(link).searchParams.get('knownAt')).toBe('2030-01-01T00:00:00.000Z');
    const shown = {
      summary: await page.locator('#summary-text').innerText(),
      positions: await page.locator('#position-rows').innerText(),
      slider: await page.locator('#as-of-slider').inputValue(),
    };
    // Another browser context: no key stored.
    const other = await newPage();
    await other.goto(link);
    await signIn(other, 'analyst');
    expect(other.url()).toBe(link);
    expect({
      summary: await other.locator('#summary-text').innerText(),
      positions: await other.locator('#position-rows').innerText(),
      slider: await other.locator('#as-of-slider').inputValue(),
    }).toEqual(shown);
    await expect(other.locator('#min-reliability').inputValue()).resolves.toBe('D');
    await expect(other.locator('#known-at').inputValue()).resolves.toBe('2030-01-01 00:00');
  }, STEP_MS);

  it('keeps the chart and the steps when the instant moves while the map waits for a slow answer', async () => {
    const page = await newPage();
    let answered = 0;
    await page.route(/\/v1\/neighbourhoods\/[^/]+\/control(\?|$)/, async (route) => {
      if (answered++ === 0) await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    await page.goto(`${app.url}/console/?neighbourhood=${TADAMON}`);
    await submitKey(page, 'analyst');
    // The registration is in (the slider has its span), the first control answer is not: step back.
    await page.waitForFunction(() => Number((globalThis as any).document.querySelector('#as-of-slider').max) > 1);
    await page.keyboard.press('[');
    await ready(page);
    await page.locator('#chart[data-points]').waitFor({ state: 'attached' });
    expect(Number(await page.locator('#chart').getAttribute('data-points'))).toBeGreaterThan(1);
    // Stepped back before any event was known: to the start, with the events ahead to step to.
    await expect(page.locator('#next-event').isDisabled()).resolves.toBe(false);
  }, STEP_MS);

  it('is no longer busy once the view has failed, and says why', async () => {
    const page = await newPage();
    await page.route(/\/v1\/neighbourhoods\/[^/]+\/control(\?|$)/, (route) =>
      route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ code: 'VALIDATION_FAILED', message: 'Validation failed for asOf' }) }),
    );
    await page.goto(`${app.url}/console/?neighbourhood=${TADAMON}`);
    await submitKey(page, 'analyst');
    await page.locator('#alert').waitFor({ state: 'visible' });
    await expect(page.locator('#alert').innerText()).resolves.toBe('Validation failed for asOf (VALIDATION_FAILED)');
    await page.locator('#neighbourhood-view[aria-busy="true"]').waitFor({ state: 'detached', timeout: 5_000 });
    // The browser logs the refused request, and nothing else went wrong.
    const problems = problemsOf.get(page)!;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.filter((problem) => !problem.includes('status of 400'))).toEqual([]);
    problems.length = 0;
  }, STEP_MS);

  it('names no local time in a browser that does not know the zone', async () => {
    const page = await newPage();
    // An older browser's time-zone data, without Damascus.
    await page.context().addInitScript(() => {
      const Known = Intl.DateTimeFormat;
      const refusing = function (locales?: string | string[], options?: Intl.DateTimeFormatOptions) {
        if (options?.timeZone === 'Asia/Damascus') throw new RangeError('Invalid time zone specified: Asia/Damascus');
        return new Known(locales, options);
      };
      (Intl as { DateTimeFormat: unknown }).DateTimeFormat = refusing;
    });
    await page.goto(`${app.url}/console/?neighbourhood=${TADAMON}`);
    await signIn(page, 'analyst');
    await page.locator('#timeline-list li.report').first().waitFor({ state: 'attached' });
    await expect(page.locator('#nb-place').innerText()).resolves.not.toContain('local time');
    await expect(page.locator('#as-of-local').innerText()).resolves.toBe('');
    expect(await page.locator('#timeline-list .local-time').count()).toBe(0);
    await expect(page.locator('#summary-text').innerText()).resolves.not.toContain('Damascus time');
  }, STEP_MS);

  it('renders a neighbourhood of 1,000 positions', async () => {
    const page = await newPage();
    await page.goto(`${app.url}/console/?neighbourhood=${BIG_NEIGHBOURHOOD}`);
    await signIn(page, 'analyst');
    await expect(page.locator('#map').getAttribute('data-rendered-positions')).resolves.toBe(String(BIG_POSITIONS));
    // Beyond forty positions the markers are drawn on one canvas, not as an element each.
    await expect(page.locator('#map').getAttribute('data-renderer')).resolves.toBe('canvas');
    expect(await page.locator('#map path.leaflet-interactive').count()).toBe(0);
    // The canvas is painted on the next frame: wait for a thousand markers' worth of pixels.
    const painted = await page.waitForFunction((minimum) => {
      // In the page: this file is compiled without the DOM's types.
      const canvas = (globalThis as any).document.querySelector('#map .leaflet-overlay-pane canvas');
      if (canvas === null) return false;
      const pixels: Uint8ClampedArray = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha] !== 0) count += 1;
      return count > minimum ? count : false;
    }, BIG_POSITIONS * 20);
    expect(await painted.jsonValue()).toBeGreaterThan(BIG_POSITIONS * 20);
    await screenshot(page, 'thousand-positions');
    // A row of the table opens its marker's label on the canvas.
    await page.locator('#position-rows tr[data-position="p-500"]').click();
    await expect(page.locator('.leaflet-tooltip').innerText()).resolves.toContain('Position 500');
    expect(await page.locator('#position-rows tr').count()).toBe(BIG_POSITIONS);
    const rendered = await page.evaluate(() => performance.getEntriesByName('console:map-rendered').length);
    expect(rendered).toBe(1);
  }, STEP_MS);
});
