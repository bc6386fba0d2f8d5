/**
 * The local filesystem connector, the embedded default: a directory tree under one root, keys
 * mapped to paths below it. Writes are atomic (temp file in the target's directory, fsync, rename),
 * so a reader sees the old object or the whole new one, never a part, and a failed write leaves
 * nothing behind.
 *
 * Containment: every key passes `assertSafeKey` and its resolved path must stay inside the root.
 * Symbolic links are not defended against: a symlinked directory inside the root is followed by
 * `stat`, `read` and `write`. The root is the operator's own tree, so that is out of scope; keys
 * never come from archive contents.
 */
import { randomBytes } from 'node:crypto';
import { constants, type Dirent, type Stats } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat as fsStat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConnectorError, alreadyExists, assertSafeKey, bodyBytes } from '@partner-ingest/core/connectors';
import type { ConnectorFactory, ObjectInfo, StorageConnector } from '@partner-ingest/core/connectors';
import { DirectFileWriter } from './direct-writer.js';
import { errnoCode, toConnectorError } from './fs-errors.js';

/** Options of the local filesystem connector. */
export interface LocalFsOptions {
  /**
   * Flush each object to disk (`fsync` of the file, then of its directory after the rename)
   * before `write` resolves. On by default: without it, a power loss shortly after a run can leave
   * an empty or truncated file under a key the state store already recorded as done. Turn it off
   * only for scratch data (tests, staging): the runtime opens staging with
   * `ConnectorContext.durable: false`, which the registry's factory passes here, and checks staged
   * objects' sizes on resume instead. Measured on an ext4 VM disk: a 500 MB
   * stream writes at about 400-900 MB/s with it and 1.9-3.6 GB/s (page cache) without; a small
   * object costs about 1-1.7 ms with it and 0.5 ms without.
   */
  fsync?: boolean;
}

/** Chunk size for reads: large chunks keep per-chunk overhead negligible on multi-GB inputs. */
const READ_CHUNK = 1024 * 1024;
/** Write buffer of the temp file stream: fewer, larger writes when the body produces small chunks. */
const WRITE_CHUNK = 1024 * 1024;
/** How many files `list` stats at once. */
const STAT_BATCH = 32;
/** `.<base>.tmp-<pid>-<12 hex>`: the in-progress files of `write`, hidden from `list`. */
const TEMP_NAME = /^\..*\.tmp-\d+-[0-9a-f]{12}$/s;

/** Directories a connector remembers as swept of killed writers' temp files (see `sweepStaleTemps`). */
export const SWEPT_DIRECTORIES = 256;

/** The temp file name for an object named `base`, unique across processes and concurrent writes. */
function tempName(base: string): string {
  // Truncated so the temp name stays under the usual 255-byte limit when `base` is near it.
  return `.${base.slice(0, 64)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The absolute root directory of a `file://` URI or a plain (absolute or relative) path. */
function localRootPath(uri: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    try {
      const url = new URL(uri);
      if (url.protocol !== 'file:') throw new Error(`the scheme is "${url.protocol.slice(0, -1)}", not "file"`);
      return resolve(fileURLToPath(url));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ConnectorError(
        'INVALID_KEY',
        `invalid local root ${JSON.stringify(uri)}: ${why}; use file:///absolute/path/ or a plain path`,
        { cause: error },
      );
    }
  }
  if (uri === '') throw new ConnectorError('INVALID_KEY', 'empty local root: use file:///absolute/path/ or a plain path');
  return resolve(uri);
}

function objectInfo(key: string, stats: Stats): ObjectInfo {
  return { key, size: stats.size, version: `${stats.size}-${Math.trunc(stats.mtimeMs)}` };
}

/** `undefined` for "the object is not there" errors; anything else is rethrown as a `ConnectorError`. */
function absentOrThrow(error: unknown, action: 'stat' | 'list' | 'delete', path: string): undefined {
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw toConnectorError(error, action, path);
}

/**
 * Opens a local filesystem connector rooted at `root` (a `file://` URI or a plain path, relative
 * to the current directory). The root need not exist: listing it yields nothing and the first
 * write creates it.
 */
