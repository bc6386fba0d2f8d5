/**
 * End-to-end: the "safe extraction" and "nothing lost, nothing silent" guarantees against
 * third-party tar fixtures (malformed, truncated, PAX/GNU oddities, links, path traversal) and a
 * few hostile archives built here, all in ONE run of the built CLI over one drop. Every archive
 * must be accounted for (extracted, or quarantined with a code and reason), no traversal member
 * may get through, good members next to hostile ones must still arrive, and nothing may be
 * written outside the run's own directories.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, listTree, parseSummary, runCli } from './cli-harness.js';
import type { CliOutcome, Summary } from './cli-harness.js';

const corpus = fileURLToPath(new URL('../../../shared/corpora/tar/', import.meta.url));
const DATE = '2026-11-22';

// ---- a minimal ustar writer, for archives no well-behaved tool would produce ----------------------

interface TarEntry {
  name: string;
  type?: 'file' | 'symlink' | 'hardlink';
  linkname?: string;
  body?: string;
}

function tarHeader(entry: TarEntry, size: number): Buffer {
  const header = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > length) throw new Error(`${JSON.stringify(text)} does not fit in ${length} bytes`);
    bytes.copy(header, offset);
  };
  const octal = (value: number, offset: number, length: number) => put(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  put(entry.name, 0, 100);
  octal(0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(Date.UTC(2026, 10, 22) / 1000, 136, 12);
  header.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  header.write(entry.type === 'symlink' ? '2' : entry.type === 'hardlink' ? '1' : '0', 156, 'latin1');
  if (entry.linkname !== undefined) put(entry.linkname, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

function tarGz(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.type === undefined || entry.type === 'file' ? (entry.body ?? '') : '', 'utf8');
    blocks.push(tarHeader(entry, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024)); // end-of-archive marker
  return gzipSync(Buffer.concat(blocks));
}

/** Entry names of a plain ustar/GNU tar (enough for the jwilk fixtures: short names, no PAX). */
function tarEntryNames(tar: Buffer): string[] {
  const names: string[] = [];
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const prefix = field(257, 6) === 'ustar' ? field(345, 155) : '';
    names.push(prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const size = parseInt(field(124, 12).trim() || '0', 8);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

// ---- the drop --------------------------------------------------------------------------------------

interface Fixture {
  /** Path relative to the corpus, e.g. `jwilk-traversal/tar/symlink.tar`. */
  path: string;
  /** Its archive name in the drop. */
  archive: string;
}

const FIXTURE = /\.(tar|tgz|gz|tar\.bz2)$/;

function findFixtures(): Fixture[] {
  return readdirSync(corpus, { recursive: true, encoding: 'utf8' })
    .filter((path) => FIXTURE.test(path) && lstatSync(join(corpus, path)).isFile())
    .sort()
    .map((path) => ({ path, archive: `${path.replace(/\.(tar|tgz|gz|tar\.bz2)$/, '').replace(/[^A-Za-z0-9.-]+/g, '_')}.tar.gz` }));
}

const token = randomBytes(4).toString('hex');
/** Absolute targets the hostile archives aim at; none may exist after the run. */
const absoluteTargets = [`/tmp/pi-escape-${token}.csv`, `/tmp/pi-escape-${token}-2.csv`];

const goodRows = (id: string, n: number) => Array.from({ length: n }, (_, i) => `${id}-${i + 1},${i + 1}.50`).join('\n');
const csv = (rows: string) => `booking_id,amount\n${rows}\n`;

/** Hostile archives: traversal, absolute names, links and paths through links, between good members. */
const hostile: { archive: string; entries: TarEntry[]; good: string[]; bad: { member: string; code: string }[] }[] = [
  {
    archive: 'hostile_1.tar.gz',
    entries: [
      { name: 'bookings_1.csv', body: csv(goodRows('GOOD-1', 3)) },
      { name: '../../escape_20261122_1.csv', body: csv('ESCAPED-1,1.00') },
      { name: absoluteTargets[0]!, body: csv('ESCAPED-2,1.00') },
      { name: 'bookings_2.csv', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'bookings_3.csv', type: 'hardlink', linkname: 'bookings_1.csv' },
      { name: 'bookings_4.csv', body: csv(goodRows('GOOD-4', 2)) },
    ],
    good: ['GOOD-1-1', 'GOOD-1-2', 'GOOD-1-3', 'GOOD-4-1', 'GOOD-4-2'],
    bad: [
      { member: '../../escape_20261122_1.csv', code: 'MEMBER_UNSAFE_PATH' },
      { member: absoluteTargets[0]!, code: 'MEMBER_UNSAFE_PATH' },
      { member: 'bookings_2.csv', code: 'MEMBER_LINK' },
      { member: 'bookings_3.csv', code: 'MEMBER_LINK' },
    ],
  },
  {
    archive: 'hostile_2.tar.gz',
    entries: [
      { name: 'data', type: 'symlink', linkname: '/tmp' },
      { name: 'data/bookings_5.csv', body: csv('ESCAPED-3,1.00') },
      { name: 'bookings_6.csv', body: csv(goodRows('GOOD-6', 2)) },
      { name: 'sub/../../bookings_7.csv', body: csv('ESCAPED-4,1.00') },
      { name: 'bookings_8.csv', type: 'symlink', linkname: absoluteTargets[1]! },
      { name: 'bookings_8.csv', body: csv('ESCAPED-5,1.00') },
      { name: 'export/bookings_9.csv', body: csv(goodRows('GOOD-9', 1)) },
    ],
    good: ['GOOD-6-1', 'GOOD-6-2', 'GOOD-9-1'],
    bad: [
      { member: 'data', code: 'MEMBER_LINK' },
      { member: 'data/bookings_5.csv', code: 'MEMBER_UNSAFE_PATH' },
      { member: 'sub/../../bookings_7.csv', code: 'MEMBER_UNSAFE_PATH' },
      { member: 'bookings_8.csv', code: 'MEMBER_LINK' },
      { member: 'bookings_8.csv', code: 'MEMBER_UNSAFE_PATH' },
    ],
  },
  {
    archive: 'hostile_3.tar.gz',
    entries: [
      { name: '..\\..\\escape_20261122_2.csv', body: csv('ESCAPED-6,1.00') },
      { name: 'C:\\tmp\\bookings_10.csv', body: csv('ESCAPED-7,1.00') },
      { name: 'bookings_11.csv', body: csv(goodRows('GOOD-11', 2)) },
    ],
    good: ['GOOD-11-1', 'GOOD-11-2'],
    bad: [
      { member: '..\\..\\escape_20261122_2.csv', code: 'MEMBER_UNSAFE_PATH' },
      { member: 'C:\\tmp\\bookings_10.csv', code: 'MEMBER_UNSAFE_PATH' },
    ],
  },
];

const SPEC = `apiVersion: partner-ingest/v1
partner: tar-fixtures
source:
  uri: ./drop/
  archives: "*.tar.gz"
staging: ./staging/
output:
  uri: ./output/
members:
  pattern: "{table}_{batch_id}.csv"
  onUnmatched: warn
tables:
  bookings:
    primaryKey: [booking_id]
    columns:
      booking_id: { nullable: false }
      amount: { type: decimal }
  escape:
    expectedFiles: { min: 0 }
    columns:
      booking_id: {}
      amount: { type: decimal }
`;

// ---- paths the corpus's hostile fixtures aim at ------------------------------------------------------

/** Member names and link targets that leave an extraction directory, from the reference verdicts and listing. */
async function hostileNames(): Promise<string[]> {
  const verdicts = await readFile(join(corpus, 'python-data-filter-verdicts.txt'), 'utf8');
  const listing = await readFile(join(corpus, 'tar-stream-listing.txt'), 'utf8');
  const names = new Set<string>();
  for (const m of verdicts.matchAll(/(?:OutsideDestinationError|AbsoluteLinkError|LinkOutsideDestinationError)\('([^']*)'\)/g)) names.add(m[1]!);
  for (const m of listing.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    let text: string;
    try {
      text = JSON.parse(`"${m[1]!}"`) as string;
    } catch {
      continue;
    }
    if (text.startsWith('/') || text.startsWith('\\') || /(^|[\\/])\.\.([\\/]|$)/.test(text)) names.add(text);
  }
  // Link names whose targets leave the tree (dirsymlink*: `tmp -> /tmp`, `par -> cur/..`): what goes through them.
  for (const name of ['tmp/moo', 'par/moo', 'moo']) names.add(name);
  return [...names];
}

// ---- the run -------------------------------------------------------------------------------------

let root: string;
let dirs: { drop: string; staging: string; output: string; cwd: string };
let fixtures: Fixture[];
let outcome: CliOutcome;
let summary: Summary;
let before: Set<string>;
let after: string[];
/** Candidate escape paths outside `root`, with what was there before the run. */
let outsideBefore: Map<string, { mtimeMs: number; size: number } | undefined>;

const lstatOrUndefined = (path: string) => {
  try {
    const info = lstatSync(path);
    return { mtimeMs: info.mtimeMs, size: info.size, isDirectory: info.isDirectory() };
  } catch {
    return undefined;
  }
};

beforeAll(async () => {
  assertBuilt();
  fixtures = findFixtures();
  root = await mkdtemp(join(tmpdir(), 'pi-e2e-tar-'));
  // Deep enough that `../`-style names resolved from any run directory stay under `root`, where
  // the before/after listing sees them.
  const base = join(root, 'a', 'b', 'c', 'run');
  dirs = { drop: join(base, 'drop'), staging: join(base, 'staging'), output: join(base, 'output'), cwd: join(base, 'cwd') };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  for (const fixture of fixtures) {
    const bytes = await readFile(join(corpus, fixture.path));
    await writeFile(join(dirs.drop, fixture.archive), fixture.path.endsWith('.tar') ? gzipSync(bytes) : bytes);
  }
  for (const h of hostile) await writeFile(join(dirs.drop, h.archive), tarGz(h.entries));
  const specPath = join(root, 'tar-fixtures.yaml');
  await writeFile(specPath, SPEC);

  const names = await hostileNames();
  const candidates = new Set<string>(absoluteTargets);
  for (const name of names) {
    const posix = name.replace(/\\/g, '/');
    if (isAbsolute(posix)) candidates.add(resolve(posix));
    else for (const dir of Object.values(dirs)) candidates.add(resolve(dir, posix));
  }
  outsideBefore = new Map(
    [...candidates].filter((path) => relative(root, path).startsWith('..')).map((path) => {
      const info = lstatOrUndefined(path);
      return [path, info && !info.isDirectory ? { mtimeMs: info.mtimeMs, size: info.size } : info ? { mtimeMs: -1, size: -1 } : undefined];
    }),
  );
  before = new Set(listTree(root));

  outcome = await runCli(
    ['run', specPath, '--date', DATE, '--source', dirs.drop, '--staging', dirs.staging, '--output', dirs.output, '--concurrency', '2', '--json'],
    { cwd: dirs.cwd, timeoutMs: 90_000 },
  );
  after = listTree(root);
  try {
    summary = parseSummary(outcome);
  } catch {
    // reported by the first test, with the run's output
  }
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  for (const path of absoluteTargets) await rm(path, { force: true });
});

describe('one run over every tar fixture of the corpus plus hostile archives', () => {
  it('finishes without hanging or crashing, with exit code 0 or 1', () => {
    expect(fixtures.length).toBeGreaterThan(90);
    expect(outcome.timedOut, 'the run hung').toBe(false);
    expect(outcome.signal).toBeNull();
    expect(outcome.stderr).not.toMatch(/internal error/i);
    expect([0, 1]).toContain(outcome.code);
    expect(parseSummary(outcome).failures).toEqual([]);
  });

  it('accounts for every archive: extracted, or quarantined with a code and a reason', async () => {
    const all = [...fixtures.map((f) => f.archive), ...hostile.map((h) => h.archive)].sort();
    expect(summary.archives.total).toBe(all.length);
    expect(summary.archives.extracted + summary.archives.reused).toBe(all.length);
    // The completion record of every unit, from the state store next to the outputs.
    const stateDir = join(dirs.output, '_state', 'extract');
    const records = await Promise.all(
      readdirSync(stateDir)
        .filter((name) => name.endsWith('.json'))
        .map(async (name) => (JSON.parse(await readFile(join(stateDir, name), 'utf8')) as { record: { archive: string; status: string } }).record),
    );
    expect(records.map((r) => r.archive).sort()).toEqual(all);
    const quarantined = new Map(summary.quarantined_archives.map((q) => [q.archive, q]));
    expect(quarantined.size).toBe(summary.quarantined_archives.length);
    expect(summary.archives.quarantined).toBe(quarantined.size);
    for (const record of records) {
      if (record.status === 'quarantined') {
        const entry = quarantined.get(record.archive);
        expect(entry, record.archive).toBeDefined();
        expect(entry!.code, record.archive).toMatch(/^ARCHIVE_[A-Z_]+$/);
        expect(entry!.reason.length, record.archive).toBeGreaterThan(10);
      } else {
        expect(record.status, record.archive).toBe('ok');
        expect(quarantined.has(record.archive), record.archive).toBe(false);
      }
    }
    for (const member of summary.quarantined_members) {
      expect(member.code, `${member.archive}: ${member.member}`).toMatch(/^MEMBER_[A-Z_]+$/);
      expect(member.reason.length, `${member.archive}: ${member.member}`).toBeGreaterThan(5);
    }
  });

  it('is at least as strict as CPython\'s tarfile "data" filter', async () => {
    const verdicts = await readFile(join(corpus, 'python-data-filter-verdicts.txt'), 'utf8');
    const refused = new Set(summary.quarantined_archives.map((q) => q.archive));
    for (const q of summary.quarantined_members) refused.add(q.archive);
    const lenient: string[] = [];
    for (const m of verdicts.matchAll(/^(REJECT|OPENERR) (\S+):/gm)) {
      const fixture = fixtures.find((f) => f.path === m[2]);
      if (fixture && !refused.has(fixture.archive)) lenient.push(`${m[1]} ${m[2]}`);
    }
    expect(lenient).toEqual([]);
  });

  it('quarantines every member of the jwilk traversal archives, with a reason', async () => {
    const jwilk = fixtures.filter((f) => f.path.startsWith('jwilk-traversal/'));
    expect(jwilk.length).toBe(8);
    for (const fixture of jwilk) {
      const names = tarEntryNames(await readFile(join(corpus, fixture.path)));
      expect(names.length, fixture.path).toBeGreaterThan(0);
      const quarantined = summary.quarantined_members.filter((q) => q.archive === fixture.archive);
      for (const name of names) {
        const entry = quarantined.find((q) => q.member === name);
        expect(entry, `${fixture.path}: ${name}`).toBeDefined();
        expect(entry!.reason, `${fixture.path}: ${name}`).not.toBe('');
      }
      expect(summary.unmatched_members.filter((u) => u.archive === fixture.archive)).toEqual([]);
    }
  });

  it('delivers the good members of hostile archives and quarantines the hostile ones with reasons', async () => {
    const merged = await readFile(join(dirs.output, 'bookings', 'merged_bookings.csv'), 'utf8');
    const ids = merged.trim().split('\n').slice(1).map((line) => line.split(',')[0]);
    expect(ids.sort()).toEqual(hostile.flatMap((h) => h.good).sort());
    const escape = summary.tables.find((t) => t.table === 'escape');
    expect(escape?.rows).toBe(0);
    for (const h of hostile) {
      const quarantined = summary.quarantined_members.filter((q) => q.archive === h.archive);
      expect(quarantined.map((q) => ({ member: q.member, code: q.code }))).toEqual(h.bad);
      for (const q of quarantined) expect(q.reason, q.member).toMatch(/\w{4}/);
    }
    expect(summary.quarantined_archives.filter((q) => q.archive.startsWith('hostile_'))).toEqual([]);
  });

  it('writes nothing outside its staging and output directories', () => {
    const created = after.filter((path) => !before.has(path));
    const stray = created.filter((path) => !/^a\/b\/c\/run\/(staging|output)(\/|$)/.test(path));
    expect(stray).toEqual([]);
    for (const [path, was] of outsideBefore) {
      const now = lstatOrUndefined(path);
      if (was === undefined) expect(now, `${path} was created`).toBeUndefined();
      else if (was.size >= 0) expect(now && { mtimeMs: now.mtimeMs, size: now.size }, `${path} was modified`).toEqual(was);
    }
    for (const path of absoluteTargets) expect(existsSync(path), path).toBe(false);
  });

  it('never follows a link: no byte of /etc/passwd reaches staging or the outputs', async () => {
    const passwd = (await readFile('/etc/passwd', 'utf8')).split('\n')[0]!;
    expect(passwd.length).toBeGreaterThan(0);
    for (const base of [dirs.staging, dirs.output]) {
      for (const path of listTree(base)) {
        const full = join(base, path);
        if (!lstatSync(full).isFile()) continue;
        expect((await readFile(full)).includes(passwd), path).toBe(false);
      }
    }
  });
});
