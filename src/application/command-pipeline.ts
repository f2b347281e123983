import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  type ActorEvent,
  type ActorKind,
  type ActorState,
  type NeighbourhoodCommand,
  type NeighbourhoodEvent,
  type NeighbourhoodState,
  type Positioned,
  type RegisterActor,
  actorStreamId,
  decideActor,
  decideNeighbourhood,
  evolveActor,
  evolveNeighbourhood,
  initialActorState,
  initialNeighbourhoodState,
  neighbourhoodStreamId,
  outcomeOf,
  referencedActors,
  type RecordedOutcome,
  type WebhookCommand,
  type WebhookEvent,
  type WebhookState,
  decideWebhook,
  evolveWebhook,
  initialWebhookState,
  webhookStreamId,
} from '../domain/index.js';
import { EVENT_STORE } from '../event-store/index.js';
import {
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
  type StreamAppend,
  EventIdConflict,
  WrongExpectedRevision,
} from '../event-store/index.js';
import { ApplicationError } from './application-error.js';
import { CLOCK, type Clock } from './clock.js';
import { type CommandMetadata, type CommandResult, eventIdFor, isSameRequest } from './command-metadata.js';
import { KeyedSerializer } from './keyed-serializer.js';
import { StreamCache } from './stream-cache.js';

/** A folded stream: its state, its revision, and the keyed events a retry may replay. */
interface FoldedStream<S> {
  state: S;
  revision: number;
  readonly keyed: Map<string, { revision: number; position: number; type: string; requestHash: unknown; outcome: RecordedOutcome }>;
}

interface StreamDecider<S, E extends { type: string; data: unknown }> {
  readonly streamId: string;
  readonly cache?: StreamCache<FoldedStream<S>>;
  initial(): S;
  evolve(state: S, event: Positioned<E>): S;
  decide(state: S, now: Date): E[] | Promise<E[]>;
}

/** A command of a batch: what to decide, and who sent it how. */
export interface BatchCommand {
  readonly command: NeighbourhoodCommand | RegisterActor;
  readonly metadata: CommandMetadata;
}

/** Where an appended event landed: its stream revision and log position. */
interface Landed {
  readonly revision: number;
  readonly position: number;
}

/** What became of one command of a batch. */
export type BatchOutcome = { readonly ok: true; readonly result: CommandResult } | { readonly ok: false; readonly error: unknown };

/**
 * A batch to decide again, but for the commands whose streams were written (a store without
 * atomic appends writes stream by stream): their outcomes, by command index, stand.
 */
abstract class BatchRetry extends Error {
  constructor(
    message: string,
    readonly written: ReadonlyMap<number, BatchOutcome>,
  ) {
    super(message);
  }
}

/** Another process appended to a stream of a batch after it was loaded: the batch is decided again. */
class BatchRace extends BatchRetry {
  override readonly name = 'BatchRace';
}

/** A keyed command's event id is taken on another stream (its key was used for another request): the batch is decided again without it. */
class BatchKeyTaken extends BatchRetry {
  override readonly name = 'BatchKeyTaken';
  constructor(
    readonly eventId: string,
    written: ReadonlyMap<number, BatchOutcome>,
  ) {
    super(`event id ${eventId} is taken`, written);
  }
}

/** Another process won the race for the stream this many times in a row: give up with 412. */
const MAX_CONCURRENCY_RETRIES = 5;
/** The budget, in events, of the folded neighbourhood states kept in memory. */
export const STREAM_CACHE_EVENTS = Symbol('StreamCacheEvents');

/**
 * The one write path: load the stream, fold, decide, append at the exact revision that was
 * folded. Handlers only translate their command.
 *
 * A cached stream is trusted without reading its tail when the command cannot be a retry (no
 * Idempotency-Key: its event id is new) and names no revision (no If-Match). Every append
 * through this process keeps the cache current, so only another process can have moved the
 * stream, and then the append at the cached revision is refused and decided again on the
 * tail; a refusal decided on a cached state is checked against the stream's revision first.
 * A keyed or conditional command reads the tail first: its answer depends on the log itself.
 */
