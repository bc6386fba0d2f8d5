// Runs readArchive over every file of the third-party tar/gzip corpus (read in place) and holds
// each to: a clean result or an ArchiveError with a code, never a hang or a crash, never an unsafe
// name delivered, never something CPython's `data` filter refuses.

import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { ArchiveError, type ArchiveErrorCode } from './archive-error.js';
import { collect, type Collected } from './__fixtures__/build.js';
import type { MemberRejectCode } from './member-name.js';

const CORPUS = fileURLToPath(new URL('../../../../../shared/corpora/tar/', import.meta.url));
const PER_FIXTURE_TIMEOUT_MS = 10_000;
const LIMITS = { stallTimeoutMs: 2_000 };

const walk = (dir: string): string[] =>
  readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    })
    .sort();
const FILES = walk(CORPUS).map((path) => relative(CORPUS, path));

type Kind = 'tar' | 'gzip' | 'other';
const kindOf = (rel: string): Kind =>
  rel.endsWith('.tar') ? 'tar' : /\.(tar\.gz|tgz|gz|tar\.bz2)$/.test(rel) ? 'gzip' : 'other';

const read = (rel: string, gzip: boolean): Promise<Collected> =>
  collect(createReadStream(join(CORPUS, rel)), { gzip, limits: LIMITS });

const G = 'go-archive-tar/archive/tar/testdata/';
const N = 'node-tar/test/';
const T = 'tar-stream/test/fixtures/';
const J = 'jwilk-traversal/tar/';
const P = 'pako-gzip/test/fixtures/';

