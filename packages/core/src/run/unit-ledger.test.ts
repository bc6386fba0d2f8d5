import { describe, expect, it } from 'vitest';
import type { ExtractedPart, ExtractUnitRecord } from '../ingest/extract-unit.js';
import { emptyMetrics } from '../ingest/part-metrics.js';
import type { PartMetrics } from '../ingest/part-metrics.js';
import type { StorageConnector } from '../connectors/connector.js';
import { listKeys, tempStore } from '../ingest/__fixtures__/kit.js';
import { manifestParts, manifestRuns, SEGMENT_LINES } from './merge-manifest.js';
import { MAX_OUT_OF_TURN, UnitLedger } from './unit-ledger.js';

function part(table: string, member: number, columns: string[], metrics: Partial<PartMetrics> = {}, drift: Partial<ExtractedPart> = {}): ExtractedPart {
  return {
    table,
    key: `parts/${table}/${member}.csv`,
    member: `${table}_${member}.csv`,
    memberIndex: member,
    columns,
    bytes: 100 + member,
    metrics: { ...emptyMetrics(columns), ...metrics },
    newColumns: [],
    droppedColumns: [],
    missingColumns: [],
    ...drift,
  };
}

function record(archive: string, parts: ExtractedPart[], extra: Partial<ExtractUnitRecord> = {}): ExtractUnitRecord {
  const tables = [...new Set(parts.map((p) => p.table))];
  return {
    archive,
    archiveId: `${archive}-id`,
    version: `${archive}-v1`,
    status: 'ok',
    parts,
    keyRuns: Object.fromEntries(tables.map((t) => [t, { key: `keys/${archive}/${t}.keys`, count: 3 }])),
    unmatched: [],
    quarantinedMembers: [],
    quarantinedRows: 0,
    compressedBytes: 10,
    uncompressedBytes: 1000,
    durationMs: 1,
    ...extra,
  };
}

const sample = (column: string, n: number) => ({ column, value: `bad${n}`, location: `x.tar.gz:m.csv:${n}` });

const records = [
  record('a0.tar.gz', [
    part('t', 0, ['id', 'name'], { rows: 4, nulls: { id: 0, name: 1 }, typeErrors: { id: 1, name: 0 }, typeErrorSamples: [sample('id', 1)] }),
    part('u', 1, ['k'], { rows: 2, nulls: { k: 0 } }),
    part('t', 2, ['id', 'name'], { rows: 1, nulls: { id: 0, name: 0 } }),
  ], { unmatched: ['README.txt'], quarantineKey: '_quarantine/a0.jsonl', quarantinedRows: 2 }),
  record('a1.tar.gz', [], {
    status: 'quarantined',
    error: { code: 'ARCHIVE_TRUNCATED', message: 'the archive ends mid-member' },
    quarantinedMembers: [{ member: 't_9.csv', table: 't', code: 'MEMBER_NO_HEADER', reason: 'empty' }],
  }),
  record('a2.tar.gz', [part('t', 3, ['id', 'name', 'extra'], { rows: 3, nulls: { id: 1, name: 0, extra: 2 }, typeErrors: { id: 2 }, typeErrorSamples: [sample('id', 2), sample('id', 3)] }, { newColumns: ['extra'] })], {
    quarantinedMembers: [{ member: 'evil', code: 'MEMBER_UNSAFE_NAME', reason: 'traversal' }],
  }),
];

const DECLARED = { t: ['id', 'name'], u: ['k'] };

async function fold(order: number[], from: readonly ExtractUnitRecord[] = records) {
  const { store } = await tempStore('ledger');
  const ledger = new UnitLedger({ tables: DECLARED, staging: store, prefix: 'manifests/run-1' });
  for (const i of order) ledger.add(i, structuredClone(from[i]!));
  await ledger.close();
  return { ledger, store };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** `n` archives of one part of table t each, archive i with `i % 3` key digests. */
const many = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    record(`m${i}.tar.gz`, [part('t', i, i % 7 === 0 ? ['id', 'name', 'extra'] : ['id', 'name'], {}, i % 3 ? { key: `units/m${i}.staged`, offset: 10 * i } : {})], {
      keyRuns: { t: { key: `keys/m${i}.keys`, count: i % 3, ...(i % 2 ? { offset: 1024 + 8 * i } : {}) } },
    }),
  );

/** The same numbers in a scrambled but fixed order. */
const scrambled = (n: number) => Array.from({ length: n }, (_, i) => (i * 7919) % n);

