/**
 * Primary-key duplicates across every file of the day, in bounded memory. Each extract unit
 * wrote its keys' 64-bit digests grouped by top byte, with a header counting them per top byte
 * (`key-run.ts`).
 * Here the day is counted a slice of top bytes at a time: the slice's digests are read from every
 * run with ranged reads into one buffer of at most `memoryBytes`, sorted natively, and equal
 * neighbours are duplicates. Many small runs are first compacted into fewer big ones, so the
 * number of ranged reads stays small (see `countDuplicates`). A single top byte holding more than
 * `memoryBytes` of digests (only on days of hundreds of millions of keys) is merged as streams
 * instead (`key-run-merge.ts`).
 *
 * Why slices: on a 495.6 MB acme-travel drop (7 M keys, 100 runs a table) the k-way merge alone
 * took ~1.07 s of main-thread CPU (two rounds of a heap in JS, plus writing and reading the
 * intermediate runs); sorting the same digests natively in 8 MiB slices takes ~0.35 s with the
 * reads (CPU profiles of the CLI run, node 20, 2-vCPU VM).
 */
import { Readable } from 'node:stream';
import type { StorageConnector } from '../connectors/connector.js';
import { DigestSet } from './digest-set.js';
import { countByMerging, readRangeInto } from './key-run-merge.js';
import type { DigestRange } from './key-run-merge.js';
import { decodeKeyRunHeader, digestsOf, KEY_DIGEST_BYTES, KEY_RUN_BUCKETS, KEY_RUN_HEADER_BYTES, keyRunPieces, LITTLE_ENDIAN } from './key-run.js';

/**
 * Digest bytes sorted in memory at once, by default; also the most one count holds. 16 MiB rather
 * than 8: the 1 GB bench drop's biggest table (10.4 M keys, 167 runs) then needs 5 slices, few
 * enough ranged reads to skip compacting, and is counted in 0.69-0.81 s instead of 0.96-1.27 s.
 */
export const DEFAULT_DUPLICATES_MEMORY_BYTES = 16 * 1024 * 1024;
/** Runs merged at once when a top byte does not fit in memory: each open run holds one read buffer. */
export const DEFAULT_FAN_IN = 16;
/** Ranged reads (runs x slices) above which runs are compacted first. */
export const DEFAULT_MAX_RANGE_READS = 1024;
/**
 * Most digests of one top byte counted with a hash set (12 bytes a slot, two slots a digest: 12 MiB
 * at most). Uniform digests put ~1/256 of a slice in each top byte, so only a day of some 130 M
 * keys in one table, or digests that are not uniform, come near it.
 */
export const DEFAULT_HASH_LIMIT = 1 << 19;
/** Ranged reads in flight at once. */
const READS_IN_FLIGHT = 8;
/**
 * Whole-run reads a compaction gathers before making them ({@link READS_IN_FLIGHT} at a time): a
 * bound on what it holds of a stream of runs. Starting each read as its run came, with a race for
 * a free slot, took 10-15% longer than lanes over a list (3,600 runs: ~315 ms against ~280 ms).
 */
const COMPACT_READS_AT_ONCE = 1024;

/** One unit's key run for a table: its staging key and how many digests it holds. */
export interface KeyRunRef {
  key: string;
  count: number;
  /** Where the run (its header first) starts in its object; absent when the run is the whole object. */
  offset?: number;
}

/**
 * A table's key runs streamed in order, with their totals up front: a day's runs read from staging
 * (`merge-manifest.ts`) rather than held, one per archive.
 */
export interface KeyRunSource extends AsyncIterable<KeyRunRef> {
  /** Runs it yields. */
  runs: number;
  /** Digests they hold in all. */
  keys: number;
}

/** What duplicate detection found for a table. */
export interface DuplicateCount {
  /** Keys checked (rows with a complete primary key). */
  keys: number;
  /** Rows whose key was already seen (keys minus distinct keys). */
  duplicates: number;
}

/** Tuning for {@link countDuplicates}; every field is optional. */
export interface DuplicateCountOptions {
  /** Digest bytes sorted in memory at once. Default {@link DEFAULT_DUPLICATES_MEMORY_BYTES}. */
  memoryBytes?: number;
  /** Runs merged at once for a top byte over `memoryBytes`. Default {@link DEFAULT_FAN_IN}. */
  fanIn?: number;
  /** Ranged reads (runs x slices) above which runs are compacted first. Default {@link DEFAULT_MAX_RANGE_READS}. */
  maxRangeReads?: number;
  /** Most digests of one top byte counted with a hash set; a slice with a bigger group is sorted. Default {@link DEFAULT_HASH_LIMIT}. */
  hashLimit?: number;
}

