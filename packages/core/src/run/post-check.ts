/**
 * post-check: after the summary is written, verifies every published output against it: each
 * table's merged file exists with the size the summary states, its `_schema.json` and `_SUCCESS`
 * exist, and the summary files themselves exist.
 */
import type { StorageConnector } from '../connectors/connector.js';
import { tableOutputKeys } from '../ingest/merge-table.js';
import type { RunSummary } from '../report/summary.js';

/** Problems found; empty when everything checks out. */
export async function postCheck(output: StorageConnector, summary: RunSummary, summaryFiles: { json: string; text: string }): Promise<string[]> {
  const problems: string[] = [];
  for (const table of summary.tables) {
    if (!table.output) continue;
    const keys = tableOutputKeys(table.table);
    const [data, schema, success] = await Promise.all([output.stat(keys.data), output.stat(keys.schema), output.stat(keys.success)]);
    if (!data) problems.push(`${keys.data} is missing`);
    else if (data.size !== table.output.bytes) problems.push(`${keys.data} is ${data.size} bytes, the summary says ${table.output.bytes}`);
    if (!schema) problems.push(`${keys.schema} is missing`);
    if (!success) problems.push(`${keys.success} is missing`);
  }
  for (const key of [summaryFiles.json, summaryFiles.text]) {
    if (!(await output.stat(key))) problems.push(`${key} is missing`);
  }
  return problems;
}
