import { LIMITS } from '../features/input-limits.js';
import { IMPORT_LIMITS } from './command-limits.js';
import {
  coordinate,
  countField,
  ROW_ID_PATTERN,
  wholeField,
  type CsvRecord,
  type DatasetFormat,
  type DatasetLocation,
  type ImportRow,
  type OutletCitation,
  type RowPlan,
} from './dataset-format.js';
import type { CasualtyFigure } from './import-commands.js';
import { cleanName, cleanText, cutAtWord, decodeHtmlEntities } from './import-text.js';
import { dateProblem, parseDatasetDate, type DateReading, type ImportPrecision } from './import-time.js';

/** UCDP's name for the target of one-sided violence (type 3). */
export const UCDP_CIVILIANS = 'Civilians';

const PRECISION_BY_DATE_PREC: Readonly<Record<string, ImportPrecision>> = { '1': 'day', '2': 'week', '3': 'week', '4': 'month', '5': 'month' };

/**
 * UCDP GED (the 19.1 codebook's columns): every row of type_of_violence 1 (state-based), 2
 * (non-state) and 3 (one-sided) is an attack by side_a on side_b (on `Civilians` for type 3),
 * with a casualty report when any fatality figure is above 0.
 */
export const UCDP_FORMAT: DatasetFormat = {
  name: 'ucdp',
  sourceName: 'UCDP GED',
  controlAsOf: '1989-01-01T00:00:00Z',
  requiredColumns: [
    'id', 'type_of_violence', 'side_a', 'side_b', 'source_office', 'source_date', 'source_headline', 'where_prec',
    'where_coordinates', 'adm_1', 'adm_2', 'latitude', 'longitude', 'country', 'date_prec', 'date_start', 'low', 'best', 'high',
  ],
  dateColumns: ['date_start', 'source_date'],
  optionalColumns: ['source_article'],
  map: mapUcdpRecord,
};

function mapUcdpRecord(record: CsvRecord, dates: DateReading): RowPlan {
  const rowId = wholeField(record, 'id');
  if (!ROW_ID_PATTERN.test(rowId)) return invalid(rowId, `id ${JSON.stringify(rowId.slice(0, 40))} must be 1 to 100 visible ASCII characters other than @`);
  const type = wholeField(record, 'type_of_violence');
  if (type !== '1' && type !== '2' && type !== '3') return { kind: 'skip', type: `type_of_violence=${type || '(empty)'}` };

  const date = parseDatasetDate(record.value('date_start'), dates);
  if (date === undefined) return invalid(rowId, dateProblem('date_start', record.value('date_start'), dates));
  const precision = PRECISION_BY_DATE_PREC[wholeField(record, 'date_prec')];
  if (precision === undefined) return invalid(rowId, `date_prec ${JSON.stringify(record.value('date_prec'))} must be 1 to 5`);
  const location = ucdpLocation(record);
  if (typeof location === 'string') return invalid(rowId, location);
  const attackers = splitSide(record.value('side_a'));
  if (attackers.length === 0) return invalid(rowId, 'side_a is empty');
  const defenders = type === '3' ? [UCDP_CIVILIANS] : splitSide(record.value('side_b'));

  const warnings: string[] = [];
  const killed = ucdpKilled(record, warnings);
  const headline = cleanText(decodeHtmlEntities(record.value('source_headline')));
  const notes = cutAtWord(headline, LIMITS.notesLength);
  if (notes.length < headline.length) warnings.push('NOTES_CUT');
  const row: ImportRow = {
    kind: 'import',
    rowId,
    location,
    incident: { kind: 'attack', attackers, defenders },
    ...(killed !== undefined ? { killed } : {}),
    date,
    precision,
    outlets: ucdpOutlets(record, dates),
    ...(notes !== '' ? { notes } : {}),
    actorKinds: new Map(),
    warnings,
  };
  return row;
}

/** A side lists one party or several, separated by `, `. */
export function splitSide(side: string): string[] {
  return [...new Set(side.split(', ').map(cleanName).filter((name) => name !== ''))];
}

function ucdpLocation(record: CsvRecord): DatasetLocation | string {
  const name = cleanName(decodeHtmlEntities(record.value('where_coordinates')));
  if (name === '') return 'where_coordinates is empty';
  const lat = coordinate(record.value('latitude'), 90, record.decimalComma);
  const lon = coordinate(record.value('longitude'), 180, record.decimalComma);
  if (lat === undefined || lon === undefined) {
    return `latitude ${JSON.stringify(record.value('latitude'))} and longitude ${JSON.stringify(record.value('longitude'))} must be degrees`;
  }
  const country = cleanName(record.value('country'));
  if (country === '') return 'country is empty';
  const adm1 = cleanName(record.value('adm_1'));
  const adm2 = cleanName(record.value('adm_2'));
  return { name, country, adminLevels: [adm1, adm2], city: adm2 || adm1 || country, lon, lat, bestPrecision: wholeField(record, 'where_prec') === '1' };
}


/** One report without an actor when any figure is above 0, widened to hold `best`. */
function ucdpKilled(record: CsvRecord, warnings: string[]): CasualtyFigure | undefined {
  const [low, best, high] = (['low', 'best', 'high'] as const).map((column) => countField(record, column));
  if (low === undefined || best === undefined || high === undefined) {
    warnings.push('FIGURES_INVALID');
    return undefined;
  }
  const top = Math.max(high, best);
  return top > 0 ? { low: Math.min(low, best), best, high: top } : undefined;
}


/** source_office, source_date and source_article list the outlets in the same order (`;`). */
function ucdpOutlets(record: CsvRecord, reading: DateReading): OutletCitation[] {
  const offices = record.value('source_office').split(';');
  const dates = record.value('source_date').split(';');
  const articles = splitArticles(record.value('source_article'));
  const outlets: OutletCitation[] = [];
  offices.forEach((office, index) => {
    const name = cleanName(decodeHtmlEntities(office));
    if (name === '') return;
    const rawDate = (dates[index] ?? '').trim();
    const date = rawDate === '' ? undefined : parseDatasetDate(rawDate, reading);
    const article = articles.length === offices.length ? cleanName(decodeHtmlEntities(articles[index]!)) : '';
    outlets.push({
      name,
      ...(date !== undefined ? { date } : {}),
      ...(rawDate !== '' && date === undefined ? { badDate: true } : {}),
      ...(article !== '' ? { reference: cutAtWord(article, IMPORT_LIMITS.referenceLength) } : {}),
    });
  });
  return outlets;
}

/** `"SOHR,2016-01-23,Headline";"HRW,2016-02-08,Other"`: each article quoted, `;` between. */
function splitArticles(value: string): string[] {
  const text = value.trim();
  if (text === '') return [];
  const unquoted = text.startsWith('"') && text.endsWith('"') && text.length >= 2 ? text.slice(1, -1) : text;
  return unquoted.split('";"');
}

function invalid(rowId: string, message: string): RowPlan {
  return { kind: 'invalid', rowId, message };
}
