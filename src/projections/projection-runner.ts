import type { LoggerService } from '@nestjs/common';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { RecordedEvent, StorageFailureKind } from '../event-store/index.js';
import { type ReadModelFailure, readModelFailure } from './read-model-failure.js';
import type { ReadModelFile } from './read-model-file.js';
import { type ApplyOutcome, type ReadModelWriter, type ReadModelWriterFactory, ReadModelWriterGone, inThreadWriter } from './read-model-writer.js';
import type { LogSource } from './shared-subscriptions.js';

export type RunnerStatus = 'running' | 'failed' | 'stopped';

export interface ProjectionRunnerOptions {
  /** Most events per transaction. */
  readonly batchSize: number;
  /** Wait before resubscribing after the store failed to deliver. */
  readonly retryDelayMs: number;
  /** At the head, least time between two catch-ups of a writer that follows the log itself (see `SharedSubscriptionsOptions.liveIntervalMs`). */
  readonly liveIntervalMs: number;
  readonly logger: LoggerService;
  /** Where batches are applied; the runner's own thread when omitted. */
  readonly writers?: ReadModelWriterFactory;
  /**
   * Called after every committed batch, and before each (re)subscription, and awaited: the
   * runner takes no further event until it returns. The engine swaps generations from here.
   */
  readonly onCheckpoint: (runner: ProjectionRunner) => void | Promise<void>;
  /** Called once when the runner fails or the store ends its subscription: waiters on it must not wait for nothing. */
  readonly onHalt?: (runner: ProjectionRunner) => void;
  /** Called as a catch-up on the writer's side commits a batch (the runner takes no event meanwhile). */
  readonly onProgress?: (runner: ProjectionRunner) => void;
  /**
   * Called when an error says the file may be damaged (a malformed page, a table missing), and
   * awaited. True: it is; the runner stops, and the engine moves the file aside and rebuilds it.
   * False: the file checks out (the error came from the log it reads); the runner waits and tries
   * again, as after a storage failure. Without it, the runner always waits and tries again.
   */
  readonly onSuspectedDamage?: (runner: ProjectionRunner, reason: string) => Promise<boolean>;
}

/** Retries after a storage failure double from `retryDelayMs` up to this: the read model's own probe of the storage. */
export const MAX_STORAGE_RETRY_DELAY_MS = 5_000;

/** Why the runner is waiting to try again, said once when it began (see `ProjectionRunner.trouble`). */
interface Trouble {
  readonly message: string;
  readonly storage?: StorageFailureKind;
  readonly attempts: number;
}

export interface RunnerFailure {
  readonly message: string;
  /** The event the projection could not apply, when a handler threw. */
  readonly eventId?: string;
  readonly eventType?: string;
  /** Log position of that event, else the checkpoint when the runner gave up. */
  readonly position: number;
}

/**
 * Feeds one generation file from the global log: a catch-up subscription from the file's
 * checkpoint, unfiltered, so that the checkpoint reaches the head even through events the
 * projection ignores.
 */
export class ProjectionRunner {
  private state: RunnerStatus = 'running';
  private failureInfo: RunnerFailure | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private writer: ReadModelWriter | undefined;
  /** See `caughtUpTo`. */
  private reachedHead: number | undefined;
  private troubleInfo: Trouble | undefined;

  constructor(
    readonly file: ReadModelFile,
    private readonly store: LogSource,
    private readonly options: ProjectionRunnerOptions,
  ) {}

  get name(): string {
    return this.file.definition.name;
  }

  get position(): number {
    return this.file.position;
  }

  get status(): RunnerStatus {
    return this.state;
  }

  get failure(): RunnerFailure | undefined {
    return this.failureInfo;
  }

  /**
   * Set while the runner waits to try again: the storage refuses its writes (`storage`), or the
   * log could not be read. Cleared by the next commit, or on reaching the head of the log.
   */
  get trouble(): { readonly message: string; readonly storage?: StorageFailureKind } | undefined {
    return this.troubleInfo;
  }