/**
 * `task` over every item, {@link READS_IN_FLIGHT} at a time; the results in the items' order. Each
 * item's task starts as an earlier one finishes: queued up front (a p-queue of every item), a
 * day's thousands of runs each held a closure and promises until their turn, long enough for V8
 * to promote them, and a worker's heap grew with the number of runs.
 */
async function readAll<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await task(items[i]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, items.length) }, lane));
  return results;
}

/** Counts equal neighbours among sorted digests (compared as 32-bit word pairs: no BigInt per digest). */
function countEqualNeighbours(sorted: BigUint64Array): number {
  const words = new Uint32Array(sorted.buffer, sorted.byteOffset, sorted.length * 2);
  let duplicates = 0;
  for (let i = 2; i < words.length; i += 2) if (words[i] === words[i - 2] && words[i + 1] === words[i - 1]) duplicates++;
  return duplicates;
}

/** A key run whose header has been read: where each top byte's digests start (`starts[256]` = count). */
interface RunLayout {
  key: string;
  count: number;
  offset: number;
  starts: Uint32Array;
}

/** Cumulative starts of a run's buckets from its per-bucket counts. */
function bucketStarts(counts: ArrayLike<number>): Uint32Array {
  const starts = new Uint32Array(KEY_RUN_BUCKETS + 1);
  for (let b = 0; b < KEY_RUN_BUCKETS; b++) starts[b + 1] = starts[b]! + counts[b]!;
  return starts;
}

function readLayouts(staging: StorageConnector, runs: readonly KeyRunRef[]): Promise<RunLayout[]> {
  return readAll(runs, async (run) => {
    const header = Buffer.allocUnsafe(KEY_RUN_HEADER_BYTES);
    const offset = run.offset ?? 0;
    await readRangeInto(staging, { key: run.key, start: offset, end: offset + KEY_RUN_HEADER_BYTES }, header, 0);
    const starts = bucketStarts(decodeKeyRunHeader(header));
    if (starts[KEY_RUN_BUCKETS] !== run.count) {
      throw new Error(`key run ${run.key}${offset ? ` (at byte ${offset})` : ''} holds ${starts[KEY_RUN_BUCKETS]} digests by its header, but its unit recorded ${run.count}`);
    }
    return { key: run.key, count: run.count, offset, starts };
  });
}

const rangeOf = (run: RunLayout, from: number, to: number): DigestRange => ({
  key: run.key,
  start: run.offset + KEY_RUN_HEADER_BYTES + run.starts[from]! * KEY_DIGEST_BYTES,
  end: run.offset + KEY_RUN_HEADER_BYTES + run.starts[to]! * KEY_DIGEST_BYTES,
});

/** A slice of top bytes `[from, to)` holding `size` digests; `merge` when one top byte alone exceeds memory. */
interface Slice {
  from: number;
  to: number;
  size: number;
  merge: boolean;
}

/** The widest slices of top bytes that fit `perSlice` digests, in order. */
function planSlices(runs: readonly RunLayout[], perSlice: number): Slice[] {
  const totals = Array.from({ length: KEY_RUN_BUCKETS }, (_, b) => runs.reduce((n, run) => n + run.starts[b + 1]! - run.starts[b]!, 0));
  const slices: Slice[] = [];
  for (let from = 0; from < KEY_RUN_BUCKETS; ) {
    if (totals[from]! > perSlice) {
      slices.push({ from, to: from + 1, size: totals[from]!, merge: true });
      from++;
      continue;
    }
    let to = from;
    let size = 0;
    while (to < KEY_RUN_BUCKETS && size + totals[to]! <= perSlice) size += totals[to++]!;
    if (size > 0) slices.push({ from, to, size, merge: false });
    from = to;
  }
  return slices;
}

/** Where each run's digests of a slice sit in the slice's buffer, in bytes. */
type SliceReads = { run: RunLayout; at: number }[];

