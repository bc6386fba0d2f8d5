/**
 * The figures an extract unit counts for each part, and how parts' figures add up: merging is a
 * sum per column (like Deequ's mergeable states), so `merge:<table>` never re-reads rows to
 * compute them.
 */

/** Up to this many type-error samples are kept per column and part (and per table after merging). */
export const TYPE_ERROR_SAMPLES = 5;

/** One value that did not parse as its column's type, with where it was found. */
export interface TypeErrorSample {
  column: string;
  value: string;
  /** `archive:member:line`. */
  location: string;
}

/** What was counted while normalising rows into a part (or, merged, a whole table). */
export interface PartMetrics {
  /** Well-formed data rows written. */
  rows: number;
  /** Rows quarantined as malformed. */
  malformedRows: number;
  /** Uncompressed bytes of the member(s) read. */
  bytesIn: number;
  /** Nulls per output column (absent columns count as nulls in every row). */
  nulls: Record<string, number>;
  /** Values per column that did not parse as its type. */
  typeErrors: Record<string, number>;
  typeErrorSamples: TypeErrorSample[];
  /** Rows whose primary key has a null part (not checked for duplicates). */
  nullKeys: number;
}

/** Metrics with every count at zero for the given columns. */
export function emptyMetrics(columns: readonly string[]): PartMetrics {
  const zeros = () => Object.fromEntries(columns.map((c) => [c, 0]));
  return { rows: 0, malformedRows: 0, bytesIn: 0, nulls: zeros(), typeErrors: zeros(), typeErrorSamples: [], nullKeys: 0 };
}

/** Whether position `a` comes before `b` (positions compare element by element). */
function before(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return a.length < b.length;
}

/**
 * Parts' metrics added up into a table's as the parts come, in any order. What is kept is what the
 * table's figures need, not the parts' metrics: sums per column name, and per column the samples
 * that come first in the table's order (so the result does not depend on the order units finish
 * in). Memory grows with the table's columns, not with its parts.
 */
export class MetricsTally {
  private rows = 0;
  private malformedRows = 0;
  private bytesIn = 0;
  private nullKeys = 0;
  private readonly nulls = new Map<string, number>();
  /** Rows of the parts that have each column: the other parts' rows are nulls of it. */
  private readonly rowsWith = new Map<string, number>();
  private readonly typeErrors = new Map<string, number>();
  /** Per column, its first samples in the table's order, earliest first. */
  private readonly samples = new Map<string, { at: number[]; sample: TypeErrorSample }[]>();

  /** Adds one part's metrics; `at` is the part's position in the table's order (e.g. archive, member). */
  add(part: PartMetrics, at: readonly number[]): void {
    this.rows += part.rows;
    this.malformedRows += part.malformedRows;
    this.bytesIn += part.bytesIn;
    this.nullKeys += part.nullKeys;
    for (const [column, nulls] of Object.entries(part.nulls)) {
      this.nulls.set(column, (this.nulls.get(column) ?? 0) + nulls);
      this.rowsWith.set(column, (this.rowsWith.get(column) ?? 0) + part.rows);
    }
    for (const [column, errors] of Object.entries(part.typeErrors)) this.typeErrors.set(column, (this.typeErrors.get(column) ?? 0) + errors);
    part.typeErrorSamples.forEach((sample, i) => {
      let kept = this.samples.get(sample.column);
      if (!kept) this.samples.set(sample.column, (kept = []));
      const position = [...at, i];
      if (kept.length === TYPE_ERROR_SAMPLES && !before(position, kept[kept.length - 1]!.at)) return;
      const slot = kept.findIndex((k) => before(position, k.at));
      kept.splice(slot === -1 ? kept.length : slot, 0, { at: position, sample });
      if (kept.length > TYPE_ERROR_SAMPLES) kept.pop();
    });
  }

  /**
   * The table's metrics over `columns` (its union of columns). A column a part lacks counts as
   * null in each of the part's rows, since the merged table fills it with nulls.
   */
  total(columns: readonly string[]): PartMetrics {
    const nulls: Record<string, number> = {};
    const typeErrors: Record<string, number> = {};
    for (const column of columns) {
      nulls[column] = (this.nulls.get(column) ?? 0) + this.rows - (this.rowsWith.get(column) ?? 0);
      typeErrors[column] = this.typeErrors.get(column) ?? 0;
    }
    const samples = [...this.samples.values()].flat().sort((a, b) => (before(a.at, b.at) ? -1 : 1));
    const { rows, malformedRows, bytesIn, nullKeys } = this;
    return { rows, malformedRows, bytesIn, nulls, typeErrors, typeErrorSamples: samples.map((s) => s.sample), nullKeys };
  }
}