@Injectable()
export class CommandPipeline {
  private readonly serializer = new KeyedSerializer();
  private readonly neighbourhoods: StreamCache<FoldedStream<NeighbourhoodState>>;
  /** Actors are never unregistered, so a positive answer can be kept forever. */
  private readonly knownActors = new Set<string>();
  /** The kinds of the known actors that were registered with one. */
  private readonly actorKinds = new Map<string, ActorKind>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(STREAM_CACHE_EVENTS) cacheEvents: number,
  ) {
    this.neighbourhoods = new StreamCache(cacheEvents, (folded) => folded.revision + 1);
  }

  registerActor(command: RegisterActor, metadata: CommandMetadata): Promise<CommandResult> {
    return this.run<ActorState, ActorEvent>(
      {
        streamId: actorStreamId(command.actorId),
        initial: initialActorState,
        evolve: evolveActor,
        decide: (state) => decideActor(command, state),
      },
      metadata,
    );
  }

  handleWebhookCommand(command: WebhookCommand, metadata: CommandMetadata): Promise<CommandResult> {
    return this.run<WebhookState, WebhookEvent>(
      {
        streamId: webhookStreamId(command.webhookId),
        initial: initialWebhookState,
        evolve: evolveWebhook,
        decide: (state) => decideWebhook(command, state),
      },
      metadata,
    );
  }

  handleNeighbourhoodCommand(command: NeighbourhoodCommand, metadata: CommandMetadata): Promise<CommandResult> {
    return this.run<NeighbourhoodState, NeighbourhoodEvent>(
      {
        streamId: neighbourhoodStreamId(command.neighbourhoodId),
        cache: this.neighbourhoods,
        initial: initialNeighbourhoodState,
        evolve: evolveNeighbourhood,
        decide: async (state, now) => {
          const knownActors = await this.registeredActors(referencedActors(command));
          return decideNeighbourhood(command, state, { now: now.getTime(), knownActors, actorKinds: this.actorKinds });
        },
      },
      metadata,
    );
  }

  /**
   * Commands in order, each decided exactly as on its own (validation aside, which is the
   * caller's), each seeing the ones before it; one refused command refuses nothing else. What
   * they decide on every stream they touch is appended together: in one atomic step where the
   * store offers it (nothing is written on an error), else one append per stream.
   */
  handleBatch(commands: readonly BatchCommand[]): Promise<BatchOutcome[]> {
    const streams = commands.map(({ command }) => streamOf(command));
    return this.serializer.runAll(streams, async () => {
      // Keys the log holds on other streams: each is found once, so this loop ends.
      const taken = new Set<string>();
      // Commands already written, by index: never decided again.
      const written = new Map<number, BatchOutcome>();
      let races = 0;
      for (;;) {
        try {
          return await this.decideBatch(commands, taken, written);
        } catch (error) {
          if (error instanceof BatchRetry) for (const [index, outcome] of error.written) written.set(index, outcome);
          if (error instanceof BatchKeyTaken && !taken.has(error.eventId)) {
            taken.add(error.eventId);
            continue;
          }
          if (!(error instanceof BatchRace)) throw error;
          if (++races >= MAX_CONCURRENCY_RETRIES) {
            throw new ApplicationError('WRONG_EXPECTED_REVISION', `${error.message}; the batch was not written`);
          }
        }
      }
    });
  }

  private async decideBatch(
    commands: readonly BatchCommand[],
    taken: ReadonlySet<string>,
    written: ReadonlyMap<number, BatchOutcome>,
  ): Promise<BatchOutcome[]> {
    const working = new Map<string, BatchStream>();
    for (const { command } of commands) {
      const streamId = streamOf(command);
      if (working.has(streamId)) continue;
      const decider = command.type === 'RegisterActor' ? this.actorDecider(streamId) : this.neighbourhoodDecider(streamId);
      const folded = await this.load(decider as StreamDecider<unknown, { type: string; data: unknown }>);
      working.set(streamId, { decider, folded, startRevision: folded.revision, pending: [] });
    }
    await this.registeredActors(commands.flatMap(({ command }) => (command.type === 'RegisterActor' ? [] : referencedActors(command))));
    const knownActors = new Set(this.knownActors);
    const actorKinds = new Map(this.actorKinds);
    // The log positions the batch's events will have are not known before they are written:
    // they are after the head, in this order, which is all a fold compares them by.
    let provisional = await this.store.headPosition();
    const outcomes: (BatchOutcome | { readonly sameAs: string })[] = [];
    /** The stream each event id of this batch goes to. */
    const claimed = new Map<string, string>();
    commands.forEach(({ command, metadata }, index) => {
      const done = written.get(index);
      if (done !== undefined) {
        outcomes[index] = done;
        return;
      }
      const stream = working.get(streamOf(command))!;
      const eventId = eventIdFor(metadata);
      const previous = stream.folded.keyed.get(eventId);
      if (previous !== undefined) {
        if (!isSameRequest(metadata, previous.requestHash)) outcomes[index] = { ok: false, error: keyReused() };
        else if (stream.pending.some((pending) => pending.event.eventId === eventId)) outcomes[index] = { sameAs: eventId };
        else outcomes[index] = { ok: true, result: replay(eventId, stream.decider.streamId, previous) };
        return;
      }
      // A key used on another stream, by the log or earlier in this batch: another request, as on its own endpoint.
      if (taken.has(eventId) || (claimed.get(eventId) ?? stream.decider.streamId) !== stream.decider.streamId) {
        outcomes[index] = { ok: false, error: keyReused() };
        return;
      }
      const now = this.clock.now();
      let decided: { type: string; data: unknown };
      try {
        [decided] =
          command.type === 'RegisterActor'
            ? decideActor(command, stream.folded.state as ActorState)
            : decideNeighbourhood(command, stream.folded.state as NeighbourhoodState, { now: now.getTime(), knownActors, actorKinds });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        outcomes[index] = { ok: false, error };
        return;
      }
      const event: EventToAppend = { eventId, type: decided.type, data: decided.data, metadata: eventMetadata(metadata, now) };
      provisional += 1;
      applyRecorded(stream.decider as StreamDecider<unknown, { type: string; data: unknown }>, stream.folded, {
        ...event,
        streamId: stream.decider.streamId,
        revision: stream.folded.revision + 1,
        position: provisional,
      });
      stream.pending.push({ index, event });
      claimed.set(eventId, stream.decider.streamId);
      if (command.type === 'RegisterActor') {
        knownActors.add(command.actorId);
        if (command.kind !== undefined) actorKinds.set(command.actorId, command.kind);
      }
    });
    const touched = [...working.values()].filter((stream) => stream.pending.length > 0);
    const positions = await this.appendBatch(touched);
    for (const stream of touched) {
      for (const { index, event } of stream.pending) {
        const landed = positions.get(event.eventId)!;
        const keyed = stream.folded.keyed.get(event.eventId);
        if (keyed !== undefined) stream.folded.keyed.set(event.eventId, { ...keyed, ...landed });
        outcomes[index] = { ok: true, result: appended(stream.decider.streamId, event, landed, false) };
      }
      stream.decider.cache?.set(stream.decider.streamId, stream.folded as FoldedStream<NeighbourhoodState>);
    }
    for (const actorId of knownActors) this.knownActors.add(actorId);
    for (const [actorId, kind] of actorKinds) this.actorKinds.set(actorId, kind);
    return outcomes.map((outcome) => {
      if (!('sameAs' in outcome)) return outcome;
      const first = outcomes.find((candidate) => 'ok' in candidate && candidate.ok && candidate.result.eventId === outcome.sameAs) as
        | { ok: true; result: CommandResult }
        | undefined;
      return { ok: true, result: { ...first!.result, replayed: true } };
    });
  }

  /**
   * Appends what each stream of a batch decided, and returns where each event landed. A stream
   * that moved meanwhile (another process) means the batch is decided again: nothing of it was
   * written when the store appends atomically; otherwise the streams that were written keep
   * their outcomes, and only the rest is decided again (an unkeyed command decided twice would
   * be recorded twice).
   */
  private async appendBatch(touched: readonly BatchStream[]): Promise<Map<string, Landed>> {
    const appends: StreamAppend[] = touched.map((stream) => ({
      streamId: stream.decider.streamId,
      events: stream.pending.map((pending) => pending.event),
      expected: stream.startRevision === -1 ? 'no_stream' : stream.startRevision,
    }));
    const forget = (): void => touched.forEach((stream) => stream.decider.cache?.delete(stream.decider.streamId));
    let results: AppendResult[];
    let failure: { readonly error: unknown; readonly written: Map<number, BatchOutcome> } | undefined;
    if (appends.length === 0) {
      results = [];
    } else if (this.store.appendAtomically !== undefined) {
      try {
        results = await this.store.appendAtomically(appends);
      } catch (error) {
        failure = { error, written: new Map() };
        results = [];
      }
    } else {
      const settled = await Promise.allSettled(appends.map((append) => this.store.append(append.streamId, append.events, append.expected)));
      const rejected = settled.find((outcome) => outcome.status === 'rejected');
      if (rejected !== undefined) {
        const appended = settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : undefined));
        failure = { error: rejected.reason, written: await this.written(touched, appended) };
        results = [];
      } else {
        results = settled.map((outcome) => (outcome as PromiseFulfilledResult<AppendResult>).value);
      }
    }
    if (failure !== undefined) {
      // The folded states hold the batch's events: they are not what the log holds.
      forget();
      const { error, written } = failure;
      const ours = (eventId: string): boolean => touched.some((stream) => stream.pending.some((pending) => pending.event.eventId === eventId));
      if (error instanceof EventIdConflict && ours(error.eventId)) throw new BatchKeyTaken(error.eventId, written);
      if (error instanceof WrongExpectedRevision || error instanceof EventIdConflict) throw new BatchRace(error.message, written);
      throw error;
    }
    if (results.some((result) => result.replayed === true)) {
      // The other streams were written all the same.
      const written = await this.written(touched, results);
      forget();
      throw new BatchRace('a command of the batch was recorded meanwhile by another process', written);
    }
    const positions = new Map<string, Landed>();
    for (const [index, stream] of touched.entries()) {
      for (const [eventId, landed] of await this.landed(stream, results[index]!)) positions.set(eventId, landed);
    }
    return positions;
  }

  /** The outcomes of the commands of the streams a batch wrote (a result, not a replay; undefined: that append failed), by command index. */
  private async written(touched: readonly BatchStream[], results: readonly (AppendResult | undefined)[]): Promise<Map<number, BatchOutcome>> {
    const written = new Map<number, BatchOutcome>();
    for (const [index, stream] of touched.entries()) {
      const result = results[index];
      if (result === undefined || result.replayed === true) continue;
      const landed = await this.landed(stream, result);
      for (const pending of stream.pending) {
        written.set(pending.index, { ok: true, result: appended(stream.decider.streamId, pending.event, landed.get(pending.event.eventId)!, false) });
      }
    }
    return written;
  }

  /** Where the events a stream of a batch appended landed: as the store said, else read back. */
  private async landed(stream: BatchStream, result: AppendResult): Promise<Map<string, Landed>> {
    const positions = new Map<string, Landed>();
    const given = result.positions;
    if (given !== undefined && given.length === stream.pending.length) {
      stream.pending.forEach(({ event }, k) => positions.set(event.eventId, { revision: stream.startRevision + 1 + k, position: given[k]! }));
      return positions;
    }
    for await (const recorded of this.store.readStream(stream.decider.streamId, { fromRevision: stream.startRevision + 1 })) {
      positions.set(recorded.eventId, { revision: recorded.revision, position: recorded.position });
    }
    return positions;
  }

  private neighbourhoodDecider(streamId: string): StreamDecider<NeighbourhoodState, NeighbourhoodEvent> {
    return { streamId, cache: this.neighbourhoods, initial: initialNeighbourhoodState, evolve: evolveNeighbourhood, decide: () => [] };
  }

  private actorDecider(streamId: string): StreamDecider<ActorState, ActorEvent> {
    return { streamId, initial: initialActorState, evolve: evolveActor, decide: () => [] };
  }

  private run<S, E extends { type: string; data: unknown }>(
    decider: StreamDecider<S, E>,
    metadata: CommandMetadata,
  ): Promise<CommandResult> {
    return this.serializer.run(decider.streamId, async () => {
      const eventId = eventIdFor(metadata);
      // A new event id and no revision asked for: the cached state may be used as it is.
      let mayTrustCache = metadata.idempotencyKey === undefined && metadata.expectedRevision === undefined;
      let lostRaces = 0;
      let refolded = false;
      for (;;) {
        const cached = mayTrustCache ? decider.cache?.get(decider.streamId) : undefined;
        const trusted = cached !== undefined;
        const folded = cached ?? (await this.load(decider));
        const previous = folded.keyed.get(eventId);
        if (previous) {
          if (!isSameRequest(metadata, previous.requestHash)) {
            throw keyReused();
          }
          return {
            eventId,
            type: previous.type,
            streamId: decider.streamId,
            streamRevision: previous.revision,
            position: previous.position,
            replayed: true,
            outcome: previous.outcome,
          };
        }
        const expected = metadata.expectedRevision;
        // `If-Match: *` asks only that the stream exists (revisions start at 0).
        if (expected !== undefined && (expected === 'exists' ? folded.revision < 0 : expected !== folded.revision)) {
          throw wrongRevision(expected, folded.revision);
        }
        const now = this.clock.now();
        let decisions: E[];
        try {
          decisions = await decider.decide(folded.state, now);
        } catch (error) {
          if (!(trusted && error instanceof DomainError)) throw error;
          // Refused on a state the cache was trusted for: decide again if another process moved it.
          mayTrustCache = false;
          if ((await this.store.streamRevision(decider.streamId)) === folded.revision) throw error;
          continue;
        }
        const [decided, ...more] = decisions;
        // Every command of this domain is recorded as exactly one event, which carries the
        // command's id: that is what makes a retried command recognisable.
        if (!decided || more.length > 0) throw new Error(`${decider.streamId}: a command must decide exactly one event`);
        const event: EventToAppend = { eventId, type: decided.type, data: decided.data, metadata: eventMetadata(metadata, now) };
        let result: AppendResult;
        try {
          result = await this.store.append(decider.streamId, [event], folded.revision === -1 ? 'no_stream' : folded.revision);
        } catch (error) {
          if (error instanceof EventIdConflict) {
            throw keyReused();
          }
          if (!(error instanceof WrongExpectedRevision)) throw error;
          // Another process appended first: decide again on the tail, unless the client asked
          // for exactly the revision it had seen. The cached state is still the state at its
          // revision (a refused append changes nothing), so reading the tail is enough. A
          // cache found stale is not a lost race.
          mayTrustCache = false;
          if (typeof metadata.expectedRevision === 'number') throw wrongRevision(metadata.expectedRevision, error.actual);
          if (!trusted && ++lostRaces >= MAX_CONCURRENCY_RETRIES) throw wrongRevision(folded.revision, error.actual);
          continue;
        }
        if (result.replayed === true || result.nextRevision !== folded.revision + 1) {
          // The log already holds this event id: another process recorded the first attempt of
          // this retry after the stream was loaded. Read the tail (the cached state, untouched by
          // this attempt, is still right for its revision) and answer from its keyed events,
          // which also check the request; failing that, answer as the log did.
          mayTrustCache = false;
          if (!refolded) {
            refolded = true;
            continue;
          }
          return appended(decider.streamId, event, { revision: result.nextRevision, position: result.position }, true);
        }
        applyRecorded(decider, folded, { ...event, streamId: decider.streamId, revision: result.nextRevision, position: result.position });
        decider.cache?.set(decider.streamId, folded);
        return appended(decider.streamId, event, { revision: result.nextRevision, position: result.position }, false);
      }
    });
  }

  /** The stream from its cached state, if any, brought up to date with the events after it. */
  private async load<S, E extends { type: string; data: unknown }>(decider: StreamDecider<S, E>): Promise<FoldedStream<S>> {
    const folded = decider.cache?.get(decider.streamId) ?? { state: decider.initial(), revision: -1, keyed: new Map() };
    try {
      for await (const recorded of this.store.readStream(decider.streamId, { fromRevision: folded.revision + 1 })) {
        applyRecorded(decider, folded, recorded);
      }
    } finally {
      // Set even after a failed read: a cached state folded in place must be weighed again.
      // Streams that do not exist are not cached: ids sent by anyone must not fill the memory.
      if (folded.revision >= 0) decider.cache?.set(decider.streamId, folded);
    }
    return folded;
  }

  /** The registered actors among these (and every one known before), with their kinds read from their registration. */
  private async registeredActors(actorIds: readonly string[]): Promise<ReadonlySet<string>> {
    for (const actorId of new Set(actorIds)) {
      if (this.knownActors.has(actorId)) continue;
      for await (const registration of this.store.readStream(actorStreamId(actorId), { maxCount: 1 })) {
        this.knownActors.add(actorId);
        const kind = (registration.data as { kind?: ActorKind }).kind;
        if (kind !== undefined) this.actorKinds.set(actorId, kind);
      }
    }
    return this.knownActors;
  }
}

