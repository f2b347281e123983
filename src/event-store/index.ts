export * from './event-store.port.js';
export * from './batch-idempotency.js';
