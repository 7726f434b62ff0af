// Which errors of the storage drivers mean "the database cannot be reached or written right now"
// (busy, locked, read-only, disk full, I/O error, server down or restarting), as opposed to a fault
// of one operation. The first kind is answered 503 with Retry-After, makes the server not ready,
// and is never retried operation by operation (each would fail alike). Known once, here.

/** SQLite result codes (better-sqlite3 names them, extended codes included, e.g. SQLITE_IOERR_WRITE). */
const SQLITE_PREFIXES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_PROTOCOL', 'SQLITE_NOLFS'];

/** System errors from file or socket I/O (a failed fdatasync of the WAL, a refused connection). */
const SYSTEM_CODES = new Set([
  'ENOSPC', 'EIO', 'EROFS', 'EDQUOT', 'EACCES', 'EPERM', 'ENOENT',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs: classes 08 (connection exception), 53 (insufficient resources: disk full,
 * out of memory, too many connections), 58 (system error: I/O), and single codes: 57P01-57P03
 * (shutdown, crash shutdown, cannot connect now), 57014 (statement cancelled), 55P03 (lock not
 * available within lock_timeout: another session holds it), 25006 (read-only
 * transaction, e.g. a standby after failover), 40001/40P01 (serialization failure / deadlock
 * left after the executor's retries).
 */
const POSTGRES_CLASSES = ['08', '53', '58'];
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03', '57014', '55P03', '25006', '40001', '40P01']);

/** node-postgres reports a lost or refused connection without a code, in these words. */
const POSTGRES_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|database connection is not open|The database connection is not open/i;

export function isStorageUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) return SQLITE_PREFIXES.some((p) => code.startsWith(p));
    if (SYSTEM_CODES.has(code) || POSTGRES_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && POSTGRES_CLASSES.includes(code.slice(0, 2))) return true;
  }
  return typeof message === 'string' && POSTGRES_MESSAGES.test(message);
}

/** A short label for metrics and logs: the driver's code, or `connection` for code-less connection errors. */
export function storageErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code) ? code : 'connection';
}
