export * from './actor.js';
export * from './domain-error.js';
export * from './neighbourhood.commands.js';
export * from './neighbourhood.decider.js';
export * from './neighbourhood.events.js';
export * from './neighbourhood.state.js';
export * from './sources.js';
export * from './control-summary.js';
