import { describe, expect, it } from 'vitest';
import type { StorageConnector } from '../connectors/connector.js';
import { listKeys, recording, tempStore } from './__fixtures__/kit.js';
import { countDuplicates } from './duplicates.js';
import { KeyDigests } from './key-hash.js';

/** A sorted run of the given 64-bit digests, as an extract unit writes it. */
function run(digests: readonly (number | bigint)[]): Buffer {
  const sorted = digests.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out = Buffer.alloc(sorted.length * 8);
  sorted.forEach((d, i) => out.writeBigUInt64BE(d, i * 8));
  return out;
}

async function stageRuns(staging: StorageConnector, runs: readonly Buffer[]): Promise<string[]> {
  const keys = runs.map((_, i) => `keys/run-${String(i).padStart(5, "0")}.bin`);
  await Promise.all(runs.map((bytes, i) => staging.write(keys[i]!, bytes)));
  return keys;
}

/** A tiny deterministic PRNG, so failures reproduce. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
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
    const keys = await stageRuns(store, digests.map(run));
    expect(await countDuplicates(store, keys, 'keys/_merge/t')).toEqual(expected);
  });

  it('merges more than 64 runs in intermediate rounds and deletes the intermediate runs', async () => {
    const { store } = await tempStore('dups');
    const staging = recording(store);
    // 150 runs: digest i appears in run i and, for every third i, again in run (i + 70) % 150.
    const runs: number[][] = Array.from({ length: 150 }, () => []);
    for (let i = 0; i < 150; i++) {
      runs[i]!.push(1000 + i, 5000 + i);
      if (i % 3 === 0) runs[(i + 70) % 150]!.push(1000 + i);
    }
    const keys = await stageRuns(staging, runs.map(run));
    staging.written.length = 0;
    expect(await countDuplicates(staging, keys, 'keys/_merge/t', 64)).toEqual({ keys: 350, duplicates: 50 });
    expect(staging.written.sort()).toEqual(['keys/_merge/t/round-0-0.bin', 'keys/_merge/t/round-0-1.bin', 'keys/_merge/t/round-0-2.bin']);
    expect(staging.deleted.sort()).toEqual(staging.written);
    expect(await listKeys(store, 'keys/_merge/')).toEqual([]);
    // The inputs are left alone.
    expect(await listKeys(store, 'keys/')).toEqual(keys);
  });

  it('needs a second round beyond 64 x 64 runs', async () => {
    const { store } = await tempStore('dups');
    const staging = recording(store);
    const runs = Array.from({ length: 64 * 64 + 2 }, (_, i) => run([i % 4000]));
    const keys = await stageRuns(staging, runs);
    staging.written.length = 0;
    expect(await countDuplicates(staging, keys, 'scratch', 64)).toEqual({ keys: 4098, duplicates: 98 });
    expect(staging.written.filter((k) => k.startsWith('scratch/round-0-'))).toHaveLength(65);
    expect(staging.written.filter((k) => k.startsWith('scratch/round-1-'))).toEqual(['scratch/round-1-0.bin', 'scratch/round-1-1.bin']);
    expect(await listKeys(store, 'scratch/')).toEqual([]);
  });

  it('agrees with a brute-force count over random keys', async () => {
    const random = prng(42);
    const { store } = await tempStore('dups');
    const all: string[] = [];
    const runs: Buffer[] = [];
    for (let r = 0; r < 90; r++) {
      const digests = new KeyDigests();
      // Mostly small runs, some empty, one large enough to span several merge batches.
      const size = r === 7 ? 20_000 : Math.floor(random() * 300) * (random() < 0.1 ? 0 : 1);
      for (let i = 0; i < size; i++) {
        const key = `B${Math.floor(random() * 15_000)}\u001f${Math.floor(random() * 3)}`;
        digests.add(key);
        all.push(key);
      }
      runs.push(digests.sortedBytes());
    }
    const keys = await stageRuns(store, runs);
    const result = await countDuplicates(store, keys, 'keys/_merge/t');
    expect(result).toEqual({ keys: all.length, duplicates: all.length - new Set(all).size });
    expect(result.duplicates).toBeGreaterThan(0);
  });

  it('refuses a run that is not a whole number of digests', async () => {
    const { store } = await tempStore('dups');
    const keys = await stageRuns(store, [run([1]), Buffer.alloc(7)]);
    await expect(countDuplicates(store, keys, 'keys/_merge/t')).rejects.toThrow(/not a whole number of digests/);
  });
});
