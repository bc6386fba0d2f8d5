/**
 * Primary-key duplicates across every file of the day, in bounded memory: each extract unit
 * wrote its keys' 64-bit digests sorted; here the sorted runs are merged as streams (a k-way
 * merge, at most FAN_IN runs at a time, with intermediate runs in staging beyond that), and equal
 * neighbours are duplicates. Memory is FAN_IN read buffers, whatever the number of rows.
 */
import { Readable } from 'node:stream';
import type { StorageConnector } from '../connectors/connector.js';

const FAN_IN = 64;
const RECORD = 8;
const BATCH_BYTES = 64 * 1024;

/** Reads one sorted run of 8-byte big-endian digests as (high, low) pairs. */
class RunReader {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  private readonly iterator: AsyncIterator<Buffer>;
  high = 0;
  low = 0;

  constructor(stream: AsyncIterable<Buffer>) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** Moves to the next digest; false at the end of the run. */
  async next(): Promise<boolean> {
    while (this.buffer.length - this.offset < RECORD) {
      const { value, done } = await this.iterator.next();
      if (done) {
        if (this.buffer.length - this.offset !== 0) throw new Error('bug: a key run is not a whole number of digests');
        return false;
      }
      this.buffer = this.offset < this.buffer.length ? Buffer.concat([this.buffer.subarray(this.offset), value]) : value;
      this.offset = 0;
    }
    this.high = this.buffer.readUInt32BE(this.offset);
    this.low = this.buffer.readUInt32BE(this.offset + 4);
    this.offset += RECORD;
    return true;
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
  for (const key of keys) {
    const reader = new RunReader((await staging.read(key)) as AsyncIterable<Buffer>);
    if (await reader.next()) heap.push(reader);
  }
  for (let i = Math.floor(heap.length / 2) - 1; i >= 0; i--) siftDown(i);
  let batch = Buffer.allocUnsafe(BATCH_BYTES);
  let used = 0;
  while (heap.length > 0) {
    const top = heap[0]!;
    batch.writeUInt32BE(top.high, used);
    batch.writeUInt32BE(top.low, used + 4);
    used += RECORD;
    if (used === BATCH_BYTES) {
      yield batch;
      batch = Buffer.allocUnsafe(BATCH_BYTES);
      used = 0;
    }
    if (!(await top.next())) {
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
 * intermediate runs when there are more than FAN_IN of them; they are deleted afterwards.
 */
export async function countDuplicates(staging: StorageConnector, runs: readonly string[], scratch: string): Promise<DuplicateCount> {
  let level = [...runs];
  const temporary: string[] = [];
  try {
    let round = 0;
    while (level.length > FAN_IN) {
      const next: string[] = [];
      for (let g = 0; g < level.length; g += FAN_IN) {
        const key = `${scratch}/round-${round}-${g / FAN_IN}.bin`;
        await staging.write(key, Readable.from(mergeRuns(staging, level.slice(g, g + FAN_IN))));
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
      for (let i = 0; i < batch.length; i += RECORD) {
        const high = batch.readUInt32BE(i);
        const low = batch.readUInt32BE(i + 4);
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
