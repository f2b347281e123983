export { ProjectionsModule, PROJECTIONS_OPTIONS, READ_MODELS_DIRECTORY, type ProjectionsOptions } from './projections.module.js';
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
export * from './read-model.js';
export { WRITER_THREAD_ENTRY, type WriterThreadModules } from './worker-thread-writer.js';
