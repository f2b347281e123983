import type { NeighbourhoodPlan } from './populate-log.js';
import type { UcdpMaterial } from './ucdp-material.js';

/**
 * Neighbourhoods of the big log: 100 in all; the first is long, the second has 1,000 events
 * and the third 10,000 (the sizes the query figures compare).
 */
export const NEIGHBOURHOODS = 100;
export const SHORT_EVENTS = 1_000;
export const MID_EVENTS = 10_000;

/**
 * `totalEvents` neighbourhood events in all (actor registrations come on top): one long
 * neighbourhood of `longEvents`, one of SHORT_EVENTS, one of MID_EVENTS, and the rest spread
 * over the others.
 */
export function planNeighbourhoods(material: UcdpMaterial, totalEvents: number, longEvents: number): NeighbourhoodPlan[] {
  const places = material.places.slice(0, NEIGHBOURHOODS);
  if (places.length < NEIGHBOURHOODS) throw new Error(`only ${places.length} places in the UCDP extract`);
  const fixed = [longEvents, SHORT_EVENTS, MID_EVENTS];
  const others = NEIGHBOURHOODS - fixed.length;
  const rest = totalEvents - fixed.reduce((a, b) => a + b, 0);
  const each = Math.floor(rest / others);
  return places.map((place, i) => ({
    place,
    events: fixed[i] ?? each + (i - fixed.length < rest - each * others ? 1 : 0),
  }));
}
