/**
 * merge:<table>: concatenates a table's staged parts, in a deterministic order, into
 * `<table>/merged_<table>.csv`. A part whose columns equal the table's union of columns is
 * copied byte for byte after its header; only parts that lack some of the union's columns (schema
 * drift) are re-projected, by moving raw fields. The table's metrics are not recounted here: the
 * run sums its parts' (see `MetricsTally`).
 */
import { Readable } from 'node:stream';
import type { ObjectInfo, StorageConnector } from '../connectors/connector.js';
import type { TableSpec } from '../spec/schema.js';
import type { PartMetrics } from './part-metrics.js';
import { RawRowSplitter } from './raw-rows.js';

/** What the merge needs of a staged part (an `ExtractedPart` is one). */
export interface PartRef {
  /** Staging key of the object the part is in (CSV with a header of its canonical columns). */
  key: string;
  /** Where the part starts in its object; absent when the part is the whole object. */
  offset?: number;
  /** Size of the part in bytes. */
  bytes: number;
  columns: readonly string[];
}

/** Output keys of a table, relative to the output root. */
export function tableOutputKeys(table: string) {
  return { data: `${table}/merged_${table}.csv`, schema: `${table}/_schema.json`, success: `${table}/_SUCCESS` };
}

/** The union of the parts' columns: the spec's columns, then new columns in order of first appearance. */
export function unionColumns(table: TableSpec, parts: readonly Pick<PartRef, 'columns'>[]): string[] {
  const columns = Object.keys(table.columns);
  for (const part of parts) for (const column of part.columns) if (!columns.includes(column)) columns.push(column);
  return columns;
}

const LF = 0x0a;
const QUOTE = 0x22;
const COMMA = 0x2c;

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c, i) => c === b[i]);

/** What copying a table's parts into its merged file produced. */
export interface CopiedTable {
  columns: string[];
  data: ObjectInfo;
  /** Parts copied byte for byte vs re-projected onto the union's columns. */
  copiedParts: number;
  reprojectedParts: number;
}

/** A merged table: its file and its figures. */
export interface MergedTable extends CopiedTable {
  metrics: PartMetrics;
}

/**
 * A part's bytes read through `buffer`, one range at a time (`readInto`): each chunk is a view of
 * `buffer`, so the caller must be done with it before asking for the next.
 */
async function* reusedChunks(staging: StorageConnector, part: PartRef, buffer: Buffer): AsyncGenerator<Buffer> {
  const offset = part.offset ?? 0;
  for (let at = 0; at < part.bytes; ) {
    const n = await staging.readInto!(part.key, { start: offset + at, end: offset + Math.min(part.bytes, at + buffer.length) }, buffer, 0);
    if (n === 0) throw new Error(`the staged part ${part.key} ends after ${at} bytes, but its unit wrote ${part.bytes}: run the day again with --force`);
    at += n;
    yield buffer.subarray(0, n);
  }
}

/** The chunks after the first line (a part's header). */
async function* afterHeader(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let headerDone = false;
  for await (const chunk of chunks) {
    if (headerDone) {
      yield chunk;
      continue;
    }
    const eol = chunk.indexOf(LF);
    if (eol === -1) continue; // canonical headers are short; a chunk without LF is all header
    headerDone = true;
    if (eol + 1 < chunk.length) yield chunk.subarray(eol + 1);
  }
}

/**
 * A part's rows in the union's columns. With `buffer`, the part is read through it and the chunks
 * yielded may be views of reused memory (for an output that takes them by `writeChunks`).
 */