interface BatchStream {
  readonly decider: StreamDecider<ActorState, ActorEvent> | StreamDecider<NeighbourhoodState, NeighbourhoodEvent>;
  readonly folded: FoldedStream<unknown>;
  /** The revision it was loaded at: the batch appends expecting it. */
  readonly startRevision: number;
  readonly pending: { readonly index: number; readonly event: EventToAppend }[];
}

function streamOf(command: NeighbourhoodCommand | RegisterActor): string {
  return command.type === 'RegisterActor' ? actorStreamId(command.actorId) : neighbourhoodStreamId(command.neighbourhoodId);
}

function replay(eventId: string, streamId: string, previous: { revision: number; position: number; type: string; outcome: RecordedOutcome }): CommandResult {
  return { eventId, type: previous.type, streamId, streamRevision: previous.revision, position: previous.position, replayed: true, outcome: previous.outcome };
}

function applyRecorded<S, E extends { type: string; data: unknown }>(
  decider: StreamDecider<S, E>,
  folded: FoldedStream<S>,
  recorded: RecordedEvent,
): void {
  const positioned = {
    type: recorded.type,
    data: recorded.data,
    eventId: recorded.eventId,
    position: recorded.position,
    recordedAt: String(recorded.metadata.recordedAt),
  } as unknown as Positioned<E>;
  folded.state = decider.evolve(folded.state, positioned);
  folded.revision = recorded.revision;
  if (recorded.metadata.idempotencyKey !== undefined) {
    folded.keyed.set(recorded.eventId, {
      revision: recorded.revision,
      position: recorded.position,
      type: recorded.type,
      requestHash: recorded.metadata.requestHash,
      outcome: outcomeOf(recorded),
    });
  }
}

