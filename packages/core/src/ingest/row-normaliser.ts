/**
 * Normalises one member's rows into its part: applies the layout, turns null tokens into nulls,
 * checks and canonicalises each value by type, counts what DQA needs, and digests primary keys.
 * Rows whose field count does not match the header are never shifted into other columns: they
 * are handed back as malformed, with the reason.
 *
 * Two entry points that give the same bytes and figures: `row()` on a row of strings, and the hot
 * path `rowBytes()` on the tokenizer's byte ranges, which makes no string for plain fields (see
 * `value-bytes.ts`); `row-bytes.test.ts` holds them to each other.
 */
import { CSV_FIELD_ESCAPED, CSV_FIELD_NON_ASCII } from '../csv/row-sink.js';
import type { CsvFastCursor } from '../csv/row-sink.js';
import type { ByteBuilder } from './byte-builder.js';
import { csvField } from './csv-out.js';
import { FNV_PRIME, hashText, hashUnit, KEY_SEED_HIGH, KEY_SEED_LOW, KEY_SEPARATOR } from './key-hash.js';
import type { KeyDigests } from './key-hash.js';
import type { MemberLayout } from './member-layout.js';
import type { PartMetrics } from './part-metrics.js';
import { emptyMetrics, TYPE_ERROR_SAMPLES } from './part-metrics.js';
import { FastRows } from './fast-rows.js';
import { isNullToken, latin1TextByteWriter, textByteWriter, utf8TextByteWriter } from './value-bytes.js';

