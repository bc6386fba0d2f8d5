// The one error type an archive read fails with, and the translation of zlib's and tar-stream's
// terse messages into stable codes and reasons a data engineer can act on.

import type { ArchiveStats } from './types.js';

export type { ArchiveStats } from './types.js';

/** Why a whole archive was refused. Stable: reports and alerts branch on it. */
export type ArchiveErrorCode =
  /** gzip was expected but the input does not start with the gzip magic bytes. */
  | 'ARCHIVE_NOT_GZIP'
  /** Undecodable data: bad deflate stream, gzip CRC/length mismatch, bad tar header checksum or format, ... */
  | 'ARCHIVE_CORRUPT'
  /** The data stops early: truncated gzip, tar ending inside a header or member, or no end-of-archive marker. */
  | 'ARCHIVE_TRUNCATED'
  /** No progress for `stallTimeoutMs` while the reader was waiting on its input or decoder. */
  | 'ARCHIVE_STALLED'
  /** `maxTotalBytes` or `maxExpansionRatio` exceeded; decompression was stopped. */
  | 'ARCHIVE_BOMB'
  /** More than `maxMembers` tar entries. */
  | 'ARCHIVE_TOO_MANY_MEMBERS'
  /** The input stream itself failed or closed early (network, disk): usually worth a retry. */
  | 'ARCHIVE_SOURCE_FAILED'
  /** The caller's AbortSignal fired. */
  | 'ARCHIVE_ABORTED';

/** The archive-level failure `readArchive` rejects with. Errors thrown by the caller's handlers are passed through unchanged instead. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
  /** Stable machine-readable reason. */
  readonly code: ArchiveErrorCode;
  /** The last tar entry seen before the failure, if any (for locating the damage). */
  readonly lastEntry: { index: number; name: string } | undefined;
  /** Counters at the moment of failure. */
  readonly stats: ArchiveStats;

  constructor(
    code: ArchiveErrorCode,
    message: string,
    details: { lastEntry?: { index: number; name: string } | undefined; stats: ArchiveStats; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.lastEntry = details.lastEntry;
    this.stats = { ...details.stats };
  }
}

/** A code and a human reason, before the context (stats, last entry) is attached. */
export interface Failure {
  code: ArchiveErrorCode;
  reason: string;
  cause?: unknown;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** True when `head` starts like a gzip stream (as far as its length allows). */
export function looksLikeGzip(head: Uint8Array): boolean {
  return head.length > 0 && head[0] === GZIP_MAGIC[0] && (head.length < 2 || head[1] === GZIP_MAGIC[1]);
}

/** Names the format `head` (the first bytes of the input) appears to be, for error hints. */
export function sniffFormat(head: Uint8Array): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (head.length === 0) return 'empty';
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'zip';
  if (head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** Translates a zlib gunzip error; `head` is the start of the compressed input. */
export function gzipFailure(err: Error & { code?: string }, head: Uint8Array, compressedBytes: number): Failure {
  if (compressedBytes === 0) {
    return { code: 'ARCHIVE_TRUNCATED', reason: 'the input is empty (0 bytes)', cause: err };
  }
  if (!looksLikeGzip(head)) {
    const format = sniffFormat(head);
    const hint =
      format === 'tar'
        ? 'it looks like an uncompressed tar: read it with gzip: false'
        : format !== undefined
          ? `it looks like ${format} data, which is not supported`
          : 'it is not a .tar.gz';
    return { code: 'ARCHIVE_NOT_GZIP', reason: `the input does not start with the gzip magic bytes 1f 8b; ${hint}`, cause: err };
  }
  const message = err.message;
  if (err.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(message)) {
    return {
      code: 'ARCHIVE_TRUNCATED',
      reason: `the gzip stream ends before its end marker after ${compressedBytes} compressed bytes (file cut short?)`,
      cause: err,
    };
  }
  if (/incorrect data check/i.test(message)) {
    return { code: 'ARCHIVE_CORRUPT', reason: 'gzip CRC-32 mismatch: the decompressed data is damaged', cause: err };
  }
  if (/incorrect length check/i.test(message)) {
    return { code: 'ARCHIVE_CORRUPT', reason: 'gzip length mismatch: the decompressed size differs from the trailer', cause: err };
  }
  if (/incorrect header check/i.test(message)) {
    return {
      code: 'ARCHIVE_CORRUPT',
      reason: 'unexpected bytes after the end of a gzip member (trailing garbage or a damaged concatenated member)',
      cause: err,
    };
  }
  if (/unknown compression method/i.test(message)) {
    return { code: 'ARCHIVE_CORRUPT', reason: 'the gzip header names an unknown compression method', cause: err };
  }
  return { code: 'ARCHIVE_CORRUPT', reason: `invalid deflate data (${message})`, cause: err };
}

/** Translates a tar-stream error; `head` is the start of the tar data, for a "did you mean gzip" hint. */
export function tarFailure(err: Error, head: Uint8Array, gzip: boolean): Failure {
  const message = err.message;
  if (/unexpected end of data/i.test(message)) {
    return { code: 'ARCHIVE_TRUNCATED', reason: 'the tar data ends inside a header or a member (file cut short?)', cause: err };
  }
  if (/unknown format/i.test(message)) {
    return {
      code: 'ARCHIVE_CORRUPT',
      reason: 'a tar header has neither ustar nor GNU magic (damaged data, or a pre-POSIX v7 tar, which is not supported)',
      cause: err,
    };
  }
  if (/invalid tar header/i.test(message)) {
    const hint = !gzip && looksLikeGzip(head) ? '; the input looks gzip-compressed: read it with gzip: true' : '';
    return { code: 'ARCHIVE_CORRUPT', reason: `a tar header checksum does not match (damaged data or not a tar)${hint}`, cause: err };
  }
  if (/header exceeds max size/i.test(message)) {
    return { code: 'ARCHIVE_CORRUPT', reason: 'a PAX or GNU long-name header is larger than 4 MiB', cause: err };
  }
  if (/invalid header/i.test(message)) {
    return { code: 'ARCHIVE_CORRUPT', reason: 'a tar header has an invalid size field', cause: err };
  }
  return { code: 'ARCHIVE_CORRUPT', reason: `the tar data could not be parsed (${message})`, cause: err };
}
