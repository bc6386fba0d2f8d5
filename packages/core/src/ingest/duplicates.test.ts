import { describe, expect, it } from 'vitest';
import type { StorageConnector } from '../connectors/connector.js';
import { listKeys, recording, tempStore } from './__fixtures__/kit.js';
import { countDuplicates } from './duplicates.js';
import type { KeyRunRef, KeyRunSource } from './duplicates.js';
import { KeyDigests } from './key-hash.js';
import { encodeKeyRun, KEY_RUN_HEADER_BYTES } from './key-run.js';

/**
 * The key run of the given 64-bit digests, as an extract unit writes it: grouped by top byte, and
 * within a group in the reverse of the given order (so never sorted by accident).
 */
function run(digests: readonly (number | bigint)[]): Buffer {
  const values = digests.map(BigInt).reverse();
  return encodeKeyRun(BigUint64Array.from([...values].sort((a, b) => Number((a >> 56n) - (b >> 56n)))));
}

const countOf = (bytes: Buffer) => (bytes.length - KEY_RUN_HEADER_BYTES) / 8;

async function stageRuns(staging: StorageConnector, runs: readonly Buffer[]): Promise<KeyRunRef[]> {
  const refs = runs.map((bytes, i) => ({ key: `keys/run-${String(i).padStart(5, '0')}.keys`, count: countOf(bytes) }));
  await Promise.all(runs.map((bytes, i) => staging.write(refs[i]!.key, bytes)));
  return refs;
}

/** A tiny deterministic PRNG, so failures reproduce. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

/** Key runs as extract units write them, of `sizeOf(r)` keys each from `keyOf()`, and every key added. */
function keyRuns(count: number, sizeOf: (run: number) => number, keyOf: () => string): { runs: Buffer[]; all: string[] } {
  const all: string[] = [];
  const runs: Buffer[] = [];
  for (let r = 0; r < count; r++) {
    const digests = new KeyDigests();
    for (let i = sizeOf(r); i > 0; i--) {
      const key = keyOf();
      digests.add(key);
      all.push(key);
    }
    runs.push(encodeKeyRun(digests.bucketed()));
  }
  return { runs, all };
}

const HIGH = 2n ** 40n;

