import type { CasualtyFigure, ImportActorKind } from './import-commands.js';
import type { DateReading, ImportPrecision } from './import-time.js';

/** One data record of the file: values by header name (case-insensitive), `''` when absent. */
export interface CsvRecord {
  /** 1-based, the header not counted. */
  readonly index: number;
  /** The file separates fields by `;` or tab, so that a number may be written `33,5`. */
  readonly decimalComma?: boolean;
  /** The file ends inside this record (no line break after it): it may have been cut off there. */
  readonly truncated?: boolean;
  value(column: string): string;
}

/** A dataset's location as the row gives it. */
export interface DatasetLocation {
  readonly name: string;
  readonly country: string;
  /** Administrative levels, the widest first (UCDP adm_1, adm_2; ACLED admin1, admin2, admin3). */
  readonly adminLevels: readonly string[];
  readonly city: string;
  readonly lon: number;
  readonly lat: number;
  /** The dataset's best location precision (UCDP where_prec 1, ACLED geo_precision 1). */
  readonly bestPrecision: boolean;
}

/** An outlet the row cites; its date is a calendar date (`YYYY-MM-DD`) when it gives one. */
export interface OutletCitation {
  readonly name: string;
  readonly date?: string;
  /** The date field held something that is no date. */
  readonly badDate?: boolean;
  readonly reference?: string;
}

/** The incident a row describes, in dataset actor names. */
export type IncidentPlan =
  | { readonly kind: 'attack'; readonly attackers: readonly string[]; readonly defenders: readonly string[] }
  | { readonly kind: 'capture'; readonly by: string }
  | { readonly kind: 'retreat'; readonly by: string; readonly yieldedTo: string };

/** A row the importer turns into commands. */
export interface ImportRow {
  readonly kind: 'import';
  readonly rowId: string;
  /** ACLED's `timestamp`: a newer one replaces the older version of the same event. */
  readonly version?: string;
  readonly location: DatasetLocation;
  readonly incident: IncidentPlan;
  readonly killed?: CasualtyFigure;
  /** `YYYY-MM-DD`: the report occurs at 00:00Z that day. */
  readonly date: string;
  readonly precision: ImportPrecision;
  readonly outlets: readonly OutletCitation[];
  readonly notes?: string;
  /** Actor kinds the row states (ACLED inter1/inter2), by dataset name. */
  readonly actorKinds: ReadonlyMap<string, ImportActorKind>;
  /** Warnings found while reading the row, e.g. NOTES_CUT. */
  readonly warnings: readonly string[];
}

/** What becomes of one record. */
export type RowPlan =
  | ImportRow
  /** A row of a kind the importer does not map: counted as `skipped:<type>`. */
  | { readonly kind: 'skip'; readonly type: string }
  /** A row missing a required value or holding one that cannot be read: refused `ROW_INVALID`. */
  | { readonly kind: 'invalid'; readonly rowId: string; readonly version?: string; readonly message: string };

export type DatasetName = 'acled' | 'ucdp';

/** How one dataset's rows are read. */
export interface DatasetFormat {
  readonly name: DatasetName;
  /** The dataset source's name on every report. */
  readonly sourceName: string;
  /** The baseline of every neighbourhood the importer registers. */
  readonly controlAsOf: string;
  /** Columns whose absence stops the import (exit 2) before anything is sent. */
  readonly requiredColumns: readonly string[];
  /** Columns that hold dates (several, `;` between, in one field at most), for settling a file's date order. */
  readonly dateColumns: readonly string[];
  /** Columns read when present. */
  readonly optionalColumns: readonly string[];
  map(record: CsvRecord, dates: DateReading): RowPlan;
}

/** The row's id and version as they appear in keys and references: `<id>@<version>` or `<id>`. */
export function rowKey(row: Pick<ImportRow, 'rowId' | 'version'>): string {
  return row.version === undefined ? row.rowId : `${row.rowId}@${row.version}`;
}

/** Row ids and versions go into idempotency keys: visible ASCII only. */
export const ROW_ID_PATTERN = /^[\x21-\x3F\x41-\x7E]{1,100}$/;

/**
 * Degrees within ±limit, written as a plain decimal number (`33.5`; `33,5` too in a file that
 * separates fields by `;` or tab, as spreadsheets in such locales save it).
 */
export function coordinate(value: string, limit: number, decimalComma = false): number | undefined {
  const trimmed = value.trim();
  const text = decimalComma && /^[-+]?\d+,\d+$/.test(trimmed) ? trimmed.replace(',', '.') : trimmed;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text)) return undefined;
  const number = Number(text);
  return Math.abs(number) <= limit ? number : undefined;
}

/**
 * A field that holds a code or a whole number, trimmed, and read as its digits when written as a
 * float (`2.0`, or `2,0` in a file of decimal commas, as tools that keep every number of a
 * column with gaps as a float save it), so
 * that codes, counts and the versions in idempotency keys read as in the export as downloaded.
 */
export function wholeText(value: string, decimalComma = false): string {
  const text = value.trim();
  const float = decimalComma ? /^\d+[.,]0+$/ : /^\d+\.0+$/;
  return float.test(text) ? text.slice(0, text.search(/[.,]/)) : text;
}

/** A non-negative integer count. */
export function count(value: string, decimalComma = false): number | undefined {
  const text = wholeText(value, decimalComma);
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

/** The record's field as `wholeText` reads it (`2,0` too in a file of decimal commas). */
export function wholeField(record: CsvRecord, column: string): string {
  return wholeText(record.value(column), record.decimalComma === true);
}

/** The record's field as a count (see `count`). */
export function countField(record: CsvRecord, column: string): number | undefined {
  return count(record.value(column), record.decimalComma === true);
}
