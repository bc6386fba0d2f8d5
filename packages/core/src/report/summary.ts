/**
 * The run summary: `logs/summary/yyyy/mm/dd/merge_summary_<date>.json` for machines and
 * `summary.txt` for people. Per table it carries the seeds' fields (table, start_time, end_time,
 * duration_sec, input_size_mb, csv_files, rows, null_ratio, status) plus what a data engineer
 * needs to act: checks, quarantines, drift, timings and bottleneck hints.
 */
import type { QualityCheck, CheckStatus } from '../quality/dqa.js';
import type { PartnerSpec } from '../spec/schema.js';

/** One table's section of the summary. */
export interface TableSummary {
  table: string;
  start_time: string;
  end_time: string;
  duration_sec: number;
  input_size_mb: number;
  csv_files: number;
  rows: number;
  null_ratio: Record<string, number>;
  /** Null count per column (the numerators of null_ratio). */
  nulls: Record<string, number>;
  status: CheckStatus;
  columns: string[];
  new_columns: string[];
  dropped_columns: string[];
  missing_columns: string[];
  type_errors: Record<string, number>;
  duplicate_keys: number | null;
  malformed_rows: number;
  quarantined_members: number;
  output: { key: string; bytes: number } | null;
  /** Whether the merge was reused from an earlier run (inputs unchanged). */
  reused: boolean;
  checks: QualityCheck[];
}

/** One quarantined archive or member, with the reason. */
export interface QuarantineEntry {
  archive: string;
  member?: string;
  code: string;
  reason: string;
}

/** A bottleneck hint: a figure past its configured threshold, and what to consider. */
export interface Hint {
  table?: string;
  hint: 'many_files' | 'large_input' | 'high_null_ratio' | 'wide_table' | 'slow_merge';
  message: string;
}

/** The whole run summary. */
export interface RunSummary {
  partner: string;
  date: string;
  run_id: string;
  status: CheckStatus;
  exit_code: number;
  start_time: string;
  end_time: string;
  duration_sec: number;
  locations: { source: string; staging: string; output: string; state: string };
  stages: Record<string, { duration_sec: number; [detail: string]: number | string }>;
  archives: { total: number; extracted: number; reused: number; quarantined: number };
  input: { compressed_mb: number; uncompressed_mb: number };
  rows_quarantined: number;
  quarantine_files: string[];
  quarantined_archives: QuarantineEntry[];
  quarantined_members: QuarantineEntry[];
  unmatched_members: { archive: string; member: string }[];
  tables: TableSummary[];
  hints: Hint[];
  failures: { task: string; message: string }[];
}

/** Where the summary files go under the output root. */
export function summaryKeys(date: string): { json: string; text: string } {
  const [yyyy, mm, dd] = date.split('-');
  const dir = `logs/summary/${yyyy}/${mm}/${dd}`;
  return { json: `${dir}/merge_summary_${date}.json`, text: `${dir}/summary.txt` };
}

/** Rounds to at most `digits` decimals, for stable, readable figures. */
export const roundTo = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Bottleneck hints for the summary, from the spec's `report.hints` thresholds. */
export function bottleneckHints(spec: PartnerSpec, tables: readonly TableSummary[]): Hint[] {
  const t = spec.report.hints;
  const hints: Hint[] = [];
  for (const table of tables) {
    if (table.csv_files > t.maxFiles) {
      hints.push({ table: table.table, hint: 'many_files', message: `${table.csv_files} files (> ${t.maxFiles}): ask the partner for fewer, larger batches, or raise --concurrency` });
    }
    if (table.input_size_mb > t.maxInputMB) {
      hints.push({ table: table.table, hint: 'large_input', message: `${table.input_size_mb} MB of CSV (> ${t.maxInputMB} MB): consider the distributed executor` });
    }
    for (const [column, ratio] of Object.entries(table.null_ratio)) {
      if (ratio > t.maxNullRatio) {
        hints.push({ table: table.table, hint: 'high_null_ratio', message: `${column} is ${(ratio * 100).toFixed(1)}% null (> ${(t.maxNullRatio * 100).toFixed(0)}%): check the mapping (from:) or the partner's export` });
      }
    }
    if (table.columns.length > t.maxColumns) {
      hints.push({ table: table.table, hint: 'wide_table', message: `${table.columns.length} columns (> ${t.maxColumns}): check for runaway drift (onNewColumn)` });
    }
    if (table.duration_sec > t.maxMergeMinutes * 60) {
      hints.push({ table: table.table, hint: 'slow_merge', message: `merge took ${table.duration_sec}s (> ${t.maxMergeMinutes} min): staging storage may be slow` });
    }
  }
  return hints;
}

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));
const padStart = (text: string, width: number) => (text.length >= width ? text : ' '.repeat(width - text.length) + text);

