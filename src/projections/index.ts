export { ProjectionsModule, PROJECTIONS, READ_MODELS_DIRECTORY } from './projections.module.js';
export {
  ProjectionEngine,
  UnknownProjectionError,
  type ProjectionEngineOptions,
  type ProjectionState,
  type ProjectionStatus,
  type ReadModelsHealth,
  type ReadModelView,
  type RebuildTicket,
} from './projection-engine.js';
export type { ProjectionDefinition, ProjectionHandlers, ProjectedEvent } from './projection.js';
