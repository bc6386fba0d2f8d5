/**
 * The storage connector conformance suite: what every `StorageConnector` must do, whatever it
 * stores to. Every built-in connector runs it against a real server (the local filesystem, an
 * S3-compatible server); a third party runs it against its own connector:
 *
 * ```ts
 * import { describeStorageConnector } from '@partner-ingest/connectors/testing';
 * describeStorageConnector({ name: 'my-store', open: async () => myStore(`my://bucket/${randomUUID()}/`) });
 * ```
 *
 * It registers vitest `describe`/`it` blocks, so call it at the top level of a test file. `open`
 * must give a connector on an empty root each time it is called.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ConnectorError } from '@partner-ingest/core/connectors';
import type { StorageConnector } from '@partner-ingest/core/connectors';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesOf, codeOf, collect } from './results.js';

/** How to run the suite against one connector. */
export interface StorageConformanceOptions {
  /** Shown in the test names. */
  name: string;
  /** A connector on a fresh, empty root; called once per test. */
  open: () => Promise<StorageConnector>;
  /** Size of the large object streamed through write and read (default 12 MiB: more than one multipart part). */
  largeObjectBytes?: number;
  /** Per-test timeout in ms (default 30 s). */
  timeoutMs?: number;
  /**
   * Whether the store can create-only (`write` with `ifAbsent`) in one step. Default true; a test
   * server that ignores conditional requests (s3rver ignores `If-None-Match`) sets false, and the
   * connector's own tests cover that path against a mock instead.
   */
  conditionalWrites?: boolean;
  /** Whether the connector implements the optional `readInto`; its tests run only then. Default false. */
  readInto?: boolean;
  /** Whether the connector implements the optional `writeChunks`; its tests run only then. Default false. */
  writeChunks?: boolean;
}