/** The human-readable `summary.txt`. */
export function formatSummaryText(summary: RunSummary): string {
  const lines: string[] = [];
  lines.push(`partner-ingest run ${summary.run_id}: ${summary.partner} ${summary.date} -> ${summary.status.toUpperCase()} (exit ${summary.exit_code})`);
  lines.push(`started ${summary.start_time}, ended ${summary.end_time}, ${summary.duration_sec}s`);
  lines.push(`source  ${summary.locations.source}`);
  lines.push(`output  ${summary.locations.output}`);
  lines.push('');
  const a = summary.archives;
  lines.push(`archives: ${a.total} found, ${a.extracted} extracted, ${a.reused} unchanged since the last run, ${a.quarantined} quarantined`);
  lines.push(`input: ${summary.input.compressed_mb} MB compressed, ${summary.input.uncompressed_mb} MB uncompressed`);
  lines.push(`stages: ${Object.entries(summary.stages).map(([stage, s]) => `${stage} ${s.duration_sec}s`).join(', ')}`);
  lines.push('');
  const header = ['table', 'status', 'files', 'rows', 'MB in', 'columns', 'dup keys', 'malformed', 'seconds'];
  const rows = summary.tables.map((t) => [
    t.table,
    t.status,
    String(t.csv_files),
    String(t.rows),
    String(t.input_size_mb),
    String(t.columns.length),
    t.duplicate_keys === null ? '-' : String(t.duplicate_keys),
    String(t.malformed_rows),
    String(t.duration_sec),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  lines.push(header.map((h, i) => (i < 2 ? pad(h, widths[i]!) : padStart(h, widths[i]!))).join('  '));
  for (const row of rows) lines.push(row.map((c, i) => (i < 2 ? pad(c, widths[i]!) : padStart(c, widths[i]!))).join('  '));
  for (const table of summary.tables) {
    const problems = table.checks.filter((c) => c.status !== 'ok');
    if (problems.length === 0) continue;
    lines.push('');
    lines.push(`${table.table}:`);
    for (const check of problems) lines.push(`  ${check.status.toUpperCase()} ${check.check}: ${check.message}`);
  }
  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push('');
    lines.push(`${title} (${items.length}):`);
    for (const item of items.slice(0, 50)) lines.push(`  ${item}`);
    if (items.length > 50) lines.push(`  ... and ${items.length - 50} more in the JSON summary`);
  };
  section('quarantined archives', summary.quarantined_archives.map((q) => `${q.archive}: ${q.code} ${q.reason}`));
  section('quarantined members', summary.quarantined_members.map((q) => `${q.archive}: ${q.member}: ${q.code} ${q.reason}`));
  section('unmatched members', summary.unmatched_members.map((u) => `${u.archive}: ${u.member}`));
  if (summary.rows_quarantined > 0) section(`quarantined rows: ${summary.rows_quarantined}, in`, summary.quarantine_files);
  section('hints', summary.hints.map((h) => `${h.table ? `${h.table}: ` : ''}${h.message}`));
  section('failures', summary.failures.map((f) => `${f.task}: ${f.message}`));
  return `${lines.join('\n')}\n`;
}
