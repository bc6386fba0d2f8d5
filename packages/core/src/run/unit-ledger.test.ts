import { describe, expect, it } from 'vitest';
import type { ExtractedPart, ExtractUnitRecord } from '../ingest/extract-unit.js';
import { emptyMetrics } from '../ingest/part-metrics.js';
import type { PartMetrics } from '../ingest/part-metrics.js';
import { UnitLedger } from './unit-ledger.js';

function part(table: string, member: number, columns: string[], metrics: Partial<PartMetrics> = {}, drift: Partial<ExtractedPart> = {}): ExtractedPart {
  return {
    table,
    key: `parts/${table}/${member}.csv`,
    member: `${table}_${member}.csv`,
    memberIndex: member,
    columns,
    bytes: 100 + member,
    metrics: { ...emptyMetrics(columns), ...metrics },
    newColumns: [],
    droppedColumns: [],
    missingColumns: [],
    ...drift,
  };
}

function record(archive: string, parts: ExtractedPart[], extra: Partial<ExtractUnitRecord> = {}): ExtractUnitRecord {
  const tables = [...new Set(parts.map((p) => p.table))];
  return {
    archive,
    archiveId: `${archive}-id`,
    version: `${archive}-v1`,
    status: 'ok',
    parts,
    keyRuns: Object.fromEntries(tables.map((t) => [t, { key: `keys/${archive}/${t}.keys`, count: 3 }])),
    unmatched: [],
    quarantinedMembers: [],
    quarantinedRows: 0,
    compressedBytes: 10,
    uncompressedBytes: 1000,
    durationMs: 1,
    ...extra,
  };
}

const sample = (column: string, n: number) => ({ column, value: `bad${n}`, location: `x.tar.gz:m.csv:${n}` });

const records = [
  record('a0.tar.gz', [
    part('t', 0, ['id', 'name'], { rows: 4, nulls: { id: 0, name: 1 }, typeErrors: { id: 1, name: 0 }, typeErrorSamples: [sample('id', 1)] }),
    part('u', 1, ['k'], { rows: 2, nulls: { k: 0 } }),
    part('t', 2, ['id', 'name'], { rows: 1, nulls: { id: 0, name: 0 } }),
  ], { unmatched: ['README.txt'], quarantineKey: '_quarantine/a0.jsonl', quarantinedRows: 2 }),
  record('a1.tar.gz', [], {
    status: 'quarantined',
    error: { code: 'ARCHIVE_TRUNCATED', message: 'the archive ends mid-member' },
    quarantinedMembers: [{ member: 't_9.csv', table: 't', code: 'MEMBER_NO_HEADER', reason: 'empty' }],
  }),
  record('a2.tar.gz', [part('t', 3, ['id', 'name', 'extra'], { rows: 3, nulls: { id: 1, name: 0, extra: 2 }, typeErrors: { id: 2 }, typeErrorSamples: [sample('id', 2), sample('id', 3)] }, { newColumns: ['extra'] })], {
    quarantinedMembers: [{ member: 'evil', code: 'MEMBER_UNSAFE_NAME', reason: 'traversal' }],
  }),
];

function fold(order: number[]) {
  const ledger = new UnitLedger(['t', 'u']);
  for (const i of order) ledger.add(i, structuredClone(records[i]!));
  return ledger;
}

describe('UnitLedger', () => {
  it("keeps each table's parts and key runs in listing order, whatever order the units finish in", () => {
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
      const t = fold(order).table('t');
      expect(t.parts().map((p) => p.key)).toEqual(['parts/t/0.csv', 'parts/t/2.csv', 'parts/t/3.csv']);
      expect(t.runs().map((r) => r.key)).toEqual(['keys/a0.tar.gz/t.keys', 'keys/a2.tar.gz/t.keys']);
      expect(t.inputs()).toEqual({
        parts: [['parts/t/0.csv', 100], ['parts/t/2.csv', 102], ['parts/t/3.csv', 103]],
        runs: ['keys/a0.tar.gz/t.keys', 'keys/a2.tar.gz/t.keys'],
        sources: [['a0.tar.gz-id', 'a0.tar.gz-v1'], ['a2.tar.gz-id', 'a2.tar.gz-v1']],
      });
      expect(t.files).toBe(3);
    }
  });

  it("adds up a table's figures: metrics over the union, drift, quarantined members", () => {
    const t = fold([2, 0, 1]).table('t');
    expect(t.metrics.total(['id', 'name', 'extra'])).toEqual({
      rows: 8,
      malformedRows: 0,
      bytesIn: 0,
      nullKeys: 0,
      nulls: { id: 1, name: 1, extra: 5 + 2 },
      typeErrors: { id: 3, name: 0, extra: 0 },
      typeErrorSamples: [sample('id', 1), sample('id', 2), sample('id', 3)],
    });
    expect(t.columnDrift()).toEqual({ newColumns: ['extra'], droppedColumns: [], missingColumns: [] });
    expect(t.driftedMembers).toBe(1);
    expect(t.quarantinedMembers).toBe(1);
    expect(fold([0, 1, 2]).table('u').metrics.total(['k']).rows).toBe(2);
  });

  it("lists what the summary reports per archive in listing order, and the run's totals", () => {
    const ledger = fold([2, 1, 0]);
    expect(ledger.finished).toBe(3);
    expect(ledger.uncompressedBytes).toBe(3000);
    expect(ledger.quarantinedRows).toBe(2);
    expect(ledger.quarantinedArchives()).toEqual([{ archive: 'a1.tar.gz', code: 'ARCHIVE_TRUNCATED', reason: 'the archive ends mid-member' }]);
    expect(ledger.unmatchedMembers()).toEqual([{ archive: 'a0.tar.gz', member: 'README.txt' }]);
    expect(ledger.quarantinedMembers()).toEqual([
      { archive: 'a1.tar.gz', member: 't_9.csv', code: 'MEMBER_NO_HEADER', reason: 'empty' },
      { archive: 'a2.tar.gz', member: 'evil', code: 'MEMBER_UNSAFE_NAME', reason: 'traversal' },
    ]);
    expect(ledger.quarantineFiles()).toEqual(['_quarantine/a0.jsonl']);
  });

  it('keeps one array per distinct column list, not one per part', () => {
    const [first, second, third] = fold([0, 1, 2]).table('t').parts();
    expect(first!.columns).toBe(second!.columns);
    expect(third!.columns).not.toBe(first!.columns);
    expect(first).toEqual({ key: 'parts/t/0.csv', bytes: 100, columns: ['id', 'name'] });
  });

  it('refuses a table that is not in the plan', () => {
    expect(() => fold([]).table('nope')).toThrow('table nope is not in the plan');
  });
});
