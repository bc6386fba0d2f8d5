/**
 * The heavy half of merge:<table>: copy the table's parts into the merged file and count its
 * primary-key duplicates, side by side (the copy is IO, the count CPU). Runs on a worker thread
 * of the task pool when there is one, so the main thread only schedules and judges.
 */
import type { StorageConnector } from '../connectors/connector.js';
import { countDuplicates } from '../ingest/duplicates.js';
import type { DuplicateCount, KeyRunRef } from '../ingest/duplicates.js';
import type { ExtractedPart } from '../ingest/extract-unit.js';
import { mergeTable } from '../ingest/merge-table.js';
import type { MergedTable } from '../ingest/merge-table.js';
import type { PartnerSpec } from '../spec/schema.js';

/** What merging a table's data produced (plain data: it crosses threads). */
export interface MergeWorkResult {
  merged: MergedTable;
  /** `null` when the table has no primary key. */
  duplicates: DuplicateCount | null;
}

/** Merges `parts` (in their deterministic order) and counts duplicates over `runs`. */
export async function mergeWork(
  spec: PartnerSpec,
  table: string,
  parts: readonly ExtractedPart[],
  runs: readonly KeyRunRef[],
  staging: StorageConnector,
  output: StorageConnector,
): Promise<MergeWorkResult> {
  const tableSpec = spec.tables[table]!;
  const [merged, duplicates] = await Promise.all([
    mergeTable(table, tableSpec, parts, staging, output),
    tableSpec.primaryKey ? countDuplicates(staging, runs, `keys/_merge/${table}`) : Promise.resolve(null),
  ]);
  return { merged, duplicates };
}
