import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandClient } from './command-client.js';
import { NeighbourhoodScript, Random, type ScriptedRequest, actorBody, commandOf, registrationBody } from './conflict-script.js';
import { startInProcessApp } from './in-process-app.js';
import { median, progress, round, runPool } from './measure.js';
import { type EventShapedRow, RawAppendLoop } from './raw-append-loop.js';
import type { BenchPlace, UcdpMaterial } from './ucdp-material.js';

export interface CommandThroughputOptions {
  readonly material: UcdpMaterial;
  readonly rounds: number;
  readonly serialPerRound: number;
  readonly concurrentPerRound: number;
  readonly concurrency: number;
  readonly neighbourhoods: number;
}

export interface CommandThroughputResult {
  readonly commandsPerSecSerial: number;
  readonly rawAppendsPerSecSerial: number;
  readonly commandsVsRawSerial: number;
  readonly commandsPerSecConcurrent: number;
  readonly concurrentVsRawSerial: number;
  readonly serialRounds: readonly { readonly commands: number; readonly raw: number }[];
  readonly concurrentRounds: readonly number[];
  /** Appends per group commit while 64 commands were in flight. */
  readonly appendsPerGroupCommit: number;
  readonly concurrentLatencyP50Ms: number;
  readonly concurrentLatencyP99Ms: number;
  readonly failedCommands: number;
}

/** Commands start on 2020-01-01, one second apart per neighbourhood: in the past, after the baseline. */
export const LIVE_BASELINE = '2020-01-01T00:00:00Z';

/** Registers the places' belligerents and the places themselves through the command path; returns a script per place. */
export async function registerWorld(client: CommandClient, material: UcdpMaterial, places: readonly BenchPlace[], seed: number): Promise<NeighbourhoodScript[]> {
  const actorIds = new Set(places.flatMap((place) => place.belligerents));
  for (const actor of material.actors) if (actorIds.has(actor.id)) await client.registerActor(actorBody(actor));
  const random = new Random(seed);
  const scripts: NeighbourhoodScript[] = [];
  for (const place of places) {
    await client.registerNeighbourhood(registrationBody(place, LIVE_BASELINE));
    scripts.push(new NeighbourhoodScript(place, material, new Random(random.int(2 ** 31)), Date.parse(LIVE_BASELINE) + 3_600_000, 1_000));
  }
  return scripts;
}

/** Rows shaped like the events the commands record (same scripts, same material), for the raw baseline. */
function eventShapedRows(material: UcdpMaterial, places: readonly BenchPlace[], count: number): EventShapedRow[] {
  const scripts = places.map((place, i) => new NeighbourhoodScript(place, material, new Random(1_000 + i), Date.parse(LIVE_BASELINE) + 3_600_000, 1_000));
  const rows: EventShapedRow[] = [];
  for (let i = 0; rows.length < count; i++) rows.push(eventShapedRow(scripts[i % scripts.length]!.next()));
  return rows;
}

const ROW_METADATA = JSON.stringify({ recordedAt: new Date().toISOString(), recordedBy: 'writer-3fa2b1c4', role: 'writer', requestId: 'bench-1' });

/** The row a request's event would be: its type, its fields as data, a writer's metadata. */
export function eventShapedRow(request: ScriptedRequest): EventShapedRow {
  const { type: _type, ...data } = commandOf(request) as unknown as Record<string, unknown>;
  return { type: eventType(request), data: JSON.stringify(data), metadata: ROW_METADATA };
}

function eventType(request: ScriptedRequest): string {
  return { attacks: 'AttackLaunched', captures: 'PositionCaptured', counterattacks: 'CounterattackLaunched', retreats: 'ForcesRetreated', casualties: 'CasualtiesReported', retractions: 'ReportRetracted' }[request.kind];
}

/**
 * Serial: one command at a time through the CommandBus, round-robin over the neighbourhoods,
 * against the raw loop; rounds alternate so that both see the same machine. Concurrent: 64
 * commands in flight, each on a neighbourhood no other in-flight command touches (so every
 * command is valid when it runs), against the same raw serial figure.
 */
