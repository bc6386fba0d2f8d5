// Public surface of the safe archive reader.
export { readArchive } from './read-archive.js';
export type { ArchiveHandlers, ArchiveMember, ArchiveStats, ReadArchiveOptions, RejectedMember } from './types.js';
export { ArchiveError } from './archive-error.js';
export type { ArchiveErrorCode } from './archive-error.js';
export { DEFAULT_ARCHIVE_LIMITS } from './limits.js';
export type { ArchiveLimits } from './limits.js';
export { checkMemberName, MAX_NAME_BYTES } from './member-name.js';
export type { MemberRejectCode, NameVerdict } from './member-name.js';
