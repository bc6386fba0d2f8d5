/**
 * The registry the CLI and SDK users start from: every built-in connector under its scheme.
 * Remote connectors (S3, SFTP) will register here too, loading their SDKs only when opened.
 */
import { createConnectorRegistry, type ConnectorRegistry } from '@partner-ingest/core';
import { localFs } from './local/local-fs.js';

/**
 * A new registry holding the built-in connectors: `file` (also used for plain paths). Each call
 * returns a fresh registry, so registering a custom scheme on it affects nobody else.
 */
export function defaultConnectorRegistry(): ConnectorRegistry {
  return createConnectorRegistry({ file: localFs });
}
