/**
 * Turns the AWS SDK's errors into `ConnectorError`s that say what to check: the SDK tells them
 * apart by `error.name` (and the HTTP status), network failures by the Node error code.
 */
import { ConnectorError } from '@partner-ingest/core/connectors';

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'CredentialsProviderError', 'AllAccessDisabled']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** Whether the error says the object (not the bucket) does not exist. */
export function isMissingObject(error: unknown): boolean {
  const e = error as SdkError;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket');
}

/** Where the failed call went. */
export interface S3Where {
  bucket: string;
  key: string;
  /** The custom endpoint, when there is one. */
  endpoint: string | undefined;
}

/** The `ConnectorError` for an SDK error of `action` (list, read, write, ...) on `where`. */
export function s3ErrorToConnectorError(error: unknown, action: string, where: S3Where): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? 'Error';
  const object = `s3://${where.bucket}/${where.key}`;
  const store = where.endpoint ? `the S3 endpoint ${where.endpoint}` : 'AWS S3';
  const cause = { cause: error };
  if (name === 'NoSuchBucket') {
    return new ConnectorError('NOT_FOUND', `cannot ${action} ${object}: the bucket "${where.bucket}" does not exist on ${store}; check the URI, AWS_REGION and AWS_ENDPOINT_URL, or create the bucket`, cause);
  }
  if (isMissingObject(error)) {
    return new ConnectorError('NOT_FOUND', `cannot ${action} ${object}: no such object; check the key and the URI's prefix`, cause);
  }
  if (DENIED.has(name) || e.$metadata?.httpStatusCode === 403) {
    return new ConnectorError(
      'ACCESS_DENIED',
      `cannot ${action} ${object}: access denied by ${store} (${name}); check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) and that their policy allows it on arn:aws:s3:::${where.bucket}`,
      cause,
    );
  }
  const errno = e.code ?? (e as { cause?: { code?: string } }).cause?.code;
  if ((errno !== undefined && NETWORK.has(errno)) || name === 'TimeoutError') {
    return new ConnectorError('UNREACHABLE', `cannot ${action} ${object}: ${store} is unreachable (${errno ?? name}); check AWS_ENDPOINT_URL, AWS_REGION and the network`, cause);
  }
  return new ConnectorError('IO_ERROR', `cannot ${action} ${object}: ${name}: ${e.message ?? String(error)}`, cause);
}
