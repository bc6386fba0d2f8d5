/**
 * Helpers for end-to-end tests: generate a drop with the example generator and drive the BUILT
 * `partner-ingest` binary on it, as a user would (`pnpm test` builds first).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '@partner-ingest/core';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliBin = join(repoRoot, 'packages/cli/dist/bin.js');

/** The CLI's exit code and output. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with `args` from the repository root. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  if (!existsSync(cliBin)) throw new Error(`${cliBin} is missing: run \`pnpm build\` (pnpm test does it) first`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliBin, ...args],
      { cwd: repoRoot, env: options.env ?? { ...process.env, NO_COLOR: '1' }, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
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
