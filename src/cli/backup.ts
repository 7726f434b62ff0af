// `feedloop backup FILE` and `feedloop restore FILE`, for the embedded SQLite store.
// backup: SQLite's online backup API (better-sqlite3's db.backup) on a connection of its own, so it
// runs while the server writes: the copy is the database as of one read transaction, which holds
// every write acknowledged before it began. The copy is checked (quick_check) before it replaces FILE.
// restore: puts a backup in place of the data directory's database, refusing while a server holds
// the directory (its lock file, storage/server-lock.ts); the database it replaces is kept beside it.
// PostgreSQL has its own tools (pg_dump, point-in-time recovery): both commands say so.
import Database from 'better-sqlite3';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { sqliteFile } from '../storage/open.js';
import { serversHolding } from '../storage/server-lock.js';
import { SQLITE_MIGRATIONS } from '../storage/sqlite/migrations.js';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import { CliError } from './data-dir.js';

export const BACKUP_HELP = `Usage: feedloop backup FILE [--json]

Writes a consistent copy of the SQLite database to FILE while the server runs (SQLite's online
backup API): every write acknowledged before the backup began is in it. With DATABASE_URL
(PostgreSQL) it explains how to back up with pg_dump or point-in-time recovery instead.`;

export const RESTORE_HELP = `Usage: feedloop restore FILE [--json]

Replaces the data directory's database by the backup FILE (checked first), keeping the current
one beside it as feedloop.sqlite.before-restore-<time>. Refuses while a server runs on the data
directory: stop it, restore, start it again.`;

const POSTGRES_BACKUP = `the data is in PostgreSQL (DATABASE_URL), which has its own tools; feedloop does not copy it:
  logical copy:   pg_dump --format=custom --file=feedloop.dump "$DATABASE_URL"
  restore it:     pg_restore --clean --if-exists --dbname="$DATABASE_URL" feedloop.dump   (servers stopped)
  point in time:  continuous WAL archiving (archive_command, or pgBackRest / WAL-G) with periodic base backups (pg_basebackup)
See README.md "Backups".`;

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** quick_check of a database file, and its schema version; throws a CliError when it is not a feedloop database. */
function checkDatabase(file: string): number {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new CliError(`${file} cannot be opened as a SQLite database (${(error as Error).message})`);
  }
  try {
    const [check] = db.pragma('quick_check') as { quick_check: string }[];
    if (check?.quick_check !== 'ok') throw new CliError(`${file} is damaged: ${check?.quick_check ?? 'quick_check failed'}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('interactions', 'feedback', 'projects')").get() as { n: number };
    if (version < 1 || tables.n < 3) throw new CliError(`${file} is a SQLite database but not a feedloop one`);
    if (version > SQLITE_MIGRATIONS.length) throw new CliError(`${file} was made by a newer feedloop (schema ${version}; this one knows ${SQLITE_MIGRATIONS.length})`);
    return version;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file} cannot be read as a SQLite database (${(error as Error).message})`);
  } finally {
    db.close();
  }
}

export async function runBackup(config: Config, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    console.log(BACKUP_HELP);
    return 0;
  }
  if (config.databaseUrl !== null) throw new CliError(`backup: ${POSTGRES_BACKUP}`);
  const [target] = positionals;
  if (target === undefined || positionals.length > 1) throw new CliError('backup needs the file to write; see feedloop backup --help', 2);
  const source = sqliteFile(config.dataDir);
  if (!existsSync(source)) throw new CliError(`no database at ${source} (set FEEDLOOP_DATA_DIR to where the data is)`);
  const file = resolve(target);
  if (file === resolve(source)) throw new CliError('backup: FILE must not be the database itself');
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  const started = Date.now();
  const db = new Database(source, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const bar = process.stderr.isTTY && !values.json;
  try {
    await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        if (bar) process.stderr.write(`\r  backing up: ${Math.round(((totalPages - remainingPages) / Math.max(1, totalPages)) * 100)}% of ${totalPages} pages`);
        // Everything in the next step: one read transaction, so writes from the server meanwhile cannot restart it over and over.
        return 1 << 30;
      },
    });
  } catch (error) {
    rmSync(partial, { force: true });
    throw new CliError(`backup failed: ${(error as Error).message}`);
  } finally {
    db.close();
    if (bar) process.stderr.write('\r\x1b[K');
  }
  checkDatabase(partial);
  syncPath(partial);
  renameSync(partial, file);
  syncPath(dirname(file));
  const summary = { file, bytes: statSync(file).size, seconds: (Date.now() - started) / 1000 };
  if (values.json) console.log(JSON.stringify(summary));
  else console.log(`Backed up ${source} to ${file} (${(summary.bytes / 1e6).toFixed(1)} MB in ${summary.seconds.toFixed(1)} s). Restore with: feedloop restore ${target}`);
  return 0;
}

export async function runRestore(config: Config, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    console.log(RESTORE_HELP);
    return 0;
  }
  if (config.databaseUrl !== null) throw new CliError(`restore: ${POSTGRES_BACKUP}`);
  const [backup] = positionals;
  if (backup === undefined || positionals.length > 1) throw new CliError('restore needs the backup file; see feedloop restore --help', 2);
  if (!existsSync(backup)) throw new CliError(`no file ${backup}`);
  checkDatabase(backup);
  const servers = serversHolding(config.dataDir);
  if (servers.length > 0) {
    throw new CliError(`a server is running on ${config.dataDir} (pid ${servers.map((s) => `${s.pid}${s.host === '?' ? '' : ` on ${s.host}`}`).join(', ')}): `
      + 'stop it before restoring, then start it again');
  }
  mkdirSync(config.dataDir, { recursive: true });
  const target = sqliteFile(config.dataDir);
  const incoming = `${target}.restoring`;
  copyFileSync(backup, incoming);
  syncPath(incoming);
  // The database being replaced is kept, with its WAL (which may hold its latest commits) under the matching name.
  let kept: string | null = null;
  if (existsSync(target)) {
    kept = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, kept);
    for (const suffix of ['-wal', '-shm']) if (existsSync(target + suffix)) renameSync(target + suffix, kept + suffix);
  }
  for (const suffix of ['-wal', '-shm']) rmSync(incoming + suffix, { force: true });
  renameSync(incoming, target);
  syncPath(config.dataDir);
  // Brings an older backup's schema up to date (and proves the restored file opens).
  const storage = new SqliteStorage({ filename: target });
  await storage.migrate();
  const projects = await storage.listProjects();
  await storage.close();
  const summary = { restored: resolve(backup), into: target, previous: kept, projects: projects.map((p) => p.name) };
  if (values.json) console.log(JSON.stringify(summary));
  else console.log(`Restored ${backup} into ${target}${kept ? ` (the previous database is kept as ${kept})` : ''}.`);
  return 0;
}
