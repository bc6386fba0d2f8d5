// End to end: generate drops with known contents, run the real CLI on them, and check every
// figure exactly against what the generator wrote: rows, nulls per column, columns, type errors,
// duplicate keys, malformed rows, quarantines. The merged files are re-read with fast-csv, an
// independent parser, so the outputs themselves are checked, not only the summary.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parseStream } from 'fast-csv';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '@partner-ingest/core';
import { generateDrop } from '../../examples/generator/generate-drop.js';
import type { DropManifest } from '../../examples/generator/generate-drop.js';
import { readSummary, runCli, tempDir } from './cli-harness.js';

const DATE = '2026-11-22';

/** Header, row count and nulls per column of a merged CSV, read with fast-csv. */
async function readMerged(file: string): Promise<{ header: string[]; rows: number; nulls: Record<string, number> }> {
  let header: string[] = [];
  let rows = 0;
  const nulls: Record<string, number> = {};
  await new Promise<void>((resolve, reject) => {
    parseStream(createReadStream(file), { headers: false })
      .on('error', reject)
      .on('data', (row: string[]) => {
        if (header.length === 0) {
          header = row;
          for (const column of header) nulls[column] = 0;
          return;
        }
        rows++;
        row.forEach((value, i) => {
          if (value === '') nulls[header[i]!]!++;
        });
      })
      .on('end', () => resolve());
  });
  return { header, rows, nulls };
}

interface Scenario {
  name: string;
  spec: string;
  profile: 'acme-travel' | 'fjord-rail';
  faults: 'none' | 'all' | string[];
  archives: number;
  rowsPerMember: number;
  exitCode: number;
  status: 'ok' | 'warn' | 'fail';
}

const SCENARIOS: Scenario[] = [
  { name: 'acme-travel, clean drop', spec: 'partners/acme-travel.yaml', profile: 'acme-travel', faults: 'none', archives: 6, rowsPerMember: 150, exitCode: 0, status: 'warn' },
  { name: 'acme-travel, every fault', spec: 'partners/acme-travel.yaml', profile: 'acme-travel', faults: 'all', archives: 6, rowsPerMember: 150, exitCode: 1, status: 'fail' },
  {
    name: 'fjord-rail, latin1 and semicolons with faults',
    spec: 'partners/fjord-rail.yaml',
    profile: 'fjord-rail',
    faults: ['malformed-row', 'type-error', 'duplicate-key', 'corrupt-archive', 'traversal-member'],
    archives: 5,
    rowsPerMember: 200,
    exitCode: 0,
    status: 'warn',
  },
];

describe.each(SCENARIOS)('$name', (scenario) => {
  let manifest: DropManifest;
  let summary: RunSummary;
  let stdout: string;
  let code: number | null;
  let output: string;

  beforeAll(async () => {
    const dir = await tempDir('figures');
    manifest = await generateDrop({
      profile: scenario.profile,
      date: DATE,
      outDir: join(dir, 'drop'),
      archives: scenario.archives,
      rowsPerMember: scenario.rowsPerMember,
      faults: scenario.faults as never,
    });
    output = join(dir, 'out');
    const result = await runCli(['run', scenario.spec, '--date', DATE, '--source', join(dir, 'drop'), '--staging', join(dir, 'staging'), '--output', output, '--json']);
    ({ code, stdout } = result);
    if (result.stderr.includes('internal error')) throw new Error(result.stderr);
    summary = await readSummary(output, DATE);
  }, 120_000);

  it('exits with the expected code and prints only the JSON summary on stdout', () => {
    expect(code).toBe(scenario.exitCode);
    expect(JSON.parse(stdout)).toEqual(summary);
    expect(summary.status).toBe(scenario.status);
  });

  it('accounts for every archive', () => {
    expect(summary.archives.total).toBe(manifest.archives.length);
    expect(summary.quarantined_archives.map((a) => a.archive).sort()).toEqual([...manifest.corruptArchives].sort());
    for (const quarantined of summary.quarantined_archives) expect(quarantined.reason.length).toBeGreaterThan(10);
  });

  it('reports unmatched and rejected members with reasons', () => {
    expect(summary.unmatched_members.map((m) => m.member).sort()).toEqual([...manifest.unmatchedMembers].sort());
    const rejected = summary.quarantined_members.map((m) => `${m.archive}:${m.member}`).sort();
    expect(rejected).toEqual(manifest.rejectedMembers.map((m) => `${m.archive}:${m.member}`).sort());
  });

  it('has exactly the generated figures per table', () => {
    expect(summary.tables.map((t) => t.table).sort()).toEqual(Object.keys(manifest.tables).sort());
    for (const table of summary.tables) {
      const expected = manifest.tables[table.table]!;
      expect({ table: table.table, files: table.csv_files, rows: table.rows, malformed: table.malformed_rows, duplicates: table.duplicate_keys ?? 0 }).toEqual({
        table: table.table,
        files: expected.files,
        rows: expected.rows,
        malformed: expected.malformedRows,
        duplicates: expected.duplicateKeys,
      });
      expect(table.columns).toEqual(expected.columns);
      expect(table.nulls).toEqual(expected.nulls);
      const typeErrors = Object.fromEntries(Object.entries(table.type_errors).filter(([, n]) => n > 0));
      expect(typeErrors).toEqual(Object.fromEntries(Object.entries(expected.typeErrors).filter(([, n]) => n > 0)));
      expect(table.dropped_columns).toEqual([...expected.droppedColumns].sort());
    }
  });

  it('publishes merged files whose contents match the figures (re-read with fast-csv)', async () => {
    for (const table of summary.tables) {
      const expected = manifest.tables[table.table]!;
      const merged = await readMerged(join(output, table.table, `merged_${table.table}.csv`));
      expect(merged.header).toEqual(expected.columns);
      expect(merged.rows).toBe(expected.rows);
      expect(merged.nulls).toEqual(expected.nulls);
    }
  });

  it('counts every quarantined row in the quarantine files', () => {
    const malformed = Object.values(manifest.tables).reduce((sum, t) => sum + t.malformedRows, 0);
    expect(summary.rows_quarantined).toBe(malformed);
    expect(summary.quarantine_files.length > 0).toBe(malformed > 0);
  });
});
