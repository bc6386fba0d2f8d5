// Argument parsing for the generator CLI, kept apart from cli.ts so it can be tested without
// running anything. Usage mistakes throw UsageError; cli.ts turns them into exit code 2.

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, PROFILE_NAMES, type FaultKind, type GenerateDropOptions } from './generate-drop.js';
import { isProfileName } from './profiles.js';
import { parseIsoDate } from './value-format.js';

export const USAGE = `usage: node examples/dist/generator/cli.js --profile <${PROFILE_NAMES.join('|')}> --date yyyy-MM-dd --out <dir>
       [--archives N] [--rows-per-member N | --size 100MB] [--seed S] [--faults none|all|kind,kind...]
       [--archive-size 5MB] [--batches-per-archive N] [--gzip-level 0-9] [--threads N] [--concurrency N] [--json]

  --rows-per-member  data rows per member of the base table (bookings, tickets); other tables
                     scale (searches x3, cancellations x0.1, journeys x0.5). Default 200.
  --size             target uncompressed CSV bytes (KB/MB/GB = 1000^n, KiB/MiB/GiB = 1024^n);
                     picks rows per member, and the archive count unless --archives is given.
  --faults           ${FAULT_KINDS.join(', ')}
  --gzip-level       zlib level, default 4 (inflates like 6, compresses twice as fast)
  --threads          worker threads writing archives, default: number of cores (0: in-process)
  --concurrency      archives written at once in-process (with --threads 0), default min(4, cores)
  --json             print the manifest instead of the summary line`;

export class UsageError extends Error {}

/** "100MB", "1.5GiB", "4096" -> bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`bad size ${JSON.stringify(text)} (try 100MB)`);
  const unit = (m[2] ?? '').toLowerCase().replace(/b$/, '');
  const powers: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4 };
  const power = powers[unit.replace('i', '')];
  if (power === undefined) throw new UsageError(`bad size unit in ${JSON.stringify(text)}`);
  return Math.round(Number(m[1]) * (unit.endsWith('i') ? 1024 : 1000) ** power);
}

export function parseFaults(text: string): 'none' | 'all' | FaultKind[] {
  if (text === 'none' || text === 'all') return text;
  const kinds = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const k of kinds) {
    if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new UsageError(`unknown fault ${JSON.stringify(k)}; known: ${FAULT_KINDS.join(', ')}`);
  }
  return kinds as FaultKind[];
}

function integer(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${name} must be an integer >= ${min}`);
  return Number(text);
}

export function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} KB`;
}

export function parseCli(argv: readonly string[]): (GenerateDropOptions & { json: boolean }) | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      profile: { type: 'string' },
      date: { type: 'string' },
      out: { type: 'string' },
      archives: { type: 'string' },
      'rows-per-member': { type: 'string' },
      size: { type: 'string' },
      'archive-size': { type: 'string' },
      'batches-per-archive': { type: 'string' },
      seed: { type: 'string' },
      faults: { type: 'string' },
      'gzip-level': { type: 'string' },
      concurrency: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  for (const required of ['profile', 'date', 'out'] as const) {
    if (values[required] === undefined) throw new UsageError(`--${required} is required`);
  }
  if (!isProfileName(values.profile as string)) {
    throw new UsageError(`unknown profile ${JSON.stringify(values.profile)}; known: ${PROFILE_NAMES.join(', ')}`);
  }
  try {
    parseIsoDate(values.date as string);
  } catch (err) {
    throw new UsageError(`--date: ${(err as Error).message}`);
  }
  if (values['rows-per-member'] !== undefined && values.size !== undefined) {
    throw new UsageError('--rows-per-member and --size are mutually exclusive');
  }
  const options: GenerateDropOptions & { json: boolean } = {
    profile: values.profile as string,
    date: values.date as string,
    outDir: values.out as string,
    faults: parseFaults(values.faults ?? 'none'),
    json: values.json,
  };
  const set = <K extends keyof GenerateDropOptions>(key: K, value: GenerateDropOptions[K] | undefined) => {
    if (value !== undefined) (options as GenerateDropOptions)[key] = value;
  };
  set('archives', integer('archives', values.archives, 1));
  set('rowsPerMember', integer('rows-per-member', values['rows-per-member'], 0));
  set('batchesPerArchive', integer('batches-per-archive', values['batches-per-archive'], 1));
  set('seed', integer('seed', values.seed, 0));
  set('gzipLevel', integer('gzip-level', values['gzip-level'], 0));
  set('concurrency', integer('concurrency', values.concurrency, 1));
  options.threads = integer('threads', values.threads, 0) ?? availableParallelism();
  if (values.size !== undefined) options.size = parseSize(values.size);
  if (values['archive-size'] !== undefined) options.archiveBytes = parseSize(values['archive-size']);
  if (options.gzipLevel !== undefined && options.gzipLevel > 9) throw new UsageError('--gzip-level must be 0-9');
  return options;
}
