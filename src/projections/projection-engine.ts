import { Logger, type LoggerService } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { ApplicationError } from '../application/application-error.js';
import type { EventStore, StorageFailureKind } from '../event-store/index.js';
import type { ReadModelDeclaration } from './read-model.js';
import { MAX_STORAGE_RETRY_DELAY_MS, ProjectionRunner, type RunnerFailure } from './projection-runner.js';
import { type ProjectionManifest, ReadModelDirectory, ReadModelManifestDamaged } from './read-model-directory.js';
import { readModelFailure } from './read-model-failure.js';
import { ReadModelDamaged, ReadModelFile } from './read-model-file.js';
import { type PageCheck, type PageCheckOutcome, checkPages } from './read-model-page-check.js';
import type { ReadModelWriterFactory } from './read-model-writer.js';
import { SharedSubscriptions } from './shared-subscriptions.js';

export const DEFAULT_BATCH_SIZE = 10_000;
/**
 * Live events that follow one another within this many ms are read and applied together: one
 * read of the log and one transaction per read model per interval under a steady stream of
 * commands, instead of one per event. It bounds how much later than the first event of a
 * burst a read model shows it.
 */
export const DEFAULT_LIVE_INTERVAL_MS = 25;
/** Events a shared subscription reads ahead of its slowest runner (each runner's batch holds the rest). */
const READ_AHEAD_EVENTS = 2_000;
/** Events a shared subscription keeps for runners that subscribe a moment after the others. */
const RETAINED_EVENTS = 1_000;
/** API.md: a query waits up to 5 s for `minPosition`. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5_000;
const DEFAULT_RETRY_DELAY_MS = 1_000;
const RETRY_AFTER_LAGGING_SECONDS = 1;
const RETRY_AFTER_FAILED_SECONDS = 30;
/** A read model rebuilt from the log after damage: how soon a client may ask again. */
const RETRY_AFTER_REBUILDING_SECONDS = 5;
/** A read model whose file cannot be read for now (an I/O error): its storage is tried again within 5 s. */
const RETRY_AFTER_STORAGE_SECONDS = 5;

export interface ProjectionEngineOptions {
  /** Where the generation files and manifests live, e.g. `<dataDir>/read-models`. */
  readonly directory: string;
  readonly batchSize?: number;
  readonly waitTimeoutMs?: number;
  readonly retryDelayMs?: number;
  /** See DEFAULT_LIVE_INTERVAL_MS. */
  readonly liveIntervalMs?: number;
  readonly logger?: LoggerService;
  /** Where batches are applied (see `defaultReadModelWriters`); the engine's own thread when omitted. */
  readonly writers?: ReadModelWriterFactory;
}

export type ProjectionState = 'running' | 'rebuilding' | 'failed' | 'stopped';

export interface ProjectionStatus {
  readonly name: string;
  /** Version of the live generation: the one queries read. */
  readonly version: number;
  readonly generation: number;
  /** Log position the live generation reflects. */
  readonly position: number;
  readonly headPosition: number;
  readonly lag: number;
  readonly status: ProjectionState;
  /**
   * Whether the live generation has its query indexes (see `ReadModelDeclaration.indexes`).
   * False through a first build, from position 0 until they are built once it reaches the
   * head (it answers meanwhile, by scanning), and while no generation is live.
   */
  readonly indexesBuilt: boolean;
  readonly error?: RunnerFailure;
  readonly rebuild?: {
    readonly generation: number;
    readonly version: number;
    readonly position: number;
    readonly status: 'running' | 'failed' | 'stopped';
    readonly error?: RunnerFailure;
  };
}

export interface ReadModelsHealth {
  readonly status: 'ok' | 'unavailable';
  readonly projections: readonly {
    readonly name: string;
    readonly status: ProjectionState;
    readonly position: number;
    /** False while it has no copy that can answer queries: its file was damaged, and it is being rebuilt from the log. */
    readonly usable: boolean;
    /** The storage refuses its writes (`full`, `unavailable`): it waits, and tries again. */
    readonly storage?: StorageFailureKind;
    readonly error?: string;
  }[];
}

