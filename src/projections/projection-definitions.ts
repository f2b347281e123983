import { actorsProjection } from './actors/actors.projection.js';
import { neighbourhoodControlProjection } from './neighbourhood-control/neighbourhood-control.projection.js';
import { neighbourhoodTimelineProjection } from './neighbourhood-timeline/neighbourhood-timeline.projection.js';
import type { ProjectionDefinition } from './projection.js';

/**
 * Every projection this build runs. Kept apart from the Nest module so that a writer thread
 * can load the definitions without the framework.
 */
export const PROJECTIONS: readonly ProjectionDefinition[] = [
  neighbourhoodControlProjection,
  neighbourhoodTimelineProjection,
  actorsProjection,
];
