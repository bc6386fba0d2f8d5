/**
 * The fastest path of extract: whole rows straight from the input chunk to the part, for the
 * rows nearly every partner file is made of (one physical line, no escaped quotes, values already
 * in canonical form or null tokens). `fast-row-check.ts` finds and checks a row's fields in one
 * walk over its bytes; this module writes the row and adds up its figures. A row whose fields are
 * in canonical order is copied in stretches with its null tokens cut out, any other field by field.
 *
 * Why: the general path (tokenizer, then `RowNormaliser.rowBytes`, then one byte writer per field
 * through a call V8 cannot inline) walks every byte twice. Measured on 44.6 MB of acme-travel
 * members in memory (tokenise, normalise, sort key digests; one core of the 2-vCPU VM, 25 runs of
 * each, alternating): 110 MB/s at best and 92 MB/s median for the general path, 156 and 133 MB/s
 * with this one in front of it.
 *
 * Contract: it consumes a row only when it is sure to write exactly the bytes and count exactly the
 * figures the general path would; anything else (a quote inside a field, an escaped quote, a line
 * break in quotes, a lone CR, an empty line, a wrong field count, a value not in canonical form, a
 * type error, the row running past the chunk) stops it at that row's start, and the general path
 * takes the row (`CsvRowSink.fastRows` says how the tokenizer hands over). So correctness never
 * depends on it, only speed; `fast-rows.test.ts` and `row-bytes.test.ts` hold the paths to each other.
 *
 * The same check, write and count also exist compiled to WebAssembly (`fast-rows-kernel.ts`, from
 * `packages/core/wasm/fast-rows.c`), which does them in less than half the time: {@link FastRows.run}
 * hands it the chunk a window at a time and takes back the lines and figures, and this JavaScript
 * writes only the rows the kernel leaves to it (a column's byte writer, a row longer than a window)
 * and every row of a layout the kernel does not take (latin1, a column with a byte writer).
 */
import type { CsvFastCursor } from '../csv/row-sink.js';
import type { ByteBuilder } from './byte-builder.js';
import { FNV_PRIME, hashUnit, KEY_SEED_HIGH, KEY_SEED_LOW, KEY_SEPARATOR } from './key-hash.js';
import type { KeyDigests } from './key-hash.js';
import type { MemberLayout } from './member-layout.js';
import type { PartMetrics } from './part-metrics.js';
import { COMMA, F_FIELDWISE, F_LATIN1, F_NULL, F_QUOTE, F_QUOTED, F_WRITE, LF, QUOTE, RowCheck } from './fast-row-check.js';
import type { FastRowsDialect } from './fast-row-check.js';
import { FIELD_KIND } from './field-kind.js';
import { fastRowsKernel, KERNEL_HEADER, KERNEL_LIMITS, KERNEL_STOP, kernelMode } from './fast-rows-kernel.js';
import type { FastRowsKernel } from './fast-rows-kernel.js';
import { latin1TextByteWriter } from './value-bytes.js';
import type { ByteValueWriter } from './value-bytes.js';

export type { FastRowsDialect } from './fast-row-check.js';

/** The counters a member's normaliser keeps, which the fast path adds to. */
export interface FastRowsTarget {
  metrics: PartMetrics;
  nullCounts: number[];
  keys: KeyDigests | undefined;
}

/**
 * Copies `buf[from, to)` to `dst` at `at` and returns where the copy ends there. Four bytes at a
 * time (a JS byte loop costs ~4 ns a byte here, a native copy ~100 ns a call); the last word may
 * run past `to`, into input that exists and into output room the next writes overwrite.
 */
function copyBytes(buf: Buffer, inView: DataView, from: number, to: number, dst: Buffer, outView: DataView, at: number): number {
  const n = to - from;
  if (to + 3 < buf.length) {
    for (let k = 0; k < n; k += 4) outView.setUint32(at + k, inView.getUint32(from + k, true), true);
    return at + n;
  }
  for (let k = from; k < to; k++) dst[at++] = buf[k]!;
  return at;
}

