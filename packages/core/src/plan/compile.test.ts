import { fileURLToPath } from 'node:url';
import { loadSpecFile, parseSpec } from '@partner-ingest/core';
import type { PartnerSpec } from '@partner-ingest/core';
import { describe, expect, it } from 'vitest';
import { compilePlan } from './compile.js';
import type { Plan } from './plan.js';

const partners = fileURLToPath(new URL('../../../../partners/', import.meta.url));

async function partner(name: string): Promise<PartnerSpec> {
  const loaded = await loadSpecFile(`${partners}${name}.yaml`);
  if (!loaded.spec) throw new Error(`${name}: ${JSON.stringify(loaded.issues)}`);
  return loaded.spec;
}

function spec(text: string): PartnerSpec {
  const loaded = parseSpec(text);
  if (!loaded.spec) throw new Error(JSON.stringify(loaded.issues));
  return loaded.spec;
}

/** Three tables, declared out of alphabetical order, and readiness left to its defaults. */
const THREE_TABLES = spec(`
apiVersion: partner-ingest/v1
partner: trio
timezone: America/New_York
source:
  uri: /drops/{partner}/{date:yyyyMMdd}
staging: /staging/{partner}/{date}
output:
  uri: /merged/{partner}/{date}
  format: parquet
members:
  pattern: "{table}_{batch_id}.csv"
quality:
  onFailure: warn
tables:
  zeta: { columns: { id: {} } }
  alpha: { columns: { id: {} } }
  mid_table: { columns: { id: {} } }
`);

/** Whether every task appears after all the tasks it needs, and every need names a task. */
function isTopological(plan: Plan): boolean {
  const seen = new Set<string>();
  for (const task of plan.tasks) {
    if (!task.needs.every((need) => seen.has(need))) return false;
    seen.add(task.id);
  }
  return true;
}

describe('compilePlan: the task graph', () => {
  const plan = compilePlan(THREE_TABLES, { date: '2026-11-22' });

  it('has one task per step and one merge and dqa per table, in a topological order', () => {
    expect(plan.tasks.map((task) => [task.id, task.needs])).toEqual([
      ['resolve-date', []],
      ['wait-for-sources', ['resolve-date']],
      ['extract', ['wait-for-sources']],
      ['merge:zeta', ['extract']],
      ['merge:alpha', ['extract']],
      ['merge:mid_table', ['extract']],
      ['dqa:zeta', ['merge:zeta']],
      ['dqa:alpha', ['merge:alpha']],
      ['dqa:mid_table', ['merge:mid_table']],
      ['summary', ['dqa:zeta', 'dqa:alpha', 'dqa:mid_table']],
      ['post-check', ['summary']],
    ]);
    expect(isTopological(plan)).toBe(true);
    expect(new Set(plan.tasks.map((task) => task.id)).size).toBe(plan.tasks.length);
  });

  it('marks kinds, tables and the per-archive fan-out', () => {
    expect(plan.tasks.map((task) => [task.id, task.kind, task.table, task.fanOut])).toEqual([
      ['resolve-date', 'resolve-date', undefined, undefined],
      ['wait-for-sources', 'wait-for-sources', undefined, undefined],
      ['extract', 'extract', undefined, 'archive'],
      ['merge:zeta', 'merge', 'zeta', undefined],
      ['merge:alpha', 'merge', 'alpha', undefined],
      ['merge:mid_table', 'merge', 'mid_table', undefined],
      ['dqa:zeta', 'dqa', 'zeta', undefined],
      ['dqa:alpha', 'dqa', 'alpha', undefined],
      ['dqa:mid_table', 'dqa', 'mid_table', undefined],
      ['summary', 'summary', undefined, undefined],
      ['post-check', 'post-check', undefined, undefined],
    ]);
    expect(plan.tables).toEqual(['zeta', 'alpha', 'mid_table']);
  });

  it('describes each task with its concrete locations and tables', () => {
    const description = (id: string) => plan.tasks.find((task) => task.id === id)!.description;
    expect(description('resolve-date')).toBe("Fix the run date at 2026-11-22 (the partner's calendar is America/New_York)");
    expect(description('wait-for-sources')).toBe('Check once that /drops/trio/20261122 holds at least 1 archive matching *.tar.gz; fail if not');
    expect(description('extract')).toBe(
      'For each archive matching *.tar.gz in /drops/trio/20261122: stream it, route members named {table}_{batch_id}.csv ' +
        'to zeta, alpha, mid_table, and stage normalised parts in /staging/trio/2026-11-22',
    );
    expect(description('merge:alpha')).toBe(
      'Merge the staged parts of alpha into merged_alpha.parquet with _schema.json and _SUCCESS in /merged/trio/2026-11-22',
    );
    expect(description('dqa:alpha')).toMatch(/^Judge alpha against the spec .*a failed check only warns$/);
    expect(description('summary')).toBe('Write merge_summary_2026-11-22.json and summary.txt for 3 tables (zeta, alpha, mid_table)');
    expect(description('post-check')).toContain('/merged/trio/2026-11-22');
  });

  it('applies the readiness defaults and leaves out an unset done marker', () => {
    expect(plan.readiness).toEqual({ minArchives: 1, timeoutMs: 0, pollEveryMs: 30_000 });
    expect('doneMarker' in plan.readiness).toBe(false);
    expect(plan.archives).toBe('*.tar.gz');
  });

  it('is plain data: it survives a JSON round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(plan))).toStrictEqual(plan);
  });

  it('is pure: the same input gives the same plan and the spec is left untouched', () => {
    const before = structuredClone(THREE_TABLES);
    expect(compilePlan(THREE_TABLES, { date: '2026-11-22' })).toStrictEqual(plan);
    expect(THREE_TABLES).toStrictEqual(before);
  });
});

