import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { ArchiveError } from './archive-error.js';
import {
  buildTar,
  collect,
  END_OF_ARCHIVE,
  gzipped,
  padded,
  streamOf,
  ustarHeader,
} from './__fixtures__/build.js';
import { readArchive } from './read-archive.js';
import type { ArchiveMember } from './types.js';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const codeOf = (err: unknown) => (err instanceof ArchiveError ? err.code : err);
const names = (items: Array<{ name: string }>) => items.map((item) => item.name);

describe('delivery', () => {
  test('delivers regular files in order with content, skips directories, rejects everything else with a reason', async () => {
    const tar = await buildTar([
      { name: 'drop/', type: 'directory' },
      { name: 'drop/bookings_20240101_1.csv', data: 'id,amount\n1,10\n' },
      { name: 'drop/empty.csv', data: '' },
      { name: 'drop/latest', type: 'symlink', linkname: 'bookings_20240101_1.csv' },
      { name: 'drop/hard.csv', type: 'link', linkname: 'drop/bookings_20240101_1.csv' },
      { name: 'drop/pipe', type: 'fifo' },
      { name: 'dev/null', type: 'character-device' },
      { name: 'dev/sda', type: 'block-device' },
      { name: '../escape.csv', data: 'x' },
      { name: '/etc/passwd.csv', data: 'x' },
      { name: 'C:\\Temp\\evil.csv', data: 'x' },
      { name: '..\\..\\Temp\\evil.csv', data: 'x' },
      { name: '../outside/', type: 'directory' },
      { name: 'contiguous.csv', type: 'contiguous-file', data: 'c' },
      { name: 'pax/ünïcode_20240101_2.csv', data: 'ü' },
    ]);
    const result = await collect(gzipped(tar));

    expect(result.error).toBeUndefined();
    expect(result.members.map(({ name, path, baseName, index, size, data }) => [name, path, baseName, index, size, data.toString()])).toEqual([
      ['drop/bookings_20240101_1.csv', 'drop/bookings_20240101_1.csv', 'bookings_20240101_1.csv', 1, 15, 'id,amount\n1,10\n'],
      ['drop/empty.csv', 'drop/empty.csv', 'empty.csv', 2, 0, ''],
      ['contiguous.csv', 'contiguous.csv', 'contiguous.csv', 13, 1, 'c'],
      ['pax/ünïcode_20240101_2.csv', 'pax/ünïcode_20240101_2.csv', 'ünïcode_20240101_2.csv', 14, 2, 'ü'],
    ]);
    expect(result.rejected.map(({ name, index, type, code }) => [name, index, type, code])).toEqual([
      ['drop/latest', 3, 'symlink', 'MEMBER_LINK'],
      ['drop/hard.csv', 4, 'link', 'MEMBER_LINK'],
      ['drop/pipe', 5, 'fifo', 'MEMBER_SPECIAL_FILE'],
      ['dev/null', 6, 'character-device', 'MEMBER_SPECIAL_FILE'],
      ['dev/sda', 7, 'block-device', 'MEMBER_SPECIAL_FILE'],
      ['../escape.csv', 8, 'file', 'MEMBER_UNSAFE_PATH'],
      ['/etc/passwd.csv', 9, 'file', 'MEMBER_UNSAFE_PATH'],
      ['C:\\Temp\\evil.csv', 10, 'file', 'MEMBER_UNSAFE_PATH'],
      ['..\\..\\Temp\\evil.csv', 11, 'file', 'MEMBER_UNSAFE_PATH'],
      ['../outside/', 12, 'directory', 'MEMBER_UNSAFE_PATH'],
    ]);
    for (const rejected of result.rejected) expect(rejected.reason.length).toBeGreaterThan(10);
    expect(result.rejected[0]?.reason).toMatch(/symbolic link to 'bookings_20240101_1.csv'/);
    expect(result.stats).toEqual({
      entries: 15,
      members: 4,
      rejected: 10,
      directories: 1,
      memberBytes: 18,
      compressedBytes: expect.any(Number),
      uncompressedBytes: tar.length,
    });
  });

  test('refuses a file written through a link declared earlier, however the link is spelled', async () => {
    const tar = await buildTar([
      { name: 'tmp', type: 'symlink', linkname: '/tmp' },
      { name: 'tmp/evil.csv', data: 'x' },
      { name: 'cur', type: 'symlink', linkname: '.' },
      { name: 'cur/par', type: 'symlink', linkname: '..' },
      { name: 'par/evil.csv', data: 'x' },
      { name: 'same', type: 'symlink', linkname: '/etc/cron.d/job' },
      { name: 'same', data: 'x' },
      { name: 'fine/ok.csv', data: 'ok' },
    ]);
    const result = await collect(tar, { gzip: false });
    expect(result.error).toBeUndefined();
    expect(names(result.members)).toEqual(['fine/ok.csv']);
    expect(result.rejected.filter((r) => r.code === 'MEMBER_UNSAFE_PATH').map((r) => [r.name, r.reason])).toEqual([
      ['tmp/evil.csv', "the path goes through the link 'tmp' declared earlier in the archive"],
      ['par/evil.csv', "the path goes through the link 'par' declared earlier in the archive"],
      ['same', "the path goes through the link 'same' declared earlier in the archive"],
    ]);
  });

  test('refuses bad names: invalid UTF-8, control characters, empty or ambiguous PAX paths, over-long names', async () => {
    const latin1 = Buffer.from('caf\u00e9.csv', 'latin1');
    const tar = Buffer.concat([
      ustarHeader({ name: latin1, size: 1 }),
      padded(Buffer.from('x')),
      await buildTar([
        { name: 'tab\there.csv', data: 'x' },
        { name: 'ok.csv', data: 'x', pax: { path: '' } },
        { name: `${'deep/'.repeat(900)}x.csv`, data: 'x' },
        { name: 'nul.csv', data: 'x', pax: { path: 'nul\u0000.csv' } },
      ]),
    ]);
    const result = await collect(tar, { gzip: false });
    expect(result.error).toBeUndefined();
    expect(result.members).toEqual([]);
    expect(result.rejected.map((r) => [r.code, r.reason])).toEqual([
      ['MEMBER_BAD_NAME', expect.stringMatching(/not valid UTF-8/)],
      ['MEMBER_BAD_NAME', expect.stringMatching(/U\+0009/)],
      ['MEMBER_BAD_NAME', expect.stringMatching(/PAX header sets the path ''/)],
      ['MEMBER_BAD_NAME', expect.stringMatching(/4505 bytes long/)],
      ['MEMBER_BAD_NAME', expect.stringMatching(/U\+0000/)],
    ]);
  });

  test('refuses PAX sparse files and unknown entry types, skipping their data', async () => {
    const tar = Buffer.concat([
      await buildTar([{ name: 'sparse.csv', data: 'abc', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0' } }]).then((b) =>
        b.subarray(0, b.length - 1024),
      ),
      ustarHeader({ name: 'gnu-sparse.csv', typeflag: 'S', size: 700 }),
      padded(Buffer.alloc(700, 1)),
      ustarHeader({ name: 'label', typeflag: 'V' }),
      ustarHeader({ name: 'after.csv', size: 5 }),
      padded(Buffer.from('after')),
      END_OF_ARCHIVE,
    ]);
    const result = await collect(tar, { gzip: false });
    expect(result.error).toBeUndefined();
    expect(result.rejected.map((r) => [r.name, r.code])).toEqual([
      ['sparse.csv', 'MEMBER_SPARSE'],
      ['gnu-sparse.csv', 'MEMBER_UNSUPPORTED_TYPE'],
      ['label', 'MEMBER_UNSUPPORTED_TYPE'],
    ]);
    expect(result.members.map((m) => [m.name, m.data.toString()])).toEqual([['after.csv', 'after']]);
  });

  test('a directory header with a size does not hang the reader (tar-stream never ends such an entry stream)', async () => {
    const tar = Buffer.concat([
      ustarHeader({ name: 'dir/', typeflag: '5', size: 5 }),
      ustarHeader({ name: 'dir/file.csv', size: 4 }),
      padded(Buffer.from('data')),
      END_OF_ARCHIVE,
    ]);
    const result = await collect(tar, { gzip: false, limits: { stallTimeoutMs: 500 } });
    expect(result.error).toBeUndefined();
    expect(result.members.map((m) => m.data.toString())).toEqual(['data']);
    expect(result.stats?.directories).toBe(1);
  });

  test('a big member streams through intact with backpressure and bounded buffering', async () => {
    const big = randomBytes(24 * 1024 * 1024);
    const tar = await buildTar([
      { name: 'big.csv', data: big },
      { name: 'small.csv', data: 'tail' },
    ]);
    let maxBuffered = 0;
    const seen: Array<[string, string]> = [];
    const stats = await readArchive(
      streamOf(gzipped(tar)),
      {
        async onMember(member) {
          const hash = createHash('sha256');
          for await (const chunk of member.stream) {
            maxBuffered = Math.max(maxBuffered, member.stream.readableLength);
            hash.update(chunk as Buffer);
            if (Math.random() < 0.05) await new Promise((resolve) => setImmediate(resolve));
          }
          seen.push([member.name, hash.digest('hex')]);
        },
        onRejected() {},
      },
      {},
    );
    expect(seen).toEqual([
      ['big.csv', sha(big)],
      ['small.csv', sha(Buffer.from('tail'))],
    ]);
    expect(stats.memberBytes).toBe(big.length + 4);
    expect(maxBuffered).toBeLessThanOrEqual(512 * 1024);
  });

  test('an oversized member is rejected and drained; the next member is intact', async () => {
    const tar = await buildTar([
      { name: 'huge.csv', data: Buffer.alloc(300_000, 7) },
      { name: 'next.csv', data: 'next' },
    ]);
    const result = await collect(gzipped(tar), { limits: { maxMemberBytes: 100_000 } });
    expect(result.error).toBeUndefined();
    expect(result.rejected.map((r) => [r.name, r.code, r.reason])).toEqual([
      ['huge.csv', 'MEMBER_TOO_LARGE', 'the member is 300000 bytes; maxMemberBytes is 100000'],
    ]);
    expect(result.members.map((m) => [m.name, m.data.toString()])).toEqual([['next.csv', 'next']]);
  });

  test('a handler that stops early or destroys its stream skips the rest of that member only', async () => {
    const tar = await buildTar([
      { name: 'ignored.csv', data: Buffer.alloc(1_000_000, 1) },
      { name: 'destroyed.csv', data: Buffer.alloc(1_000_000, 2) },
      { name: 'read.csv', data: 'all of it' },
    ]);
    const got: string[] = [];
    const stats = await readArchive(
      streamOf(gzipped(tar)),
      {
        async onMember(member: ArchiveMember) {
          if (member.baseName === 'ignored.csv') return;
          if (member.baseName === 'destroyed.csv') {
            const [first] = (await once(member.stream, 'data')) as [Buffer];
            expect(first[0]).toBe(2);
            member.stream.destroy();
            return;
          }
          const chunks: Buffer[] = [];
          for await (const chunk of member.stream) chunks.push(chunk as Buffer);
          got.push(Buffer.concat(chunks).toString());
        },
        onRejected() {},
      },
      {},
    );
    expect(got).toEqual(['all of it']);
    expect(stats.members).toBe(3);
  });
});

describe('gzip', () => {
  const sample = () =>
    buildTar(Array.from({ length: 40 }, (_, i) => ({ name: `t_2024010${i % 10}_${i}.csv`, data: randomBytes(5000).toString('hex') })));

  test('multi-member gzip and BGZF-style block gzip decode fully', async () => {
    const tar = await sample();
    const whole = await collect(gzipped(tar));
    const multi = await collect(gzipped(tar, 100_000), { limits: {} });
    // BGZF: 64 KiB blocks, each its own gzip member, then an empty member as EOF marker.
    const bgzf = await collect(Buffer.concat([gzipped(tar, 65_280), gzipSync(Buffer.alloc(0))]));
    for (const result of [whole, multi, bgzf]) {
      expect(result.error).toBeUndefined();
      expect(result.members).toHaveLength(40);
      expect(result.stats?.uncompressedBytes).toBe(tar.length);
    }
    expect(bgzf.members.map((m) => sha(m.data))).toEqual(whole.members.map((m) => sha(m.data)));
  });

  test('trailing zero padding after the gzip stream is accepted', async () => {
    const result = await collect(Buffer.concat([gzipped(await sample()), Buffer.alloc(4096)]));
    expect(result.error).toBeUndefined();
  });

  test.each([
    ['a plain tar read as gzip', async (gz: Buffer, tar: Buffer) => tar, 'ARCHIVE_NOT_GZIP', /uncompressed tar: read it with gzip: false/],
    ['bzip2 data', async () => Buffer.from('BZh91AY&SY...'), 'ARCHIVE_NOT_GZIP', /bzip2/],
    ['an empty input', async () => Buffer.alloc(0), 'ARCHIVE_TRUNCATED', /empty/],
    ['a truncated gzip', async (gz: Buffer) => gz.subarray(0, gz.length - 100), 'ARCHIVE_TRUNCATED', /gzip stream ends before its end marker/],
    ['a gzip cut inside its header', async (gz: Buffer) => gz.subarray(0, 5), 'ARCHIVE_TRUNCATED', /gzip stream ends/],
    ['a CRC mismatch', async (gz: Buffer) => flip(gz, gz.length - 6), 'ARCHIVE_CORRUPT', /CRC-32/],
    ['a length mismatch', async (gz: Buffer) => flip(gz, gz.length - 2), 'ARCHIVE_CORRUPT', /length mismatch/],
    ['a damaged deflate body', async (gz: Buffer) => flipEvery(gz, 20, 37), 'ARCHIVE_CORRUPT', /deflate|CRC|length/],
    ['trailing garbage', async (gz: Buffer) => Buffer.concat([gz, Buffer.from('garbage!')]), 'ARCHIVE_CORRUPT', /trailing garbage/],
  ])('%s fails the archive', async (_label, make, code, reason) => {
    const tar = await sample();
    const result = await collect(await make(gzipped(tar), tar));
    expect(codeOf(result.error)).toBe(code);
    expect((result.error as Error).message).toMatch(reason);
  });

  test('a gzip tar read as a plain tar says so', async () => {
    const result = await collect(gzipped(await sample()), { gzip: false });
    expect(codeOf(result.error)).toBe('ARCHIVE_CORRUPT');
    expect((result.error as Error).message).toMatch(/looks gzip-compressed: read it with gzip: true/);
  });
});

function flip(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}

function flipEvery(buffer: Buffer, from: number, step: number): Buffer {
  const copy = Buffer.from(buffer);
  for (let i = from; i < copy.length - 8; i += step) copy[i] = (copy[i] ?? 0) ^ 0x55;
  return copy;
}

describe('tar damage', () => {
  test('data cut inside a member fails the archive after earlier members were delivered, and errors the open member stream', async () => {
    const tar = await buildTar([
      { name: 'first.csv', data: 'first' },
      { name: 'second.csv', data: Buffer.alloc(200_000, 3) },
    ]);
    const cut = tar.subarray(0, 1024 + 512 + 100_000);
    const streamErrors: unknown[] = [];
    const delivered: string[] = [];
    const error = await readArchive(
      streamOf(cut),
      {
        async onMember(member) {
          delivered.push(member.name);
          try {
            for await (const chunk of member.stream) void chunk;
          } catch (err) {
            streamErrors.push(err);
            throw err;
          }
        },
        onRejected() {},
      },
      { gzip: false },
    ).catch((err: unknown) => err);
    expect(codeOf(error)).toBe('ARCHIVE_TRUNCATED');
    expect(delivered).toEqual(['first.csv', 'second.csv']);
    expect(streamErrors.map(codeOf)).toEqual(['ARCHIVE_TRUNCATED']);
    expect((error as ArchiveError).lastEntry).toEqual({ index: 1, name: 'second.csv' });
    expect((error as ArchiveError).stats.members).toBe(2);
  });

  test('a failure mid-member settles only after the in-flight handler has settled', async () => {
    const tar = await buildTar([{ name: 'big.csv', data: randomBytes(300_000) }]);
    const events: string[] = [];
    const pending = readArchive(
      streamOf(gzipped(tar).subarray(0, 150_000)),
      {
        async onMember(member) {
          try {
            for await (const chunk of member.stream) void chunk;
          } catch {
            events.push('stream errored');
            await sleep(100); // e.g. aborting a multipart upload
            events.push('handler cleaned up');
          }
        },
        onRejected() {},
      },
      {},
    );
    const error = await pending.catch((err: unknown) => err);
    events.push('readArchive settled');
    expect(codeOf(error)).toBe('ARCHIVE_TRUNCATED');
    expect(events).toEqual(['stream errored', 'handler cleaned up', 'readArchive settled']);
  });

  test('a tar cut at a member boundary (no end-of-archive marker) is truncated unless the caller opts out', async () => {
    const tar = await buildTar([{ name: 'a.csv', data: 'a' }, { name: 'b.csv', data: 'b' }]);
    const cut = tar.subarray(0, tar.length - 1024 - 1024);
    const strict = await collect(gzipped(cut));
    expect(codeOf(strict.error)).toBe('ARCHIVE_TRUNCATED');
    expect((strict.error as Error).message).toMatch(/end-of-archive marker/);
    expect(names(strict.members)).toEqual(['a.csv']);
    const lenient = await collect(gzipped(cut), { requireEndMarker: false });
    expect(lenient.error).toBeUndefined();
    expect(names(lenient.members)).toEqual(['a.csv']);
  });

  test('a damaged header fails the archive with ARCHIVE_CORRUPT', async () => {
    const tar = await buildTar([{ name: 'a.csv', data: 'a' }, { name: 'b.csv', data: 'b' }]);
    const result = await collect(gzipped(flip(tar, 1024 + 10)));
    expect(codeOf(result.error)).toBe('ARCHIVE_CORRUPT');
    expect((result.error as Error).message).toMatch(/checksum/);
    expect(names(result.members)).toEqual(['a.csv']);
  });
});

describe('limits and guards', () => {
  // A tar holding one `size`-byte file of zeros, generated lazily; `produced` counts what was generated.
  function zerosTar(size: number): { stream: Readable; produced: () => number } {
    let produced = 0;
    const chunk = Buffer.alloc(1024 * 1024);
    let state: 'header' | 'body' | 'end' | 'done' = 'header';
    const stream = new Readable({
      read() {
        if (state === 'header') {
          state = 'body';
          return void this.push(ustarHeader({ name: 'zeros.csv', size }));
        }
        if (state === 'body') {
          const n = Math.min(chunk.length, size - produced);
          produced += n;
          if (produced >= size) state = 'end';
          return void this.push(chunk.subarray(0, n));
        }
        if (state === 'end') {
          state = 'done';
          return void this.push(END_OF_ARCHIVE);
        }
        this.push(null);
      },
    });
    return { stream, produced: () => produced };
  }

  test('a gzip bomb (512 MiB of zeros) stops on the expansion ratio after a few MiB', async () => {
    const source = zerosTar(512 * 1024 * 1024);
    const gzip = createGzip({ level: 1 });
    const compressed = source.stream.pipe(gzip);
    const started = Date.now();
    const result = await collect(compressed, { limits: { ratioFloorBytes: 4 * 1024 * 1024, maxExpansionRatio: 100 } });
    expect(codeOf(result.error)).toBe('ARCHIVE_BOMB');
    expect((result.error as Error).message).toMatch(/expands more than 100:1/);
    const stats = (result.error as ArchiveError).stats;
    expect(stats.uncompressedBytes).toBeLessThan(8 * 1024 * 1024);
    expect(source.produced()).toBeLessThan(64 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(compressed.destroyed).toBe(true);
  });

  test('maxTotalBytes stops compressible and plain archives alike', async () => {
    const gz = await collect(zerosTar(64 * 1024 * 1024).stream.pipe(createGzip({ level: 1 })), { limits: { maxTotalBytes: 2_000_000 } });
    expect(codeOf(gz.error)).toBe('ARCHIVE_BOMB');
    expect((gz.error as Error).message).toMatch(/maxTotalBytes \(2000000 bytes\)/);
    const plain = await collect(zerosTar(64 * 1024 * 1024).stream, { gzip: false, limits: { maxTotalBytes: 2_000_000 } });
    expect(codeOf(plain.error)).toBe('ARCHIVE_BOMB');
    expect((plain.error as ArchiveError).stats.uncompressedBytes).toBeLessThan(4_000_000);
  });

  test('too many entries fails the archive', async () => {
    const tar = await buildTar(Array.from({ length: 30 }, (_, i) => ({ name: `d${i}/`, type: 'directory' as const })));
    const result = await collect(gzipped(tar), { limits: { maxMembers: 25 } });
    expect(codeOf(result.error)).toBe('ARCHIVE_TOO_MANY_MEMBERS');
    expect((result.error as ArchiveError).stats.entries).toBe(26);
  });

  test('a source that stops sending fails with ARCHIVE_STALLED', async () => {
    const tar = await buildTar([{ name: 'a.csv', data: 'a'.repeat(100_000) }]);
    const input = new PassThrough();
    input.write(gzipped(tar).subarray(0, 200));
    const started = Date.now();
    const result = await collect(input, { limits: { stallTimeoutMs: 200 } });
    expect(codeOf(result.error)).toBe('ARCHIVE_STALLED');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(input.destroyed).toBe(true);
  });

  test('a slow caller is not a stall', async () => {
    const tar = await buildTar([{ name: 'a.csv', data: 'a'.repeat(300_000) }, { name: 'b.csv', data: 'b' }]);
    const seen: string[] = [];
    const stats = await readArchive(
      streamOf(gzipped(tar)),
      {
        async onMember(member) {
          await sleep(300); // before reading: the member stream is full, the caller holds things up
          let text = '';
          for await (const chunk of member.stream) text += (chunk as Buffer).toString();
          await sleep(300); // after reading: the handler still works
          seen.push(`${member.name}:${text.length}`);
        },
        onRejected() {},
      },
      { limits: { stallTimeoutMs: 100 } },
    );
    expect(seen).toEqual(['a.csv:300000', 'b.csv:1']);
    expect(stats.members).toBe(2);
  });

  test('abort signal', async () => {
    const controller = new AbortController();
    const input = new PassThrough();
    const pending = collect(input, { signal: controller.signal });
    controller.abort(new Error('shutting down'));
    const result = await pending;
    expect(codeOf(result.error)).toBe('ARCHIVE_ABORTED');
    expect(((result.error as Error).cause as Error).message).toBe('shutting down');
    expect(input.destroyed).toBe(true);
    const already = await collect(streamOf(Buffer.alloc(10)), { signal: AbortSignal.abort() });
    expect(codeOf(already.error)).toBe('ARCHIVE_ABORTED');
  });
});

describe('caller and source errors', () => {
  test('a handler error fails the read with that same error and destroys the input', async () => {
    const tar = await buildTar([{ name: 'a.csv', data: 'a' }, { name: 'b.csv', data: 'b' }]);
    const input = streamOf(gzipped(tar));
    const boom = new Error('upload failed');
    const error = await readArchive(
      input,
      {
        async onMember() {
          throw boom;
        },
        onRejected() {},
      },
      {},
    ).catch((err: unknown) => err);
    expect(error).toBe(boom);
    expect(input.destroyed).toBe(true);
  });

  test('an onRejected error fails the read', async () => {
    const tar = await buildTar([{ name: 'l', type: 'symlink', linkname: 'x' }]);
    const error = await readArchive(streamOf(tar), { onMember() {}, onRejected: () => { throw new Error('report full'); } }, { gzip: false }).catch(
      (err: unknown) => err,
    );
    expect((error as Error).message).toBe('report full');
  });

  test('a failing source becomes ARCHIVE_SOURCE_FAILED with the cause', async () => {
    const input = new PassThrough();
    const pending = collect(input);
    input.write(gzipped(await buildTar([{ name: 'a.csv', data: 'a' }])).subarray(0, 30));
    input.destroy(new Error('ECONNRESET'));
    const result = await pending;
    expect(codeOf(result.error)).toBe('ARCHIVE_SOURCE_FAILED');
    expect((result.error as Error).message).toMatch(/ECONNRESET/);
  });

  test('an input already consumed, a string input, and invalid limits are refused', async () => {
    const ended = streamOf(Buffer.alloc(0));
    ended.resume();
    await new Promise((resolve) => ended.on('end', resolve));
    expect(codeOf((await collect(ended)).error)).toBe('ARCHIVE_SOURCE_FAILED');
    const text = streamOf(Buffer.from('hello'));
    text.setEncoding('utf8');
    expect((await collect(text)).error).toBeInstanceOf(TypeError);
    expect((await collect(Readable.from([1, 2, 3]))).error).toBeInstanceOf(TypeError);
    expect((await collect(Buffer.alloc(0), { limits: { maxMembers: 0 } })).error).toBeInstanceOf(RangeError);
  });

  test('leaves no listeners on the input and no timers behind, on success and on failure', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const tar = await buildTar([{ name: 'a.csv', data: 'a' }]);
    const ok = streamOf(gzipped(tar));
    expect((await collect(ok)).error).toBeUndefined();
    const bad = streamOf(gzipped(tar).subarray(0, 40));
    expect(codeOf((await collect(bad)).error)).toBe('ARCHIVE_TRUNCATED');
    for (const input of [ok, bad]) {
      for (const event of ['data', 'end', 'close']) expect(input.listenerCount(event)).toBe(0);
    }
    expect(timers()).toBeLessThanOrEqual(before);
  });

  test('pipeline-based consumers see archive errors too', async () => {
    const tar = await buildTar([{ name: 'big.csv', data: randomBytes(500_000) }]);
    const sinkErrors: unknown[] = [];
    const error = await readArchive(
      streamOf(gzipped(tar).subarray(0, 200_000)),
      {
        async onMember(member) {
          await pipeline(member.stream, new PassThrough().resume()).catch((err: unknown) => {
            sinkErrors.push(err);
            throw err;
          });
        },
        onRejected() {},
      },
      {},
    ).catch((err: unknown) => err);
    expect(codeOf(error)).toBe('ARCHIVE_TRUNCATED');
    expect(sinkErrors.map(codeOf)).toEqual(['ARCHIVE_TRUNCATED']);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('a handler still working when the tar stream ends', () => {
  // The last member's handler often outlives the tar stream (it is still writing its output);
  // the read must settle once that handler does, never hang.
  const slowHandler = async (member: ArchiveMember) => {
    for await (const _ of member.stream) void _;
    await new Promise((resolve) => setTimeout(resolve, 100));
  };

  test('resolves for a complete archive', async () => {
    const tar = await buildTar([{ name: 'a.csv', data: 'x\n' }, { name: 'b.csv', data: 'y\n' }]);
    const stats = await readArchive(streamOf(gzipped(tar)), { onMember: slowHandler, onRejected: () => {} });
    expect(stats.members).toBe(2);
  });

  test('rejects as truncated when the end-of-archive marker is missing', async () => {
    const tar = await buildTar([{ name: 'a.csv', data: 'x\n' }]);
    const cut = gzipped(tar.subarray(0, tar.length - END_OF_ARCHIVE.length));
    await expect(readArchive(streamOf(cut), { onMember: slowHandler, onRejected: () => {} })).rejects.toMatchObject({ code: 'ARCHIVE_TRUNCATED' });
  });
});
