/**
 * The registry the CLI and SDK users start from: every built-in connector under its scheme.
 * Remote connectors load their SDKs only when a URI of theirs is opened.
 */
// Connectors import only the core's connector contract (`@partner-ingest/core/connectors`), never
// its root: extract worker threads load this package, and with the whole core (zod, yaml, winston)
// in a worker's heap V8 ran a full mark-compact every ~5 MB of input, ~100 per 500 MB drop, ~10%
// of the extract CPU; with the contract alone, 6.
import { createConnectorRegistry, type ConnectorRegistry } from '@partner-ingest/core/connectors';
import { localFs } from './local/local-fs.js';
import { s3 } from './s3/s3.js';
import { sftp } from './sftp/sftp.js';

/**
 * A new registry holding the built-in connectors: `file` (also used for plain paths), `s3` and
 * `sftp` (whose libraries load when a URI of theirs is first opened). Each call returns a fresh registry, so
 * registering a custom scheme on it affects nobody else.
 */
export function defaultConnectorRegistry(): ConnectorRegistry {
  return createConnectorRegistry({ file: localFs, s3, sftp });
}
