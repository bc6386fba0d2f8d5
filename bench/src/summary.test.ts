import { describe, expect, it } from 'vitest';
import type { ContenderName } from './contender-names.js';
import { summarize, type RunMeasurement } from './summary.js';

const run = (contender: ContenderName, n: number, wallSeconds: number, maxRssKb: number): RunMeasurement => ({
  contender, run: n, wallSeconds, maxRssKb, rssMethod: 'gnu-time', userSeconds: 0, systemSeconds: 0, exitCode: 0,
});

describe('summarize', () => {
  const runs = [
    run('floor', 1, 2.2, 2048), run('partner-ingest', 1, 3.9, 200 * 1024),
    run('floor', 2, 2.0, 3072), run('partner-ingest', 2, 3.0, 150 * 1024),
    run('floor', 3, 2.1, 1024), run('partner-ingest', 3, 3.15, 180 * 1024),
  ];

  it('reports median wall, MB/s of the CSV bytes, ratio to the floor and the peak RSS of all runs', () => {
    expect(summarize(['floor', 'partner-ingest'], runs, 315_000_000)).toEqual([
      { name: 'floor', runs: 3, medianSeconds: 2.1, mbPerSecond: 150, ratioToFloor: 1, peakRssMiB: 3 },
      { name: 'partner-ingest', runs: 3, medianSeconds: 3.15, mbPerSecond: 100, ratioToFloor: 1.5, peakRssMiB: 200 },
    ]);
  });

  it('follows the order of names, skips names without runs, and has no ratio without a floor', () => {
    const summaries = summarize(['partner-ingest', 'shell'], runs.filter((r) => r.contender !== 'floor'), 315_000_000);
    expect(summaries.map((s) => [s.name, s.ratioToFloor])).toEqual([['partner-ingest', null]]);
  });
});
