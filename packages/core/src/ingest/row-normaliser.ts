/**
 * Normalises one member's rows into its part: applies the layout, turns null tokens into nulls,
 * checks and canonicalises each value by type, counts what DQA needs, and digests primary keys.
 * Rows whose field count does not match the header are never shifted into other columns: they
 * are handed back as malformed, with the reason.
 */
import { csvField } from './csv-out.js';
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
    let out = '';
    const { sources, normalisers, keyColumns } = layout;
    const values: (string | null)[] | undefined = keyColumns.length > 0 ? [] : undefined;
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i]!;
      let value: string | null;
      if (source < 0) {
        value = null;
      } else {
        const text = fields[source]!;
        if (this.nullValues.has(text)) {
          value = null;
        } else {
          const normalised = normalisers[i]!(text);
          if (normalised === undefined) {
            this.errorCounts[i]!++;
            if (this.samplesTaken[i]! < TYPE_ERROR_SAMPLES) {
              this.samplesTaken[i]!++;
              this.metrics.typeErrorSamples.push({ column: layout.columns[i]!, value: text.slice(0, 200), location: `${this.where}:${line}` });
            }
            value = text;
          } else {
            value = normalised;
          }
        }
      }
      if (value === null) this.nullCounts[i]!++;
      if (values) values.push(value);
      out += i === 0 ? csvField(value) : `,${csvField(value)}`;
    }
    if (values && this.keys) {
      const parts = keyColumns.map((k) => values[k] ?? null);
      if (parts.includes(null)) this.metrics.nullKeys++;
      else this.keys.add(parts.join('\u001f'));
    }
    this.metrics.rows++;
    return `${out}\n`;
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
