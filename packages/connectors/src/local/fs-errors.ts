/**
 * Turns Node's filesystem errors (`errno` codes) into `ConnectorError`s with a stable code, the
 * full path, and what to check next. Kept apart from the connector so it can be tested on its own
 * (permission errors cannot be provoked when the tests run as root).
 */
import { ConnectorError } from '@partner-ingest/core/connectors';

/** What the connector was doing when the filesystem failed, for the message. */
export type FsAction = 'list' | 'stat' | 'read' | 'write' | 'delete';

/** The `errno` code of a Node system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Hints for `IO_ERROR`s whose cause a user can act on. */
const ioHints: Record<string, string> = {
  ENOSPC: 'the disk is full: free space or point the connector at another volume',
  EDQUOT: 'the disk quota is exhausted: free space or raise the quota',
  EMFILE: 'too many open files: lower the run concurrency or raise `ulimit -n`',
  ENFILE: 'too many open files system-wide: lower the run concurrency',
  EISDIR: 'a directory exists where the object should be: remove or rename the directory',
  ENOTDIR: 'part of the key is an existing file, so it cannot also be a directory: check the keys',
  EEXIST: 'part of the key is an existing file, so it cannot also be a directory: check the keys',
  ENAMETOOLONG: 'the path is too long for this filesystem: use shorter keys or a shorter root',
};

/**
 * Maps a filesystem error to a `ConnectorError`: `EACCES`/`EPERM`/`EROFS` are `ACCESS_DENIED`,
 * `ENOENT` (and `ENOTDIR` except on write) is `NOT_FOUND`, anything else `IO_ERROR`. The original error is kept as `cause`.
 * An error that is already a `ConnectorError` is returned unchanged.
 */
export function toConnectorError(error: unknown, action: FsAction, path: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const code = errnoCode(error);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new ConnectorError(
        'ACCESS_DENIED',
        `permission denied to ${action} ${path} (${code}): check that the user running partner-ingest may ${action === 'write' || action === 'delete' ? 'write to' : 'read'} it and every directory above it`,
        { cause: error },
      );
    case 'EROFS':
      return new ConnectorError(
        'ACCESS_DENIED',
        `cannot ${action} ${path}: the filesystem is mounted read-only (EROFS): point the connector at a writable location`,
        { cause: error },
      );
    case 'ENOTDIR':
      // Reading `a/b` where `a` is a file: there is no such object. For a write it is a conflict.
      if (action === 'write') return ioError(error, action, path, code);
      return notFound(error, action, path);
    case 'ENOENT':
      return notFound(error, action, path);
    default:
      return ioError(error, action, path, code);
  }
}

function notFound(error: unknown, action: FsAction, path: string): ConnectorError {
  return new ConnectorError(
    'NOT_FOUND',
    `cannot ${action} ${path}: it does not exist: check the key, the connector root and, for inputs, that the drop has arrived`,
    { cause: error },
  );
}

function ioError(error: unknown, action: FsAction, path: string, code: string | undefined): ConnectorError {
  const hint = code ? ioHints[code] : undefined;
  const detail = hint ? `${hint} (${code})` : error instanceof Error ? error.message : String(error);
  return new ConnectorError('IO_ERROR', `cannot ${action} ${path}: ${detail}`, { cause: error });
}
