/**
 * `@partner-ingest/connectors/testing`: the conformance suites every built-in connector runs
 * against a real server, for authors of connectors to run against theirs (needs vitest).
 *
 * @packageDocumentation
 */
export { describeStorageConnector } from './storage-conformance.js';
export type { StorageConformanceOptions } from './storage-conformance.js';
export { bytesOf, codeOf, collect, connectorFailure } from './results.js';
export { freeLoopbackPort, loopbackPortOpen, waitForLoopbackPort } from './ports.js';
