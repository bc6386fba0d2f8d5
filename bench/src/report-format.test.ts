import { describe, expect, it } from 'vitest';
import { formatData, formatMachine, formatMarkdownTable, formatReport, formatSummaryTable, groupDigits, type DataInfo, type MachineInfo } from './report-format.js';
import type { ContenderSummary } from './summary.js';
import { checkTargets } from './targets.js';

const machine: MachineInfo = {
  cpuModel: 'AMD EPYC 7B13',
  cores: 2,
  totalMemoryBytes: 24 * 1024 ** 3 + 512 * 1024 ** 2,
  nodeVersion: 'v20.20.0',
  date: '2026-11-23T16:40:00.000Z',
};

const data: DataInfo = {
  profile: 'acme-travel',
  date: '2026-11-22',
  size: '1GB',
  archives: 181,
  compressedBytes: 238_149_000,
  csvBytes: 1_000_123_456,
  tables: [
    { name: 'bookings', files: 217, rows: 3_120_000 },
    { name: 'searches', files: 217, rows: 9_360_000 },
    { name: 'cancellations', files: 160, rows: 312_001 },
  ],
};

const summaries: ContenderSummary[] = [
  { name: 'floor', runs: 3, medianSeconds: 2.5, mbPerSecond: 400.0494, ratioToFloor: 1, peakRssMiB: 1.75 },
  { name: 'duckdb-tuned', runs: 3, medianSeconds: 22.22, mbPerSecond: 45.0101, ratioToFloor: 8.888, peakRssMiB: 1490.4 },
  { name: 'partner-ingest', runs: 3, medianSeconds: 3.6, mbPerSecond: 277.812, ratioToFloor: 1.44, peakRssMiB: 140.6 },
];

describe('report formatting', () => {
  it('groups digits without depending on the locale', () => {
    expect([0, 999, 1000, 1_000_123_456].map(groupDigits)).toEqual(['0', '999', '1,000', '1,000,123,456']);
  });

  it('describes the machine and the data on one line each', () => {
    expect(formatMachine(machine)).toBe('AMD EPYC 7B13, 2 cores, 24.5 GiB RAM, node v20.20.0, 2026-11-23T16:40:00.000Z');
    expect(formatData(data)).toBe(
      'acme-travel 2026-11-22 --size 1GB: 181 archives (238.1 MB gz), 1,000,123,456 CSV bytes (1000.1 MB); ' +
        'bookings 3,120,000 rows in 217 files, searches 9,360,000 rows in 217 files, cancellations 312,001 rows in 160 files',
    );
  });

  it('pads markdown table columns and right-aligns with a colon rule', () => {
    expect(formatMarkdownTable(['a', 'number'], [['long name', '1'], ['b', '22.5']], ['left', 'right'])).toBe(
      ['| a         | number |', '| --------- | -----: |', '| long name |      1 |', '| b         |   22.5 |'].join('\n'),
    );
  });

  it('prints the summary table with fixed decimals', () => {
    expect(formatSummaryTable(summaries)).toBe(
      [
        '| contender      | median s |  MB/s | x floor | peak RSS MiB | runs |',
        '| -------------- | -------: | ----: | ------: | -----------: | ---: |',
        '| floor          |     2.50 | 400.0 |    1.00 |            2 |    3 |',
        '| duckdb-tuned   |    22.22 |  45.0 |    8.89 |         1490 |    3 |',
        '| partner-ingest |     3.60 | 277.8 |    1.44 |          141 |    3 |',
      ].join('\n'),
    );
    expect(formatSummaryTable([{ ...(summaries[0] as ContenderSummary), name: 'shell', ratioToFloor: null }])).toContain('| shell     |     2.50 | 400.0 |       - |');
  });

  it('assembles the markdown report', () => {
    expect(formatReport({ machine, data, runs: 3, summaries, checks: checkTargets(summaries) })).toBe(
      [
        '# pnpm bench --size 1GB',
        '',
        '- machine: AMD EPYC 7B13, 2 cores, 24.5 GiB RAM, node v20.20.0, 2026-11-23T16:40:00.000Z',
        '- data: acme-travel 2026-11-22 --size 1GB: 181 archives (238.1 MB gz), 1,000,123,456 CSV bytes (1000.1 MB); ' +
          'bookings 3,120,000 rows in 217 files, searches 9,360,000 rows in 217 files, cancellations 312,001 rows in 160 files',
        '- runs: 3 per contender, interleaved round-robin; median wall time; MB = 10^6 uncompressed CSV bytes; RSS = largest single process',
        '',
        '| contender      | median s |  MB/s | x floor | peak RSS MiB | runs |',
        '| -------------- | -------: | ----: | ------: | -----------: | ---: |',
        '| floor          |     2.50 | 400.0 |    1.00 |            2 |    3 |',
        '| duckdb-tuned   |    22.22 |  45.0 |    8.89 |         1490 |    3 |',
        '| partner-ingest |     3.60 | 277.8 |    1.44 |          141 |    3 |',
        '',
        'Targets:',
        '',
        '- partner-ingest wall <= 1.6x floor: yes (1.44x)',
        '- partner-ingest >= 2x faster than duckdb-tuned: yes (6.17x)',
        '- partner-ingest peak RSS <= 256 MiB: yes (141 MiB)',
        '- partner-ingest speedup over --concurrency 1: n/a (needs partner-ingest-c1)',
        '',
      ].join('\n'),
    );
    expect(formatReport({ machine, data, runs: 3, summaries, checks: checkTargets(summaries), archives: 4000 }).split('\n')[0]).toBe('# pnpm bench --size 1GB --archives 4000');
  });
});
