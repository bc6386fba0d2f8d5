/**
 * The fastest path of extract: whole rows straight from the input chunk to the part, in one pass
 * that finds, checks and copies each field, for the rows nearly every partner file is made of
 * (one physical line, no escaped quotes, values already in canonical form or null tokens).
 *
 * Why a separate path: the general one (tokenizer, then `RowNormaliser.rowBytes`, then one byte
 * writer per field through a call it cannot inline) walks every byte twice and costs about 300
 * CPU cycles per field; extract was CPU-bound at ~65 MB/s end to end on 2 cores. Here the
 * tokenizer hands a chunk over at the start of a row (`CsvRowSink.fastRows`), and this class
 * checks fields by their column's kind inline, with no per-field call for the common types.
 *
 * Contract: it consumes a row only when it is sure to write exactly the bytes and count exactly the
 * figures the general path would; anything else (a quote inside a field, an escaped quote, a line
 * break in quotes, a lone CR, an empty line, a wrong field count, a value not in canonical form, a
 * type error, the row running past the chunk) stops it at that row's start, and the general path
 * takes the row. So correctness never depends on it, only speed; `fast-rows.test.ts` holds the two
 * paths to each other.
 */
import type { CsvFastCursor } from '../csv/tokenizer.js';
import type { ByteBuilder } from './byte-builder.js';
import { FNV_PRIME, hashUnit, KEY_SEED_HIGH, KEY_SEED_LOW, KEY_SEPARATOR } from './key-hash.js';
import type { KeyDigests } from './key-hash.js';
import type { MemberLayout } from './member-layout.js';
import type { PartMetrics } from './part-metrics.js';
import { FIELD_KIND, isIsoDateAt, isIsoTimeAt, latin1TextByteWriter, utf8SequenceLength } from './value-bytes.js';
import type { ByteValueWriter } from './value-bytes.js';

/** The dialect the fast path needs. */
export interface FastRowsDialect {
  delimiter: string;
  quote: string;
  escape: string;
  encoding: 'utf-8' | 'latin1';
}

/** The counters a member's normaliser keeps, which the fast path adds to. */
export interface FastRowsTarget {
  metrics: PartMetrics;
  nullCounts: number[];
  keys: KeyDigests | undefined;
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;

// Per-field outcome of the checking pass.
const F_NULL = 1;
const F_QUOTE = 2; // write quoted: the text holds a comma, or is empty
const F_LATIN1 = 4; // text with bytes >= 0x80 in a latin1 file: transcoded on output
const F_QUOTED = 8; // the field was quoted in the input
const F_FIELDWISE = 16; // on a row: some field is not written as its input bytes, so the row is written field by field

const isDigit = (c: number) => c >= 48 && c <= 57;

/** `yyyy-MM-ddTHH:mm:ssZ` at `buf[at]` (the caller checked there are 20 bytes). */
function isIsoTimestampAt(buf: Buffer, at: number): boolean {
  return buf[at + 10] === 0x54 /* T */ && buf[at + 19] === 0x5a /* Z */ && isIsoDateAt(buf, at) && isIsoTimeAt(buf, at + 11);
}

/** Whether `buf[start, end)` is `[+-]digits`, or with `dot`, `[+-]digits[.digits]` with a digit. */
function isPlainNumber(buf: Buffer, start: number, end: number, dot: boolean): boolean {
  let i = start < end && (buf[start] === MINUS || buf[start] === PLUS) ? start + 1 : start;
  let digits = 0;
  let seenDot = !dot;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (isDigit(c)) digits++;
    else if (c === DOT && !seenDot) seenDot = true;
    else return false;
  }
  return digits > 0;
}

