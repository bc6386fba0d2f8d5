export { ConnectorError, assertSafeKey } from './connector.js';
export type { ByteRange, ConnectorContext, ConnectorErrorCode, ConnectorFactory, ObjectInfo, StorageConnector } from './connector.js';
export { createConnectorRegistry, uriScheme } from './registry.js';
export type { ConnectorRegistry } from './registry.js';
