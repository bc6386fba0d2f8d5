// Text of the report: the results table, the machine and data lines, the target checks, and the
// markdown file that holds them all. Pure, so the exact text is tested; the CLI prints the same
// markdown it writes to results/latest-<size>.md (its columns are padded to read as a table in
// a terminal too).

import type { ContenderSummary } from './summary.js';
import { formatTargetCheck, type TargetCheck } from './targets.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  nodeVersion: string;
  /** ISO timestamp of the bench's start. */
  date: string;
}

export interface DataInfo {
  profile: string;
  date: string;
  size: string;
  archives: number;
  /** Bytes of the .tar.gz files. */
  compressedBytes: number;
  /** Uncompressed CSV bytes (manifest csvBytes): the MB in MB/s. */
  csvBytes: number;
  tables: { name: string; files: number; rows: number }[];
}

export interface ReportInput {
  machine: MachineInfo;
  data: DataInfo;
  runs: number;
  summaries: readonly ContenderSummary[];
  checks: readonly TargetCheck[];
  /** `--archives`, when the drop was spread over that many archives. */
  archives?: number;
}

/** 1234567 -> "1,234,567", independent of the machine's locale. */
export function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatMachine(m: MachineInfo): string {
  const gib = (m.totalMemoryBytes / 1024 ** 3).toFixed(1);
  return `${m.cpuModel}, ${m.cores} cores, ${gib} GiB RAM, node ${m.nodeVersion}, ${m.date}`;
}

export function formatData(d: DataInfo): string {
  const rows = d.tables.map((t) => `${t.name} ${groupDigits(t.rows)} rows in ${t.files} files`).join(', ');
  return (
    `${d.profile} ${d.date} --size ${d.size}: ${d.archives} archives (${(d.compressedBytes / 1e6).toFixed(1)} MB gz), ` +
    `${groupDigits(d.csvBytes)} CSV bytes (${(d.csvBytes / 1e6).toFixed(1)} MB); ${rows}`
  );
}

type Align = 'left' | 'right';

/** A markdown table whose cells are padded to equal width per column. */
export function formatMarkdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, 3, ...rows.map((r) => (r[c] ?? '').length)));
  const pad = (text: string, c: number) => (align[c] === 'right' ? text.padStart(widths[c] as number) : text.padEnd(widths[c] as number));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, c) => pad(cell, c)).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (align[c] === 'right' ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export function formatSummaryTable(summaries: readonly ContenderSummary[]): string {
  const headers = ['contender', 'median s', 'MB/s', 'x floor', 'peak RSS MiB', 'runs'];
  const rows = summaries.map((s) => [
    s.name,
    s.medianSeconds.toFixed(2),
    s.mbPerSecond.toFixed(1),
    s.ratioToFloor === null ? '-' : s.ratioToFloor.toFixed(2),
    String(Math.round(s.peakRssMiB)),
    String(s.runs),
  ]);
  return formatMarkdownTable(headers, rows, ['left', 'right', 'right', 'right', 'right', 'right']);
}

export function formatReport(input: ReportInput): string {
  return [
    `# pnpm bench --size ${input.data.size}${input.archives === undefined ? '' : ` --archives ${input.archives}`}`,
    '',
    `- machine: ${formatMachine(input.machine)}`,
    `- data: ${formatData(input.data)}`,
    `- runs: ${input.runs} per contender, interleaved round-robin; median wall time; MB = 10^6 uncompressed CSV bytes; RSS = largest single process`,
    '',
    formatSummaryTable(input.summaries),
    '',
    'Targets:',
    '',
    ...input.checks.map((c) => `- ${formatTargetCheck(c)}`),
    '',
  ].join('\n');
}
