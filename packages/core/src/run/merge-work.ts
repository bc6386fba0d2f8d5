/**
 * The heavy half of merge:<table>: copy the table's parts into the merged file and count its
 * primary-key duplicates. With a task pool these are two tasks on worker threads, so the main
 * thread only schedules and judges, and a big table's copy and count run on different cores.
 */
import type { StorageConnector } from '../connectors/connector.js';
import { countDuplicates } from '../ingest/duplicates.js';
import type { DuplicateCount, KeyRunRef } from '../ingest/duplicates.js';
import { mergeTable } from '../ingest/merge-table.js';
import type { CopiedTable, PartRef } from '../ingest/merge-table.js';
import type { PartnerSpec } from '../spec/schema.js';

/** What merging a table's data produced (plain data: it crosses threads). */
export interface MergeWorkResult {
  copied: CopiedTable;
  /** `null` when the table has no primary key. */
  duplicates: DuplicateCount | null;
}

/** Writes the merged file from `parts`, in their deterministic order. */
export function copyParts(spec: PartnerSpec, table: string, parts: readonly PartRef[], staging: StorageConnector, output: StorageConnector): Promise<CopiedTable> {
  return mergeTable(table, spec.tables[table]!, parts, staging, output);
}

/** Counts the table's duplicate keys over `runs`; `null` when it has no primary key. */
export async function countKeys(spec: PartnerSpec, table: string, runs: readonly KeyRunRef[], staging: StorageConnector): Promise<DuplicateCount | null> {
  return spec.tables[table]!.primaryKey ? countDuplicates(staging, runs, `keys/_merge/${table}`) : null;
}

/** Both, side by side on this thread (the copy is mostly IO, the count CPU). */
export async function mergeWork(
  spec: PartnerSpec,
  table: string,
  parts: readonly PartRef[],
  runs: readonly KeyRunRef[],
  staging: StorageConnector,
  output: StorageConnector,
): Promise<MergeWorkResult> {
  const [copied, duplicates] = await Promise.all([copyParts(spec, table, parts, staging, output), countKeys(spec, table, runs, staging)]);
  return { copied, duplicates };
}
