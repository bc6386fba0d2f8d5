/**
 * Byte-level twins of the value normalisers in `values.ts`, for the extract hot path
 * (`RowNormaliser.rowBytes`): each checks a field's bytes in the input chunk and writes the
 * canonical value straight into the part's output, with no string made for the field.
 *
 * Contract: a writer is only given plain fields (ASCII bytes, no escapes to undo, not a null
 * token; the text writer also gets valid UTF-8). It either writes exactly the bytes the string path would write for the field (the
 * normalised value; only the text writer ever quotes it, and then the output starts with `"`)
 * and returns `true`, or writes nothing and returns
 * `false`, and the caller takes the string path for that field. So a writer may decline anything
 * uncommon (type errors, exponents, ISO timestamps with offsets, years before 1000): correctness
 * never depends on it, only speed. `value-bytes.test.ts` checks the two paths agree.
 *
 * Why: with a string per field, the normaliser's checks, string concatenation and re-encoding
 * cost 2-3x the tokenizer itself. Measured (node 20, one core of a noisy 2-vCPU VM): tokenising and
 * normalising 9.8 MB of acme-travel members in memory went from ~41 MB/s (strings) to ~100 MB/s
 * (bytes), 8.8 MB of fjord-rail (latin1) from ~24 to ~60 MB/s; the extract stage of a 100 MB
 * acme-travel drop with --concurrency 1 from ~5.0 s to ~2.5 s (medians of 3, interleaved).
 */
import { parseDateFormat } from '../spec/date-format.js';
import type { DateFormatPart } from '../spec/date-format.js';
import type { ColumnSpec, CsvDialectSpec } from '../spec/schema.js';
import type { ByteBuilder } from './byte-builder.js';

/** Writes the canonical form of `buf[start, end)` to `out` and returns `true`, or declines with `false`. */
export type ByteValueWriter = (buf: Buffer, start: number, end: number, out: ByteBuilder) => boolean;

const QUOTE = 0x22;
const COMMA = 0x2c;
const DOT = 0x2e;
const LF = 0x0a;
const CR = 0x0d;
const PLUS = 0x2b;
const MINUS = 0x2d;
const ZERO = 0x30;

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * A text value as `csv-out.ts` writes it: as is, or quoted with its quotes doubled when it is
 * empty or holds a quote, comma or line break. Also right for valid UTF-8 bytes, whose text
 * re-encodes to the same bytes (and whose multi-byte sequences never hold those ASCII bytes).
 */
const stringWriter: ByteValueWriter = (buf, start, end, out) => {
  const n = end - start;
  out.ensure(2 * n + 2);
  const dst = out.buf;
  let at = out.length;
  let i = start;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === QUOTE || c === COMMA || c === LF || c === CR) break;
    dst[at++] = c;
  }
  if (i === end && n > 0) {
    out.length = at;
    return true;
  }
  at = out.length;
  dst[at++] = QUOTE;
  for (i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === QUOTE) dst[at++] = QUOTE;
    dst[at++] = c;
  }
  dst[at++] = QUOTE;
  out.length = at;
  return true;
};

function copy(buf: Buffer, start: number, end: number, out: ByteBuilder): void {
  const n = end - start;
  out.ensure(n);
  const dst = out.buf;
  let at = out.length;
  for (let i = start; i < end; i++) dst[at++] = buf[i]!;
  out.length = at;
}

const integerWriter: ByteValueWriter = (buf, start, end, out) => {
  let i = start < end && (buf[start] === MINUS || buf[start] === PLUS) ? start + 1 : start;
  if (i === end) return false;
  for (; i < end; i++) if (!isDigit(buf[i]!)) return false;
  copy(buf, start, end, out);
  return true;
};

/** `[+-]digits[sep digits]` with at least one digit; the separator written as `.`. */
function plainDecimalWriter(separator: number): ByteValueWriter {
  return (buf, start, end, out) => {
    let i = start < end && (buf[start] === MINUS || buf[start] === PLUS) ? start + 1 : start;
    let digits = 0;
    let sepAt = -1;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (isDigit(c)) digits++;
      else if (c === separator && sepAt < 0) sepAt = i;
      else return false;
    }
    if (digits === 0) return false;
    copy(buf, start, end, out);
    if (sepAt >= 0 && separator !== DOT) out.buf[out.length - (end - sepAt)] = DOT;
    return true;
  };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}


