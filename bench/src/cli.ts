#!/usr/bin/env node
// `pnpm bench`: makes (or reuses) the drop, measures the contenders, prints the report on stdout
// and writes it to results/. Progress goes to stderr. Exit 0 when every contender ran correctly
// (whether the targets are met is reported, not an error), 1 when one failed, 2 on bad usage.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { parseBenchArgs, USAGE, type BenchOptions } from './args.js';
import { DEFAULT_CONTENDERS } from './contender-names.js';
import { contender } from './contenders.js';
import { ensureDrop, type Drop } from './dataset.js';
import { describeMachine } from './machine.js';
import { CACHE_ROOT, DUCKDB_MERGE_JS, GENERATOR_CLI_JS, PARTNER_INGEST_BIN_JS, REPO_ROOT, RESULTS_DIR } from './paths.js';
import { formatReport, type DataInfo } from './report-format.js';
import { resultsName, writeResults, type BenchRecord } from './results-file.js';
import { ContenderFailure, runBench, type BenchEvent } from './run-bench.js';
import { summarize } from './summary.js';
import { checkTargets } from './targets.js';

const PROFILE = 'acme-travel';
const DATE = '2026-11-22';

const log = (line: string) => process.stderr.write(`${line}\n`);
const rel = (path: string) => relative(process.cwd(), path) || '.';

function missingBuild(options: BenchOptions): string[] {
  const needed = [GENERATOR_CLI_JS];
  if (options.only.some((n) => n.startsWith('partner-ingest'))) needed.push(PARTNER_INGEST_BIN_JS);
  if (options.only.some((n) => n.startsWith('duckdb'))) needed.push(DUCKDB_MERGE_JS);
  return needed.filter((p) => !existsSync(p));
}

function dataInfo(drop: Drop): DataInfo {
  const m = drop.manifest;
  return {
    profile: m.profile,
    date: m.date,
    size: drop.request.size,
    archives: m.archives.length,
    compressedBytes: m.archives.reduce((sum, a) => sum + a.bytes, 0),
    csvBytes: m.csvBytes,
    tables: Object.entries(m.tables).map(([name, t]) => ({ name, files: t.files, rows: t.rows })),
  };
}

function progress(event: BenchEvent): void {
  if (event.kind === 'warm') log(`warming the page cache with ${event.archives} archives`);
  else if (event.kind === 'done') {
    const m = event.measurement;
    const cpu = m.userSeconds + m.systemSeconds;
    log(`[${event.index + 1}/${event.total}] ${m.contender} run ${m.run}: ${m.wallSeconds.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU, ${Math.round(m.maxRssKb / 1024)} MiB peak RSS`);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`bench: ${parsed.message}\n${USAGE}\n`);
    return 2;
  }
  const options = parsed.options;
  const missing = missingBuild(options);
  if (missing.length > 0) {
    log(`bench: missing ${missing.map(rel).join(', ')}: run pnpm build first (pnpm bench does)`);
    return 2;
  }

  const startedAt = new Date();
  const archives = options.archives === undefined ? [] : ['--archives', String(options.archives)];
  log(`data: ${PROFILE} ${DATE} ${['--size', options.size, ...archives].join(' ')} (generated once, cached under ${rel(CACHE_ROOT)})`);
  const drop = await ensureDrop(CACHE_ROOT, { profile: PROFILE, date: DATE, size: options.size, ...(archives.length > 0 ? { extraArgs: archives } : {}) }, GENERATOR_CLI_JS);
  log(`data: ${drop.reused ? 'reused' : 'generated'} ${rel(drop.dir)}: ${drop.manifest.archives.length} archives, ${drop.manifest.csvBytes} CSV bytes`);

  const jobs = availableParallelism();
  const specPath = join(REPO_ROOT, 'partners', `${PROFILE}.yaml`);
  const runs = await runBench(
    { drop, contenders: options.only, runs: options.runs, jobs, specPath, workRoot: join(CACHE_ROOT, 'runs') },
    progress,
  );

  const machine = await describeMachine(startedAt);
  const data = dataInfo(drop);
  const summaries = summarize(options.only, runs, drop.manifest.csvBytes);
  const checks = checkTargets(summaries);
  const markdown = formatReport({ machine, data, runs: options.runs, summaries, checks, ...(options.archives === undefined ? {} : { archives: options.archives }) });
  const placeholder = { drop, workDir: '<work>', archiveList: '<archives.list>', jobs, specPath };
  const record: BenchRecord = {
    size: options.size,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    options,
    machine,
    data,
    contenders: options.only.map((name) => {
      const c = contender(name);
      const command = c.command(placeholder);
      // Repo-relative, so committed results do not carry this checkout's location.
      const local = (text: string) => text.replaceAll(REPO_ROOT, '');
      return { name, description: c.description, command: { ...command, argv: command.argv.map(local), cwd: local(command.cwd) || '.' } };
    }),
    summaries,
    targets: checks,
    runs,
  };
  // The latest report is kept for runs of every default contender (the opt-in ones may be added).
  const complete = DEFAULT_CONTENDERS.every((name) => options.only.includes(name));
  const written = await writeResults(RESULTS_DIR, record, complete ? markdown : null);
  process.stdout.write(`\n${markdown}`);
  log(`\nwrote ${written.map(rel).join(' and ')}${complete ? '' : ` (a partial run: latest-${resultsName(options)}.md is left to complete runs)`}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ContenderFailure) log(`\nbench: FAILED: ${err.message}`);
    else log(`\nbench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  },
);
