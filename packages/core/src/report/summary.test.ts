import { describe, expect, it } from 'vitest';
import { specWith } from '../ingest/__fixtures__/kit.js';
import { bottleneckHints, formatSummaryText, roundTo, summaryKeys } from './summary.js';
import type { RunSummary, TableSummary } from './summary.js';

function table(overrides: Partial<TableSummary> = {}): TableSummary {
  return {
    table: 'bookings',
    start_time: '2026-11-23T01:00:00.000Z',
    end_time: '2026-11-23T01:00:02.500Z',
    duration_sec: 2.5,
    input_size_mb: 12.345,
    csv_files: 3,
    rows: 1500,
    null_ratio: { booking_id: 0, amount: 0.1 },
    nulls: { booking_id: 0, amount: 150 },
    status: 'ok',
    columns: ['booking_id', 'amount'],
    new_columns: [],
    dropped_columns: [],
    missing_columns: [],
    type_errors: { booking_id: 0, amount: 0 },
    duplicate_keys: 0,
    malformed_rows: 0,
    quarantined_members: 0,
    output: { key: 'bookings/merged_bookings.csv', bytes: 1000 },
    reused: false,
    checks: [{ check: 'expected_files', status: 'ok', value: 3, limit: 1, message: '3 file(s), as expected' }],
    ...overrides,
  };
}

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    partner: 'acme',
    date: '2026-11-22',
    run_id: 'run-1',
    status: 'ok',
    exit_code: 0,
    start_time: '2026-11-23T01:00:00.000Z',
    end_time: '2026-11-23T01:00:05.000Z',
    duration_sec: 5,
    locations: { source: 'file:///drop/', staging: 'file:///staging/', output: 'file:///out/', state: 'file:///out/_state/' },
    stages: { extract: { duration_sec: 3 }, merge: { duration_sec: 1.5 } },
    archives: { total: 4, extracted: 3, reused: 0, quarantined: 1 },
    input: { compressed_mb: 1.2, uncompressed_mb: 12.3 },
    rows_quarantined: 0,
    quarantine_files: [],
    quarantined_archives: [],
    quarantined_members: [],
    unmatched_members: [],
    tables: [table()],
    hints: [],
    failures: [],
    ...overrides,
  };
}

describe('summaryKeys', () => {
  it.each([
    ['2026-11-22', 'logs/summary/2026/11/22/merge_summary_2026-11-22.json', 'logs/summary/2026/11/22/summary.txt'],
    ['2024-02-29', 'logs/summary/2024/02/29/merge_summary_2024-02-29.json', 'logs/summary/2024/02/29/summary.txt'],
  ])('%s', (date, json, text) => {
    expect(summaryKeys(date)).toEqual({ json, text });
  });
});

describe('roundTo', () => {
  it.each([
    [1.23456, 3, 1.235],
    [1.23456, 1, 1.2],
    [0.1 + 0.2, 6, 0.3],
    [5, 3, 5],
  ])('%f to %i digits is %f', (value, digits, expected) => {
    expect(roundTo(value, digits)).toBe(expected);
  });
});

describe('bottleneckHints', () => {
  const custom = specWith(`report:
  hints: { maxFiles: 10, maxInputMB: 100, maxNullRatio: 0.3, maxColumns: 3, maxMergeMinutes: 1 }
tables:
  bookings: { columns: { booking_id: {} } }
`);
  const defaults = specWith('tables:\n  bookings: { columns: { booking_id: {} } }\n');

  const atLimits = table({ csv_files: 10, input_size_mb: 100, null_ratio: { a: 0.3, b: 0 }, columns: ['a', 'b', 'c'], duration_sec: 60 });
  const overLimits = table({ csv_files: 11, input_size_mb: 100.5, null_ratio: { a: 0.31, b: 0.9, c: 0.3 }, columns: ['a', 'b', 'c', 'd'], duration_sec: 61 });

  it('gives no hint for figures at the thresholds', () => {
    expect(bottleneckHints(custom, [atLimits])).toEqual([]);
  });

  it('gives one hint per figure past its threshold', () => {
    expect(bottleneckHints(custom, [overLimits])).toEqual([
      { table: 'bookings', hint: 'many_files', message: '11 files (> 10): ask the partner for fewer, larger batches, or raise --concurrency' },
      { table: 'bookings', hint: 'large_input', message: '100.5 MB of CSV (> 100 MB): consider the distributed executor' },
      { table: 'bookings', hint: 'high_null_ratio', message: "a is 31.0% null (> 30%): check the mapping (from:) or the partner's export" },
      { table: 'bookings', hint: 'high_null_ratio', message: "b is 90.0% null (> 30%): check the mapping (from:) or the partner's export" },
      { table: 'bookings', hint: 'wide_table', message: '4 columns (> 3): check for runaway drift (onNewColumn)' },
      { table: 'bookings', hint: 'slow_merge', message: 'merge took 61s (> 1 min): staging storage may be slow' },
    ]);
  });

  it('uses the default thresholds when the spec sets none', () => {
    expect(bottleneckHints(defaults, [overLimits]).map((h) => [h.hint, h.message.split(' ')[0]])).toEqual([['high_null_ratio', 'b']]);
    const big = table({ csv_files: 1001, input_size_mb: 1025, null_ratio: { a: 0.5 }, columns: Array.from({ length: 201 }, (_, i) => `c${i}`), duration_sec: 301 });
    expect(bottleneckHints(defaults, [big]).map((h) => h.hint)).toEqual(['many_files', 'large_input', 'wide_table', 'slow_merge']);
  });

  it('names the table of each hint', () => {
    const hints = bottleneckHints(custom, [table({ table: 'a', csv_files: 11 }), table({ table: 'b' }), table({ table: 'c', duration_sec: 100 })]);
    expect(hints.map((h) => [h.table, h.hint])).toEqual([
      ['a', 'many_files'],
      ['c', 'slow_merge'],
    ]);
  });
});

