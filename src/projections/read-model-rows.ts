import type Database from 'better-sqlite3';
import type { RecordedEvent } from '../event-store/index.js';
import { type LoggedEventType, type ReadModelDeclaration, type RowMapping, type Value, handledTypes, pathSteps } from './read-model.js';

/** The event cannot be filed as its read model declares: a value of another JSON type than the mapping reads. */
export class UnfileableEvent extends Error {
  override readonly name = 'UnfileableEvent';
}

type SqlValue = string | number | null;

/** What a value is evaluated against: the event, and the list item of the row (when the row has one). */
interface Scope {
  readonly event: RecordedEvent;
  readonly dataText: string;
  readonly item: unknown;
  readonly index: number;
}

type Evaluate = (scope: Scope) => SqlValue;

/** Files one event: the rows of every mapping of its type. */
export type EventFiler = (event: RecordedEvent) => void;

/**
 * The declaration's mappings as JavaScript, on prepared statements of `db`: a filer per event
 * type it handles. It reads values exactly as `read-model-sql.ts` does in SQL (absent and null
 * alike, the same types refused), so that both file the same rows.
 */
export function compileFilers(declaration: ReadModelDeclaration, db: Database.Database): ReadonlyMap<string, EventFiler> {
  const inserts = new Map<RowMapping, (scope: Scope) => void>();
  const filers = new Map<string, EventFiler>();
  for (const type of handledTypes(declaration)) {
    const mappings = declaration.events[type] as readonly RowMapping[];
    const rowWriters = mappings.map((mapping) => {
      let write = inserts.get(mapping);
      if (write === undefined) {
        write = rowWriter(db, mapping);
        inserts.set(mapping, write);
      }
      return write;
    });
    filers.set(type, (recorded) => {
      if (recorded.data === undefined) throw new UnfileableEvent('its data or metadata is not JSON');
      const scope: Scope = {
        event: recorded,
        dataText: recorded.dataJson ?? JSON.stringify(recorded.data),
        item: undefined,
        index: 0,
      };
      for (const write of rowWriters) write(scope);
    });
  }
  return filers;
}

function rowWriter(db: Database.Database, mapping: RowMapping): (scope: Scope) => void {
  const columns = Object.keys(mapping.columns);
  const insert = db.prepare(
    `INSERT INTO ${mapping.into} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
     ON CONFLICT (${mapping.key.join(', ')}) DO NOTHING`,
  );
  const values = columns.map((column) => evaluator(mapping.columns[column]!));
  const skipWhenNull = (mapping.unlessNull ?? []).map((column) => columns.indexOf(column));
  const writeRow = (scope: Scope): void => {
    const row = values.map((value) => value(scope));
    if (skipWhenNull.some((index) => row[index] === null)) return;
    insert.run(row);
  };
  const each = mapping.each;
  if (each === undefined) return writeRow;
  const list = at(pathSteps(each.path));
  const container = each.container ?? 'array';
  return (scope) => {
    const found = list(scope.event.data);
    if (found === undefined || found === null) {
      if (each.optional === true) return;
      throw new UnfileableEvent(`${each.path} is missing`);
    }
    if (container === 'array' ? !Array.isArray(found) : !isObject(found)) throw new UnfileableEvent(`${each.path} is not an ${container}`);
    const items = container === 'array' ? (found as unknown[]) : Object.values(found as object);
    items.forEach((entry, index) => {
      if (each.items === 'text' ? entry !== null && typeof entry !== 'string' : !isObject(entry)) {
        throw new UnfileableEvent(`an item of ${each.path} is not ${each.items === 'text' ? 'a string' : 'an object'}`);
      }
      writeRow({ ...scope, item: entry, index });
    });
  };
}

function evaluator(value: Value): Evaluate {
  switch (value.kind) {
    case 'eventId':
      return (scope) => scope.event.eventId;
    case 'logPosition':
      return (scope) => scope.event.position;
    case 'eventType':
      return (scope) => scope.event.type;
    case 'dataText':
      return (scope) => scope.dataText;
    case 'metadataText': {
      const read = at(pathSteps(value.path));
      return (scope) => text(read(scope.event.metadata), value.path);
    }
    case 'recordedAtMs':
      return (scope) => instantMs(text(scope.event.metadata.recordedAt, 'metadata.recordedAt'));
    case 'itemIndex':
      return (scope) => scope.index;
    case 'constant':
      return () => value.value;
    case 'coalesce': {
      const operands = value.values.map(evaluator);
      return (scope) => {
        let first: SqlValue = null;
        // Every operand is read, as SQL reads them: a refused shape refuses even when an earlier one is set.
        for (const operand of operands) {
          const result = operand(scope);
          if (first === null) first = result;
        }
        return first;
      };
    }
    case 'text':
    case 'number':
    case 'boolean':
    case 'json':
    case 'instantMs': {
      const read = at(pathSteps(value.path));
      const source = value.from === 'data' ? (scope: Scope) => scope.event.data : (scope: Scope) => scope.item;
      const name = value.from === 'data' ? value.path : `item${value.path === '' ? '' : `.${value.path}`}`;
      switch (value.kind) {
        case 'text':
          return (scope) => text(read(source(scope)), name);
        case 'number':
          return (scope) => number(read(source(scope)), name);
        case 'boolean':
          return (scope) => boolean(read(source(scope)), name);
        case 'json':
          return (scope) => json(read(source(scope)), name);
        default:
          return (scope) => instantMs(text(read(source(scope)), name));
      }
    }
    default: {
      const unknown: never = value;
      return unknown;
    }
  }
}

/** The value at `steps` of `root`, as SQLite's JSON path reads it: keys of objects only, indexes of arrays only. */
export function at(steps: readonly (string | number)[]): (root: unknown) => unknown {
  return (root) => {
    let value = root;
    for (const step of steps) {
      if (typeof step === 'number') {
        if (!Array.isArray(value)) return undefined;
        value = value[step];
      } else {
        if (!isObject(value) || !Object.hasOwn(value, step)) return undefined;
        value = (value as Record<string, unknown>)[step];
      }
    }
    return value;
  };
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new UnfileableEvent(`${name} is not a string`);
  return value;
}

function number(value: unknown, name: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number') throw new UnfileableEvent(`${name} is not a number`);
  return value;
}

function boolean(value: unknown, name: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') throw new UnfileableEvent(`${name} is not a boolean`);
  return value ? 1 : 0;
}

function json(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') throw new UnfileableEvent(`${name} is not an object or an array`);
  return JSON.stringify(value);
}

/** Epoch milliseconds of an ISO 8601 instant; NULL for what does not parse. SQL calls it as `instant_ms`. */
export function instantMs(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export type { LoggedEventType };