export function localFsConnector(root: string, options: LocalFsOptions = {}): StorageConnector {
  const rootPath = localRootPath(root);
  const fsync = options.fsync ?? true;
  const href = pathToFileURL(rootPath).href;
  const uri = href.endsWith('/') ? href : `${href}/`;

  /** The absolute path of a key, refusing unsafe keys and anything resolving outside the root. */
  function pathOf(key: string): string {
    assertSafeKey(key);
    const path = resolve(rootPath, ...key.split('/'));
    const rel = relative(rootPath, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new ConnectorError('INVALID_KEY', `refusing key ${JSON.stringify(key)}: it resolves to ${path}, outside the root ${rootPath}`);
    }
    return path;
  }

  /** Infos of files found by `readdir`, stat'ed a batch at a time; files gone since are skipped. */
  async function statFiles(keys: string[]): Promise<ObjectInfo[]> {
    const infos: ObjectInfo[] = [];
    for (let i = 0; i < keys.length; i += STAT_BATCH) {
      const batch = await Promise.all(
        keys.slice(i, i + STAT_BATCH).map(async (key) => {
          const path = join(rootPath, ...key.split('/'));
          try {
            const stats = await fsStat(path);
            return stats.isFile() ? objectInfo(key, stats) : undefined;
          } catch (error) {
            return absentOrThrow(error, 'list', path);
          }
        }),
      );
      for (const info of batch) if (info) infos.push(info);
    }
    return infos;
  }

  async function* walk(dir: string, keyPrefix: string, prefix: string): AsyncGenerator<ObjectInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      return absentOrThrow(error, 'list', dir); // a missing root or prefix directory holds nothing
    }
    // Sorting on `name/` for directories makes the whole listing come out in key order.
    const sorted = entries
      .map((entry) => ({ entry, sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    let files: string[] = [];
    for (const { entry, sortKey } of sorted) {
      if (!(keyPrefix + sortKey).startsWith(prefix)) continue;
      const key = keyPrefix + entry.name;
      if (entry.isDirectory()) {
        yield* await statFiles(files);
        files = [];
        yield* walk(join(dir, entry.name), `${key}/`, prefix);
      } else if (entry.isFile() && !TEMP_NAME.test(entry.name)) {
        files.push(key);
      }
      // Symlinks, sockets, FIFOs and devices are not objects.
    }
    yield* await statFiles(files);
  }

  /**
   * Removes temp files that a killed writer left in `dir` (their pid is no longer running). Done
   * on the first write in a directory, so leftovers never pile up, and not again while it is among
   * the last {@link SWEPT_DIRECTORIES} directories swept: every part of a day has a directory of
   * its own, and remembering them all grew a worker's heap with each archive (~0.5 KB a unit). A
   * directory swept twice costs a `readdir`; one the write has just made (`madeNow`) needs none.
   */
  const swept = new Set<string>();
  async function sweepStaleTemps(dir: string, madeNow: boolean): Promise<void> {
    if (swept.has(dir)) return;
    if (swept.size >= SWEPT_DIRECTORIES) swept.delete(swept.values().next().value!);
    swept.add(dir);
    if (madeNow) return; // a directory this write made holds no one's leftovers (every part has a new one)
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(
      names
        .filter((name) => TEMP_NAME.test(name))
        .filter((name) => {
          const pid = Number(/\.tmp-(\d+)-[0-9a-f]{12}$/.exec(name)?.[1]);
          if (pid === process.pid) return false;
          try {
            process.kill(pid, 0);
            return false; // still running: its write may be in progress
          } catch (error) {
            return errnoCode(error) === 'ESRCH';
          }
        })
        .map((name) => unlink(join(dir, name)).catch(() => {})),
    );
  }

  /** Creates the directory and opens a new temp file in it. */
  async function openTemp(target: string): Promise<{ handle: FileHandle; temp: string }> {
    const dir = dirname(target);
    for (let attempt = 1; ; attempt++) {
      let made: string | undefined;
      try {
        made = await mkdir(dir, { recursive: true });
      } catch (error) {
        throw toConnectorError(error, 'write', target);
      }
      await sweepStaleTemps(dir, made !== undefined);
      const temp = join(dir, tempName(basename(target)));
      try {
        return { handle: await open(temp, 'wx'), temp };
      } catch (error) {
        // A concurrent `delete` may prune the directory between mkdir and open: make it again.
        if (errnoCode(error) === 'ENOENT' && attempt < 5) continue;
        throw toConnectorError(error, 'write', target);
      }
    }
  }

  /**
   * Writes the body into the temp file, flushes it to disk when `fsync` is on, and closes the
   * handle. Errors of the body itself are rethrown unchanged: they are the caller's to classify.
   */
  async function writeBody(handle: FileHandle, body: Readable | Uint8Array | string, target: string): Promise<void> {
    if (!(body instanceof Readable)) {
      try {
        await handle.writeFile(body);
        if (fsync) await handle.sync();
        await handle.close();
      } catch (error) {
        throw toConnectorError(error, 'write', target);
      }
      return;
    }
    // The stream owns the handle: it closes it (after any write in flight, and after the fsync that
    // `flush` asks for) when it finishes or is destroyed, and pipeline waits for that close.
    const sink = handle.createWriteStream({ highWaterMark: WRITE_CHUNK, flush: fsync });
    let sinkError: unknown;
    sink.on('error', (error) => {
      sinkError ??= error;
    });
    try {
      await pipeline(body, sink);
    } catch (error) {
      if (sinkError !== undefined && error === sinkError) throw toConnectorError(error, 'write', target);
      throw error;
    }
  }

  /**
   * Writes `chunks` into the temp file at `temp` one after another, each taken in full before the
   * next is asked for (the `writeChunks` contract), then flushes it to disk when `fsync` is on and
   * closes it. With `fsync` the bytes bypass the page cache (`direct-writer.ts` says why): they are
   * flushed before the publication anyway. Errors of `chunks` itself are rethrown unchanged.
   */
  async function writeChunksTo(handle: FileHandle, temp: string, chunks: AsyncIterable<Uint8Array>, target: string): Promise<void> {
    const fs = async <T>(step: () => Promise<T>): Promise<T> => {
      try {
        return await step();
      } catch (error) {
        throw toConnectorError(error, 'write', target);
      }
    };
    if (!fsync) {
      for await (const chunk of chunks) {
        for (let done = 0; done < chunk.length; ) done += (await fs(() => handle.write(chunk, done, chunk.length - done))).bytesWritten;
      }
    } else {
      const writer = await fs(() => DirectFileWriter.open(handle, temp));
      try {
        for await (const chunk of chunks) await fs(() => writer.write(chunk));
        await fs(() => writer.end());
      } catch (error) {
        await writer.abort();
        throw error;
      }
      await fs(() => handle.sync());
    }
    await fs(() => handle.close());
  }

  /**
   * Publishes `key` atomically: `fill` writes a new temp file beside the target (and closes it),
   * which is then renamed over the target. On failure the temp file is removed and the error passed on.
   */
  async function publish(key: string, target: string, fill: (handle: FileHandle, temp: string) => Promise<void>, unused?: () => void): Promise<ObjectInfo> {
    if (TEMP_NAME.test(basename(target))) {
      unused?.();
      throw new ConnectorError('INVALID_KEY', `refusing key ${JSON.stringify(key)}: its name looks like a temp file of this connector`);
    }
    let opened: { handle: FileHandle; temp: string };
    try {
      opened = await openTemp(target);
    } catch (error) {
      unused?.();
      throw error;
    }
    const { handle, temp } = opened;
    try {
      await fill(handle, temp);
      let stats: Stats;
      try {
        // The temp name is ours alone; after the rename a concurrent writer may own `target`.
        stats = await fsStat(temp);
        await rename(temp, target);
      } catch (error) {
        throw toConnectorError(error, 'write', target);
      }
      if (fsync) await syncDirectory(dirname(target));
      return objectInfo(key, stats);
    } catch (error) {
      await handle.close().catch(() => undefined); // a no-op when already closed
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * `write` with `ifAbsent`: the temp file is hard-linked to the target, which fails when the
   * target exists, so the check and the creation are one step.
   */
  async function createOnly(key: string, target: string, bytes: Buffer): Promise<ObjectInfo> {
    const { handle, temp } = await openTemp(target);
    try {
      await writeBody(handle, bytes, target);
      try {
        await link(temp, target);
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw toConnectorError(error, 'write', target);
        const existing = await readFile(target).catch(() => undefined);
        if (existing === undefined || !existing.equals(bytes)) throw alreadyExists(target);
      }
      if (fsync) await syncDirectory(dirname(target));
      return objectInfo(key, await fsStat(target));
    } finally {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
    }
  }

  const notAFile = (path: string, cause?: unknown) =>
    new ConnectorError('NOT_FOUND', `cannot read ${path}: it is not a regular file (a directory?): check the key`, cause === undefined ? {} : { cause });

  /** Opens a path for reading; a missing file fails as `NOT_FOUND`. */
  async function openForReading(path: string): Promise<FileHandle> {
    try {
      // O_NONBLOCK so a FIFO under the key cannot hang the open; it changes nothing for files.
      return await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      throw toConnectorError(error, 'read', path);
    }
  }

  /** Opens a regular file for reading; a missing file or one that is not regular fails as `NOT_FOUND`. */
  async function openFile(path: string): Promise<FileHandle> {
    const handle = await openForReading(path);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) {
        throw notAFile(path);
      }
    } catch (error) {
      await handle.close();
      throw toConnectorError(error, 'read', path);
    }
    return handle;
  }

  async function syncDirectory(dir: string): Promise<void> {
    // Best effort: the object is already published, and some filesystems refuse fsync on a directory.
    try {
      const handle = await open(dir, constants.O_RDONLY);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // nothing to undo
    }
  }

  return {
    uri,

    async *list(prefix = '') {
      if (prefix !== '') assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
      // Start at the deepest directory the prefix names, so a narrow prefix reads a small subtree.
      const dirKey = prefix.slice(0, Math.max(prefix.lastIndexOf('/'), 0));
      yield* walk(dirKey ? pathOf(dirKey) : rootPath, dirKey ? `${dirKey}/` : '', prefix);
    },

    async stat(key) {
      const path = pathOf(key);
      try {
        const stats = await fsStat(path);
        return stats.isFile() ? objectInfo(key, stats) : undefined;
      } catch (error) {
        return absentOrThrow(error, 'stat', path);
      }
    },

    async read(key, range) {
      const path = pathOf(key);
      const handle = await openFile(path);
      // The open handle pins this version: a concurrent write renames a new file over the key
      // without disturbing this reader.
      if (range === undefined) return handle.createReadStream({ highWaterMark: READ_CHUNK });
      if (range.end <= range.start) {
        // createReadStream's `end` is inclusive and cannot express an empty range.
        await handle.close();
        return Readable.from([]);
      }
      return handle.createReadStream({ highWaterMark: READ_CHUNK, start: range.start, end: range.end - 1 });
    },

    async readInto(key, range, target, offset) {
      const path = pathOf(key);
      const wanted = Math.max(0, range.end - range.start);
      if (offset < 0 || offset + wanted > target.length) {
        throw new RangeError(`readInto: ${wanted} bytes do not fit at offset ${offset} of a ${target.length}-byte buffer`);
      }
      // No stat first, as `read` does: a directory fails its first read (EISDIR), a FIFO opened
      // without blocking reads empty. That is one system call fewer for each of the many ranges.
      const handle = await openForReading(path);
      try {
        // Straight into the caller's buffer: no stream and no buffer of its own per range.
        let filled = 0;
        while (filled < wanted) {
          const { bytesRead } = await handle.read(target, offset + filled, wanted - filled, range.start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return filled;
      } catch (error) {
        if (errnoCode(error) === 'EISDIR') {
          throw notAFile(path, error);
        }
        throw toConnectorError(error, 'read', path);
      } finally {
        await handle.close().catch(() => undefined);
      }
    },

    async write(key, body, options = {}) {
      const target = pathOf(key);
      if (options.ifAbsent) return createOnly(key, target, await bodyBytes(body));
      // A body never consumed (the temp file could not be made) releases what it holds.
      return publish(key, target, (handle) => writeBody(handle, body, target), () => body instanceof Readable && body.destroy());
    },

    async writeChunks(key, chunks) {
      const target = pathOf(key);
      return publish(key, target, (handle, temp) => writeChunksTo(handle, temp, chunks, target));
    },

    async delete(key) {
      const path = pathOf(key);
      try {
        await unlink(path);
      } catch (error) {
        // A directory under the key is not an object, so there is no object to delete
        // (unlink says EISDIR on Linux, EPERM on macOS).
        const code = errnoCode(error);
        if ((code === 'EISDIR' || code === 'EPERM') && (await fsStat(path).catch(() => undefined))?.isDirectory()) return;
        return absentOrThrow(error, 'delete', path);
      }
      // Prune directories the deletion left empty, up to (not including) the root, so a deleted
      // prefix disappears as it would in an object store. rmdir refuses non-empty directories,
      // which is what stops the walk; a concurrent write re-creates what it needs.
      for (let dir = dirname(path); dir !== rootPath && dir.startsWith(rootPath); dir = dirname(dir)) {
        try {
          await rmdir(dir);
        } catch {
          break;
        }
      }
    },

    async close() {
      // Nothing is held between calls.
    },
  };
}

/** The `file://` connector factory (also used for plain paths): see `localFsConnector`. */
export const localFs: ConnectorFactory = (uri, context) => localFsConnector(uri, { fsync: context.durable });
