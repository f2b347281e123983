import { LIMITS } from '../features/input-limits.js';
import {
  coordinate,
  countField,
  ROW_ID_PATTERN,
  wholeField,
  type CsvRecord,
  type DatasetFormat,
  type DatasetLocation,
  type ImportRow,
  type IncidentPlan,
  type RowPlan,
} from './dataset-format.js';
import type { ImportActorKind } from './import-commands.js';
import { cleanName, cleanText, cutAtWord } from './import-text.js';
import { dateProblem, parseDatasetDate, type DateReading, type ImportPrecision } from './import-time.js';

const PRECISION_BY_TIME_PRECISION: Readonly<Record<string, ImportPrecision>> = { '1': 'day', '2': 'week', '3': 'month' };

/** ACLED's sub-event types that move territory, compared in lower case. */
const TERRITORY_TAKEN = new Set(['government regains territory', 'non-state actor overtakes territory']);
const TERRITORY_HANDED_OVER = 'non-violent transfer of territory';
/** Event types whose every sub-event type is an attack by actor1 on actor2. */
const ATTACK_EVENT_TYPES = new Set(['battles', 'explosions/remote violence', 'violence against civilians']);

/**
 * ACLED's actor type codes: numbers in exports before 2023 (`inter1` 1..8), words since
 * (`State forces`, `Rebel group`...).
 */
const KIND_BY_INTER: Readonly<Record<string, ImportActorKind>> = {
  '1': 'state-forces',
  'state forces': 'state-forces',
  '2': 'rebel-group',
  'rebel group': 'rebel-group',
  '3': 'militia',
  'political militia': 'militia',
  '4': 'militia',
  'identity militia': 'militia',
  '5': 'other',
  rioters: 'other',
  '6': 'other',
  protesters: 'other',
  '7': 'civilians',
  civilians: 'civilians',
  '8': 'external-force',
  'external/other forces': 'external-force',
};

/**
 * ACLED exports, both column sets: before 2023 (data_id, iso, event_id_no_cnty, numeric inter
 * codes, iso3) and since (disorder_type, civilian_targeting, tags, worded inter codes). Columns
 * are found by name, so order and extra columns do not matter.
 */
export const ACLED_FORMAT: DatasetFormat = {
  name: 'acled',
  sourceName: 'ACLED',
  controlAsOf: '1997-01-01T00:00:00Z',
  requiredColumns: [
    'event_id_cnty', 'event_date', 'time_precision', 'event_type', 'sub_event_type', 'actor1', 'actor2', 'country',
    'admin1', 'admin2', 'location', 'latitude', 'longitude', 'geo_precision', 'source', 'notes', 'fatalities', 'timestamp',
  ],
  dateColumns: ['event_date'],
  optionalColumns: ['admin3', 'inter1', 'inter2'],
  map: mapAcledRecord,
};

