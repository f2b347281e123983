/*
 * Building blocks of `ProjectionDefinition.fromLog`: SQL that files a window of the embedded
 * store's log (attached as `log`) the way a projection's handlers do. The handlers stay the
 * reference. The SQL files only events whose shape it files exactly as they would: a statement
 * that meets another calls `unfileable(position)`, which throws, and the window goes to the
 * handlers instead.
 *
 * What it files the same way is the text the store writes (`JSON.stringify`, UTF-8). Text put
 * into the file by other means can differ in two ways no check here sees: a key given twice
 * (SQLite reads the first, JSON.parse the last), and bytes that are not UTF-8 (copied as they
 * are, where the handlers store U+FFFD).
 *
 * Every handled type is scanned, and its shape checked, by one statement that reads one row
 * per event (`fromWindow`). A statement that joins an event's list (`json_each`) checks the
 * items it joins (`refusingItems`); that the list is there at all, it cannot see (a missing
 * list joins no row), so the scanning statement checks it. All of them run in one
 * transaction, so one refusal anywhere refuses the window.
 */

/** The events of the window (@after, @until] of these types, as `e`. */
export function inWindow(types: readonly string[]): string {
  return `e.position > @after AND e.position <= @until AND e.type IN (${types.map(quote).join(', ')})`;
}

export interface WindowOptions {
  /** The types whose events the statement files; every scanned one by default. */
  readonly filed?: readonly string[];
  /**
   * The statement files RECORDED_AT_MS into a NOT NULL column for every event it scans, which
   * refuses a recordedAt the handlers refuse: no need to check it again.
   */
  readonly filesRecordedAtMs?: boolean;
}

/**
 * FROM and WHERE of a statement that reads one row per event of the window: the events of
 * the `filed` types, after refusing the window when an event of a scanned type has a shape its
 * conditions name, or a recordedAt the handlers refuse. (Data that is no object has none of
 * the fields a NOT NULL column needs.)
 */
export function fromWindow(scanned: Readonly<Record<string, readonly string[]>>, options: WindowOptions = {}): string {
  const types = Object.keys(scanned);
  const filed = options.filed ?? types;
  const byType = types
    .filter((type) => scanned[type]!.length > 0)
    .map((type) => `WHEN ${quote(type)} THEN ${scanned[type]!.map((condition) => `(${condition})`).join(' OR ')}`)
    .join(' ');
  const checks = [
    // SQLite also reads JSON5 (comments, unquoted keys, trailing commas), which JSON.parse refuses.
    'NOT json_valid(e.data, 1) OR NOT json_valid(e.metadata, 1)',
    ...(options.filesRecordedAtMs === true && filed.length === types.length ? [] : [`${RECORDED_AT_MS} IS NULL`]),
    ...(byType === '' ? [] : [`CASE e.type ${byType} ELSE 0 END`]),
  ];
  const badShape = checks.join(' OR ');
  // CASE, not AND: SQLite may evaluate the terms of an AND in any order, a CASE in its own.
  const pick = filed.length === types.length ? '1' : `e.type IN (${filed.map(quote).join(', ')})`;
  return `FROM log.events AS e
    WHERE ${inWindow(types)} AND CASE WHEN ${badShape} THEN unfileable(e.position) ELSE ${pick} END`;
}

/**
 * `instantMs` of a value, NULL when it refuses it: `instant_ms` is `instantMs` itself. (SQLite's
 * own reading, made exact by a round trip through strftime, cost more than the call.)
 */
export const instantMsSql = (value: string): string => `instant_ms(${value})`;

export const RECORDED_AT = "e.metadata ->> '$.recordedAt'";
/** `metadata.recordedAt` in epoch milliseconds, NULL when the handlers would refuse it. */
export const RECORDED_AT_MS = instantMsSql(RECORDED_AT);

/** A value of the event's data (or of `from`, a JSON value), as the handlers read `data.<path>`. */
export const field = (path: string, from = 'e.data'): string => `${from} ->> '$.${path}'`;

/*
 * Shapes the SQL would file differently from the handlers. Bound from JavaScript, a number
 * lands in a TEXT column as '5.0' where SQL writes '5', and a boolean or an object cannot be
 * bound at all; a missing list is a TypeError in a handler and no row in SQL.
 */

/** `path` holds something else than a string (absent and null are filed alike). */
export const notText = (path: string, from = 'e.data'): string => `json_type(${from}, '$.${path}') NOT IN ('text', 'null')`;

/** `notText` of each path of the event's data. */
export const notTexts = (paths: readonly string[]): string[] => paths.map((path) => notText(path));

/** `path` holds something else than a number (or a string, which SQLite converts alike either way). */
export const notNumber = (path: string, from = 'e.data'): string =>
  `json_type(${from}, '$.${path}') NOT IN ('integer', 'real', 'text', 'null')`;

/** `path` is no list. Its items are checked where they are joined (see `refusingItems`). */
export const notList = (path: string): string => `json_type(e.data, '$.${path}') IS NOT 'array'`;

/** What an item of a list of strings must not be. */
export const NOT_TEXT_ITEM = "item.type NOT IN ('text', 'null')";

/** What an item of a list of objects must not be (beyond the conditions on its fields, `item.value`). */
export const NOT_OBJECT_ITEM = "item.type IS NOT 'object'";

/**
 * A WHERE term of a statement that joins an event's list (`json_each(…) AS item`): refuses the
 * window when an item meets one of the conditions. The join sees every item of every list the
 * statement files; a missing list it cannot see, which is why `fromWindow` checks `notList`.
 */
export function refusingItems(conditions: readonly string[]): string {
  return `CASE WHEN ${conditions.map((condition) => `(${condition})`).join(' OR ')} THEN unfileable(e.position) ELSE 1 END`;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
