// The readiness gate, driven through the CLI: a drop that is not ready fails the day clearly
// and publishes nothing, and a drop that becomes ready while the run waits is processed.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDrop } from '../../examples/generator/generate-drop.js';
import { readSummary, repoRoot, runCli, tempDir } from './cli-harness.js';

const DATE = '2026-11-22';

describe('wait-for-sources', () => {
  it('fails a day whose drop is not ready, saying what is missing, and publishes no table', async () => {
    const dir = await tempDir('ready');
    await mkdir(join(dir, 'drop'));
    await writeFile(join(dir, 'drop', 'partial.tar.gz.part'), 'still uploading');
    const out = join(dir, 'out');
    const run = await runCli(['run', 'partners/acme-travel.yaml', '--date', DATE, '--source', join(dir, 'drop'), '--staging', join(dir, 'st'), '--output', out, '--wait-timeout', '0s', '--json']);
    expect(run.code).toBe(1);
    const summary = await readSummary(out, DATE);
    expect(summary.failures[0]).toMatchObject({ task: 'wait-for-sources' });
    expect(summary.failures[0]!.message).toContain('0 of at least 1 archive(s) matching *.tar.gz, no done marker _DONE');
    expect(summary.tables).toEqual([]);
    expect(existsSync(join(out, 'bookings'))).toBe(false);
  });

  it('waits for the done marker, then runs the day', async () => {
    const dir = await tempDir('ready');
    const manifest = await generateDrop({ profile: 'acme-travel', date: DATE, outDir: join(dir, 'drop'), archives: 2, rowsPerMember: 20 });
    await rename(join(dir, 'drop', '_DONE'), join(dir, '_DONE.later'));
    const out = join(dir, 'out');
    // The spec polls every 200 ms; the marker arrives after 3 s, well after the CLI has started
    // (~0.5 s, more on a loaded machine), so the run must be polling for it.
    const spec = join(dir, 'spec.yaml');
    const text = await readFile(join(repoRoot, 'partners/acme-travel.yaml'), 'utf8');
    await writeFile(spec, text.replace('pollEvery: 1m', 'pollEvery: 200ms').replace('timeout: 2h', 'timeout: 30s'));
    let arrived = Number.POSITIVE_INFINITY;
    setTimeout(() => {
      arrived = Date.now();
      void rename(join(dir, '_DONE.later'), join(dir, 'drop', '_DONE'));
    }, 3000);
    const run = await runCli(['run', spec, '--date', DATE, '--source', join(dir, 'drop'), '--staging', join(dir, 'st'), '--output', out, '--json']);
    expect(run.code).toBe(0);
    const summary = await readSummary(out, DATE);
    expect(summary.tables.find((t) => t.table === 'bookings')!.rows).toBe(manifest.tables.bookings!.rows);
    // The wait ended once the marker was there, not before. The run's clock and ours are the same
    // machine's; the run's start is taken a little before its wait starts (connectors opened), hence
    // some slack, far less than the seconds a run that did not wait would be early by.
    const waited = summary.stages['wait-for-sources']!.duration_sec;
    expect(waited).toBeGreaterThan(0.5);
    expect(Date.parse(summary.start_time) + waited * 1000).toBeGreaterThanOrEqual(arrived - 500);
  });
});
