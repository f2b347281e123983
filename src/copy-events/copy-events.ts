import { isDeepStrictEqual } from 'node:util';
import {
  EventIdConflict,
  nonNegativeInteger,
  positiveInteger,
  WrongExpectedRevision,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
} from '../event-store/index.js';

export interface CopyProgress {
  /** `verifying`: comparing what the target already holds; `copying`; `done`. */
  readonly phase: 'verifying' | 'copying' | 'done';
  /** Events in the source when this run started. */
  readonly total: number;
  /** Events found in the target, identical to the source's first ones. */
  readonly present: number;
  /** Events this run appended to the target. */
  readonly copied: number;
  readonly elapsedMs: number;
  /** Events appended per second by this run, since copying started. */
  readonly eventsPerSecond: number;
}

export interface CopyEventsOptions {
  /** Most events to append in this run; a later run continues. Default: all. */
  readonly limit?: number;
  /** Most events per append: consecutive events of one stream go together. Default 100. */
  readonly batchSize?: number;
  readonly onProgress?: (progress: CopyProgress) => void;
  /** Report progress at least every this many events... Default 1000. */
  readonly progressEveryEvents?: number;
  /** ...or every this many milliseconds, whichever comes first. Default 1000. */
  readonly progressEveryMs?: number;
  /** Milliseconds, monotonic. Default `performance.now`. */
  readonly clock?: () => number;
  /** Stops after the append under way; the target stays consistent and a later run continues. */
  readonly signal?: AbortSignal;
}

export interface CopyReport {
  readonly total: number;
  /** Events the target already held (verified identical) before this run. */
  readonly alreadyPresent: number;
  readonly copied: number;
  /** Whether the target now holds every event the source held when the run started. */
  readonly complete: boolean;
}

/** The target holds something the source does not: copying onto it would mix two histories. */
export class TargetDiverges extends Error {
  override readonly name = 'TargetDiverges';
}

/** Something else wrote to the target while copying. Nothing is lost: stop the writer and run again. */
export class TargetChanged extends Error {
  override readonly name = 'TargetChanged';
}

const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_PROGRESS_EVERY_EVENTS = 1000;
const DEFAULT_PROGRESS_EVERY_MS = 1000;

/**
 * Copies the source's log into the target: every event, with its id, its stream and revision,
 * in the source's global order. Positions are the target's own; their order is the source's.
 *
 * - Verify first, write after. The target's log must be exactly the first events of the
 *   source's, event by event (stream, revision, id, type, data, metadata). That is what an
 *   earlier run, finished or interrupted, leaves behind, since it appends in source order.
 *   Anything else is refused with `TargetDiverges` before a single event is written.
 * - Resume from there: the target itself says how far an earlier run got, so a re-run after an
 *   interruption continues, and a re-run after a complete copy appends nothing.
 * - Each append expects the exact revision before its first event (`no_stream` at revision 0).
 *   Revisions are therefore reproduced exactly, and a writer racing on the target is noticed
 *   (`TargetChanged`) instead of interleaved. The event ids make a retried append idempotent.
 */
export async function copyEvents(source: EventStore, target: EventStore, options: CopyEventsOptions = {}): Promise<CopyReport> {
  const limit = options.limit === undefined ? Infinity : nonNegativeInteger(options.limit, 'limit');
  const batchSize = positiveInteger(options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize');
  const clock = options.clock ?? (() => performance.now());
  const progress = progressReporter(options, clock);

  // A snapshot: the events the source holds now. A writer still busy on the source adds events
  // that a later run picks up.
  const total = await count(source.readAll());
  const sourceLog = source.readAll({ maxCount: total })[Symbol.asyncIterator]();
  try {
    const present = await verifyPrefix(sourceLog, target, total, progress);
    const copied = await appendRest(sourceLog, target, { total, present, limit, batchSize, signal: options.signal, progress });
    const report = { total, alreadyPresent: present, copied, complete: present + copied === total };
    progress.report({ phase: 'done', total, present, copied }, true);
    return report;
  } finally {
    await sourceLog.return?.();
  }
}

/** Walks the target's log beside the source's; returns how many events the target holds. */
async function verifyPrefix(
  sourceLog: AsyncIterator<RecordedEvent>,
  target: EventStore,
  total: number,
  progress: ProgressReporter,
): Promise<number> {
  let present = 0;
  progress.report({ phase: 'verifying', total, present, copied: 0 }, true);
  for await (const existing of target.readAll()) {
    const next = await sourceLog.next();
    if (next.done === true) {
      throw new TargetDiverges(
        `the target holds more than the ${total} events of the source, starting with event ${present + 1}: ` +
          `${describeEvent(existing)}; copy-events only fills a target that is empty or holds an earlier copy of this source`,
      );
    }
    const difference = differenceBetween(next.value, existing);
    if (difference !== undefined) {
      throw new TargetDiverges(
        `event ${present + 1} of the target is not event ${present + 1} of the source: ${difference}; ` +
          'copy-events only fills a target that is empty or holds an earlier copy of this source',
      );
    }
    present += 1;
    progress.report({ phase: 'verifying', total, present, copied: 0 });
  }
  return present;
}

interface AppendPlan {
  readonly total: number;
  readonly present: number;
  readonly limit: number;
  readonly batchSize: number;
  readonly signal: AbortSignal | undefined;
  readonly progress: ProgressReporter;
}

async function appendRest(sourceLog: AsyncIterator<RecordedEvent>, target: EventStore, plan: AppendPlan): Promise<number> {
  const { total, present, limit, batchSize, signal, progress } = plan;
  let copied = 0;
  let batch: RecordedEvent[] = [];
  progress.startCopying();
  progress.report({ phase: 'copying', total, present, copied }, true);

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await appendBatch(target, batch);
    copied += batch.length;
    batch = [];
    progress.report({ phase: 'copying', total, present, copied });
  };

  // A function, not an expression: the signal changes while an append is awaited.
  const interrupted = (): boolean => signal?.aborted === true;
  while (copied + batch.length < limit && !interrupted()) {
    const next = await sourceLog.next();
    if (next.done === true) break;
    const event = next.value;
    if (batch.length > 0 && (event.streamId !== batch[0]!.streamId || batch.length >= batchSize)) {
      await flush();
      // Interrupted during that append: stop here. The event in hand is not lost; the next run
      // finds it missing from the target.
      if (interrupted()) return copied;
    }
    batch.push(event);
  }
  await flush();
  return copied;
}

