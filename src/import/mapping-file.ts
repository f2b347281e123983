import { LIMITS, SLUG_PATTERN } from '../features/input-limits.js';
import { IMPORT_ACTOR_KINDS, type Credibility, type ImportActorKind, type Rating, type Reliability } from './import-commands.js';

/** Where a dataset location lands: an existing neighbourhood and one of its positions. */
export interface PlaceTarget {
  readonly neighbourhood: string;
  readonly position: string;
}

/** A registered position with its coordinates, for matching by distance. */
export interface PositionTarget extends PlaceTarget {
  readonly coordinates: readonly [number, number];
}

export interface PlaceMapping {
  /** By location name, compared after {@link placeNameKey}. */
  readonly byName: ReadonlyMap<string, PlaceTarget>;
  readonly positions: readonly PositionTarget[];
  readonly radiusKm: number;
}

export interface ActorOverride {
  readonly id?: string;
  readonly side?: string;
  readonly kind?: ImportActorKind;
}

export interface RatingOverrides {
  readonly dataset?: Rating;
  readonly outletDefault?: Rating;
  readonly outlets: ReadonlyMap<string, Rating>;
}

/** A validated `--map` file. Without `places`, every location becomes a neighbourhood of its own. */
export interface ImportMapping {
  readonly places?: PlaceMapping;
  readonly actors: ReadonlyMap<string, ActorOverride>;
  readonly ratings: RatingOverrides;
}

export const EMPTY_MAPPING: ImportMapping = { actors: new Map(), ratings: { outlets: new Map() } };

export const DEFAULT_RADIUS_KM = 1;

/** A mapping file that cannot be used; the message names the field. */
export class MappingFileError extends Error {}

/** Location names match case-insensitively, with white space runs as one space. */
export function placeNameKey(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Parses and validates the text of a mapping file (docs/import.md gives its schema). */
export function parseMappingFile(text: string): ImportMapping {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new MappingFileError(`not JSON: ${(error as Error).message}`);
  }
  const root = object(raw, '(top level)', ['places', 'actors', 'ratings']);
  return {
    ...(root.places !== undefined ? { places: places(root.places) } : {}),
    actors: actors(root.actors),
    ratings: ratings(root.ratings),
  };
}

function places(value: unknown): PlaceMapping {
  const fields = object(value, 'places', ['byName', 'positions', 'radiusKm']);
  const byName = new Map<string, PlaceTarget>();
  const names = fields.byName === undefined ? {} : object(fields.byName, 'places.byName');
  for (const [name, target] of Object.entries(names)) {
    const key = placeNameKey(name);
    if (key === '') throw new MappingFileError('places.byName: a location name is empty');
    if (byName.has(key)) throw new MappingFileError(`places.byName: ${JSON.stringify(name)} is given twice (names compare case-insensitively)`);
    byName.set(key, placeTarget(target, `places.byName[${JSON.stringify(name)}]`));
  }
  const positions = (fields.positions === undefined ? [] : array(fields.positions, 'places.positions')).map((item, index) => {
    const at = `places.positions[${index}]`;
    const target = placeTarget(item, at, ['coordinates']);
    const coordinates = (item as Record<string, unknown>).coordinates;
    if (
      !Array.isArray(coordinates) ||
      coordinates.length !== 2 ||
      !coordinates.every((c) => typeof c === 'number' && Number.isFinite(c)) ||
      Math.abs(coordinates[0] as number) > 180 ||
      Math.abs(coordinates[1] as number) > 90
    ) {
      throw new MappingFileError(`${at}.coordinates must be [longitude, latitude] in degrees`);
    }
    return { ...target, coordinates: [coordinates[0] as number, coordinates[1] as number] as const };
  });
  const radiusKm = fields.radiusKm ?? DEFAULT_RADIUS_KM;
  if (typeof radiusKm !== 'number' || !Number.isFinite(radiusKm) || radiusKm <= 0 || radiusKm > 100) {
    throw new MappingFileError('places.radiusKm must be a number of kilometres above 0 and at most 100');
  }
  return { byName, positions, radiusKm };
}

function placeTarget(value: unknown, at: string, extra: readonly string[] = []): PlaceTarget {
  const fields = object(value, at, ['neighbourhood', 'position', ...extra]);
  return { neighbourhood: slug(fields.neighbourhood, `${at}.neighbourhood`), position: slug(fields.position, `${at}.position`) };
}

function actors(value: unknown): ReadonlyMap<string, ActorOverride> {
  const result = new Map<string, ActorOverride>();
  if (value === undefined) return result;
  for (const [name, override] of Object.entries(object(value, 'actors'))) {
    const at = `actors[${JSON.stringify(name)}]`;
    const fields = object(override, at, ['id', 'side', 'kind']);
    const kind = fields.kind;
    if (kind !== undefined && (typeof kind !== 'string' || !IMPORT_ACTOR_KINDS.includes(kind))) {
      throw new MappingFileError(`${at}.kind must be one of ${IMPORT_ACTOR_KINDS.join(', ')}`);
    }
    result.set(name.trim(), {
      ...(fields.id !== undefined ? { id: slug(fields.id, `${at}.id`) } : {}),
      ...(fields.side !== undefined ? { side: slug(fields.side, `${at}.side`) } : {}),
      ...(kind !== undefined ? { kind: kind as ImportActorKind } : {}),
    });
  }
  return result;
}

function ratings(value: unknown): RatingOverrides {
  if (value === undefined) return { outlets: new Map() };
  const fields = object(value, 'ratings', ['dataset', 'outletDefault', 'outlets']);
  const outlets = new Map<string, Rating>();
  if (fields.outlets !== undefined) {
    for (const [name, rating] of Object.entries(object(fields.outlets, 'ratings.outlets'))) {
      outlets.set(name.trim(), parseRating(rating, `ratings.outlets[${JSON.stringify(name)}]`));
    }
  }
  return {
    ...(fields.dataset !== undefined ? { dataset: parseRating(fields.dataset, 'ratings.dataset') } : {}),
    ...(fields.outletDefault !== undefined ? { outletDefault: parseRating(fields.outletDefault, 'ratings.outletDefault') } : {}),
    outlets,
  };
}

function parseRating(value: unknown, at: string): Rating {
  const fields = object(value, at, ['reliability', 'credibility']);
  const { reliability, credibility } = fields;
  if (typeof reliability !== 'string' || !/^[A-F]$/.test(reliability)) throw new MappingFileError(`${at}.reliability must be one of "A" to "F"`);
  if (typeof credibility !== 'number' || !Number.isInteger(credibility) || credibility < 1 || credibility > 6) {
    throw new MappingFileError(`${at}.credibility must be an integer from 1 to 6`);
  }
  return { reliability: reliability as Reliability, credibility: credibility as Credibility };
}

function object(value: unknown, at: string, allowed?: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MappingFileError(`${at} must be a JSON object`);
  const record = value as Record<string, unknown>;
  if (allowed !== undefined) {
    const unknown = Object.keys(record).find((key) => !allowed.includes(key));
    if (unknown !== undefined) throw new MappingFileError(`${at}: unknown field ${JSON.stringify(unknown)} (expected ${allowed.join(', ')})`);
  }
  return record;
}

function array(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new MappingFileError(`${at} must be a JSON array`);
  return value;
}

function slug(value: unknown, at: string): string {
  if (typeof value !== 'string' || value.length > LIMITS.idLength || !SLUG_PATTERN.test(value)) {
    throw new MappingFileError(`${at} must be a lowercase slug ([a-z0-9]+(-[a-z0-9]+)*) of at most ${LIMITS.idLength} characters`);
  }
  return value;
}
