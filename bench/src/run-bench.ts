// Runs the schedule: every contender `runs` times, interleaved round-robin, each run in a fresh
// directory that is created before and removed after the timed span. The page cache is warmed
// with the archives first so run 1 of the first contender does not alone pay for disk reads.

import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContenderName } from './contender-names.js';
import { contender, type RunContext } from './contenders.js';
import type { Drop } from './dataset.js';
import { measure } from './launcher.js';
import { interleave } from './schedule.js';
import type { RunMeasurement } from './summary.js';

export interface BenchPlan {
  drop: Drop;
  contenders: readonly ContenderName[];
  runs: number;
  jobs: number;
  specPath: string;
  /** Scratch directory for run outputs (emptied first, removed at the end when all went well). */
  workRoot: string;
}

export type BenchEvent =
  | { kind: 'warm'; archives: number }
  | { kind: 'start'; contender: ContenderName; run: number; index: number; total: number }
  | { kind: 'done'; measurement: RunMeasurement; index: number; total: number };

/** A contender failed; its run directory is kept for inspection. */
export class ContenderFailure extends Error {
  constructor(
    readonly contender: ContenderName,
    readonly run: number,
    readonly runDir: string,
    readonly problems: string[],
    readonly stderrTail: string,
  ) {
    super(`${contender} run ${run} failed: ${problems.join('; ')}\n  files kept in ${runDir}${stderrTail ? `\n  stderr (last lines):\n${stderrTail}` : ''}`);
  }
}

export async function runBench(plan: BenchPlan, onEvent: (event: BenchEvent) => void): Promise<RunMeasurement[]> {
  await rm(plan.workRoot, { recursive: true, force: true });
  await mkdir(plan.workRoot, { recursive: true });
  const archiveList = join(plan.workRoot, 'archives.list');
  await writeFile(archiveList, plan.drop.archivePaths.map((p) => `${p}\0`).join(''));

  onEvent({ kind: 'warm', archives: plan.drop.archivePaths.length });
  for (const path of plan.drop.archivePaths) await drain(path);

  const schedule = interleave(plan.contenders, plan.runs);
  const measurements: RunMeasurement[] = [];
  for (const [index, { contender: name, run }] of schedule.entries()) {
    onEvent({ kind: 'start', contender: name, run, index, total: schedule.length });
    const runDir = join(plan.workRoot, `${name}-${run}`);
    const ctx: RunContext = { drop: plan.drop, workDir: join(runDir, 'work'), archiveList, jobs: plan.jobs, specPath: plan.specPath };
    await mkdir(ctx.workDir, { recursive: true });
    const c = contender(name);
    const command = c.command(ctx);
    const stdoutPath = join(runDir, 'stdout');
    const stderrPath = join(runDir, 'stderr');
    const m = await measure({ argv: command.argv, cwd: command.cwd, stdout: command.captureStdout ? stdoutPath : '/dev/null', stderr: stderrPath });
    const stdout = command.captureStdout ? await readFile(stdoutPath, 'utf8') : '';
    const stderr = await readFile(stderrPath, 'utf8');
    const problems = c.verify(ctx, { exitCode: m.exitCode, stdout, stderr });
    if (problems.length > 0) throw new ContenderFailure(name, run, runDir, problems, tail(stderr, 15));
    const measurement: RunMeasurement = { contender: name, run, ...m };
    measurements.push(measurement);
    onEvent({ kind: 'done', measurement, index, total: schedule.length });
    await rm(runDir, { recursive: true, force: true });
    // Write back what the run left dirty now, not during the next contender's timed span.
    spawnSync('sync');
  }
  await rm(plan.workRoot, { recursive: true, force: true });
  return measurements;
}

function drain(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    createReadStream(path, { highWaterMark: 1 << 20 }).on('data', () => {}).on('end', resolve).on('error', reject);
  });
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
}