describe('countDuplicates', () => {
  it.each<[string, (number | bigint)[][], { keys: number; duplicates: number }]>([
    ['no runs', [], { keys: 0, duplicates: 0 }],
    ['only empty runs', [[], [], []], { keys: 0, duplicates: 0 }],
    ['one run without duplicates', [[1, 2, 3]], { keys: 3, duplicates: 0 }],
    ['duplicates within one run', [[1, 1, 1, 2, 3, 3]], { keys: 6, duplicates: 3 }],
    ['duplicates across runs', [[1, 2], [2, 3], [3], [1]], { keys: 6, duplicates: 3 }],
    ['empty runs among others', [[], [5], [], [5, 6], []], { keys: 3, duplicates: 1 }],
    ['digests equal in the high half only are distinct', [[HIGH + 1n, HIGH + 2n], [HIGH + 3n, 1n]], { keys: 4, duplicates: 0 }],
    ['digests equal in the low half only are distinct', [[HIGH + 7n], [2n * HIGH + 7n, 7n]], { keys: 3, duplicates: 0 }],
    ['the largest digests', [[2n ** 64n - 1n, 2n ** 64n - 1n, 0n]], { keys: 3, duplicates: 1 }],
  ])('%s', async (_, digests, expected) => {
    const { store } = await tempStore('dups');
    const refs = await stageRuns(store, digests.map(run));
    expect(await countDuplicates(store, refs, 'keys/_merge/t')).toEqual(expected);
    // The same with room for one digest at a time: every top byte is merged as streams.
    expect(await countDuplicates(store, refs, 'keys/_merge/t', { memoryBytes: 8, fanIn: 2 })).toEqual(expected);
  });

  it('reads runs that share an object, each at its offset, as it reads runs of their own', async () => {
    const random = prng(11);
    const { store } = await tempStore('dups');
    const { runs, all } = keyRuns(30, (r) => (r % 4 === 0 ? 0 : 20 + (r % 5) * 7), () => `K${Math.floor(random() * 900)}`);
    const expected = { keys: all.length, duplicates: all.length - new Set(all).size };
    // Three runs to an object, as an extract unit stages an archive's tables.
    const refs: KeyRunRef[] = [];
    for (let o = 0; o < runs.length / 3; o++) {
      const key = `keys/archive-${o}.keys`;
      const group = runs.slice(3 * o, 3 * o + 3);
      let offset = 0;
      for (const bytes of group) {
        refs.push({ key, count: countOf(bytes), offset });
        offset += bytes.length;
      }
      await store.write(key, Buffer.concat(group));
    }
    // In memory, merged as streams, and compacted first: the three ways runs are read.
    expect(await countDuplicates(store, refs, 'keys/_merge/t')).toEqual(expected);
    expect(await countDuplicates(store, refs, 'keys/_merge/t', { memoryBytes: 8 * 4, fanIn: 3 })).toEqual(expected);
    expect(await countDuplicates(store, refs, 'keys/_merge/t', { memoryBytes: 8 * 200, maxRangeReads: 20 })).toEqual(expected);
    // A run whose header is not at its offset is refused, not misread.
    const shifted = refs.map((ref) => (ref.offset ? { ...ref, offset: ref.offset + 8 } : ref));
    await expect(countDuplicates(store, shifted, 'keys/_merge/t')).rejects.toThrow(/by its header, but its unit recorded/);
  });

  it('sorts slices of top bytes in memory and writes nothing to staging then', async () => {
    const { store } = await tempStore('dups');
    const staging = recording(store);
    // Digests spread over all 256 top bytes, each once in run 0 and every fifth again in run 1.
    const spread = Array.from({ length: 1000 }, (_, i) => (BigInt(i % 256) << 56n) + BigInt(i));
    const refs = await stageRuns(staging, [run(spread), run(spread.filter((_, i) => i % 5 === 0))]);
    staging.written.length = 0;
    // No top byte holds more than 8 digests, so even 8 digests of memory need no merging.
    for (const memoryBytes of [8 * 8, 8 * 100, 8 * 1200, 1 << 20]) {
      expect(await countDuplicates(staging, refs, 'keys/_merge/t', { memoryBytes })).toEqual({ keys: 1200, duplicates: 200 });
    }
    expect(staging.written).toEqual([]);
  });

  it('compacts many small runs into fewer before reading slices, and deletes the compacted runs', async () => {
    const random = prng(7);
    const { store } = await tempStore('dups');
    const staging = recording(store);
    const { runs, all } = keyRuns(60, () => 40, () => `K${Math.floor(random() * 1800)}`);
    const refs = await stageRuns(staging, runs);
    const expected = { keys: 2400, duplicates: 2400 - new Set(all).size };
    // 60 runs x 5 slices of 500 digests = 300 ranged reads: over 50, so groups of up to 500
    // digests (12 runs) are compacted into 5 runs first.
    staging.written.length = 0;
    const read: string[] = [];
    const counting = { ...staging, read: (key: string, range?: { start: number; end: number }) => (read.push(key), staging.read(key, range)) };
    expect(await countDuplicates(counting, refs, 'keys/_merge/t', { memoryBytes: 8 * 500, maxRangeReads: 50 })).toEqual(expected);
    expect(staging.written.sort()).toEqual(['0', '1', '2', '3', '4'].map((g) => `keys/_merge/t/compact-0-${g}.keys`));
    expect(staging.deleted.sort()).toEqual(staging.written);
    expect(await listKeys(store, 'keys/_merge/')).toEqual([]);
    // 60 whole runs while compacting (their headers are not needed), then the 5 compacted runs'
    // headers, and 5 runs x 5-6 slices.
    expect(read.filter((key) => key.startsWith('keys/run-')).length).toBe(60);
    expect(read.length).toBeLessThanOrEqual(60 + 5 + 5 * 6);
    // Without compaction, the same answer with one read per run and slice.
    read.length = 0;
    expect(await countDuplicates(counting, refs, 'keys/_merge/t', { memoryBytes: 8 * 500 })).toEqual(expected);
    expect(read.length).toBe(60 + 60 * 5);
  });

  it('counts a stream of runs, compacting them as they come rather than holding them all', async () => {
    const random = prng(11);
    const { store } = await tempStore('dups');
    const { runs, all } = keyRuns(60, (r) => (r % 5 === 0 ? 0 : 40), () => `K${Math.floor(random() * 1800)}`);
    const refs = await stageRuns(store, runs);
    const keys = refs.reduce((n, r) => n + r.count, 0);
    const expected = { keys, duplicates: keys - new Set(all).size };
    const events: string[] = [];
    const staging = { ...store, write: (key: string, body: Parameters<StorageConnector['write']>[1]) => (events.push(`write ${key}`), store.write(key, body)) };
    const stream = (): KeyRunSource => ({
      runs: refs.length,
      keys,
      async *[Symbol.asyncIterator]() {
        for (const ref of refs) {
          events.push(`run ${ref.key}`);
          yield ref;
        }
      },
    });
    expect(await countDuplicates(staging, stream(), 'keys/_merge/t', { memoryBytes: 8 * 500, maxRangeReads: 50 })).toEqual(expected);
    // Read once, and the first compacted run was written before the last run came.
    expect(events.filter((e) => e.startsWith('run ')).length).toBe(60);
    expect(events.indexOf('write keys/_merge/t/compact-0-0.keys')).toBeLessThan(events.indexOf(`run ${refs[59]!.key}`));
    // Few enough runs to count as they are: the same answer, nothing compacted.
    events.length = 0;
    expect(await countDuplicates(staging, stream(), 'keys/_merge/t', { memoryBytes: 8 * 500 })).toEqual(expected);
    expect(events.filter((e) => e.startsWith('write ')).length).toBe(0);
  });

  it('first deletes what an interrupted count left under its scratch prefix', async () => {
    const { store } = await tempStore('dups');
    const refs = await stageRuns(store, [run([1, 2]), run([2, 3])]);
    await store.write('keys/_merge/t/compact-0-0.keys', 'left by a killed run');
    await store.write('keys/_merge/t/top-0/round-0-0.bin', 'left by a killed run');
    await store.write('keys/_merge/other/compact-0-0.keys', 'another table: kept');
    expect(await countDuplicates(store, refs, 'keys/_merge/t')).toEqual({ keys: 4, duplicates: 1 });
    expect(await listKeys(store, 'keys/_merge/')).toEqual(['keys/_merge/other/compact-0-0.keys']);
  });

  it('falls back to merging streams when runs are already as big as memory allows', async () => {
    const { store } = await tempStore('dups');
    const staging = recording(store);
    // Three runs of 4 digests in one top byte, with 2 digests of memory: nothing to compact.
    const refs = await stageRuns(staging, [run([1, 2, 3, 4]), run([3, 4, 5, 6]), run([6, 7, 8, 9])]);
    staging.written.length = 0;
    expect(await countDuplicates(staging, refs, 'keys/_merge/t', { memoryBytes: 16, maxRangeReads: 1, fanIn: 2 })).toEqual({ keys: 12, duplicates: 3 });
    expect(staging.written.every((k) => k.startsWith('keys/_merge/t/top-0/'))).toBe(true);
    expect(await listKeys(store, 'keys/_merge/')).toEqual([]);
  });

  it('merges a top byte too big for memory in intermediate rounds and deletes the intermediate runs', async () => {
    const { store } = await tempStore('dups');
    const staging = recording(store);
    // 150 runs: digest i appears in run i and, for every third i, again in run (i + 70) % 150.
    const runs: number[][] = Array.from({ length: 150 }, () => []);
    for (let i = 0; i < 150; i++) {
      runs[i]!.push(1000 + i, 5000 + i);
      if (i % 3 === 0) runs[(i + 70) % 150]!.push(1000 + i);
    }
    const refs = await stageRuns(staging, runs.map(run));
    staging.written.length = 0;
    // All 350 digests share top byte 0, and 100 digests' worth of memory cannot hold them.
    expect(await countDuplicates(staging, refs, 'keys/_merge/t', { memoryBytes: 800, fanIn: 64 })).toEqual({ keys: 350, duplicates: 50 });
    // Each run's range sorted on its own first (runs are grouped by top byte, not sorted), then merged.
    const sortedCopies = Array.from({ length: 150 }, (_, i) => `keys/_merge/t/top-0/sorted-${i}.bin`);
    const rounds = ['keys/_merge/t/top-0/round-0-0.bin', 'keys/_merge/t/top-0/round-0-1.bin', 'keys/_merge/t/top-0/round-0-2.bin'];
    expect(staging.written.sort()).toEqual([...rounds, ...sortedCopies].sort());
    expect(staging.deleted.sort()).toEqual(staging.written);
    expect(await listKeys(store, 'keys/_merge/')).toEqual([]);
    // The inputs are left alone.
    expect(await listKeys(store, 'keys/')).toEqual(refs.map((r) => r.key));
  });

  it('needs a second round beyond 64 x 64 runs', async () => {
    const { store } = await tempStore('dups');
    const staging = recording(store);
    const runs = Array.from({ length: 64 * 64 + 2 }, (_, i) => run([i % 4000]));
    const refs = await stageRuns(staging, runs);
    staging.written.length = 0;
    expect(await countDuplicates(staging, refs, 'scratch', { memoryBytes: 8, fanIn: 64 })).toEqual({ keys: 4098, duplicates: 98 });
    expect(staging.written.filter((k) => k.startsWith('scratch/top-0/round-0-'))).toHaveLength(65);
    expect(staging.written.filter((k) => k.startsWith('scratch/top-0/round-1-'))).toEqual(['scratch/top-0/round-1-0.bin', 'scratch/top-0/round-1-1.bin']);
    expect(await listKeys(store, 'scratch/')).toEqual([]);
  });

  it('agrees with a brute-force count over random keys', async () => {
    const random = prng(42);
    const { store } = await tempStore('dups');
    // Mostly small runs, some empty, one large enough to span several merge batches.
    const { runs, all } = keyRuns(
      90,
      (r) => (r === 7 ? 20_000 : Math.floor(random() * 300) * (random() < 0.1 ? 0 : 1)),
      () => `B${Math.floor(random() * 15_000)}\u001f${Math.floor(random() * 3)}`,
    );
    const refs = await stageRuns(store, runs);
    const expected = { keys: all.length, duplicates: all.length - new Set(all).size };
    expect(expected.duplicates).toBeGreaterThan(0);
    // In one slice, in many, and with top bytes too big for memory merged as streams, in rounds;
    // ranges read with the connector's readInto, and with streams from a connector without it.
    // 140 digests a slice puts ~35 of the 256 top bytes over memory: enough to merge in rounds, few
    // enough staged files for seconds (at 50 every top byte is over, ~9,000 files, 11-15 s a connector).
    expect(store.readInto).toBeDefined();
    for (const staging of [recording(store, { readInto: true }), recording(store)]) {
      for (const options of [{}, { memoryBytes: 8 * 1000 }, { memoryBytes: 8 * 140, fanIn: 8 }]) {
        staging.written.length = 0;
        expect(await countDuplicates(staging, refs, 'keys/_merge/t', options)).toEqual(expected);
      }
      expect(staging.written.some((key) => key.includes('/sorted-'))).toBe(true);
      expect(staging.written.some((key) => key.includes('/round-'))).toBe(true);
    }
  });

  it('gives the same count with hash sets and with sorting, however big a top byte group may be', async () => {
    const random = prng(11);
    const { store } = await tempStore('dups');
    const { runs, all } = keyRuns(12, () => 700, () => `H${Math.floor(random() * 4000)}`);
    const refs = await stageRuns(store, runs);
    const expected = { keys: 8400, duplicates: 8400 - new Set(all).size };
    expect(expected.duplicates).toBeGreaterThan(1000);
    // Hashed (every group is far under the limit), sorted (every group is over it), and in slices.
    for (const options of [{}, { hashLimit: 0 }, { hashLimit: 40 }, { memoryBytes: 8 * 900 }, { memoryBytes: 8 * 900, hashLimit: 0 }]) {
      expect(await countDuplicates(store, refs, 'keys/_merge/t', options)).toEqual(expected);
    }
  });

  it('refuses a run whose header disagrees with its record or with its bytes', async () => {
    const { store } = await tempStore('dups');
    const [good, bad] = await stageRuns(store, [run([1]), run([1, 2, 3])]);
    await expect(countDuplicates(store, [good!, { ...bad!, count: 2 }], 'keys/_merge/t')).rejects.toThrow(
      /key run keys\/run-00001\.keys holds 3 digests by its header, but its unit recorded 2/,
    );
    await store.write(bad!.key, run([1, 2, 3]).subarray(0, KEY_RUN_HEADER_BYTES + 20));
    await expect(countDuplicates(store, [good!, bad!], 'keys/_merge/t')).rejects.toThrow(/key run keys\/run-00001\.keys is cut short or is not what its header and record say/);
    await store.write(bad!.key, Buffer.alloc(7));
    await expect(countDuplicates(store, [good!, bad!], 'keys/_merge/t')).rejects.toThrow(/is cut short or is not what its header and record say: bytes 0-1024 gave 7/);
  });
});
