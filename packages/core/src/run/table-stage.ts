/**
 * merge:<table> and dqa:<table> for one table: merge the staged parts (or reuse the published
 * merge when its inputs have not changed), count primary-key duplicates, publish `_schema.json`
 * and `_SUCCESS` last, then judge the figures.
 */
import type { StorageConnector } from '../connectors/connector.js';
import type { DuplicateCount } from '../ingest/duplicates.js';
import { tableOutputKeys } from '../ingest/merge-table.js';
import type { MergedTable } from '../ingest/merge-table.js';
import type { Logger } from '../log/logger.js';
import { judgeTable } from '../quality/dqa.js';
import type { TableSummary } from '../report/summary.js';
import { roundTo } from '../report/summary.js';
import type { PartnerSpec } from '../spec/schema.js';
import type { MergeInputs } from './merge-manifest.js';
import { mergeWork } from './merge-work.js';
import type { MergeWorkResult } from './merge-work.js';
import { fingerprint } from './state-store.js';
import type { StateStore } from './state-store.js';
import type { TableLedger } from './unit-ledger.js';

interface MergeState {
  inputsHash: string;
  merged: MergedTable;
  duplicates: DuplicateCount | null;
}

/** Everything one table's stages need. */
export interface TableStageContext {
  spec: PartnerSpec;
  specHash: string;
  table: string;
  /** What the day's extract units gave the table (its ledger closed: the manifest staged). */
  units: TableLedger;
  staging: StorageConnector;
  output: StorageConnector;
  state: StateStore;
  logger: Logger;
  force: boolean;
  /**
   * Runs the data half of the merge (`run/merge-work.ts`) elsewhere, e.g. on a worker thread; by
   * default it runs here with `staging` and `output`.
   */
  merge?: (table: string, inputs: MergeInputs) => Promise<MergeWorkResult>;
}

async function outputsIntact(output: StorageConnector, table: string, merged: MergedTable): Promise<boolean> {
  const keys = tableOutputKeys(table);
  const [data, success, schema] = await Promise.all([output.stat(keys.data), output.stat(keys.success), output.stat(keys.schema)]);
  return data?.size === merged.data.size && success !== undefined && schema !== undefined;
}

/** The deterministic `_schema.json` of a merged table. */
export function schemaDocument(spec: PartnerSpec, table: string, merged: MergedTable): string {
  const tableSpec = spec.tables[table]!;
  const columns = merged.columns.map((name) => {
    const declared = tableSpec.columns[name];
    return declared
      ? { name, type: declared.type, nullable: declared.nullable, origin: 'spec' }
      : { name, type: 'string', nullable: true, origin: 'new' };
  });
  return `${JSON.stringify({ table, columns, primary_key: tableSpec.primaryKey ?? [], rows: merged.metrics.rows }, null, 2)}\n`;
}

/** Runs merge and DQA for one table and returns its summary section. */
export async function runTableStage(ctx: TableStageContext): Promise<TableSummary> {
  const started = new Date();
  const { spec, table, units, output } = ctx;
  const inputs = units.inputs();
  // The manifest's digest covers every part's key and size, every key run, and the versions of
  // the archives they come from: part keys and sizes alone do not identify content, since a
  // re-sent archive with a value corrected in place stages parts of the same keys and sizes.
  const inputsHash = fingerprint({ specHash: ctx.specHash, table, manifest: inputs.digest });
  const stateKey = `merge/${table}.json`;
  const keys = tableOutputKeys(table);

  let previous = ctx.force ? undefined : await ctx.state.get<MergeState>(stateKey);
  if (previous && (previous.inputsHash !== inputsHash || !(await outputsIntact(output, table, previous.merged)))) previous = undefined;
  let merged: MergedTable;
  let duplicates: DuplicateCount | null;
  if (previous) {
    ({ merged, duplicates } = previous);
    ctx.logger.info('table unchanged since the last run; reusing its merge', { table });
  } else {
    // Withdraw the marker first: from here until the new one, readers must not trust this table.
    await output.delete(keys.success);
    const work = ctx.merge ? await ctx.merge(table, inputs) : await mergeWork(spec, table, inputs, ctx.staging, output);
    merged = { ...work.copied, metrics: units.metrics.total(work.copied.columns) };
    duplicates = work.duplicates;
    await output.write(keys.schema, schemaDocument(spec, table, merged));
    // Create-only: if another run published this table since the marker was withdrawn above, this
    // one must not clobber it (a retry of this very write is fine: same bytes).
    await output.write(keys.success, `${JSON.stringify({ table, rows: merged.metrics.rows, bytes: merged.data.size })}\n`, { ifAbsent: true });
    await ctx.state.put(stateKey, { inputsHash, merged, duplicates } satisfies MergeState);
    ctx.logger.info('table merged', { table, rows: merged.metrics.rows, parts: inputs.parts, reprojected: merged.reprojectedParts });
  }

  const drift = units.columnDrift();
  const figures = {
    columns: merged.columns,
    metrics: merged.metrics,
    files: inputs.parts,
    quarantinedMembers: units.quarantinedMembers,
    driftedMembers: units.driftedMembers,
    ...drift,
    ...(duplicates ? { duplicateKeys: duplicates.duplicates } : {}),
  };
  const verdict = judgeTable(spec, table, figures);
  const ended = new Date();
  const rows = merged.metrics.rows;
  return {
    table,
    start_time: started.toISOString(),
    end_time: ended.toISOString(),
    duration_sec: roundTo((ended.getTime() - started.getTime()) / 1000),
    input_size_mb: roundTo(merged.metrics.bytesIn / 1e6),
    csv_files: inputs.parts,
    rows,
    null_ratio: Object.fromEntries(merged.columns.map((c) => [c, rows === 0 ? 0 : roundTo((merged.metrics.nulls[c] ?? 0) / rows, 6)])),
    nulls: Object.fromEntries(merged.columns.map((c) => [c, merged.metrics.nulls[c] ?? 0])),
    status: verdict.status,
    columns: merged.columns,
    new_columns: figures.newColumns,
    dropped_columns: figures.droppedColumns,
    missing_columns: figures.missingColumns,
    type_errors: merged.metrics.typeErrors,
    duplicate_keys: duplicates ? duplicates.duplicates : null,
    malformed_rows: merged.metrics.malformedRows,
    quarantined_members: units.quarantinedMembers,
    output: { key: keys.data, bytes: merged.data.size },
    reused: previous !== undefined,
    checks: verdict.checks,
  };
}