export interface RebuildTicket {
  readonly name: string;
  /** The generation being built beside the live one. */
  readonly generation: number;
  readonly version: number;
  /** True when a rebuild was already under way; nothing new was started. */
  readonly alreadyRunning: boolean;
  /** Settles when the new generation has replaced the live one (rejects if the rebuild fails or the engine stops). */
  readonly swapped: Promise<void>;
}

/** What a query reads: the live generation's connection and the log position it reflects. */
export interface ReadModelView {
  readonly db: Database.Database;
  readonly position: number;
}

export class UnknownProjectionError extends Error {
  override readonly name = 'UnknownProjectionError';
  constructor(readonly projection: string) {
    super(`no projection named ${projection}`);
  }
}

interface Generation {
  readonly number: number;
  readonly file: ReadModelFile;
  runner?: ProjectionRunner;
}

interface Rebuild {
  readonly generation: Generation;
  readonly swapped: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly definition: ReadModelDeclaration;
  /** Undefined while the read model has no usable copy: its live file was damaged, and a rebuild replaces it. */
  live?: Generation;
  rebuild?: Rebuild;
  /** Re-checked whenever the live position, generation or health changes. */
  readonly waiters: Set<() => void>;
}

type EngineState = 'created' | 'started' | 'stopping' | 'stopped';

/**
 * Runs every projection on the durable log and serves their live generations to queries.
 *
 * Generations: each projection has one live SQLite file. A version bump, or an explicit
 * rebuild, builds a new generation beside it from position 0 and swaps it in (one atomic
 * manifest rename) once it has caught up with the head; the old file is then deleted. Readers
 * never see a half-built rebuild. A projection's very first build has nothing to hide behind:
 * it is live from the start, and queries answer from what it has committed (with that
 * position), or wait for `minPosition`.
 */
export class ProjectionEngine {
  private readonly slots = new Map<string, Slot>();
  private readonly directory: ReadModelDirectory;
  private readonly batchSize: number;
  private readonly waitTimeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly liveIntervalMs: number;
  private readonly logger: LoggerService;
  private readonly writers: ReadModelWriterFactory | undefined;
  private readonly log: SharedSubscriptions;
  private state: EngineState = 'created';
  /** Damaged generations being let go of, moved aside and replaced. */
  private readonly healings = new Set<Promise<void>>();
  /** Generations opened from disk at start, whose every page is checked in the background. */
  private readonly unchecked: Generation[] = [];
  private readonly pageChecks = new Set<PageCheck>();