async function* partBytes(staging: StorageConnector, part: PartRef, columns: readonly string[], buffer?: Buffer): AsyncGenerator<Buffer> {
  const offset = part.offset ?? 0;
  const chunks = buffer ? reusedChunks(staging, part, buffer) : ((await staging.read(part.key, { start: offset, end: offset + part.bytes })) as AsyncIterable<Buffer>);
  if (sameColumns(part.columns, columns)) {
    yield* afterHeader(chunks);
    return;
  }
  if (part.columns.every((c, i) => c === columns[i])) {
    // The part lacks only trailing columns (the usual drift: new columns appended): add empty
    // fields before each row's line break, found by tracking quotes, without splitting rows.
    yield* appendEmptyFields(chunks, columns.length - part.columns.length, buffer === undefined);
    return;
  }
  const positions = columns.map((column) => part.columns.indexOf(column));
  let header = true;
  let out: string[] = [];
  const splitter = new RawRowSplitter((fields) => {
    if (header) {
      header = false;
      return;
    }
    out.push(`${positions.map((p) => (p < 0 ? '' : fields[p]!)).join(',')}\n`);
  });
  for await (const chunk of chunks) {
    splitter.write(chunk); // it keeps no reference to the chunk (it decodes it to text)
    if (out.length > 0) {
      yield Buffer.from(out.join(''), 'latin1');
      out = [];
    }
  }
  splitter.end();
}

/**
 * `out` with room for `needed` bytes, its first `used` kept. Sized by the rows met, not by the
 * worst case (every byte of a chunk a row end), which for many appended columns would be many
 * times the chunk: at least double, and at least the chunk with some rows' worth to spare.
 */
function grown(out: Buffer, used: number, needed: number, chunkBytes: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(needed, 2 * out.length, chunkBytes + 64 * 1024));
  out.copy(bigger, 0, 0, used);
  return bigger;
}

/**
 * A part's rows (after its header) with `count` empty fields appended to each. An LF ends a row
 * only outside quotes; in canonical CSV every quote opens, closes or doubles inside a quoted
 * field, so the parity of quotes seen so far says which side of a quote an LF is on.
 *
 * Rows are found with native searches and copied with one native copy each into a buffer reused
 * from chunk to chunk, grown when a chunk's rows need more. Unless `fresh` is false (the consumer
 * is done with each chunk before asking for the next), it is copied out once per chunk, since a
 * writer may still hold the last one. Slicing each row into its own Buffer and concatenating the
 * pieces took ~1.8x as long (97 MB of the 1 GB drop's bookings parts in memory: 240-300 ms against
 * 145 ms), and this copy was on the merge stage's critical path.
 */
export async function* appendEmptyFields(stream: AsyncIterable<Buffer>, count: number, fresh = true): AsyncGenerator<Buffer> {
  let inQuotes = false;
  let headerDone = false;
  let out: Buffer = Buffer.allocUnsafe(0);
  for await (const chunk of stream) {
    let start = 0;
    if (!headerDone) {
      const eol = chunk.indexOf(LF);
      if (eol === -1) continue; // canonical headers are short; a chunk without LF is all header
      headerDone = true;
      start = eol + 1;
    }
    const end = chunk.length;
    let at = 0;
    // The next quote at or after the scan (`end` when there is none).
    let quote = chunk.indexOf(QUOTE, start);
    if (quote === -1) quote = end;
    let scan = start;
    for (let nl = chunk.indexOf(LF, scan); nl !== -1; nl = chunk.indexOf(LF, scan)) {
      while (quote < nl) {
        inQuotes = !inQuotes;
        quote = chunk.indexOf(QUOTE, quote + 1);
        if (quote === -1) quote = end;
      }
      scan = nl + 1;
      if (inQuotes) continue;
      if (at + nl - start + count + 1 > out.length) out = grown(out, at, at + nl - start + count + 1, end - start);
      at += chunk.copy(out, at, start, nl);
      for (let k = 0; k < count; k++) out[at++] = COMMA;
      out[at++] = LF;
      start = nl + 1;
    }
    while (quote < end) {
      inQuotes = !inQuotes;
      quote = chunk.indexOf(QUOTE, quote + 1);
      if (quote === -1) quote = end;
    }
    if (start < end) {
      if (at + end - start > out.length) out = grown(out, at, at + end - start, end - start);
      at += chunk.copy(out, at, start, end);
    }
    if (at > 0) yield fresh ? Buffer.from(out.subarray(0, at)) : out.subarray(0, at);
  }
}