/**
 * `yyyy-MM-dd` at `buf[at]`, as a valid calendar day (the caller checked there are 10 bytes).
 * Written without a branch per digit (`d | (9 - d)` is negative when `d` is not a digit): it runs
 * for every date and timestamp of the extract fast path, where branches are what costs.
 */
export function isIsoDateAt(buf: Buffer, at: number): boolean {
  const y0 = buf[at]! - ZERO;
  const y1 = buf[at + 1]! - ZERO;
  const y2 = buf[at + 2]! - ZERO;
  const y3 = buf[at + 3]! - ZERO;
  const m0 = buf[at + 5]! - ZERO;
  const m1 = buf[at + 6]! - ZERO;
  const d0 = buf[at + 8]! - ZERO;
  const d1 = buf[at + 9]! - ZERO;
  const digits = y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1 | (9 - y0) | (9 - y1) | (9 - y2) | (9 - y3) | (9 - m0) | (9 - m1) | (9 - d0) | (9 - d1);
  if (digits < 0 || buf[at + 4] !== MINUS || buf[at + 7] !== MINUS) return false;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  // Every month has a 28th: only later days need the calendar.
  if (month >= 1 && month <= 12 && day >= 1 && day <= 28) return true;
  return validDay(y0 * 1000 + y1 * 100 + y2 * 10 + y3, month, day);
}

const isoDateWriter: ByteValueWriter = (buf, start, end, out) => {
  if (end - start !== 10 || !isIsoDateAt(buf, start)) return false;
  copy(buf, start, end, out);
  return true;
};

/** `HH:mm:ss` at `buf[at]`, a valid time of day (a leap second allowed; the caller checked there are 8 bytes); branch-light like {@link isIsoDateAt}. */
export function isIsoTimeAt(buf: Buffer, at: number): boolean {
  const h0 = buf[at]! - ZERO;
  const h1 = buf[at + 1]! - ZERO;
  const m0 = buf[at + 3]! - ZERO;
  const m1 = buf[at + 4]! - ZERO;
  const s0 = buf[at + 6]! - ZERO;
  const s1 = buf[at + 7]! - ZERO;
  const digits = h0 | h1 | m0 | m1 | s0 | s1 | (9 - h0) | (9 - h1) | (9 - m0) | (9 - m1) | (9 - s0) | (9 - s1);
  if (digits < 0 || buf[at + 2] !== 0x3a || buf[at + 5] !== 0x3a) return false;
  return h0 * 10 + h1 <= 23 && m0 * 10 + m1 <= 59 && s0 * 10 + s1 <= 60;
}

/** `yyyy-MM-ddTHH:mm:ssZ`, the shape nearly every partner sends; other ISO shapes decline. */
const isoTimestampWriter: ByteValueWriter = (buf, start, end, out) => {
  if (end - start !== 20 || buf[start + 10] !== 0x54 /* T */ || buf[start + 19] !== 0x5a /* Z */) return false;
  if (!isIsoDateAt(buf, start) || !isIsoTimeAt(buf, start + 11)) return false;
  copy(buf, start, end, out);
  return true;
};

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];

/** The booleans of `values.ts`, ASCII case-insensitively: t/y/1/yes/true and f/n/0/no/false. */
const booleanWriter: ByteValueWriter = (buf, start, end, out) => {
  const n = end - start;
  if (n === 0 || n > 5) return false;
  let word = '';
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    word += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c);
  }
  let value: number[];
  switch (word) {
    case 'true': case 't': case 'yes': case 'y': case '1':
      value = TRUE;
      break;
    case 'false': case 'f': case 'no': case 'n': case '0':
      value = FALSE;
      break;
    default:
      return false;
  }
  out.ensure(value.length);
  for (const c of value) out.buf[out.length++] = c;
  return true;
};

const TOKEN_CODE = { yyyy: 0, MM: 1, dd: 2, HH: 3, mm: 4, ss: 5, SSS: 6 } as const;

/**
 * A date or timestamp in an explicit format (`dd.MM.yyyy HH:mm`): every token has a fixed width,
 * so the field has one length and each token sits at a fixed offset. Writes the canonical
 * `yyyy-MM-dd` or `yyyy-MM-ddTHH:mm:ss[.SSS]` exactly as `values.ts` formats it.
 */