/** The answer to a command whose event the store holds at this revision and position. */
function appended(streamId: string, event: EventToAppend, at: Landed, replayed: boolean): CommandResult {
  return { eventId: event.eventId, type: event.type, streamId, streamRevision: at.revision, position: at.position, replayed, outcome: outcomeOf(event) };
}

function eventMetadata(metadata: CommandMetadata, now: Date): Record<string, unknown> {
  return {
    recordedAt: now.toISOString(),
    recordedBy: metadata.keyId,
    role: metadata.role,
    ...(metadata.requestId ? { requestId: metadata.requestId } : {}),
    ...(metadata.idempotencyKey !== undefined
      ? { idempotencyKey: metadata.idempotencyKey, requestHash: metadata.requestHash }
      : {}),
  };
}

function wrongRevision(expected: number | 'exists', actual: number): ApplicationError {
  if (expected === 'exists') {
    return new ApplicationError('WRONG_EXPECTED_REVISION', 'If-Match: * asks for an existing stream, but this one does not exist', [
      { expected: '*', actual },
    ]);
  }
  return new ApplicationError('WRONG_EXPECTED_REVISION', `expected revision ${expected}, but the stream is at ${actual}`, [
    { expected, actual },
  ]);
}

function keyReused(): ApplicationError {
  return new ApplicationError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different request');
}
