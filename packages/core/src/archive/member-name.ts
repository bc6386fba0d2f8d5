// Decides whether a tar entry's name is safe to report and route on. Names are never used as
// filesystem paths; these rules exist so that what we route on (the base name) is unambiguous and
// so that every archive a careful extractor would refuse is visibly refused here too.

/** Why an entry was refused. Stable: reports and alerts branch on it. */
export type MemberRejectCode =
  /** Absolute path, drive letter, UNC path, `..` segment, or a path through a link declared earlier. */
  | 'MEMBER_UNSAFE_PATH'
  /** Empty, too long, not valid UTF-8, control or invisible formatting characters, no file name, inconsistent PAX path. */
  | 'MEMBER_BAD_NAME'
  /** Symbolic or hard link. */
  | 'MEMBER_LINK'
  /** Character device, block device or FIFO. */
  | 'MEMBER_SPECIAL_FILE'
  /** PAX (GNU.sparse.*) sparse file: its stored bytes are not the file's contents. */
  | 'MEMBER_SPARSE'
  /** Any other entry type (GNU sparse `S`, incremental dump dir `D`, volume label `V`, unknown typeflags). */
  | 'MEMBER_UNSUPPORTED_TYPE'
  /** Larger than `maxMemberBytes`. */
  | 'MEMBER_TOO_LARGE';

/** Longest accepted name, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_NAME_BYTES = 4096;

/** A name check's verdict: the normalised path and base name, or a code and reason. */
export type NameVerdict =
  | { ok: true; segments: string[]; path: string; baseName: string }
  | { ok: false; code: 'MEMBER_UNSAFE_PATH' | 'MEMBER_BAD_NAME'; reason: string };

// C0 and C1 controls and DEL, plus characters that make a name display differently from what it is
// (zero-width space, direction marks and overrides, line/paragraph separators, BOM).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const INVISIBLE = /[\u200b\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]/;
const SEPARATORS = /[\\/]/;

const codePoint = (ch: string) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Checks a tar entry name (as decoded by tar-stream, UTF-8 with U+FFFD for invalid bytes).
 * Both `/` and `\` are separators; empty and `.` segments are dropped. `notAFile` (directories,
 * links and other non-regular entries) allows a trailing separator and an empty result (`./`).
 */
export function checkMemberName(name: string, notAFile = false): NameVerdict {
  if (name.length === 0) return { ok: false, code: 'MEMBER_BAD_NAME', reason: 'the name is empty' };
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) {
    return { ok: false, code: 'MEMBER_BAD_NAME', reason: `the name is ${bytes} bytes long; at most ${MAX_NAME_BYTES} are accepted` };
  }
  if (name.includes('\ufffd')) {
    return { ok: false, code: 'MEMBER_BAD_NAME', reason: 'the name is not valid UTF-8 (legacy encodings such as Latin-1 are not accepted)' };
  }
  const control = CONTROL.exec(name) ?? INVISIBLE.exec(name);
  if (control) {
    return {
      ok: false,
      code: 'MEMBER_BAD_NAME',
      reason: `the name contains the control or invisible character ${codePoint(control[0])} at position ${control.index}`,
    };
  }
  if (name.startsWith('/') || name.startsWith('\\')) {
    return { ok: false, code: 'MEMBER_UNSAFE_PATH', reason: 'the name is an absolute path' };
  }
  if (/^[A-Za-z]:/.test(name)) {
    return { ok: false, code: 'MEMBER_UNSAFE_PATH', reason: 'the name starts with a Windows drive letter' };
  }
  const segments: string[] = [];
  for (const segment of name.split(SEPARATORS)) {
    if (segment === '..') return { ok: false, code: 'MEMBER_UNSAFE_PATH', reason: "the name contains a '..' segment" };
    if (segment !== '' && segment !== '.') segments.push(segment);
  }
  if (!notAFile && SEPARATORS.test(name[name.length - 1] ?? '')) {
    return { ok: false, code: 'MEMBER_BAD_NAME', reason: 'the name of a file ends with a path separator' };
  }
  const baseName = segments[segments.length - 1];
  if (baseName === undefined && !notAFile) {
    return { ok: false, code: 'MEMBER_BAD_NAME', reason: 'the name has no file name segment' };
  }
  return { ok: true, segments, path: segments.join('/'), baseName: baseName ?? '' };
}

const MAX_LINK_HOPS = 40;

/**
 * Remembers the links an archive declared, so that a later member written "through" one (the
 * classic `tmp -> /tmp` then `tmp/evil` trick) is refused even though we never extract. Symlink
 * targets are followed lexically to find where a link really sits (`cur -> .` then `cur/par -> ..`
 * puts a link at `par`).
 */
export class LinkTracker {
  private readonly locations = new Set<string>();
  private readonly symlinks = new Map<string, string>();

  /** Records a link entry at `segments` (already validated); `target` is its link name. */
  add(segments: readonly string[], symlink: boolean, target: string): void {
    const literal = segments.join('/');
    this.locations.add(literal);
    const parent = this.resolve(segments.slice(0, -1), 0);
    const resolved = parent === null ? null : [...parent, ...segments.slice(-1)].join('/');
    if (resolved !== null) this.locations.add(resolved);
    if (symlink) {
      this.symlinks.set(literal, target);
      if (resolved !== null) this.symlinks.set(resolved, target);
    }
  }

  /** The earlier link this path lies at or under (literally or after following symlinks), if any. */
  linkOnPath(segments: readonly string[]): string | undefined {
    if (this.locations.size === 0) return undefined;
    let prefix = '';
    for (const segment of segments) {
      prefix = prefix === '' ? segment : `${prefix}/${segment}`;
      if (this.locations.has(prefix)) return prefix;
    }
    const parent = this.resolve(segments.slice(0, -1), 0);
    if (parent === null) return segments.join('/');
    prefix = '';
    for (const segment of [...parent, ...segments.slice(-1)]) {
      prefix = prefix === '' ? segment : `${prefix}/${segment}`;
      if (this.locations.has(prefix)) return prefix;
    }
    return undefined;
  }

  // Lexically resolves a directory path through recorded symlinks; null when it leaves the root,
  // is absolute, or loops.
  private resolve(segments: readonly string[], hops: number): string[] | null {
    let out: string[] = [];
    for (const segment of segments) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') {
        if (out.length === 0) return null;
        out.pop();
        continue;
      }
      out.push(segment);
      const target = this.symlinks.get(out.join('/'));
      if (target === undefined) continue;
      if (hops >= MAX_LINK_HOPS || target.startsWith('/') || target.startsWith('\\') || /^[A-Za-z]:/.test(target)) return null;
      const followed = this.resolve([...out.slice(0, -1), ...target.split(SEPARATORS)], hops + 1);
      if (followed === null) return null;
      out = followed;
    }
    return out;
  }
}
