import type { EventStore } from '../event-store/index.js';
import { COPY_EVENTS_USAGE, parseCopyEventsArgs } from './copy-events.args.js';
import { copyEvents, TargetDiverges, type CopyProgress, type CopyReport } from './copy-events.js';
import { openStore } from './open-store.js';
import { describeStoreAddress, type StoreAddress } from './store-address.js';

export interface CopyEventsCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Interrupts the copy after the append under way (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly cwd?: string;
  readonly clock?: () => number;
  /** Opens a store; tests may substitute. */
  readonly openStore?: (address: StoreAddress, role: 'source' | 'target') => Promise<EventStore>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** `npm run copy-events -- …` in-process: writes through `io` and returns the exit status. */
export async function runCopyEventsCli(argv: readonly string[], io: CopyEventsCliIo): Promise<number> {
  const parsed = parseCopyEventsArgs(argv, io.cwd);
  if (parsed.kind === 'help') {
    io.stdout(`${COPY_EVENTS_USAGE}\n`);
    return EXIT_OK;
  }
  if (parsed.kind === 'usage-error') {
    io.stderr(`copy-events: ${parsed.message}\n\n${COPY_EVENTS_USAGE}\n`);
    return EXIT_USAGE;
  }
  const { from, to, limit, batchSize } = parsed.args;
  const open = io.openStore ?? openStore;
  const opened: EventStore[] = [];
  try {
    const source = await open(from, 'source');
    opened.push(source);
    const target = await open(to, 'target');
    opened.push(target);
    io.stderr(`copy-events: from ${describeStoreAddress(from)} to ${describeStoreAddress(to)}\n`);
    const report = await copyEvents(source, target, {
      ...(limit !== undefined && { limit }),
      ...(batchSize !== undefined && { batchSize }),
      ...(io.signal !== undefined && { signal: io.signal }),
      ...(io.clock !== undefined && { clock: io.clock }),
      onProgress: (progress) => {
        if (progress.phase !== 'done') io.stderr(`copy-events: ${describeProgress(progress)}\n`);
      },
    });
    io.stdout(`${describeReport(report)}\n`);
    return !report.complete && io.signal?.aborted === true ? EXIT_INTERRUPTED : EXIT_OK;
  } catch (error) {
    const verdict = error instanceof TargetDiverges ? 'refused' : 'failed';
    io.stderr(`copy-events: ${verdict}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  } finally {
    await Promise.allSettled(opened.map((store) => store.close()));
  }
}

export function describeProgress(progress: CopyProgress): string {
  const { phase, total, present, copied, eventsPerSecond } = progress;
  if (phase === 'verifying') return `verifying the target: ${present} of ${total} events already there`;
  const held = present + copied;
  const percent = total === 0 ? 100 : Math.floor((held / total) * 100);
  return `copied ${copied} events, target holds ${held}/${total} (${percent}%), ${eventsPerSecond} events/s`;
}

export function describeReport(report: CopyReport): string {
  const { total, alreadyPresent, copied, complete } = report;
  const held = alreadyPresent + copied;
  if (complete && copied === 0) return `nothing to copy: the target already holds all ${total} events of the source`;
  if (complete) return `copied ${copied} events; the target now holds all ${total} events of the source`;
  return `copied ${copied} events; the target holds ${held} of the ${total} events of the source: run again to continue`;
}
