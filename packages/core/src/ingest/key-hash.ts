/**
 * Primary-key digests: each key is reduced to 64 bits so duplicate detection across a whole day
 * holds 8 bytes per row, sorted per archive and counted by partition (see `duplicates.ts`), instead
 * of every key string in memory. Two independent 32-bit FNV-1a-style hashes with a murmur
 * finaliser; a false duplicate needs a 64-bit collision (about 1 in 10^7 at a billion keys).
 */

import { KEY_RUN_BUCKETS, LITTLE_ENDIAN } from './key-run.js';

/** The two seeds of a digest's halves. */
export const KEY_SEED_HIGH = 0x811c9dc5;
export const KEY_SEED_LOW = 0x9747b28c;

/** The multiplier of each step. */
export const FNV_PRIME = 0x01000193;

/** Separator between a key's column values. */
export const KEY_SEPARATOR = 0x1f;

/**
 * Folds the code units of `text` into a running hash `h` (start from a seed). Hashing a key in
 * pieces (strings, then ASCII bytes through {@link hashBytes}, joined by {@link KEY_SEPARATOR})
 * gives the same digest as hashing the joined string, since an ASCII byte is its own code unit.
 */
export function hashText(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

/** Folds ASCII bytes `buf[start, end)` into a running hash, as {@link hashText} folds their text. */
export function hashBytes(h: number, buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    h ^= buf[i]!;
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

/** Folds one code unit (e.g. {@link KEY_SEPARATOR}) into a running hash. */
export function hashUnit(h: number, unit: number): number {
  return Math.imul(h ^ unit, FNV_PRIME);
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Digests of primary keys, appended row by row, grouped by top byte once at the end. */
export class KeyDigests {
  private high = new Uint32Array(1024);
  private low = new Uint32Array(1024);
  private count = 0;

  /** Number of digests held. */
  get size(): number {
    return this.count;
  }

  /** Adds the digest of one key (its column values joined by the caller). */
  add(key: string): void {
    this.addHashed(hashText(KEY_SEED_HIGH, key), hashText(KEY_SEED_LOW, key));
  }

  /** Adds a key hashed by the caller in pieces (see {@link hashText}), both halves not yet finished. */
  addHashed(high: number, low: number): void {
    if (this.count === this.high.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.high = grow(this.high);
      this.low = grow(this.low);
    }
    this.high[this.count] = finish(high);
    this.low[this.count] = finish(low);
    this.count++;
  }

  /** The digests as 64-bit numbers (high half first), sorted ascending. */
  sorted(): BigUint64Array {
    // Sorted natively (a radix sort in JS was slower than the native sort).
    return this.bucketed().sort();
  }

  /**
   * The digests as 64-bit numbers (high half first), grouped by top byte in ascending order of it,
   * in no particular order within a group: what a key run holds (`key-run.ts`). One counting pass
   * and one placing pass; the duplicate count sorts each slice of top bytes anyway, so sorting
   * here as well cost ~0.9 CPU-s per GB of input for nothing.
   */
  bucketed(): BigUint64Array {
    // The 64-bit values are filled through a 32-bit view (no BigInt per key).
    const n = this.count;
    const high = this.high;
    const low = this.low;
    const next = new Uint32Array(KEY_RUN_BUCKETS);
    for (let i = 0; i < n; i++) next[high[i]! >>> 24]!++;
    for (let b = 0, at = 0; b < KEY_RUN_BUCKETS; b++) {
      const size = next[b]!;
      next[b] = at;
      at += size;
    }
    const values = new BigUint64Array(n);
    const words = new Uint32Array(values.buffer);
    const hi = LITTLE_ENDIAN ? 1 : 0;
    const lo = 1 - hi;
    for (let i = 0; i < n; i++) {
      const h = high[i]!;
      const at = next[h >>> 24]!++;
      words[2 * at + hi] = h;
      words[2 * at + lo] = low[i]!;
    }
    return values;
  }
}
