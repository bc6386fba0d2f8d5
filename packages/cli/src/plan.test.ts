// Drives the built `partner-ingest plan` (`pnpm test` builds first), as a user or CI would.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { resolveRunDate } from '@partner-ingest/core';
import type { Plan } from '@partner-ingest/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const fixtures = 'packages/core/src/spec/__fixtures__';
const ACME = 'partners/acme-travel.yaml';

async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: root, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function jsonPlan(...args: string[]): Promise<Plan> {
  const { code, stdout, stderr } = await cli(['plan', '--format', 'json', ...args]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as Plan;
}

let scratch: string;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` (pnpm test does it) before these tests`);
  scratch = await mkdtemp(join(tmpdir(), 'partner-ingest-plan-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('partner-ingest plan --format text', () => {
  it('prints the expanded locations and every task of acme-travel', async () => {
    const { code, stdout, stderr } = await cli(['plan', ACME, '--date', '2026-11-22']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 10)).toEqual([
      'Plan for acme-travel on 2026-11-22',
      '',
      '  source   s3://acme-drop/incoming/2026/11/22/  (archives: *.tar.gz)',
      '  staging  s3://acme-lake/staging/acme-travel/2026-11-22/',
      '  output   s3://acme-lake/merged/acme-travel/2026-11-22/',
      '  state    s3://acme-lake/merged/acme-travel/2026-11-22/_state/',
      '  ready    at least 1 archive and _DONE; wait up to 2h, polling every 1m',
      '  tables   bookings, searches, cancellations',
      '',
      'Tasks (11, in a valid order):',
    ]);
    const headings = stdout.split('\n').filter((line) => /^ {2}[ \d]\d\. /.test(line)).map((line) => line.slice(6));
    expect(headings).toEqual([
      'resolve-date',
      'wait-for-sources  <- resolve-date',
      'extract  [one unit per archive]  <- wait-for-sources',
      'merge:bookings  <- extract',
      'merge:searches  <- extract',
      'merge:cancellations  <- extract',
      'dqa:bookings  <- merge:bookings',
      'dqa:searches  <- merge:searches',
      'dqa:cancellations  <- merge:cancellations',
      'summary  <- dqa:bookings, dqa:searches, dqa:cancellations',
      'post-check  <- summary',
    ]);
    expect(stdout).toContain(
      '      Wait until s3://acme-drop/incoming/2026/11/22/ holds at least 1 archive matching *.tar.gz and the _DONE marker, looking every 1m; fail after 2h\n',
    );
  });
});

describe('partner-ingest plan --format json', () => {
  it('prints only the plan, as JSON, with the expanded URIs', async () => {
    const plan = await jsonPlan(ACME, '--date', '2026-11-22');
    expect(plan.partner).toBe('acme-travel');
    expect(plan.date).toBe('2026-11-22');
    expect(plan.locations).toEqual({
      source: 's3://acme-drop/incoming/2026/11/22/',
      staging: 's3://acme-lake/staging/acme-travel/2026-11-22/',
      output: 's3://acme-lake/merged/acme-travel/2026-11-22/',
      state: 's3://acme-lake/merged/acme-travel/2026-11-22/_state/',
    });
    expect(plan.readiness).toEqual({ minArchives: 1, doneMarker: '_DONE', timeoutMs: 7_200_000, pollEveryMs: 60_000 });
    expect(plan.tasks.map((task) => task.id)).toEqual([
      'resolve-date',
      'wait-for-sources',
      'extract',
      'merge:bookings',
      'merge:searches',
      'merge:cancellations',
      'dqa:bookings',
      'dqa:searches',
      'dqa:cancellations',
      'summary',
      'post-check',
    ]);
    expect(plan.tasks.find((task) => task.id === 'extract')).toMatchObject({ fanOut: 'archive', needs: ['wait-for-sources'] });
  });

  it('expands the sftp source of fjord-rail', async () => {
    const plan = await jsonPlan('partners/fjord-rail.yaml', '--date', '2026-01-05');
    expect(plan.locations.source).toBe('sftp://fjordrail@sftp.fjord-rail.example:22/exports/20260105/');
    expect(plan.tables).toEqual(['tickets', 'journeys']);
  });

  it('plans yesterday in the spec\'s time zone without --date', async () => {
    const before = resolveRunDate(undefined, 'Europe/Amsterdam', new Date());
    const plan = await jsonPlan(ACME);
    const after = resolveRunDate(undefined, 'Europe/Amsterdam', new Date());
    expect([before, after]).toContain(plan.date);
    expect(plan.locations.staging).toBe(`s3://acme-lake/staging/acme-travel/${plan.date}/`);
  });

  it.each([
    [
      'plain paths',
      ['--source', '/tmp/drop', '--staging', './staging', '--output', '/tmp/out'],
      { source: '/tmp/drop', staging: './staging', output: '/tmp/out', state: '/tmp/out/_state/' },
    ],
    [
      'templates and an explicit state',
      ['--source', 'file:///srv/{partner}/{date:yyyyMMdd}/', '--output', 'out/{date}/', '--state', '/var/lib/pi/{partner}/{date}'],
      {
        source: 'file:///srv/acme-travel/20261122/',
        staging: 's3://acme-lake/staging/acme-travel/2026-11-22/',
        output: 'out/2026-11-22/',
        state: '/var/lib/pi/acme-travel/2026-11-22',
      },
    ],
  ])('applies location overrides: %s', async (_, overrides, locations) => {
    const plan = await jsonPlan(ACME, '--date', '2026-11-22', ...overrides);
    expect(plan.locations).toEqual(locations);
  });

  it('prints ${ENV} references as written and does not need them to be set', async () => {
    const spec = join(scratch, 'env.yaml');
    const acme = await readFile(join(root, ACME), 'utf8');
    await writeFile(spec, acme.replace('s3://acme-lake/merged/', 's3://${LAKE_BUCKET}/merged/'));
    const env = { ...process.env };
    delete env.LAKE_BUCKET;
    delete env.SLACK_WEBHOOK;
    const { code, stdout, stderr } = await cli(['plan', spec, '--date', '2026-11-22', '--format', 'json'], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as Plan).locations.output).toBe('s3://${LAKE_BUCKET}/merged/acme-travel/2026-11-22/');
  });
});