  /**
   * The head this runner last knew it had reached: the head a catch-up of its writer started
   * from, once that catch-up ended; or the head it had just looked up, for a batch committed at
   * the head. Under a steady stream of commands the current head has always moved on by the
   * time a commit ends, so "caught up" (query indexes to build, a rebuild to swap in) means
   * reaching this, not the current head. Undefined until it first gets there.
   */
  get caughtUpTo(): number | undefined {
    return this.reachedHead;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the subscription, commits the batch in hand, and resolves once nothing more will be written. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.state === 'running') this.state = 'stopped';
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    try {
      this.writer = (this.options.writers ?? inThreadWriter)(this.file);
      while (!this.stopping && this.state === 'running') {
        const batch: RecordedEvent[] = [];
        try {
          await this.consume(batch);
          await this.commit(batch);
          if (!this.stopping && this.state === 'running') {
            // The store ended the subscription by itself: it was closed under us.
            this.options.logger.warn?.(`projection ${this.name}: the event store ended the subscription at position ${this.position}`);
            this.state = 'stopped';
            this.options.onHalt?.(this);
          }
        } catch (caught) {
          // A writer thread that is gone applies nothing more: retrying would only spin.
          if (caught instanceof ReadModelWriterGone) throw caught;
          let error = caught;
          if (readModelFailure(error) === undefined) {
            // Reading the log failed: the events in hand were delivered in order, and keeping
            // them costs nothing. Writing them may fail in turn (a full disk).
            try {
              await this.commit(batch);
            } catch (commitError) {
              if (commitError instanceof ReadModelWriterGone) throw commitError;
              error = commitError;
            }
          }
          // What was not committed is read again from the checkpoint.
          batch.length = 0;
          if (this.stopping || this.state !== 'running') break;
          const failure = readModelFailure(error);
          if (failure?.kind === 'damaged' && (await this.options.onSuspectedDamage?.(this, failure.reason)) === true) {
            this.state = 'stopped';
            break;
          }
          await pause(this.noteTrouble(error, failure), this.abort.signal);
        }
      }
    } catch (error) {
      this.fail(`projection ${this.name} stopped: ${describe(error)}`);
    } finally {
      await this.writer?.close().catch((error: unknown) => {
        this.options.logger.warn?.(`projection ${this.name}: closing its writer failed: ${describe(error)}`);
      });
    }
  }

  private async consume(batch: RecordedEvent[]): Promise<void> {
    await this.options.onCheckpoint(this);
    const writer = this.writer!;
    const waitForHeadPast = this.store.waitForHeadPast;
    if (writer.catchUp !== undefined && waitForHeadPast !== undefined) {
      if (await this.followInWriter(writer, waitForHeadPast)) return;
      // The writer made no progress (its thread is gone, or it cannot read the log): the
      // subscription below takes over, with whatever writer is left.
    }
    let knownHead = await this.store.headPosition();
    await this.buildIndexesLeftAtHead();
    if (this.troubleInfo !== undefined && this.position >= knownHead) this.clearTrouble();
    for await (const events of this.store.subscribe({ after: this.position, signal: this.abort.signal })) {
      for (const event of events) {
        batch.push(event);
        if (batch.length >= this.options.batchSize && !(await this.checkpoint(batch))) return;
      }
      const last = batch.at(-1)?.position;
      // Below the head as last seen: keep filling the batch, so that catching up writes full
      // batches. At the head (looked up again to be sure), commit at once: the shared
      // subscription already hands live events over in runs.
      if (last === undefined || last < knownHead) continue;
      knownHead = await this.store.headPosition();
      if (last < knownHead) continue;
      this.reachedHead = knownHead;
      if (!(await this.checkpoint(batch))) return;
    }
  }

  /**
   * The writer reads the log itself (the embedded store's file, on the writer's thread): it
   * catches up from the checkpoint to the head, and again whenever the head has moved, at most
   * once per live interval. This thread then reads no event and copies none; it only waits
   * for the head to move. True when the runner should stop taking events (it is stopping, it
   * failed, or the store closed); false when the writer could not catch up (its catch-up
   * failed, or left the checkpoint short of the head it started from, which only a writer
   * whose thread is gone does): the subscription takes over.
   */
  private async followInWriter(
    writer: ReadModelWriter,
    waitForHeadPast: (after: number, signal: AbortSignal) => Promise<boolean>,
  ): Promise<boolean> {
    const signal = this.abort.signal;
    const onProgress = (position: number): void => {
      this.file.noteCheckpoint(position);
      this.options.onProgress?.(this);
    };
    for (;;) {
      if (this.stopping || this.state !== 'running') return true;
      await this.buildIndexesLeftAtHead();
      if (this.troubleInfo !== undefined && this.position >= (await this.store.headPosition())) this.clearTrouble();
      // False once stopping, or when the store closed: no more events will come.
      if (!(await waitForHeadPast(this.position, signal))) return true;
      const head = await this.store.headPosition();
      const started = performance.now();
      let outcome: ApplyOutcome;
      try {
        outcome = await writer.catchUp!(onProgress, signal);
      } catch (error) {
        if (error instanceof ReadModelWriterGone) throw error;
        // A full disk or a damaged file: the run loop waits, or has the file healed.
        if (readModelFailure(error) !== undefined) throw error;
        this.options.logger.warn?.(`projection ${this.name}: its writer could not follow the log (${describe(error)}); reading it through the subscription instead`);
        return false;
      }
      if (this.stopping) {
        await this.takeOutcome(outcome);
        return true;
      }
      if (outcome.failure === undefined && outcome.position < head) {
        await this.takeOutcome(outcome);
        return false;
      }
      // Under a steady stream of commands the head has always moved on by the time a
      // catch-up ends; reaching the head it started from is what being caught up means.
      this.reachedHead = head;
      if (!(await this.takeOutcome(outcome))) return true;
      await this.options.onCheckpoint(this);
      // The next catch-up takes what came meanwhile, together.
      const wait = this.options.liveIntervalMs - (performance.now() - started);
      if (wait > 0) await pause(wait, signal);
    }
  }

  /** Commits the batch and lets the engine act on the new checkpoint; false once the runner has failed. */
  private async checkpoint(batch: RecordedEvent[]): Promise<boolean> {
    await this.commit(batch);
    if (this.state !== 'running') return false;
    await this.options.onCheckpoint(this);
    // Catching up runs on microtasks alone (the store pages synchronously): give HTTP and the
    // other projections a turn of the event loop between batches.
    await nextTurn();
    return true;
  }

  /** Commits and empties the batch; on a handler error, commits what preceded it and marks the runner failed. */
  private async commit(batch: RecordedEvent[]): Promise<void> {
    if (batch.length === 0 || this.state === 'failed') return;
    const events = batch.splice(0);
    await this.takeOutcome(await this.writer!.apply(events));
  }

  /** Takes in what the writer committed; false when a handler failed (the runner is then failed). */
  private async takeOutcome(outcome: ApplyOutcome): Promise<boolean> {
    this.file.noteCheckpoint(outcome.position);
    const failure = outcome.failure;
    if (failure !== undefined) {
      this.failureInfo = { message: failure.message, eventId: failure.eventId, eventType: failure.eventType, position: failure.position };
      this.fail(failure.message, failure.stack);
      return false;
    }
    this.clearTrouble();
    await this.buildIndexesIfCaughtUp(outcome.position);
    return true;
  }

  /**
   * Records why the runner waits, saying it once per state (a full disk, a failing one, a log
   * that cannot be read), not once per attempt; returns how long to wait before the next one.
   * A storage failure is retried sooner at first, then every 5 s at most.
   */
  private noteTrouble(error: unknown, failure: ReadModelFailure | undefined): number {
    const storage = failure === undefined ? undefined : failure.kind === 'storage' ? failure.storage : 'unavailable';
    const message = describe(error);
    const previous = this.troubleInfo;
    const same = previous !== undefined && previous.storage === storage && (storage !== undefined || previous.message === message);
    const attempts = same ? previous.attempts + 1 : 1;
    this.troubleInfo = { message, attempts, ...(storage !== undefined && { storage }) };
    const delay =
      storage === undefined
        ? this.options.retryDelayMs
        : Math.min(MAX_STORAGE_RETRY_DELAY_MS, this.options.retryDelayMs * 2 ** Math.min(attempts - 1, 16));
    if (!same) {
      const what =
        storage === 'full'
          ? `storage full (${message}): the read model waits at position ${this.position} and tries again, every 5 s at most, until space is freed`
          : storage === 'unavailable'
            ? `storage unavailable (${message}): the read model waits at position ${this.position} and tries again, every 5 s at most`
            : `reading the log failed at position ${this.position} (${message}): retrying every ${this.options.retryDelayMs} ms until it works`;
      this.options.logger.warn?.(`projection ${this.name}: ${what}`);
    }
    return delay;
  }

  /** The runner got on: said once, if it had been waiting. */
  private clearTrouble(): void {
    const trouble = this.troubleInfo;
    if (trouble === undefined) return;
    this.troubleInfo = undefined;
    const what = trouble.storage !== undefined ? 'storage available again' : 'reading the log works again';
    this.options.logger.log?.(`projection ${this.name}: ${what}; carrying on from position ${this.position}`);
  }

  /**
   * Already at the head with the indexes still to build (nothing new came since the last
   * commit or catch-up, or a stop or crash interrupted the build): nothing else would build
   * them, so they are built before waiting for more events.
   */
  private async buildIndexesLeftAtHead(): Promise<void> {
    if (await this.buildIndexesIfCaughtUp(this.position)) await this.options.onCheckpoint(this);
  }

  /**
   * Caught up for the first time: the indexes that queries seek through are built now, before
   * the engine may swap this generation in (it is told after this returns). True when built.
   */
  private async buildIndexesIfCaughtUp(position: number): Promise<boolean> {
    if (!this.file.indexesPending || this.stopping) return false;
    if (position < (this.reachedHead ?? (await this.store.headPosition()))) return false;
    await this.writer!.createDeferredIndexes();
    this.options.logger.log?.(`projection ${this.name}: caught up at position ${position}; indexes built`);
    return true;
  }

  private fail(message: string, stack?: string): void {
    this.state = 'failed';
    this.failureInfo ??= { message, position: this.position };
    this.options.logger.error(message, stack);
    this.options.onHalt?.(this);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Waits `ms`, or less once `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}