/** The fast path for one member's layout; see the module comment. */
export class FastRows {
  private readonly check: RowCheck;
  private readonly fields: number;
  /** Per output column: its input field, or -1 (always null). */
  private readonly sources: Int32Array;
  /** Per input field: its output column, or -1. */
  private readonly columnOf: Int32Array;
  /** Output columns no field feeds: null in every row. */
  private readonly absentColumns: number[];
  private readonly writers: ByteValueWriter[];
  /** Per key part: its input field, or -1 (the key is always null). */
  private readonly keyFields: Int32Array;
  /** Per key part: its output column. */
  private readonly keyColumns: Int32Array;
  /** Per output column: where its value starts and ends in the output, for key parts written by a writer. */
  private readonly written: Int32Array;
  /** Output columns are the input fields in order, and commas separate them: a row can be copied with its nulls cut out. */
  private readonly verbatim: boolean;
  // Views for copying four bytes at a time: of the chunk being read, and of the output buffer.
  private inView: DataView = new DataView(new ArrayBuffer(0));
  private outBuf: Buffer | undefined;
  private outView: DataView = new DataView(new ArrayBuffer(0));
  /** The WebAssembly build of check, writeRow and count, when it can take this layout (see kernelFor). */
  private readonly kernel: FastRowsKernel | undefined;
  /** How much of the chunk the next kernel call is given: less after it stopped early (see run()). */
  private window: number = KERNEL_LIMITS.inputBytes;

  private constructor(layout: MemberLayout, nullTokens: Uint8Array[], dialect: FastRowsDialect, private readonly target: FastRowsTarget) {
    this.check = new RowCheck(layout, nullTokens, dialect);
    this.fields = layout.expectedFields;
    this.sources = Int32Array.from(layout.sources);
    this.columnOf = new Int32Array(this.fields).fill(-1);
    layout.sources.forEach((source, i) => {
      if (source >= 0) this.columnOf[source] = i;
    });
    this.absentColumns = layout.sources.flatMap((source, i) => (source < 0 ? [i] : []));
    this.writers = layout.writers;
    this.keyFields = Int32Array.from(layout.keyColumns, (column) => layout.sources[column]!);
    this.keyColumns = Int32Array.from(layout.keyColumns);
    this.written = new Int32Array(2 * layout.columns.length);
    this.verbatim =
      this.check.delimiter === COMMA && this.check.quote === QUOTE && layout.sources.length === this.fields && layout.sources.every((source, i) => source === i);
    this.kernel = this.kernelFor(layout);
  }

  /**
   * The kernel, if it can take this layout: UTF-8, within its limits, and (unless the mode is
   * `always`) no column written by a byte writer, whose every row would go back to JavaScript.
   */
  private kernelFor(layout: MemberLayout): FastRowsKernel | undefined {
    const check = this.check;
    if (!check.utf8 || this.fields > KERNEL_LIMITS.fields || layout.sources.length > KERNEL_LIMITS.fields) return undefined;
    if (check.nullTokens.length > KERNEL_LIMITS.nullTokens || check.nullTokens.some((token) => token.length > KERNEL_LIMITS.nullTokenBytes)) return undefined;
    if (kernelMode() === 'auto' && check.kinds.some((kind) => kind === FIELD_KIND.writer)) return undefined;
    return fastRowsKernel();
  }

  /** Loads this layout into the kernel (the thread's members share it). */
  private load(kernel: FastRowsKernel): void {
    const check = this.check;
    const header = kernel.header;
    header[KERNEL_HEADER.fields] = this.fields;
    header[KERNEL_HEADER.columns] = this.sources.length;
    header[KERNEL_HEADER.delimiter] = check.delimiter;
    header[KERNEL_HEADER.quote] = check.quote;
    header[KERNEL_HEADER.escape] = check.escape;
    header[KERNEL_HEADER.nullEmpty] = check.nullEmpty ? 1 : 0;
    header[KERNEL_HEADER.longestNull] = check.longestNull;
    header[KERNEL_HEADER.verbatim] = this.verbatim ? 1 : 0;
    header[KERNEL_HEADER.keyCount] = this.keyFields.length;
    header[KERNEL_HEADER.hashKeys] = this.target.keys === undefined ? 0 : 1;
    header[KERNEL_HEADER.nullTokenCount] = check.nullTokens.length;
    kernel.kinds.set(check.kinds);
    kernel.keyField.set(check.keyField);
    kernel.sources.set(this.sources);
    kernel.keyFields.set(this.keyFields);
    kernel.nullFirst.set(check.nullFirst);
    check.nullTokens.forEach((token, t) => {
      kernel.nullLengths[t] = token.length;
      kernel.nullBytes.set(token, t * KERNEL_LIMITS.nullTokenBytes);
    });
    kernel.owner = this;
  }

