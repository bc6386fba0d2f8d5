import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localFsConnector } from '@partner-ingest/connectors';
import type { StorageConnector } from '../connectors/connector.js';
import { readBytes, tempStore } from '../ingest/__fixtures__/kit.js';
import { copyTable, tableOutputKeys } from '../ingest/merge-table.js';
import type { PartRef } from '../ingest/merge-table.js';
import { silentLogger } from '../log/logger.js';
import { EarlyCopy, MAX_REPLAY_PARTS } from './early-copy.js';
import type { MergeInputs } from './merge-manifest.js';

const DECLARED = ['id', 'name'];
const KEY = tableOutputKeys('t').data;

let serial = 0;

/** Stages a part (header + rows) as an extract unit would. */
async function stagePart(staging: StorageConnector, columns: string[], rows: number): Promise<PartRef> {
  const key = `parts/a/t/${String(serial++).padStart(6, '0')}.csv`;
  const body = Array.from({ length: rows }, (_, i) => `${serial * 1000 + i},"name, ${i}"\n`).join('');
  const info = await staging.write(key, `${columns.join(',')}\n${body}`);
  return { key, columns, bytes: info.size };
}

/** What the ledger's manifest would say of `parts` (only what `finish` reads is meaningful). */
function inputsOf(parts: readonly PartRef[], columns: string[]): MergeInputs {
  const same = (p: PartRef) => p.columns.length === columns.length && p.columns.every((c, i) => c === columns[i]);
  return {
    segments: [],
    columns,
    columnLists: [],
    parts: parts.length,
    bytes: parts.reduce((n, p) => n + p.bytes, 0),
    copiedParts: parts.filter(same).length,
    runs: 0,
    keys: 0,
    digest: 'test',
  };
}

/** The merge's own copy of `parts` into a store of its own: what an early copy must equal. */
async function reference(staging: StorageConnector, parts: PartRef[], columns: string[]): Promise<Buffer> {
  const { store } = await tempStore('reference');
  await copyTable('t', columns, parts, staging, store);
  return readBytes(store, KEY);
}

/** Every file under the output directory, temp files (dot-names) included. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1)).sort();
}

async function setup(durable = false) {
  const staging = (await tempStore('staging')).store;
  const { dir } = await tempStore('output');
  // A durable output takes the local connector's direct (O_DIRECT) writes, as a real run's does.
  const output = localFsConnector(dir, { fsync: durable });
  return { staging, output, dir, copy: new EarlyCopy('t', DECLARED, staging, output, silentLogger) };
}

describe('EarlyCopy', () => {
  it.each([false, true])('publishes exactly what the merge would copy, parts offered a few at a time (durable output: %s)', async (durable) => {
    const { staging, output, dir, copy } = await setup(durable);
    const parts = [];
    for (let i = 0; i < 7; i++) parts.push(await stagePart(staging, DECLARED, 200 + 37 * i));
    copy.offer(parts.slice(0, 2), DECLARED);
    copy.offer(parts.slice(2, 3), DECLARED);
    await new Promise((resolve) => setTimeout(resolve, 20)); // let it copy some before the rest come
    copy.offer(parts.slice(3), DECLARED);
    const copied = await copy.finish(inputsOf(parts, DECLARED));
    expect(copied).toMatchObject({ columns: DECLARED, copiedParts: 7, reprojectedParts: 0 });
    const bytes = await readBytes(output, KEY);
    expect(bytes.equals(await reference(staging, parts, DECLARED))).toBe(true);
    expect(copied!.data.size).toBe(bytes.length);
    expect(await filesUnder(dir)).toEqual([KEY]);
  });

  it('starts over when a later part adds a column, and publishes the rows in the grown union', async () => {
    const { staging, output, dir, copy } = await setup();
    const grown = [...DECLARED, 'extra'];
    const before = [await stagePart(staging, DECLARED, 300), await stagePart(staging, DECLARED, 300)];
    const later = await stagePart(staging, grown, 50);
    copy.offer(before, DECLARED);
    await new Promise((resolve) => setTimeout(resolve, 20));
    copy.offer([later], grown);
    const parts = [...before, later];
    const copied = await copy.finish(inputsOf(parts, grown));
    expect(copied).toMatchObject({ columns: grown, copiedParts: 1, reprojectedParts: 2 });
    const bytes = await readBytes(output, KEY);
    expect(bytes.toString().split('\n')[0]).toBe('id,name,extra');
    expect(bytes.equals(await reference(staging, parts, grown))).toBe(true);
    expect(await filesUnder(dir)).toEqual([KEY]); // the superseded attempt's temp file is gone
  });

  it('declines, and leaves nothing behind, when the manifest names parts it was not offered', async () => {
    const { staging, dir, copy } = await setup();
    const parts = [await stagePart(staging, DECLARED, 10), await stagePart(staging, DECLARED, 10)];
    copy.offer(parts.slice(0, 1), DECLARED);
    expect(await copy.finish(inputsOf(parts, DECLARED))).toBeUndefined();
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('declines when the manifest has other columns than the copy', async () => {
    const { staging, dir, copy } = await setup();
    const parts = [await stagePart(staging, DECLARED, 10)];
    copy.offer(parts, DECLARED);
    expect(await copy.finish(inputsOf(parts, [...DECLARED, 'extra']))).toBeUndefined();
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('leaves nothing behind when abandoned (a failed or reused day)', async () => {
    const { staging, dir, copy } = await setup();
    copy.offer([await stagePart(staging, DECLARED, 500)], DECLARED);
    await copy.abandon('test');
    expect(await filesUnder(dir)).toEqual([]);
    // Parts offered afterwards are ignored, and the merge is told to copy for itself.
    copy.offer([await stagePart(staging, DECLARED, 5)], DECLARED);
    expect(await copy.finish(inputsOf([], DECLARED))).toBeUndefined();
  });

  it('gives the copy back to the merge when a part cannot be read', async () => {
    const { staging, dir, copy } = await setup();
    const part = await stagePart(staging, DECLARED, 10);
    copy.offer([{ ...part, key: 'parts/a/t/missing.csv' }], DECLARED);
    expect(await copy.finish(inputsOf([part], DECLARED))).toBeUndefined();
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('gives up rather than hold more parts than it may keep', async () => {
    const { staging, dir, copy } = await setup();
    const part = await stagePart(staging, DECLARED, 1);
    // Offered in one turn of the event loop, the copy takes none of them in between: they pile up
    // as a resumed day's reused archives do.
    const many = Array.from({ length: MAX_REPLAY_PARTS + 2 }, () => part);
    for (const p of many) copy.offer([p], DECLARED);
    expect(await copy.finish(inputsOf(many, DECLARED))).toBeUndefined();
    expect(await filesUnder(dir)).toEqual([]);
  });
});
