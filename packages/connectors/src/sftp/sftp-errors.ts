/**
 * Turns SSH and SFTP failures into `ConnectorError`s that say what to check. SFTP status codes
 * come as numeric `code`s on the SFTP session's errors (2: no such file, 3: permission denied),
 * connection failures as Node error codes, authentication failures as ssh2's
 * `client-authentication` level.
 */
import { ConnectorError } from '@partner-ingest/core/connectors';

const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CLOSED']);

interface SshError {
  code?: number | string;
  level?: string;
  message?: string;
}

/** Whether an SFTP call failed because the path does not exist. */
export function isNoSuchFile(error: unknown): boolean {
  const code = (error as SshError | undefined)?.code;
  return code === NO_SUCH_FILE || code === 'ENOENT';
}

/** The `ConnectorError` for a failed `action` on `where` (an `sftp://` location). */
export function sftpErrorToConnectorError(error: unknown, action: string, where: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (error ?? {}) as SshError;
  const message = e.message ?? String(error);
  const cause = { cause: error };
  if (isNoSuchFile(error)) return new ConnectorError('NOT_FOUND', `cannot ${action} ${where}: no such file or directory; check the path`, cause);
  if (e.code === PERMISSION_DENIED || e.code === 'EACCES') {
    return new ConnectorError('ACCESS_DENIED', `cannot ${action} ${where}: permission denied by the server; check that the SFTP user may read (and, for staging or output, write) there`, cause);
  }
  if (e.level === 'client-authentication' || /authentication/i.test(message)) {
    return new ConnectorError('ACCESS_DENIED', `cannot ${action} ${where}: the server refused the login; check the user, and SFTP_PRIVATE_KEY_FILE / SFTP_PASSWORD`, cause);
  }
  if ((typeof e.code === 'string' && NETWORK.has(e.code)) || e.level === 'client-timeout' || /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|Timed out/i.test(message)) {
    return new ConnectorError('UNREACHABLE', `cannot ${action} ${where}: the server is unreachable (${message}); check the host, the port and the network`, cause);
  }
  return new ConnectorError('IO_ERROR', `cannot ${action} ${where}: ${message}`, cause);
}
