export { ConnectorError, alreadyExists, assertSafeKey, bodyBytes } from './connector.js';
export type { ByteRange, ConnectorContext, ConnectorErrorCode, ConnectorFactory, ObjectInfo, StorageConnector, WriteOptions } from './connector.js';
export { createConnectorRegistry, uriScheme } from './registry.js';
export type { ConnectorRegistry } from './registry.js';
// What notifiers read: the run's summary and the spec's alerts (types only: nothing more loads).
export type { RunSummary } from '../report/summary.js';
export type { AlertSpec } from '../spec/schema.js';
