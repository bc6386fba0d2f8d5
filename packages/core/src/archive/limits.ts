// Resource limits for reading one archive: what stops a decompression bomb, a member flood or a
// stuck source. Defaults fit daily partner drops (hundreds of MB per archive) with wide margins.

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Resource limits applied while reading one archive. Every field is a positive number. */
export interface ArchiveLimits {
  /** Most tar entries (files, directories, links, ... everything with a header) in one archive. Default 100 000. */
  maxMembers: number;
  /** Largest member, in bytes; a bigger member is rejected (`MEMBER_TOO_LARGE`) and skipped. Default 16 GiB. */
  maxMemberBytes: number;
  /** Most uncompressed tar bytes in one archive; more fails the archive with `ARCHIVE_BOMB`. Default 64 GiB. */
  maxTotalBytes: number;
  /**
   * Largest uncompressed/compressed ratio, checked once the uncompressed output passes
   * {@link ArchiveLimits.ratioFloorBytes}; more fails the archive with `ARCHIVE_BOMB`. Default 200
   * (CSV typically compresses 5-20x; a run of zeros compresses about 1000x).
   */
  maxExpansionRatio: number;
  /** Uncompressed bytes below which the expansion ratio is not checked (small archives may be very repetitive). Default 64 MiB. */
  ratioFloorBytes: number;
  /**
   * Milliseconds without progress before the archive fails with `ARCHIVE_STALLED`. Time spent waiting
   * on the caller (a member stream nobody reads yet, a handler still working) does not count. Default 30 000.
   */
  stallTimeoutMs: number;
}

/** The limits used when the caller sets none. */
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxMembers: 100_000,
  maxMemberBytes: 16 * GiB,
  maxTotalBytes: 64 * GiB,
  maxExpansionRatio: 200,
  ratioFloorBytes: 64 * MiB,
  stallTimeoutMs: 30_000,
});

/** Merges caller overrides over the defaults; a non-positive or non-numeric limit is a programming error. */
export function resolveLimits(overrides: Partial<ArchiveLimits> | undefined): ArchiveLimits {
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS };
  for (const key of Object.keys(DEFAULT_ARCHIVE_LIMITS) as (keyof ArchiveLimits)[]) {
    const value = overrides?.[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value > 0)) {
      throw new RangeError(`archive limit ${key} must be a positive number, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}
