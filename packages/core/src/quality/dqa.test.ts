import { describe, expect, it } from 'vitest';
import { specWith } from '../ingest/__fixtures__/kit.js';
import { emptyMetrics } from '../ingest/part-metrics.js';
import { judgeTable, nullRatioLimit } from './dqa.js';
import type { QualityCheck, TableFigures } from './dqa.js';

const specFor = (onFailure: 'warn' | 'fail') =>
  specWith(`defaults: { maxNullRatio: 0.5 }
quality: { onFailure: ${onFailure} }
tables:
  t:
    primaryKey: [id]
    maxNullRatio: 0.2
    expectedFiles: { min: 2, max: 3 }
    columns:
      id: { type: integer, nullable: false }
      a: { maxNullRatio: 0.1 }
      b: {}
      c: { maxNullRatio: 0 }
  u:
    columns:
      x: {}
  v:
    maxNullRatio: 0
    columns:
      y: { maxNullRatio: 1 }
      z: {}
`);

/** Figures under which every check of table t passes. */
function passing(): TableFigures {
  const metrics = emptyMetrics(['id', 'a', 'b', 'c']);
  metrics.rows = 100;
  metrics.nulls = { id: 0, a: 10, b: 20, c: 0 };
  return { columns: ['id', 'a', 'b', 'c'], metrics, files: 2, duplicateKeys: 0, quarantinedMembers: 0, driftedMembers: 0, newColumns: [], droppedColumns: [], missingColumns: [] };
}

describe('nullRatioLimit', () => {
  const spec = specFor('fail');
  it.each([
    ['t', 'a', 0.1, 'the column\'s own'],
    ['t', 'c', 0, 'the column\'s own, even 0'],
    ['t', 'b', 0.2, 'the table\'s'],
    ['t', 'new_column', 0.2, 'the table\'s, for a column not in the spec'],
    ['u', 'x', 0.5, 'the spec default'],
    ['v', 'y', 1, 'the column\'s over a table limit of 0'],
    ['v', 'z', 0, 'the table\'s 0 over the default'],
  ])('%s.%s is %f: %s', (table, column, limit) => {
    expect(nullRatioLimit(spec, table, column)).toBe(limit);
  });

  it('defaults to 1 when nothing is set', () => {
    const bare = specWith('tables:\n  t: { columns: { a: {} } }\n');
    expect(nullRatioLimit(bare, 't', 'a')).toBe(1);
  });
});

type Change = (f: TableFigures) => void;

