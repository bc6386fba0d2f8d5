/**
 * The checking pass of the extract fast path (`fast-rows.ts`): finds one row's fields in the input
 * chunk and checks each by its column's kind, in a single walk over the bytes, recording where
 * each field is and how it must be written. It writes nothing, so a row it refuses halfway costs
 * nothing to undo.
 */
import type { MemberLayout } from './member-layout.js';
import { FIELD_KIND } from './field-kind.js';
import { isIsoDateAt, isIsoTimeAt, isNullToken, utf8SequenceLength } from './value-bytes.js';

export const COMMA = 0x2c;
export const QUOTE = 0x22;
export const LF = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;

/** Whether `buf[start, end)` is `true` or `false`: a boolean already in canonical form. */
function isCanonicalBoolean(buf: Buffer, start: number, end: number): boolean {
  const n = end - start;
  if (n === 4) return buf[start] === 0x74 && buf[start + 1] === 0x72 && buf[start + 2] === 0x75 && buf[start + 3] === 0x65;
  return n === 5 && buf[start] === 0x66 && buf[start + 1] === 0x61 && buf[start + 2] === 0x6c && buf[start + 3] === 0x73 && buf[start + 4] === 0x65;
}

// Per-field outcome of the checking pass.
export const F_NULL = 1;
export const F_QUOTE = 2; // write quoted: the text holds a comma, or is empty
export const F_LATIN1 = 4; // text with bytes >= 0x80 in a latin1 file: transcoded on output
export const F_QUOTED = 8; // the field was quoted in the input
export const F_FIELDWISE = 16; // on a row: some field is not written as its input bytes, so the row is written field by field
export const F_WRITE = 32; // written by its column's byte writer (it may decline, and then the row goes to the general path)

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

/** The dialect the fast path needs. */
export interface FastRowsDialect {
  delimiter: string;
  quote: string;
  escape: string;
  encoding: 'utf-8' | 'latin1';
}

/** Checks rows of one member's layout; the results of the last {@link check} are in its arrays. */
export class RowCheck {
  readonly fields: number;
  /** Per input field: its kind, or -1 when no output column takes it (a dropped column). */
  readonly kinds: Int32Array;
  /** Per input field: 1 when it is part of the primary key. */
  readonly keyField: Int32Array;
  readonly nullTokens: Uint8Array[];
  readonly longestNull: number;
  /** Whether the empty field is a null token, and per byte value, 1 when a longer token starts with it. */
  readonly nullEmpty: boolean;
  readonly nullFirst = new Uint8Array(256);
  readonly delimiter: number;
  readonly quote: number;
  readonly escape: number;
  readonly utf8: boolean;
  // Bytes above these cannot end an unquoted / a quoted field: one comparison for most bytes.
  private readonly maxSpecial: number;
  private readonly maxQuotedSpecial: number;
  /** A row longer than this, without its line end, is left to the tokenizer. */
  maxRowBytes = 0;
  // The last checked row: each field's bytes (without quotes) and flags, the OR of the flags, and
  // its null fields as a bit per field (rows of at most 31 fields).
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly flags: Int32Array;
  rowFlags = 0;
  rowNulls = 0;

  constructor(layout: MemberLayout, nullTokens: Uint8Array[], dialect: FastRowsDialect) {
    this.fields = layout.expectedFields;
    this.kinds = new Int32Array(this.fields).fill(-1);
    layout.sources.forEach((source, i) => {
      if (source >= 0) this.kinds[source] = layout.kinds[i]!;
    });
    this.keyField = new Int32Array(this.fields);
    for (const column of layout.keyColumns) if (layout.sources[column]! >= 0) this.keyField[layout.sources[column]!] = 1;
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
    this.starts = new Int32Array(this.fields);
    this.ends = new Int32Array(this.fields);
    this.flags = new Int32Array(this.fields);
  }

  /**
   * The checking pass over the row starting at `start`: records each field's bytes and flags, and
   * returns where the next row starts, or -1 when the row is not one for the fast path.
   */
  check(buf: Buffer, start: number, end: number): number {
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
      if (s === e ? this.nullEmpty : e - s <= this.longestNull && nullFirst[buf[s]!] === 1 && isNullToken(this.nullTokens, buf, s, e)) {
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
        case FIELD_KIND.boolean:
          // Most booleans already read `true` or `false`: copied, the row can stay whole.
          if (!isCanonicalBoolean(buf, s, e)) flag |= F_WRITE;
          break;
        case FIELD_KIND.writer:
          flag |= F_WRITE;
          break;
      }
      if (flag & (F_LATIN1 | F_QUOTE) && !(flag & F_QUOTE && quoted !== 0)) rowFlags |= F_FIELDWISE;
      if (flag & F_WRITE) rowFlags |= F_FIELDWISE;
      flags[f] = flag | quoted;
    }
    this.rowFlags = rowFlags;
    this.rowNulls = rowNulls;
    return pos;
  }
}
