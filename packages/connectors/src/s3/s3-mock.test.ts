// What the S3-compatible test server cannot do, against a mocked S3 client (aws-sdk-client-mock):
// s3rver ignores `If-None-Match` and does not abort multipart uploads, so the conditional create
// of `_SUCCESS` and the abort of a failed multipart upload are checked on the requests the
// connector sends and the answers real S3 gives.
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '@partner-ingest/core/connectors';
import { s3Connector } from './s3.js';

const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const s3 = mockClient(client);
const open = () => s3Connector('s3://lake/merged/2026-11-22/', { env: {}, durable: true }, { client, partSize: 5 * 1024 * 1024, queueSize: 1 });

const serviceError = (name: string, status: number) => new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });

beforeEach(() => {
  s3.reset();
});

describe('s3 conditional writes (If-None-Match: *)', () => {
  it('creates _SUCCESS with If-None-Match: * in one PutObject', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e1"' });
    s3.on(HeadObjectCommand).resolves({ ContentLength: 3, ETag: '"e1"' });
    const store = await open();
    expect(await store.write('bookings/_SUCCESS', 'ok\n', { ifAbsent: true })).toEqual({ key: 'bookings/_SUCCESS', size: 3, version: 'e1' });
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: 'lake', Key: 'merged/2026-11-22/bookings/_SUCCESS', IfNoneMatch: '*' });
  });

  it('refuses with ALREADY_EXISTS when S3 answers 412 and another marker is there', async () => {
    s3.on(PutObjectCommand).rejects(serviceError('PreconditionFailed', 412));
    s3.on(HeadObjectCommand).resolves({ ContentLength: 9, ETag: '"other"' });
    s3.on(GetObjectCommand).resolves({ Body: Readable.from([Buffer.from('other run')]) as never });
    const store = await open();
    const error = await store.write('bookings/_SUCCESS', 'ok\n', { ifAbsent: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe('ALREADY_EXISTS');
    expect((error as ConnectorError).message).toContain('s3://lake/merged/2026-11-22/bookings/_SUCCESS');
  });

  it('takes a 412 over the very same bytes as done (a retried publish)', async () => {
    s3.on(PutObjectCommand).rejects(serviceError('PreconditionFailed', 412));
    s3.on(HeadObjectCommand).resolves({ ContentLength: 3, ETag: '"e1"' });
    s3.on(GetObjectCommand).resolves({ Body: Readable.from([Buffer.from('ok\n')]) as never });
    const store = await open();
    expect(await store.write('bookings/_SUCCESS', 'ok\n', { ifAbsent: true })).toEqual({ key: 'bookings/_SUCCESS', size: 3, version: 'e1' });
  });
});

describe('s3 multipart uploads that fail', () => {
  it('aborts the upload when a part is refused, and never completes it', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).rejects(serviceError('InternalError', 500));
    s3.on(AbortMultipartUploadCommand).resolves({});
    const store = await open();
    const body = Readable.from(Array.from({ length: 3 }, (_, i) => Buffer.alloc(4 * 1024 * 1024, i)));
    const error = await store.write('searches/merged_searches.csv', body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input)).toContainEqual(expect.objectContaining({ Bucket: 'lake', UploadId: 'up-1' }));
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('aborts the upload when the body breaks after a part was sent', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-2' });
    s3.on(UploadPartCommand).resolves({ ETag: '"p"' });
    s3.on(AbortMultipartUploadCommand).resolves({});
    const store = await open();
    async function* body() {
      for (let i = 0; i < 3; i++) yield Buffer.alloc(4 * 1024 * 1024, i);
      throw new Error('the source broke');
    }
    await expect(store.write('searches/merged_searches.csv', Readable.from(body()))).rejects.toThrow('the source broke');
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId)).toContain('up-2');
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});
