import { writeFileSync } from 'node:fs';
import { csvLine } from '../../src/import/rejects-file.js';

/**
 * ACLED's export layouts, for files the tests generate (ACLED's terms forbid shipping its data):
 * the column set of exports before 2023 and the one since (disorder_type, civilian_targeting,
 * tags; no data_id, event_id_no_cnty or iso3; worded inter codes).
 */
export const ACLED_COLUMNS_2020 = [
  'data_id', 'iso', 'event_id_cnty', 'event_id_no_cnty', 'event_date', 'year', 'time_precision', 'event_type',
  'sub_event_type', 'actor1', 'assoc_actor_1', 'inter1', 'actor2', 'assoc_actor_2', 'inter2', 'interaction', 'region',
  'country', 'admin1', 'admin2', 'admin3', 'location', 'latitude', 'longitude', 'geo_precision', 'source',
  'source_scale', 'notes', 'fatalities', 'timestamp', 'iso3',
] as const;

export const ACLED_COLUMNS_2024 = [
  'event_id_cnty', 'event_date', 'year', 'time_precision', 'disorder_type', 'event_type', 'sub_event_type', 'actor1',
  'assoc_actor_1', 'inter1', 'actor2', 'assoc_actor_2', 'inter2', 'interaction', 'civilian_targeting', 'iso', 'region',
  'country', 'admin1', 'admin2', 'admin3', 'location', 'latitude', 'longitude', 'geo_precision', 'source',
  'source_scale', 'notes', 'fatalities', 'tags', 'timestamp',
] as const;

export type AcledRow = Record<string, string>;

/** Every sub-event type ACLED codes, with its event type. */
export const ACLED_SUB_EVENTS: readonly (readonly [string, string])[] = [
  ['Battles', 'Armed clash'],
  ['Battles', 'Government regains territory'],
  ['Battles', 'Non-state actor overtakes territory'],
  ['Explosions/Remote violence', 'Chemical weapon'],
  ['Explosions/Remote violence', 'Air/drone strike'],
  ['Explosions/Remote violence', 'Suicide bomb'],
  ['Explosions/Remote violence', 'Shelling/artillery/missile attack'],
  ['Explosions/Remote violence', 'Remote explosive/landmine/IED'],
  ['Explosions/Remote violence', 'Grenade'],
  ['Violence against civilians', 'Sexual violence'],
  ['Violence against civilians', 'Attack'],
  ['Violence against civilians', 'Abduction/forced disappearance'],
  ['Strategic developments', 'Non-violent transfer of territory'],
  ['Strategic developments', 'Agreement'],
  ['Strategic developments', 'Arrests'],
  ['Strategic developments', 'Change to group/activity'],
  ['Strategic developments', 'Disrupted weapons use'],
  ['Strategic developments', 'Headquarters or base established'],
  ['Strategic developments', 'Looting/property destruction'],
  ['Strategic developments', 'Other'],
  ['Protests', 'Excessive force against protesters'],
  ['Protests', 'Protest with intervention'],
  ['Protests', 'Peaceful protest'],
  ['Riots', 'Violent demonstration'],
  ['Riots', 'Mob violence'],
];

const PLACES = [
  { location: 'Yarmouk', admin1: 'Damascus', admin2: 'Damascus', admin3: 'Damascus', latitude: '33.4728', longitude: '36.3000' },
  { location: 'Tadamon', admin1: 'Damascus', admin2: 'Damascus', admin3: 'Damascus', latitude: '33.4781', longitude: '36.3083' },
  { location: 'Al Hajar Al Aswad', admin1: 'Rural Damascus', admin2: 'Markaz Rif Dimashq', admin3: 'Babella', latitude: '33.4667', longitude: '36.3000' },
] as const;

/** A row in ACLED's shape: an armed clash in Yarmouk unless `fields` say otherwise. */
export function acledRow(n: number, fields: Partial<AcledRow> = {}): AcledRow {
  const place = PLACES[n % PLACES.length]!;
  return {
    data_id: String(8_000_000 + n),
    iso: '760',
    event_id_cnty: `SYR${1000 + n}`,
    event_id_no_cnty: String(1000 + n),
    event_date: `2018-05-${String((n % 28) + 1).padStart(2, '0')}`,
    year: '2018',
    time_precision: '1',
    disorder_type: 'Political violence',
    event_type: 'Battles',
    sub_event_type: 'Armed clash',
    actor1: 'Military Forces of Syria (2000-)',
    assoc_actor_1: 'NDF: National Defence Forces',
    inter1: '1',
    actor2: 'Islamic State (Syria)',
    assoc_actor_2: '',
    inter2: '2',
    interaction: '12',
    civilian_targeting: '',
    region: 'Middle East',
    country: 'Syria',
    ...place,
    geo_precision: '1',
    source: 'SOHR; Syrian Arab News Agency',
    source_scale: 'National',
    notes: `On ${n} May 2018, regime forces clashed with IS fighters.`,
    fatalities: String(n % 3),
    tags: '',
    timestamp: String(1_600_000_000 + n),
    iso3: 'SYR',
    ...fields,
  };
}

export interface CsvShape {
  readonly bom?: boolean;
  readonly crlf?: boolean;
}

/** The rows as RFC 4180 text in the given column order. */
export function acledCsv(columns: readonly string[], rows: readonly AcledRow[], shape: CsvShape = {}): string {
  const lines = [columns, ...rows.map((row) => columns.map((column) => row[column] ?? ''))].map((fields) => {
    const line = csvLine(fields);
    return shape.crlf === false ? line.replace(/\r\n$/, '\n') : line;
  });
  return `${shape.bom === true ? '\uFEFF' : ''}${lines.join('')}`;
}

export function writeAcledFile(path: string, columns: readonly string[], rows: readonly AcledRow[], shape: CsvShape = {}): string {
  writeFileSync(path, acledCsv(columns, rows, shape), 'utf8');
  return path;
}