  constructor(
    private readonly store: EventStore,
    definitions: readonly ReadModelDeclaration[],
    options: ProjectionEngineOptions,
  ) {
    for (const definition of definitions) {
      if (this.slots.has(definition.name)) throw new Error(`two projections are named ${definition.name}`);
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(definition.name)) throw new Error(`projection name ${definition.name} is not a slug`);
      this.slots.set(definition.name, { definition, waiters: new Set() });
    }
    this.directory = new ReadModelDirectory(options.directory);
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.waitTimeoutMs = options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    this.retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.liveIntervalMs = options.liveIntervalMs ?? DEFAULT_LIVE_INTERVAL_MS;
    this.logger = options.logger ?? new Logger('Projections');
    this.writers = options.writers;
    this.log = new SharedSubscriptions(store, {
      readAhead: Math.min(this.batchSize, READ_AHEAD_EVENTS),
      retain: Math.min(this.batchSize, RETAINED_EVENTS),
      liveIntervalMs: this.liveIntervalMs,
    });
  }

  get names(): string[] {
    return [...this.slots.keys()];
  }

  /** Opens (or creates) every live generation and starts following the log. Does not wait for catch-up. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`the projection engine cannot start when ${this.state}`);
    this.directory.ensureExists();
    try {
      for (const slot of this.slots.values()) this.open(slot);
    } catch (error) {
      this.closeFiles();
      this.state = 'stopped';
      throw error;
    }
    this.state = 'started';
    for (const slot of this.slots.values()) {
      slot.live?.runner?.start();
      slot.rebuild?.generation.runner?.start();
    }
    void this.checkPagesInBackground();
  }

  /** Ends every subscription after committing the batch in hand. Files stay open for reads in flight. */
  async stop(): Promise<void> {
    if (this.state !== 'started') return;
    this.state = 'stopping';
    for (const slot of this.slots.values()) this.notify(slot);
    await Promise.all(
      [...this.slots.values()].flatMap((slot) => [slot.live?.runner?.stop(), slot.rebuild?.generation.runner?.stop()]),
    );
    for (const slot of this.slots.values()) slot.rebuild?.reject(new Error(`the projection engine stopped before ${slot.definition.name} was rebuilt`));
    for (const check of this.pageChecks) check.cancel();
    await Promise.allSettled([...this.healings]);
    this.state = 'stopped';
  }

  /** Stops (if needed) and closes every file. A rebuild in progress stays on disk and resumes at the next start. */
  async close(): Promise<void> {
    await this.stop();
    this.state = 'stopped';
    this.closeFiles();
  }

  /**
   * Runs `read` against the live generation once it has processed `minPosition` (waiting up to
   * the timeout, event-driven), else throws PROJECTION_LAGGING. `read` runs in one read
   * transaction, so it sees one committed batch: the position it is handed is the one its
   * rows reflect (at least `minPosition`), even while a writer thread commits the next one.
   */
  async read<T>(name: string, minPosition: number | undefined, read: (view: ReadModelView) => T): Promise<T> {
    const slot = this.slot(name);
    await this.waitFor(slot, minPosition ?? 0);
    const live = slot.live!;
    const { file } = live;
    try {
      return file.readSnapshot((position) => read({ db: file.db, position }));
    } catch (error) {
      const failure = readModelFailure(error);
      if (failure === undefined) throw error;
      if (failure.kind === 'storage') throw storageRefusal(name, failure.storage, failure.reason);
      // SQLite says this very file is damaged; a missing table might be a query's own mistake,
      // so the file is asked for its tables first.
      if (failure.reason.startsWith('no such table') && !this.lacksTables(live)) throw error;
      this.heal(slot, live, failure.reason);
      throw this.rebuilding(slot);
    }
  }

  /** Current checkpoint of the live generation (0 before the first batch). */
  position(name: string): number {
    return this.slot(name).live?.file.position ?? 0;
  }

  async status(): Promise<ProjectionStatus[]> {
    const headPosition = await this.store.headPosition();
    return [...this.slots.values()].map((slot) => {
      const live = slot.live;
      const position = live?.file.position ?? 0;
      const rebuild = slot.rebuild?.generation;
      const error = live?.runner?.failure ?? (live?.file.writable === false ? rebuild?.runner?.failure : undefined);
      return {
        name: slot.definition.name,
        version: live?.file.version ?? slot.definition.version,
        generation: live?.number ?? 0,
        position,
        headPosition,
        lag: Math.max(0, headPosition - position),
        status: this.stateOf(slot),
        indexesBuilt: live !== undefined && !live.file.indexesPending,
        ...(error !== undefined && { error }),
        ...(rebuild !== undefined && {
          rebuild: {
            generation: rebuild.number,
            version: rebuild.file.version,
            position: rebuild.file.position,
            status: rebuild.runner?.status ?? 'stopped',
            ...(rebuild.runner?.failure !== undefined && { error: rebuild.runner.failure }),
          },
        }),
      };
    });
  }

  /**
   * For /health: `unavailable` when the engine is not running or a projection that serves
   * queries has failed (its answers would stop moving).
   */
  readModelsHealth(): ReadModelsHealth {
    const projections = [...this.slots.values()].map((slot) => {
      const status = this.stateOf(slot);
      const failure = slot.live?.runner?.failure ?? slot.rebuild?.generation.runner?.failure;
      const trouble = slot.live?.runner?.trouble ?? slot.rebuild?.generation.runner?.trouble;
      return {
        name: slot.definition.name,
        status,
        position: slot.live?.file.position ?? 0,
        usable: slot.live !== undefined,
        ...(trouble?.storage !== undefined && { storage: trouble.storage }),
        ...(status === 'failed' && failure !== undefined
          ? { error: failure.message }
          : slot.live === undefined
            ? { error: 'no usable copy: being rebuilt from the event log' }
            : trouble !== undefined && { error: trouble.message }),
      };
    });
    const usable =
      this.state === 'started' &&
      projections.every((p) => (p.status === 'running' || p.status === 'rebuilding') && p.usable && p.storage === undefined);
    return { status: usable ? 'ok' : 'unavailable', projections };
  }

  /** Starts building a new generation beside the live one, unless one is being built already. */
  rebuild(name: string): RebuildTicket {
    const slot = this.slot(name);
    if (this.state !== 'started') throw new Error(`the projection engine is ${this.state}`);
    const current = slot.rebuild;
    if (current !== undefined && current.generation.runner?.status === 'running') return ticket(slot, current, true);
    if (current !== undefined) this.discardRebuild(slot, current);
    const rebuild = this.startRebuild(slot);
    rebuild.generation.runner!.start();
    return ticket(slot, rebuild, false);
  }

  /** The rebuild under way, if any: tests and operators await its swap. */
  pendingRebuild(name: string): RebuildTicket | undefined {
    const slot = this.slot(name);
    return slot.rebuild === undefined ? undefined : ticket(slot, slot.rebuild, true);
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (slot === undefined) throw new UnknownProjectionError(name);
    return slot;
  }

  private stateOf(slot: Slot): ProjectionState {
    if (this.state !== 'started') return 'stopped';
    // No usable copy: a damaged one is being let go of, or its replacement being built.
    if (slot.live === undefined) return slot.rebuild?.generation.runner?.status === 'failed' ? 'failed' : 'rebuilding';
    const liveStatus = slot.live.runner?.status;
    if (liveStatus === 'failed') return 'failed';
    const rebuildStatus = slot.rebuild?.generation.runner?.status;
    // A live generation of another version is frozen: the rebuild is the only thing moving.
    if (!slot.live.file.writable) return rebuildStatus === 'running' ? 'rebuilding' : 'failed';
    if (liveStatus !== 'running') return 'stopped';
    return rebuildStatus === 'running' ? 'rebuilding' : 'running';
  }

  /**
   * Picks up the live generation from the manifest; creates the first one; resumes or starts a
   * rebuild. A damaged manifest or live file is moved aside and the read model rebuilt from the
   * log, with no usable copy meanwhile (queries answer PROJECTION_REBUILDING).
   */
  private open(slot: Slot): void {
    const { definition } = slot;
    const { name } = definition;
    let manifest: ProjectionManifest | undefined;
    try {
      manifest = this.directory.readManifest(name);
    } catch (error) {
      if (!(error instanceof ReadModelManifestDamaged)) throw error;
      const aside = this.directory.moveAside(error.path, new Date());
      this.logger.warn?.(`${this.damagedMessage(error.path, error.reason, aside)}; its generation files are deleted`);
      const onDisk = this.directory.generations(name);
      for (const generation of onDisk) this.directory.deleteGeneration(name, generation);
      this.startRebuild(slot, undefined, Math.max(0, ...onDisk));
      return;
    }
    const onDisk = this.directory.generations(name);
    if (manifest === undefined) {
      // Files without a manifest entry are leftovers of an interrupted first build: start clean.
      for (const generation of onDisk) this.directory.deleteGeneration(name, generation);
      const number = Math.max(...onDisk, 0) + 1;
      const file = ReadModelFile.create(this.directory.generationPath(name, number), definition);
      this.directory.writeManifest({ name, generation: number, version: definition.version });
      slot.live = { number, file };
      slot.live.runner = this.runner(slot, slot.live);
      return;
    }
    const newer = onDisk.filter((generation) => generation > manifest.generation);
    let liveFile: ReadModelFile | undefined;
    if (!onDisk.includes(manifest.generation)) {
      this.logger.warn?.(`projection ${name}: the manifest names generation ${manifest.generation}, which is gone; rebuilding it from the event log`);
    } else {
      const path = this.directory.generationPath(name, manifest.generation);
      try {
        liveFile = ReadModelFile.open(path, definition);
      } catch (error) {
        if (!(error instanceof ReadModelDamaged)) throw error;
        this.logger.warn?.(this.damagedMessage(path, error.reason, this.directory.moveAside(path, new Date())));
      }
    }
    if (liveFile === undefined) {
      // No usable copy: a rebuild left by a previous run carries on, else one starts from 0.
      const resumable = this.resumableRebuild(slot, newer);
      for (const generation of onDisk) {
        if (generation !== resumable?.number) this.directory.deleteGeneration(name, generation);
      }
      this.startRebuild(slot, resumable, Math.max(manifest.generation, ...onDisk));
      return;
    }
    const live: Generation = { number: manifest.generation, file: liveFile };
    this.unchecked.push(live);
    slot.live = live;
    if (live.file.writable) live.runner = this.runner(slot, live);
    const resumable = this.resumableRebuild(slot, onDisk.filter((generation) => generation > live.number));
    for (const generation of onDisk) {
      if (generation !== live.number && generation !== resumable?.number) this.directory.deleteGeneration(name, generation);
    }
    if (resumable !== undefined) {
      this.logger.log?.(`projection ${name}: resuming the rebuild of generation ${resumable.number} from position ${resumable.file.position}`);
      this.startRebuild(slot, resumable);
    } else if (!live.file.writable) {
      this.logger.log?.(
        `projection ${name}: stored version ${live.file.version} (layout ${live.file.layout}), ` +
          `code version ${definition.version} (layout ${definition.layout ?? 0}); rebuilding beside it`,
      );
      this.startRebuild(slot);
    }
  }

  /** The newest newer generation at this code's version: a rebuild a previous run did not finish. */
  private resumableRebuild(slot: Slot, newer: readonly number[]): Generation | undefined {
    const number = newer.at(-1);
    if (number === undefined) return undefined;
    const path = this.directory.generationPath(slot.definition.name, number);
    try {
      const file = ReadModelFile.open(path, slot.definition);
      if (!file.writable) {
        file.close();
        return undefined;
      }
      const generation = { number, file };
      this.unchecked.push(generation);
      return generation;
    } catch (error) {
      if (error instanceof ReadModelDamaged) this.logger.warn?.(this.damagedMessage(path, error.reason, this.directory.moveAside(path, new Date())));
      else this.logger.warn?.(`projection ${slot.definition.name}: generation ${number} is unreadable, discarding it: ${String(error)}`);
    }
    return undefined;
  }

  /** `floor`: a generation number the new one must be above (one whose file was moved aside or is gone). */
  private startRebuild(slot: Slot, existing?: Generation, floor = 0): Rebuild {
    const { name } = slot.definition;
    const number = existing?.number ?? Math.max(floor, slot.live?.number ?? 0, ...this.directory.generations(name)) + 1;
    const generation = existing ?? { number, file: ReadModelFile.create(this.directory.generationPath(name, number), slot.definition) };
    generation.runner = this.runner(slot, generation);
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const swapped = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody is obliged to await a swap: an unobserved failure must not crash the process.
    swapped.catch(() => undefined);
    slot.rebuild = { generation, swapped, resolve, reject };
    return slot.rebuild;
  }

  private discardRebuild(slot: Slot, rebuild: Rebuild): void {
    slot.rebuild = undefined;
    rebuild.reject(new Error(`the rebuild of ${slot.definition.name} was replaced by a new one`));
    const { generation } = rebuild;
    // Its runner may still be letting go of the file (closing a writer thread's connection,
    // which checkpoints and removes the -wal and -shm files by name): delete it only after.
    // Until then the file is on disk, so the next rebuild takes another generation number.
    void (async () => {
      await generation.runner?.stop();
      generation.file.close();
      this.directory.deleteGeneration(slot.definition.name, generation.number);
    })().catch((error: unknown) => {
      this.logger.warn?.(`projection ${slot.definition.name}: removing discarded generation ${generation.number} failed: ${String(error)}`);
    });
  }

  private runner(slot: Slot, generation: Generation): ProjectionRunner {
    return new ProjectionRunner(generation.file, this.log, {
      batchSize: this.batchSize,
      retryDelayMs: this.retryDelayMs,
      liveIntervalMs: this.liveIntervalMs,
      logger: this.logger,
      ...(this.writers !== undefined && { writers: this.writers }),
      onCheckpoint: async () => {
        if (slot.live === generation) this.notify(slot);
        else if (slot.rebuild?.generation === generation) await this.swapIfCaughtUp(slot, slot.rebuild);
      },
      onProgress: () => {
        if (slot.live === generation) this.notify(slot);
      },
      onHalt: () => {
        if (slot.rebuild?.generation === generation) {
          const reason = generation.runner?.failure?.message ?? 'the event store ended its subscription';
          slot.rebuild.reject(new Error(`the rebuild of ${slot.definition.name} did not finish: ${reason}`));
        }
        this.notify(slot);
      },
      onSuspectedDamage: (_runner, reason) => this.confirmDamage(slot, generation, reason),
    });
  }

  /**
   * Whether the generation's own file is damaged, as its runner suspects: an error of a writer
   * that reads the log through the same connection may come from the log's file instead. The
   * file is looked at (its tables, then every page); if it is damaged, it is healed.
   */
  private async confirmDamage(slot: Slot, generation: Generation, reason: string): Promise<boolean> {
    if (slot.live !== generation && slot.rebuild?.generation !== generation) return true;
    let damaged = this.lacksTables(generation);
    if (!damaged) {
      const outcome = await this.checkPages(generation);
      if (outcome.kind === 'damaged') reason = outcome.reason;
      damaged = outcome.kind === 'damaged';
    }
    if (damaged) this.heal(slot, generation, reason);
    return damaged;
  }

  /** True when the file lacks a table of its declaration, or cannot even say (SQLite finds it malformed). */
  private lacksTables(generation: Generation): boolean {
    try {
      return generation.file.missingTables().length > 0;
    } catch (error) {
      if (readModelFailure(error)?.kind === 'damaged') return true;
      throw error;
    }
  }

  /**
   * A read model is disposable: a damaged generation is let go of (its runner stopped, its file
   * closed), moved aside for inspection, and replaced by a rebuild from the log. A damaged live
   * generation leaves the read model without a usable copy until the rebuild is swapped in.
   */
  private heal(slot: Slot, generation: Generation, reason: string): void {
    const wasLive = slot.live === generation;
    const rebuild = slot.rebuild?.generation === generation ? slot.rebuild : undefined;
    if (!wasLive && rebuild === undefined) return;
    const { name } = slot.definition;
    if (wasLive) slot.live = undefined;
    if (rebuild !== undefined) {
      slot.rebuild = undefined;
      rebuild.reject(new Error(`generation ${generation.number} of ${name} is damaged (${reason}); a new rebuild replaces it`));
    }
    this.notify(slot);
    const healing = (async () => {
      await generation.runner?.stop();
      generation.file.close();
      try {
        const aside = this.directory.moveAside(generation.file.path, new Date());
        this.logger.warn?.(this.damagedMessage(generation.file.path, reason, aside));
      } catch (error) {
        // The damaged file keeps its name; the rebuild takes the next generation number all the same.
        this.logger.error(
          `read model ${generation.file.path} is damaged (${reason}) and could not be moved aside (${String(error)}): ` +
            'a disposable read model, rebuilt from the event log',
        );
      }
      this.ensureRebuild(slot, generation.number);
    })();
    this.healings.add(healing);
    void healing
      .catch((error: unknown) => this.logger.error(`projection ${name}: healing generation ${generation.number} failed: ${String(error)}`))
      .finally(() => this.healings.delete(healing));
  }

  /** Starts a rebuild unless one runs; a disk too full to create its file is tried again a little later. */
  private ensureRebuild(slot: Slot, floor: number, attempt = 0): void {
    if (this.state !== 'started' || slot.rebuild !== undefined) return;
    try {
      this.startRebuild(slot, undefined, floor).generation.runner!.start();
    } catch (error) {
      if (readModelFailure(error)?.kind !== 'storage') throw error;
      if (attempt === 0) this.logger.warn?.(`projection ${slot.definition.name}: its rebuild cannot start (${String(error)}); trying again every 5 s`);
      setTimeout(() => this.ensureRebuild(slot, floor, attempt + 1), MAX_STORAGE_RETRY_DELAY_MS).unref();
    }
  }

  private async checkPages(generation: Generation): Promise<PageCheckOutcome> {
    if (this.state !== 'started') return { kind: 'unchecked', reason: 'the engine is not running' };
    const check = checkPages(generation.file.path);
    this.pageChecks.add(check);
    try {
      return await check.outcome;
    } finally {
      this.pageChecks.delete(check);
    }
  }

  private damagedMessage(path: string, reason: string, aside: string): string {
    return `read model ${path} is damaged (${reason}); moved aside to ${aside}: a disposable read model, rebuilt from the event log`;
  }

  /**
   * Every page of the generations opened from disk, read once after start, one file at a time,
   * on a thread of their own (see `checkPages`): a start does not wait for it, and a damaged page
   * found meanwhile by a query or a runner heals the same way.
   */
  private async checkPagesInBackground(): Promise<void> {
    for (const generation of this.unchecked.splice(0)) {
      const slot = [...this.slots.values()].find((candidate) => candidate.live === generation || candidate.rebuild?.generation === generation);
      if (this.state !== 'started') return;
      if (slot === undefined) continue;
      const outcome = await this.checkPages(generation);
      if (outcome.kind === 'damaged') this.heal(slot, generation, outcome.reason);
      else if (outcome.kind === 'unchecked' && this.state === 'started') {
        this.logger.warn?.(`projection ${slot.definition.name}: its pages could not be checked (${outcome.reason})`);
      }
    }
  }

  private async swapIfCaughtUp(slot: Slot, rebuild: Rebuild): Promise<void> {
    const { generation } = rebuild;
    // A runner whose writer follows the log knows the head it last caught up with: under a
    // steady stream of commands the current head has always moved on by the time it looks.
    const head = generation.runner?.caughtUpTo ?? (await this.store.headPosition());
    if (generation.file.position < head || slot.rebuild !== rebuild || this.state !== 'started') return;
    // Its runner builds them as it reaches the head; a generation without them is not finished.
    if (generation.file.indexesPending) return;
    const { name } = slot.definition;
    // The manifest is the commit point: from here on a restart opens the new generation.
    this.directory.writeManifest({ name, generation: generation.number, version: generation.file.version });
    const old = slot.live;
    slot.live = generation;
    slot.rebuild = undefined;
    this.notify(slot);
    this.logger.log?.(`projection ${name}: generation ${generation.number} caught up at position ${generation.file.position} and is now live`);
    if (old !== undefined) {
      await old.runner?.stop();
      old.file.close();
      this.directory.deleteGeneration(name, old.number);
    }
    rebuild.resolve();
  }

  private readable(slot: Slot, generation: Generation): boolean {
    const { version, readableFromVersion } = slot.definition;
    return generation.file.version >= (readableFromVersion ?? version) && generation.file.version <= version;
  }

  private ready(slot: Slot, minPosition: number): boolean {
    const live = slot.live;
    return this.state === 'started' && live !== undefined && this.readable(slot, live) && live.file.position >= minPosition;
  }

  /** Nothing that could make the slot ready is running any more. */
  private hopeless(slot: Slot): boolean {
    if (this.state !== 'started') return true;
    const moving = (generation: Generation | undefined): boolean => generation?.runner?.status === 'running';
    return !moving(slot.live) && !moving(slot.rebuild?.generation);
  }

  /**
   * Without a usable copy (a damaged file being rebuilt), a query without `minPosition` is
   * answered PROJECTION_REBUILDING at once; one with it waits, as for a lagging read model, for
   * a rebuilt copy that has its position.
   */
  private waitFor(slot: Slot, minPosition: number): Promise<void> {
    if (this.ready(slot, minPosition)) return Promise.resolve();
    if (this.state === 'started' && slot.live === undefined && minPosition === 0) return Promise.reject(this.rebuilding(slot));
    if (this.hopeless(slot)) return Promise.reject(this.unready(slot, minPosition));
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: ApplicationError): void => {
        clearTimeout(timer);
        slot.waiters.delete(check);
        if (error === undefined) resolve();
        else reject(error);
      };
      const check = (): void => {
        if (this.ready(slot, minPosition)) settle();
        else if (this.hopeless(slot)) settle(this.unready(slot, minPosition));
      };
      // The timer only bounds the wait; what ends it early is a checkpoint moving (notify).
      const timer = setTimeout(() => settle(this.unready(slot, minPosition)), this.waitTimeoutMs);
      slot.waiters.add(check);
    });
  }

  private notify(slot: Slot): void {
    for (const check of [...slot.waiters]) check();
  }

  private unready(slot: Slot, minPosition: number): ApplicationError {
    return this.state === 'started' && slot.live === undefined ? this.rebuilding(slot) : this.lagging(slot, minPosition);
  }

  private lagging(slot: Slot, minPosition: number): ApplicationError {
    const { name } = slot.definition;
    const position = slot.live?.file.position ?? 0;
    const stuck = this.hopeless(slot);
    const reason =
      this.state !== 'started'
        ? 'the read models are not running'
        : stuck
          ? `read model ${name} has failed at position ${position}`
          : slot.live !== undefined && !this.readable(slot, slot.live)
            ? `read model ${name} is being rebuilt for a new version`
            : `read model ${name} is at position ${position}, behind the requested ${minPosition}`;
    return new ApplicationError(
      'PROJECTION_LAGGING',
      `${reason}; retry later`,
      [{ projection: name, position, minPosition }],
      stuck ? RETRY_AFTER_FAILED_SECONDS : RETRY_AFTER_LAGGING_SECONDS,
    );
  }

  /** 503 PROJECTION_REBUILDING: the read model has no usable copy until its rebuild from the log is swapped in. */
  private rebuilding(slot: Slot): ApplicationError {
    const { name } = slot.definition;
    const position = slot.rebuild?.generation.file.position ?? 0;
    return new ApplicationError(
      'PROJECTION_REBUILDING',
      `read model ${name} has no usable copy: it is being rebuilt from the event log (at position ${position}); retry later`,
      [{ projection: name, position }],
      RETRY_AFTER_REBUILDING_SECONDS,
    );
  }

  private closeFiles(): void {
    for (const slot of this.slots.values()) {
      slot.live?.file.close();
      slot.rebuild?.generation.file.close();
    }
  }
}

/** A read model's file that cannot be read for lack of space or on an I/O error: 507 or 503, as for the event store. */
function storageRefusal(name: string, kind: StorageFailureKind, reason: string): ApplicationError {
  return kind === 'full'
    ? new ApplicationError('STORAGE_FULL', `read model ${name} cannot be read: its disk is full (${reason})`)
    : new ApplicationError('STORAGE_UNAVAILABLE', `read model ${name} cannot be read right now (a storage error); retry later`, undefined, RETRY_AFTER_STORAGE_SECONDS);
}

function ticket(slot: Slot, rebuild: Rebuild, alreadyRunning: boolean): RebuildTicket {
  return {
    name: slot.definition.name,
    generation: rebuild.generation.number,
    version: rebuild.generation.file.version,
    alreadyRunning,
    swapped: rebuild.swapped,
  };
}
