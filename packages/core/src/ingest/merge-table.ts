/**
 * merge:<table>: concatenates a table's staged parts, in a deterministic order, into
 * `<table>/merged_<table>.csv`. A part whose columns equal the table's union of columns is
 * copied byte for byte after its header; only parts that lack some of the union's columns (schema
 * drift) are re-projected, by moving raw fields. Metrics are summed, not recomputed.
 */
import { Readable } from 'node:stream';
import type { ObjectInfo, StorageConnector } from '../connectors/connector.js';
import type { TableSpec } from '../spec/schema.js';
import type { ExtractedPart } from './extract-unit.js';
import type { PartMetrics } from './part-metrics.js';
import { addMetrics, emptyMetrics } from './part-metrics.js';
import { RawRowSplitter } from './raw-rows.js';

/** Output keys of a table, relative to the output root. */
export function tableOutputKeys(table: string) {
  return { data: `${table}/merged_${table}.csv`, schema: `${table}/_schema.json`, success: `${table}/_SUCCESS` };
}

/** The union of the parts' columns: the spec's columns, then new columns in order of first appearance. */
export function unionColumns(table: TableSpec, parts: readonly ExtractedPart[]): string[] {
  const columns = Object.keys(table.columns);
  for (const part of parts) for (const column of part.columns) if (!columns.includes(column)) columns.push(column);
  return columns;
}

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c, i) => c === b[i]);

/** What merging a table produced. */
export interface MergedTable {
  columns: string[];
  metrics: PartMetrics;
  data: ObjectInfo;
  /** Parts copied byte for byte vs re-projected onto the union's columns. */
  copiedParts: number;
  reprojectedParts: number;
}

async function* partBytes(staging: StorageConnector, part: ExtractedPart, columns: readonly string[]): AsyncGenerator<Buffer> {
  const stream = await staging.read(part.key);
  if (sameColumns(part.columns, columns)) {
    let headerDone = false;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (headerDone) {
        yield chunk;
        continue;
      }
      const eol = chunk.indexOf(0x0a);
      if (eol === -1) continue; // canonical headers are short; a chunk without LF is all header
      headerDone = true;
      if (eol + 1 < chunk.length) yield chunk.subarray(eol + 1);
    }
    return;
  }
  if (part.columns.every((c, i) => c === columns[i])) {
    // The part lacks only trailing columns (the usual drift: new columns appended): add empty
    // fields before each row's line break, found by tracking quotes, without splitting rows.
    yield* appendEmptyFields(stream as AsyncIterable<Buffer>, columns.length - part.columns.length);
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
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    splitter.write(chunk);
    if (out.length > 0) {
      yield Buffer.from(out.join(''), 'latin1');
      out = [];
    }
  }
  splitter.end();
}

const LF = 0x0a;
const QUOTE = 0x22;

/**
 * A part's rows (after its header) with `count` empty fields appended to each. An LF ends a row
 * only outside quotes; in canonical CSV every quote opens, closes or doubles inside a quoted
 * field, so the parity of quotes seen so far says which side of a quote an LF is on.
 */
export async function* appendEmptyFields(stream: AsyncIterable<Buffer>, count: number): AsyncGenerator<Buffer> {
  const rowEnd = Buffer.from(`${','.repeat(count)}\n`);
  let inQuotes = false;
  let headerDone = false;
  const flipQuotes = (chunk: Buffer, from: number, to: number) => {
    for (let q = chunk.indexOf(QUOTE, from); q !== -1 && q < to; q = chunk.indexOf(QUOTE, q + 1)) inQuotes = !inQuotes;
  };
  for await (const chunk of stream) {
    let start = 0;
    if (!headerDone) {
      const eol = chunk.indexOf(LF);
      if (eol === -1) continue; // canonical headers are short; a chunk without LF is all header
      headerDone = true;
      start = eol + 1;
    }
    const pieces: Buffer[] = [];
    let scan = start;
    for (let nl = chunk.indexOf(LF, scan); nl !== -1; nl = chunk.indexOf(LF, scan)) {
      flipQuotes(chunk, scan, nl);
      if (!inQuotes) {
        pieces.push(chunk.subarray(start, nl), rowEnd);
        start = nl + 1;
      }
      scan = nl + 1;
    }
    flipQuotes(chunk, scan, chunk.length);
    if (start < chunk.length) pieces.push(chunk.subarray(start));
    if (pieces.length > 0) yield Buffer.concat(pieces);
  }
}

/**
 * Writes the merged table (atomically, through the output connector) from `parts`, which must
 * already be in the deterministic order (archive key, then member position).
 */
export async function mergeTable(
  name: string,
  table: TableSpec,
  parts: readonly ExtractedPart[],
  staging: StorageConnector,
  output: StorageConnector,
): Promise<MergedTable> {
  const columns = unionColumns(table, parts);
  const metrics = emptyMetrics(columns);
  let copiedParts = 0;
  let reprojectedParts = 0;
  for (const part of parts) {
    addMetrics(metrics, part.metrics, columns);
    if (sameColumns(part.columns, columns)) copiedParts++;
    else reprojectedParts++;
  }
  async function* body(): AsyncGenerator<Buffer> {
    yield Buffer.from(`${columns.join(',')}\n`);
    for (const part of parts) yield* partBytes(staging, part, columns);
  }
  const data = await output.write(tableOutputKeys(name).data, Readable.from(body(), { objectMode: false }));
  return { columns, metrics, data, copiedParts, reprojectedParts };
}