function formattedWriter(parts: readonly DateFormatPart[], timestamp: boolean): ByteValueWriter | undefined {
  // Literal bytes to match, as [offset, code] pairs, and [offset, width, token] for the numbers.
  const literals: number[] = [];
  const tokens: number[] = [];
  let width = 0;
  for (const part of parts) {
    if ('literal' in part) {
      for (let k = 0; k < part.literal.length; k++) {
        const code = part.literal.charCodeAt(k);
        if (code > 0x7f) return undefined; // a non-ASCII literal never matches an ASCII field
        literals.push(width++, code);
      }
    } else {
      const w = part.token === 'yyyy' ? 4 : part.token === 'SSS' ? 3 : 2;
      tokens.push(width, w, TOKEN_CODE[part.token]);
      width += w;
    }
  }
  const has = new Set(tokens.filter((_, i) => i % 3 === 2));
  if (!has.has(TOKEN_CODE.yyyy) || !has.has(TOKEN_CODE.MM) || !has.has(TOKEN_CODE.dd)) return undefined;
  const hasMillis = has.has(TOKEN_CODE.SSS);
  const values = [0, 0, 0, 0, 0, 0, 0];
  return (buf, start, end, out) => {
    if (end - start !== width) return false;
    for (let k = 0; k < literals.length; k += 2) if (buf[start + literals[k]!] !== literals[k + 1]) return false;
    values[3] = values[4] = values[5] = 0;
    for (let k = 0; k < tokens.length; k += 3) {
      let v = 0;
      for (let i = start + tokens[k]!, stop = i + tokens[k + 1]!; i < stop; i++) {
        const c = buf[i]!;
        if (!isDigit(c)) return false;
        v = v * 10 + c - ZERO;
      }
      values[tokens[k + 2]!] = v; // a repeated token: the last one wins, as in values.ts
    }
    const [year, month, day, hour, minute, second, millis] = values as [number, number, number, number, number, number, number];
    // values.ts prints the year unpadded: decline years the byte path would have to shorten.
    if (year < 1000 || !validDay(year, month, day)) return false;
    if (timestamp && (hour > 23 || minute > 59 || second > 60)) return false;
    out.ensure(timestamp ? 24 : 10);
    const dst = out.buf;
    let at = out.length;
    dst[at++] = ZERO + Math.floor(year / 1000);
    dst[at++] = ZERO + (Math.floor(year / 100) % 10);
    dst[at++] = ZERO + (Math.floor(year / 10) % 10);
    dst[at++] = ZERO + (year % 10);
    dst[at++] = MINUS;
    dst[at++] = ZERO + Math.floor(month / 10);
    dst[at++] = ZERO + (month % 10);
    dst[at++] = MINUS;
    dst[at++] = ZERO + Math.floor(day / 10);
    dst[at++] = ZERO + (day % 10);
    if (timestamp) {
      dst[at++] = 0x54; // T
      dst[at++] = ZERO + Math.floor(hour / 10);
      dst[at++] = ZERO + (hour % 10);
      dst[at++] = 0x3a;
      dst[at++] = ZERO + Math.floor(minute / 10);
      dst[at++] = ZERO + (minute % 10);
      dst[at++] = 0x3a;
      dst[at++] = ZERO + Math.floor(second / 10);
      dst[at++] = ZERO + (second % 10);
      if (hasMillis) {
        dst[at++] = DOT;
        dst[at++] = ZERO + Math.floor(millis / 100);
        dst[at++] = ZERO + (Math.floor(millis / 10) % 10);
        dst[at++] = ZERO + (millis % 10);
      }
    }
    out.length = at;
    return true;
  };
}

const decline: ByteValueWriter = () => false;

// Writers are made once per separator and per format, not once per member: the hot paths call a
// member's writers through one call site, and V8 compiles them in; a closure made per member
// would die with the member and take that compiled code with it ("weak objects").
const dotDecimalWriter = plainDecimalWriter(DOT);
const commaDecimalWriter = plainDecimalWriter(COMMA);
const formattedWriters = new Map<string, ByteValueWriter>();

