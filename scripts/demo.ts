/**
 * Loads the Tadamon report into a running server through the HTTP API and prints what it did,
 * then how control of Tadamon stands in the accepted timeline, according to each outlet, and
 * counting confirmed reports only.
 *
 *   npm run demo                          # the server of `npm start`, keys in ./data/api-keys.json
 *   PORT=3917 npm run demo                # a server started with PORT=3917 (HOST is honoured too)
 *   TIMELINE_URL=http://host:3000 TIMELINE_API_KEY=<admin key> npm run demo
 *
 * Every request carries an Idempotency-Key, so running the demo twice records nothing new.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PLACEHOLDER_DATES, tadamonScenario } from './tadamon-scenario.js';

/** The server's address: TIMELINE_URL, else the PORT and HOST the server itself reads. */
function serverUrl(): string {
  if (process.env.TIMELINE_URL) return process.env.TIMELINE_URL.replace(/\/$/, '');
  const host = process.env.HOST && process.env.HOST !== '0.0.0.0' && process.env.HOST !== '::' ? process.env.HOST : '127.0.0.1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${process.env.PORT || '3000'}`;
}

const baseUrl = serverUrl();

function adminKey(): string {
  if (process.env.TIMELINE_API_KEY) return process.env.TIMELINE_API_KEY;
  const file = join(resolve(process.env.TIMELINE_DATA_DIR ?? './data'), 'api-keys.json');
  try {
    const content = JSON.parse(readFileSync(file, 'utf8')) as { keys?: { role: string; key: string }[] };
    const key = content.keys?.find((k) => k.role === 'admin')?.key;
    if (typeof key === 'string') return key;
  } catch {
    // fall through to the message below
  }
  throw new Error(`no API key: set TIMELINE_API_KEY to an admin key, or run the demo where ${file} is readable (TIMELINE_DATA_DIR)`);
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface ControlAnswer {
  readonly majorityController: string | null;
  readonly shares: Record<string, number>;
  readonly skipped?: readonly unknown[];
}

async function main(): Promise<void> {
  const key = adminKey();
  const health = await fetch(`${baseUrl}/health`).catch((error: unknown) => {
    throw new Error(
      `cannot reach the server at ${baseUrl} (${(error as Error).message}). Start it with npm start, or point the demo at it ` +
        'with PORT (and HOST) as the server was started, or TIMELINE_URL=http://host:port',
    );
  });
  if (!health.ok) throw new Error(`${baseUrl}/health answered ${health.status}`);

  print(`Loading the Tadamon report into ${baseUrl} (calendar dates are placeholders: the report gives weekdays)`);
  const eventIds: Record<string, string> = {};
  let lastPosition = 0;
  for (const step of tadamonScenario) {
    const response = await fetch(`${baseUrl}${step.path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': `tadamon-demo-${step.label}`,
      },
      body: JSON.stringify(step.body(eventIds)),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (!response.ok) {
      throw new Error(`${step.summary}: ${response.status} ${String(answer.code)}: ${String(answer.message)}`);
    }
    eventIds[step.label] = String(answer.eventId);
    lastPosition = Math.max(lastPosition, Number(answer.position));
    const outcome = response.status === 201 ? 'recorded' : 'already recorded';
    const standing = (answer.assessed as { standing?: string } | undefined)?.standing ?? answer.standing;
    print(`  ${outcome.padEnd(16)} ${String(answer.type).padEnd(22)} ${String(standing ?? '').padEnd(13)} ${step.summary}`);
  }

  const views: readonly [string, string][] = [
    ['accepted timeline', ''],
    ['field sources', '&source=field%20sources'],
    ['Amaq', `&source=${encodeURIComponent('Amaq (أعماق)')}`],
    ['Damascus Now', `&source=${encodeURIComponent('Damascus Now (دمشق الآن)')}`],
    ['confirmed reports only', '&status=confirmed'],
    ['every claim, conflicting too', '&claims=all'],
  ];
  print(`\nTadamon on Thursday evening (${PLACEHOLDER_DATES.missiles}), according to whom:`);
  for (const [label, parameters] of views) {
    const control = await fetch(
      `${baseUrl}/v1/neighbourhoods/damascus-tadamon/control?asOf=${encodeURIComponent(PLACEHOLDER_DATES.missiles)}&minPosition=${lastPosition}${parameters}`,
      { headers: { authorization: `Bearer ${key}` } },
    );
    if (!control.ok) throw new Error(`control (${label}) answered ${control.status}`);
    const answer = (await control.json()) as ControlAnswer;
    const shares = Object.entries(answer.shares)
      .sort(([, a], [, b]) => b - a)
      .map(([actor, share]) => `${actor} ${(share * 100).toFixed(0)}%`)
      .join(', ');
    const skipped = answer.skipped !== undefined && answer.skipped.length > 0 ? ` (${answer.skipped.length} report(s) could not apply)` : '';
    print(`  ${label.padEnd(30)} majority ${(answer.majorityController ?? 'none').padEnd(14)} ${shares}${skipped}`);
  }
  print(`\nDone: ${tadamonScenario.length} commands. Try GET ${baseUrl}/v1/neighbourhoods/damascus-tadamon/timeline?standing=conflicting`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${(error as Error).message}\n`);
  process.exit(1);
});
