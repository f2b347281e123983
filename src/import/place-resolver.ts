import { LIMITS } from '../features/input-limits.js';
import type { DatasetLocation } from './dataset-format.js';
import type { RegisterNeighbourhoodBody } from './import-commands.js';
import { cutAtWord, placeId } from './import-text.js';
import { placeNameKey, type PlaceMapping } from './mapping-file.js';

/** The one position of a neighbourhood the importer registers. */
export const SITE_POSITION_ID = 'site';

export type PlaceResolution =
  | { readonly kind: 'registered'; readonly neighbourhoodId: string; readonly positionId: string; readonly registration: RegisterNeighbourhoodBody }
  | { readonly kind: 'mapped'; readonly neighbourhoodId: string; readonly positionId: string }
  | { readonly kind: 'unmapped'; readonly message: string };

/**
 * Where a row's incident is recorded. Without a place mapping, each distinct location is a
 * neighbourhood of its own with one `site` position at its coordinates. With one, a location
 * name listed in `byName` wins; otherwise a row of the best location precision goes to the
 * nearest listed position within the radius; anything else is unmapped.
 */
export function resolvePlace(location: DatasetLocation, controlAsOf: string, mapping: PlaceMapping | undefined): PlaceResolution {
  if (mapping === undefined) {
    const registration = neighbourhoodRegistration(location, controlAsOf);
    return { kind: 'registered', neighbourhoodId: registration.id, positionId: SITE_POSITION_ID, registration };
  }
  const named = mapping.byName.get(placeNameKey(location.name));
  if (named !== undefined) return { kind: 'mapped', neighbourhoodId: named.neighbourhood, positionId: named.position };
  if (!location.bestPrecision) {
    return { kind: 'unmapped', message: `${JSON.stringify(location.name)} is not in places.byName, and its location is not precise enough to match by distance` };
  }
  let nearest: { neighbourhood: string; position: string; km: number } | undefined;
  for (const target of mapping.positions) {
    const km = distanceKm(location.lon, location.lat, target.coordinates[0], target.coordinates[1]);
    if (km <= mapping.radiusKm && (nearest === undefined || km < nearest.km)) nearest = { ...target, km };
  }
  if (nearest !== undefined) return { kind: 'mapped', neighbourhoodId: nearest.neighbourhood, positionId: nearest.position };
  return {
    kind: 'unmapped',
    message: `${JSON.stringify(location.name)} (${location.lat}, ${location.lon}) is not in places.byName and no listed position lies within ${mapping.radiusKm} km`,
  };
}

/** The whole location, hashed into the neighbourhood id: country, admin levels, name, latitude, longitude. */
export function fullLocation(location: DatasetLocation): string {
  return [location.country, ...location.adminLevels, location.name, String(location.lat), String(location.lon)].join('|');
}

/** A name, city or country of the location is longer than the server takes, and cut in its registration. */
export function placeNameCut(location: DatasetLocation): boolean {
  return [location.name, location.city, location.country].some((text) => text.length > LIMITS.nameLength);
}

export function neighbourhoodRegistration(location: DatasetLocation, controlAsOf: string): RegisterNeighbourhoodBody {
  const name = cutAtWord(location.name, LIMITS.nameLength);
  return {
    id: placeId(location.name, fullLocation(location)),
    name,
    city: cutAtWord(location.city, LIMITS.nameLength),
    country: cutAtWord(location.country, LIMITS.nameLength),
    controlAsOf,
    positions: [{ id: SITE_POSITION_ID, name, kind: 'sector', coordinates: [location.lon, location.lat] }],
  };
}

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance (haversine) between two [lon, lat] points in degrees. */
export function distanceKm(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}
