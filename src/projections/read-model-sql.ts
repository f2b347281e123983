import type { SqlReadableLog } from '../event-store/index.js';
import { type LoggedEventType, type ReadModelDeclaration, type RowMapping, type Value, handledTypes, pathSteps } from './read-model.js';

/*
 * The declaration's mappings as SQL: statements that file, in one go, every event of a window
 * (@after, @until] of the embedded store's log, writing the rows `read-model-rows.ts` writes.
 * The log is read through the temporary view `LOG_VIEW`, made over the table the store names
 * (`SqlReadableLog`), so that no statement knows the store's schema.
 *
 * An event of a shape the JavaScript filer refuses calls `unfileable(position)`, which throws:
 * the window is rolled back and goes to the filers, which name the event. Text put into the
 * store's file by other means than the store can still be read differently in two ways no check
 * sees: a key given twice (SQLite reads the first, JSON.parse the last), and bytes that are not
 * UTF-8 (copied as they are, where JSON.parse gives U+FFFD).
 */

/** The temporary view over the attached log that every statement reads. */
export const LOG_VIEW = 'log_events';

/** DDL of `LOG_VIEW` over the log attached as `schema`, in the port's own column names. */
export function logViewSql(log: SqlReadableLog, schema: string): string {
  const c = log.columns;
  return `CREATE TEMP VIEW ${LOG_VIEW} AS
    SELECT ${c.position} AS position, ${c.eventId} AS event_id, ${c.streamId} AS stream_id, ${c.revision} AS revision,
           ${c.type} AS type, ${c.data} AS data, ${c.metadata} AS metadata
    FROM ${schema}.${quoteIdentifier(log.table)}`;
}

/** The log's events of the window (after, until], in order, as the port hands them: for filing what the SQL left. */
export const WINDOW_EVENTS_SQL = `SELECT position, event_id AS eventId, stream_id AS streamId, revision, type, data, metadata
  FROM ${LOG_VIEW} WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`;

export const LOG_HEAD_SQL = `SELECT coalesce(max(position), 0) FROM ${LOG_VIEW}`;

/**
 * One statement per row mapping, each filing the events of every type that shares that mapping
 * (the very same object), in log order.
 */
export function logWindowStatements(declaration: ReadModelDeclaration): string[] {
  const typesOf = new Map<RowMapping, LoggedEventType[]>();
  for (const type of handledTypes(declaration)) {
    for (const mapping of declaration.events[type] as readonly RowMapping[]) {
      const types = typesOf.get(mapping) ?? [];
      types.push(type);
      typesOf.set(mapping, types);
    }
  }
  return [...typesOf].map(([mapping, types]) => statement(mapping, types));
}

function statement(mapping: RowMapping, types: readonly LoggedEventType[]): string {
  const columns = Object.keys(mapping.columns);
  const each = mapping.each;
  const values = columns.map((column) => sql(mapping.columns[column]!));
  const refusals: string[] = [
    // SQLite also reads JSON5, which JSON.parse refuses.
    'NOT json_valid(e.data, 1) OR NOT json_valid(e.metadata, 1)',
  ];
  if (each !== undefined) {
    const kind = each.container === 'object' ? "'object'" : "'array'";
    const listType = `json_type(e.data, ${jsonPath(each.path)})`;
    refusals.push(each.optional === true ? `${listType} NOT IN (${kind}, 'null')` : `${listType} IS NOT ${kind}`);
  }
  const checks = new Set<string>();
  for (const value of Object.values(mapping.columns)) collectChecks(value, checks);
  const dataChecks = [...checks].filter((check) => !check.includes('item.'));
  const itemChecks = [...checks].filter((check) => check.includes('item.'));
  refusals.push(...dataChecks);
  if (each !== undefined) {
    const itemShape = each.items === 'text' ? "item.type NOT IN ('text', 'null')" : "item.type IS NOT 'object'";
    // The item's own shape first: a field of an item that is no object cannot be read at all.
    refusals.push(`item.id IS NOT NULL AND (${itemShape})`);
    if (itemChecks.length > 0) refusals.push(`item.id IS NOT NULL AND (${itemChecks.join(' OR ')})`);
  }
  const keep = [
    ...(each !== undefined ? ['item.id IS NOT NULL'] : []),
    ...(mapping.unlessNull ?? []).map((column) => `(${values[columns.indexOf(column)]}) IS NOT NULL`),
  ];
  const source =
    each === undefined ? `${LOG_VIEW} AS e` : `${LOG_VIEW} AS e LEFT JOIN json_each(e.data, ${jsonPath(each.path)}) AS item`;
  const ofTypes = `e.type IN (${types.map(quote).join(', ')})`;
  // CASE, not AND: SQLite may evaluate the terms of an AND in any order, a CASE in its own; an
  // event of another type must never reach the refusals.
  const guard = `CASE WHEN NOT ${ofTypes} THEN 0 ${refusals.map((refusal) => `WHEN ${refusal} THEN unfileable(e.position)`).join(' ')} ELSE ${
    keep.length === 0 ? '1' : keep.join(' AND ')
  } END`;
  return `INSERT INTO ${mapping.into} (${columns.join(', ')})
    SELECT ${values.join(', ')}
    FROM ${source}
    WHERE e.position > @after AND e.position <= @until AND ${ofTypes} AND ${guard}
    ORDER BY e.position${each === undefined ? '' : ', item.id'}
    ON CONFLICT (${mapping.key.join(', ')}) DO NOTHING`;
}