describe('compilePlan: the partner specs', () => {
  it.each([
    [
      'acme-travel',
      {
        partner: 'acme-travel',
        date: '2026-11-22',
        locations: {
          source: 's3://acme-drop/incoming/2026/11/22/',
          staging: 's3://acme-lake/staging/acme-travel/2026-11-22/',
          output: 's3://acme-lake/merged/acme-travel/2026-11-22/',
          state: 's3://acme-lake/merged/acme-travel/2026-11-22/_state/',
        },
        archives: '*.tar.gz',
        readiness: { minArchives: 1, doneMarker: '_DONE', timeoutMs: 7_200_000, pollEveryMs: 60_000 },
        tables: ['bookings', 'searches', 'cancellations'],
      },
    ],
    [
      'fjord-rail',
      {
        partner: 'fjord-rail',
        date: '2026-11-22',
        locations: {
          source: 'sftp://fjordrail@sftp.fjord-rail.example:22/exports/20261122/',
          staging: 's3://rail-lake/staging/fjord-rail/2026-11-22/',
          output: 's3://rail-lake/merged/fjord-rail/2026-11-22/',
          state: 's3://rail-lake/merged/fjord-rail/2026-11-22/_state/',
        },
        archives: 'export_*.tar.gz',
        readiness: { minArchives: 4, timeoutMs: 21_600_000, pollEveryMs: 300_000 },
        tables: ['tickets', 'journeys'],
      },
    ],
  ])('%s', async (name, expected) => {
    const plan = compilePlan(await partner(name), { date: '2026-11-22' });
    const { tasks, ...rest } = plan;
    expect(rest).toStrictEqual(expected);
    expect(tasks).toHaveLength(5 + 2 * expected.tables.length);
    expect(isTopological(plan)).toBe(true);
  });

  it('describes the acme readiness gate with its marker and durations', async () => {
    const plan = compilePlan(await partner('acme-travel'), { date: '2026-11-22' });
    expect(plan.tasks[1]!.description).toBe(
      'Wait until s3://acme-drop/incoming/2026/11/22/ holds at least 1 archive matching *.tar.gz and the _DONE marker, ' +
        'looking every 1m; fail after 2h',
    );
  });
});

describe('compilePlan: location overrides', () => {
  it.each([
    [
      'plain paths',
      { source: '/tmp/drop', staging: './staging', output: '/tmp/out' },
      { source: '/tmp/drop', staging: './staging', output: '/tmp/out', state: '/tmp/out/_state/' },
    ],
    [
      'templates',
      { source: 'file:///drops/{partner}/{date:yyyy/MM/dd}/', output: 's3://other/{date}/' },
      {
        source: 'file:///drops/acme-travel/2026/11/22/',
        staging: 's3://acme-lake/staging/acme-travel/2026-11-22/',
        output: 's3://other/2026-11-22/',
        state: 's3://other/2026-11-22/_state/',
      },
    ],
    [
      'an explicit state',
      { state: '/var/lib/partner-ingest/{partner}/{date}' },
      {
        source: 's3://acme-drop/incoming/2026/11/22/',
        staging: 's3://acme-lake/staging/acme-travel/2026-11-22/',
        output: 's3://acme-lake/merged/acme-travel/2026-11-22/',
        state: '/var/lib/partner-ingest/acme-travel/2026-11-22',
      },
    ],
  ])('%s', async (_, overrides, expected) => {
    const plan = compilePlan(await partner('acme-travel'), { date: '2026-11-22', ...overrides });
    expect(plan.locations).toStrictEqual(expected);
    expect(plan.tasks.find((task) => task.id === 'extract')!.description).toContain(expected.source);
  });

  it.each([
    [{ date: '2026-02-30' }, 'BAD_DATE'],
    [{ date: '2026-11-22', source: '/drops/{table}/' }, 'BAD_LOCATION'],
    [{ date: '2026-11-22', state: '/state/{date' }, 'BAD_LOCATION'],
  ])('refuses %j with %s', (options, code) => {
    expect(() => compilePlan(THREE_TABLES, options)).toThrow(expect.objectContaining({ name: 'PlanError', code }));
  });
});
