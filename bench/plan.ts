import type { NeighbourhoodPlan } from './populate-log.js';
import type { UcdpMaterial } from './ucdp-material.js';

/** Neighbourhoods of the big log: 100 in all; the first is long, the second has 1,000 events. */
export const NEIGHBOURHOODS = 100;
export const SHORT_EVENTS = 1_000;

/**
 * `totalEvents` neighbourhood events in all (actor registrations come on top): one long
 * neighbourhood of `longEvents`, one of SHORT_EVENTS, and the rest spread over the others.
 */
export function planNeighbourhoods(material: UcdpMaterial, totalEvents: number, longEvents: number): NeighbourhoodPlan[] {
  const places = material.places.slice(0, NEIGHBOURHOODS);
  if (places.length < NEIGHBOURHOODS) throw new Error(`only ${places.length} places in the UCDP extract`);
  const rest = totalEvents - longEvents - SHORT_EVENTS;
  const each = Math.floor(rest / (NEIGHBOURHOODS - 2));
  return places.map((place, i) => ({
    place,
    events: i === 0 ? longEvents : i === 1 ? SHORT_EVENTS : each + (i - 2 < rest - each * (NEIGHBOURHOODS - 2) ? 1 : 0),
  }));
}