/** Registers the conformance tests for one connector. */
export function describeStorageConnector(options: StorageConformanceOptions): void {
  const large = options.largeObjectBytes ?? 12 * 1024 * 1024;
  const timeout = options.timeoutMs ?? 30_000;
  const opened: StorageConnector[] = [];
  const open = async () => {
    const connector = await options.open();
    opened.push(connector);
    return connector;
  };

  describe(`storage connector conformance: ${options.name}`, { timeout }, () => {
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((c) => c.close()));
    });

    it('writes strings, Buffers, Uint8Arrays and streams, and reads back the same bytes', async () => {
      const store = await open();
      const parts = Array.from({ length: 20 }, (_, i) => Buffer.alloc(10_000, i));
      const written = [
        await store.write('s/string.txt', 'héllo'),
        await store.write('b/buffer.bin', Buffer.from([1, 2, 3])),
        await store.write('u/uint8.bin', new Uint8Array([4, 5])),
        await store.write('r/deep/stream.bin', Readable.from(parts)),
        await store.write('e/empty.txt', ''),
      ];
      expect(written.map((w) => [w.key, w.size])).toEqual([
        ['s/string.txt', 6],
        ['b/buffer.bin', 3],
        ['u/uint8.bin', 2],
        ['r/deep/stream.bin', 200_000],
        ['e/empty.txt', 0],
      ]);
      expect((await bytesOf(await store.read('s/string.txt'))).toString('utf8')).toBe('héllo');
      expect([...(await bytesOf(await store.read('b/buffer.bin')))]).toEqual([1, 2, 3]);
      expect([...(await bytesOf(await store.read('u/uint8.bin')))]).toEqual([4, 5]);
      expect((await bytesOf(await store.read('r/deep/stream.bin'))).equals(Buffer.concat(parts))).toBe(true);
      expect((await bytesOf(await store.read('e/empty.txt'))).length).toBe(0);
    });

    it(`streams a large object (${large} bytes) through write and read`, async () => {
      const store = await open();
      const data = randomBytes(large);
      const chunks = Array.from({ length: Math.ceil(large / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
      const info = await store.write('big/object.bin', Readable.from(chunks));
      expect(info.size).toBe(large);
      expect((await bytesOf(await store.read('big/object.bin'))).equals(data)).toBe(true);
    });

    it('stat gives what write returned, and the version changes when the object is rewritten', async () => {
      const store = await open();
      expect(await store.stat('k/missing')).toBeUndefined();
      const first = await store.write('k/object', 'aaaa');
      expect(first).toEqual({ key: 'k/object', size: 4, version: expect.any(String) });
      expect(await store.stat('k/object')).toEqual(first);
      const second = await store.write('k/object', 'bbbbb');
      expect(second.size).toBe(5);
      expect(second.version).not.toBe(first.version);
      expect(await store.stat('k/object')).toEqual(second);
    });

    it('lists every object under a prefix, with the info stat gives', async () => {
      const store = await open();
      const keys = ['a/1.csv', 'a/2.csv', 'a/deep/er/x.csv', 'a-b/z', 'a.txt', 'b.txt', 'data/ab', 'data/abc/d'];
      for (const key of keys) await store.write(key, key);
      const all = await collect(store.list());
      expect(all.map((i) => i.key).sort()).toEqual([...keys].sort());
      for (const info of all) expect(info).toEqual(await store.stat(info.key));
      const under = async (prefix: string) => (await collect(store.list(prefix))).map((i) => i.key).sort();
      expect(await under('a/')).toEqual(['a/1.csv', 'a/2.csv', 'a/deep/er/x.csv']);
      expect(await under('a')).toEqual(['a-b/z', 'a.txt', 'a/1.csv', 'a/2.csv', 'a/deep/er/x.csv']);
      expect(await under('data/ab')).toEqual(['data/ab', 'data/abc/d']);
      expect(await under('nope/')).toEqual([]);
    });

    it('lists an empty root as nothing', async () => {
      const store = await open();
      expect(await collect(store.list())).toEqual([]);
    });

    it('reads a byte range: [start, end), cut short at the end, empty past it', async () => {
      const store = await open();
      await store.write('digits.txt', '0123456789');
      const range = async (start: number, end: number) => (await bytesOf(await store.read('digits.txt', { start, end }))).toString('utf8');
      expect(await range(0, 10)).toBe('0123456789');
      expect(await range(3, 7)).toBe('3456');
      expect(await range(8, 20)).toBe('89');
      expect(await range(12, 20)).toBe('');
      expect(await range(5, 5)).toBe('');
    });

    it.runIf(options.readInto === true)('reads a byte range into a buffer at an offset, leaving the rest of it alone', async () => {
      const store = await open();
      expect(store.readInto).toBeTypeOf('function');
      await store.write('digits.txt', '0123456789');
      const into = async (start: number, end: number) => {
        const target = Buffer.alloc(16, '.');
        const n = await store.readInto!('digits.txt', { start, end }, target, 3);
        return `${n}:${target.toString('latin1')}`;
      };
      expect(await into(0, 10)).toBe('10:...0123456789...');
      expect(await into(3, 7)).toBe('4:...3456.........');
      expect(await into(8, 20)).toBe('2:...89...........');
      expect(await into(12, 20)).toBe('0:................');
      expect(await into(5, 5)).toBe('0:................');
      expect(await codeOf(store.readInto!('missing/object', { start: 0, end: 1 }, Buffer.alloc(1), 0))).toBe('NOT_FOUND');
    });

    it.runIf(options.writeChunks === true)('writes chunks as they were when handed over, though the producer refills one buffer', async () => {
      const store = await open();
      expect(store.writeChunks).toBeTypeOf('function');
      const buffer = Buffer.alloc(64 * 1024);
      async function* refilled(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 40; i++) {
          buffer.fill(0x41 + (i % 26));
          yield buffer.subarray(0, 1000 + i * 1500);
        }
      }
      const expected = Buffer.concat(Array.from({ length: 40 }, (_, i) => Buffer.alloc(1000 + i * 1500, 0x41 + (i % 26))));
      const info = await store.writeChunks!('dir/chunks.bin', refilled());
      expect(info).toMatchObject({ key: 'dir/chunks.bin', size: expected.length });
      expect((await bytesOf(await store.read('dir/chunks.bin'))).equals(expected)).toBe(true);
    });

    it.runIf(options.writeChunks === true)('leaves nothing under the key when the chunks fail, and passes their error on', async () => {
      const store = await open();
      await store.write('kept.txt', 'old');
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield Buffer.from('new bytes');
        throw new Error('the producer broke');
      }
      await expect(store.writeChunks!('kept.txt', failing())).rejects.toThrow('the producer broke');
      await expect(store.writeChunks!('fresh.txt', failing())).rejects.toThrow('the producer broke');
      expect((await bytesOf(await store.read('kept.txt'))).toString()).toBe('old');
      expect(await store.stat('fresh.txt')).toBeUndefined();
    });

    it('rejects reading a missing object with NOT_FOUND, with or without a range', async () => {
      const store = await open();
      expect(await codeOf(store.read('missing/object'))).toBe('NOT_FOUND');
      expect(await codeOf(store.read('missing/object', { start: 0, end: 1 }))).toBe('NOT_FOUND');
    });

    it('reads NOT_FOUND, naming the key, for an object that vanished between list and read', async () => {
      const store = await open();
      await store.write('drop/a_0001.tar.gz', 'bytes');
      const [listed] = await collect(store.list());
      await store.delete('drop/a_0001.tar.gz');
      const error = await store.read(listed!.key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as ConnectorError).code).toBe('NOT_FOUND');
      expect((error as ConnectorError).message).toContain('a_0001.tar.gz');
    });

    it('publishes nothing when the body fails half-way, and rejects', async () => {
      const store = await open();
      await store.write('keep/old', 'old version');
      async function* failing() {
        yield Buffer.alloc(100_000, 1);
        throw new Error('the source broke');
      }
      await expect(store.write('fail/new', Readable.from(failing()))).rejects.toThrow();
      await expect(store.write('keep/old', Readable.from(failing()))).rejects.toThrow();
      expect(await store.stat('fail/new')).toBeUndefined();
      expect((await bytesOf(await store.read('keep/old'))).toString('utf8')).toBe('old version');
      expect((await collect(store.list())).map((i) => i.key)).toEqual(['keep/old']);
    });

    it.skipIf(options.conditionalWrites === false)('creates only when asked: a second write with other bytes is refused, the same bytes pass', async () => {
      const store = await open();
      const marker = '{"table":"t","rows":3}\n';
      const first = await store.write('t/_SUCCESS', marker, { ifAbsent: true });
      expect(first.size).toBe(marker.length);
      const error = await store.write('t/_SUCCESS', '{"table":"t","rows":4}\n', { ifAbsent: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as ConnectorError).code).toBe('ALREADY_EXISTS');
      expect((await bytesOf(await store.read('t/_SUCCESS'))).toString('utf8')).toBe(marker);
      // A retried publish of the very same marker is not an error.
      expect((await store.write('t/_SUCCESS', Buffer.from(marker), { ifAbsent: true })).size).toBe(marker.length);
      expect((await collect(store.list())).map((i) => i.key)).toEqual(['t/_SUCCESS']);
      // Without the option, writing over it is the usual replace.
      await store.write('t/_SUCCESS', 'replaced');
      expect((await bytesOf(await store.read('t/_SUCCESS'))).toString('utf8')).toBe('replaced');
    });

    it('deletes objects, and deleting a missing one is not an error', async () => {
      const store = await open();
      await store.write('d/one', '1');
      await store.write('d/two', '2');
      await store.delete('d/one');
      await store.delete('d/one');
      await store.delete('never/there');
      expect(await store.stat('d/one')).toBeUndefined();
      expect((await collect(store.list())).map((i) => i.key)).toEqual(['d/two']);
    });

    it.each(['', '/abs', '../up', 'a/../b', 'a//b', 'a\\b', 'a/./b', 'nul\u0000'])('refuses the unsafe key %j everywhere with INVALID_KEY', async (key) => {
      const store = await open();
      expect(await codeOf(store.write(key, 'x'))).toBe('INVALID_KEY');
      expect(await codeOf(store.read(key))).toBe('INVALID_KEY');
      expect(await codeOf(store.stat(key))).toBe('INVALID_KEY');
      expect(await codeOf(store.delete(key))).toBe('INVALID_KEY');
      expect(await collect(store.list())).toEqual([]);
    });
  });
}
