// Starts a throw-away PgBouncer (Debian's package) in transaction pooling mode in front of a test
// PostgreSQL server (postgres.ts): every database of that server is reachable through it under its
// own name. It runs as the postgres user when the tests run as root (PgBouncer refuses root), in the
// foreground as a child of this process, and stop() ends it and removes its directory.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres.js';

export interface PgBouncer {
  /** The PgBouncer URL of a database of the server behind it (a URL of that server, same user and database). */
  urlFor(serverUrl: string): string;
  version: string;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

export function pgbouncerBinary(): string | null {
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/** Why the PgBouncer test cannot run here, or null when it can; under CI (CI=true) a missing PgBouncer is an error. */
export function pgbouncerUnavailable(): string | null {
  if (pgbouncerBinary() !== null) return null;
  const reason = 'pgbouncer not found (Debian: apt-get install pgbouncer; .ci/run installs it)';
  if (process.env['CI'] === 'true') throw new Error(`${reason} (required when CI=true)`);
  return reason;
}

const listening = (port: number) => new Promise<boolean>((resolve) => {
  const socket = createConnection({ host: '127.0.0.1', port }, () => { socket.end(); resolve(true); });
  socket.on('error', () => resolve(false));
});

export async function startPgBouncer(serverUrl: string, options: { poolSize?: number } = {}): Promise<PgBouncer> {
  const binary = pgbouncerBinary();
  if (binary === null) throw new Error(pgbouncerUnavailable() ?? 'pgbouncer not found');
  const server = new URL(serverUrl);
  const dir = await mkdtemp(join(tmpdir(), 'feedloop-pgbouncer-'));
  const port = await freePort();
  const user = decodeURIComponent(server.username);
  await writeFile(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  await writeFile(join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `* = host=${server.hostname} port=${server.port}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    `unix_socket_dir = ${dir}`,
    'auth_type = trust',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    'max_client_conn = 500',
    `default_pool_size = ${options.poolSize ?? 10}`,
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    // feedloop's pool asks for lock_timeout at connect (a startup parameter PgBouncer does not pass
    // on): behind PgBouncer it is set for the role or database instead (docs/postgres.md).
    'ignore_startup_parameters = extra_float_digits,lock_timeout',
    '',
  ].join('\n'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const file of ['', 'userlist.txt', 'pgbouncer.ini']) await chown(join(dir, file), uid, gid);
  }
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
  const child: ChildProcess = asRoot
    ? spawn('runuser', ['-u', 'postgres', '--', binary, join(dir, 'pgbouncer.ini')], { stdio: 'ignore' })
    : spawn(binary, [join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`pgbouncer did not start (exit ${child.exitCode})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    version,
    urlFor(url: string) {
      const target = new URL(url);
      target.hostname = '127.0.0.1';
      target.port = String(port);
      return target.toString();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // runuser passes the signal on to pgbouncer; SIGTERM: immediate shutdown.
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
