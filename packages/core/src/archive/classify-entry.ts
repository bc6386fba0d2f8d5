// Decides what happens to one tar entry: delivered as a regular file, skipped as a directory, or
// rejected with a code and a reason. Pure apart from recording links in the tracker.

import { checkMemberName, LinkTracker, MAX_NAME_BYTES, type MemberRejectCode } from './member-name.js';

/** The fields of a tar-stream 3.x header this module reads (tar-stream types `type` too narrowly: it can be null). */
export interface TarHeader {
  name: string;
  size: number;
  type: string | null;
  linkname: string | null;
  /** The PAX records in effect for this entry (local merged over global), or null without a local PAX header. */
  pax: Record<string, string> | null;
  /** Offset just past this entry's header in the tar data. */
  byteOffset?: number;
}

/** What to do with one entry. */
export type EntryVerdict =
  | { kind: 'deliver'; path: string; baseName: string }
  | { kind: 'directory' }
  | { kind: 'reject'; code: MemberRejectCode; reason: string };

/** A name as shown in reports: cut past {@link MAX_NAME_BYTES} characters (only rejected names can be that long). */
export function displayName(name: string): string {
  return name.length > MAX_NAME_BYTES ? `${name.slice(0, MAX_NAME_BYTES)}…(+${name.length - MAX_NAME_BYTES} chars)` : name;
}

/**
 * Classifies an entry. Name safety is judged first (it is the strongest signal of a hostile
 * archive), then the PAX name consistency, the type, sparse data, paths through earlier links, and size.
 * `paxGlobal` is the PAX global header in effect, which tar-stream does not expose on the header.
 */
export function classifyEntry(
  header: TarHeader,
  links: LinkTracker,
  maxMemberBytes: number,
  paxGlobal: Record<string, string> | null,
): EntryVerdict {
  const reject = (code: MemberRejectCode, reason: string): EntryVerdict => ({ kind: 'reject', code, reason });
  const type = header.type;
  const name = checkMemberName(header.name, type !== 'file' && type !== 'contiguous-file');
  if (!name.ok) return reject(name.code, name.reason);
  if (type === 'directory') return { kind: 'directory' };
  const paxProblem = paxNameProblem(header, paxGlobal);
  if (paxProblem !== undefined) return reject('MEMBER_BAD_NAME', paxProblem);
  switch (type) {
    case 'file':
    case 'contiguous-file': // a regular file to every modern reader
      break;
    case 'symlink':
    case 'link':
      links.add(name.segments, type === 'symlink', header.linkname ?? '');
      return reject(
        'MEMBER_LINK',
        `${type === 'symlink' ? 'symbolic' : 'hard'} link to '${displayName(header.linkname ?? '')}'; links are never followed`,
      );
    case 'character-device':
    case 'block-device':
    case 'fifo':
      return reject('MEMBER_SPECIAL_FILE', `${type} entry; only regular files are read`);
    default:
      return reject(
        'MEMBER_UNSUPPORTED_TYPE',
        'unsupported tar entry type (GNU sparse, incremental dump directory, volume label, multi-volume part or unknown typeflag)',
      );
  }
  if (header.pax && Object.keys(header.pax).some((key) => key.startsWith('GNU.sparse.'))) {
    return reject('MEMBER_SPARSE', 'PAX sparse file (GNU.sparse.* records): its stored bytes are not its contents');
  }
  const link = links.linkOnPath(name.segments);
  if (link !== undefined) {
    return reject('MEMBER_UNSAFE_PATH', `the path goes through the link '${displayName(link)}' declared earlier in the archive`);
  }
  if (header.size > maxMemberBytes) {
    return reject('MEMBER_TOO_LARGE', `the member is ${header.size} bytes; maxMemberBytes is ${maxMemberBytes}`);
  }
  return { kind: 'deliver', path: name.path, baseName: name.baseName };
}

// tar-stream ignores an empty PAX `path`, and a global `path` when no local PAX header follows,
// where POSIX readers (GNU tar, CPython) apply them: the entry's real name is then ambiguous.
function paxNameProblem(header: TarHeader, paxGlobal: Record<string, string> | null): string | undefined {
  const pax = header.pax ?? paxGlobal;
  if (pax === null || !Object.hasOwn(pax, 'path') || pax.path === header.name) return undefined;
  const path = displayName(pax.path ?? '');
  return header.pax
    ? `the PAX header sets the path '${path}' but the entry is named '${displayName(header.name)}'`
    : `a PAX global header sets the path '${path}' for following entries; the name is ambiguous`;
}