/** Reads the digests of top bytes `[from, to)` of every run (`size` in all) into `slab`, run after run. */
async function readSlice(staging: StorageConnector, runs: readonly RunLayout[], from: number, to: number, slab: ArrayBuffer, size: number): Promise<{ bytes: Uint8Array; placed: SliceReads }> {
  const bytes = new Uint8Array(slab, 0, size * KEY_DIGEST_BYTES);
  const reads: { range: DigestRange; at: number }[] = [];
  const placed: SliceReads = [];
  let at = 0;
  for (const run of runs) {
    const n = run.starts[to]! - run.starts[from]!;
    if (n === 0) continue;
    reads.push({ range: rangeOf(run, from, to), at });
    placed.push({ run, at });
    at += n * KEY_DIGEST_BYTES;
  }
  await readAll(reads, ({ range, at }) => readRangeInto(staging, range, bytes, at));
  return { bytes, placed };
}

/** The digests of top bytes `[from, to)` of every run, sorted. */
async function readSorted(staging: StorageConnector, runs: readonly RunLayout[], from: number, to: number, slab: ArrayBuffer, size: number): Promise<BigUint64Array> {
  return digestsOf((await readSlice(staging, runs, from, to, slab, size)).bytes).sort();
}

/**
 * Duplicates among the digests of top bytes `[from, to)` of every run. A top byte's digests sit
 * in one stretch of each run's read, so each top byte is counted on its own with a hash set the
 * size of its group (see `digest-set.ts`); a slice with a group over `hashLimit` digests is sorted.
 */
async function countSlice(staging: StorageConnector, runs: readonly RunLayout[], slice: Slice, slab: ArrayBuffer, set: DigestSet, hashLimit: number): Promise<number> {
  const { from, to } = slice;
  // Each top byte's digests in all runs: its group's size.
  const groups = Array.from({ length: to - from }, (_, i) => runs.reduce((n, run) => n + run.starts[from + i + 1]! - run.starts[from + i]!, 0));
  if (!LITTLE_ENDIAN || Math.max(...groups) > hashLimit) return countEqualNeighbours(await readSorted(staging, runs, from, to, slab, slice.size));
  const { bytes, placed } = await readSlice(staging, runs, from, to, slab, slice.size);
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const WORDS = KEY_DIGEST_BYTES / 4;
  let duplicates = 0;
  for (let b = from; b < to; b++) {
    set.reset(groups[b - from]!);
    for (const { run, at } of placed) {
      const start = at / 4 + (run.starts[b]! - run.starts[from]!) * WORDS;
      duplicates += set.addAll(words, start, start + (run.starts[b + 1]! - run.starts[b]!) * WORDS);
    }
  }
  return duplicates;
}

/**
 * One compaction round: consecutive runs are grouped up to `perSlice` digests, and each group of
 * two or more is read whole, sorted and staged as one run under `prefix`. Fewer, bigger runs mean
 * fewer ranged reads per slice (runs x slices); every digest is read and written once more. A run
 * read whole is its digests after the header, so only the runs' sizes are needed, not their headers.
 */
async function compact(
  staging: StorageConnector,
  runs: Iterable<KeyRunRef> | AsyncIterable<KeyRunRef>,
  perSlice: number,
  slab: ArrayBuffer,
  prefix: string,
  temporary: string[],
): Promise<KeyRunRef[]> {
  const out: KeyRunRef[] = [];
  const bytes = new Uint8Array(slab);
  // The group being filled: its first run is read only once a second joins it (a run alone is
  // kept as it is). Reads are made {@link COMPACT_READS_AT_ONCE} at a time as runs come, so a
  // group of a day's thousands of tiny runs is never a list in memory.
  let first: KeyRunRef | undefined;
  let members = 0;
  let size = 0;
  let reads: { range: DigestRange; at: number }[] = [];
  const whole = (run: KeyRunRef, at: number) => {
    const start = (run.offset ?? 0) + KEY_RUN_HEADER_BYTES;
    return { range: { key: run.key, start, end: start + run.count * KEY_DIGEST_BYTES }, at };
  };
  const read = async () => {
    await readAll(reads, ({ range, at }) => readRangeInto(staging, range, bytes, at));
    reads = [];
  };
  const close = async () => {
    if (members === 1) {
      out.push(first!);
    } else if (members > 1) {
      await read();
      const key = `${prefix}-${out.length}.keys`;
      temporary.push(key);
      await staging.write(key, Readable.from(keyRunPieces(digestsOf(bytes.subarray(0, size * KEY_DIGEST_BYTES)).sort()), { objectMode: false }));
      out.push({ key, count: size });
    }
    first = undefined;
    members = 0;
    size = 0;
  };
  for await (const run of runs) {
    if (run.count === 0) continue;
    if (members > 0 && size + run.count > perSlice) await close();
    if (members === 0) {
      first = run;
    } else {
      if (members === 1) reads.push(whole(first!, 0));
      reads.push(whole(run, size * KEY_DIGEST_BYTES));
      if (reads.length >= COMPACT_READS_AT_ONCE) await read();
    }
    members++;
    size += run.count;
  }
  await close();
  return out;
}

