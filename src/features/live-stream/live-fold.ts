import { INCIDENT_TYPES, type IncidentEvent, type NeighbourhoodEvent, type Positioned, type WebhookEventType, recordedStanding } from '../../domain/index.js';
import type { RecordedEvent } from '../../event-store/index.js';
import type { LoggedEvent, LoggedEventType } from '../../projections/read-model.js';
import type { TimelineEntry } from '../neighbourhood-timeline/neighbourhood-timeline.reader.js';
import { timelineItem } from '../neighbourhood-timeline/timeline-item.js';
import { rawEventItem } from '../read-stream/raw-event-item.js';
import { type Audience, type LiveMessage, LiveMessage as Message, type LogEntry } from './live-message.js';
import { NeighbourhoodControlTracker } from './neighbourhood-control.tracker.js';

/** The event types the stream sends: every type of the log but webhook registrations (the compiler names a new one). */
const STREAMED: { readonly [K in Exclude<LoggedEventType, WebhookEventType>]: true } = {
  ActorRegistered: true,
  NeighbourhoodRegistered: true,
  PositionsAdded: true,
  AttackLaunched: true,
  PositionCaptured: true,
  CounterattackLaunched: true,
  ForcesRetreated: true,
  CasualtiesReported: true,
  ReportRetracted: true,
  ReportAssessed: true,
};
export const STREAMED_EVENT_TYPES: readonly string[] = Object.keys(STREAMED);

/** What `type=` and a webhook's `types` take: an event type the stream sends, or `control`. */
export const MESSAGE_TYPES: readonly string[] = [...STREAMED_EVENT_TYPES, 'control'];

/**
 * Turns the log, read in order from its start, into the live feed's messages: each event's own
 * message, and a `control` message after it when it changed its neighbourhood's default control
 * summary. Everything a message says depends on the log up to its position only, so two folds of
 * the same log (the shared one, and a replay for a consumer resuming far back) send the same
 * messages. `loud: false` folds the state without making messages: the part of a replay before
 * its start.
 */
export class LiveFold {
  private readonly neighbourhoods = new Map<string, NeighbourhoodControlTracker>();
  private readonly sides = new Map<string, string>();
  private readonly sideOf = (actorId: string): string | undefined => this.sides.get(actorId);

  apply(recorded: RecordedEvent, loud: boolean): LogEntry {
    return { position: recorded.position, event: recorded, messages: this.messagesOf(recorded, loud) };
  }

  private messagesOf(recorded: RecordedEvent, loud: boolean): LiveMessage[] {
    if (typeof recorded.data !== 'object' || recorded.data === null) return [];
    const event = recorded as unknown as LoggedEvent;
    switch (event.type) {
      case 'WebhookRegistered':
      case 'WebhookDeleted':
      case 'WebhookResumed':
        return [];
      case 'ActorRegistered':
        this.sides.set(event.data.actorId, event.data.side);
        return loud ? [eventMessage(recorded, undefined, undefined)] : [];
      case 'NeighbourhoodRegistered':
      case 'PositionsAdded':
      case 'AttackLaunched':
      case 'PositionCaptured':
      case 'CounterattackLaunched':
      case 'ForcesRetreated':
      case 'CasualtiesReported':
      case 'ReportRetracted':
      case 'ReportAssessed':
        return this.neighbourhoodMessages(recorded, event, loud);
      default:
        return noMessages(event);
    }
  }

  private neighbourhoodMessages(recorded: RecordedEvent, event: NeighbourhoodEvent, loud: boolean): LiveMessage[] {
    const neighbourhoodId = event.data.neighbourhoodId;
    let tracker = this.neighbourhoods.get(neighbourhoodId);
    if (tracker === undefined) {
      tracker = new NeighbourhoodControlTracker(neighbourhoodId);
      this.neighbourhoods.set(neighbourhoodId, tracker);
    }
    const positioned = {
      ...event,
      eventId: recorded.eventId,
      position: recorded.position,
      recordedAt: String(recorded.metadata.recordedAt),
    } as Positioned<NeighbourhoodEvent>;
    const changed = tracker.apply(positioned, loud, this.sideOf);
    if (!loud) return [];
    const city = tracker.city;
    const messages = [eventMessage(recorded, neighbourhoodId, city)];
    if (changed !== undefined) {
      const control = {
        neighbourhoodId,
        position: recorded.position,
        eventId: recorded.eventId,
        shares: changed.shares,
        sideShares: changed.sideShares,
        majorityController: changed.majorityController,
        contestedPositions: changed.contestedPositions,
      };
      messages.push(new Message(`${recorded.position}/control`, recorded.position, 'control', 'control', neighbourhoodId, city, () => control));
    }
    return messages;
  }
}

/** An event type this build does not know (written by a newer one): nothing to send. */
function noMessages(_event: never): LiveMessage[] {
  return [];
}

const INCIDENTS = new Set<string>(INCIDENT_TYPES);

function eventMessage(recorded: RecordedEvent, neighbourhoodId: string | undefined, city: string | undefined): LiveMessage {
  const build = INCIDENTS.has(recorded.type)
    ? (audience: Audience) => ({ ...timelineItem(recordedEntry(recorded), audience === 'admin'), position: recorded.position })
    : (audience: Audience) => rawEventItem(recorded, audience === 'admin');
  return new Message(String(recorded.position), recorded.position, 'event', recorded.type, neighbourhoodId, city, build);
}

/** An incident's timeline entry as it was recorded: unassessed, not retracted, standing as recorded. */
function recordedEntry(recorded: RecordedEvent): TimelineEntry {
  const incident = recorded as unknown as IncidentEvent;
  const data = recorded.data as Record<string, unknown>;
  const recordedAt = String(recorded.metadata.recordedAt);
  return {
    eventId: recorded.eventId,
    neighbourhoodId: incident.data.neighbourhoodId,
    type: incident.type,
    occurredAt: incident.data.occurredAt,
    occurredAtMs: Date.parse(incident.data.occurredAt),
    logPosition: recorded.position,
    timePrecision: incident.data.timePrecision,
    recordedAt,
    reportedAt: incident.data.reportedAt ?? recordedAt,
    data,
    standing: recordedStanding(incident),
    status: 'unverified',
    corroborates: Array.isArray(data.corroborates) ? (data.corroborates as string[]) : undefined,
    assessments: [],
    retraction: null,
  };
}
