import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectorError, type ObjectInfo, type StorageConnector } from '@partner-ingest/core';
import { defaultConnectorRegistry } from '../registry.js';
import { codeOf, collect } from '../testing/results.js';
import { describeStorageConnector } from '../testing/storage-conformance.js';
import { toConnectorError } from './fs-errors.js';
import { localFs, localFsConnector, SWEPT_DIRECTORIES } from './local-fs.js';

let root: string;
let fs: StorageConnector;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pi-local-fs-'));
  fs = localFsConnector(root);
});

afterEach(async () => {
  await chmod(root, 0o755).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

// What every connector must do, on a fresh temp dir per test; the rest of this file is what is
// particular to a filesystem.
const conformanceRoots: string[] = [];
describeStorageConnector({
  name: 'local filesystem',
  open: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pi-local-fs-conformance-'));
    conformanceRoots.push(dir);
    return localFsConnector(dir, { fsync: false });
  },
  readInto: true,
  writeChunks: true,
});
// Durable (the default for outputs): `writeChunks` then writes through `direct-writer.ts`.
describeStorageConnector({
  name: 'local filesystem, durable',
  open: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pi-local-fs-conformance-'));
    conformanceRoots.push(dir);
    return localFsConnector(dir);
  },
  readInto: true,
  writeChunks: true,
});
afterAll(async () => {
  await Promise.all(conformanceRoots.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function put(key: string, content: string | Buffer): Promise<void> {
  const path = join(root, ...key.split('/'));
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

async function keys(prefix?: string, connector: StorageConnector = fs): Promise<string[]> {
  return (await collect(connector.list(prefix))).map((info) => info.key);
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Every name under `dir`, recursively, including dot files (temp files are dot files). */
async function allNames(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe('roots', () => {
  it('accepts an absolute path and shows it as a file:// URI ending in a slash', () => {
    expect(localFsConnector(root).uri).toBe(`${pathToFileURL(root).href}/`);
  });

  it('accepts a file:// URI, decoding percent-escapes', async () => {
    const spaced = join(root, 'with space');
    await mkdir(spaced);
    await writeFile(join(spaced, 'a.txt'), 'hello');
    const byUri = await localFs(`${pathToFileURL(spaced).href}/`, { env: {}, durable: true });
    expect(byUri.uri).toContain('with%20space/');
    expect(await text(await byUri.read('a.txt'))).toBe('hello');
  });

  it('resolves a relative path against the current directory', async () => {
    await put('sub/a.txt', 'relative');
    const rel = relative(process.cwd(), root);
    expect(rel.startsWith('/')).toBe(false);
    const connector = localFsConnector(rel);
    expect(connector.uri).toBe(`${pathToFileURL(root).href}/`);
    expect(await keys(undefined, connector)).toEqual(['sub/a.txt']);
  });

  it('refuses a file URI with a host, an empty root and another scheme', () => {
    for (const bad of ['file://somehost/data/', '', 's3://bucket/x/']) {
      expect(() => localFsConnector(bad), bad).toThrow(ConnectorError);
    }
    expect(() => localFsConnector('file://somehost/data/')).toThrow(/file:\/\/\/absolute\/path/);
  });

  it('is what the default registry opens for file:// URIs and plain paths', async () => {
    await put('x.csv', 'x');
    const registry = defaultConnectorRegistry();
    expect(registry.schemes()).toEqual(['file', 's3', 'sftp']);
    for (const uri of [root, `${pathToFileURL(root).href}/`]) {
      const connector = await registry.open(uri);
      expect(await keys(undefined, connector)).toEqual(['x.csv']);
      await connector.close();
    }
  });
});

describe('list', () => {
  beforeEach(async () => {
    for (const key of ['b.txt', 'a/2.csv', 'a/1.csv', 'a/deep/er/x.csv', 'a-b/z', 'a.txt', 'data/ab', 'data/abc/d', 'data/b']) {
      await put(key, key);
    }
  });

  it('walks nested directories and yields keys in order, with size and version', async () => {
    const infos = await collect(fs.list());
    expect(infos.map((i) => i.key)).toEqual([
      'a-b/z',
      'a.txt',
      'a/1.csv',
      'a/2.csv',
      'a/deep/er/x.csv',
      'b.txt',
      'data/ab',
      'data/abc/d',
      'data/b',
    ]);
    const deep = infos.find((i) => i.key === 'a/deep/er/x.csv');
    expect(deep?.size).toBe('a/deep/er/x.csv'.length);
    expect(deep?.version).toMatch(/^15-\d+$/);
  });

  it('filters by prefix, whether it ends on a directory or inside a name', async () => {
    expect(await keys('a/')).toEqual(['a/1.csv', 'a/2.csv', 'a/deep/er/x.csv']);
    expect(await keys('a')).toEqual(['a-b/z', 'a.txt', 'a/1.csv', 'a/2.csv', 'a/deep/er/x.csv']);
    expect(await keys('data/ab')).toEqual(['data/ab', 'data/abc/d']);
    expect(await keys('a/deep/e')).toEqual(['a/deep/er/x.csv']);
    expect(await keys('nope/')).toEqual([]);
    expect(await keys('b.txt/')).toEqual([]);
  });

  it('yields nothing for a missing root', async () => {
    expect(await keys(undefined, localFsConnector(join(root, 'missing', 'deeper')))).toEqual([]);
  });

  it('hides in-progress temp files and anything that is not a regular file', async () => {
    await put('a/.1.csv.tmp-123-0123456789ab', 'partial');
    await put('.b.txt.tmp-99-abcdefabcdef', 'partial');
    await symlink(join(root, 'b.txt'), join(root, 'link.txt'));
    await mkdir(join(root, 'empty-dir'));
    await put('.hidden', 'a real object');
    const listed = await keys();
    expect(listed).toContain('.hidden');
    expect(listed.filter((k) => k.includes('.tmp-') || k === 'link.txt' || k.startsWith('empty-dir'))).toEqual([]);
  });

  it('refuses an unsafe prefix', async () => {
    for (const prefix of ['../', '/a', 'a//', 'a\\b', '..']) {
      expect(await codeOf(collect(fs.list(prefix))), prefix).toBe('INVALID_KEY');
    }
  });
});

describe('stat', () => {
  it('returns undefined for a missing key, a directory, and a key below a file', async () => {
    await put('dir/file', 'x');
    expect(await fs.stat('missing')).toBeUndefined();
    expect(await fs.stat('dir')).toBeUndefined();
    expect(await fs.stat('dir/file/below')).toBeUndefined();
  });

  it('reports size and an integer-millisecond version that changes when the object is rewritten', async () => {
    const first = await fs.write('k', 'aaaa');
    expect(await fs.stat('k')).toEqual(first);
    expect(first).toEqual({ key: 'k', size: 4, version: expect.stringMatching(/^4-\d+$/) });

    const resized = await fs.write('k', 'aaaaa');
    expect(resized.version).not.toBe(first.version);

    // Same size: the version must still move, through the modification time.
    const path = join(root, 'k');
    await utimes(path, new Date(2020, 0, 1), new Date(2020, 0, 1));
    const old = await fs.stat('k');
    const rewritten = await fs.write('k', 'bbbbb');
    expect(rewritten.size).toBe(5);
    expect(rewritten.version).not.toBe(old?.version);
    expect(await fs.stat('k')).toEqual(rewritten);
  });
});

describe('read', () => {
  it('streams the bytes of an object', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'q');
    await put('in/big.bin', big);
    const chunks: Buffer[] = [];
    for await (const chunk of await fs.read('in/big.bin')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(big)).toBe(true);
    expect(chunks.length).toBeLessThanOrEqual(4); // 1 MiB chunks
  });

  it('streams a byte range: [start, end), cut short at the end of the object, empty when end <= start', async () => {
    await put('in/digits.txt', '0123456789');
    expect(await text(await fs.read('in/digits.txt', { start: 0, end: 10 }))).toBe('0123456789');
    expect(await text(await fs.read('in/digits.txt', { start: 3, end: 7 }))).toBe('3456');
    expect(await text(await fs.read('in/digits.txt', { start: 8, end: 20 }))).toBe('89');
    expect(await text(await fs.read('in/digits.txt', { start: 12, end: 20 }))).toBe('');
    expect(await text(await fs.read('in/digits.txt', { start: 5, end: 5 }))).toBe('');
    expect(await codeOf(fs.read('in/missing.txt', { start: 0, end: 1 }))).toBe('NOT_FOUND');
  });

  it('rejects a missing key with NOT_FOUND naming the full path', async () => {
    const error = await fs.read('drop/missing.tar.gz').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe('NOT_FOUND');
    expect((error as ConnectorError).message).toContain(join(root, 'drop', 'missing.tar.gz'));
    expect((error as ConnectorError).message).toMatch(/check/);
  });

  it('rejects a directory or a key below a file with NOT_FOUND', async () => {
    await put('dir/file', 'x');
    expect(await codeOf(fs.read('dir'))).toBe('NOT_FOUND');
    expect(await codeOf(fs.read('dir/file/below'))).toBe('NOT_FOUND');
    expect(await codeOf(fs.readInto!('dir', { start: 0, end: 1 }, Buffer.alloc(1), 0))).toBe('NOT_FOUND');
    expect(await codeOf(fs.readInto!('dir/file/below', { start: 0, end: 1 }, Buffer.alloc(1), 0))).toBe('NOT_FOUND');
  });

  it('refuses to read into a buffer without room for the range, before touching the file', async () => {
    await put('k', '0123456789');
    await expect(fs.readInto!('k', { start: 0, end: 10 }, Buffer.alloc(12), 3)).rejects.toThrow(RangeError);
    await expect(fs.readInto!('missing', { start: 0, end: 4 }, Buffer.alloc(2), 0)).rejects.toThrow(/4 bytes do not fit at offset 0 of a 2-byte buffer/);
  });

  it('keeps streaming the version it opened while a new one is written', async () => {
    await fs.write('k', 'old content');
    const stream = await fs.read('k');
    await fs.write('k', 'new content, longer');
    expect(await text(stream)).toBe('old content');
    expect(await text(await fs.read('k'))).toBe('new content, longer');
  });
});

describe('write', () => {
  it('writes strings, Buffers, Uint8Arrays and Readables, creating directories', async () => {
    await fs.write('s/string.txt', 'héllo');
    await fs.write('b/buffer.bin', Buffer.from([1, 2, 3]));
    await fs.write('u/uint8.bin', new Uint8Array([4, 5]));
    const parts = Array.from({ length: 50 }, (_, i) => Buffer.alloc(100_000, i));
    const info = await fs.write('r/deep/stream.bin', Readable.from(parts));

    expect(await readFile(join(root, 's/string.txt'), 'utf8')).toBe('héllo');
    expect([...(await readFile(join(root, 'b/buffer.bin')))]).toEqual([1, 2, 3]);
    expect([...(await readFile(join(root, 'u/uint8.bin')))]).toEqual([4, 5]);
    expect((await readFile(join(root, 'r/deep/stream.bin'))).equals(Buffer.concat(parts))).toBe(true);
    expect(info).toEqual(await fs.stat('r/deep/stream.bin'));
    expect(info.size).toBe(5_000_000);
    expect(await allNames(root)).not.toContainEqual(expect.stringContaining('.tmp-'));
  });

  it('works with fsync turned off', async () => {
    const scratch = localFsConnector(root, { fsync: false });
    await scratch.write('a/b.txt', Readable.from(['x', 'y']));
    expect(await text(await scratch.read('a/b.txt'))).toBe('xy');
  });

  it("flushes files to disk only when opened durable (the registry's default)", async () => {
    // A spy that calls through: counts fsyncs of written files, changes nothing.
    const probe = await open(join(root, 'probe'), 'w');
    const sync = vi.spyOn(Object.getPrototypeOf(probe) as { sync(): Promise<void> }, 'sync');
    await probe.close();
    try {
      await (await localFs(root, { env: {}, durable: false })).write('nd/a.txt', 'a');
      expect(sync).not.toHaveBeenCalled();
      await (await localFs(root, { env: {}, durable: true })).write('d/a.txt', Readable.from(['a']));
      await (await defaultConnectorRegistry().open(root)).write('d/b.txt', 'b');
      expect(sync).toHaveBeenCalledTimes(4); // per write: the file, then its directory after the rename
    } finally {
      sync.mockRestore();
    }
  });

  it('leaves no object and no temp file when the body fails half-way, and rejects with its error', async () => {
    const upstream = new Error('archive truncated');
    const failing = () =>
      Readable.from(
        (async function* () {
          yield Buffer.alloc(1024 * 1024, 'a');
          yield Buffer.alloc(1024 * 1024, 'b');
          throw upstream;
        })(),
      );

    await expect(fs.write('out/new.csv', failing())).rejects.toBe(upstream);
    expect(await fs.stat('out/new.csv')).toBeUndefined();
    expect(await allNames(root)).toEqual(['out']);

    await fs.write('out/existing.csv', 'the complete old version');
    await expect(fs.write('out/existing.csv', failing())).rejects.toBe(upstream);
    expect(await readFile(join(root, 'out/existing.csv'), 'utf8')).toBe('the complete old version');
    expect(await allNames(root)).toEqual(['out', 'out/existing.csv']);
  });

  it('leaves no temp file when the filesystem refuses the write, and says why', async () => {
    await mkdir(join(root, 'taken'));
    const body = Readable.from(['x']);
    const error = await fs.write('taken', body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe('IO_ERROR');
    expect((error as ConnectorError).message).toContain(join(root, 'taken'));
    expect((error as ConnectorError).message).toMatch(/directory exists/);
    expect(await allNames(root)).toEqual(['taken']);

    await put('file', 'x');
    const under = Readable.from(['y']);
    expect(await codeOf(fs.write('file/below', under))).toBe('IO_ERROR');
    expect(under.destroyed).toBe(true); // never consumed, so released
    expect(await allNames(root)).toEqual(['file', 'taken']);
  });

  it('ends concurrent writes of one key with exactly one complete version', async () => {
    const versions = Array.from({ length: 12 }, (_, i) => Buffer.alloc(512 * 1024 + i, 65 + i));
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    await Promise.all(
      versions.map((content, i) =>
        // Split into chunks so the writes interleave.
        fs.write('race/same.bin', i % 2 ? content : Readable.from([content.subarray(0, 1000), content.subarray(1000)])),
      ),
    );
    const final = await readFile(join(root, 'race/same.bin'));
    expect(versions.map(digest)).toContain(digest(final));
    expect(await allNames(root)).toEqual(['race', 'race/same.bin']);
  });

  it('refuses a key that looks like one of its own temp files', async () => {
    expect(await codeOf(fs.write('a/.x.tmp-1-0123456789ab', 'x'))).toBe('INVALID_KEY');
  });
});

describe('delete', () => {
  it('deletes an object, prunes directories left empty, and keeps the root', async () => {
    await put('a/b/c/one', '1');
    await put('a/two', '2');
    await fs.delete('a/b/c/one');
    expect(await allNames(root)).toEqual(['a', 'a/two']);
    await fs.delete('a/two');
    expect(await allNames(root)).toEqual([]);
    expect((await stat(root)).isDirectory()).toBe(true);
  });

  it('does not break writes racing with deletes that prune their directory', async () => {
    const churn = Array.from({ length: 40 }, async (_, i) => {
      await fs.write(`x/y/z/tmp${i}`, 'gone soon');
      await fs.delete(`x/y/z/tmp${i}`);
    });
    const keep = Array.from({ length: 40 }, (_, i) => fs.write(`x/y/z/keep${i}`, `kept ${i}`));
    await Promise.all([...churn, ...keep]);
    const listed = await keys('x/');
    expect(listed).toHaveLength(40);
    expect(listed.every((k) => k.startsWith('x/y/z/keep'))).toBe(true);
    expect((await allNames(root)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('treats a missing object, a key below a file, and a directory as nothing to delete', async () => {
    await put('f', 'x');
    await put('d/inner', 'x');
    await fs.delete('missing/key');
    await fs.delete('f/below');
    await fs.delete('d');
    expect(await keys()).toEqual(['d/inner', 'f']);
  });
});

describe('unsafe keys', () => {
  const unsafe = ['../x', '/abs', 'a//b', 'a\\b', 'a/./b', 'a/\u0000b', '', 'a/', 'a/../../etc/passwd'];

  it.each(unsafe)('refuses %j everywhere with INVALID_KEY and touches nothing', async (key) => {
    expect(await codeOf(fs.stat(key))).toBe('INVALID_KEY');
    expect(await codeOf(fs.read(key))).toBe('INVALID_KEY');
    expect(await codeOf(fs.write(key, 'x'))).toBe('INVALID_KEY');
    expect(await codeOf(fs.delete(key))).toBe('INVALID_KEY');
    expect(await allNames(root)).toEqual([]);
  });
});

describe('access denied', () => {
  // chmod only denies access to an unprivileged user: as root (CI containers here), reading a
  // 000 directory succeeds. So the real-filesystem check runs when it can, and the errno mapping
  // it relies on is always checked directly below.
  const privileged = process.getuid?.() === 0;

  it.skipIf(privileged)('maps a directory without permissions to ACCESS_DENIED', async () => {
    await put('locked/a.csv', 'x');
    await chmod(join(root, 'locked'), 0o000);
    try {
      expect(await codeOf(fs.read('locked/a.csv'))).toBe('ACCESS_DENIED');
      expect(await codeOf(fs.write('locked/b.csv', 'x'))).toBe('ACCESS_DENIED');
      expect(await codeOf(collect(fs.list('locked/')))).toBe('ACCESS_DENIED');
    } finally {
      await chmod(join(root, 'locked'), 0o755);
    }
  });

  const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

  it.each([
    ['EACCES', 'read', 'ACCESS_DENIED'],
    ['EPERM', 'write', 'ACCESS_DENIED'],
    ['EROFS', 'write', 'ACCESS_DENIED'],
    ['ENOENT', 'read', 'NOT_FOUND'],
    ['ENOTDIR', 'read', 'NOT_FOUND'],
    ['ENOTDIR', 'write', 'IO_ERROR'],
    ['ENOSPC', 'write', 'IO_ERROR'],
    ['EIO', 'read', 'IO_ERROR'],
  ] as const)('maps %s on %s to %s, naming the path and keeping the cause', (code, action, expected) => {
    const cause = errno(code);
    const error = toConnectorError(cause, action, '/data/drop/a.tar.gz');
    expect(error.code).toBe(expected);
    expect(error.message).toContain('/data/drop/a.tar.gz');
    expect(error.cause).toBe(cause);
  });

  it('says what to do next', () => {
    expect(toConnectorError(errno('EACCES'), 'read', '/p').message).toMatch(/check that the user/);
    expect(toConnectorError(errno('ENOSPC'), 'write', '/p').message).toMatch(/disk is full/);
    expect(toConnectorError(errno('ENOENT'), 'read', '/p').message).toMatch(/check the key/);
  });
});

describe('temp files of killed writers', () => {
  it('are swept from a directory on the next write there, while a live writer\'s are kept', async () => {
    await mkdir(join(root, 'table'), { recursive: true });
    // A pid far above pid_max is never running; the parent of this process is.
    const dead = join(root, 'table', '.merged.csv.tmp-99999999-0123456789ab');
    const live = join(root, 'table', `.merged.csv.tmp-${process.ppid}-0123456789ab`);
    await writeFile(dead, 'half a file');
    await writeFile(live, 'in progress');
    await fs.write('table/other.csv', 'x\n');
    const names = await readdir(join(root, 'table'));
    expect(names).not.toContain('.merged.csv.tmp-99999999-0123456789ab');
    expect(names).toContain(`.merged.csv.tmp-${process.ppid}-0123456789ab`);
    expect(names).toContain('other.csv');
  });

  it(`are swept again from a directory written to after ${SWEPT_DIRECTORIES} others`, async () => {
    await mkdir(join(root, 'table'), { recursive: true }); // made by someone else: swept on the first write
    await fs.write('table/a.csv', 'x\n');
    const dead = '.merged.csv.tmp-99999999-0123456789ab';
    await writeFile(join(root, 'table', dead), 'half a file');
    await fs.write('table/b.csv', 'x\n');
    expect(await readdir(join(root, 'table'))).toContain(dead); // swept already: not looked at again yet
    for (let i = 0; i < SWEPT_DIRECTORIES; i++) await fs.write(`other/${i}/x.csv`, 'x\n');
    await fs.write('table/c.csv', 'x\n');
    expect(await readdir(join(root, 'table'))).not.toContain(dead);
  });
});