describe('judgeTable', () => {
  it('passes every check on good figures', () => {
    const verdict = judgeTable(specFor('fail'), 't', passing());
    expect(verdict.status).toBe('ok');
    expect(verdict.checks.map((c) => [c.check, c.column ?? null, c.status])).toEqual([
      ['expected_files', null, 'ok'],
      ['null_ratio', 'id', 'ok'],
      ['not_null', 'id', 'ok'],
      ['type_validity', 'id', 'ok'],
      ['null_ratio', 'a', 'ok'],
      ['null_ratio', 'b', 'ok'],
      ['null_ratio', 'c', 'ok'],
      ['primary_key_duplicates', null, 'ok'],
    ]);
  });

  it.each<[string, Change, Partial<QualityCheck>]>([
    ['too few files', (f) => void (f.files = 1), { check: 'expected_files', value: 1, limit: 2, message: '1 file(s) arrived, at least 2 expected' }],
    ['no files', (f) => void (f.files = 0), { check: 'expected_files', value: 0, limit: 2 }],
    ['too many files', (f) => void (f.files = 4), { check: 'expected_files', value: 4, limit: 3, message: '4 file(s) arrived, at most 3 expected' }],
    ['a column over its own null limit', (f) => void (f.metrics.nulls.a = 11), { check: 'null_ratio', column: 'a', value: 0.11, limit: 0.1, message: 'a: 11.00% null (limit 10.00%)' }],
    ['a column over its table\'s null limit', (f) => void (f.metrics.nulls.b = 21), { check: 'null_ratio', column: 'b', value: 0.21, limit: 0.2 }],
    ['a column with a limit of 0 and one null', (f) => void (f.metrics.nulls.c = 1), { check: 'null_ratio', column: 'c', value: 0.01, limit: 0 }],
    [
      'a new column over the table\'s null limit',
      (f) => {
        f.columns.push('extra');
        f.metrics.nulls.extra = 30;
      },
      { check: 'null_ratio', column: 'extra', value: 0.3, limit: 0.2 },
    ],
    ['a null in a non-nullable column', (f) => void (f.metrics.nulls.id = 1), { check: 'not_null', column: 'id', value: 1, limit: 0, message: 'id: 1 null(s) in a column declared nullable: false' }],
    [
      'type errors, with their samples',
      (f) => {
        f.metrics.typeErrors.id = 2;
        f.metrics.typeErrorSamples.push({ column: 'id', value: 'x1', location: 'a.tar.gz:t_1.csv:7' });
      },
      { check: 'type_validity', column: 'id', value: 2, limit: 0, message: 'id: 2 value(s) are not a valid integer, e.g. "x1" at a.tar.gz:t_1.csv:7' },
    ],
    ['duplicate keys', (f) => void (f.duplicateKeys = 3), { check: 'primary_key_duplicates', value: 3, limit: 0, message: '3 row(s) repeat a primary key (id) seen earlier in the day' }],
  ])('fails on %s, or only warns under quality.onFailure: warn', (_, change, expected) => {
    for (const mode of ['fail', 'warn'] as const) {
      const figures = passing();
      change(figures);
      const verdict = judgeTable(specFor(mode), 't', figures);
      const failed = verdict.checks.filter((c) => c.status !== 'ok');
      expect(failed, mode).toEqual([{ ...expected, status: mode, message: expected.message ?? expect.any(String) }].map((e) => expect.objectContaining(e)));
      expect(verdict.status).toBe(mode);
    }
  });

  it.each<[string, Change]>([
    ['files at the minimum', (f) => void (f.files = 2)],
    ['files at the maximum', (f) => void (f.files = 3)],
    ['null ratios exactly at their limits', (f) => Object.assign(f.metrics.nulls, { a: 10, b: 20, c: 0 })],
    ['no primary key figure (no duplicate check)', (f) => delete f.duplicateKeys],
    ['type errors in a string column', (f) => void (f.metrics.typeErrors.b = 5)],
  ])('passes with %s', (_, change) => {
    const figures = passing();
    change(figures);
    expect(judgeTable(specFor('fail'), 't', figures).status).toBe('ok');
  });

  it('has no expected maximum unless the spec sets one', () => {
    const figures = { ...passing(), columns: ['x'], files: 500 };
    figures.metrics.nulls = { x: 0 };
    const check = judgeTable(specFor('fail'), 'u', figures).checks.find((c) => c.check === 'expected_files');
    expect(check).toMatchObject({ status: 'ok', value: 500, message: '500 file(s), as expected' });
  });

  it('skips null ratios of an empty table but still checks not_null and files', () => {
    const figures = passing();
    figures.metrics.rows = 0;
    figures.metrics.nulls = { id: 0, a: 0, b: 0, c: 0 };
    const verdict = judgeTable(specFor('fail'), 't', figures);
    expect(verdict.checks.map((c) => c.check)).toEqual(['expected_files', 'not_null', 'type_validity', 'primary_key_duplicates']);
    expect(verdict.status).toBe('ok');
  });

  it.each<[string, Change, Partial<QualityCheck>]>([
    [
      'header drift',
      (f) => Object.assign(f, { driftedMembers: 2, missingColumns: ['b'], newColumns: ['extra'], droppedColumns: ['Old Col'] }),
      { check: 'header_drift', value: 2, message: "2 file(s) differ from the spec's columns: missing b (filled with nulls); new extra (kept); dropped Old Col" },
    ],
    ['malformed rows', (f) => void (f.metrics.malformedRows = 4), { check: 'malformed_rows', value: 4, message: '4 malformed row(s) quarantined' }],
    ['quarantined members', (f) => void (f.quarantinedMembers = 1), { check: 'quarantined_members', value: 1, message: '1 file(s) of this table quarantined' }],
  ])('only warns about %s, whatever quality.onFailure says', (_, change, expected) => {
    for (const mode of ['fail', 'warn'] as const) {
      const figures = passing();
      change(figures);
      const verdict = judgeTable(specFor(mode), 't', figures);
      expect(verdict.checks.filter((c) => c.status !== 'ok')).toEqual([{ ...expected, status: 'warn' }]);
      expect(verdict.status).toBe('warn');
    }
  });

  it('is as bad as its worst check', () => {
    const figures = passing();
    figures.metrics.malformedRows = 1;
    figures.duplicateKeys = 1;
    expect(judgeTable(specFor('fail'), 't', figures).status).toBe('fail');
    expect(judgeTable(specFor('warn'), 't', figures).status).toBe('warn');
  });
});
