// End to end on a tiny generated drop: the cached-data path (generator CLI, completion marker,
// reuse), the measuring launcher, and the floor and shell contenders. Needs the built generator
// (`pnpm test` builds first), python3, gzip, tar and xargs; no DuckDB.

import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contender, type RunContext } from './contenders.js';
import { ensureDrop, type Drop, type DropRequest } from './dataset.js';
import { measure } from './launcher.js';
import { GENERATOR_CLI_JS, REPO_ROOT } from './paths.js';
import { runBench, type BenchEvent } from './run-bench.js';

// ~2 MB of CSV in ~6 archives: several members per table, so header skipping is exercised.
const request: DropRequest = { profile: 'acme-travel', date: '2026-11-22', size: '2MB', extraArgs: ['--archive-size', '300KB', '--threads', '0'] };

/** CSV records, counting newlines outside double quotes (notes hold quoted line breaks). */
function countRecords(text: string): number {
  let records = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34) quoted = !quoted;
    else if (ch === 10 && !quoted) records++;
  }
  return text.length > 0 && !text.endsWith('\n') ? records + 1 : records;
}

let root: string;
let drop: Drop;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bench-test-'));
  drop = await ensureDrop(join(root, 'cache'), request, GENERATOR_CLI_JS);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('cached drop', () => {
  it('generates once, then reuses the cache while the marker and archives match', async () => {
    expect(drop.reused).toBe(false);
    expect(drop.manifest.archives.length).toBeGreaterThan(3);
    expect(drop.manifest.csvBytes).toBeGreaterThan(1_500_000);
    expect(drop.manifest.tables.bookings?.files).toBeGreaterThan(3);
    const again = await ensureDrop(join(root, 'cache'), request, GENERATOR_CLI_JS);
    expect(again.reused).toBe(true);
    expect(again.manifest).toEqual(drop.manifest);
  });

  it('regenerates when an archive is missing', async () => {
    const cache = join(root, 'cache-damaged');
    const first = await ensureDrop(cache, request, GENERATOR_CLI_JS);
    await unlink(first.archivePaths[1] as string);
    const second = await ensureDrop(cache, request, GENERATOR_CLI_JS);
    expect(second.reused).toBe(false);
    expect(second.manifest).toEqual(first.manifest);
  });
});

describe('floor and shell contenders', () => {
  it('run interleaved through the launcher and pass their checks', async () => {
    const events: BenchEvent[] = [];
    const runs = await runBench(
      { drop, contenders: ['floor', 'floor-1', 'shell'], runs: 2, jobs: 2, specPath: join(REPO_ROOT, 'partners/acme-travel.yaml'), workRoot: join(root, 'runs') },
      (e) => events.push(e),
    );
    expect(runs.map((r) => `${r.contender}#${r.run}`)).toEqual(['floor#1', 'floor-1#1', 'shell#1', 'floor#2', 'floor-1#2', 'shell#2']);
    for (const r of runs) {
      expect(r.exitCode).toBe(0);
      expect(r.wallSeconds).toBeGreaterThan(0);
      expect(r.wallSeconds).toBeLessThan(10);
      // gzip, tar or sh: a real process's peak RSS, in KiB.
      expect(r.maxRssKb).toBeGreaterThan(500);
    }
    expect(events.filter((e) => e.kind === 'done')).toHaveLength(6);
  });

  it('floor inflates with one gzip process per core, floor-1 with one', () => {
    const ctx: RunContext = { drop, workDir: root, archiveList: join(root, 'archives.list'), jobs: 2, specPath: join(REPO_ROOT, 'partners/acme-travel.yaml') };
    const jobsOf = (argv: readonly string[]) => argv[argv.indexOf('-P') + 1];
    expect(jobsOf(contender('floor').command(ctx).argv)).toBe('2');
    expect(jobsOf(contender('floor-1').command(ctx).argv)).toBe('1');
    expect(contender('floor-1').command(ctx).argv.slice(-2)).toEqual(['gzip', '-dc']);
  });

  it('shell merges each table into one file with a single header', async () => {
    const ctx: RunContext = {
      drop,
      workDir: join(root, 'shell-work'),
      archiveList: join(root, 'archives.list'),
      jobs: 2,
      specPath: join(REPO_ROOT, 'partners/acme-travel.yaml'),
    };
    await mkdir(ctx.workDir, { recursive: true });
    await writeFile(ctx.archiveList, drop.archivePaths.map((p) => `${p}\0`).join(''));
    const shell = contender('shell');
    const command = shell.command(ctx);
    const m = await measure({ argv: command.argv, cwd: command.cwd, stdout: join(root, 'shell.out'), stderr: join(root, 'shell.err') });
    expect(m.exitCode).toBe(0);
    expect(shell.verify(ctx, { exitCode: 0, stdout: '', stderr: '' })).toEqual([]);

    const bookings = await readFile(join(ctx.workDir, 'out', 'bookings.csv'), 'utf8');
    expect(countRecords(bookings)).toBe((drop.manifest.tables.bookings?.rows as number) + 1);
    for (const [table, t] of Object.entries(drop.manifest.tables)) {
      const text = await readFile(join(ctx.workDir, 'out', `${table}.csv`), 'utf8');
      expect(countRecords(text), table).toBe(t.rows + 1);
    }
  });
});
