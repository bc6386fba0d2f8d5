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

/**
 * Adds `part` into `total`, over `columns` (the table's union of columns): a column the part does
 * not have counts as null in each of its rows, since the merged table fills it with nulls.
 */
export function addMetrics(total: PartMetrics, part: PartMetrics, columns: readonly string[]): void {
  total.rows += part.rows;
  total.malformedRows += part.malformedRows;
  total.bytesIn += part.bytesIn;
  total.nullKeys += part.nullKeys;
  for (const column of columns) {
    total.nulls[column] = (total.nulls[column] ?? 0) + (part.nulls[column] ?? part.rows);
    total.typeErrors[column] = (total.typeErrors[column] ?? 0) + (part.typeErrors[column] ?? 0);
  }
  for (const sample of part.typeErrorSamples) {
    if (total.typeErrorSamples.filter((s) => s.column === sample.column).length < TYPE_ERROR_SAMPLES) total.typeErrorSamples.push(sample);
  }
}
