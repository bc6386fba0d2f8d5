/**
 * `@partner-ingest/connectors`: sources, sinks and notifiers behind the core's connector
 * interface. The local filesystem connector is the embedded default; S3 (and S3-compatible
 * stores) loads the AWS SDK only when an `s3://` URI is opened; SFTP loads ssh2 the same way.
 * Alert notifiers (Slack, a generic webhook) are `sendAlerts`. The conformance suite for
 * connector authors is `@partner-ingest/connectors/testing`.
 *
 * @packageDocumentation
 */
export { localFs, localFsConnector } from './local/local-fs.js';
export type { LocalFsOptions } from './local/local-fs.js';
export { defaultConnectorRegistry } from './registry.js';
export { parseS3Uri, s3, s3ClientConfig, s3Connector } from './s3/s3.js';
export type { S3ConnectorOptions } from './s3/s3.js';
export { hostKeyFingerprint, parseSftpUri, sftp, sftpConnector } from './sftp/sftp.js';
export type { SftpLocation } from './sftp/sftp.js';
export { buildAlert, sendAlerts, slackText } from './notify/alerts.js';
export type { AlertLogger, AlertOutcome, RunAlert, SendAlertsOptions } from './notify/alerts.js';
