/**
 * The storage connector interface: every byte the runtime reads or writes goes through one of
 * these, so the same plan runs on the local filesystem, S3 or SFTP. A connector is a small
 * factory returning a plain object (see `ConnectorFactory`); heavy SDKs load lazily inside it.
 *
 * Keys are `/`-separated paths relative to the connector's root. They are built by the runtime,
 * never taken from inside an archive, and a connector refuses any key that could leave its root.
 */
import type { Readable } from 'node:stream';

/** What a connector knows about one stored object. */
export interface ObjectInfo {
  /** The key relative to the connector's root, `/`-separated. */
  key: string;
  /** Size in bytes. */
  size: number;
  /**
   * A token that changes whenever the content may have changed (an ETag, or size and modification
   * time): what the state store fingerprints inputs with.
   */
  version: string;
}

/** A byte range of an object: `[start, end)`, zero-based, `end` exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Options of {@link StorageConnector.write}. */
export interface WriteOptions {
  /**
   * Only create: when an object already exists under the key with other bytes, fail with
   * `ALREADY_EXISTS` and leave it as it is; when it holds exactly these bytes, succeed (a retried
   * write of the same object). The check and the write are one step where the store allows it
   * (S3's `If-None-Match: *`, a hard link on a filesystem, SFTP's non-overwriting rename). Meant
   * for small markers such as `_SUCCESS`: the body is held in memory to compare.
   */
  ifAbsent?: boolean;
}

/** Storage under one root URI: list, read, write (atomically), delete. */
export interface StorageConnector {
  /** The root URI, for messages and logs (credentials never appear in it). */
  readonly uri: string;
  /** Objects whose key starts with `prefix` (all when empty), in any order; follows every page. */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
  /** The object's info, or `undefined` when it does not exist. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Streams the object's bytes, or only those of `range` (a range past the end gives what exists
   * of it). Fails with `ConnectorError` code `NOT_FOUND` when the object does not exist.
   */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /**
   * Optional: reads `range` of the object into `target` from `offset` on, and resolves to how many
   * bytes it read (fewer than the range only where the object ends). For callers that read many
   * small ranges into one buffer, such as the duplicate count; without it they use `read`. Fails
   * like `read`; `target` must have room for the whole range.
   */
  readInto?(key: string, range: ByteRange, target: Uint8Array, offset: number): Promise<number>;
  /**
   * Optional: writes an object from `chunks`, atomically like `write`, and is done with each chunk
   * before it asks for the next, so the producer may refill a chunk's memory then. For callers that
   * copy much data through a few reused buffers, such as the merge; without it they stream fresh
   * buffers to `write`. A failure of `chunks` itself is rethrown unchanged and leaves nothing under `key`.
   */
  writeChunks?(key: string, chunks: AsyncIterable<Uint8Array>): Promise<ObjectInfo>;
  /**
   * Writes an object atomically: readers see the old object or the whole new one, never a part.
   * A failed or interrupted write leaves nothing under `key`. With `ifAbsent`, see {@link WriteOptions}.
   */
  write(key: string, body: Readable | Uint8Array | string, options?: WriteOptions): Promise<ObjectInfo>;
  /** Deletes the object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Releases clients, sockets and handles. */
  close(): Promise<void>;
}

/** Why a connector operation failed, as a stable code the runtime can branch on. */
export type ConnectorErrorCode = 'NOT_FOUND' | 'ALREADY_EXISTS' | 'ACCESS_DENIED' | 'INVALID_KEY' | 'UNSUPPORTED_SCHEME' | 'UNREACHABLE' | 'IO_ERROR';

/** The bytes of a body given to `write`, for a conditional write's comparison. */
export async function bodyBytes(body: Readable | Uint8Array | string): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** The `ALREADY_EXISTS` error of a conditional write that met other bytes under `where`. */
export function alreadyExists(where: string): ConnectorError {
  return new ConnectorError(
    'ALREADY_EXISTS',
    `${where} already exists with other contents, and this write may only create it: another run may be publishing the same day; check for one, then re-run`,
  );
}

/** An error from a connector, with a stable code and a message that says what to check. */
export class ConnectorError extends Error {
  override name = 'ConnectorError';
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Checks a key built by the runtime: relative, `/`-separated, no empty, `.` or `..` segments, no
 * backslashes or control characters. Connectors call it before touching storage.
 */
export function assertSafeKey(key: string): void {
  const bad =
    key === '' ||
    key.startsWith('/') ||
    key.includes('\\') ||
    /[\u0000-\u001f\u007f]/.test(key) ||
    key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad) throw new ConnectorError('INVALID_KEY', `refusing unsafe storage key ${JSON.stringify(key)}`);
}

/** Context a connector factory receives. */
export interface ConnectorContext {
  /** Environment for credentials and endpoints (`process.env` unless the caller says otherwise). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Whether a finished write must survive a crash of the machine (an `fsync` on a filesystem).
   * The runtime opens staging with `false`: on resume every staged object is checked against the
   * size its unit recorded, and a unit whose objects were lost is redone, so flushing them to disk
   * would only cost time. Connectors whose writes are always durable (object stores) ignore it.
   */
  durable: boolean;
}

/** Opens a connector for a root URI of the scheme it is registered for. */
export type ConnectorFactory = (uri: string, context: ConnectorContext) => StorageConnector | Promise<StorageConnector>;
