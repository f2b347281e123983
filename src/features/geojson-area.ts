import { ValidateBy, type ValidationOptions } from 'class-validator';

/** Bounds of an area (a position's `area`, a neighbourhood's `outline`); README "Input limits". */
export const AREA_LIMITS = {
  /** Positions counted over every ring of every polygon, closing positions included. */
  maxVertices: 10_000,
  /** A closed ring needs its three corners and the closing repeat of the first. */
  minRingPositions: 4,
} as const;

/** Where in the value a problem is (`coordinates[0][3]`, '' for the value itself), and what it is. */
export interface AreaProblem {
  readonly path: string;
  readonly problem: string;
}

const LON_LAT = 'must be [longitude, latitude] (or with an altitude) with |longitude| <= 180 and |latitude| <= 90';

/**
 * What is wrong with a value meant to be an area: a GeoJSON Polygon or MultiPolygon (RFC 7946
 * §3.1.6-7) of `{type, coordinates}` and nothing else, each ring closed (last position equal to
 * the first) with at least 4 positions, each position a WGS 84 [longitude, latitude] with an
 * optional altitude, at most `AREA_LIMITS.maxVertices` positions in all. Ring orientation and
 * holes are taken as sent. Undefined when nothing is wrong.
 */
export function areaProblem(value: unknown): AreaProblem | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { path: '', problem: 'must be a GeoJSON Polygon or MultiPolygon object: {"type", "coordinates"}' };
  }
  const members = value as Record<string, unknown>;
  const unknown = Object.keys(members).find((key) => key !== 'type' && key !== 'coordinates');
  if (unknown !== undefined) return { path: unknown.length > 64 ? `${unknown.slice(0, 64)}…` : unknown, problem: 'is not a known field (type and coordinates only)' };
  if (members.type !== 'Polygon' && members.type !== 'MultiPolygon') return { path: 'type', problem: 'must be "Polygon" or "MultiPolygon"' };
  const counter = { vertices: 0 };
  if (members.type === 'Polygon') return polygonProblem(members.coordinates, 'coordinates', counter);
  if (!Array.isArray(members.coordinates) || members.coordinates.length === 0) {
    return { path: 'coordinates', problem: 'must be a non-empty array of polygons' };
  }
  for (let index = 0; index < members.coordinates.length; index += 1) {
    const problem = polygonProblem(members.coordinates[index], `coordinates[${index}]`, counter);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function polygonProblem(rings: unknown, path: string, counter: { vertices: number }): AreaProblem | undefined {
  if (!Array.isArray(rings) || rings.length === 0) return { path, problem: 'must be a non-empty array of linear rings' };
  for (let index = 0; index < rings.length; index += 1) {
    const problem = ringProblem(rings[index], `${path}[${index}]`, counter);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function ringProblem(ring: unknown, path: string, counter: { vertices: number }): AreaProblem | undefined {
  if (!Array.isArray(ring) || ring.length < AREA_LIMITS.minRingPositions) {
    return { path, problem: `must be a linear ring: an array of at least ${AREA_LIMITS.minRingPositions} positions` };
  }
  counter.vertices += ring.length;
  if (counter.vertices > AREA_LIMITS.maxVertices) {
    return { path, problem: `takes the area over ${AREA_LIMITS.maxVertices} positions (counting every ring)` };
  }
  for (let index = 0; index < ring.length; index += 1) {
    if (!isLonLat(ring[index])) return { path: `${path}[${index}]`, problem: LON_LAT };
  }
  const first = ring[0] as number[];
  const last = ring[ring.length - 1] as number[];
  if (first.length !== last.length || first.some((coordinate, index) => coordinate !== last[index])) {
    return { path, problem: 'is not closed: its last position must equal its first' };
  }
  return undefined;
}

function isLonLat(position: unknown): position is number[] {
  return (
    Array.isArray(position) &&
    (position.length === 2 || position.length === 3) &&
    position.every((coordinate) => typeof coordinate === 'number' && Number.isFinite(coordinate)) &&
    Math.abs(position[0] as number) <= 180 &&
    Math.abs(position[1] as number) <= 90
  );
}

/** A GeoJSON Polygon or MultiPolygon (see `areaProblem`); the problem names its path inside the field. */
export function IsArea(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isArea',
      validator: {
        validate: (value: unknown) => areaProblem(value) === undefined,
        defaultMessage: (args) => {
          const found = areaProblem(args?.value) ?? { path: '', problem: 'must be a GeoJSON Polygon or MultiPolygon' };
          return `${args?.property}${found.path === '' ? '' : `.${found.path}`} ${found.problem}`;
        },
      },
    },
    options,
  );
}