/** The byte writer for one column under a dialect (kept new columns are `string`). */
export function byteValueWriter(column: Pick<ColumnSpec, 'type' | 'format'>, csv: Pick<CsvDialectSpec, 'decimalSeparator'>): ByteValueWriter {
  switch (column.type) {
    case 'string':
      return stringWriter;
    case 'integer':
      return integerWriter;
    case 'decimal':
      return csv.decimalSeparator === ',' ? commaDecimalWriter : dotDecimalWriter;
    case 'boolean':
      return booleanWriter;
    case 'date':
    case 'timestamp': {
      const timestamp = column.type === 'timestamp';
      if (column.format === undefined) return timestamp ? isoTimestampWriter : isoDateWriter;
      if (!timestamp && column.format === 'yyyy-MM-dd') return isoDateWriter;
      const cacheKey = `${column.type} ${column.format}`;
      let writer = formattedWriters.get(cacheKey);
      if (writer === undefined) {
        const parsed = parseDateFormat(column.format);
        writer = (parsed.ok && formattedWriter(parsed.parts, timestamp)) || decline;
        formattedWriters.set(cacheKey, writer);
      }
      return writer;
    }
  }
}

/** Whether `buf[start, end)` holds exactly one of `tokens` (null tokens as bytes in the member's encoding). */
export function isNullToken(tokens: readonly Uint8Array[], buf: Buffer, start: number, end: number): boolean {
  const n = end - start;
  outer: for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    if (token.length !== n) continue;
    for (let k = 0; k < n; k++) if (token[k] !== buf[start + k]) continue outer;
    return true;
  }
  return false;
}

/** The writer for text columns, also used for kept new columns. */
export const textByteWriter: ByteValueWriter = stringWriter;

/**
 * The length of the well-formed UTF-8 sequence starting with the byte >= 0x80 at `buf[i]`, or 0
 * if it is not one (Unicode's table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF;
 * exactly the bytes Node decodes without a replacement character).
 */
export function utf8SequenceLength(buf: Buffer, i: number, end: number): number {
  const c = buf[i]!;
  if (c >= 0xc2 && c <= 0xdf) return i + 1 < end && (buf[i + 1]! & 0xc0) === 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= end) return 0;
    const c1 = buf[i + 1]!;
    const low = c === 0xe0 ? 0xa0 : 0x80;
    const high = c === 0xed ? 0x9f : 0xbf;
    return c1 >= low && c1 <= high && (buf[i + 2]! & 0xc0) === 0x80 ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= end) return 0;
    const c1 = buf[i + 1]!;
    const low = c === 0xf0 ? 0x90 : 0x80;
    const high = c === 0xf4 ? 0x8f : 0xbf;
    return c1 >= low && c1 <= high && (buf[i + 2]! & 0xc0) === 0x80 && (buf[i + 3]! & 0xc0) === 0x80 ? 4 : 0;
  }
  return 0;
}

/**
 * {@link textByteWriter} for bytes with non-ASCII ones: copies them when they are well-formed
 * UTF-8 (whose text re-encodes to the same bytes), declines otherwise (the string path then
 * writes U+FFFD where Node's decoder puts it).
 */
export const utf8TextByteWriter: ByteValueWriter = (buf, start, end, out) => {
  for (let i = start; i < end; ) {
    if (buf[i]! < 0x80) {
      i++;
      continue;
    }
    const n = utf8SequenceLength(buf, i, end);
    if (n === 0) return false;
    i += n;
  }
  return stringWriter(buf, start, end, out);
};

/**
 * {@link textByteWriter} for latin1 bytes, any of them: each byte is the code point of the same
 * value, written as UTF-8 (two bytes from 0x80 up), quoted as `csv-out.ts` would.
 */
export const latin1TextByteWriter: ByteValueWriter = (buf, start, end, out) => {
  let quoted = start === end;
  for (let i = start; i < end && !quoted; i++) {
    const c = buf[i]!;
    quoted = c === QUOTE || c === COMMA || c === LF || c === CR;
  }
  out.ensure(2 * (end - start) + 2);
  const dst = out.buf;
  let at = out.length;
  if (quoted) dst[at++] = QUOTE;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x80) {
      if (c === QUOTE) dst[at++] = QUOTE; // only ever met when quoted
      dst[at++] = c;
    } else {
      dst[at++] = 0xc0 | (c >> 6);
      dst[at++] = 0x80 | (c & 0x3f);
    }
  }
  if (quoted) dst[at++] = QUOTE;
  out.length = at;
  return true;
};

