/**
 * Primary-key digests: each key is reduced to 64 bits so duplicate detection across a whole day
 * holds 8 bytes per row, sorted per archive and merged as streams (see `duplicates.ts`), instead
 * of every key string in memory. Two independent 32-bit FNV-1a-style hashes with a murmur
 * finaliser; a false duplicate needs a 64-bit collision (about 1 in 10^7 at a billion keys).
 */

function hash32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Digests of primary keys, appended row by row, sorted once at the end. */
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
    if (this.count === this.high.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.high = grow(this.high);
      this.low = grow(this.low);
    }
    this.high[this.count] = hash32(key, 0x811c9dc5);
    this.low[this.count] = hash32(key, 0x9747b28c);
    this.count++;
  }

  /** The digests sorted ascending, as big-endian 8-byte records (so byte order is numeric order). */
  sortedBytes(): Buffer {
    const values = new BigUint64Array(this.count);
    for (let i = 0; i < this.count; i++) values[i] = (BigInt(this.high[i]!) << 32n) | BigInt(this.low[i]!);
    values.sort();
    const out = Buffer.allocUnsafe(this.count * 8);
    for (let i = 0; i < this.count; i++) out.writeBigUInt64BE(values[i]!, i * 8);
    return out;
  }
}
