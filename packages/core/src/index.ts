/**
 * `@partner-ingest/core`: the partner spec language, and (as it grows) the plan compiler, tasks,
 * executors, state store and reports. Everything exported here is public API; anything else is
 * internal.
 *
 * @packageDocumentation
 */
export * from './spec/index.js';
