/**
 * `@partner-ingest/connectors`: sources, sinks and notifiers behind the core's connector
 * interface. The local filesystem connector is the embedded default.
 *
 * @packageDocumentation
 */
export { localFs, localFsConnector } from './local/local-fs.js';
export type { LocalFsOptions } from './local/local-fs.js';
export { defaultConnectorRegistry } from './registry.js';