function mapAcledRecord(record: CsvRecord, dates: DateReading): RowPlan {
  const rowId = record.value('event_id_cnty').trim();
  if (!ROW_ID_PATTERN.test(rowId)) return invalid(rowId, `event_id_cnty ${JSON.stringify(rowId.slice(0, 40))} must be 1 to 100 visible ASCII characters other than @`);
  const actor1 = cleanName(record.value('actor1'));
  const actor2 = cleanName(record.value('actor2'));
  const incident = acledIncident(record.value('event_type'), record.value('sub_event_type'), actor1, actor2);
  if (incident.kind === 'skip') return incident;

  const version = wholeField(record, 'timestamp');
  if (!/^\d{1,15}$/.test(version)) return invalid(rowId, `timestamp ${JSON.stringify(version.slice(0, 40))} must be a Unix time in seconds`);
  if (actor1 === '') return invalid(rowId, 'actor1 is empty', version);
  const date = parseDatasetDate(record.value('event_date'), dates);
  if (date === undefined) return invalid(rowId, dateProblem('event_date', record.value('event_date'), dates), version);
  const precision = PRECISION_BY_TIME_PRECISION[wholeField(record, 'time_precision')];
  if (precision === undefined) return invalid(rowId, `time_precision ${JSON.stringify(record.value('time_precision'))} must be 1, 2 or 3`, version);
  const location = acledLocation(record);
  if (typeof location === 'string') return invalid(rowId, location, version);

  const warnings: string[] = [];
  const fatalities = countField(record, 'fatalities');
  if (fatalities === undefined && record.value('fatalities').trim() !== '') warnings.push('FIGURES_INVALID');
  const text = cleanText(record.value('notes'));
  const notes = cutAtWord(text, LIMITS.notesLength);
  if (notes.length < text.length) warnings.push('NOTES_CUT');
  const actorKinds = new Map<string, ImportActorKind>();
  const kind1 = KIND_BY_INTER[wholeField(record, 'inter1').toLowerCase()];
  const kind2 = KIND_BY_INTER[wholeField(record, 'inter2').toLowerCase()];
  if (kind1 !== undefined) actorKinds.set(actor1, kind1);
  if (kind2 !== undefined && actor2 !== '') actorKinds.set(actor2, kind2);
  const row: ImportRow = {
    kind: 'import',
    rowId,
    version,
    location,
    incident: incident.plan,
    ...(fatalities !== undefined && fatalities > 0 ? { killed: { best: fatalities } } : {}),
    date,
    precision,
    outlets: [...new Set(record.value('source').split(';').map(cleanName))].filter((name) => name !== '').map((name) => ({ name })),
    ...(notes !== '' ? { notes } : {}),
    actorKinds,
    warnings,
  };
  return row;
}

/**
 * The mapping by sub-event type: territory taken is a capture by actor1; territory handed over
 * is a retreat by actor2 yielding to actor1 (a capture by actor1 when actor2 is empty); every
 * sub-event of battles, explosions/remote violence and violence against civilians is an attack
 * by actor1 on actor2 (on nobody when actor2 is empty). Anything else is skipped by its type.
 */
export function acledIncident(
  eventType: string,
  subEventType: string,
  actor1: string,
  actor2: string,
): { kind: 'plan'; plan: IncidentPlan } | { kind: 'skip'; type: string } {
  const sub = subEventType.trim().toLowerCase();
  if (TERRITORY_TAKEN.has(sub)) return { kind: 'plan', plan: { kind: 'capture', by: actor1 } };
  if (sub === TERRITORY_HANDED_OVER) {
    return { kind: 'plan', plan: actor2 === '' ? { kind: 'capture', by: actor1 } : { kind: 'retreat', by: actor2, yieldedTo: actor1 } };
  }
  if (ATTACK_EVENT_TYPES.has(eventType.trim().toLowerCase())) {
    return { kind: 'plan', plan: { kind: 'attack', attackers: [actor1], defenders: actor2 === '' ? [] : [actor2] } };
  }
  return { kind: 'skip', type: cleanName(subEventType) || cleanName(eventType) || '(empty)' };
}

function acledLocation(record: CsvRecord): DatasetLocation | string {
  const name = cleanName(record.value('location'));
  if (name === '') return 'location is empty';
  const lat = coordinate(record.value('latitude'), 90, record.decimalComma);
  const lon = coordinate(record.value('longitude'), 180, record.decimalComma);
  if (lat === undefined || lon === undefined) {
    return `latitude ${JSON.stringify(record.value('latitude'))} and longitude ${JSON.stringify(record.value('longitude'))} must be degrees`;
  }
  const country = cleanName(record.value('country'));
  if (country === '') return 'country is empty';
  const [admin1, admin2, admin3] = ['admin1', 'admin2', 'admin3'].map((column) => cleanName(record.value(column))) as [string, string, string];
  return {
    name,
    country,
    adminLevels: [admin1, admin2, admin3],
    city: admin2 || admin1 || country,
    lon,
    lat,
    bestPrecision: wholeField(record, 'geo_precision') === '1',
  };
}

function invalid(rowId: string, message: string, version?: string): RowPlan {
  return { kind: 'invalid', rowId, ...(version !== undefined ? { version } : {}), message };
}
