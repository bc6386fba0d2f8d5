import { describe, expect, it } from 'vitest';
import type { ContenderName } from './contender-names.js';
import type { ContenderSummary } from './summary.js';
import { checkTargets, formatTargetCheck } from './targets.js';

const summary = (name: ContenderName, medianSeconds: number, peakRssMiB = 100): ContenderSummary => ({
  name, runs: 3, medianSeconds, mbPerSecond: 1000 / medianSeconds, ratioToFloor: null, peakRssMiB,
});

const lines = (summaries: ContenderSummary[]) => checkTargets(summaries).map(formatTargetCheck);

describe('checkTargets', () => {
  it('passes when partner-ingest is within 1.6x of the floor, 2x faster than tuned DuckDB, and small', () => {
    expect(lines([summary('floor', 10), summary('duckdb-tuned', 40), summary('partner-ingest', 14, 180.4), summary('partner-ingest-c1', 24.5)])).toEqual([
      'partner-ingest wall <= 1.6x floor: yes (1.40x)',
      'partner-ingest >= 2x faster than duckdb-tuned: yes (2.86x)',
      'partner-ingest peak RSS <= 256 MiB: yes (180 MiB)',
      'partner-ingest speedup over --concurrency 1: 1.75x (24.50 s -> 14.00 s)',
    ]);
  });

  it('fails each target that is missed, and counts the limits themselves as met', () => {
    expect(lines([summary('floor', 10), summary('duckdb-tuned', 33), summary('partner-ingest', 17, 300)]).slice(0, 3)).toEqual([
      'partner-ingest wall <= 1.6x floor: no (1.70x)',
      'partner-ingest >= 2x faster than duckdb-tuned: no (1.94x)',
      'partner-ingest peak RSS <= 256 MiB: no (300 MiB)',
    ]);
    const edge = checkTargets([summary('floor', 10), summary('duckdb-tuned', 32), summary('partner-ingest', 16, 256)]);
    expect(edge.slice(0, 3).map((c) => c.pass)).toEqual([true, true, true]);
  });

  it('adds what the second core buys the floor when the one-process floor was measured', () => {
    expect(lines([summary('floor', 3.2), summary('floor-1', 5.6)])).toContain('floor speedup over one gzip process: 1.75x (5.60 s -> 3.20 s)');
    expect(lines([summary('floor', 3.2)]).some((line) => line.startsWith('floor speedup'))).toBe(false);
    expect(lines([summary('floor-1', 5.6)]).some((line) => line.startsWith('floor speedup'))).toBe(false);
  });

  it('adds what a second BullMQ worker buys when both were measured', () => {
    const checks = lines([summary('bullmq-1-worker', 20), summary('bullmq-2-workers', 11)]);
    expect(checks).toContain('partner-ingest on 2 BullMQ workers vs 1: 1.82x (20.00 s -> 11.00 s)');
    expect(lines([summary('bullmq-1-worker', 20)]).some((line) => line.includes('BullMQ'))).toBe(false);
  });

  it('says which contender is missing instead of passing or failing', () => {
    expect(lines([summary('floor', 10)])).toEqual([
      'partner-ingest wall <= 1.6x floor: n/a (needs partner-ingest)',
      'partner-ingest >= 2x faster than duckdb-tuned: n/a (needs duckdb-tuned and partner-ingest)',
      'partner-ingest peak RSS <= 256 MiB: n/a (needs partner-ingest)',
      'partner-ingest speedup over --concurrency 1: n/a (needs partner-ingest and partner-ingest-c1)',
    ]);
    expect(checkTargets([]).every((c) => c.pass === null)).toBe(true);
  });
});
