import { describe, expect, test } from 'vitest';
import { checkMemberName, LinkTracker, MAX_NAME_BYTES } from './member-name.js';

describe('checkMemberName', () => {
  test.each([
    ['bookings_20240101_1.csv', 'bookings_20240101_1.csv', 'bookings_20240101_1.csv'],
    ['./drop/bookings.csv', 'drop/bookings.csv', 'bookings.csv'],
    ['drop//sub/./x.csv', 'drop/sub/x.csv', 'x.csv'],
    ['win\\style\\x.csv', 'win/style/x.csv', 'x.csv'],
    ['høstål.txt', 'høstål.txt', 'høstål.txt'],
    ['...csv', '...csv', '...csv'],
    ['table:v2.csv', 'table:v2.csv', 'table:v2.csv'],
  ])('accepts %j as %j (base name %j)', (name, path, baseName) => {
    expect(checkMemberName(name)).toEqual({ ok: true, segments: path.split('/'), path, baseName });
  });

  test.each([
    ['', 'MEMBER_BAD_NAME', /empty/],
    ['/etc/passwd', 'MEMBER_UNSAFE_PATH', /absolute/],
    ['//tmp/moo', 'MEMBER_UNSAFE_PATH', /absolute/],
    ['\\\\server\\share\\x.csv', 'MEMBER_UNSAFE_PATH', /absolute/],
    ['\\x.csv', 'MEMBER_UNSAFE_PATH', /absolute/],
    ['C:\\x.csv', 'MEMBER_UNSAFE_PATH', /drive letter/],
    ['c:x.csv', 'MEMBER_UNSAFE_PATH', /drive letter/],
    ['../moo', 'MEMBER_UNSAFE_PATH', /'\.\.'/],
    ['tmp/../../moo', 'MEMBER_UNSAFE_PATH', /'\.\.'/],
    ['a/b/..', 'MEMBER_UNSAFE_PATH', /'\.\.'/],
    ['..\\..\\Temp\\evil.txt', 'MEMBER_UNSAFE_PATH', /'\.\.'/],
    ['a\u0000b.csv', 'MEMBER_BAD_NAME', /U\+0000 at position 1/],
    ['a\nb.csv', 'MEMBER_BAD_NAME', /U\+000A/],
    ['a\u007fb.csv', 'MEMBER_BAD_NAME', /U\+007F/],
    ['a\u009bb.csv', 'MEMBER_BAD_NAME', /U\+009B/],
    ['invoice\u202egpj.csv', 'MEMBER_BAD_NAME', /U\+202E/],
    ['caf\ufffd.csv', 'MEMBER_BAD_NAME', /not valid UTF-8/],
    ['dir/', 'MEMBER_BAD_NAME', /ends with a path separator/],
    ['./', 'MEMBER_BAD_NAME', /ends with a path separator/],
    ['.', 'MEMBER_BAD_NAME', /no file name/],
    ['a'.repeat(MAX_NAME_BYTES + 1), 'MEMBER_BAD_NAME', /4097 bytes long/],
    ['é'.repeat(MAX_NAME_BYTES / 2 + 1), 'MEMBER_BAD_NAME', /bytes long/],
  ])('refuses %j as %s', (name, code, reason) => {
    const verdict = checkMemberName(name);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.code).toBe(code);
      expect(verdict.reason).toMatch(reason);
    }
  });

  test('non-file entries may end with a separator or be the root', () => {
    expect(checkMemberName('dir/sub/', true)).toMatchObject({ ok: true, path: 'dir/sub', baseName: 'sub' });
    expect(checkMemberName('./', true)).toMatchObject({ ok: true, path: '', baseName: '' });
    expect(checkMemberName('../dir/', true)).toMatchObject({ ok: false, code: 'MEMBER_UNSAFE_PATH' });
  });
});

describe('LinkTracker', () => {
  const split = (path: string) => path.split('/');

  test('finds a member at or under a link', () => {
    const links = new LinkTracker();
    expect(links.linkOnPath(split('tmp/moo'))).toBeUndefined();
    links.add(split('tmp'), true, '/tmp');
    expect(links.linkOnPath(split('tmp/moo'))).toBe('tmp');
    expect(links.linkOnPath(split('tmp'))).toBe('tmp');
    expect(links.linkOnPath(split('tmpx/moo'))).toBeUndefined();
    expect(links.linkOnPath(split('other/tmp'))).toBeUndefined();
  });

  test('follows symlinks lexically to find where a later link really sits (jwilk dirsymlink2b)', () => {
    const links = new LinkTracker();
    links.add(split('cur'), true, '.');
    links.add(split('cur/par'), true, '..');
    expect(links.linkOnPath(split('par/moo'))).toBe('par');
  });

  test('a path that resolves through links to a link location is refused', () => {
    const links = new LinkTracker();
    links.add(split('a'), true, 'b');
    links.add(split('b/c'), false, 'x');
    expect(links.linkOnPath(split('b/c'))).toBe('b/c');
    expect(links.linkOnPath(split('b/d'))).toBeUndefined();
  });

  test('symlink loops terminate', () => {
    const links = new LinkTracker();
    links.add(split('a'), true, 'b');
    links.add(split('b'), true, 'a');
    links.add(split('a/x'), true, 'y');
    expect(links.linkOnPath(split('a/x/z'))).toBe('a');
  });
});
