/**
 * The heavy half of merge:<table>: copy the table's parts into the merged file and count its
 * primary-key duplicates. With a task pool these are two tasks on worker threads, so the main
 * thread only schedules and judges, and a big table's copy and count run on different cores.
 * Both read the table's parts and key runs from its manifest in staging (`merge-manifest.ts`).
 */
import type { StorageConnector } from '../connectors/connector.js';
import { countDuplicates } from '../ingest/duplicates.js';
import type { DuplicateCount } from '../ingest/duplicates.js';
import { copyTable } from '../ingest/merge-table.js';
import type { CopiedTable } from '../ingest/merge-table.js';
import type { PartnerSpec } from '../spec/schema.js';
import { manifestParts, manifestRuns } from './merge-manifest.js';
import type { MergeInputs } from './merge-manifest.js';

/** What merging a table's data produced (plain data: it crosses threads). */
export interface MergeWorkResult {
  copied: CopiedTable;
  /** `null` when the table has no primary key. */
  duplicates: DuplicateCount | null;
}

/** Writes the merged file from the manifest's parts, in their deterministic order. */
export async function copyParts(table: string, inputs: MergeInputs, staging: StorageConnector, output: StorageConnector): Promise<CopiedTable> {
  const data = await copyTable(table, inputs.columns, manifestParts(staging, inputs), staging, output);
  return { columns: [...inputs.columns], data, copiedParts: inputs.copiedParts, reprojectedParts: inputs.parts - inputs.copiedParts };
}

/** Counts the table's duplicate keys over the manifest's runs; `null` when it has no primary key. */
export async function countKeys(spec: PartnerSpec, table: string, inputs: MergeInputs, staging: StorageConnector): Promise<DuplicateCount | null> {
  return spec.tables[table]!.primaryKey ? countDuplicates(staging, manifestRuns(staging, inputs), `keys/_merge/${table}`) : null;
}

/** Both, side by side on this thread (the copy is mostly IO, the count CPU). */
export async function mergeWork(spec: PartnerSpec, table: string, inputs: MergeInputs, staging: StorageConnector, output: StorageConnector): Promise<MergeWorkResult> {
  const [copied, duplicates] = await Promise.all([copyParts(table, inputs, staging, output), countKeys(spec, table, inputs, staging)]);
  return { copied, duplicates };
}
