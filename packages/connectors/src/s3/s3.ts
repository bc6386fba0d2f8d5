/**
 * The S3 connector: `s3://bucket/prefix/` on AWS S3 or any S3-compatible store. Objects are
 * streamed both ways: reads are `GetObject` bodies (ranged when asked), writes go through
 * `@aws-sdk/lib-storage`'s `Upload` (one `PutObject` for a small body, a multipart upload of
 * bounded parts otherwise), so no object is ever held in memory whole. An upload that fails is
 * aborted, and S3 only shows an object once it is complete, so a failed write publishes nothing.
 *
 * Configuration comes from the URI's query (`?region=...&endpoint=...&pathStyle=...`, see
 * `parseS3Uri`), then from the environment the runtime passes (`ConnectorContext.env`):
 * `AWS_REGION` (or `AWS_DEFAULT_REGION`, default `us-east-1`); `AWS_ENDPOINT_URL_S3` or
 * `AWS_ENDPOINT_URL` for an S3-compatible store (path-style addressing is used then); credentials
 * from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` when set there, the
 * SDK's default chain (profiles, SSO, instance roles) otherwise. The SDK retries throttling and
 * 5xx responses with backoff (`AWS_MAX_ATTEMPTS`, default 3).
 *
 * The AWS SDK is loaded when the first `s3://` URI is opened, never by importing this package.
 */
import { Readable } from 'node:stream';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { alreadyExists, assertSafeKey, bodyBytes, ConnectorError } from '@partner-ingest/core/connectors';
import type { ByteRange, ConnectorContext, ConnectorFactory, ObjectInfo, StorageConnector, WriteOptions } from '@partner-ingest/core/connectors';
import { isMissingObject, s3ErrorToConnectorError } from './s3-errors.js';

/** Options of the S3 connector beyond what the environment says. */
export interface S3ConnectorOptions {
  /** Objects per `ListObjectsV2` page (1-1000; default 1000). */
  pageSize?: number;
  /** Size of each part of a multipart upload (at least 5 MiB; default 8 MiB). */
  partSize?: number;
  /** Parts uploaded at once; memory holds at most `queueSize * partSize` of a body (default 4). */
  queueSize?: number;
  /** Replaces the client built from the environment (for tests and custom setups). */
  client?: S3Client;
}

/** What an `s3://bucket/prefix/?region=...&endpoint=...` URI says. */
export interface S3Location {
  bucket: string;
  /** Empty, or ends in `/`. */
  prefix: string;
  /** From the URI's query, overriding the environment: `region`, `endpoint`, `pathStyle`. */
  region?: string;
  endpoint?: string;
  pathStyle?: boolean;
}

const QUERY_KEYS = ['region', 'endpoint', 'pathStyle'];

/**
 * Parses an `s3://bucket/prefix` URI. A query may set the store per location, so a spec can name
 * it: `s3://acme-lake/merged/?region=eu-west-1`, or an S3-compatible store with
 * `?endpoint=https://minio.internal:9000` (path-style unless `pathStyle=false`). Credentials never
 * go in a URI.
 */
