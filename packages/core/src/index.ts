/**
 * `@partner-ingest/core`: the partner spec language, the plan compiler, the tasks (extract,
 * merge, DQA, summary, post-check), the local executor, the state store and the connector
 * interface. Everything exported here is public API; anything else is
 * internal.
 *
 * @packageDocumentation
 */
export * from './spec/index.js';
export * from './plan/index.js';
export * from './connectors/index.js';
export * from './log/index.js';
export * from './archive/index.js';
export * from './csv/index.js';
export * from './ingest/index.js';
export * from './quality/index.js';
export * from './report/index.js';
export * from './run/index.js';