// The outcome of every archive in the corpus. TRUNCATED without a parse error means the tar has no
// end-of-archive marker (many test fixtures are cut right after their last member).
const OUTCOMES: Record<string, 'ok' | ArchiveErrorCode> = {
  [`${G}file-and-dir.tar`]: 'ok',
  [`${G}gnu-incremental.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}gnu-long-nul.tar`]: 'ok',
  [`${G}gnu-multi-hdrs.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}gnu-nil-sparse-data.tar`]: 'ok',
  [`${G}gnu-nil-sparse-hole.tar`]: 'ok',
  [`${G}gnu-not-utf8.tar`]: 'ok',
  [`${G}gnu-sparse-big.tar`]: 'ARCHIVE_CORRUPT',
  [`${G}gnu-utf8.tar`]: 'ok',
  [`${G}gnu.tar`]: 'ok',
  [`${G}hardlink.tar`]: 'ok',
  [`${G}hdr-only.tar`]: 'ARCHIVE_CORRUPT',
  [`${G}invalid-go17.tar`]: 'ok',
  [`${G}issue10968.tar`]: 'ARCHIVE_CORRUPT',
  [`${G}issue11169.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}issue12435.tar`]: 'ARCHIVE_CORRUPT',
  [`${G}neg-size.tar`]: 'ARCHIVE_CORRUPT',
  [`${G}nil-uid.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}pax-bad-hdr-file.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}pax-bad-hdr-large.tar.bz2`]: 'ARCHIVE_NOT_GZIP',
  [`${G}pax-bad-mtime-file.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}pax-global-records.tar`]: 'ok',
  [`${G}pax-multi-hdrs.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}pax-nil-sparse-data.tar`]: 'ok',
  [`${G}pax-nil-sparse-hole.tar`]: 'ok',
  [`${G}pax-nul-path.tar`]: 'ok',
  [`${G}pax-nul-xattrs.tar`]: 'ok',
  [`${G}pax-path-hdr.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}pax-pos-size-file.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}pax-records.tar`]: 'ok',
  [`${G}pax-sparse-big.tar`]: 'ok',
  [`${G}pax.tar`]: 'ok',
  [`${G}sparse-formats.tar`]: 'ARCHIVE_CORRUPT',
  [`${G}star.tar`]: 'ok',
  [`${G}trailing-slash.tar`]: 'ok',
  [`${G}ustar-file-devs.tar`]: 'ok',
  [`${G}ustar-file-reg.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}ustar.tar`]: 'ok',
  [`${G}v7.tar`]: 'ARCHIVE_CORRUPT',
  [`${G}writer-big-long.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}writer-big.tar`]: 'ARCHIVE_TRUNCATED',
  [`${G}writer.tar`]: 'ok',
  [`${G}xattrs.tar`]: 'ok',
  [`${J}absolute1.tar`]: 'ok',
  [`${J}absolute2.tar`]: 'ok',
  [`${J}dirsymlink.tar`]: 'ok',
  [`${J}dirsymlink2a.tar`]: 'ok',
  [`${J}dirsymlink2b.tar`]: 'ok',
  [`${J}relative0.tar`]: 'ok',
  [`${J}relative2.tar`]: 'ok',
  [`${J}symlink.tar`]: 'ok',
  [`${N}dir-normalization.tar`]: 'ok',
  [`${N}fixtures/excessively-deep.tar`]: 'ok',
  [`${N}fixtures/long-linkname.tar`]: 'ok',
  [`${N}fixtures/parses.tar`]: 'ok',
  [`${N}fixtures/sync-gzip-fail.tgz`]: 'ok',
  [`${N}fixtures/tars/bad-cksum.tar`]: 'ARCHIVE_CORRUPT',
  [`${N}fixtures/tars/body-byte-counts.tar`]: 'ok',
  [`${N}fixtures/tars/dir.tar`]: 'ok',
  [`${N}fixtures/tars/emptypax.tar`]: 'ARCHIVE_TRUNCATED',
  [`${N}fixtures/tars/file.tar`]: 'ok',
  [`${N}fixtures/tars/global-header.tar`]: 'ok',
  [`${N}fixtures/tars/links-invalid.tar`]: 'ok',
  [`${N}fixtures/tars/links-strip.tar`]: 'ARCHIVE_TRUNCATED',
  [`${N}fixtures/tars/links.tar`]: 'ok',
  [`${N}fixtures/tars/long-paths.tar`]: 'ok',
  [`${N}fixtures/tars/long-pax.tar`]: 'ARCHIVE_TRUNCATED',
  [`${N}fixtures/tars/next-file-has-long.tar`]: 'ok',
  [`${N}fixtures/tars/null-byte.tar`]: 'ok',
  [`${N}fixtures/tars/path-missing.tar`]: 'ok',
  [`${N}fixtures/tars/trailing-slash-corner-case.tar`]: 'ok',
  [`${N}fixtures/tars/utf8.tar`]: 'ok',
  [`${P}gzip-headers.gz`]: 'ARCHIVE_CORRUPT',
  [`${P}gzip-joined-bgzip.gz`]: 'ARCHIVE_CORRUPT',
  [`${P}gzip-joined.gz`]: 'ARCHIVE_TRUNCATED',
  [`${T}base-256-size.tar`]: 'ok',
  [`${T}base-256-uid-gid.tar`]: 'ok',
  [`${T}gnu-incremental.tar`]: 'ok',
  [`${T}gnu-long-path.tar`]: 'ARCHIVE_TRUNCATED',
  [`${T}gnu.tar`]: 'ok',
  [`${T}incomplete.tar`]: 'ARCHIVE_TRUNCATED',
  [`${T}invalid.tgz`]: 'ok',
  [`${T}large-uid-gid.tar`]: 'ok',
  [`${T}latin1.tar`]: 'ok',
  [`${T}long-name.tar`]: 'ok',
  [`${T}multi-file.tar`]: 'ok',
  [`${T}name-is-100.tar`]: 'ok',
  [`${T}one-file.tar`]: 'ok',
  [`${T}pax.tar`]: 'ok',
  [`${T}space.tar`]: 'ok',
  [`${T}types.tar`]: 'ok',
  [`${T}unicode-bsd.tar`]: 'ok',
  [`${T}unicode.tar`]: 'ok',
  [`${T}unknown-format.tar`]: 'ARCHIVE_CORRUPT',
  [`${T}v7.tar`]: 'ARCHIVE_CORRUPT',
};

