// Checks the generator against an independent reading of its output (drop-recount.ts): every
// archive is gunzipped and untarred, every member parsed by a reference CSV reader written from
// the partner specs, and the figures recounted and compared with the manifest. Drops are small so
// the whole file runs in a few seconds.

import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli, parseFaults, parseSize } from './cli-args.js';
import { readArchive, recount, SPECS, type Entry, type Recount } from './drop-recount.js';
import { FAULT_KINDS, generateDrop, type DropManifest, type GenerateDropOptions } from './generate-drop.js';

// ---- fixtures ----------------------------------------------------------------------------------

const dirs: string[] = [];
async function generate(options: Omit<GenerateDropOptions, 'outDir' | 'date'> & { date?: string }) {
  const outDir = await mkdtemp(join(tmpdir(), 'drop-'));
  dirs.push(outDir);
  const manifest = await generateDrop({ date: '2026-11-22', ...options, outDir });
  return { outDir, manifest };
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

function expectManifestMatches(manifest: DropManifest, r: Recount): void {
  expect(manifest.archives.map((a) => a.name)).toEqual(r.archiveNames);
  expect(manifest.tables).toEqual(r.tables);
  expect(manifest.unmatchedMembers).toEqual(r.unmatchedMembers);
  expect(manifest.rejectedMembers).toEqual(r.rejectedMembers);
  expect(manifest.corruptArchives).toEqual(r.corruptArchives);
  expect(manifest.csvBytes).toBe(r.csvBytes);
  for (const a of manifest.archives) {
    const entries = r.archives.get(a.name);
    if (a.corrupt) expect(entries).toBeNull();
    else expect(entries?.map((e) => e.name)).toEqual(a.members);
  }
}

// ---- tests -------------------------------------------------------------------------------------

describe('generateDrop: determinism', () => {
  it('writes byte-identical drops for the same options and different ones for another seed', async () => {
    const options = { profile: 'acme-travel', archives: 5, rowsPerMember: 40, faults: 'all' as const, seed: 7 };
    const [a, b, c] = await Promise.all([generate(options), generate({ ...options, concurrency: 1 }), generate({ ...options, seed: 8 })]);
    const [fa, fb, fc] = await Promise.all([filesOf(a.outDir), filesOf(b.outDir), filesOf(c.outDir)]);
    expect([...fa.keys()]).toEqual([...fb.keys()]);
    for (const [name, bytes] of fa) expect(bytes.equals(fb.get(name) as Buffer), name).toBe(true);
    const archive = 'acme-travel_20261122_0001.tar.gz';
    expect((fa.get(archive) as Buffer).equals(fc.get(archive) as Buffer)).toBe(false);
  });

  it('streams members larger than the buffer limit in two passes with the same bytes', async () => {
    const options = { profile: 'fjord-rail', archives: 4, rowsPerMember: 300, faults: ['malformed-row', 'type-error'] as const };
    const held = await generate({ ...options, faults: [...options.faults] });
    const spilled = await generate({ ...options, faults: [...options.faults], memberBufferBytes: 1024 });
    const [fh, fs] = await Promise.all([filesOf(held.outDir), filesOf(spilled.outDir)]);
    for (const [name, bytes] of fh) expect(bytes.equals(fs.get(name) as Buffer), name).toBe(true);
  });

  // Worker threads load the compiled module, so this runs against examples/dist when it is built.
  const dist = new URL('../dist/generator/generate-drop.js', import.meta.url);
  it.skipIf(!existsSync(fileURLToPath(dist)))('writes the same bytes with worker threads (compiled build)', async () => {
    const compiled = (await import(dist.href)) as { generateDrop: typeof generateDrop };
    const options = { profile: 'fjord-rail', date: '2026-11-22', archives: 5, rowsPerMember: 50, faults: 'all' as const };
    const [a, b] = [await mkdtemp(join(tmpdir(), 'drop-')), await mkdtemp(join(tmpdir(), 'drop-'))];
    dirs.push(a, b);
    const [ma, mb] = await Promise.all([compiled.generateDrop({ ...options, outDir: a, threads: 2 }), compiled.generateDrop({ ...options, outDir: b, threads: 0 })]);
    expect(ma).toEqual(mb);
    const [fa, fb] = await Promise.all([filesOf(a), filesOf(b)]);
    expect([...fa.keys()]).toEqual([...fb.keys()]);
    for (const [name, bytes] of fa) expect(bytes.equals(fb.get(name) as Buffer), name).toBe(true);
  });

  it('refuses worker threads when running from sources', async () => {
    await expect(generate({ profile: 'acme-travel', archives: 1, rowsPerMember: 1, threads: 1 })).rejects.toThrow(/compiled generator/);
  });

  it('writes fixed tar headers: drop-date mtime, uid/gid 0', async () => {
    const { outDir } = await generate({ profile: 'acme-travel', archives: 1, rowsPerMember: 5 });
    const entries = (await readArchive(join(outDir, 'acme-travel_20261122_0001.tar.gz'))) as Entry[];
    for (const e of entries) {
      expect(e.mtime.toISOString()).toBe('2026-11-22T00:00:00.000Z');
      expect([e.uid, e.gid]).toEqual([0, 0]);
    }
  });
});

describe.each(['acme-travel', 'fjord-rail'] as const)('generateDrop %s', (profile) => {
  const spec = SPECS[profile];
  let clean: { outDir: string; manifest: DropManifest; recount: Recount };
  let faulty: { outDir: string; manifest: DropManifest; recount: Recount };
  beforeAll(async () => {
    const [c, f] = await Promise.all([
      generate({ profile, archives: 6, rowsPerMember: 60 }),
      generate({ profile, archives: 6, rowsPerMember: 60, faults: 'all', seed: 3 }),
    ]);
    clean = { ...c, recount: await recount(c.outDir, spec) };
    faulty = { ...f, recount: await recount(f.outDir, spec) };
  });

  it('names archives and members per the spec patterns', async () => {
    const files = await readdir(clean.outDir);
    const archives = files.filter((f) => f.endsWith('.tar.gz'));
    expect(archives.length).toBe(6);
    for (const a of archives) expect(a).toMatch(spec.archives);
    expect(files.includes('_DONE')).toBe(spec.doneMarker !== undefined);
    if (spec.doneMarker !== undefined) expect((await readFile(join(clean.outDir, spec.doneMarker))).length).toBe(0);
    expect(clean.recount.unmatchedMembers).toEqual([]);
    expect(clean.recount.members.size).toBeGreaterThan(6);
    for (const name of clean.recount.members.keys()) {
      expect(name.slice(name.lastIndexOf('/') + 1)).toMatch(spec.member);
    }
    if (profile === 'acme-travel') expect(archives).toContain('acme-travel_20261122_0001.tar.gz');
    else expect(archives).toEqual(expect.arrayContaining(['export_NO_0001.tar.gz', 'export_SE_0001.tar.gz', 'export_DK_0001.tar.gz', 'export_FI_0001.tar.gz']));
  });

  it('declares exactly the figures an independent recount finds (clean drop)', () => {
    expectManifestMatches(clean.manifest, clean.recount);
    for (const t of Object.values(clean.manifest.tables)) {
      expect(t.rows).toBeGreaterThan(0);
      expect(t.malformedRows).toBe(0);
      expect(t.duplicateKeys).toBe(0);
      expect(Object.values(t.typeErrors).every((v) => v === 0)).toBe(true);
    }
    expect(clean.manifest.faults).toEqual([]);
  });

  it('declares exactly the figures an independent recount finds (all faults)', () => {
    expectManifestMatches(faulty.manifest, faulty.recount);
    const table = profile === 'acme-travel' ? 'bookings' : 'tickets';
    const t = faulty.manifest.tables[table] as DropManifest['tables'][string];
    expect(t.malformedRows).toBe(2);
    expect(t.duplicateKeys).toBe(2);
    expect(Object.values(t.typeErrors).reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('records every injected fault where it is', () => {
    const { manifest, recount: r } = faulty;
    expect(manifest.faultKinds).toEqual([...FAULT_KINDS]);
    expect(new Set(manifest.faults.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    // Line numbers point at the faulty records.
    for (const f of manifest.faults) {
      if (f.member === undefined || f.line === undefined) continue;
      const lines = (r.members.get(f.member) as { text: string }).text.split('\n');
      const line = lines[f.line - 1] as string;
      if (f.kind === 'malformed-row') expect(line).toMatch(/unexpected extra field|"unterminated text/);
      else expect(line).toContain(f.value as string);
    }
    // A duplicate key sits in two different archives.
    for (const f of manifest.faults.filter((x) => x.kind === 'duplicate-key')) {
      const holders = [...r.members.entries()].filter(([, m]) => m.text.includes(`${f.value as string}${spec.delimiter}`) || m.text.includes(`${spec.delimiter}${f.value as string}`));
      expect(new Set(holders.map(([, m]) => m.archive)).size).toBe(2);
    }
    // The corrupt archive is an extra one, truncated, and flagged.
    expect(manifest.corruptArchives).toHaveLength(1);
    expect(manifest.archives.filter((a) => a.corrupt).map((a) => a.name)).toEqual(manifest.corruptArchives);
    expect(manifest.archives).toHaveLength(7);
    // The traversal archive still delivers valid members that count.
    const traversal = manifest.rejectedMembers[0]?.archive as string;
    expect(manifest.rejectedMembers.map((m) => m.reason)).toEqual(['path-traversal', 'symlink']);
    expect(manifest.rejectedMembers[0]?.member).toMatch(/^\.\.\/\.\.\/etc\//);
    const entries = r.archives.get(traversal) as Entry[];
    expect(entries.find((e) => e.type === 'symlink')?.linkname).toBe('/etc/passwd');
    expect([...r.members.values()].filter((m) => m.archive === traversal).length).toBeGreaterThan(0);
    expect(manifest.unmatchedMembers).toHaveLength(2);
    expect(manifest.unmatchedMembers).toContain('README.txt');
  });
});

describe('generateDrop: drift and dialects', () => {
  it('acme-travel drifts headers, order, columns, line ends and BOMs between batches', async () => {
    const { outDir, manifest } = await generate({ profile: 'acme-travel', archives: 6, rowsPerMember: 20 });
    const r = await recount(outDir, SPECS['acme-travel']);
    const texts = [...r.members.entries()];
    const headers = texts.map(([name, m]) => ({ name, header: m.text.slice(0, m.text.search(/\r?\n/)) }));
    const bookings = headers.filter((h) => h.name.includes('bookings_')).map((h) => h.header);
    expect(bookings.some((h) => h.includes('HOTEL_ID'))).toBe(true);
    expect(bookings.some((h) => h.includes('PROPERTY_ID'))).toBe(true);
    expect(bookings.some((h) => h.includes('CHECKIN_DATE')) && bookings.some((h) => h.includes('CHK_IN_DT'))).toBe(true);
    expect(bookings.some((h) => h.includes('LOYALTY_TIER')) && bookings.some((h) => !h.includes('LOYALTY_TIER'))).toBe(true);
    expect(bookings.some((h) => !/refundable/i.test(h))).toBe(true);
    expect(bookings.some((h) => h.includes(' bkg_id '))).toBe(true);
    expect(new Set(bookings.map((h) => h.replace(/^\uFEFF/, '').split(',')[0])).size).toBeGreaterThan(1);
    const searches = headers.filter((h) => h.name.includes('searches_')).map((h) => h.header);
    expect(searches.some((h) => /(^|,)DEST(,|$)/.test(h)) && searches.some((h) => h.includes('DESTINATION'))).toBe(true);
    expect(headers.some((h) => h.header.includes('AGENT'))).toBe(true);
    expect(texts.some(([, m]) => m.text.includes('\r\n')) && texts.some(([, m]) => !m.text.includes('\r\n'))).toBe(true);
    expect(texts.some(([, m]) => m.text.startsWith('\uFEFF'))).toBe(true);
    expect(texts.some(([name]) => name.startsWith('export/'))).toBe(true);
    expect(texts.some(([, m]) => m.text.includes('Zoë, Malmö'))).toBe(true);
    expect(texts.some(([, m]) => m.text.includes('""'))).toBe(true);
    expect(manifest.tables.bookings?.columns.at(-1)).toBe('loyalty_tier');
    expect(manifest.tables.cancellations?.droppedColumns).toEqual(['AGENT']);
    // An archive with two batches, i.e. two members of a table.
    expect(manifest.archives.some((a) => a.members.filter((m) => m.includes('bookings_')).length === 2)).toBe(true);
    // Null tokens: all three are used, and nulls stay near 10% overall.
    const b = manifest.tables.bookings as DropManifest['tables'][string];
    const s = manifest.tables.searches as DropManifest['tables'][string];
    const cells = (t: typeof b) => t.rows * t.columns.length;
    const nulls = (t: typeof b) => Object.values(t.nulls).reduce((x, y) => x + y, 0);
    const ratio = (nulls(b) + nulls(s)) / (cells(b) + cells(s));
    expect(ratio).toBeGreaterThan(0.05);
    expect(ratio).toBeLessThan(0.2);
    const all = texts.map(([, m]) => m.text).join('\n');
    expect(all).toContain(',NULL,');
    expect(all).toContain(',\\N,');
    expect(all).toContain(',,');
    expect(b.nulls.booking_id).toBe(0);
    expect(b.nulls.hotel_id).toBe(0);
    expect((b.nulls.amount as number) / b.rows).toBeLessThanOrEqual(0.05);
    expect((b.nulls.guest_note as number) / b.rows).toBeGreaterThan(0.6);
  });

  it('fjord-rail writes Latin-1, backslash escapes, decimal commas and journey drift', async () => {
    const { outDir, manifest } = await generate({ profile: 'fjord-rail', archives: 4, rowsPerMember: 80 });
    const raw: Buffer[] = [];
    for (const name of (await readdir(outDir)).filter((f) => f.endsWith('.tar.gz'))) {
      for (const e of (await readArchive(join(outDir, name))) as Entry[]) raw.push(e.data);
    }
    const bytes = Buffer.concat(raw);
    expect(bytes.includes(Buffer.from('Bodø', 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from('Bodø', 'utf8'))).toBe(false);
    const text = bytes.toString('latin1');
    expect(text).toMatch(/"Gardermoen \\"OSL\\""/);
    expect(text).toMatch(/;\d+,\d{2};/);
    expect(text).toMatch(/;\d{2}\.\d{2}\.2026;/);
    expect(text).toContain('FORSINKELSE_MIN');
    expect(text).toContain('DELAY');
    expect(text).toContain(';N/A');
    expect(text).toContain(';-');
    expect(manifest.tables.journeys?.droppedColumns).toEqual(['MERKNAD']);
    expect(manifest.tables.tickets?.columns).toEqual(['ticket_id', 'sold_on', 'origin', 'destination', 'fare', 'is_return']);
    expect(manifest.tables.tickets?.files).toBeGreaterThanOrEqual(4);
  });
});

describe('generateDrop: edge cases', () => {
  it.each([
    ['acme-travel', 1, 3],
    ['fjord-rail', 1, 0],
    ['acme-travel', 2, 1],
  ] as const)('%s with %i archive(s) of %i rows and all faults still matches a recount', async (profile, archives, rowsPerMember) => {
    const { outDir, manifest } = await generate({ profile, archives, rowsPerMember, faults: 'all' });
    expectManifestMatches(manifest, await recount(outDir, SPECS[profile]));
    expect(manifest.corruptArchives).toHaveLength(1);
  });
});

describe('generateDrop: options', () => {
  it('sizes a drop to roughly the requested uncompressed bytes', async () => {
    const { manifest } = await generate({ profile: 'acme-travel', size: 2_000_000, archiveBytes: 500_000 });
    expect(manifest.csvBytes).toBeGreaterThan(1_800_000);
    expect(manifest.csvBytes).toBeLessThan(2_200_000);
    expect(manifest.archives.length).toBe(4);
  });

  it('refuses a directory holding archives of another drop, and bad options', async () => {
    const { outDir } = await generate({ profile: 'acme-travel', archives: 1, rowsPerMember: 1 });
    await writeFile(join(outDir, 'acme-travel_20261121_0001.tar.gz'), '');
    await expect(generateDrop({ profile: 'acme-travel', date: '2026-11-22', outDir, archives: 1, rowsPerMember: 1 })).rejects.toThrow(/not part of this drop/);
    await expect(generateDrop({ profile: 'nope', date: '2026-11-22', outDir })).rejects.toThrow(/unknown profile/);
    await expect(generateDrop({ profile: 'acme-travel', date: '2026-02-30', outDir })).rejects.toThrow(/calendar date/);
  });

  it('parses CLI arguments', () => {
    expect(parseSize('100MB')).toBe(100_000_000);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('4096')).toBe(4096);
    expect(() => parseSize('12 parsecs')).toThrow(/bad size/);
    expect(parseFaults('all')).toBe('all');
    expect(parseFaults('type-error,corrupt-archive')).toEqual(['type-error', 'corrupt-archive']);
    expect(() => parseFaults('fire')).toThrow(/unknown fault/);
    expect(parseCli(['--profile', 'fjord-rail', '--date', '2026-11-22', '--out', '/tmp/x', '--size', '100MB', '--seed', '9'])).toEqual({
      profile: 'fjord-rail',
      date: '2026-11-22',
      outDir: '/tmp/x',
      faults: 'none',
      json: false,
      size: 100_000_000,
      seed: 9,
      threads: availableParallelism(),
    });
    expect(() => parseCli(['--profile', 'acme-travel', '--date', '2026-11-22', '--out', 'x', '--size', '1MB', '--rows-per-member', '5'])).toThrow(/mutually exclusive/);
    expect(() => parseCli(['--profile', 'acme', '--date', '2026-11-22', '--out', 'x'])).toThrow(/unknown profile/);
  });
});
