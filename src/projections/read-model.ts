import type { ActorEvent, NeighbourhoodEvent, WebhookEvent } from '../domain/index.js';

/** Every event type the log holds; each read model says, for each one, what it files or that it ignores it. */
export type LoggedEvent = NeighbourhoodEvent | ActorEvent | WebhookEvent;
export type LoggedEventType = LoggedEvent['type'];

/**
 * A value of a row, taken from the event. The same declaration is evaluated two ways: on a
 * parsed event in JavaScript (`read-model-rows.ts`), and in SQL over the embedded store's log
 * (`read-model-sql.ts`); both read it the same way and refuse the same shapes.
 *
 * `text`, `number`, `boolean`, `json` and `instantMs` read a path of the event's data (`from:
 * 'data'`) or of the list item a row is made for (`from: 'item'`; the path '' is the item
 * itself). Absent and JSON null read as NULL; a value of another JSON type makes the event
 * unfileable: the read model fails on it, naming it, instead of filing something else.
 */
export type Value =
  | { readonly kind: 'eventId' }
  | { readonly kind: 'logPosition' }
  | { readonly kind: 'eventType' }
  | { readonly kind: 'dataText' }
  | { readonly kind: 'metadataText'; readonly path: string }
  | { readonly kind: 'recordedAtMs' }
  | { readonly kind: 'text' | 'number' | 'boolean' | 'json' | 'instantMs'; readonly from: 'data' | 'item'; readonly path: string }
  | { readonly kind: 'itemIndex' }
  | { readonly kind: 'constant'; readonly value: string | number | null }
  | { readonly kind: 'coalesce'; readonly values: readonly Value[] };

/** One row per event, or one per item of a list of the event's data. */
export interface RowMapping {
  readonly into: string;
  /**
   * A row per item of the array (or of the values of the object) at this path of the data. A
   * required list that is missing, or a list of another kind, makes the event unfileable; an
   * optional one may be absent or null (no rows). Items are `text` (strings or null) or
   * `object`. Rows of an object's values come in no order that counts: give them no ordinal.
   */
  readonly each?: {
    readonly path: string;
    readonly container?: 'array' | 'object';
    readonly items: 'text' | 'object';
    readonly optional?: boolean;
  };
  readonly columns: Readonly<Record<string, Value>>;
  /** The table's unique key: a row already there is left as it is, so filing an event twice changes nothing. */
  readonly key: readonly string[];
  /** No row when one of these columns would be NULL (an optional field that is absent). */
  readonly unlessNull?: readonly string[];
}

/** What a read model does with events of one type: the rows it files, or nothing. */
export type EventMapping = readonly RowMapping[] | 'ignored';

/**
 * A read model, declared once: its tables and, for every event type of the log, the rows an
 * event files. The compiler names every read model when an event type is added to the domain.
 */
export interface ReadModelDeclaration {
  /** A slug: the file names and the projection endpoints use it. */
  readonly name: string;
  /** Bump it whenever the tables or the mapping change meaning: the engine then rebuilds from position 0. */
  readonly version: number;
  /**
   * The oldest stored version whose tables this build's queries can still read. While a version
   * bump is rebuilding, a live generation older than this serves no queries. Defaults to `version`.
   */
  readonly readableFromVersion?: number;
  /**
   * Revision of the physical layout (keys, indexes) that changes nothing a query can see: a
   * generation of another layout is rebuilt beside the live one, which keeps answering. 0 when omitted.
   */
  readonly layout?: number;
  /** Every table, for comparing a model with a rebuild. */
  readonly tables: readonly string[];
  /** DDL run once when a generation file is created. */
  readonly schema: string;
  /**
   * DDL of the indexes only queries use. A generation built from scratch creates them once it
   * has caught up with the log: sorting every row once costs less than keeping each index in
   * order through a whole replay. Until then queries answer by scanning.
   */
  readonly indexes?: string;
  readonly events: { readonly [K in LoggedEventType]: EventMapping };
}

export const event = {
  id: { kind: 'eventId' },
  position: { kind: 'logPosition' },
  type: { kind: 'eventType' },
  /** The data as the log holds it, JSON text. */
  dataText: { kind: 'dataText' },
  /** `metadata.recordedAt` in epoch milliseconds: what `knownAt` compares against. */
  recordedAtMs: { kind: 'recordedAtMs' },
  metadataText: (path: string): Value => ({ kind: 'metadataText', path }),
} as const satisfies Record<string, Value | ((path: string) => Value)>;

function reader(from: 'data' | 'item') {
  return {
    text: (path = ''): Value => ({ kind: 'text', from, path }),
    number: (path = ''): Value => ({ kind: 'number', from, path }),
    boolean: (path = ''): Value => ({ kind: 'boolean', from, path }),
    /** An object or array, as compact JSON text. */
    json: (path = ''): Value => ({ kind: 'json', from, path }),
    /** An ISO 8601 instant, in epoch milliseconds (NULL when it does not parse). */
    instantMs: (path = ''): Value => ({ kind: 'instantMs', from, path }),
  };
}

export const data = reader('data');
export const item = { ...reader('item'), index: { kind: 'itemIndex' } as Value };
export const constant = (value: string | number | null): Value => ({ kind: 'constant', value });
export const coalesce = (...values: Value[]): Value => ({ kind: 'coalesce', values });

/** One step of a value's path: a key of an object or an index of an array. */
export type PathStep = string | number;

/** `a.b[0].c` as steps; '' is the value itself. */
export function pathSteps(path: string): PathStep[] {
  if (path === '') return [];
  const steps: PathStep[] = [];
  for (const part of path.split('.')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/.exec(part);
    if (match === null) throw new Error(`read model path ${JSON.stringify(path)} is not a.b[0] form`);
    steps.push(match[1]!);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) steps.push(Number(index[1]));
  }
  return steps;
}

/** The event types a declaration files rows for. */
export function handledTypes(declaration: ReadModelDeclaration): LoggedEventType[] {
  return (Object.keys(declaration.events) as LoggedEventType[]).filter((type) => declaration.events[type] !== 'ignored');
}
