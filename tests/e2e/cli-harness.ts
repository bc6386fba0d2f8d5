/**
 * Shared harness of the end-to-end tests: drives the built `partner-ingest` binary as a user or a
 * scheduler would (a child process, SIGKILL included), and reads back what it published.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '@partner-ingest/core';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

/** Fails fast with the fix when the CLI has not been built. */
export function assertBuilt(): void {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` (pnpm test does it) before the e2e tests`);
}

/** How a CLI process ended. */
export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The harness gave up on it (it ran past its time limit) and killed it. */
  timedOut: boolean;
}

/** How to start the CLI: working directory, time limit, extra environment variables. */
export interface CliOptions {
  cwd?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** Starts `partner-ingest <args>`; `settled` resolves when it exits, however it exits. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): { child: ChildProcess; settled: Promise<CliOutcome> } {
  const started = Date.now();
  // Never alert anyone from a test, whatever the environment holds (a test may point it at its own server).
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SLACK_WEBHOOK;
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 60_000);
  const settled = new Promise<CliOutcome>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started, timedOut });
    });
  });
  return { child, settled };
}

/** Runs `partner-ingest <args>` to the end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliOutcome> {
  return spawnCli(args, options).settled;
}

/** The `--json` summary of a finished run. */
export type Summary = RunSummary;

/** Parses the run's stdout as the `--json` summary, saying what was printed when it is not one. */
export function parseSummary(outcome: CliOutcome): Summary {
  try {
    return JSON.parse(outcome.stdout) as Summary;
  } catch {
    throw new Error(`stdout is not a JSON summary (exit ${outcome.code}, signal ${outcome.signal}):\n${outcome.stdout.slice(0, 2000)}\nstderr:\n${outcome.stderr.slice(0, 4000)}`);
  }
}

/** The files a table publishes, relative to the output root. */
export function publishedKeys(table: string): string[] {
  return [`${table}/merged_${table}.csv`, `${table}/_schema.json`, `${table}/_SUCCESS`];
}

/** Every published file of `tables` under `outputDir` that exists, by key. */
export async function readPublished(outputDir: string, tables: readonly string[]): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const table of tables) {
    for (const key of publishedKeys(table)) {
      const path = join(outputDir, key);
      if (existsSync(path)) files.set(key, await readFile(path));
    }
  }
  return files;
}

/** Modification time and inode of each published file, to tell "left alone" from "rewritten". */
export async function statPublished(outputDir: string, tables: readonly string[]): Promise<Map<string, { mtimeMs: number; ino: number; size: number }>> {
  const stats = new Map<string, { mtimeMs: number; ino: number; size: number }>();
  for (const table of tables) {
    for (const key of publishedKeys(table)) {
      const info = await stat(join(outputDir, key));
      stats.set(key, { mtimeMs: info.mtimeMs, ino: info.ino, size: info.size });
    }
  }
  return stats;
}

/** Every path (files, directories, links) under `dir`, relative and `/`-separated; empty when it does not exist. */
export function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => p.split('\\').join('/'))
    .sort();
}

/** Names of in-progress (or abandoned) temp files of the local connector under `dir`. */
export function tempFiles(dir: string): string[] {
  return listTree(dir).filter((p) => p.includes('.tmp-'));
}

/** Asserts two maps of files hold the same keys and the same bytes; returns the differences. */
export function diffFiles(expected: ReadonlyMap<string, Buffer>, actual: ReadonlyMap<string, Buffer>): string[] {
  const problems: string[] = [];
  for (const [key, bytes] of expected) {
    const got = actual.get(key);
    if (!got) problems.push(`${key}: missing`);
    else if (!got.equals(bytes)) problems.push(`${key}: ${got.length} bytes differ from the expected ${bytes.length}`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`${key}: unexpected`);
  return problems;
}

/** What made a run fail, for assertion messages: failed checks and task failures. */
export function whyFailed(summary: Summary): string {
  const checks = summary.tables.flatMap((t) => t.checks.filter((c) => c.status === 'fail').map((c) => `${t.table}: ${c.check}: ${c.message}`));
  return [...checks, ...summary.failures.map((f) => `${f.task}: ${f.message}`)].join('\n') || `status ${summary.status}`;
}

/** A fresh temporary directory for one test. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `pi-e2e-${prefix}-`));
}

/** Reads the JSON summary a run wrote under its output directory. */
export async function readSummary(outputDir: string, date: string): Promise<RunSummary> {
  const [y, m, d] = date.split('-');
  return JSON.parse(await readFile(join(outputDir, 'logs/summary', y!, m!, d!, `merge_summary_${date}.json`), 'utf8')) as RunSummary;
}