/** The JSON document a value reads, and the path in it. */
function target(value: { readonly from: 'data' | 'item'; readonly path: string }): { document: string; path: string } {
  return value.from === 'data' ? { document: 'e.data', path: value.path } : { document: 'item.value', path: value.path };
}

function sql(value: Value): string {
  switch (value.kind) {
    case 'eventId':
      return 'e.event_id';
    case 'logPosition':
      return 'e.position';
    case 'eventType':
      return 'e.type';
    case 'dataText':
      return 'e.data';
    case 'metadataText':
      return `e.metadata ->> ${jsonPath(value.path)}`;
    case 'recordedAtMs':
      return `instant_ms(e.metadata ->> '$.recordedAt')`;
    case 'itemIndex':
      return 'item.key';
    case 'constant':
      return value.value === null ? 'NULL' : typeof value.value === 'number' ? String(value.value) : quote(value.value);
    case 'coalesce':
      return `coalesce(${value.values.map(sql).join(', ')})`;
    case 'text':
    case 'number':
    case 'boolean':
    case 'instantMs':
    case 'json': {
      const { document, path } = target(value);
      // An item that is a string is SQL text in json_each's value, not JSON: read it as it is.
      const read = value.from === 'item' && path === '' ? 'item.value' : `${document} ->> ${jsonPath(path)}`;
      if (value.kind === 'instantMs') return `instant_ms(${read})`;
      if (value.kind === 'json') {
        return `CASE WHEN ${typeOf(document, path, value.from)} IN ('object', 'array') THEN ${document} -> ${jsonPath(path)} END`;
      }
      return read;
    }
    default: {
      const unknown: never = value;
      return unknown;
    }
  }
}

const ACCEPTED_TYPES = {
  text: "'text', 'null'",
  instantMs: "'text', 'null'",
  number: "'integer', 'real', 'null'",
  boolean: "'true', 'false', 'null'",
  json: "'object', 'array', 'null'",
} as const;

/** The conditions under which a value refuses its event (a JSON type it does not read). */
function collectChecks(value: Value, checks: Set<string>): void {
  switch (value.kind) {
    case 'metadataText':
      checks.add(`json_type(e.metadata, ${jsonPath(value.path)}) NOT IN ('text', 'null')`);
      return;
    case 'recordedAtMs':
      checks.add(`json_type(e.metadata, '$.recordedAt') NOT IN ('text', 'null')`);
      return;
    case 'coalesce':
      for (const operand of value.values) collectChecks(operand, checks);
      return;
    case 'text':
    case 'number':
    case 'boolean':
    case 'instantMs':
    case 'json': {
      const { document, path } = target(value);
      checks.add(`${typeOf(document, path, value.from)} NOT IN (${ACCEPTED_TYPES[value.kind]})`);
      return;
    }
    default:
      return;
  }
}

function typeOf(document: string, path: string, from: 'data' | 'item'): string {
  return from === 'item' && path === '' ? 'item.type' : `json_type(${document}, ${jsonPath(path)})`;
}

function jsonPath(path: string): string {
  const steps = pathSteps(path);
  return quote(`$${steps.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('')}`);
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
