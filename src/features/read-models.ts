import type { ReadModelDeclaration } from '../projections/read-model.js';
import { actorsReadModel } from './actors/actors.read-model.js';
import { neighbourhoodControlReadModel } from './neighbourhood-control/neighbourhood-control.read-model.js';
import { neighbourhoodTimelineReadModel } from './neighbourhood-timeline/neighbourhood-timeline.read-model.js';

/**
 * Every read model this build runs. A writer thread loads this module by its URL to find the
 * declaration it files: it imports no framework.
 */
export const READ_MODELS: readonly ReadModelDeclaration[] = [neighbourhoodControlReadModel, neighbourhoodTimelineReadModel, actorsReadModel];

/** This module, for writer threads (see `WriterThreadModules.readModels`). */
export const READ_MODELS_MODULE = new URL(import.meta.url);
