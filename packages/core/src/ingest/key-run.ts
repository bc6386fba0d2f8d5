/**
 * The key run file: one extract unit's primary-key digests for one table, as `duplicates.ts`
 * reads them. Layout:
 *
 * - a header of {@link KEY_RUN_BUCKETS} little-endian u32 counts, how many digests have each
 *   value of the top byte;
 * - the digests as little-endian u64 (high half first in value), grouped by top byte in ascending
 *   order of it, in any order within a group (`KeyDigests.bucketed()`; sorted runs qualify too).
 *
 * The header says where each bucket's digests sit: the duplicate count reads the same range of
 * buckets from every run with ranged reads and sorts them in memory, a slice of the day at a time.
 * Little-endian, because that is the memory order of the machines Node runs on: a range read is
 * sorted in place, with no per-digest conversion.
 */

/** Buckets in a run's header: one per value of a digest's top byte. */
export const KEY_RUN_BUCKETS = 256;
/** Size of a run's header in bytes. */
export const KEY_RUN_HEADER_BYTES = KEY_RUN_BUCKETS * 4;
/** Size of one digest in bytes. */
export const KEY_DIGEST_BYTES = 8;

/** Whether this machine stores numbers little-endian (typed arrays use its byte order). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The size in bytes of a run file holding `count` digests. */
export function keyRunBytes(count: number): number {
  return KEY_RUN_HEADER_BYTES + count * KEY_DIGEST_BYTES;
}

/** The run file of `grouped` (digests grouped by top byte, as `KeyDigests.bucketed()` gives them). */
export function encodeKeyRun(grouped: BigUint64Array): Buffer {
  return Buffer.concat(keyRunPieces(grouped));
}

/**
 * The run file of `grouped` as its header and its digests, the digests a view of `grouped` on a
 * little-endian machine: to write a big run without copying it first.
 */
export function keyRunPieces(grouped: BigUint64Array): [header: Buffer, digests: Uint8Array] {
  const n = grouped.length;
  const header = Buffer.allocUnsafe(KEY_RUN_HEADER_BYTES);
  const counts = bucketCounts(grouped);
  for (let b = 0; b < KEY_RUN_BUCKETS; b++) header.writeUInt32LE(counts[b]!, b * 4);
  if (LITTLE_ENDIAN) return [header, new Uint8Array(grouped.buffer, grouped.byteOffset, n * KEY_DIGEST_BYTES)];
  const digests = Buffer.allocUnsafe(n * KEY_DIGEST_BYTES);
  for (let i = 0; i < n; i++) digests.writeBigUInt64LE(grouped[i]!, i * KEY_DIGEST_BYTES);
  return [header, digests];
}

/**
 * How many digests have each top byte. A function of its own so that the long loop, compiled
 * on the fly, is not followed by code it has never run (which sent V8 back and forth between
 * compiling and discarding the whole caller, once per run written).
 */
function bucketCounts(grouped: BigUint64Array): Uint32Array {
  const counts = new Uint32Array(KEY_RUN_BUCKETS);
  // The top byte through a 32-bit view: a BigInt shift per digest costs more than the sort.
  const words = new Uint32Array(grouped.buffer, grouped.byteOffset, grouped.length * 2);
  const high = LITTLE_ENDIAN ? 1 : 0;
  for (let i = 0; i < grouped.length; i++) counts[words[2 * i + high]! >>> 24]!++;
  return counts;
}

/** The per-bucket counts from a run's header bytes. */
export function decodeKeyRunHeader(header: Buffer): Uint32Array {
  if (header.length !== KEY_RUN_HEADER_BYTES) {
    throw new Error(`bug: a key run header is ${header.length} bytes, expected ${KEY_RUN_HEADER_BYTES}`);
  }
  const counts = new Uint32Array(KEY_RUN_BUCKETS);
  for (let b = 0; b < KEY_RUN_BUCKETS; b++) counts[b] = header.readUInt32LE(b * 4);
  return counts;
}

/**
 * Digests read as little-endian u64 bytes, as numbers to sort: a view when the machine is
 * little-endian, else a converted copy. `bytes` must start at a multiple of 8 in its buffer.
 */
export function digestsOf(bytes: Uint8Array): BigUint64Array {
  const n = bytes.length / KEY_DIGEST_BYTES;
  if (LITTLE_ENDIAN) return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const values = new BigUint64Array(n);
  for (let i = 0; i < n; i++) values[i] = view.getBigUint64(i * KEY_DIGEST_BYTES, true);
  return values;
}