const NEEDS_QUOTES = /[",\r\n]/;
const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const NULL_KEY = -2;

/** How the member's bytes decode, for {@link RowNormaliser.rowBytes}. */
export interface RowBytesDialect {
  encoding: 'utf-8' | 'latin1';
  /** Undoes the dialect's escapes in a quoted field's text (from `compileDialect`). */
  unescape: (field: string) => string;
  /** The dialect's characters, needed only for {@link RowNormaliser.fastRows}. */
  delimiter?: string;
  quote?: string;
  escape?: string;
}

/** Turns rows of partner fields into canonical CSV lines. */
export class RowNormaliser {
  readonly metrics: PartMetrics;
  /** Per output column, its nulls so far (also counted into by the fast path). */
  readonly nullCounts: number[];
  private readonly errorCounts: number[];
  private readonly samplesTaken: number[];
  /** For each output column, its position in the primary key, or -1. */
  private readonly keySlots: number[];
  private readonly keyValues: (string | null)[];
  private readonly longestNull: number;
  // For rowBytes(): the null tokens as bytes in the member's encoding, and each key part of the
  // current row as a range of the output (its canonical bytes), or as text when it took the string path.
  private readonly byteNulls: Uint8Array[];
  private readonly longestByteNull: number;
  /** Per output column: a text column whose non-ASCII bytes are written as bytes (not part of the key). */
  private readonly copiesText: boolean[];
  private readonly latin1: boolean;
  private readonly keyStarts: number[];
  private readonly keyEnds: number[];
  private readonly keyTexts: string[];
  /** The fast path (`undefined`: none for this member). */
  private readonly fast: FastRows | undefined;

  constructor(
    private readonly layout: MemberLayout,
    private readonly nullValues: ReadonlySet<string>,
    readonly keys: KeyDigests | undefined,
    /** `archive:member`, the prefix of every location this member reports. */
    private readonly where: string,
    /** Needed only for {@link rowBytes}. */
    private readonly dialect?: RowBytesDialect,
  ) {
    this.metrics = emptyMetrics(layout.columns);
    this.nullCounts = layout.columns.map(() => 0);
    this.errorCounts = layout.columns.map(() => 0);
    this.samplesTaken = layout.columns.map(() => 0);
    this.keySlots = layout.columns.map((_, i) => layout.keyColumns.indexOf(i));
    this.keyValues = layout.keyColumns.map(() => null);
    this.longestNull = Math.max(0, ...[...nullValues].map((v) => v.length));
    // In the member's encoding: an ASCII field can only match the ASCII tokens, and bytes that
    // decode (latin1, valid UTF-8) to a token are the token's bytes (tokens the encoding cannot
    // represent exactly are left out: no such bytes exist).
    const encoding = dialect?.encoding === 'latin1' ? 'latin1' : 'utf8';
    this.byteNulls = [...nullValues].filter((v) => Buffer.from(v, encoding).toString(encoding) === v).map((v) => Buffer.from(v, encoding));
    this.longestByteNull = Math.max(-1, ...this.byteNulls.map((v) => v.length));
    this.copiesText = layout.columns.map((_, i) => dialect !== undefined && layout.writers[i] === textByteWriter && this.keySlots[i]! < 0);
    this.latin1 = encoding === 'latin1';
    this.keyStarts = layout.keyColumns.map(() => NULL_KEY);
    this.keyEnds = layout.keyColumns.map(() => 0);
    this.keyTexts = layout.keyColumns.map(() => '');
    // Planned up front: a field that changes type later makes V8 discard the compiled hot loops.
    this.fast =
      dialect?.delimiter !== undefined && dialect.quote !== undefined
        ? FastRows.plan(layout, this.byteNulls, { delimiter: dialect.delimiter, quote: dialect.quote, escape: dialect.escape ?? dialect.quote, encoding: dialect.encoding }, this)
        : undefined;
  }

  /** The part's header line. */
  headerLine(): string {
    return `${this.layout.columns.join(',')}\n`;
  }

  /**
   * One row: its canonical CSV line, or a reason string prefixed with `!` when the row is
   * malformed (the caller quarantines it).
   */
  row(fields: readonly string[], line: number): string {
    const { layout } = this;
    if (layout.expectedFields >= 0 ? fields.length !== layout.expectedFields : fields.length < layout.minFields) {
      this.metrics.malformedRows++;
      const expected = layout.expectedFields >= 0 ? `${layout.expectedFields}` : `at least ${layout.minFields}`;
      return `!expected ${expected} fields, found ${fields.length}`;
    }
    // The hot loop of the whole runtime: one pass per field, no per-row allocations but the line.
    const { sources, normalisers } = layout;
    const keySlots = this.keySlots;
    const keyValues = this.keyValues;
    const nulls = this.nullValues;
    const nullCounts = this.nullCounts;
    let out = '';
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i]!;
      let value: string | null = null;
      if (source >= 0) {
        const text = fields[source]!;
        if (!(text.length <= this.longestNull && nulls.has(text))) {
          const normalised = normalisers[i]!(text);
          if (normalised === undefined) {
            this.typeError(i, text, line);
            value = text;
          } else {
            value = normalised;
          }
        }
      }
      if (value === null) {
        nullCounts[i]!++;
        if (i > 0) out += ',';
      } else {
        if (i > 0) out += ',';
        out += value === '' || NEEDS_QUOTES.test(value) ? csvField(value) : value;
      }
      const slot = keySlots[i]!;
      if (slot >= 0) keyValues[slot] = value;
    }
    if (this.keys && keyValues.length > 0) {
      let key = '';
      let complete = true;
      for (let k = 0; k < keyValues.length; k++) {
        const v = keyValues[k];
        if (v === null || v === undefined) {
          complete = false;
          break;
        }
        key = k === 0 ? v : `${key}\u001f${v}`;
      }
      if (complete) this.keys.add(key);
      else this.metrics.nullKeys++;
    }
    this.metrics.rows++;
    return `${out}\n`;
  }

  /**
   * The same as {@link row}, on the row's bytes as the tokenizer found them (see
   * `CsvRowSink.rowBytes`), writing the canonical line to `out`: plain fields go through the
   * columns' byte writers (`value-bytes.ts`) with no string made for them; the others (escaped,
   * non-ASCII, declined by the writer) take the string path of {@link row} one by one. Returns
   * `false`, having done nothing, for a row with the wrong number of fields: the caller passes it
   * to {@link row} as strings, which reports it (and always without the dialect).
   */
  rowBytes(buf: Buffer, starts: readonly number[], ends: readonly number[], flags: readonly number[], count: number, line: number, out: ByteBuilder): boolean {
    const { layout } = this;
    if (this.dialect === undefined) return false;
    if (layout.expectedFields >= 0 ? count !== layout.expectedFields : count < layout.minFields) return false;
    const { sources, writers } = layout;
    const keySlots = this.keySlots;
    const nullCounts = this.nullCounts;
    const longestByteNull = this.longestByteNull;
    for (let i = 0; i < sources.length; i++) {
      if (i > 0) out.byte(COMMA);
      const source = sources[i]!;
      let at = NULL_KEY; // where the value's bytes start in `out`, or NULL_KEY, or -1 for text
      let text = '';
      if (source >= 0) {
        const start = starts[source]!;
        const end = ends[source]!;
        const f = flags[source]!;
        if (f === 0) {
          if (end - start > longestByteNull || !isNullToken(this.byteNulls, buf, start, end)) {
            at = out.length;
            if (!writers[i]!(buf, start, end, out)) {
              at = -1;
              text = this.writeText(i, buf.toString('latin1', start, end), line, out);
            } else if (out.buf[at] === QUOTE && keySlots[i]! >= 0) {
              // Written quoted (only text is): the key part is the field's text, not those bytes.
              at = -1;
              text = buf.toString('latin1', start, end);
            }
          }
        } else {
          // Text with no escapes, in latin1 or well-formed UTF-8, is transcoded / copied byte by
          // byte (bytes equal to a null token's are that token); anything else takes the string path.
          let done = false;
          if (f === CSV_FIELD_NON_ASCII && this.copiesText[i]) {
            if (end - start <= longestByteNull && isNullToken(this.byteNulls, buf, start, end)) {
              done = true; // a null: `at` stays NULL_KEY
            } else if (this.latin1 ? latin1TextByteWriter(buf, start, end, out) : utf8TextByteWriter(buf, start, end, out)) {
              done = true;
              at = -1; // never a key part (copiesText), so no text is needed for the digest
            }
          }
          if (!done) {
            const raw = f & CSV_FIELD_NON_ASCII && !this.latin1 ? buf.toString('utf8', start, end) : buf.toString('latin1', start, end);
            const value = f & CSV_FIELD_ESCAPED ? this.dialect.unescape(raw) : raw;
            if (!(value.length <= this.longestNull && this.nullValues.has(value))) {
              at = -1;
              text = this.writeText(i, value, line, out);
            }
          }
        }
      }
      if (at === NULL_KEY) nullCounts[i]!++;
      const slot = keySlots[i]!;
      if (slot >= 0) {
        this.keyStarts[slot] = at;
        this.keyEnds[slot] = out.length;
        this.keyTexts[slot] = text;
      }
    }
    out.byte(LF);
    if (this.keys && this.keyStarts.length > 0) this.addKeyBytes(this.keys, out.buf);
    this.metrics.rows++;
    return true;
  }

  /**
   * The fastest path (`CsvRowSink.fastRows`, see `fast-rows.ts`): consumes whole rows from
   * `buf[cursor.pos, end)` into `out` with the same bytes and figures as {@link rowBytes}, and
   * stops at the first row it cannot take that way.
   */
  fastRows(buf: Buffer, end: number, cursor: CsvFastCursor, out: ByteBuilder): void {
    if (this.fast !== undefined) this.fast.run(buf, end, cursor, out);
  }

  /** Digests the current row's key from its parts, as {@link row} digests the joined text. */
  private addKeyBytes(keys: KeyDigests, written: Buffer): void {
    const keyStarts = this.keyStarts;
    for (let k = 0; k < keyStarts.length; k++) {
      if (keyStarts[k] === NULL_KEY) {
        this.metrics.nullKeys++;
        return;
      }
    }
    let high = KEY_SEED_HIGH;
    let low = KEY_SEED_LOW;
    for (let k = 0; k < keyStarts.length; k++) {
      if (k > 0) {
        high = hashUnit(high, KEY_SEPARATOR);
        low = hashUnit(low, KEY_SEPARATOR);
      }
      const start = keyStarts[k]!;
      if (start >= 0) {
        // hashBytes() for both halves in one pass.
        for (let i = start, end = this.keyEnds[k]!; i < end; i++) {
          const c = written[i]!;
          high = Math.imul(high ^ c, FNV_PRIME);
          low = Math.imul(low ^ c, FNV_PRIME);
        }
      } else {
        high = hashText(high, this.keyTexts[k]!);
        low = hashText(low, this.keyTexts[k]!);
      }
    }
    keys.addHashed(high, low);
  }

  /** The string path for one non-null value: normalise, count a type error, write it quoted if needed. */
  private writeText(column: number, text: string, line: number, out: ByteBuilder): string {
    const normalised = this.layout.normalisers[column]!(text);
    let value = normalised;
    if (value === undefined) {
      this.typeError(column, text, line);
      value = text;
    }
    out.text(value === '' || NEEDS_QUOTES.test(value) ? csvField(value) : value);
    return value;
  }

  private typeError(column: number, text: string, line: number): void {
    this.errorCounts[column]!++;
    if (this.samplesTaken[column]! < TYPE_ERROR_SAMPLES) {
      this.samplesTaken[column]!++;
      this.metrics.typeErrorSamples.push({ column: this.layout.columns[column]!, value: text.slice(0, 200), location: `${this.where}:${line}` });
    }
  }

  /** Final metrics, with per-column counts filled in. */
  finish(bytesIn: number): PartMetrics {
    this.layout.columns.forEach((column, i) => {
      this.metrics.nulls[column] = this.nullCounts[i]!;
      this.metrics.typeErrors[column] = this.errorCounts[i]!;
    });
    this.metrics.bytesIn = bytesIn;
    return this.metrics;
  }
}