/** The fast path for one member's layout; see the module comment. */
export class FastRows {
  private readonly fields: number;
  /** Per input field: its kind, or -1 when no output column takes it (a dropped column). */
  private readonly kinds: Int32Array;
  /** Per output column: its input field, or -1 (always null). */
  private readonly sources: Int32Array;
  private readonly writers: ByteValueWriter[];
  /** Per key part: its input field, or -1 (the key is always null). */
  private readonly keyFields: Int32Array;
  /** Per key part: its output column. */
  private readonly keyColumns: Int32Array;
  /** Per input field: 1 when it is part of the primary key. */
  private readonly keyField: Int32Array;
  /** Per output column: where its value starts and ends in the output, for key parts written by a writer. */
  private readonly written: Int32Array;
  private readonly nullTokens: Uint8Array[];
  private readonly longestNull: number;
  /** Whether the empty field is a null token, and per byte value, 1 when a longer token starts with it. */
  private readonly nullEmpty: boolean;
  private readonly nullFirst = new Uint8Array(256);
  private readonly delimiter: number;
  private readonly quote: number;
  private readonly escape: number;
  private readonly utf8: boolean;
  // Bytes above these cannot end an unquoted / a quoted field: one comparison for most bytes.
  private readonly maxSpecial: number;
  private readonly maxQuotedSpecial: number;
  /** Output columns are the input fields in order, and commas separate them: a row can be copied with its nulls cut out. */
  private readonly verbatim: boolean;
  private maxRowBytes = 0;
  /** The checking pass's OR of the current row's field flags. */
  private rowFlags = 0;
  /** The checking pass's null fields of the current row, a bit per field (rows of at most 31 fields). */
  private rowNulls = 0;
  /** Per input field: its output column, or -1. */
  private readonly columnOf: Int32Array;
  /** Output columns no field feeds: null in every row. */
  private readonly absentColumns: number[];
  // The checking pass's results for the current row: each field's bytes (without quotes) and flags.
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly flags: Int32Array;
  // Views for copying four bytes at a time: of the chunk being read, and of the output buffer.
  private inView: DataView = new DataView(new ArrayBuffer(0));
  private outBuf: Buffer | undefined;
  private outView: DataView = new DataView(new ArrayBuffer(0));

  private constructor(layout: MemberLayout, nullTokens: Uint8Array[], dialect: FastRowsDialect, private readonly target: FastRowsTarget) {
    this.fields = layout.expectedFields;
    this.kinds = new Int32Array(this.fields).fill(-1);
    layout.sources.forEach((source, i) => {
      if (source >= 0) this.kinds[source] = layout.kinds[i]!;
    });
    this.keyField = new Int32Array(this.fields);
    for (const column of layout.keyColumns) if (layout.sources[column]! >= 0) this.keyField[layout.sources[column]!] = 1;
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
    this.nullTokens = nullTokens;
    this.longestNull = Math.max(-1, ...nullTokens.map((t) => t.length));
    this.nullEmpty = nullTokens.some((t) => t.length === 0);
    for (const token of nullTokens) if (token.length > 0) this.nullFirst[token[0]!] = 1;
    this.delimiter = dialect.delimiter.charCodeAt(0);
    this.quote = dialect.quote.charCodeAt(0);
    this.escape = dialect.escape.charCodeAt(0);
    this.utf8 = dialect.encoding === 'utf-8';
    this.maxSpecial = Math.max(this.delimiter, this.quote, LF, CR, COMMA);
    this.maxQuotedSpecial = Math.max(this.quote, this.escape, LF, CR, COMMA);
    this.verbatim = this.delimiter === COMMA && this.quote === QUOTE && layout.sources.length === this.fields && layout.sources.every((source, i) => source === i);
    this.starts = new Int32Array(this.fields);
    this.ends = new Int32Array(this.fields);
    this.flags = new Int32Array(this.fields);
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
    this.maxRowBytes = cursor.maxRowBytes;
    if (this.inView.buffer !== buf.buffer || this.inView.byteOffset !== buf.byteOffset || this.inView.byteLength !== buf.length) {
      this.inView = new DataView(buf.buffer, buf.byteOffset, buf.length);
    }
    let pos = cursor.pos;
    let rows = 0;
    while (pos < end) {
      const next = this.checkRow(buf, pos, end);
      if (next < 0 || !this.writeRow(buf, pos, next, out)) break;
      pos = next;
      rows++;
    }
    this.target.metrics.rows += rows;
    for (const column of this.absentColumns) this.target.nullCounts[column]! += rows;
    cursor.pos = pos;
    cursor.rows = rows;
  }