  /**
   * The fast path for a layout, or `undefined` when it cannot help: a member without a header
   * (rows of varying width).
   * @param nullTokens the null tokens as bytes in the member's encoding
   */
  static plan(layout: MemberLayout, nullTokens: Uint8Array[], dialect: FastRowsDialect, target: FastRowsTarget): FastRows | undefined {
    if (layout.expectedFields <= 0) return undefined;
    // Values are recognised by their shape (digits, `-`, `:`, `.`, `T`, `Z`): a dialect character
    // that can occur in one would make that unsafe, so such a dialect gets no fast path.
    if (/[0-9A-Za-z+\-:.]/.test(dialect.delimiter + dialect.quote + dialect.escape)) return undefined;
    return new FastRows(layout, nullTokens, dialect, target);
  }

  /**
   * Consumes complete rows of `buf[cursor.pos, end)` and writes their canonical lines to `out`;
   * stops at the first row it cannot take whole (see the module comment). Each consumed row is
   * exactly one physical line.
   */
  run(buf: Buffer, end: number, cursor: CsvFastCursor, out: ByteBuilder): void {
    this.check.maxRowBytes = cursor.maxRowBytes;
    if (this.inView.buffer !== buf.buffer || this.inView.byteOffset !== buf.byteOffset || this.inView.byteLength !== buf.length) {
      this.inView = new DataView(buf.buffer, buf.byteOffset, buf.length);
    }
    let pos = cursor.pos;
    let rows = 0;
    const kernel = this.kernel;
    if (kernel !== undefined) {
      if (kernel.owner !== this) this.load(kernel);
      kernel.header[KERNEL_HEADER.maxRowBytes] = cursor.maxRowBytes;
    }
    while (pos < end) {
      if (kernel !== undefined) {
        const length = Math.min(end - pos, this.window);
        kernel.input.set(buf.subarray(pos, pos + length));
        kernel.run(length, pos + length === end);
        const result = kernel.result;
        const consumed = result[0]!;
        const stop = result[5]!;
        if (result[1]! > 0) {
          rows += result[1]!;
          pos += consumed;
          this.collect(kernel, out);
        }
        // The window is copied in whole: after an early stop (a row for a byte writer), copy less
        // next time, so a member with many such rows does not copy its chunk again for each.
        this.window = stop === KERNEL_STOP.writer ? Math.max(4096, Math.min(KERNEL_LIMITS.inputBytes, 2 * consumed)) : KERNEL_LIMITS.inputBytes;
        if (stop === KERNEL_STOP.full && result[1]! > 0) continue;
        if (stop === KERNEL_STOP.refused) break;
        if (stop === KERNEL_STOP.end) {
          // The next row runs past the window: the next call starts at it, with a window as large as
          // can be; a row longer than that is left to the JavaScript below.
          if (consumed > 0 || length < this.window) continue;
        }
      }
      const next = this.check.check(buf, pos, end);
      if (next < 0 || !this.writeRow(buf, pos, next, out)) break;
      pos = next;
      rows++;
    }
    this.target.metrics.rows += rows;
    for (const column of this.absentColumns) this.target.nullCounts[column]! += rows;
    cursor.pos = pos;
    cursor.rows = rows;
  }

  /** Appends the kernel's lines to `out` and adds its figures to the member's. */
  private collect(kernel: FastRowsKernel, out: ByteBuilder): void {
    const result = kernel.result;
    const bytes = result[4]!;
    out.ensure(bytes);
    kernel.output.copy(out.buf, out.length, 0, bytes);
    out.length += bytes;
    const { target, columnOf } = this;
    const nullCounts = kernel.nullCounts;
    for (let f = 0; f < this.fields; f++) {
      const nulls = nullCounts[f]!;
      if (nulls !== 0) target.nullCounts[columnOf[f]!]! += nulls;
    }
    target.metrics.nullKeys += result[2]!;
    const digests = result[3]!;
    if (digests > 0) {
      const keys = target.keys!;
      const pairs = kernel.digests;
      for (let d = 0; d < 2 * digests; d += 2) keys.addHashed(pairs[d]!, pairs[d + 1]!);
    }
  }

