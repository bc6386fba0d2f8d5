// The contenders: each is the command measured as one process tree, and a check of its output
// that runs after the timed span. A contender that exits non-zero or produces the wrong row
// counts fails the bench: a fast wrong answer is not a result.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ContenderName } from './contender-names.js';
import type { Drop } from './dataset.js';
import { BULLMQ_RUN_JS, DUCKDB_MERGE_JS, PARTNER_INGEST_BIN_JS, REPO_ROOT, SCRIPTS_DIR } from './paths.js';

export interface RunContext {
  drop: Drop;
  /** Empty directory for this run's files; removed after the run. */
  workDir: string;
  /** NUL-separated archive paths, for `xargs -0 -a`. */
  archiveList: string;
  /** Processes for the parallel shell steps (os.availableParallelism()). */
  jobs: number;
  /** partner-ingest's spec for the drop's profile. */
  specPath: string;
}

export interface RunOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ContenderCommand {
  argv: string[];
  cwd: string;
  /** false: stdout goes to /dev/null (the floor's decompressed bytes). */
  captureStdout: boolean;
}

export interface Contender {
  name: ContenderName;
  description: string;
  command(ctx: RunContext): ContenderCommand;
  /** Problems with a finished run; empty when it did the work. */
  verify(ctx: RunContext, output: RunOutput): string[];
}

const script = (name: string) => join(SCRIPTS_DIR, name);
const tablesOf = (ctx: RunContext) => Object.keys(ctx.drop.manifest.tables);
const extracted = (ctx: RunContext) => join(ctx.workDir, 'extracted');
const merged = (ctx: RunContext) => join(ctx.workDir, 'out');

function exitProblems(output: RunOutput): string[] {
  return output.exitCode === 0 ? [] : [`exit code ${output.exitCode}`];
}

/** Compares per-table row counts with the generator's manifest. */
export function rowProblems(manifest: Drop['manifest'], rows: ReadonlyMap<string, number>): string[] {
  return Object.entries(manifest.tables).flatMap(([table, t]) => {
    const got = rows.get(table);
    if (got === undefined) return [`table ${table}: missing from the output`];
    return got === t.rows ? [] : [`table ${table}: ${got} rows, the manifest says ${t.rows}`];
  });
}

function parseJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout) as unknown;
  } catch {
    return undefined;
  }
}

/** `gzip -dc` of every archive to /dev/null, `jobs(ctx)` processes at a time. */
function gunzipAll(name: ContenderName, description: string, jobs: (ctx: RunContext) => number): Contender {
  return {
    name,
    description,
    command: (ctx) => ({
      argv: ['xargs', '-0', '-a', ctx.archiveList, '-P', String(jobs(ctx)), '-n', '1', 'gzip', '-dc'],
      cwd: ctx.workDir,
      captureStdout: false,
    }),
    verify: (_ctx, output) => exitProblems(output),
  };
}

const floor = gunzipAll('floor', 'gzip -dc of every archive to /dev/null, one process per core (xargs -P): the cost of inflating the drop', (ctx) => ctx.jobs);

// Not a target's yardstick: inflating on one core, so the report can say what a second core buys
// the floor itself beside what it buys partner-ingest.
const floorOneCore = gunzipAll('floor-1', 'the floor with one gzip process: the cost of inflating the drop on one core', () => 1);

const shell: Contender = {
  name: 'shell',
  description: 'tar -xzf of every archive (xargs -P), then per table cat of the first member and tail -n +2 of the others',
  command: (ctx) => ({
    argv: [
      'sh', script('extract-all.sh'), String(ctx.jobs), ctx.archiveList, extracted(ctx),
      'sh', script('concat-tables.sh'), extracted(ctx), merged(ctx), ctx.drop.request.date.replaceAll('-', ''), ...tablesOf(ctx),
    ],
    cwd: ctx.workDir,
    captureStdout: true,
  }),
  verify: (ctx, output) => {
    const missing = tablesOf(ctx).filter((t) => !existsSync(join(merged(ctx), `${t}.csv`)));
    return [...exitProblems(output), ...missing.map((t) => `table ${t}: no ${t}.csv written`)];
  },
};

function duckdb(mode: 'naive' | 'tuned', description: string): Contender {
  return {
    name: `duckdb-${mode}`,
    description,
    command: (ctx) => ({
      argv: [
        'sh', script('extract-all.sh'), String(ctx.jobs), ctx.archiveList, extracted(ctx),
        process.execPath, DUCKDB_MERGE_JS, '--mode', mode, '--extracted', extracted(ctx), '--out', merged(ctx), '--tables', tablesOf(ctx).join(','),
      ],
      // DuckDB spills to ./.tmp when it runs short of memory: keep that inside the run's directory.
      cwd: ctx.workDir,
      captureStdout: true,
    }),
    verify: (ctx, output) => reportedRowProblems(ctx, output, 'duckdb-merge.js printed no JSON report'),
  };
}

/** Problems with a run that prints `{ tables: [{ table, rows }] }` as JSON on stdout (`missing` when it does not). */
function reportedRowProblems(ctx: RunContext, output: RunOutput, missing: string): string[] {
  if (output.exitCode !== 0) return exitProblems(output);
  const report = parseJson(output.stdout) as { tables?: { table: string; rows: number }[] } | undefined;
  if (!Array.isArray(report?.tables)) return [missing];
  return rowProblems(ctx.drop.manifest, new Map(report.tables.map((t) => [t.table, t.rows])));
}

function partnerIngest(name: ContenderName, extraArgs: string[], description: string, bullmqWorkers?: number): Contender {
  return {
    name,
    description,
    command: (ctx) => ({
      argv: [
        process.execPath, ...(bullmqWorkers ? [BULLMQ_RUN_JS, String(bullmqWorkers), '--'] : [PARTNER_INGEST_BIN_JS, 'run']), ctx.specPath, '--date', ctx.drop.request.date,
        '--source', ctx.drop.dir, '--staging', join(ctx.workDir, 'staging'), '--output', join(ctx.workDir, 'out'), '--json', ...extraArgs,
      ],
      cwd: REPO_ROOT,
      captureStdout: true,
    }),
    // Exit 0 means every table was published; warnings (status "warn") are allowed.
    verify: (ctx, output) => reportedRowProblems(ctx, output, 'no JSON run summary on stdout'),
  };
}

export const CONTENDERS: readonly Contender[] = [
  floor,
  floorOneCore,
  shell,
  duckdb('naive', 'tar -xzf (xargs -P), then DuckDB COPY (SELECT * FROM read_csv(glob, union_by_name=true)) per table, and null counts of the merged file'),
  duckdb('tuned', 'tar -xzf (xargs -P), then DuckDB with files grouped by header, explicit VARCHAR columns, detection off, UNION ALL BY NAME; same COPY and null counts'),
  partnerIngest('partner-ingest', [], 'partner-ingest run with default settings (concurrency = cores)'),
  partnerIngest('partner-ingest-c1', ['--concurrency', '1'], 'partner-ingest run --concurrency 1: what the second core buys'),
  partnerIngest('bullmq-1-worker', [], 'partner-ingest run --executor bullmq with one `partner-ingest worker` (a redis-server and the worker started and stopped inside the measured span)', 1),
  partnerIngest('bullmq-2-workers', [], 'the same with two workers on this machine: what a second worker buys', 2),
];

export function contender(name: ContenderName): Contender {
  const found = CONTENDERS.find((c) => c.name === name);
  if (!found) throw new Error(`no contender named ${name}`);
  return found;
}