describe('UnitLedger', () => {
  it("stages each table's parts and key runs in listing order, whatever order the units finish in", async () => {
    const digests = new Set<string>();
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
      const { ledger, store } = await fold(order);
      const inputs = ledger.table('t').inputs();
      expect(await collect(manifestParts(store, inputs))).toEqual([
        { key: 'parts/t/0.csv', bytes: 100, columns: ['id', 'name'] },
        { key: 'parts/t/2.csv', bytes: 102, columns: ['id', 'name'] },
        { key: 'parts/t/3.csv', bytes: 103, columns: ['id', 'name', 'extra'] },
      ]);
      expect(await collect(manifestRuns(store, inputs))).toEqual([
        { key: 'keys/a0.tar.gz/t.keys', count: 3 },
        { key: 'keys/a2.tar.gz/t.keys', count: 3 },
      ]);
      expect(inputs).toMatchObject({ columns: ['id', 'name', 'extra'], parts: 3, bytes: 305, copiedParts: 1, runs: 2, keys: 6, segments: ['manifests/run-1/t/000000.jsonl'] });
      digests.add(inputs.digest);
    }
    expect(digests.size).toBe(1);
  });

  it('spreads a long day over segments, read back in listing order, with the same digest in any finishing order', async () => {
    const day = many(2500);
    const { ledger, store } = await fold(scrambled(2500), day);
    const inputs = ledger.table('t').inputs();
    expect(inputs.segments).toHaveLength(Math.ceil(2500 / SEGMENT_LINES));
    // Each part as its unit recorded it, its offset in a shared object included.
    const parts = await collect(manifestParts(store, inputs));
    expect(parts).toEqual(day.map((r) => r.parts[0]!).map((p) => ({ key: p.key, ...(p.offset ? { offset: p.offset } : {}), bytes: p.bytes, columns: p.columns })));
    expect(parts.filter((p) => p.offset !== undefined)).toHaveLength(1666);
    const runs = manifestRuns(store, inputs);
    expect([runs.runs, runs.keys]).toEqual([2500, day.reduce((n, r) => n + r.keyRuns.t!.count, 0)]);
    // Each run as its unit recorded it, its offset in a shared object included.
    expect(await collect(runs)).toEqual(day.map((r) => r.keyRuns.t!));
    expect(inputs).toMatchObject({ parts: 2500, copiedParts: 358, columns: ['id', 'name', 'extra'] });
    expect((await fold([...day.keys()], day)).ledger.table('t').inputs().digest).toBe(inputs.digest);
  });

  it("changes a table's digest when an archive's version changes, even with the same parts", async () => {
    const before = (await fold([0, 1, 2])).ledger.table('t').inputs().digest;
    const resent = records.map((r, i) => (i === 2 ? { ...r, version: 'a2.tar.gz-v2' } : r));
    expect((await fold([0, 1, 2], resent)).ledger.table('t').inputs().digest).not.toBe(before);
  });

  it("adds up a table's figures: metrics over the union, drift, quarantined members", async () => {
    const t = (await fold([2, 0, 1])).ledger.table('t');
    expect(t.metrics.total(['id', 'name', 'extra'])).toEqual({
      rows: 8,
      malformedRows: 0,
      bytesIn: 0,
      nullKeys: 0,
      nulls: { id: 1, name: 1, extra: 5 + 2 },
      typeErrors: { id: 3, name: 0, extra: 0 },
      typeErrorSamples: [sample('id', 1), sample('id', 2), sample('id', 3)],
    });
    expect(t.columnDrift()).toEqual({ newColumns: ['extra'], droppedColumns: [], missingColumns: [] });
    expect(t.driftedMembers).toBe(1);
    expect(t.quarantinedMembers).toBe(1);
    expect((await fold([0, 1, 2])).ledger.table('u').metrics.total(['k']).rows).toBe(2);
  });

  it("lists what the summary reports per archive in listing order, and the run's totals", async () => {
    const { ledger } = await fold([2, 1, 0]);
    expect(ledger.finished).toBe(3);
    expect(ledger.uncompressedBytes).toBe(3000);
    expect(ledger.quarantinedRows).toBe(2);
    expect(ledger.quarantinedArchives()).toEqual([{ archive: 'a1.tar.gz', code: 'ARCHIVE_TRUNCATED', reason: 'the archive ends mid-member' }]);
    expect(ledger.unmatchedMembers()).toEqual([{ archive: 'a0.tar.gz', member: 'README.txt' }]);
    expect(ledger.quarantinedMembers()).toEqual([
      { archive: 'a1.tar.gz', member: 't_9.csv', code: 'MEMBER_NO_HEADER', reason: 'empty' },
      { archive: 'a2.tar.gz', member: 'evil', code: 'MEMBER_UNSAFE_NAME', reason: 'traversal' },
    ]);
    expect(ledger.quarantineFiles()).toEqual(['_quarantine/a0.jsonl']);
  });

  it('holds at most MAX_OUT_OF_TURN archives finished ahead of one still running', async () => {
    const day = many(MAX_OUT_OF_TURN + 2);
    const { store } = await tempStore('ledger');
    const ledger = new UnitLedger({ tables: DECLARED, staging: store, prefix: 'm' });
    for (let i = 1; i <= MAX_OUT_OF_TURN; i++) ledger.add(i, day[i]!);
    let roomy = false;
    const room = ledger.room().then(() => (roomy = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(roomy).toBe(false);
    ledger.add(0, day[0]!); // the slow one finishes: the turn passes every archive held
    await room;
    ledger.skip(MAX_OUT_OF_TURN + 1); // a failed unit passes its turn too
    await ledger.close();
    expect(ledger.table('t').inputs().parts).toBe(MAX_OUT_OF_TURN + 1);
  });

  it('says when a segment could not be staged, and deletes the segments once discarded', async () => {
    const { store } = await tempStore('ledger');
    const failing = { ...store, write: async () => Promise.reject(new Error('disk full')) } as StorageConnector;
    const broken = new UnitLedger({ tables: DECLARED, staging: failing, prefix: 'm' });
    broken.add(0, records[0]!);
    await expect(broken.close()).rejects.toThrow(`could not stage the merge manifests in ${store.uri}: disk full`);

    const { ledger } = await fold([0, 1, 2]);
    const staging = (ledger as unknown as { staging: StorageConnector }).staging;
    expect(await listKeys(staging, 'manifests/')).toEqual(['manifests/run-1/t/000000.jsonl', 'manifests/run-1/u/000000.jsonl']);
    await ledger.discard();
    expect(await listKeys(staging, 'manifests/')).toEqual([]);
  });

  it('refuses a table that is not in the plan', async () => {
    expect(() => new UnitLedger({ tables: DECLARED, staging: {} as StorageConnector, prefix: 'm' }).table('nope')).toThrow('table nope is not in the plan');
  });
});