  /**
   * The checking pass over the row starting at `start`: records each field's bytes and flags, and
   * returns where the next row starts, or -1 when the row is not one for the fast path.
   */
  private checkRow(buf: Buffer, start: number, end: number): number {
    const D = this.delimiter;
    const Q = this.quote;
    const E = this.escape;
    const maxSpecial = this.maxSpecial;
    const maxQuotedSpecial = this.maxQuotedSpecial;
    let rowFlags = 0;
    let rowNulls = 0;
    const fields = this.fields;
    const kinds = this.kinds;
    const starts = this.starts;
    const ends = this.ends;
    const flags = this.flags;
    const utf8 = this.utf8;
    const nullFirst = this.nullFirst;
    let pos = start;
    if (pos >= end) return -1;
    let c = buf[pos]!;
    if (c === LF || c === CR) return -1; // an empty line: the tokenizer's rules apply
    const last = fields - 1;
    for (let f = 0; f < fields; f++) {
      const kind = kinds[f]!;
      let s = pos;
      let e = -1;
      let bits = 0;
      let comma = false;
      let valid = false; // checked as its kind already, while being found
      let quoted = 0;
      // Values of a fixed shape are checked where they stand, without a scan for their end; a
      // value that is not (a null token, a quoted one, a bad one) is found by the scan below.
      if (kind === FIELD_KIND.isoTimestamp || kind === FIELD_KIND.isoDate) {
        const t = pos + (kind === FIELD_KIND.isoDate ? 10 : 20);
        if (t < end) {
          c = buf[t]!;
          if ((f < last ? c === D : c === LF || c === CR) && (kind === FIELD_KIND.isoDate ? isIsoDateAt(buf, pos) : isIsoTimestampAt(buf, pos))) {
            e = pos = t;
            valid = true;
          }
        }
      } else if (kind === FIELD_KIND.integer) {
        let i = pos < end && (buf[pos] === MINUS || buf[pos] === PLUS) ? pos + 1 : pos;
        const digits = i;
        while (i < end && isDigit((c = buf[i]!))) i++;
        if (i > digits && i < end && (f < last ? c === D : c === LF || c === CR)) {
          e = pos = i;
          valid = true;
        }
      }
      if (e < 0 && pos < end && buf[pos] === Q) {
        quoted = F_QUOTED;
        s = ++pos;
        for (;;) {
          if (pos >= end) return -1;
          c = buf[pos]!;
          if (c > maxQuotedSpecial) {
            bits |= c;
            pos++;
            continue;
          }
          if (c === Q || c === E || c === LF || c === CR) break;
          if (c === COMMA) comma = true;
          bits |= c;
          pos++;
        }
        // Only a closing quote followed by a delimiter or line end is taken (so not a doubled quote).
        if (c !== Q || pos + 1 >= end) return -1;
        e = pos++;
        c = buf[pos]!;
      } else if (e < 0) {
        c = 0;
        while (pos < end) {
          c = buf[pos]!;
          if (c > maxSpecial) {
            bits |= c;
            pos++;
            continue;
          }
          if (c === D || c === LF || c === CR || c === Q) break;
          if (c === COMMA) comma = true;
          bits |= c;
          pos++;
        }
        if (pos >= end || c === Q) return -1;
        e = pos;
      }
      // `c` is the byte after the field: a delimiter before the last field, a line end after it.
      if (f < last) {
        if (c !== D) return -1;
        pos++;
      } else {
        // The tokenizer's limit is on the row without its line end.
        if (pos - start > this.maxRowBytes) return -1;
        if (c === LF) pos++;
        else if (c === CR && pos + 1 < end && buf[pos + 1] === LF) pos += 2;
        else return -1;
      }
      starts[f] = s;
      ends[f] = e;
      if (kind < 0) {
        flags[f] = quoted; // dropped: never written
        continue;
      }
      // Most values cannot be a null token by their first byte: one table lookup rules them out.
      if (s === e ? this.nullEmpty : e - s <= this.longestNull && nullFirst[buf[s]!] === 1 && this.isNull(buf, s, e)) {
        flags[f] = F_NULL | quoted;
        rowNulls |= 1 << f;
        continue;
      }
      let flag = 0;
      if (bits & 0x80) {
        // Only text may hold such bytes; UTF-8 must be well formed to be copied as is, and a key
        // part is digested from its UTF-16 text by the general path.
        if (kind !== FIELD_KIND.text || (utf8 && this.keyField[f] === 1)) return -1;
        if (utf8) {
          for (let i = s; i < e; ) {
            if (buf[i]! < 0x80) i++;
            else {
              const n = utf8SequenceLength(buf, i, e);
              if (n === 0) return -1;
              i += n;
            }
          }
        } else {
          flag = F_LATIN1;
        }
      }
      if (valid) {
        flags[f] = 0;
        continue;
      }
      // A quoted value is written without its quotes unless it is text that needs them.
      if (quoted !== 0 && (kind !== FIELD_KIND.text || !comma)) rowFlags |= F_FIELDWISE;
      switch (kind) {
        case FIELD_KIND.text:
          if (comma || s === e) flag |= F_QUOTE;
          break;
        case FIELD_KIND.integer:
          if (!isPlainNumber(buf, s, e, false)) return -1;
          break;
        case FIELD_KIND.decimal:
          if (!isPlainNumber(buf, s, e, true)) return -1;
          break;
        case FIELD_KIND.isoDate:
          if (e - s !== 10 || !isIsoDateAt(buf, s)) return -1;
          break;
        case FIELD_KIND.isoTimestamp:
          if (e - s !== 20 || !isIsoTimestampAt(buf, s)) return -1;
          break;
      }
      if (flag & (F_LATIN1 | F_QUOTE) && !(flag & F_QUOTE && quoted !== 0)) rowFlags |= F_FIELDWISE;
      if (kind === FIELD_KIND.writer) rowFlags |= F_FIELDWISE;
      flags[f] = flag | quoted;
    }
    this.rowFlags = rowFlags;
    this.rowNulls = rowNulls;
    return pos;
  }

