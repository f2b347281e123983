import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { ucdpExtract } from '../fixtures/ucdp/ucdp-extract.js';
import type { InMemoryTimeline } from './in-memory-timeline.js';

const here = dirname(fileURLToPath(import.meta.url));
export const UCDP_SLICE = join(here, 'fixtures', 'ucdp-ged-syria-slice.csv');

/** The full extract, shipped with the tests (test/fixtures/ucdp/). */
export function ucdpFullFile(): string {
  return ucdpExtract();
}

export type UcdpRow = Record<string, string>;

export function readUcdpRows(file: string): UcdpRow[] {
  return parse(readFileSync(file), { columns: true, bom: true }) as UcdpRow[];
}

export interface UcdpCounts {
  readonly attacks: number;
  readonly casualties: number;
  readonly places: number;
  readonly actors: number;
  readonly datesDropped: number;
  readonly multiActor: number;
  readonly onCivilians: number;
}

/**
 * What the file should give, counted straight from the codebook's rules without the importer's
 * code: csv-parse's synchronous API, plain loops, no shared helpers.
 */
export function recountUcdp(rows: readonly UcdpRow[], now: number): UcdpCounts {
  const windowStart = (row: UcdpRow): number => {
    const day = Date.parse(`${row.date_start}T00:00:00Z`);
    if (row.date_prec === '1') return day;
    if (row.date_prec === '2' || row.date_prec === '3') return day - ((new Date(day).getUTCDay() + 6) % 7) * 86_400_000;
    return Date.parse(`${row.date_start!.slice(0, 7)}-01T00:00:00Z`);
  };
  const places = new Set<string>();
  const actors = new Set<string>();
  let casualties = 0;
  let datesDropped = 0;
  let multiActor = 0;
  let onCivilians = 0;
  for (const row of rows) {
    places.add([row.country, row.adm_1, row.adm_2, row.where_coordinates, Number(row.latitude), Number(row.longitude)].join('|'));
    for (const name of row.side_a!.split(', ')) actors.add(name);
    if (row.type_of_violence === '3') {
      actors.add('Civilians');
      onCivilians += 1;
    } else for (const name of row.side_b!.split(', ')) actors.add(name);
    if (row.side_a!.includes(', ') || row.side_b!.includes(', ')) multiActor += 1;
    if (Math.max(Number(row.high), Number(row.best)) > 0) casualties += 1;
    for (const date of row.source_date!.split(';')) {
      const at = Date.parse(`${date.trim()}T00:00:00Z`);
      if (at < windowStart(row) || at > now) datesDropped += 1;
    }
  }
  return { attacks: rows.length, casualties, places: places.size, actors: actors.size, datesDropped, multiActor, onCivilians };
}

/** The same counts, read from what a timeline received. */
export function countsIn(timeline: InMemoryTimeline, datesDropped: number): UcdpCounts {
  const kinds = (kind: string) => timeline.events.filter((event) => event.kind === kind);
  const attacks = kinds('attacks');
  return {
    attacks: attacks.length,
    casualties: kinds('casualties').length,
    places: kinds('neighbourhood').length,
    actors: kinds('actor').length,
    datesDropped,
    multiActor: attacks.filter((e) => (e.body.attackers as string[]).length > 1 || (e.body.defenders as string[]).length > 1).length,
    onCivilians: attacks.filter((e) => (e.body.defenders as string[]).includes('civilians')).length,
  };
}
