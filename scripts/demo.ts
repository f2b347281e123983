/**
 * Loads the Tadamon report into a running server through the HTTP API and prints what it did.
 *
 *   npm run demo                     # server on http://127.0.0.1:3000, keys in ./data/api-keys.json
 *   TIMELINE_URL=http://host:3000 TIMELINE_API_KEY=<admin key> npm run demo
 *
 * Every request carries an Idempotency-Key, so running the demo twice records nothing new.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PLACEHOLDER_DATES, tadamonScenario } from './tadamon-scenario.js';

const baseUrl = (process.env.TIMELINE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');

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
  throw new Error(`no API key: set TIMELINE_API_KEY to an admin key, or run the demo where ${file} is readable`);
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const key = adminKey();
  const health = await fetch(`${baseUrl}/health`).catch((error: unknown) => {
    throw new Error(`cannot reach ${baseUrl}: ${(error as Error).message}. Start the server with npm start`);
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
    print(`  ${outcome.padEnd(16)} ${String(answer.type).padEnd(24)} ${step.summary}`);
  }

  const control = await fetch(
    `${baseUrl}/v1/neighbourhoods/damascus-tadamon/control?asOf=${encodeURIComponent(PLACEHOLDER_DATES.missiles)}&minPosition=${lastPosition}`,
    { headers: { authorization: `Bearer ${key}` } },
  );
  if (control.ok) {
    const answer = (await control.json()) as { majorityController: string | null; shares: Record<string, number> };
    const shares = Object.entries(answer.shares)
      .map(([actor, share]) => `${actor} ${(share * 100).toFixed(0)}%`)
      .join(', ');
    print(`Tadamon on Thursday evening: majority controller ${answer.majorityController ?? 'none'}; ${shares}`);
  }
  print(`Done: ${tadamonScenario.length} commands. Try GET ${baseUrl}/v1/neighbourhoods/damascus-tadamon/timeline`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${(error as Error).message}\n`);
  process.exit(1);
});
