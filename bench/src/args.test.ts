import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './args.js';
import { DEFAULT_CONTENDERS } from './contender-names.js';

describe('parseBenchArgs', () => {
  it('defaults to 1GB, 3 runs and every contender but the opt-in BullMQ ones, in report order', () => {
    expect(parseBenchArgs([])).toEqual({ kind: 'run', options: { size: '1GB', runs: 3, only: [...DEFAULT_CONTENDERS] } });
    expect(DEFAULT_CONTENDERS).not.toContain('bullmq-2-workers');
  });

  it('measures the BullMQ runs when --only names them', () => {
    expect(parseBenchArgs(['--only', 'bullmq-2-workers,bullmq-1-worker'])).toEqual({ kind: 'run', options: { size: '1GB', runs: 3, only: ['bullmq-1-worker', 'bullmq-2-workers'] } });
  });

  it.each([
    ['100MB', '100MB'],
    ['1GB', '1GB'],
    ['4GB', '4GB'],
    ['4gb', '4GB'],
    ['100mb', '100MB'],
  ])('accepts --size %s as %s', (text, size) => {
    const parsed = parseBenchArgs(['--size', text]);
    expect(parsed.kind === 'run' && parsed.options.size).toBe(size);
  });

  it('accepts --size=VALUE and --runs', () => {
    expect(parseBenchArgs(['--size=100MB', '--runs', '5'])).toEqual({ kind: 'run', options: { size: '100MB', runs: 5, only: [...DEFAULT_CONTENDERS] } });
  });

  it('takes --archives, for the same bytes in that many archives', () => {
    expect(parseBenchArgs(['--size', '100MB', '--archives', '4000'])).toEqual({ kind: 'run', options: { size: '100MB', runs: 3, only: [...DEFAULT_CONTENDERS], archives: 4000 } });
  });

  it('keeps --only in report order, without duplicates or blanks', () => {
    const parsed = parseBenchArgs(['--only', 'partner-ingest, floor,,floor']);
    expect(parsed).toEqual({ kind: 'run', options: { size: '1GB', runs: 3, only: ['floor', 'partner-ingest'] } });
  });

  it.each([
    [['--size', '2GB'], '--size must be one of 100MB, 1GB, 4GB (got "2GB")'],
    [['--size', '1000MB'], '--size must be one of 100MB, 1GB, 4GB (got "1000MB")'],
    [['--runs', '0'], '--runs must be a whole number >= 1 (got "0")'],
    [['--runs', '2.5'], '--runs must be a whole number >= 1 (got "2.5")'],
    [['--runs', 'three'], '--runs must be a whole number >= 1 (got "three")'],
    [['--archives', '0'], '--archives must be a whole number >= 1 (got "0")'],
    [['--archives', 'many'], '--archives must be a whole number >= 1 (got "many")'],
    [['--only', 'floor,duckdb'], '--only: unknown contender "duckdb"; known: floor, floor-1, shell, duckdb-naive, duckdb-tuned, partner-ingest, partner-ingest-c1, bullmq-1-worker, bullmq-2-workers'],
    [['--only', ','], '--only needs at least one of floor, floor-1, shell, duckdb-naive, duckdb-tuned, partner-ingest, partner-ingest-c1, bullmq-1-worker, bullmq-2-workers'],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(parseBenchArgs(argv)).toEqual({ kind: 'error', message });
  });

  it('rejects unknown options, missing values and positionals', () => {
    for (const argv of [['--sizes', '1GB'], ['--runs'], ['1GB']]) {
      const parsed = parseBenchArgs(argv);
      expect(parsed.kind, argv.join(' ')).toBe('error');
      expect(parsed.kind === 'error' && parsed.message.length).toBeGreaterThan(10);
    }
    const unknown = parseBenchArgs(['--sizes', '1GB']);
    expect(unknown.kind === 'error' && unknown.message).toContain("'--sizes'");
  });

  it('returns help for --help and -h', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseBenchArgs(['--runs', '2', '-h'])).toEqual({ kind: 'help' });
  });
});
