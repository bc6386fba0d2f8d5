/**
 * Primary-key duplicates across every file of the day, in bounded memory: each extract unit
 * wrote its keys' 64-bit digests sorted; here the sorted runs are merged as streams (a k-way
 * merge, at most `fanIn` runs at a time, with intermediate runs in staging beyond that), and equal
 * neighbours are duplicates. Memory is `fanIn` read buffers, whatever the number of rows.
 */
import { Readable } from 'node:stream';
import type { StorageConnector } from '../connectors/connector.js';

/** Runs merged at once by default: each open run holds one read buffer (up to ~1 MiB). */
export const DEFAULT_FAN_IN = 16;
const RECORD = 8;
const BATCH_BYTES = 64 * 1024;

/** Reads one sorted run of 8-byte big-endian digests as (high, low) pairs. */
class RunReader {
  private buffer: Buffer = Buffer.alloc(0);
  private view = new DataView(this.buffer.buffer, 0, 0);
  private offset = 0;
  private readonly iterator: AsyncIterator<Buffer>;
  high = 0;
  low = 0;

  constructor(stream: AsyncIterable<Buffer>) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /**
   * Moves to the next digest; false at the end of the run. Synchronous while the current chunk
   * lasts (millions of digests must not cost a promise each), a promise only when it refills.
   */
  next(): boolean | Promise<boolean> {
    if (this.buffer.length - this.offset >= RECORD) {
      this.high = this.view.getUint32(this.offset);
      this.low = this.view.getUint32(this.offset + 4);
      this.offset += RECORD;
      return true;
    }
    return this.refill();
  }

  private async refill(): Promise<boolean> {
    while (this.buffer.length - this.offset < RECORD) {
      const { value, done } = await this.iterator.next();
      if (done) {
        if (this.buffer.length - this.offset !== 0) throw new Error('bug: a key run is not a whole number of digests');
        return false;
      }
      this.buffer = this.offset < this.buffer.length ? Buffer.concat([this.buffer.subarray(this.offset), value]) : value;
      this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
      this.offset = 0;
    }
    return this.next();
  }
}

const less = (a: RunReader, b: RunReader) => a.high < b.high || (a.high === b.high && a.low < b.low);

/** Merges sorted runs into one sorted sequence, yielded as batches of 8-byte digests. */
async function* mergeRuns(staging: StorageConnector, keys: readonly string[]): AsyncGenerator<Buffer> {
  const heap: RunReader[] = [];
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  const readers = await Promise.all(keys.map(async (key) => new RunReader((await staging.read(key)) as AsyncIterable<Buffer>)));
  for (const reader of readers) if (await reader.next()) heap.push(reader);
  for (let i = Math.floor(heap.length / 2) - 1; i >= 0; i--) siftDown(i);
  let batch = Buffer.allocUnsafe(BATCH_BYTES);
  let view = new DataView(batch.buffer, batch.byteOffset, BATCH_BYTES);
  let used = 0;
  while (heap.length > 0) {
    const top = heap[0]!;
    view.setUint32(used, top.high);
    view.setUint32(used + 4, top.low);
    used += RECORD;
    if (used === BATCH_BYTES) {
      yield batch;
      batch = Buffer.allocUnsafe(BATCH_BYTES);
      view = new DataView(batch.buffer, batch.byteOffset, BATCH_BYTES);
      used = 0;
    }
    const more = top.next();
    if (!(more === true || (more !== false && (await more)))) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    if (heap.length > 0) siftDown(0);
  }
  if (used > 0) yield batch.subarray(0, used);
}

/** What duplicate detection found for a table. */
export interface DuplicateCount {
  /** Keys checked (rows with a complete primary key). */
  keys: number;
  /** Rows whose key was already seen (keys minus distinct keys). */
  duplicates: number;
}

/**
 * Counts duplicate digests over sorted runs in staging. `scratch` is a staging prefix for
 * intermediate runs when there are more than `fanIn` of them; they are deleted afterwards.
 */
export async function countDuplicates(
  staging: StorageConnector,
  runs: readonly string[],
  scratch: string,
  fanIn: number = DEFAULT_FAN_IN,
): Promise<DuplicateCount> {
  let level = [...runs];
  const temporary: string[] = [];
  try {
    let round = 0;
    while (level.length > fanIn) {
      const next: string[] = [];
      for (let g = 0; g < level.length; g += fanIn) {
        const key = `${scratch}/round-${round}-${g / fanIn}.bin`;
        await staging.write(key, Readable.from(mergeRuns(staging, level.slice(g, g + fanIn))));
        temporary.push(key);
        next.push(key);
      }
      level = next;
      round++;
    }
    let keys = 0;
    let duplicates = 0;
    let lastHigh = -1;
    let lastLow = -1;
    for await (const batch of mergeRuns(staging, level)) {
      const view = new DataView(batch.buffer, batch.byteOffset, batch.length);
      for (let i = 0; i < batch.length; i += RECORD) {
        const high = view.getUint32(i);
        const low = view.getUint32(i + 4);
        keys++;
        if (high === lastHigh && low === lastLow) duplicates++;
        lastHigh = high;
        lastLow = low;
      }
    }
    return { keys, duplicates };
  } finally {
    await Promise.all(temporary.map((key) => staging.delete(key).catch(() => {})));
  }
}
