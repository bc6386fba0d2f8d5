// The example service end to end: generated drops (clean and with every fault) are ingested with
// staging in memory, and the report, the published files and the log are checked against the
// generator's manifest. Then the compiled entry point is run as a process.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile, nullRatioLimit, type PartnerSpec } from '@partner-ingest/core';
import { generateDrop, type DropManifest } from '../generator/generate-drop.js';
import { createCollectingLogger } from './collecting-logger.js';
import { InvalidSpecError, ingestDay, type IngestReport, type TableReport } from './ingest-service.js';
import type { MemoryObjects } from './memory-connector.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const specPath = join(repoRoot, 'partners/acme-travel.yaml');
const compiledMain = join(repoRoot, 'examples/dist/service/main.js');
const DATE = '2026-11-22';

// ---- fixtures ----------------------------------------------------------------------------------

let root: string;
let spec: PartnerSpec;
const drops = {} as Record<'clean' | 'faulty', { dir: string; manifest: DropManifest }>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pi-service-'));
  const loaded = await loadSpecFile(specPath);
  if (!loaded.spec) throw new Error(`${specPath} does not load`);
  spec = loaded.spec;
  for (const [name, faults] of [['clean', 'none'], ['faulty', 'all']] as const) {
    const dir = join(root, `drop-${name}`);
    const manifest = await generateDrop({ profile: 'acme-travel', date: DATE, outDir: dir, archives: 4, rowsPerMember: 30, faults });
    drops[name] = { dir, manifest };
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under `dir`, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/**
 * The report a correct run must give for a drop, from the manifest and the spec's thresholds:
 * checks fail on type errors, duplicate keys, nulls past their limit, nulls in non-nullable
 * columns and missing files (acme-travel's quality.onFailure is `fail`); header drift and
 * malformed rows only warn; a quarantined archive or an unmatched member makes the run warn.
 */
function expectedReport(manifest: DropManifest): IngestReport {
  const tables = Object.entries(spec.tables).map(([name, tableSpec]): TableReport => {
    const t = manifest.tables[name]!;
    const failedChecks: string[] = [];
    if (t.files < tableSpec.expectedFiles.min) failedChecks.push('expected_files');
    for (const column of t.columns) {
      const nulls = t.nulls[column] ?? 0;
      if (t.rows > 0 && nulls / t.rows > nullRatioLimit(spec, name, column)) failedChecks.push(`null_ratio:${column}`);
      if (tableSpec.columns[column]?.nullable === false && nulls > 0) failedChecks.push(`not_null:${column}`);
      if ((t.typeErrors[column] ?? 0) > 0) failedChecks.push(`type_validity:${column}`);
    }
    if (t.duplicateKeys > 0) failedChecks.push('primary_key_duplicates');
    const drift = t.columns.length > Object.keys(tableSpec.columns).length || t.droppedColumns.length > 0;
    const status = failedChecks.length > 0 ? 'fail' : drift || t.malformedRows > 0 ? 'warn' : 'ok';
    return { name, rows: t.rows, status, failedChecks };
  });
  const tableStatus = tables.some((t) => t.status === 'fail') ? 'fail' : tables.some((t) => t.status === 'warn') ? 'warn' : 'ok';
  const runWarns = manifest.corruptArchives.length > 0 || manifest.unmatchedMembers.length > 0;
  const status = tableStatus === 'fail' ? 'fail' : tableStatus === 'warn' || runWarns ? 'warn' : 'ok';
  return { status, exitCode: status === 'fail' ? 1 : 0, tables, quarantinedArchives: manifest.corruptArchives };
}

/** Runs the service on a drop with its own logger and memory store, into a fresh output dir. */
async function ingest(drop: 'clean' | 'faulty', outName: string, staging = 'mem://staging/{partner}/{date}/') {
  const memory: MemoryObjects = new Map();
  const logger = createCollectingLogger();
  const output = join(root, outName);
  const report = await ingestDay({ specPath, date: DATE, source: drops[drop].dir, staging, output, logger, memory });
  return { report, memory, logger, output };
}

/** Staged objects in memory, one per archive (its parts, then its key runs): `staging/acme-travel/<date>/units/<archive-id>.staged`. */
const stagedObjects = (memory: MemoryObjects) => [...memory.keys()].filter((key) => key.startsWith(`staging/acme-travel/${DATE}/units/`) && key.endsWith('.staged'));

/** Archives of the drop that decode whole, so each stages one object. */
const wholeArchives = (manifest: DropManifest) => manifest.archives.length - manifest.corruptArchives.length;

async function expectPublished(output: string, manifest: DropManifest): Promise<void> {
  for (const [table, figures] of Object.entries(manifest.tables)) {
    const csv = await readFile(join(output, table, `merged_${table}.csv`));
    const header = csv.subarray(0, csv.indexOf('\n')).toString('utf8').replace(/\r$/, '');
    expect(header.split(','), table).toEqual(figures.columns);
    const success = JSON.parse(await readFile(join(output, table, '_SUCCESS'), 'utf8')) as unknown;
    expect(success, table).toEqual({ table, rows: figures.rows, bytes: csv.length });
    expect(existsSync(join(output, table, '_schema.json')), table).toBe(true);
  }
  expect(existsSync(join(output, `logs/summary/2026/11/22/merge_summary_${DATE}.json`))).toBe(true);
}

// ---- ingestDay ---------------------------------------------------------------------------------

describe('ingestDay (staging in memory)', () => {
  it('ingests a clean drop: figures of the manifest, staged in memory only, logged', async () => {
    const { manifest } = drops.clean;
    const { report, memory, logger, output } = await ingest('clean', 'out-clean');

    expect(report).toEqual(expectedReport(manifest));
    expect(report).toMatchObject({ status: 'warn', exitCode: 0, quarantinedArchives: [] }); // drift only warns
    await expectPublished(output, manifest);

    // One staged object per archive, held in the Map and nowhere on disk.
    expect(stagedObjects(memory)).toHaveLength(wholeArchives(manifest));
    const summary = JSON.parse(await readFile(join(output, `logs/summary/2026/11/22/merge_summary_${DATE}.json`), 'utf8')) as { locations: { staging: string } };
    expect(summary.locations.staging).toBe(`mem://staging/acme-travel/${DATE}/`);
    const onDisk = await filesUnder(root);
    expect(onDisk.filter((f) => /(^|\/)(units|parts|keys)\//.test(f) || f.includes('staging'))).toEqual([]);
    expect(existsSync(join(process.cwd(), 'mem:'))).toBe(false);
    expect((await filesUnder(output)).filter((f) => !/^(_state|logs)\//.test(f))).toEqual(
      Object.keys(manifest.tables)
        .flatMap((t) => [`${t}/_SUCCESS`, `${t}/_schema.json`, `${t}/merged_${t}.csv`])
        .sort(),
    );

    const messages = logger.entries.map((e) => e.message);
    expect(messages).toContain('run started');
    expect(messages).toContain('run finished');
    expect(messages.at(-1)).toBe('day ingested');
    expect(logger.entries.find((e) => e.message === 'run finished')?.fields).toMatchObject({ status: 'warn', tables: 3, failures: 0 });
  });

  it('ingests a drop with every fault: failing checks, the corrupt archive quarantined, exit code 1', async () => {
    const { manifest } = drops.faulty;
    const { report, memory, logger, output } = await ingest('faulty', 'out-faulty');

    expect(report).toEqual(expectedReport(manifest));
    expect(report.exitCode).toBe(1);
    expect(report.quarantinedArchives).toEqual(manifest.corruptArchives);
    expect(report.quarantinedArchives).toHaveLength(1);
    expect(report.tables.find((t) => t.name === 'bookings')?.failedChecks).toEqual(expect.arrayContaining(['primary_key_duplicates']));
    await expectPublished(output, manifest);

    // The corrupt archive staged nothing: all or nothing.
    expect(stagedObjects(memory)).toHaveLength(wholeArchives(manifest));
    expect(manifest.corruptArchives).toHaveLength(1);
    const messages = logger.entries.map((e) => e.message);
    expect(messages).toEqual(expect.arrayContaining(['run started', 'archive quarantined', 'run finished']));
    expect(logger.entries.at(-1)).toMatchObject({ level: 'error', message: 'day not ingested' });
  });

  it('publishes the same bytes as with staging on disk, and again after a restart with empty memory', async () => {
    const memoryRun = await ingest('clean', 'out-same-mem');
    const diskRun = await ingest('clean', 'out-same-disk', join(root, 'disk-staging/{date}/'));
    expect(diskRun.memory.size).toBe(0);
    expect((await filesUnder(join(root, 'disk-staging'))).some((f) => f.includes('/units/'))).toBe(true);
    // Same output dir, fresh memory: the state says "extracted" but the parts are gone, so it re-extracts.
    const rerun = await ingest('clean', 'out-same-mem');
    expect(rerun.report).toEqual(memoryRun.report);
    const reextracted = rerun.logger.entries.filter((e) => e.message === 'archive extracted');
    expect(reextracted).toHaveLength(drops.clean.manifest.archives.length);
    expect(stagedObjects(rerun.memory)).toHaveLength(wholeArchives(drops.clean.manifest));
    for (const table of Object.keys(drops.clean.manifest.tables)) {
      const name = join(table, `merged_${table}.csv`);
      const [mem, disk] = await Promise.all([readFile(join(memoryRun.output, name)), readFile(join(diskRun.output, name))]);
      expect(mem.equals(disk), name).toBe(true);
    }
    await rm(join(root, 'disk-staging'), { recursive: true, force: true });
  });

  it('throws InvalidSpecError with file:line:col lines for a broken spec', async () => {
    const broken = join(root, 'broken.yaml');
    await writeFile(broken, (await readFile(specPath, 'utf8')).replace('onNewColumn: keep', 'onNewColum: keep'));
    const error = await ingestDay({ specPath: broken, date: DATE, source: drops.clean.dir, staging: 'mem://staging', output: join(root, 'out-broken') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSpecError);
    const { issues, message } = error as InvalidSpecError;
    expect(issues.map((i) => i.code)).toContain('UNKNOWN_KEY');
    expect(message).toMatch(new RegExp(`^  ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ error UNKNOWN_KEY .*onNewColumn`, 'm'));
    expect(existsSync(join(root, 'out-broken'))).toBe(false);
  });
});

// ---- the compiled entry point ------------------------------------------------------------------

describe('examples/dist/service/main.js', () => {
  const missing = `${compiledMain} is missing: run \`pnpm build\` first (\`pnpm test\` does)`;
  /** Runs the compiled service from the repo root; resolves with its exit code and output. */
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [compiledMain, ...args], { cwd: repoRoot, timeout: 20_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const day = (source: string, output: string) => ['--spec', 'partners/acme-travel.yaml', '--date', DATE, '--source', source, '--output', join(root, output)];

  it('prints the report as JSON on stdout and exits with the run exit code', async () => {
    expect(existsSync(compiledMain), missing).toBe(true);
    const [faulty, clean] = await Promise.all([
      run([...day(drops.faulty.dir, 'out-main'), '--staging', 'mem://staging', '--log-level', 'warn']),
      run(day(drops.clean.dir, 'out-main-clean')),
    ]);
    expect(faulty.status, faulty.stderr).toBe(1);
    expect(JSON.parse(faulty.stdout)).toEqual(expectedReport(drops.faulty.manifest));
    expect(faulty.stderr).toContain('archive quarantined');
    expect(faulty.stderr).not.toContain('run started'); // below --log-level warn

    expect(clean.status, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual(expectedReport(drops.clean.manifest));
    expect(clean.stderr).toContain('run finished');
    await expectPublished(join(root, 'out-main-clean'), drops.clean.manifest);
  });

  it('exits 2 with a message and nothing on stdout for usage, date and location mistakes', async () => {
    expect(existsSync(compiledMain), missing).toBe(true);
    const [usage, badDate, badScheme] = await Promise.all([
      run(['--spec', 'partners/acme-travel.yaml', '--source', drops.clean.dir]),
      run(day(drops.clean.dir, 'out-bad-date').map((arg) => (arg === DATE ? '2026-13-01' : arg))),
      run([...day(drops.clean.dir, 'out-bad-scheme'), '--staging', 's3://lake/staging/']),
    ]);
    expect(usage).toMatchObject({ status: 2, stdout: '' });
    expect(usage.stderr).toContain('missing --date, --output');
    expect(badDate).toMatchObject({ status: 2, stdout: '' });
    expect(badDate.stderr).toMatch(/^service: .*2026-13-01/m);
    expect(existsSync(join(root, 'out-bad-date'))).toBe(false);
    expect(badScheme).toMatchObject({ status: 2, stdout: '' });
    expect(badScheme.stderr).toContain('staging location s3://lake/staging/: this service handles file:// and mem:// locations');
    expect(existsSync(join(root, 'out-bad-scheme'))).toBe(false);
  });
});
