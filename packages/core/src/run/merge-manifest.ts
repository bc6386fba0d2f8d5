/**
 * A table's merge inputs, staged rather than held: the parts and key run of every archive, in the
 * listing's order, as JSON lines in segments under staging. The run appends an archive's line once
 * every archive before it in the listing has finished (`unit-ledger.ts`), so the main thread holds
 * only the archives finished out of turn, and the merge's copy and count tasks stream the lines
 * back instead of receiving every part and run of the day in their task message.
 *
 * Why: kept in memory and cloned into the merge tasks, the day's part references grew the run's
 * peak RSS by ~4.6 KB per archive in the merge stage (4,000 small archives: 184 MiB; 8,000: 202 MiB).
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { StorageConnector } from '../connectors/connector.js';
import type { KeyRunRef, KeyRunSource } from '../ingest/duplicates.js';
import type { PartRef } from '../ingest/merge-table.js';

/** Archive lines a segment holds at most (~150-300 bytes each). */
export const SEGMENT_LINES = 1024;

/** What one archive gave one table, as the run hands it to the manifest. */
export interface ArchiveSlot {
  parts: readonly PartRef[];
  run?: KeyRunRef;
  /** `[archiveId, version]` of the archive, when it was extracted whole and gave the table something. */
  source?: readonly [string, string];
}

/** One line of a segment: parts as `[key, bytes, column list index, offset?]`, the key run as `[key, count, offset?]`, the source. */
type ManifestLine = [parts: [string, number, number, number?][], run: [string, number, number?] | null, source: readonly [string, string] | null];

/** A key run as a manifest line holds it: the offset only where it is not 0. */
const runLine = (run: KeyRunRef): [string, number, number?] => (run.offset ? [run.key, run.count, run.offset] : [run.key, run.count]);

/** A part as a manifest line holds it, naming its column list by index: the offset only where it is not 0. */
const partLine = (part: PartRef, list: number): [string, number, number, number?] => (part.offset ? [part.key, part.bytes, list, part.offset] : [part.key, part.bytes, list]);

/** Where a table's merge inputs are staged and what they add up to: plain data, it crosses threads and queues. */
export interface MergeInputs {
  /** Staging keys of the manifest's segments, in order. */
  segments: string[];
  /** The union of the parts' columns: the spec's, then new ones in order of first appearance. */
  columns: string[];
  /** The parts' distinct column lists; a line names its parts' lists by index. */
  columnLists: string[][];
  /** Parts (the table's CSV files), their bytes, and the parts whose columns are the union. */
  parts: number;
  bytes: number;
  copiedParts: number;
  /** Key runs and the digests they hold. */
  runs: number;
  keys: number;
  /** What identifies the inputs: a digest of every line, in order (see `table-stage.ts`). */
  digest: string;
}

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c, i) => c === b[i]);

/** Builds one table's manifest from archive slots given in listing order. */
export class ManifestBuilder {
  private readonly lines: string[] = [];
  private readonly segments: string[] = [];
  private readonly lists = new Map<string, number>();
  private readonly columnLists: string[][] = [];
  private readonly partsPerList: number[] = [];
  private readonly columns: string[];
  private readonly hash: Hash = createHash('sha256');
  private parts = 0;
  private bytes = 0;
  private runs = 0;
  private keys = 0;

  /** `prefix` is the staging prefix of this table's segments; `declared` the spec's columns. */
  constructor(
    private readonly prefix: string,
    declared: readonly string[],
  ) {
    this.columns = [...declared];
  }

  /** Appends the next archive's slot (in listing order). */
  append(slot: ArchiveSlot): void {
    const line: ManifestLine = [slot.parts.map((part) => partLine(part, this.listIndex(part.columns))), slot.run ? runLine(slot.run) : null, slot.source ?? null];
    const text = JSON.stringify(line);
    this.hash.update(text).update('\n');
    this.lines.push(text);
    this.parts += slot.parts.length;
    for (const part of slot.parts) this.bytes += part.bytes;
    if (slot.run) {
      this.runs++;
      this.keys += slot.run.count;
    }
  }

  /** Lines waiting to be written: when there are `SEGMENT_LINES`, or at the end. */
  get buffered(): number {
    return this.lines.length;
  }

  /** Takes up to `SEGMENT_LINES` buffered lines as the next segment: its key and its text, for the caller to write. */
  takeSegment(): { key: string; text: string } {
    const key = `${this.prefix}/${String(this.segments.length).padStart(6, '0')}.jsonl`;
    this.segments.push(key);
    return { key, text: `${this.lines.splice(0, SEGMENT_LINES).join('\n')}\n` };
  }

  /** Keys of the segments taken so far. */
  staged(): readonly string[] {
    return this.segments;
  }

  /** The inputs, once every segment is written. */
  inputs(): MergeInputs {
    if (this.lines.length > 0) throw new Error('bug: manifest lines are still buffered');
    const copiedParts = this.columnLists.reduce((n, list, i) => n + (sameColumns(list, this.columns) ? this.partsPerList[i]! : 0), 0);
    return {
      segments: [...this.segments],
      columns: [...this.columns],
      columnLists: this.columnLists.map((list) => [...list]),
      parts: this.parts,
      bytes: this.bytes,
      copiedParts,
      runs: this.runs,
      keys: this.keys,
      digest: this.hash.copy().digest('hex').slice(0, 32),
    };
  }

  private listIndex(columns: readonly string[]): number {
    const id = columns.join('\u0000');
    let index = this.lists.get(id);
    if (index === undefined) {
      index = this.columnLists.length;
      this.lists.set(id, index);
      this.columnLists.push([...columns]);
      this.partsPerList.push(0);
      for (const column of columns) if (!this.columns.includes(column)) this.columns.push(column);
    }
    this.partsPerList[index]!++;
    return index;
  }
}

/** One segment's lines. */
async function readSegment(staging: StorageConnector, key: string): Promise<ManifestLine[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await staging.read(key)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return JSON.parse(`[${Buffer.concat(chunks).toString('utf8').trimEnd().split('\n').join(',')}]`) as ManifestLine[];
}

/** The table's parts in the deterministic order (listing order, then member position), read from staging. */
export async function* manifestParts(staging: StorageConnector, inputs: MergeInputs): AsyncGenerator<PartRef> {
  for (const key of inputs.segments) {
    for (const [parts] of await readSegment(staging, key)) {
      for (const [partKey, bytes, list, offset] of parts) yield { key: partKey, ...(offset ? { offset } : {}), bytes, columns: inputs.columnLists[list]! };
    }
  }
}

/** The table's key runs in the same order, read from staging, with their totals up front. */
export function manifestRuns(staging: StorageConnector, inputs: MergeInputs): KeyRunSource {
  return {
    runs: inputs.runs,
    keys: inputs.keys,
    async *[Symbol.asyncIterator]() {
      for (const key of inputs.segments) {
        for (const [, run] of await readSegment(staging, key)) if (run) yield { key: run[0], count: run[1], ...(run[2] ? { offset: run[2] } : {}) };
      }
    },
  };
}
