/**
 * Normalises one member's rows into its part: applies the layout, turns null tokens into nulls,
 * checks and canonicalises each value by type, counts what DQA needs, and digests primary keys.
 * Rows whose field count does not match the header are never shifted into other columns: they
 * are handed back as malformed, with the reason.
 */
import { csvField } from './csv-out.js';

const NEEDS_QUOTES = /[",\r\n]/;
import type { KeyDigests } from './key-hash.js';
import type { MemberLayout } from './member-layout.js';
import type { PartMetrics } from './part-metrics.js';
import { emptyMetrics, TYPE_ERROR_SAMPLES } from './part-metrics.js';

/** Turns rows of partner fields into canonical CSV lines. */
export class RowNormaliser {
  readonly metrics: PartMetrics;
  private readonly nullCounts: number[];
  private readonly errorCounts: number[];
  private readonly samplesTaken: number[];
  /** For each output column, its position in the primary key, or -1. */
  private readonly keySlots: number[];
  private readonly keyValues: (string | null)[];
  private readonly longestNull: number;

  constructor(
    private readonly layout: MemberLayout,
    private readonly nullValues: ReadonlySet<string>,
    private readonly keys: KeyDigests | undefined,
    /** `archive:member`, the prefix of every location this member reports. */
    private readonly where: string,
  ) {
    this.metrics = emptyMetrics(layout.columns);
    this.nullCounts = layout.columns.map(() => 0);
    this.errorCounts = layout.columns.map(() => 0);
    this.samplesTaken = layout.columns.map(() => 0);
    this.keySlots = layout.columns.map((_, i) => layout.keyColumns.indexOf(i));
    this.keyValues = layout.keyColumns.map(() => null);
    this.longestNull = Math.max(0, ...[...nullValues].map((v) => v.length));
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
