// Command-line arguments of `pnpm bench`. Parsing is pure and returns a result instead of
// throwing, so usage mistakes are tested as data and the CLI alone decides how to print them.

import { parseArgs } from 'node:util';
import { CONTENDER_NAMES, DEFAULT_CONTENDERS, isContenderName, type ContenderName } from './contender-names.js';

/** Data sizes the issue defines targets for; each has its own cached drop. */
export const BENCH_SIZES = ['100MB', '1GB', '4GB'] as const;
export type BenchSize = (typeof BENCH_SIZES)[number];

export interface BenchOptions {
  size: BenchSize;
  runs: number;
  /** Contenders to measure, always in report order. */
  only: ContenderName[];
  /** The drop spread over this many archives, instead of the generator's ~6 MB of CSV each. */
  archives?: number;
}

export type ParsedArgs = { kind: 'run'; options: BenchOptions } | { kind: 'help' } | { kind: 'error'; message: string };

export const DEFAULT_SIZE: BenchSize = '1GB';
export const DEFAULT_RUNS = 3;

export const USAGE = `usage: pnpm bench [--size ${BENCH_SIZES.join('|')}] [--runs N] [--only ${CONTENDER_NAMES.join(',')}] [--archives N]

  --size   generated acme-travel drop to measure (uncompressed CSV bytes, 1 MB = 10^6), default ${DEFAULT_SIZE}
  --runs   measured runs per contender, interleaved round-robin, default ${DEFAULT_RUNS}
  --only   comma-separated contenders to measure, default ${DEFAULT_CONTENDERS.join(',')}
           (bullmq-1-worker and bullmq-2-workers need redis-server: partner-ingest on BullMQ
           workers, one and two, for the scaling figure)
  --archives the same bytes in N archives (a drop of its own, cached apart), to see what grows with
           the number of archives rather than their size, e.g. --size 100MB --archives 4000`;

export function parseBenchArgs(argv: readonly string[]): ParsedArgs {
  let values: { size?: string; runs?: string; only?: string; archives?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        size: { type: 'string' },
        runs: { type: 'string' },
        only: { type: 'string' },
        archives: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // node:util reports unknown options and missing values with a readable message of its own.
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help === true) return { kind: 'help' };

  const size = parseSizeArg(values.size);
  if (typeof size !== 'string') return size;
  const runs = parseRunsArg(values.runs);
  if (typeof runs !== 'number') return runs;
  const only = parseOnlyArg(values.only);
  if (!Array.isArray(only)) return only;
  if (values.archives === undefined) return { kind: 'run', options: { size, runs, only } };
  if (!/^\d+$/.test(values.archives) || Number(values.archives) < 1) {
    return { kind: 'error', message: `--archives must be a whole number >= 1 (got ${JSON.stringify(values.archives)})` };
  }
  return { kind: 'run', options: { size, runs, only, archives: Number(values.archives) } };
}

function parseSizeArg(text: string | undefined): BenchSize | { kind: 'error'; message: string } {
  if (text === undefined) return DEFAULT_SIZE;
  // Case-insensitive so `--size 1gb` works, but only the sizes with defined targets.
  const size = BENCH_SIZES.find((s) => s.toLowerCase() === text.trim().toLowerCase());
  if (size === undefined) return { kind: 'error', message: `--size must be one of ${BENCH_SIZES.join(', ')} (got ${JSON.stringify(text)})` };
  return size;
}

function parseRunsArg(text: string | undefined): number | { kind: 'error'; message: string } {
  if (text === undefined) return DEFAULT_RUNS;
  if (!/^\d+$/.test(text) || Number(text) < 1) return { kind: 'error', message: `--runs must be a whole number >= 1 (got ${JSON.stringify(text)})` };
  return Number(text);
}

function parseOnlyArg(text: string | undefined): ContenderName[] | { kind: 'error'; message: string } {
  if (text === undefined) return [...DEFAULT_CONTENDERS];
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) return { kind: 'error', message: `--only needs at least one of ${CONTENDER_NAMES.join(', ')}` };
  const unknown = names.filter((n) => !isContenderName(n));
  if (unknown.length > 0) {
    return { kind: 'error', message: `--only: unknown contender ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known: ${CONTENDER_NAMES.join(', ')}` };
  }
  return CONTENDER_NAMES.filter((n) => names.includes(n));
}
