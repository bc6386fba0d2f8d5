/**
 * End-to-end: the "idempotent, resumable" and "atomic publication" guarantees, driving the built
 * CLI on a generated acme-travel drop. A finished day re-runs as a no-op; --force redoes it to the
 * same bytes; a changed or added archive is picked up alone; and a run SIGKILLed at any point
 * resumes to byte-identical outputs, never showing a `_SUCCESS` over a half-written table.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDrop } from '../../examples/generator/generate-drop.js';
import {
  assertBuilt,
  diffFiles,
  listTree,
  parseSummary,
  publishedKeys,
  readPublished,
  runCli,
  spawnCli,
  statPublished,
  tempFiles,
  whyFailed,
} from './cli-harness.js';
import type { CliOutcome, Summary } from './cli-harness.js';

const DATE = '2026-11-22';
const SPEC = 'partners/acme-travel.yaml';
const TABLES = ['bookings', 'searches', 'cancellations'];
const archiveName = (n: number) => `acme-travel_20261122_${String(n).padStart(4, '0')}.tar.gz`;

let root: string;
/** The drop every test reads (never modified), and the outputs of one uninterrupted run over it. */
let drop: string;
let baseline: { staging: string; output: string; files: Map<string, Buffer>; durationMs: number; summary: Summary };

interface RunDirs {
  source: string;
  staging: string;
  output: string;
}

function runArgs(dirs: RunDirs, ...extra: string[]): string[] {
  return ['run', SPEC, '--date', DATE, '--source', dirs.source, '--staging', dirs.staging, '--output', dirs.output, '--concurrency', '2', '--json', ...extra];
}

/** Runs the day to the end and returns its summary, failing with the run's output if it did not finish cleanly. */
async function runDay(dirs: RunDirs, ...extra: string[]): Promise<{ outcome: CliOutcome; summary: Summary }> {
  const outcome = await runCli(runArgs(dirs, ...extra), { timeoutMs: 60_000 });
  expect(outcome.stderr, 'the CLI crashed').not.toMatch(/internal error/);
  const summary = parseSummary(outcome);
  expect(summary.failures, outcome.stderr).toEqual([]);
  expect(outcome.code, whyFailed(summary)).toBe(0);
  return { outcome, summary };
}

async function freshDirs(name: string, source = drop): Promise<RunDirs> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  return { source, staging: join(dir, 'staging'), output: join(dir, 'output') };
}