export function parseS3Uri(uri: string): S3Location {
  const [path = '', query] = uri.split('?', 2);
  const match = /^s3:\/\/([^/#]+)(\/[^#]*)?$/i.exec(path);
  if (!match) {
    throw new ConnectorError('INVALID_KEY', `invalid S3 URI ${JSON.stringify(uri)}: write it as s3://bucket/prefix/`);
  }
  const bucket = match[1]!;
  const keyPath = (match[2] ?? '/').replace(/^\/+/, '');
  if (keyPath !== '') assertSafeKey(keyPath.replace(/\/$/, ''));
  const location: S3Location = { bucket, prefix: keyPath === '' || keyPath.endsWith('/') ? keyPath : `${keyPath}/` };
  for (const [name, value] of new URLSearchParams(query ?? '')) {
    if (!QUERY_KEYS.includes(name)) {
      throw new ConnectorError('INVALID_KEY', `unknown option "${name}" in S3 URI ${JSON.stringify(path)}: use ${QUERY_KEYS.join(', ')} (credentials come from the environment, never the URI)`);
    }
    if (name === 'region') location.region = value;
    else if (name === 'endpoint') location.endpoint = value;
    else if (value === 'true' || value === 'false') location.pathStyle = value === 'true';
    else throw new ConnectorError('INVALID_KEY', `pathStyle in S3 URI ${JSON.stringify(path)} must be true or false, not ${JSON.stringify(value)}`);
  }
  return location;
}

/** The client configuration the environment and the location ask for (the location wins). */
export function s3ClientConfig(env: ConnectorContext['env'], location: Partial<S3Location> = {}): S3ClientConfig {
  const endpoint = location.endpoint || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const config: S3ClientConfig = {
    region: location.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    // Checksums only where S3 requires them: S3-compatible stores do not all understand the
    // aws-chunked framing that streamed bodies get otherwise.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (endpoint) {
    config.endpoint = endpoint;
    config.forcePathStyle = location.pathStyle ?? true;
  } else if (location.pathStyle !== undefined) {
    config.forcePathStyle = location.pathStyle;
  }
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  return config;
}

const etag = (value: string | undefined) => (value ?? '').replace(/"/g, '');

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Opens an S3 connector rooted at `uri` (`s3://bucket/prefix/`). */
export async function s3Connector(uri: string, context: ConnectorContext, options: S3ConnectorOptions = {}): Promise<StorageConnector> {
  const location = parseS3Uri(uri);
  const { bucket, prefix } = location;
  const sdk = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const config = s3ClientConfig(context.env, location);
  const client = options.client ?? new sdk.S3Client(config);
  const ownsClient = options.client === undefined;
  const where = { bucket, endpoint: typeof config.endpoint === 'string' ? config.endpoint : undefined };
  const root = `s3://${bucket}/${prefix}`;

  const fullKey = (key: string) => {
    assertSafeKey(key);
    return prefix + key;
  };
  const fail = (error: unknown, action: string, key: string): never => {
    throw s3ErrorToConnectorError(error, action, { ...where, key: prefix + key });
  };

  async function head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: fullKey(key) }));
      return { key, size: out.ContentLength ?? 0, version: etag(out.ETag) };
    } catch (error) {
      // HEAD has no body, so a missing bucket also looks like a missing object here.
      if (isMissingObject(error)) return undefined;
      return fail(error, 'stat', key);
    }
  }

  /** `write` with `ifAbsent`: one PutObject with `If-None-Match: *`, which S3 refuses (412) when the key exists. */
  async function createOnly(key: string, Key: string, bytes: Buffer): Promise<ObjectInfo> {
    try {
      await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key, Body: bytes, IfNoneMatch: '*' }));
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name !== 'PreconditionFailed' && e.$metadata?.httpStatusCode !== 412) fail(error, 'write', key);
      // Already there: fine if it is this very object (a retried publish), refused otherwise.
      const existing = await connector.read(key).then(bytesOf, () => undefined);
      if (existing === undefined || !existing.equals(bytes)) throw alreadyExists(`s3://${bucket}/${Key}`);
    }
    const info = await head(key);
    if (!info) throw new ConnectorError('IO_ERROR', `wrote s3://${bucket}/${Key} but it is not there: check for a lifecycle rule or another writer deleting it`);
    return info;
  }

  const connector: StorageConnector = {
    uri: root,

    async *list(within = '') {
      if (within !== '') assertSafeKey(within.replace(/\/$/, ''));
      const pages = sdk.paginateListObjectsV2({ client, pageSize: options.pageSize ?? 1000 }, { Bucket: bucket, Prefix: prefix + within });
      try {
        for await (const page of pages) {
          for (const object of page.Contents ?? []) {
            const key = object.Key ?? '';
            // Zero-byte "folder" markers some tools create are not objects of ours.
            if (key.endsWith('/') || !key.startsWith(prefix)) continue;
            yield { key: key.slice(prefix.length), size: object.Size ?? 0, version: etag(object.ETag) };
          }
        }
      } catch (error) {
        fail(error, 'list', within);
      }
    },

    stat: head,

    async read(key: string, range?: ByteRange): Promise<Readable> {
      const Key = fullKey(key);
      if (range && range.end <= range.start) {
        if ((await head(key)) === undefined) fail({ name: 'NoSuchKey' }, 'read', key);
        return Readable.from([]);
      }
      try {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key, ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}) }));
        return out.Body as Readable;
      } catch (error) {
        // A range that starts past the end: S3 answers 416; the contract says "what exists of it".
        if (range && (error as { name?: string }).name === 'InvalidRange') {
          if ((await head(key)) === undefined) fail(error, 'read', key);
          return Readable.from([]);
        }
        return fail(error, 'read', key);
      }
    },

    async write(key: string, body: Readable | Uint8Array | string, writeOptions: WriteOptions = {}): Promise<ObjectInfo> {
      const Key = fullKey(key);
      if (writeOptions.ifAbsent) return createOnly(key, Key, await bodyBytes(body));
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key, Body: body },
        partSize: options.partSize ?? 8 * 1024 * 1024,
        queueSize: options.queueSize ?? 4,
        leavePartsOnError: false,
      });
      let bodyError: unknown;
      if (body instanceof Readable) {
        body.once('error', (error) => {
          bodyError ??= error;
          // Without this the upload would wait for a part that never comes.
          void upload.abort().catch(() => {});
        });
      }
      try {
        await upload.done();
      } catch (error) {
        if (bodyError !== undefined) throw bodyError;
        fail(error, 'write', key);
      }
      if (bodyError !== undefined) throw bodyError;
      const info = await head(key);
      if (!info) throw new ConnectorError('IO_ERROR', `wrote s3://${bucket}/${Key} but it is not there: check for a lifecycle rule or another writer deleting it`);
      return info;
    },

    async delete(key: string): Promise<void> {
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: fullKey(key) }));
      } catch (error) {
        if (!isMissingObject(error)) fail(error, 'delete', key);
      }
    },

    async close(): Promise<void> {
      if (ownsClient) client.destroy();
    },
  };
  return connector;
}

/** The registry's factory for `s3://` URIs. */
export const s3: ConnectorFactory = (uri, context) => s3Connector(uri, context);