  /** Writes the checked row's canonical line and adds its figures; `false` (nothing written) if a writer declines. */
  private writeRow(buf: Buffer, rowStart: number, rowEnd: number, out: ByteBuilder): boolean {
    const sources = this.sources;
    const starts = this.starts;
    const ends = this.ends;
    const flags = this.flags;
    const kinds = this.kinds;
    const written = this.written;
    const columns = sources.length;
    // Each field grows by at most its two quotes and a separator; latin1 text at most doubles.
    const room = 2 * (rowEnd - rowStart) + 4 * columns + 4;
    out.ensure(room);
    const lineStart = out.length;
    let dst = out.buf;
    let outView = this.viewOf(dst);
    const inView = this.inView;
    const inLength = buf.length;
    if (this.verbatim && (this.rowFlags & F_FIELDWISE) === 0) {
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
        const n = to - from;
        if (to + 3 < inLength) {
          for (let k = 0; k < n; k += 4) outView.setUint32(at + k, inView.getUint32(from + k, true), true);
          at += n;
        } else {
          for (let k = from; k < to; k++) dst[at++] = buf[k]!;
        }
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
      if (kinds[f] === FIELD_KIND.writer || flag & F_LATIN1) {
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
      // Four bytes at a time (a JS byte loop costs ~4 ns a byte here, a native copy ~100 ns a
      // call); the last word may run past the field, into room the next writes overwrite.
      const n = e - s;
      if (e + 3 < inLength) {
        for (let k = 0; k < n; k += 4) outView.setUint32(at + k, inView.getUint32(s + k, true), true);
        at += n;
      } else {
        for (let k = s; k < e; k++) dst[at++] = buf[k]!;
      }
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
    const { flags, target } = this;
    const nullCounts = target.nullCounts;
    // Absent columns are added up per run (see run()); here the row's null fields.
    if (this.fields <= 31) {
      for (let m = this.rowNulls; m !== 0; m &= m - 1) nullCounts[this.columnOf[31 - Math.clz32(m & -m)]!]!++;
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
      let i = this.starts[f]!;
      let end = this.ends[f]!;
      if (this.kinds[f] === FIELD_KIND.writer) {
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

  /** Whether `buf[start, end)` is one of the null tokens. */
  private isNull(buf: Buffer, start: number, end: number): boolean {
    const tokens = this.nullTokens;
    const n = end - start;
    outer: for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t]!;
      if (token.length !== n) continue;
      for (let k = 0; k < n; k++) if (token[k] !== buf[start + k]) continue outer;
      return true;
    }
    return false;
  }
}
