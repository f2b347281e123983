import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Source } from '../src/domain/index.js';
import { ucdpExtract } from '../test/fixtures/ucdp/ucdp-extract.js';

/**
 * Real conflict events (UCDP GED, Syria 2016-2019) as raw material for the benchmark's
 * synthetic history: actor names, place names and coordinates, news headlines as notes,
 * source offices, and fatality figures. Only the *shapes* and sizes matter for timing, and
 * these are the shapes an analyst would really send.
 */
/** The UCDP extract shipped with the tests (test/fixtures/ucdp/). */
export const UCDP_CSV = ucdpExtract();

export interface UcdpEvent {
  readonly sideA: string;
  readonly sideB: string;
  readonly place: string;
  readonly governorate: string;
  readonly lat: number;
  readonly lon: number;
  readonly sourceOffice: string;
  readonly headline: string;
  readonly low: number;
  readonly best: number;
  readonly high: number;
  readonly datePrecision: number;
}

export interface BenchActor {
  readonly id: string;
  readonly name: string;
  readonly side: string;
  readonly kind: 'state-forces' | 'rebel-group' | 'militia' | 'external-force' | 'other';
}

export interface BenchPlace {
  readonly id: string;
  readonly name: string;
  readonly governorate: string;
  readonly lat: number;
  readonly lon: number;
  /** The two parties UCDP most often reports fighting here. */
  readonly belligerents: readonly [string, string];
}

export interface UcdpMaterial {
  readonly events: readonly UcdpEvent[];
  readonly actors: readonly BenchActor[];
  /** Places with at least two distinct registered belligerents, most reported first. */
  readonly places: readonly BenchPlace[];
}

export function slug(text: string, maxLength = 64): string {
  const s = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.slice(0, maxLength).replace(/-+$/, '') || 'x';
}

function sideOf(name: string): string {
  if (name.startsWith('Government of Syria')) return 'pro-government';
  if (name === 'IS') return 'isis';
  if (name === 'SDF' || name.includes('YPG')) return 'kurdish';
  if (name.startsWith('Government of')) return slug(name.replace('Government of ', ''), 32);
  return 'opposition';
}

function kindOf(name: string): BenchActor['kind'] {
  if (name === 'Government of Syria') return 'state-forces';
  if (name.startsWith('Government of')) return 'external-force';
  if (name === 'Civilians') return 'other';
  return 'rebel-group';
}

export function loadUcdpMaterial(path = UCDP_CSV): UcdpMaterial {
  const [header, ...rows] = parse(readFileSync(path, 'utf8'), { relax_column_count: true }) as string[][];
  const col = (name: string): number => {
    const index = header!.indexOf(name);
    if (index < 0) throw new Error(`${path}: no column ${name}`);
    return index;
  };
  const c = {
    sideA: col('side_a'),
    sideB: col('side_b'),
    place: col('where_coordinates'),
    adm1: col('adm_1'),
    lat: col('latitude'),
    lon: col('longitude'),
    office: col('source_office'),
    headline: col('source_headline'),
    low: col('low'),
    best: col('best'),
    high: col('high'),
    datePrec: col('date_prec'),
  };
  const events: UcdpEvent[] = rows
    .filter((r) => r.length === header!.length)
    .map((r) => ({
      sideA: r[c.sideA]!,
      sideB: r[c.sideB]!,
      place: r[c.place]!,
      governorate: r[c.adm1]!,
      lat: Number(r[c.lat]),
      lon: Number(r[c.lon]),
      sourceOffice: r[c.office]!.split(';')[0]!.trim() || 'UCDP GED',
      headline: r[c.headline]!.trim(),
      low: Number(r[c.low]),
      best: Number(r[c.best]),
      high: Number(r[c.high]),
      datePrecision: Number(r[c.datePrec]),
    }));

  // Armed parties only: "Civilians" are victims of one-sided violence, not holders of ground.
  const armed = events.filter((e) => e.sideB !== 'Civilians' && e.sideA !== e.sideB);
  const actorNames = new Map<string, number>();
  for (const e of armed) for (const name of [e.sideA, e.sideB]) actorNames.set(name, (actorNames.get(name) ?? 0) + 1);
  const actors: BenchActor[] = [];
  const idOfName = new Map<string, string>();
  const taken = new Set<string>();
  for (const [name] of [...actorNames].sort((a, b) => b[1] - a[1])) {
    let id = slug(name, 56);
    for (let n = 2; taken.has(id); n++) id = `${slug(name, 52)}-${n}`;
    taken.add(id);
    idOfName.set(name, id);
    actors.push({ id, name: name.slice(0, 200), side: sideOf(name), kind: kindOf(name) });
  }

  const byPlace = new Map<string, UcdpEvent[]>();
  for (const e of armed) {
    if (e.place === 'Syria' || !Number.isFinite(e.lat) || !Number.isFinite(e.lon)) continue;
    const list = byPlace.get(e.place) ?? [];
    list.push(e);
    byPlace.set(e.place, list);
  }
  const places: BenchPlace[] = [];
  const placeIds = new Set<string>();
  for (const [place, list] of [...byPlace].sort((a, b) => b[1].length - a[1].length)) {
    const dyads = new Map<string, number>();
    for (const e of list) {
      const key = `${idOfName.get(e.sideA)}\n${idOfName.get(e.sideB)}`;
      dyads.set(key, (dyads.get(key) ?? 0) + 1);
    }
    const [top] = [...dyads].sort((a, b) => b[1] - a[1]);
    const [a, b] = top![0].split('\n') as [string, string];
    const id = slug(place, 48);
    if (placeIds.has(id)) continue;
    placeIds.add(id);
    places.push({ id, name: place, governorate: list[0]!.governorate, lat: list[0]!.lat, lon: list[0]!.lon, belligerents: [a, b] });
  }
  return { events, actors, places };
}

/** The source of a UCDP event as the API takes it: reliability by outlet, credibility by precision. */
export function sourceOf(e: UcdpEvent): Source {
  const reliability = e.sourceOffice.startsWith('SOHR') ? 'B' : e.sourceOffice.includes('Airwars') ? 'B' : 'C';
  const credibility = (Math.min(6, Math.max(1, e.datePrecision + 1)) as Source['credibility']);
  return { name: e.sourceOffice.slice(0, 200), kind: 'news', reliability, credibility };
}

/** A headline as notes: UCDP headlines may carry control characters the API refuses. */
export function notesOf(e: UcdpEvent): string | undefined {
  // eslint-disable-next-line no-control-regex
  const text = e.headline.replace(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, ' ').trim();
  return text === '' ? undefined : text.slice(0, 2_000);
}