  /** Writes the checked row's canonical line and adds its figures; `false` (nothing written) if a writer declines. */
  private writeRow(buf: Buffer, rowStart: number, rowEnd: number, out: ByteBuilder): boolean {
    const { starts, ends, flags } = this.check;
    const sources = this.sources;
    const written = this.written;
    const columns = sources.length;
    // Each field grows by at most its two quotes and a separator; latin1 text at most doubles.
    const room = 2 * (rowEnd - rowStart) + 4 * columns + 4;
    out.ensure(room);
    const lineStart = out.length;
    let dst = out.buf;
    let outView = this.viewOf(dst);
    const inView = this.inView;
    if (this.verbatim && (this.check.rowFlags & F_FIELDWISE) === 0) {
      // The line is the row's bytes with null tokens cut out and its line end made LF: copy the
      // stretches between them (a row without nulls is one stretch).
      let at = lineStart;
      let from = rowStart;
      const fields = this.fields;
      for (let f = 0; f <= fields; f++) {
        let to: number;
        let next: number;
        if (f === fields) {
          to = next = ends[fields - 1]! + (flags[fields - 1]! & F_QUOTED ? 1 : 0);
        } else {
          const flag = flags[f]!;
          if ((flag & F_NULL) === 0) continue;
          const q = flag & F_QUOTED ? 1 : 0;
          to = starts[f]! - q;
          next = ends[f]! + q;
          if (to === next) continue;
        }
        at = copyBytes(buf, inView, from, to, dst, outView, at);
        from = next;
      }
      dst[at++] = LF;
      out.length = at;
      this.count(buf, dst);
      return true;
    }
    let at = lineStart;
    for (let i = 0; i < columns; i++) {
      if (i > 0) dst[at++] = COMMA;
      const f = sources[i]!;
      if (f < 0) continue;
      const flag = flags[f]!;
      if (flag & F_NULL) continue;
      const s = starts[f]!;
      const e = ends[f]!;
      if (flag & (F_WRITE | F_LATIN1)) {
        out.length = at;
        const ok = flag & F_LATIN1 ? latin1TextByteWriter(buf, s, e, out) : this.writers[i]!(buf, s, e, out);
        if (!ok) {
          out.length = lineStart;
          return false;
        }
        written[2 * i] = at;
        written[2 * i + 1] = out.length;
        // A writer may write more than the field's bytes (`t` becomes `true`).
        out.ensure(room);
        dst = out.buf;
        outView = this.viewOf(dst);
        at = out.length;
        continue;
      }
      if (flag & F_QUOTE) dst[at++] = QUOTE;
      at = copyBytes(buf, inView, s, e, dst, outView, at);
      if (flag & F_QUOTE) dst[at++] = QUOTE;
    }
    dst[at++] = LF;
    out.length = at;
    this.count(buf, dst);
    return true;
  }

  /** A view of the output buffer for word-sized writes, made again only when the buffer changes. */
  private viewOf(dst: Buffer): DataView {
    if (dst !== this.outBuf) {
      this.outBuf = dst;
      this.outView = new DataView(dst.buffer, dst.byteOffset, dst.length);
    }
    return this.outView;
  }

  /** Adds the written row's nulls and primary-key digest to the member's figures. */
  private count(buf: Buffer, dst: Buffer): void {
    const { target } = this;
    const { flags, starts, ends } = this.check;
    const nullCounts = target.nullCounts;
    // Absent columns are added up per run (see run()); here the row's null fields.
    if (this.fields <= 31) {
      for (let m = this.check.rowNulls; m !== 0; m &= m - 1) nullCounts[this.columnOf[31 - Math.clz32(m & -m)]!]!++;
    } else {
      for (let f = 0; f < this.fields; f++) if (flags[f]! & F_NULL) nullCounts[this.columnOf[f]!]!++;
    }
    const keyFields = this.keyFields;
    if (target.keys === undefined || keyFields.length === 0) return;
    for (let k = 0; k < keyFields.length; k++) {
      const f = keyFields[k]!;
      if (f < 0 || flags[f]! & F_NULL) {
        target.metrics.nullKeys++;
        return;
      }
    }
    let high = KEY_SEED_HIGH;
    let low = KEY_SEED_LOW;
    for (let k = 0; k < keyFields.length; k++) {
      if (k > 0) {
        high = hashUnit(high, KEY_SEPARATOR);
        low = hashUnit(low, KEY_SEPARATOR);
      }
      // The general path digests the value's text: the field's bytes (ASCII, or latin1 whose
      // bytes are its code units), or what a writer made of it (a canonical date, `true`).
      const f = keyFields[k]!;
      let bytes = buf;
      let i = starts[f]!;
      let end = ends[f]!;
      if (flags[f]! & F_WRITE) {
        const column = this.keyColumns[k]!;
        bytes = dst;
        i = this.written[2 * column]!;
        end = this.written[2 * column + 1]!;
      }
      for (; i < end; i++) {
        const c = bytes[i]!;
        high = Math.imul(high ^ c, FNV_PRIME);
        low = Math.imul(low ^ c, FNV_PRIME);
      }
    }
    target.keys.addHashed(high, low);
  }
}
