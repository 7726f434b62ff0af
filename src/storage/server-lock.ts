// Lock files by which a server announces that it holds a SQLite data directory, so that `feedloop
// restore` (which replaces the database file) refuses while one runs. One file per process, named
// by its pid; a file whose process is gone (a crash) is stale and ignored. A file lock would need a
// native module, and SQLite's own locks are held only while a statement runs.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const LOCK_PREFIX = 'server-';
const LOCK_SUFFIX = '.lock';

export interface ServerLock { pid: number; host: string; file: string; startedAt: string }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Written by a server when it starts on a SQLite data directory, removed when it stops. */
export function takeServerLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `${LOCK_PREFIX}${process.pid}${LOCK_SUFFIX}`);
  writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), started_at: new Date().toISOString() }));
  return () => rmSync(file, { force: true });
}

/**
 * Servers holding the data directory: lock files whose process is alive on this host (a file left
 * by a process that died is stale and removed). A lock from another host cannot be checked and counts.
 */
export function serversHolding(dataDir: string): ServerLock[] {
  if (!existsSync(dataDir)) return [];
  const held: ServerLock[] = [];
  for (const name of readdirSync(dataDir)) {
    if (!name.startsWith(LOCK_PREFIX) || !name.endsWith(LOCK_SUFFIX)) continue;
    const file = join(dataDir, name);
    try {
      const lock = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; host: string; started_at: string };
      if (lock.host === hostname() && !alive(lock.pid)) {
        rmSync(file, { force: true });
        continue;
      }
      held.push({ pid: lock.pid, host: lock.host, file, startedAt: lock.started_at });
    } catch {
      // Unreadable (being written): count it, to be safe.
      held.push({ pid: 0, host: '?', file, startedAt: '?' });
    }
  }
  return held;
}
