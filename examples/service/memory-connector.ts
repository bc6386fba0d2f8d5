/**
 * A third-party connector in miniature: `mem://` storage held in a Map. It shows what plugging
 * your own storage into the SDK takes: a factory that returns a plain object satisfying core's
 * `StorageConnector` (list, stat, read, write, delete, close), registered under a scheme.
 *
 * Every root opened through one factory shares one Map, keyed `<root>/<key>`, the way buckets
 * share an object store: `mem://staging/` and `mem://staging/acme/` see the same objects.
 */
import { Readable } from 'node:stream';
import { ConnectorError, alreadyExists, assertSafeKey } from '@partner-ingest/core';
import type { ConnectorFactory, ObjectInfo, StorageConnector } from '@partner-ingest/core';

/** One stored object. */
export interface MemoryObject {
  body: Buffer;
  /** Changes on every write, so the state store sees a rewritten object as changed. */
  version: string;
}

/** Where `mem://` objects live: full key (`<root><key>`, no scheme) to object. */
export type MemoryObjects = Map<string, MemoryObject>;

/** Chunk size `read` streams in, so a large part is not handed to a consumer in one piece. */
const READ_CHUNK = 256 * 1024;
/** Writes so far in this process: makes every stored version distinct. */
let writes = 0;

/** `mem://staging/acme` -> `staging/acme/`: the prefix every key of that root lives under. */
function rootPrefix(uri: string): string {
  const match = /^mem:\/\/(.*)$/i.exec(uri);
  const path = match?.[1]?.replace(/\/+$/, '') ?? '';
  if (path === '') throw new ConnectorError('INVALID_KEY', `invalid memory root ${JSON.stringify(uri)}: use mem://<name>/ (e.g. mem://staging/)`);
  // The root is a key prefix, so it must be as safe as a key.
  try {
    assertSafeKey(path);
  } catch (error) {
    throw new ConnectorError('INVALID_KEY', `invalid memory root ${JSON.stringify(uri)}: ${(error as Error).message}`, { cause: error });
  }
  return `${path}/`;
}

async function collect(body: Readable | Uint8Array | string): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  // A body destroyed without an error ends the loop early; it is still not a whole object.
  if (!body.readableEnded) throw new Error('the body stream was closed before its end');
  return Buffer.concat(chunks);
}

/** Opens the connector for one `mem://` root over `objects`. */
export function memoryConnector(uri: string, objects: MemoryObjects): StorageConnector {
  const prefix = rootPrefix(uri);
  let closed = false;
  const info = (key: string, object: MemoryObject): ObjectInfo => ({ key, size: object.body.length, version: object.version });
  const check = (key: string) => {
    if (closed) throw new ConnectorError('IO_ERROR', `mem://${prefix} is closed`);
    assertSafeKey(key);
  };

  return {
    uri: `mem://${prefix}`,

    async *list(keyPrefix = '') {
      if (closed) throw new ConnectorError('IO_ERROR', `mem://${prefix} is closed`);
      // A snapshot, so writes during the listing do not disturb the iteration.
      for (const [full, object] of [...objects]) {
        if (full.startsWith(prefix + keyPrefix)) yield info(full.slice(prefix.length), object);
      }
    },

    async stat(key) {
      check(key);
      const object = objects.get(prefix + key);
      return object ? info(key, object) : undefined;
    },

    async read(key, range) {
      check(key);
      const object = objects.get(prefix + key);
      if (!object) throw new ConnectorError('NOT_FOUND', `mem://${prefix}${key} does not exist`);
      const body = range ? object.body.subarray(range.start, Math.max(range.start, range.end)) : object.body;
      // Reads the object as it was when opened, even if it is replaced meanwhile (like a GET).
      function* chunks() {
        for (let at = 0; at < body.length; at += READ_CHUNK) yield body.subarray(at, at + READ_CHUNK);
      }
      return Readable.from(chunks(), { objectMode: false });
    },

    async write(key, body, options = {}) {
      check(key);
      let bytes: Buffer;
      try {
        bytes = await collect(body);
      } catch (error) {
        // Atomic: nothing was stored, so a failed write leaves the old object (or none) in place.
        throw new ConnectorError('IO_ERROR', `writing mem://${prefix}${key} failed: ${(error as Error).message}`, { cause: error });
      }
      const existing = objects.get(prefix + key);
      if (options.ifAbsent && existing) {
        // Create-only (the runtime's _SUCCESS): the same bytes are a retried write, others a conflict.
        if (existing.body.equals(bytes)) return info(key, existing);
        throw alreadyExists(`mem://${prefix}${key}`);
      }
      const object: MemoryObject = { body: bytes, version: `${bytes.length}-${++writes}` };
      objects.set(prefix + key, object);
      return info(key, object);
    },

    async delete(key) {
      check(key);
      objects.delete(prefix + key);
    },

    async close() {
      // The objects stay: they belong to whoever owns the Map, not to this handle.
      closed = true;
    },
  };
}

/**
 * The factory to register under `mem`. Pass a Map to look at (or reuse) what was stored; by
 * default each factory gets its own, which is garbage once the factory is.
 */
export function memoryConnectorFactory(objects: MemoryObjects = new Map()): ConnectorFactory {
  return (uri) => memoryConnector(uri, objects);
}
