// Starts a throw-away PostgreSQL server for tests: initdb into a temporary directory, listen on a
// free loopback port (and a unix socket in the same directory), fsync off unless asked for durable. Each test file gets its
// own server and creates fresh databases on it; stop() shuts the server down and removes the files.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface PostgresServer {
  /** URL of the server's `postgres` database (superuser `postgres`, no password). */
  url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Drops a database, closing its connections: nothing of it is left for autovacuum to work on. */
  dropDatabase(name: string): Promise<void>;
  /** Stops the server process (fast shutdown: connections are closed), keeping its files. */
  pause(): Promise<void>;
  /** Starts it again on the same port after pause(). */
  resume(): Promise<void>;
  /** One statement on the `postgres` database as superuser (ALTER SYSTEM, pg_reload_conf, ...). */
  admin(sql: string): Promise<void>;
  stop(): Promise<void>;
}

/** The directory holding initdb, pg_ctl and postgres, or null when no server is installed. */
export function postgresBinDir(): string | null {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch { /* no pg_config on PATH */ }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  return candidates.find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(dir, b)))) ?? null;
}

/**
 * Why PostgreSQL tests cannot run here, or null when they can. Under CI (CI=true) a missing server
 * is an error, not a reason to skip: the tests would otherwise pass without testing anything.
 */
export function postgresUnavailable(): string | null {
  if (postgresBinDir() !== null) return null;
  const reason = 'PostgreSQL server binaries (initdb, pg_ctl, postgres) not found via `pg_config --bindir` or /usr/lib/postgresql/*/bin; run .ci/run-postgres-setup.sh';
  if (process.env['CI'] === 'true') throw new Error(`${reason} (required when CI=true)`);
  return reason;
}

/** A loopback port nobody listens on now (the harnesses start servers on it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let databases = 0;

export interface PostgresOptions {
  /**
   * PostgreSQL's own durable defaults (fsync, synchronous_commit and full_page_writes on), as a
   * deployment runs it: for benchmarks. Tests run without them, which only skips disk flushes.
   */
  durable?: boolean;
  /** More server settings (`name=value`), e.g. shared_buffers for large benchmark data. */
  settings?: string[];
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error(postgresUnavailable() ?? 'PostgreSQL not found');
  // initdb refuses to run as root: run the server tools as the postgres user, owning the directory.
  const asRoot = process.getuid?.() === 0;
  const tool = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args]) : run(join(bin, name), args);

  const dir = await mkdtemp(join(tmpdir(), 'feedloop-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    await chown(dir, uid, gid);
    await writeFile(log, '');
    await chown(log, uid, gid);
  }
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    await tool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  } catch (error) {
    await removeDir();
    throw error;
  }

  let port = 0;
  /** The server's command-line options, kept for resume(). */
  let serverOptions = '';
  for (let attempt = 0; ; attempt++) {
    // The port is free when chosen but could be taken before the server binds it: try another.
    port = await freePort();
    const settings = [
      `port=${port}`, 'listen_addresses=127.0.0.1', 'max_connections=200',
      ...(options.durable ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']), ...(options.settings ?? []),
    ];
    serverOptions = `-k ${dir} ${settings.map((s) => `-c ${s}`).join(' ')}`;
    try {
      await tool('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', serverOptions]);
      break;
    } catch (error) {
      if (attempt >= 2) {
        await removeDir();
        throw error;
      }
    }
  }

  // pg_ctl detaches the server: if this process is killed (a CI timeout, Ctrl-C) before stop(),
  // a watchdog stops the server and removes its files once this process is gone.
  const pgCtl = join(bin, 'pg_ctl');
  const stopCommand = `${asRoot ? 'runuser -u postgres -- ' : ''}'${pgCtl}' stop -D '${data}' -m immediate -w >/dev/null 2>&1; rm -rf '${dir}'`;
  const watchdog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null && [ -d '${data}' ]; do sleep 1; done; [ -d '${data}' ] && { ${stopCommand}; }`],
    { detached: true, stdio: 'ignore' });
  watchdog.unref();

  const base = `postgres://postgres@127.0.0.1:${port}`;
  let stopped = false;
  /** One statement on the `postgres` database, on a connection of its own. */
  const adminQuery = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: `${base}/postgres` });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    url: `${base}/postgres`,
    async createDatabase(name = `test_${process.pid}_${++databases}`) {
      await adminQuery(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      return `${base}/${encodeURIComponent(name)}`;
    },
    async dropDatabase(name) {
      await adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    },
    async pause() {
      await tool('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
    },
    async resume() {
      await tool('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', serverOptions]);
    },
    admin: adminQuery,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await tool('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      } finally {
        await removeDir();
      }
    },
  };
}