/** Appends consecutive events of one stream at their exact revisions. */
async function appendBatch(target: EventStore, batch: readonly RecordedEvent[]): Promise<void> {
  const first = batch[0]!;
  const last = batch[batch.length - 1]!;
  const expected: ExpectedRevision = first.revision === 0 ? 'no_stream' : first.revision - 1;
  try {
    const result = await target.append(first.streamId, batch.map(toEventToAppend), expected);
    if (result.nextRevision !== last.revision) {
      throw new TargetChanged(
        `stream ${first.streamId} of the target reached revision ${result.nextRevision}, not ${last.revision}`,
      );
    }
  } catch (error) {
    if (error instanceof WrongExpectedRevision) {
      throw new TargetChanged(
        `stream ${first.streamId} of the target is at revision ${error.actual} where the copy expected ${String(expected)}: ` +
          'something else writes to the target; stop it and run copy-events again',
      );
    }
    if (error instanceof EventIdConflict) {
      throw new TargetDiverges(
        `the target already uses event id ${error.eventId} outside stream ${first.streamId}@${first.revision}, ` +
          'where the source has it (the embedded store keeps event ids unique across streams)',
      );
    }
    throw error;
  }
}

function toEventToAppend(event: RecordedEvent): EventToAppend {
  return { eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata };
}

/** What differs between an event of the source and the target's event in its place, if anything. */
export function differenceBetween(source: RecordedEvent, target: RecordedEvent): string | undefined {
  const where = `the source has ${describeEvent(source)}, the target ${describeEvent(target)}`;
  if (source.streamId !== target.streamId || source.revision !== target.revision) return where;
  if (source.eventId !== target.eventId) return `${where}: a different event id`;
  if (source.type !== target.type) return `${where}: type ${target.type} instead of ${source.type}`;
  if (!isDeepStrictEqual(source.data, target.data)) return `${where}: different data`;
  if (!isDeepStrictEqual(source.metadata, target.metadata)) return `${where}: different metadata`;
  return undefined;
}

function describeEvent(event: RecordedEvent): string {
  return `${event.type} ${event.eventId} at ${event.streamId}@${event.revision}`;
}

interface ProgressReporter {
  startCopying(): void;
  report(state: Omit<CopyProgress, 'elapsedMs' | 'eventsPerSecond'>, force?: boolean): void;
}

function progressReporter(options: CopyEventsOptions, clock: () => number): ProgressReporter {
  const sink = options.onProgress;
  const everyEvents = positiveInteger(options.progressEveryEvents ?? DEFAULT_PROGRESS_EVERY_EVENTS, 'progressEveryEvents');
  const everyMs = nonNegativeInteger(options.progressEveryMs ?? DEFAULT_PROGRESS_EVERY_MS, 'progressEveryMs');
  const started = clock();
  let copyStarted = started;
  let lastAt = started;
  let lastCount = -1;
  return {
    startCopying() {
      copyStarted = clock();
    },
    report(state, force = false) {
      if (sink === undefined) return;
      const now = clock();
      const counted = state.present + state.copied;
      if (!force && counted - lastCount < everyEvents && now - lastAt < everyMs) return;
      lastAt = now;
      lastCount = counted;
      const copyingSeconds = (now - copyStarted) / 1000;
      const eventsPerSecond = state.copied > 0 && copyingSeconds > 0 ? Math.round(state.copied / copyingSeconds) : 0;
      // A progress sink that fails must not fail the copy.
      try {
        sink({ ...state, elapsedMs: Math.round(now - started), eventsPerSecond });
      } catch {
        // ignored on purpose
      }
    },
  };
}

async function count(events: AsyncIterable<RecordedEvent>): Promise<number> {
  let counted = 0;
  for await (const event of events) {
    void event;
    counted += 1;
  }
  return counted;
}

