/** Small helpers for connector tests: drain a listing or a stream, and read a rejection's code. */
import type { Readable } from 'node:stream';
import { ConnectorError } from '@partner-ingest/core/connectors';
import type { ObjectInfo } from '@partner-ingest/core/connectors';

/** Every entry of a listing. */
export async function collect(source: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of source) out.push(info);
  return out;
}

/** Every byte of a stream. */
export async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** A rejection's `ConnectorError` code, or what happened instead. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof ConnectorError ? error.code : `not a ConnectorError: ${String(error)}`;
  }
}

/** The `ConnectorError` a promise rejects with; throws when it resolves or rejects otherwise. */
export async function connectorFailure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${error === undefined ? 'a success' : String(error)}`);
  return error;
}
