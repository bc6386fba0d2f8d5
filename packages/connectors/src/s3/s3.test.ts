// The S3 connector against a real S3-compatible server (s3rver on a loopback port): the
// conformance suite, then what is particular to S3.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '@partner-ingest/core/connectors';
import { collect, connectorFailure } from '../testing/results.js';
import { describeStorageConnector } from '../testing/storage-conformance.js';
import { defaultConnectorRegistry } from '../registry.js';
import { parseS3Uri, s3Connector, s3ClientConfig } from './s3.js';
import { startS3Server, type S3TestServer } from './__fixtures__/s3-server.js';

let server: S3TestServer;
const BUCKET = 'conformance';

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket(BUCKET);
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

// Each test gets a fresh prefix in one bucket; a small part size so 12 MiB takes the multipart path.
describeStorageConnector({
  name: 's3 (s3rver)',
  open: () => s3Connector(`s3://${BUCKET}/${randomUUID()}/`, { env: server.env, durable: true }, { partSize: 5 * 1024 * 1024 }),
  // s3rver ignores If-None-Match; s3-mock.test.ts covers conditional writes against a mocked S3.
  conditionalWrites: false,
});


describe('s3 connector', () => {
  it('parses s3:// URIs into a bucket and a prefix ending in a slash', () => {
    expect(parseS3Uri('s3://acme-lake/merged/acme/2026-11-22/')).toEqual({ bucket: 'acme-lake', prefix: 'merged/acme/2026-11-22/' });
    expect(parseS3Uri('s3://acme-lake/merged')).toEqual({ bucket: 'acme-lake', prefix: 'merged/' });
    expect(parseS3Uri('s3://acme-lake')).toEqual({ bucket: 'acme-lake', prefix: '' });
    expect(parseS3Uri('s3://acme-lake/')).toEqual({ bucket: 'acme-lake', prefix: '' });
    for (const bad of ['s3://', 's3:///key', 'file:///x', 's3://b/a/../c', 's3://b/x/?secret=1', 's3://b/?pathStyle=yes']) expect(() => parseS3Uri(bad), bad).toThrow(ConnectorError);
  });

  it('lets a location name its region and store in the URI, over the environment', () => {
    const location = parseS3Uri('s3://acme-lake/merged/?region=eu-west-1&endpoint=http://127.0.0.1:9000');
    expect(location).toEqual({ bucket: 'acme-lake', prefix: 'merged/', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000' });
    expect(s3ClientConfig({ AWS_REGION: 'us-west-2', AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }, location)).toMatchObject({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    expect(s3ClientConfig({}, parseS3Uri('s3://b/?pathStyle=true')).forcePathStyle).toBe(true);
  });

  it('reaches a store named only in the URI', async () => {
    const { AWS_ENDPOINT_URL: endpoint, ...credentials } = server.env;
    const store = await s3Connector(`s3://${BUCKET}/${randomUUID()}/?endpoint=${encodeURIComponent(endpoint!)}`, { env: credentials, durable: true });
    try {
      await store.write('a.txt', 'via the URI');
      expect((await collect(store.list())).map((i) => i.key)).toEqual(['a.txt']);
    } finally {
      await store.close();
    }
  });

  it('takes region, endpoint (path-style) and credentials from the environment', () => {
    expect(s3ClientConfig({})).toMatchObject({ region: 'us-east-1' });
    expect(s3ClientConfig({}).credentials).toBeUndefined(); // the SDK's default chain
    const config = s3ClientConfig({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_SESSION_TOKEN: 't' });
    expect(config).toMatchObject({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b', sessionToken: 't' } });
    expect(s3ClientConfig({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', AWS_ENDPOINT_URL: 'http://127.0.0.1:2' }).endpoint).toBe('http://127.0.0.1:1');
  });

  it('is what the default registry opens for s3:// URIs, keys relative to the prefix', async () => {
    const prefix = randomUUID();
    const store = await defaultConnectorRegistry().open(`s3://${BUCKET}/${prefix}/day/`, { env: server.env });
    try {
      expect(store.uri).toBe(`s3://${BUCKET}/${prefix}/day/`);
      await store.write('t/merged_t.csv', 'a,b\n');
      expect((await collect(store.list())).map((i) => i.key)).toEqual(['t/merged_t.csv']);
      const outside = await s3Connector(`s3://${BUCKET}/${prefix}/`, { env: server.env, durable: true });
      expect((await collect(outside.list())).map((i) => i.key)).toEqual(['day/t/merged_t.csv']);
      await outside.close();
    } finally {
      await store.close();
    }
  });

  it('follows every page of a listing', async () => {
    const store = await s3Connector(`s3://${BUCKET}/${randomUUID()}/`, { env: server.env, durable: true }, { pageSize: 3 });
    try {
      const keys = Array.from({ length: 10 }, (_, i) => `p/${String(i).padStart(2, '0')}.tar.gz`);
      for (const key of keys) await store.write(key, key);
      expect((await collect(store.list('p/'))).map((i) => i.key).sort()).toEqual(keys);
    } finally {
      await store.close();
    }
  });

  it('says the bucket does not exist, and how to fix it', async () => {
    const store = await s3Connector('s3://no-such-bucket/x/', { env: server.env, durable: true });
    try {
      const error = await connectorFailure(collect(store.list()));
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain('the bucket "no-such-bucket" does not exist');
      expect(error.message).toContain(server.endpoint);
      expect((await connectorFailure(store.write('a', 'x'))).message).toContain('does not exist');
    } finally {
      await store.close();
    }
  });

  it('says access is denied when the credentials are wrong', async () => {
    const store = await s3Connector(`s3://${BUCKET}/x/`, { env: { ...server.env, AWS_ACCESS_KEY_ID: 'NOT-A-KEY' }, durable: true });
    try {
      const error = await connectorFailure(collect(store.list()));
      expect(error.code).toBe('ACCESS_DENIED');
      expect(error.message).toMatch(/check the credentials/);
    } finally {
      await store.close();
    }
  });

  it('says the endpoint is unreachable when nothing listens there', async () => {
    const store = await s3Connector(`s3://${BUCKET}/x/`, { env: { ...server.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' }, durable: true });
    try {
      const error = await connectorFailure(store.read('a'));
      expect(error.code).toBe('UNREACHABLE');
      expect(error.message).toContain('http://127.0.0.1:9');
    } finally {
      await store.close();
    }
  });

  it('publishes nothing when a multipart upload fails after some parts were sent', async () => {
    const store = await s3Connector(`s3://${BUCKET}/${randomUUID()}/`, { env: server.env, durable: true }, { partSize: 5 * 1024 * 1024, queueSize: 1 });
    try {
      async function* body() {
        for (let i = 0; i < 3; i++) yield Buffer.alloc(4 * 1024 * 1024, i);
        throw new Error('the source broke after 12 MiB');
      }
      await expect(store.write('big/partial.bin', Readable.from(body()))).rejects.toThrow('the source broke');
      expect(await store.stat('big/partial.bin')).toBeUndefined();
      expect(await collect(store.list())).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
