import { parseSpec } from '@partner-ingest/core';
import { describe, expect, it } from 'vitest';
import { compilePlan } from './compile.js';
import { formatPlanJson, formatPlanMermaid, formatPlanText, mermaidNodeId } from './format.js';

const loaded = parseSpec(`
apiVersion: partner-ingest/v1
partner: acme
source:
  uri: s3://drop/{date:yyyy/MM/dd}/
  readiness: { minArchives: 2, doneMarker: _DONE, timeout: 1h30m, pollEvery: 1m }
staging: s3://lake/staging/{date}/
output:
  uri: s3://lake/merged/{date}/
members:
  pattern: "{table}_{batch_id}.csv"
tables:
  bookings: { columns: { id: {} } }
  searches: { columns: { id: {} } }
  cancellations: { columns: { id: {} } }
`);
if (!loaded.spec) throw new Error(JSON.stringify(loaded.issues));
const plan = compilePlan(loaded.spec, { date: '2026-11-22' });

describe('formatPlanText', () => {
  const text = formatPlanText(plan);
  it('starts with the partner, the date and the locations', () => {
    expect(text.split('\n').slice(0, 10)).toEqual([
      'Plan for acme on 2026-11-22',
      '',
      '  source   s3://drop/2026/11/22/  (archives: *.tar.gz)',
      '  staging  s3://lake/staging/2026-11-22/',
      '  output   s3://lake/merged/2026-11-22/',
      '  state    s3://lake/merged/2026-11-22/_state/',
      '  ready    at least 2 archives and _DONE; wait up to 1h30m, polling every 1m',
      '  tables   bookings, searches, cancellations',
      '',
      'Tasks (11, in a valid order):',
    ]);
  });
  it('lists every task with what it needs and its description', () => {
    expect(text).toContain('\n   1. resolve-date\n      Fix the run date at 2026-11-22');
    expect(text).toContain('\n   3. extract  [one unit per archive]  <- wait-for-sources\n      For each archive');
    expect(text).toContain('\n  10. summary  <- dqa:bookings, dqa:searches, dqa:cancellations\n');
    expect(text).toMatch(/\n {2}11\. post-check {2}<- summary\n {6}Check that every merged table .*\n$/);
  });
});

describe('formatPlanMermaid', () => {
  const mermaid = formatPlanMermaid(plan);
  const lines = mermaid.trimEnd().split('\n');
  const nodes = lines.filter((line) => /^ {2}\w+\[/.test(line));
  const edges = lines.filter((line) => line.includes(' --> '));

  it('is a top-down flowchart with one node per task and one edge per need', () => {
    expect(lines[0]).toBe('flowchart TD');
    expect(nodes).toHaveLength(plan.tasks.length);
    expect(edges).toHaveLength(plan.tasks.reduce((n, task) => n + task.needs.length, 0));
    expect(lines).toHaveLength(2 + nodes.length + edges.length);
  });

  it('uses ids mermaid accepts and keeps the task ids as labels', () => {
    expect(nodes).toContain('  merge__bookings["merge:bookings"]');
    expect(nodes).toContain('  resolve_date["resolve-date"]');
    expect(nodes).toContain('  extract[["extract (one per archive)"]]');
    expect(edges).toContain('  dqa__cancellations --> summary');
    const ids = [...nodes.map((line) => line.trim().split('[')[0]!), ...edges.flatMap((line) => line.trim().split(' --> '))];
    for (const id of ids) expect(id).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
    expect(new Set(nodes.map((line) => line.trim().split('[')[0])).size).toBe(plan.tasks.length);
  });

  it.each([
    ['resolve-date', 'resolve_date'],
    ['merge:bookings', 'merge__bookings'],
    ['dqa:mid_table', 'dqa__mid_table'],
    ['post-check', 'post_check'],
  ])('maps %s to %s', (id, expected) => {
    expect(mermaidNodeId(id)).toBe(expected);
  });
});

describe('formatPlanJson', () => {
  it('is the plan, indented, and reads back to the same plan', () => {
    const json = formatPlanJson(plan);
    expect(json).toBe(`${JSON.stringify(plan, null, 2)}\n`);
    expect(JSON.parse(json)).toStrictEqual(plan);
  });
});