describe('partner-ingest plan --format mermaid', () => {
  it('prints a top-down flowchart with mermaid-safe ids', async () => {
    const { code, stdout, stderr } = await cli(['plan', ACME, '--date', '2026-11-22', '--format', 'mermaid']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart TD');
    expect(lines).toContain('  resolve_date["resolve-date"]');
    expect(lines).toContain('  extract[["extract (one per archive)"]]');
    expect(lines).toContain('  merge__cancellations["merge:cancellations"]');
    expect(lines).toContain('  extract --> merge__bookings');
    expect(lines).toContain('  dqa__searches --> summary');
    expect(lines).toContain('  summary --> post_check');
    expect(lines.filter((line) => line.includes(' --> '))).toHaveLength(12); // 2 + 3 merges + 3 dqas + 3 into summary + 1
    for (const line of lines.filter((l) => l.includes(' --> '))) expect(line).toMatch(/^ {2}\w+ --> \w+$/);
  });
});

describe('partner-ingest plan: mistakes exit 2', () => {
  it.each([
    ['2026-02-30', 'error BAD_DATE the run date "2026-02-30" does not exist: 2026-02 has 28 days'],
    ['2026-1-1', 'error BAD_DATE the run date "2026-1-1" is not written YYYY-MM-DD (e.g. 2026-11-22)'],
  ])('a bad --date %s', async (date, message) => {
    const { code, stdout, stderr } = await cli(['plan', ACME, '--date', date]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`partner-ingest: ${message}\n`);
  });

  it('an invalid spec, with file:line:col for each problem', async () => {
    const file = `${fixtures}/invalid/wrong-type.yaml`;
    const { code, stdout, stderr } = await cli(['plan', file, '--date', '2026-11-22', '--format', 'json']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `${file}:10:22 error INVALID_TYPE tables.t.columns.a.nullable must be true or false, got "no"\n` +
        `${file}: invalid (1 error); fix it before planning (partner-ingest validate ${file})\n`,
    );
  });

  it('a missing spec file', async () => {
    const { code, stdout, stderr } = await cli(['plan', 'partners/nope.yaml']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('partners/nope.yaml:1:1 error FILE_NOT_FOUND no such file; check the path\n');
  });

  it.each([
    [[], /plan needs a spec file/],
    [[ACME, 'partners/fjord-rail.yaml'], /plan takes one spec file, got 2/],
    [[ACME, '--format', 'xml'], /--format must be text, json or mermaid, not "xml"/],
    [[ACME, '--dat', '2026-11-22'], /Unknown option '--dat'/],
    [[ACME, '--date'], /--date/],
    [[ACME, '--source', 's3://drop/{table}/'], /error BAD_LOCATION location "s3:\/\/drop\/\{table\}\/" uses \{table\}/],
  ])('usage: %j', async (args, message) => {
    const { code, stdout, stderr } = await cli(['plan', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});

describe('partner-ingest plan --help', () => {
  it('is listed in the main help and has its own', async () => {
    expect((await cli(['--help'])).stdout).toContain('partner-ingest plan <spec.yaml> [--date YYYY-MM-DD] [--format text|json|mermaid]');
    const { code, stdout } = await cli(['plan', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: partner-ingest plan <spec.yaml>/);
    expect(stdout).toContain('--state URI');
  });
});