export async function measureCommandThroughput(options: CommandThroughputOptions): Promise<CommandThroughputResult> {
  const root = mkdtempSync(join(tmpdir(), 'bench-commands-'));
  const app = await startInProcessApp(join(root, 'app'));
  const raw = await RawAppendLoop.open(join(root, 'raw'));
  let failed = 0;
  let firstFailure: unknown;
  try {
    const client = new CommandClient(app.bus);
    const places = options.material.places.slice(0, options.neighbourhoods);
    const scripts = await registerWorld(client, options.material, places, 7);
    const rows = eventShapedRows(options.material, places, 500);
    const send = async (script: NeighbourhoodScript): Promise<void> => {
      const request = script.next();
      try {
        const result = await client.incident(request);
        script.recorded(request, result.eventId);
      } catch (error) {
        failed += 1;
        firstFailure ??= error;
      }
    };
    let cursor = 0;
    const serial = async (count: number): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < count; i++) await send(scripts[cursor++ % scripts.length]!);
      return count / ((performance.now() - started) / 1000);
    };
    const busy = new Set<NeighbourhoodScript>();
    const concurrent = async (count: number): Promise<{ rate: number; latencies: number[] }> => {
      const started = performance.now();
      const latencies = await runPool(count, options.concurrency, async () => {
        let script = scripts[cursor++ % scripts.length]!;
        while (busy.has(script)) script = scripts[cursor++ % scripts.length]!;
        busy.add(script);
        try {
          await send(script);
        } finally {
          busy.delete(script);
        }
      });
      return { rate: count / ((performance.now() - started) / 1000), latencies };
    };

    progress(`commands: warming up (${options.neighbourhoods} neighbourhoods registered)`);
    await serial(200);
    raw.run(100, rows);
    await concurrent(500);

    const serialRounds: { commands: number; raw: number }[] = [];
    const concurrentRounds: number[] = [];
    const latencies: number[] = [];
    const groups: number[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const rawRate = raw.run(options.serialPerRound, rows);
      const commandRate = await serial(options.serialPerRound);
      serialRounds.push({ commands: round(commandRate, 1), raw: round(rawRate, 1) });
      app.groupSizes.splice(0);
      const result = await concurrent(options.concurrentPerRound);
      groups.push(...app.groupSizes);
      concurrentRounds.push(round(result.rate, 1));
      latencies.push(...result.latencies);
      progress(`commands: round ${r + 1}/${options.rounds}: serial ${commandRate.toFixed(0)}/s, raw ${rawRate.toFixed(0)}/s, concurrent ${result.rate.toFixed(0)}/s`);
    }
    if (failed > 0) progress(`commands: ${failed} commands failed, the first with: ${String(firstFailure)}`);
    // Ratios are taken round by round, each against the raw loop of its own round (the disk's
    // fsync latency drifts over a run), and the median round is reported.
    return {
      commandsPerSecSerial: round(median(serialRounds.map((r) => r.commands)), 1),
      rawAppendsPerSecSerial: round(median(serialRounds.map((r) => r.raw)), 1),
      commandsVsRawSerial: round(median(serialRounds.map((r) => r.commands / r.raw)), 3),
      commandsPerSecConcurrent: round(median(concurrentRounds), 1),
      concurrentVsRawSerial: round(median(concurrentRounds.map((rate, i) => rate / serialRounds[i]!.raw)), 3),
      serialRounds,
      concurrentRounds,
      appendsPerGroupCommit: round(groups.reduce((a, b) => a + b, 0) / Math.max(1, groups.length), 1),
      concurrentLatencyP50Ms: round(median(latencies), 2),
      concurrentLatencyP99Ms: round(latencies.length ? [...latencies].sort((a, b) => a - b)[Math.ceil(0.99 * latencies.length) - 1]! : Number.NaN, 2),
      failedCommands: failed,
    };
  } finally {
    raw.close();
    await app.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