// CPython's verdicts: REJECT lists the offending member names, OPENERR means it could not read the archive.
interface Verdict {
  verdict: 'ACCEPT' | 'REJECT' | 'OPENERR';
  offending: string[];
}
const unescapePython = (text: string) =>
  text.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, esc: string) =>
    esc.startsWith('x') && esc.length === 3 ? String.fromCharCode(parseInt(esc.slice(1), 16)) : ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[esc] ?? esc,
  );
const PYTHON = new Map<string, Verdict>(
  readFileSync(join(CORPUS, 'python-data-filter-verdicts.txt'), 'utf8')
    .split('\n')
    .filter((line) => /^(ACCEPT|REJECT|OPENERR) /.test(line))
    .map((line) => {
      const [, verdict, path, rest] = /^(\w+) (.+?): (.*)$/.exec(line) as unknown as [string, Verdict['verdict'], string, string];
      const offending = [...rest.matchAll(/\((['"])((?:\\.|(?!\1).)*)\1\)/g)].map((m) => unescapePython(m[2] ?? ''));
      return [path, { verdict, offending }];
    }),
);

const REJECT_CODES: MemberRejectCode[] = [
  'MEMBER_UNSAFE_PATH',
  'MEMBER_BAD_NAME',
  'MEMBER_LINK',
  'MEMBER_SPECIAL_FILE',
  'MEMBER_SPARSE',
  'MEMBER_UNSUPPORTED_TYPE',
  'MEMBER_TOO_LARGE',
];

// An oracle independent of checkMemberName: what a delivered member may never look like.
function expectSafe(member: { name: string; path: string; baseName: string }): void {
  for (const text of [member.name, member.path, member.baseName]) {
    expect(text).not.toMatch(/^([\\/]|[A-Za-z]:)/);
    expect(text.split(/[\\/]/)).not.toContain('..');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ufffd]/);
  }
  expect(member.baseName).not.toMatch(/^(\.{0,2})$|[\\/]/);
  expect(member.path.endsWith(member.baseName)).toBe(true);
}

function expectWellFormed(result: Collected): void {
  if (result.error !== undefined) {
    expect(result.error).toBeInstanceOf(ArchiveError);
    expect((result.error as ArchiveError).message.length).toBeGreaterThan(10);
  }
  for (const member of result.members) {
    expectSafe(member);
    expect(member.data.length).toBe(member.size);
  }
  for (const rejected of result.rejected) {
    expect(REJECT_CODES).toContain(rejected.code);
    expect(rejected.reason.length).toBeGreaterThan(10);
  }
}

const outcomeOf = (result: Collected) => (result.error instanceof ArchiveError ? result.error.code : result.error === undefined ? 'ok' : result.error);

describe('every file of the corpus', () => {
  test('the corpus is where the tests expect it and every archive has an expected outcome', () => {
    const archives = FILES.filter((rel) => kindOf(rel) !== 'other');
    expect(archives.length).toBeGreaterThan(90);
    expect(archives.filter((rel) => !(rel in OUTCOMES))).toEqual([]);
    expect(Object.keys(OUTCOMES).filter((rel) => !FILES.includes(rel))).toEqual([]);
  });

  test('the CPython verdicts parse, offending names included', () => {
    expect(PYTHON.get(`${J}relative0.tar`)).toEqual({ verdict: 'REJECT', offending: ['../moo'] });
    expect(PYTHON.get(`${J}dirsymlink2b.tar`)).toEqual({ verdict: 'REJECT', offending: ['cur/par'] });
    expect(PYTHON.get(`${G}pax-global-records.tar`)).toEqual({ verdict: 'REJECT', offending: ['', ''] });
    expect(PYTHON.get(`${G}pax-nul-path.tar`)?.offending[0]).toMatch(/^0123.*9\u0000$/);
    expect(PYTHON.get(`${G}writer-big.tar`)).toEqual({ verdict: 'OPENERR', offending: [] });
    expect([...PYTHON.values()].filter((v) => v.verdict === 'REJECT').every((v) => v.offending.length > 0)).toBe(true);
  });

  for (const rel of FILES) {
    const kind = kindOf(rel);
    test(
      rel,
      async () => {
        if (kind === 'other') {
          // Not an archive (licences, expected-output JSON, listings): refused either way, cleanly.
          const asTar = await read(rel, false);
          expectWellFormed(asTar);
          expect(['ARCHIVE_CORRUPT', 'ARCHIVE_TRUNCATED']).toContain(outcomeOf(asTar));
          expect(outcomeOf(await read(rel, true))).toBe('ARCHIVE_NOT_GZIP');
          return;
        }
        const result = await read(rel, kind === 'gzip');
        expectWellFormed(result);
        expect(outcomeOf(result)).toBe(OUTCOMES[rel]);
        const python = PYTHON.get(rel);
        if (python?.verdict === 'OPENERR') expect(result.error).toBeInstanceOf(ArchiveError);
        if (python?.verdict === 'REJECT') {
          const delivered = result.members.flatMap((m) => [m.name, m.path]);
          for (const name of python.offending) expect(delivered).not.toContain(name);
        }
      },
      PER_FIXTURE_TIMEOUT_MS,
    );
  }
});

describe('notable fixtures', () => {
  const summary = (result: Collected) => ({
    outcome: outcomeOf(result),
    delivered: result.members.map((m) => m.name),
    rejected: result.rejected.map((r) => `${r.code} ${r.name}`),
  });

  test.each([
    ['absolute1.tar', ['MEMBER_UNSAFE_PATH /tmp/moo']],
    ['absolute2.tar', ['MEMBER_UNSAFE_PATH //tmp/moo']],
    ['dirsymlink.tar', ['MEMBER_LINK tmp', 'MEMBER_UNSAFE_PATH tmp/moo']],
    ['dirsymlink2a.tar', ['MEMBER_LINK cur', 'MEMBER_LINK par', 'MEMBER_UNSAFE_PATH par/moo']],
    ['dirsymlink2b.tar', ['MEMBER_LINK cur', 'MEMBER_LINK cur/par', 'MEMBER_UNSAFE_PATH par/moo']],
    ['relative0.tar', ['MEMBER_UNSAFE_PATH ../moo']],
    ['relative2.tar', ['MEMBER_UNSAFE_PATH tmp/../../moo']],
    ['symlink.tar', ['MEMBER_LINK moo', 'MEMBER_UNSAFE_PATH moo']],
  ])('jwilk %s: every member refused with a reason, nothing delivered', async (file, rejected) => {
    const result = await read(`${J}${file}`, false);
    expect(summary(result)).toEqual({ outcome: 'ok', delivered: [], rejected });
  });

  test('go hdr-only.tar (tar-stream hangs on it): a clean error, special entries refused first', async () => {
    const result = await read(`${G}hdr-only.tar`, false);
    expect(summary(result)).toEqual({
      outcome: 'ARCHIVE_CORRUPT',
      delivered: ['file'],
      rejected: [
        'MEMBER_SPECIAL_FILE fifo',
        'MEMBER_LINK hardlink',
        'MEMBER_SPECIAL_FILE null',
        'MEMBER_SPECIAL_FILE sda',
        'MEMBER_LINK symlink',
        'MEMBER_LINK badlink',
        'MEMBER_SPECIAL_FILE fifo',
      ],
    });
  });

  test('go writer-big.tar (tar-stream errors its entry stream): truncated, no crash', async () => {
    const result = await read(`${G}writer-big.tar`, false);
    expect(outcomeOf(result)).toBe('ARCHIVE_TRUNCATED');
    expect((result.error as ArchiveError).lastEntry).toEqual({ index: 0, name: 'tmp/16gig.txt' });
  });

  test('pako gzip-joined.gz: both gzip members decode (48 bytes), then the text is refused as a tar', async () => {
    const result = await read(`${P}gzip-joined.gz`, true);
    expect(outcomeOf(result)).toBe('ARCHIVE_TRUNCATED');
    expect((result.error as ArchiveError).stats.uncompressedBytes).toBe(48);
  });

  test('pako gzip-joined-bgzip.gz: the gunzip readArchive uses decodes every BGZF block', async () => {
    const file = readFileSync(join(CORPUS, P, 'gzip-joined-bgzip.gz'));
    // Independent expectation: the sum of ISIZE over the BGZF blocks (BSIZE in each block's BC field).
    let expected = 0;
    let blocks = 0;
    for (let offset = 0; offset < file.length; blocks++) {
      const xlen = file.readUInt16LE(offset + 10);
      const bc = file.indexOf('BC', offset + 12);
      expect(bc).toBeLessThan(offset + 12 + xlen);
      const blockSize = file.readUInt16LE(bc + 4) + 1;
      expected += file.readUInt32LE(offset + blockSize - 4);
      offset += blockSize;
    }
    expect(blocks).toBeGreaterThan(1);
    let decoded = 0;
    const gunzip = createGunzip();
    gunzip.on('data', (chunk: Buffer) => (decoded += chunk.length));
    await new Promise((resolve, reject) => gunzip.on('end', resolve).on('error', reject).end(file));
    expect(decoded).toBe(expected);
    expect(outcomeOf(await read(`${P}gzip-joined-bgzip.gz`, true))).toBe('ARCHIVE_CORRUPT');
  });

  test('pako gzip-headers.gz: invalid deflate fails the archive', async () => {
    const result = await read(`${P}gzip-headers.gz`, true);
    expect(outcomeOf(result)).toBe('ARCHIVE_CORRUPT');
    expect((result.error as Error).message).toMatch(/invalid deflate data/);
  });

  test('node-tar sync-gzip-fail.tgz decodes fully', async () => {
    const result = await read(`${N}fixtures/sync-gzip-fail.tgz`, true);
    expect(summary(result).delivered.sort()).toEqual(['x/1', 'x/10', 'x/2', 'x/3', 'x/4', 'x/5', 'x/6', 'x/7', 'x/8', 'x/9']);
    expect(result.stats?.directories).toBe(1);
  });

  test.each([
    [`${G}pax-global-records.tar`, ['file2'], ['file1', 'file3', 'file4'], /PAX/],
    [`${N}fixtures/tars/global-header.tar`, [], ['one-byte.txt'], /PAX global header sets the path 'ab'/],
    [`${N}fixtures/excessively-deep.tar`, [], [expect.stringMatching(/^\.\/a\/a\/a/)], /444749 bytes long/],
    [`${T}latin1.tar`, [], [expect.stringMatching(/^En fran/)], /not valid UTF-8/],
    [`${G}gnu-not-utf8.tar`, [], [expect.stringMatching(/^hi/)], /not valid UTF-8/],
    [`${G}pax-nul-path.tar`, [], [expect.stringMatching(/^0123/)], /U\+0000/],
    [`${N}fixtures/tars/path-missing.tar`, [], [''], /empty/],
  ])('%s: bad names refused', async (rel, delivered, rejectedNames, reason) => {
    const result = await read(rel, false);
    expect(result.members.map((m) => m.name)).toEqual(delivered);
    expect(result.rejected.map((r) => r.name)).toEqual(rejectedNames);
    for (const rejected of result.rejected) {
      expect(rejected.code).toBe('MEMBER_BAD_NAME');
      expect(rejected.reason).toMatch(reason);
    }
  });

  test.each([
    [`${G}pax-nil-sparse-data.tar`, 'MEMBER_SPARSE'],
    [`${G}pax-sparse-big.tar`, 'MEMBER_SPARSE'],
    [`${G}gnu-nil-sparse-data.tar`, 'MEMBER_UNSUPPORTED_TYPE'],
  ])('%s: sparse files refused (%s)', async (rel, code) => {
    const result = await read(rel, false);
    expect(result.members).toEqual([]);
    expect(result.rejected.map((r) => r.code)).toEqual([code]);
  });

  test('v7 tars are refused with a reason that says so', async () => {
    const result = await read(`${G}v7.tar`, false);
    expect((result.error as Error).message).toMatch(/v7/);
  });
});