describe('formatSummaryText', () => {
  it('shows the run, a row per table and only the checks that did not pass', () => {
    const text = formatSummaryText(
      summary({
        status: 'fail',
        exit_code: 3,
        tables: [
          table({
            status: 'fail',
            checks: [
              { check: 'expected_files', status: 'ok', message: '3 file(s), as expected' },
              { check: 'null_ratio', column: 'amount', status: 'fail', value: 0.6, limit: 0.5, message: 'amount: 60.00% null (limit 50.00%)' },
              { check: 'malformed_rows', status: 'warn', value: 2, message: '2 malformed row(s) quarantined' },
            ],
          }),
          table({ table: 'payments', status: 'ok', csv_files: 12, rows: 123456, input_size_mb: 0.5, columns: ['a', 'b', 'c'], duplicate_keys: null, malformed_rows: 7, duration_sec: 10.25 }),
        ],
      }),
    );
    const lines = text.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      'partner-ingest run run-1: acme 2026-11-22 -> FAIL (exit 3)',
      'started 2026-11-23T01:00:00.000Z, ended 2026-11-23T01:00:05.000Z, 5s',
      'source  file:///drop/',
      'output  file:///out/',
      '',
      'archives: 4 found, 3 extracted, 0 unchanged since the last run, 1 quarantined',
      'input: 1.2 MB compressed, 12.3 MB uncompressed',
      'stages: extract 3s, merge 1.5s',
    ]);
    expect(lines.slice(9, 12)).toEqual([
      'table     status  files    rows   MB in  columns  dup keys  malformed  seconds',
      'bookings  fail        3    1500  12.345        2         0          0      2.5',
      'payments  ok         12  123456     0.5        3         -          7    10.25',
    ]);
    expect(lines.slice(12)).toEqual([
      '',
      'bookings:',
      '  FAIL null_ratio: amount: 60.00% null (limit 50.00%)',
      '  WARN malformed_rows: 2 malformed row(s) quarantined',
      '',
    ]);
    expect(text).not.toContain('as expected');
    expect(text).not.toContain('payments:');
  });

  it('lists quarantines, unmatched members, quarantined rows, hints and failures', () => {
    const text = formatSummaryText(
      summary({
        rows_quarantined: 5,
        quarantine_files: ['_quarantine/a.jsonl'],
        quarantined_archives: [{ archive: 'b.tar.gz', code: 'ARCHIVE_TRUNCATED', reason: 'cut short' }],
        quarantined_members: [{ archive: 'a.tar.gz', member: 'x/events_1.csv', code: 'MEMBER_NEW_COLUMN', reason: 'unexpected column(s) z' }],
        unmatched_members: [{ archive: 'a.tar.gz', member: 'README' }],
        hints: [{ table: 'bookings', hint: 'many_files', message: 'too many' }, { hint: 'large_input', message: 'big day' }],
        failures: [{ task: 'merge:bookings', message: 'disk full' }],
      }),
    );
    for (const line of [
      'quarantined archives (1):',
      '  b.tar.gz: ARCHIVE_TRUNCATED cut short',
      'quarantined members (1):',
      '  a.tar.gz: x/events_1.csv: MEMBER_NEW_COLUMN unexpected column(s) z',
      'unmatched members (1):',
      '  a.tar.gz: README',
      'quarantined rows: 5, in (1):',
      '  _quarantine/a.jsonl',
      'hints (2):',
      '  bookings: too many',
      '  big day',
      'failures (1):',
      '  merge:bookings: disk full',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });

  it('leaves out empty sections and caps long ones at 50 items', () => {
    const quiet = formatSummaryText(summary());
    expect(quiet).not.toMatch(/^(quarantined|unmatched|hints|failures).*:$/m);
    expect(quiet.endsWith('      2.5\n')).toBe(true);
    const noisy = formatSummaryText(summary({ unmatched_members: Array.from({ length: 60 }, (_, i) => ({ archive: 'a.tar.gz', member: `m${i}` })) }));
    expect(noisy).toContain('unmatched members (60):');
    expect(noisy).toContain('  a.tar.gz: m49\n');
    expect(noisy).not.toContain('  a.tar.gz: m50\n');
    expect(noisy).toContain('  ... and 10 more in the JSON summary');
  });
});
