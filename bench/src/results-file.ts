// Writes a bench's results: results/<name>-<timestamp>.json with every raw run, and
// results/latest-<name>.md with the report, where the name is the size (`1GB`), or the size and
// the archive count of an `--archives` drop (`100MB-4000-archives`). Both are committed, so results can be compared
// across changes; the JSON is the record, the markdown the view. A partial run (--only) writes
// its JSON but leaves latest-<size>.md to the last complete comparison.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchOptions } from './args.js';
import type { ContenderCommand } from './contenders.js';
import type { DataInfo, MachineInfo } from './report-format.js';
import type { ContenderSummary, RunMeasurement } from './summary.js';
import type { TargetCheck } from './targets.js';

export interface BenchRecord {
  size: string;
  startedAt: string;
  finishedAt: string;
  options: BenchOptions;
  machine: MachineInfo;
  data: DataInfo;
  /** How each contender was run; <work> and <archives.list> stand for the per-run paths. */
  contenders: { name: string; description: string; command: ContenderCommand }[];
  summaries: ContenderSummary[];
  targets: TargetCheck[];
  /** Every measured run in the order it ran. */
  runs: RunMeasurement[];
}

/** 2026-11-23T16:05:17.123Z -> 20261123T160517Z: ISO 8601 basic format, safe in file names. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** What a bench's result files are named after: its drop. */
export function resultsName(options: Pick<BenchOptions, 'size' | 'archives'>): string {
  return options.archives === undefined ? options.size : `${options.size}-${options.archives}-archives`;
}

/** Writes the JSON, and the markdown unless it is null; returns the paths written. */
export async function writeResults(dir: string, record: BenchRecord, markdown: string | null): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const name = resultsName(record.options);
  const json = join(dir, `${name}-${fileTimestamp(new Date(record.startedAt))}.json`);
  await writeFile(json, JSON.stringify(record, null, 2) + '\n');
  if (markdown === null) return [json];
  const md = join(dir, `latest-${name}.md`);
  await writeFile(md, markdown);
  return [json, md];
}
