/**
 * dqa:<table>: judges a merged table's figures against its spec. Pure: the figures come from the
 * merge (summed part metrics) and duplicate detection; nothing is re-read here.
 */
import type { PartMetrics } from '../ingest/part-metrics.js';
import type { PartnerSpec } from '../spec/schema.js';

/** `ok` passed; `warn` and `fail` did not, at that severity. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One data-quality check's verdict. */
export interface QualityCheck {
  /** Stable check name: expected_files, null_ratio, not_null, type_validity, primary_key_duplicates, header_drift, malformed_rows, quarantined_members. */
  check: string;
  status: CheckStatus;
  column?: string;
  /** The measured figure and the limit it was held to, where the check has them. */
  value?: number;
  limit?: number;
  message: string;
}

/** The figures DQA judges one table by. */
export interface TableFigures {
  columns: string[];
  metrics: PartMetrics;
  /** Member files merged into the table. */
  files: number;
  /** Rows whose primary key was seen before, or undefined when the table has no primary key. */
  duplicateKeys?: number;
  /** Members of this table that were quarantined. */
  quarantinedMembers: number;
  /** Members whose header lacked declared columns, had new ones or dropped ones. */
  driftedMembers: number;
  newColumns: string[];
  droppedColumns: string[];
  missingColumns: string[];
}

/** The table's verdict: the worst of its checks. */
export interface TableVerdict {
  status: CheckStatus;
  checks: QualityCheck[];
}

const round = (ratio: number) => Math.round(ratio * 1e6) / 1e6;

/** The null-ratio limit of a column: its own, else its table's, else the spec's default. */
export function nullRatioLimit(spec: PartnerSpec, table: string, column: string): number {
  const tableSpec = spec.tables[table];
  return tableSpec?.columns[column]?.maxNullRatio ?? tableSpec?.maxNullRatio ?? spec.defaults.maxNullRatio;
}

/** Runs every check for one table. */
export function judgeTable(spec: PartnerSpec, table: string, figures: TableFigures): TableVerdict {
  const tableSpec = spec.tables[table]!;
  const failing: CheckStatus = spec.quality.onFailure;
  const checks: QualityCheck[] = [];
  const { metrics } = figures;

  const { min, max } = tableSpec.expectedFiles;
  const filesOk = figures.files >= min && (max === undefined || figures.files <= max);
  checks.push({
    check: 'expected_files',
    status: filesOk ? 'ok' : failing,
    value: figures.files,
    limit: figures.files < min ? min : max ?? min,
    message: filesOk
      ? `${figures.files} file(s), as expected`
      : figures.files < min
        ? `${figures.files} file(s) arrived, at least ${min} expected`
        : `${figures.files} file(s) arrived, at most ${max} expected`,
  });

  for (const column of figures.columns) {
    const declared = tableSpec.columns[column];
    const nulls = metrics.nulls[column] ?? 0;
    if (metrics.rows > 0) {
      const ratio = nulls / metrics.rows;
      const limit = nullRatioLimit(spec, table, column);
      const ok = ratio <= limit;
      checks.push({
        check: 'null_ratio',
        column,
        status: ok ? 'ok' : failing,
        value: round(ratio),
        limit,
        message: `${column}: ${(ratio * 100).toFixed(2)}% null (limit ${(limit * 100).toFixed(2)}%)`,
      });
    }
    if (declared && !declared.nullable) {
      checks.push({
        check: 'not_null',
        column,
        status: nulls === 0 ? 'ok' : failing,
        value: nulls,
        limit: 0,
        message: nulls === 0 ? `${column}: no nulls` : `${column}: ${nulls} null(s) in a column declared nullable: false`,
      });
    }
    const errors = metrics.typeErrors[column] ?? 0;
    if (declared && declared.type !== 'string') {
      const samples = metrics.typeErrorSamples.filter((s) => s.column === column).map((s) => `${JSON.stringify(s.value)} at ${s.location}`);
      checks.push({
        check: 'type_validity',
        column,
        status: errors === 0 ? 'ok' : failing,
        value: errors,
        limit: 0,
        message: errors === 0 ? `${column}: every value is a valid ${declared.type}` : `${column}: ${errors} value(s) are not a valid ${declared.type}, e.g. ${samples.join('; ')}`,
      });
    }
  }

  if (figures.duplicateKeys !== undefined) {
    const key = (tableSpec.primaryKey ?? []).join(', ');
    checks.push({
      check: 'primary_key_duplicates',
      status: figures.duplicateKeys === 0 ? 'ok' : failing,
      value: figures.duplicateKeys,
      limit: 0,
      message: figures.duplicateKeys === 0 ? `primary key (${key}) is unique` : `${figures.duplicateKeys} row(s) repeat a primary key (${key}) seen earlier in the day`,
    });
  }

  if (figures.driftedMembers > 0) {
    const parts = [
      figures.missingColumns.length ? `missing ${figures.missingColumns.join(', ')} (filled with nulls)` : '',
      figures.newColumns.length ? `new ${figures.newColumns.join(', ')} (kept)` : '',
      figures.droppedColumns.length ? `dropped ${figures.droppedColumns.join(', ')}` : '',
    ].filter(Boolean);
    checks.push({
      check: 'header_drift',
      status: 'warn',
      value: figures.driftedMembers,
      message: `${figures.driftedMembers} file(s) differ from the spec's columns: ${parts.join('; ')}`,
    });
  }
  if (metrics.malformedRows > 0) {
    checks.push({ check: 'malformed_rows', status: 'warn', value: metrics.malformedRows, message: `${metrics.malformedRows} malformed row(s) quarantined` });
  }
  if (figures.quarantinedMembers > 0) {
    checks.push({ check: 'quarantined_members', status: 'warn', value: figures.quarantinedMembers, message: `${figures.quarantinedMembers} file(s) of this table quarantined` });
  }

  const status: CheckStatus = checks.some((c) => c.status === 'fail') ? 'fail' : checks.some((c) => c.status === 'warn') ? 'warn' : 'ok';
  return { status, checks };
}