/**
 * Parts started while an earlier one is copied. A part read costs several round trips before its
 * first byte (open, stat, read, close: ~0.5 ms on an idle 2-vCPU VM, 1.5-2.5 ms during a run),
 * and one after another they added up to a third of the 1 GB drop's merge stage (150 parts of
 * cancellations, 14 MB, took 0.23-0.42 s to copy).
 */
const READ_AHEAD_PARTS = 1;

/** Bytes read at a time from a part through a reused buffer (`readInto`). */
const COPY_CHUNK_BYTES = 1024 * 1024;

/**
 * The items of each source in turn, with up to `depth` later sources already started (opened,
 * their first item on its way). `sources` may itself be a stream (a day's parts read from
 * staging). Whatever was started is closed if the consumer stops early or a source fails.
 */
export async function* inTurn<T>(sources: Iterable<() => AsyncGenerator<T>> | AsyncIterable<() => AsyncGenerator<T>>, depth: number): AsyncGenerator<T> {
  const started: { items: AsyncGenerator<T>; first: Promise<IteratorResult<T>> }[] = [];
  const pending = Symbol.asyncIterator in sources ? sources[Symbol.asyncIterator]() : sources[Symbol.iterator]();
  let exhausted = false;
  const startMore = async () => {
    while (started.length < depth + 1 && !exhausted) {
      const next = await pending.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const items = next.value();
      const first = items.next();
      first.catch(() => {}); // awaited in turn below; a failure ahead of its turn must not go unhandled
      started.push({ items, first });
    }
  };
  try {
    for (await startMore(); started.length > 0; await startMore()) {
      const { items, first } = started[0]!;
      for (let item = await first; !item.done; item = await items.next()) yield item.value;
      started.shift();
    }
  } finally {
    // On an early stop or a failure: close the sources still open (their streams and handles).
    await Promise.all(started.map(({ items, first }) => first.then(() => items.return(undefined)).catch(() => {})));
    if (!exhausted) await pending.return?.();
  }
}

/**
 * Writes the merged table (atomically, through the output connector) from `parts`, which must
 * already be in the deterministic order (archive key, then member position).
 */
export async function mergeTable(
  name: string,
  table: TableSpec,
  parts: readonly PartRef[],
  staging: StorageConnector,
  output: StorageConnector,
): Promise<CopiedTable> {
  const columns = unionColumns(table, parts);
  const copiedParts = parts.filter((part) => sameColumns(part.columns, columns)).length;
  const data = await copyTable(name, columns, parts, staging, output);
  return { columns, data, copiedParts, reprojectedParts: parts.length - copiedParts };
}

/**
 * Writes the merged table from `parts` in the order given, in `columns` (the parts' union): the
 * streaming half of {@link mergeTable}, for a day's parts read from staging rather than held.
 */
export async function copyTable(
  name: string,
  columns: readonly string[],
  parts: Iterable<PartRef> | AsyncIterable<PartRef>,
  staging: StorageConnector,
  output: StorageConnector,
): Promise<ObjectInfo> {
  // Through reused buffers when the stores allow it (one per part in flight): streaming fresh
  // buffers, a worker only freed them once tens of MB had piled up, and that was the peak of the
  // run's memory (4 GB drop: merge stage 15.9-17.2 s and 254-267 MiB, against 11.8-12.5 s and
  // 233-240 MiB with reused buffers).
  const reuse = output.writeChunks !== undefined && staging.readInto !== undefined;
  const buffers = reuse ? Array.from({ length: READ_AHEAD_PARTS + 1 }, () => Buffer.allocUnsafe(COPY_CHUNK_BYTES)) : [];
  async function* sources(): AsyncGenerator<() => AsyncGenerator<Buffer>> {
    let i = 0;
    for await (const part of parts) {
      const buffer = reuse ? buffers[i++ % buffers.length] : undefined;
      yield () => partBytes(staging, part, columns, buffer);
    }
  }
  async function* body(): AsyncGenerator<Buffer> {
    yield Buffer.from(`${columns.join(',')}\n`);
    yield* inTurn(sources(), READ_AHEAD_PARTS);
  }
  const key = tableOutputKeys(name).data;
  return reuse ? await output.writeChunks!(key, body()) : await output.write(key, Readable.from(body(), { objectMode: false }));
}