beforeAll(async () => {
  assertBuilt();
  root = await mkdtemp(join(tmpdir(), 'pi-e2e-resume-'));
  drop = join(root, 'drop');
  // Sized so one run takes a few seconds on 2 cores: long enough to be killed at chosen points.
  await generateDrop({ profile: 'acme-travel', date: DATE, outDir: drop, archives: 10, rowsPerMember: 6000 });
  const dirs = await freshDirs('baseline');
  const { outcome, summary } = await runDay(dirs);
  expect(summary.archives).toMatchObject({ total: 10, extracted: 10, reused: 0, quarantined: 0 });
  expect(summary.tables.map((t) => t.table).sort()).toEqual([...TABLES].sort());
  const files = await readPublished(dirs.output, TABLES);
  expect([...files.keys()].sort()).toEqual(TABLES.flatMap(publishedKeys).sort());
  // The merges' manifests (staging `manifests/<run id>/`) were written, read and deleted.
  expect(listTree(dirs.staging).filter((p) => p.startsWith('manifests/'))).toEqual([]);
  baseline = { staging: dirs.staging, output: dirs.output, files, durationMs: outcome.durationMs, summary };
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('re-running a day', () => {
  it('does almost nothing when the day is finished: every archive and table reused, merged files untouched', async () => {
    const dirs = { source: drop, staging: baseline.staging, output: baseline.output };
    const before = await statPublished(dirs.output, TABLES);
    const { summary } = await runDay(dirs);
    expect(summary.archives.reused).toBe(summary.archives.total);
    expect(summary.archives.extracted).toBe(0);
    for (const table of summary.tables) expect(table.reused, table.table).toBe(true);
    expect(diffFiles(baseline.files, await readPublished(dirs.output, TABLES))).toEqual([]);
    const after = await statPublished(dirs.output, TABLES);
    for (const [key, info] of before) {
      expect(after.get(key), key).toEqual(info); // same inode, same mtime: not even re-published
    }
  });

  it('--force redoes every archive and table and publishes byte-identical files', async () => {
    const dirs = { source: drop, staging: baseline.staging, output: baseline.output };
    const before = await statPublished(dirs.output, TABLES);
    const { summary } = await runDay(dirs, '--force');
    expect(summary.archives).toMatchObject({ total: 10, extracted: 10, reused: 0 });
    for (const table of summary.tables) expect(table.reused, table.table).toBe(false);
    expect(diffFiles(baseline.files, await readPublished(dirs.output, TABLES))).toEqual([]);
    const after = await statPublished(dirs.output, TABLES);
    // Really redone: every merged file was published anew (a rename gives a new inode).
    for (const table of TABLES) {
      const key = `${table}/merged_${table}.csv`;
      expect(after.get(key)!.ino, key).not.toBe(before.get(key)!.ino);
    }
  }, 60_000);

  it('re-extracts an archive whose staged object was lost or cut short (staging is not flushed to disk)', async () => {
    const dirs = { source: drop, staging: baseline.staging, output: baseline.output };
    /** The staged object of archive `n` (its parts, then its key runs). */
    const staged = async (n: number) => {
      const name = (await readdir(join(dirs.staging, 'units'))).find((d) => d.startsWith(archiveName(n)) && d.endsWith('.staged'));
      expect(name, `staged object of ${archiveName(n)}`).toBeDefined();
      return join(dirs.staging, 'units', name!);
    };
    // What a machine crash can leave of files written without fsync: one cut short, one gone.
    const cut = await staged(4);
    await truncate(cut, (await stat(cut)).size - 10);
    await rm(await staged(7));
    const { summary } = await runDay(dirs);
    expect(summary.archives).toMatchObject({ total: 10, extracted: 2, reused: 8 });
    expect(diffFiles(baseline.files, await readPublished(dirs.output, TABLES))).toEqual([]);
  }, 60_000);
});

describe('a drop that changes after a run', () => {
  // Each step is checked against a fresh run (clean staging and output) over the same final drop.
  let work: RunDirs;
  let other: string;

  async function expectSameAsFreshRun(label: string): Promise<void> {
    const fresh = await freshDirs(`changes-fresh-${label}`, work.source);
    await runDay(fresh);
    const expected = await readPublished(fresh.output, TABLES);
    expect(expected.size).toBe(TABLES.length * 3);
    expect(diffFiles(expected, await readPublished(work.output, TABLES)), label).toEqual([]);
  }

  beforeAll(async () => {
    // Small drops: these runs are about what gets redone, not about volume. The same rows per
    // member keep primary keys distinct across the two deliveries (keys are numbered by batch).
    work = await freshDirs('changes', join(root, 'changes', 'drop'));
    await generateDrop({ profile: 'acme-travel', date: DATE, outDir: work.source, archives: 10, rowsPerMember: 300 });
    // Another delivery of the same day: same archive names, different content (seed), one more archive.
    other = join(root, 'other-drop');
    await generateDrop({ profile: 'acme-travel', date: DATE, outDir: other, archives: 11, rowsPerMember: 300, seed: 2 });
    await runDay(work);
  }, 120_000);

  it('re-extracts a replaced archive, reuses the others, and publishes what a fresh run would', async () => {
    await copyFile(join(other, archiveName(3)), join(work.source, archiveName(3)));
    const { summary } = await runDay(work);
    expect(summary.archives).toMatchObject({ total: 10, extracted: 1, reused: 9 });
    // Only the tables the archive feeds are merged again (this archive holds no cancellations).
    const reused = Object.fromEntries(summary.tables.map((t) => [t.table, t.reused]));
    expect(reused).toEqual({ bookings: false, searches: false, cancellations: true });
    await expectSameAsFreshRun('replaced');
  }, 60_000);

  it('picks up an archive added to the drop', async () => {
    await copyFile(join(other, archiveName(11)), join(work.source, archiveName(11)));
    const { summary } = await runDay(work);
    expect(summary.archives).toMatchObject({ total: 11, extracted: 1, reused: 10 });
    await expectSameAsFreshRun('added');
  }, 60_000);

  it('notices a corrected value even when every size stays the same', async () => {
    // A partner re-sends an archive with one value corrected in place (EUR -> GBP): the archive
    // changes, but every member, and so every normalised part, keeps its exact size.
    const path = join(work.source, archiveName(2));
    const tar = gunzipSync(await readFile(path));
    const at = tar.indexOf('EUR');
    expect(at).toBeGreaterThan(0);
    tar.write('GBP', at, 'latin1');
    await writeFile(path, gzipSync(tar, { level: 4 }));
    const { summary } = await runDay(work);
    expect(summary.archives).toMatchObject({ total: 11, extracted: 1, reused: 10 });
    await expectSameAsFreshRun('corrected');
  }, 60_000);
});

describe('a run killed with SIGKILL', () => {
  type Trigger =
    | { kind: 'time'; fraction: number }
    | { kind: 'file'; where: 'staging' | 'output'; what: string; test: (path: string) => boolean };
  const isTemp = (path: string) => path.includes('.tmp-');
  const triggers: Trigger[] = [
    { kind: 'time', fraction: 0.05 },
    { kind: 'time', fraction: 0.25 },
    { kind: 'time', fraction: 0.5 },
    { kind: 'time', fraction: 0.8 },
    { kind: 'file', where: 'staging', what: 'the first staged object appears in staging', test: (p) => p.startsWith('units/') && p.endsWith('.staged') && !isTemp(p) },
    { kind: 'file', where: 'output', what: 'a merged file is being written', test: (p) => /^[a-z]+\/\.merged_[a-z]+\.csv\.tmp-/.test(p) },
    { kind: 'file', where: 'output', what: 'the first merged file appears in output', test: (p) => /^[a-z]+\/merged_[a-z]+\.csv$/.test(p) },
  ];
  const label = (t: Trigger) => (t.kind === 'time' ? `after ${t.fraction * 100}% of a full run` : `as soon as ${t.what}`);
  /** Temp files left under output/ once each interrupted day was completed, by kill point. */
  const leftovers: { label: string; files: string[] }[] = [];
  let killed = 0;

  /** Starts a run and SIGKILLs it at the trigger; resolves once it is dead (or finished on its own). */
  async function runAndKill(dirs: RunDirs, trigger: Trigger): Promise<{ killed: boolean }> {
    const { child, settled } = spawnCli(runArgs(dirs), { timeoutMs: 60_000 });
    let exited = false;
    void settled.then(() => (exited = true));
    if (trigger.kind === 'time') {
      const timer = setTimeout(() => child.kill('SIGKILL'), Math.round(trigger.fraction * baseline.durationMs));
      const outcome = await settled;
      clearTimeout(timer);
      return { killed: outcome.signal === 'SIGKILL' };
    }
    const dir = trigger.where === 'staging' ? dirs.staging : dirs.output;
    const seen = () => {
      try {
        return listTree(dir).some(trigger.test);
      } catch {
        return false; // a directory vanished mid-listing (the connector prunes empty ones): look again
      }
    };
    while (!exited) {
      if (seen()) {
        child.kill('SIGKILL');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const outcome = await settled;
    return { killed: outcome.signal === 'SIGKILL' };
  }

  it.each(triggers.map((trigger) => ({ trigger, name: label(trigger) })))(
    'resumes to byte-identical outputs when killed $name',
    async ({ trigger, name }) => {
      const dirs = await freshDirs(`kill-${triggers.indexOf(trigger)}`);
      const result = await runAndKill(dirs, trigger);
      if (result.killed) killed++;
      if (trigger.kind === 'file') expect(result.killed, 'the trigger fired while the run was still going').toBe(true);

      // Readers never see half a file under a published name, nor a marker over an incomplete
      // table: wherever a merged file or a `_SUCCESS` exists, it is whole.
      for (const table of TABLES) {
        const [data, schema, success] = publishedKeys(table);
        const after = await readPublished(dirs.output, [table]);
        if (after.has(data!)) expect(after.get(data!)!.equals(baseline.files.get(data!)!), `${data} published half-written`).toBe(true);
        if (!after.has(success!)) continue;
        expect(after.get(data!)?.equals(baseline.files.get(data!)!), `${data} under a _SUCCESS`).toBe(true);
        expect(after.get(schema!)?.equals(baseline.files.get(schema!)!), `${schema} under a _SUCCESS`).toBe(true);
        expect(after.get(success!)?.equals(baseline.files.get(success!)!), success).toBe(true);
      }

      const { summary } = await runDay(dirs);
      expect(summary.archives.total).toBe(10);
      expect(summary.archives.extracted + summary.archives.reused).toBe(10);
      if (trigger.kind === 'file' && trigger.where === 'output') {
        // Merging starts only once every extract unit has recorded its completion.
        expect(summary.archives.reused).toBe(10);
      }
      expect(diffFiles(baseline.files, await readPublished(dirs.output, TABLES))).toEqual([]);
      leftovers.push({ label: name, files: tempFiles(dirs.output) });
    },
    60_000,
  );

  it('actually interrupted the runs (the kill points fell inside them)', () => {
    expect(leftovers.length, 'every kill-and-resume scenario completed').toBe(triggers.length);
    expect(killed).toBeGreaterThanOrEqual(triggers.length - 1);
  });

  // A killed writer leaves a hidden temp file; the local connector sweeps those of dead processes
  // from a directory before its next write there, so a completed re-run leaves none behind.
  it('leaves no temp files under output/ once the interrupted day has been completed', () => {
    expect(leftovers.filter((l) => l.files.length > 0)).toEqual([]);
  });
});
