import type { RecordedEvent } from '../../event-store/index.js';

/** Who reads a message: admins see protected sources and request metadata, everybody else does not. */
export type Audience = 'admin' | 'others';

export type LiveMessageKind = 'event' | 'control';

/**
 * One message of the live feed: an event of the log, or the control change that follows one.
 * Its data is built, serialised and encoded once per audience, on first use, and shared by every
 * stream and webhook that sends it: a message's text never changes, so a replay sends the same
 * bytes, and a hundred streams cost one encoding, not a hundred.
 */
export class LiveMessage {
  private readonly texts: Partial<Record<Audience, MessageText>> = {};

  constructor(
    /** The SSE id: the log position, or `<position>/control`. */
    readonly id: string,
    readonly position: number,
    readonly kind: LiveMessageKind,
    /** The SSE event name: the event's type, or `control`. */
    readonly event: string,
    /** Undefined for actor registrations, which belong to no neighbourhood. */
    readonly neighbourhoodId: string | undefined,
    readonly city: string | undefined,
    private readonly build: (audience: Audience) => unknown,
  ) {}

  /** The `data:` JSON. */
  data(audience: Audience): string {
    return this.text(audience).data;
  }

  /** The whole SSE message, blank line included, as UTF-8. */
  frame(audience: Audience): Buffer {
    return this.text(audience).frame;
  }

  /** A webhook's body: `{"id", "event", "data"}` with the data exactly as the stream sends it to an analyst. */
  webhookBody(): string {
    return `{"id":${JSON.stringify(this.id)},"event":${JSON.stringify(this.event)},"data":${this.data('others')}}`;
  }

  private text(audience: Audience): MessageText {
    let text = this.texts[audience];
    if (text === undefined) {
      // JSON.stringify escapes line breaks inside strings, so the data is one `data:` line.
      const data = JSON.stringify(this.build(audience));
      text = { data, frame: Buffer.from(`id: ${this.id}\nevent: ${this.event}\ndata: ${data}\n\n`) };
      this.texts[audience] = text;
    }
    return text;
  }
}

interface MessageText {
  readonly data: string;
  readonly frame: Buffer;
}

/** What the live feed made of one event of the log: its messages (none for webhook registrations). */
export interface LogEntry {
  readonly position: number;
  readonly event: RecordedEvent;
  readonly messages: readonly LiveMessage[];
}

/** Where a consumer stands: after a log position, and, when `controlSent`, after its control message too. */
export interface LiveCursor {
  readonly position: number;
  readonly controlSent: boolean;
}

const MESSAGE_ID = /^(0|[1-9]\d{0,15})(\/control)?$/;

/** A message id (`Last-Event-ID`) as a cursor, or undefined when it is not one. */
export function parseMessageId(text: string): LiveCursor | undefined {
  const match = MESSAGE_ID.exec(text);
  if (match === null) return undefined;
  const position = Number(match[1]);
  return Number.isSafeInteger(position) ? { position, controlSent: match[2] !== undefined } : undefined;
}

/** The messages of the entries that come after the cursor. */
export function isAfter(cursor: LiveCursor, message: LiveMessage): boolean {
  if (message.position !== cursor.position) return message.position > cursor.position;
  return message.kind === 'control' && !cursor.controlSent;
}
