// End to end, distributed: `partner-ingest run --executor bullmq` with `partner-ingest worker`
// processes over a real Redis (redis-server on a loopback port). Outputs must be byte-identical to
// a local run however the units are spread, when a worker is SIGKILLed in the middle of a unit,
// after Redis is restarted mid-run and the day is re-run, and when the coordinator is SIGKILLed
// and re-run; a unit that fails on every try is reported with its reason.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '@partner-ingest/core';
import { generateDrop } from '../../examples/generator/generate-drop.js';
import { assertBuilt, diffFiles, parseSummary, readPublished, runCli, spawnCli, tempDir } from './cli-harness.js';
import { REDIS_AVAILABLE, startRedis, type RedisTestServer } from './redis-server.js';

const DATE = '2026-11-22';
const SPEC = 'partners/acme-travel.yaml';
const TABLES = ['bookings', 'cancellations', 'searches'];

interface WorkerProcess {
  child: ChildProcess;
  log: () => string;
  exited: Promise<unknown>;
}

/** What two runs of the same day must agree on. */
function figures(summary: RunSummary) {
  return { status: summary.status, tables: summary.tables.map((t) => [t.table, t.rows, t.nulls, t.duplicate_keys, t.columns]) };
}

describe.skipIf(!REDIS_AVAILABLE)('running a day on BullMQ workers', () => {
  let redis: RedisTestServer;
  let dir: string;
  let local: { summary: RunSummary; files: Map<string, Buffer> };
  const workers: WorkerProcess[] = [];

  const startWorker = (): WorkerProcess => {
    const { child, settled } = spawnCli(['worker', '--redis', redis.url, '--stalled-after', '2s'], { timeoutMs: 300_000 });
    let text = '';
    child.stderr!.on('data', (chunk: string) => (text += chunk));
    const worker = { child, log: () => text, exited: settled };
    workers.push(worker);
    return worker;
  };
  const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** A worker that has said it is ready for units. */
  const readyWorker = async (): Promise<WorkerProcess> => {
    const worker = startWorker();
    await until('a worker to be ready', () => worker.log().includes('worker ready'));
    return worker;
  };
  const distributed = (name: string) =>
    spawnCli(['run', SPEC, '--date', DATE, '--source', join(dir, 'drop'), '--staging', join(dir, name, 'staging'), '--output', join(dir, name, 'out'), '--executor', 'bullmq', '--redis', redis.url, '--json'], {
      timeoutMs: 240_000,
    });

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    dir = await tempDir('bullmq');
    // Big enough that a unit takes a moment (a worker can be killed inside one), with the usual faults.
    await generateDrop({ profile: 'acme-travel', date: DATE, outDir: join(dir, 'drop'), archives: 4, rowsPerMember: 20_000, faults: ['malformed-row', 'type-error', 'corrupt-archive'] as never });
    const run = await runCli(['run', SPEC, '--date', DATE, '--source', join(dir, 'drop'), '--staging', join(dir, 'local', 'staging'), '--output', join(dir, 'local', 'out'), '--json']);
    local = { summary: parseSummary(run), files: await readPublished(join(dir, 'local', 'out'), TABLES) };
    expect(local.files.size).toBe(9);
  }, 120_000);

  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('spreads the units over three workers and publishes what a local run publishes', async () => {
    const spread = await Promise.all([readyWorker(), readyWorker(), readyWorker()]);
    const outcome = await distributed('three').settled;
    const summary = parseSummary(outcome);
    expect(outcome.code).toBe(local.summary.exit_code);
    expect(figures(summary)).toEqual(figures(local.summary));
    expect(diffFiles(local.files, await readPublished(join(dir, 'three', 'out'), TABLES))).toEqual([]);
    // Units went to more than one worker.
    expect(spread.filter((w) => w.log().includes('unit done')).length).toBeGreaterThan(1);
    // What went through Redis: references only, both ways (no spec, no records, no data).
    const redisCli = (...args: string[]) => execFileSync('redis-cli', ['-u', redis.url, ...args], { encoding: 'utf8' }).trim();
    const jobs = redisCli('--scan', '--pattern', 'bull:partner-ingest:[0-9]*').split('\n').filter((key) => /:\d+$/.test(key));
    expect(jobs.length).toBeGreaterThan(4);
    for (const key of jobs) {
      const data = JSON.parse(redisCli('HGET', key, 'data')) as { task: { kind: string; inputs?: { segments: string[] } } };
      expect(Object.keys(data).sort()).toEqual(['setupKey', 'state', 'task']);
      // A copy or count names where its table's manifest is staged, not the parts and runs themselves.
      if (data.task.kind === 'extract') expect(Object.keys(data.task).sort()).toEqual(['archive', 'archiveId', 'kind']);
      else expect({ keys: Object.keys(data.task).sort(), staged: data.task.inputs!.segments.every((k) => k.startsWith('manifests/')) }).toEqual({ keys: ['inputs', 'kind', 'table'], staged: true });
      expect(Object.keys(JSON.parse(redisCli('HGET', key, 'returnvalue')) as object)).toEqual(['resultKey']);
    }
  }, 120_000);

  it('survives a worker SIGKILLed in the middle of a unit: another worker takes the unit up', async () => {
    const doomed = await readyWorker();
    const run = distributed('killed');
    await until('a unit to start', () => doomed.log().includes('unit started'), 60_000);
    const unit = /unit started unit=(\S+)/.exec(doomed.log())![1]!;
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(doomed.log()).not.toContain(`unit done unit=${unit}`);
    const rescuer = startWorker();
    const outcome = await run.settled;
    expect(outcome.code).toBe(local.summary.exit_code);
    expect(rescuer.log()).toContain(`unit done unit=${unit}`);
    expect(diffFiles(local.files, await readPublished(join(dir, 'killed', 'out'), TABLES))).toEqual([]);
  }, 180_000);

  it('fails with a clear error when Redis loses its queues mid-run, and the re-run completes the day', async () => {
    const worker = await readyWorker();
    const run = distributed('restart');
    await until('a unit to finish', () => worker.log().includes('unit done'), 60_000);
    await redis.kill();
    await redis.restart();
    const broken = await run.settled;
    expect(broken.code).toBe(1);
    const failures = parseSummary(broken).failures;
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.map((f) => f.message).join('\n')).toMatch(/gone from Redis .*Re-run the day|ECONNREFUSED|Connection is closed/);

    const again = await distributed('restart').settled;
    expect(again.code).toBe(local.summary.exit_code);
    expect(figures(parseSummary(again))).toEqual(figures(local.summary));
    expect(diffFiles(local.files, await readPublished(join(dir, 'restart', 'out'), TABLES))).toEqual([]);
  }, 180_000);

  it('resumes from the state store when the coordinator itself is SIGKILLed and run again', async () => {
    const worker = await readyWorker();
    const first = distributed('coordinator');
    // Killed once it has recorded a finished unit in its state store (what a re-run resumes from).
    const recorded = join(dir, 'coordinator', 'out', '_state', 'extract');
    await until('a unit to be recorded', async () => (await readdir(recorded).catch(() => [])).some((name) => name.endsWith('.json')), 60_000);
    first.child.kill('SIGKILL');
    await first.settled;
    const again = await distributed('coordinator').settled;
    const summary = parseSummary(again);
    expect(again.code).toBe(local.summary.exit_code);
    expect(summary.archives.reused).toBeGreaterThan(0);
    expect(figures(summary)).toEqual(figures(local.summary));
    expect(diffFiles(local.files, await readPublished(join(dir, 'coordinator', 'out'), TABLES))).toEqual([]);
  }, 180_000);

  it('reports a unit that fails on every try with its reason, and publishes nothing half-done', async () => {
    // The archive vanishes after the coordinator listed it and before any worker could read it.
    const run = distributed('vanished');
    let coordinator = '';
    run.child.stderr!.on('data', (chunk: string) => (coordinator += chunk));
    await until('the run to start', () => coordinator.includes('run started'), 30_000);
    await new Promise((r) => setTimeout(r, 1000)); // the units are queued right after the listing
    const archives = (await readdir(join(dir, 'drop'))).filter((name) => name.endsWith('.tar.gz')).sort();
    const gone = archives[1]!;
    await rm(join(dir, 'drop', gone));
    startWorker();
    const outcome = await run.settled;
    expect(outcome.code).toBe(1);
    const summary = parseSummary(outcome);
    const failure = summary.failures.find((f) => f.task === `extract:${gone}`);
    expect(failure?.message).toContain(`${gone}: it does not exist`);
    expect(failure?.message).toContain('attempt(s)');
    // No table is published from an incomplete day.
    for (const table of TABLES) expect(summary.tables.find((t) => t.table === table)).toBeUndefined();
  }, 180_000);
});