/**
 * Counts duplicate digests over the key runs in staging. `scratch` is a staging prefix for
 * intermediate runs (compacted runs, merge rounds); they are deleted afterwards.
 *
 * Ranged reads cost a request each (a syscall round trip on a disk, an HTTP request on S3), and a
 * day of R runs counted in S slices takes R x S of them: 28 k for the 4 GB acme drop (667 runs,
 * 42 slices), which made counting take ~15 s. So while R x S exceeds `maxRangeReads`, runs are first
 * compacted into runs of up to a slice each (`compact`), which brings R down to about S.
 */
export async function countDuplicates(
  staging: StorageConnector,
  runs: readonly KeyRunRef[] | KeyRunSource,
  scratch: string,
  options: DuplicateCountOptions = {},
): Promise<DuplicateCount> {
  const memoryBytes = options.memoryBytes ?? DEFAULT_DUPLICATES_MEMORY_BYTES;
  const fanIn = options.fanIn ?? DEFAULT_FAN_IN;
  const maxRangeReads = options.maxRangeReads ?? DEFAULT_MAX_RANGE_READS;
  const perSlice = Math.max(1, Math.floor(memoryBytes / KEY_DIGEST_BYTES));
  const source = Array.isArray(runs) ? undefined : (runs as KeyRunSource);
  const keys = source ? source.keys : (runs as readonly KeyRunRef[]).reduce((n, run) => n + run.count, 0);
  const slab = new ArrayBuffer(Math.min(keys, perSlice) * KEY_DIGEST_BYTES);
  const hashLimit = options.hashLimit ?? DEFAULT_HASH_LIMIT;
  const set = new DigestSet();
  let duplicates = 0;
  // What a count killed half-way left under `scratch` (compacted runs, merge rounds) goes first.
  const temporary: string[] = [];
  for await (const leftover of staging.list(`${scratch}/`)) temporary.push(leftover.key);
  try {
    await Promise.all(temporary.splice(0).map((key) => staging.delete(key)));
    // A stream of runs is held only if few enough to count as they are; otherwise the first
    // compaction round reads it as it comes, and the day's runs are never all in memory at once.
    let level: KeyRunRef[];
    let round = 0;
    if (!source) {
      level = (runs as readonly KeyRunRef[]).filter((run) => run.count > 0);
    } else if (source.runs * Math.ceil(keys / perSlice) <= maxRangeReads) {
      level = [];
      for await (const run of source) if (run.count > 0) level.push(run);
    } else {
      level = await compact(staging, source, perSlice, slab, `${scratch}/compact-${round++}`, temporary);
    }
    // Runs are compacted while runs x slices is over `maxRangeReads`. Until that is known to hold,
    // only the runs' sizes are needed (slices: at least keys / perSlice): their headers (bucket
    // starts, 1 KB a run) are read once few runs are left, not for each of a day's thousands.
    let layouts: RunLayout[] | undefined;
    let slices: Slice[] = [];
    for (; ; round++) {
      if (level.length * Math.ceil(keys / perSlice) <= maxRangeReads) {
        layouts = await readLayouts(staging, level);
        slices = planSlices(layouts, perSlice);
        if (layouts.length * slices.length <= maxRangeReads) break;
      }
      const compacted = await compact(staging, level, perSlice, slab, `${scratch}/compact-${round}`, temporary);
      if (compacted.length === level.length) break; // every run already fills a slice
      level = compacted;
      layouts = undefined;
    }
    if (!layouts) {
      layouts = await readLayouts(staging, level);
      slices = planSlices(layouts, perSlice);
    }
    for (const slice of slices) {
      if (slice.merge) {
        const ranges = layouts.filter((run) => run.starts[slice.to]! > run.starts[slice.from]!).map((run) => rangeOf(run, slice.from, slice.to));
        duplicates += await countByMerging(staging, ranges, slab, `${scratch}/top-${slice.from}`, fanIn, temporary);
      } else {
        duplicates += await countSlice(staging, layouts, slice, slab, set, hashLimit);
      }
    }
    return { keys, duplicates };
  } finally {
    await Promise.all(temporary.map((key) => staging.delete(key).catch(() => {})));
  }
}
