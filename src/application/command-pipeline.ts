import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  type ActorEvent,
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

/** Another process won the race for the stream this many times in a row: give up with 412. */
const MAX_CONCURRENCY_RETRIES = 5;
export const STREAM_CACHE_SIZE = Symbol('StreamCacheSize');

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

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(STREAM_CACHE_SIZE) cacheSize: number,
  ) {
    this.neighbourhoods = new StreamCache(cacheSize);
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
          return decideNeighbourhood(command, state, { now: now.getTime(), knownActors });
        },
      },
      metadata,
    );
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
          return appended(decider.streamId, event, result, true);
        }
        applyRecorded(decider, folded, { ...event, streamId: decider.streamId, revision: result.nextRevision, position: result.position });
        decider.cache?.set(decider.streamId, folded);
        return appended(decider.streamId, event, result, false);
      }
    });
  }

  /** The stream from its cached state, if any, brought up to date with the events after it. */
  private async load<S, E extends { type: string; data: unknown }>(decider: StreamDecider<S, E>): Promise<FoldedStream<S>> {
    const folded = decider.cache?.get(decider.streamId) ?? { state: decider.initial(), revision: -1, keyed: new Map() };
    for await (const recorded of this.store.readStream(decider.streamId, { fromRevision: folded.revision + 1 })) {
      applyRecorded(decider, folded, recorded);
    }
    // Streams that do not exist are not cached: ids sent by anyone must not fill the memory.
    if (folded.revision >= 0) decider.cache?.set(decider.streamId, folded);
    return folded;
  }

  private async registeredActors(actorIds: readonly string[]): Promise<ReadonlySet<string>> {
    for (const actorId of new Set(actorIds)) {
      if (!this.knownActors.has(actorId) && (await this.store.streamRevision(actorStreamId(actorId))) >= 0) {
        this.knownActors.add(actorId);
      }
    }
    return this.knownActors;
  }
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

/** The answer to a command whose event the store holds at `result`. */
function appended(streamId: string, event: EventToAppend, result: AppendResult, replayed: boolean): CommandResult {
  return {
    eventId: event.eventId,
    type: event.type,
    streamId,
    streamRevision: result.nextRevision,
    position: result.position,
    replayed,
    outcome: outcomeOf(event),
  };
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
