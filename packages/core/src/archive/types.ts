// The public shapes of an archive read: what the caller passes in and what it gets back.

import type { Readable } from 'node:stream';
import type { ArchiveLimits } from './limits.js';
import type { MemberRejectCode } from './member-name.js';

/** Counters describing one archive read; on failure, how far it got. */
export interface ArchiveStats {
  /** Tar entries seen (every header: files, directories, links, ...). */
  entries: number;
  /** Regular-file members handed to `onMember`. */
  members: number;
  /** Entries handed to `onRejected`. */
  rejected: number;
  /** Safe directory entries, skipped without a report (they carry no data). */
  directories: number;
  /** Data bytes of delivered members. */
  memberBytes: number;
  /** Bytes read from the input (equal to `uncompressedBytes` for a plain tar). */
  compressedBytes: number;
  /** Tar bytes after decompression, headers and padding included. */
  uncompressedBytes: number;
}

/** A regular file from the archive, delivered to {@link ArchiveHandlers.onMember}. */
export interface ArchiveMember {
  /** The name as stored in the archive (at most 4096 bytes); for reports only, never a filesystem path. */
  name: string;
  /** The name normalised: `/`-separated, without empty, `.` or `..` segments. Informational. */
  path: string;
  /** The last path segment: what callers route on. Never empty, `.`, `..`, and never contains `/`, `\` or control characters. */
  baseName: string;
  /** Size in bytes, from the tar header (verified against the data read). */
  size: number;
  /** Position of the entry among all tar entries of the archive, from 0. */
  index: number;
  /**
   * The member's bytes. Consume it fully or destroy it before the handler's promise settles; what is
   * left unread then is discarded. It errors with the ArchiveError if the archive fails mid-member.
   */
  stream: Readable;
}

/** A tar entry that was skipped, with the reason. Its data (if any) was read and discarded. */
export interface RejectedMember {
  /** The name as stored (truncated past 4096 characters); for reports only. */
  name: string;
  /** Position of the entry among all tar entries of the archive, from 0. */
  index: number;
  /** tar-stream's entry type (`file`, `symlink`, `link`, `fifo`, ...), or `unknown`. */
  type: string;
  /** Size from the header, in bytes. */
  size: number;
  /** Stable reason code. */
  code: MemberRejectCode;
  /** Human explanation. */
  reason: string;
}

/** What `readArchive` calls, one entry at a time, in archive order. */
export interface ArchiveHandlers {
  /**
   * Receives each safe regular file. The next entry is not read until the returned promise settles,
   * so the stream's backpressure reaches the decompressor. A rejection fails the whole read with that error.
   */
  onMember(member: ArchiveMember): Promise<void> | void;
  /** Receives each refused entry (links, devices, unsafe names, oversized, ...). Throwing fails the read. */
  onRejected(rejected: RejectedMember): void;
}

/** Options of {@link readArchive}. */
export interface ReadArchiveOptions {
  /** Overrides of the default limits (`DEFAULT_ARCHIVE_LIMITS`). */
  limits?: Partial<ArchiveLimits>;
  /** Whether the input is gzip-compressed (`.tar.gz`, `.tgz`; default) or a plain `.tar` (`false`). */
  gzip?: boolean;
  /**
   * Whether the tar data must end with its end-of-archive marker (two zero blocks), as every
   * finalised tar does (default `true`). Without the check, a tar cut at a member boundary reads as
   * complete; set `false` only for a producer known to skip the marker.
   */
  requireEndMarker?: boolean;
  /** Aborts the read: it then rejects with `ARCHIVE_ABORTED`. */
  signal?: AbortSignal;
}
