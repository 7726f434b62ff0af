// What the benchmark phases share: their settings from the environment, the child processes they
// start (servers, load drivers) and stop, PostgreSQL while a phase uses it, and how figures print.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PostgresServer } from '../test/support/postgres.js';
import type { LoadResult, LoadSpec } from './load.js';

export const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
export const ROOT = resolve(HERE, '../..');

export function envInt(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min} (got "${raw}")`);
  return Math.floor(n);
}

// ---------------------------------------------------------------------------------------------
// Processes

export const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

export function cleanup(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.length = 0;
}

/** Set on Ctrl-C/SIGTERM: failures of the processes being killed are then not reported. */
export const state = { interrupted: false, postgres: null as PostgresServer | null };


/**
 * Stops the PostgreSQL server and removes its directory. If this process dies before (SIGKILL),
 * the harness's watchdog process does the same once it notices.
 */
export async function stopPostgres(): Promise<void> {
  const server = state.postgres;
  state.postgres = null;
  if (server) await server.stop().catch((error: Error) => console.error(`stopping PostgreSQL: ${error.message}`));
}

process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    state.interrupted = true;
    console.error(`\nbench: ${signal}, stopping servers and PostgreSQL, removing temporary directories`);
    cleanup();
    void Promise.race([stopPostgres(), sleep(15_000)]).finally(() => process.exit(130));
  });
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? res(address.port) : rej(new Error('no port'))));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Running { name: string; child: ChildProcess; url: string; output: () => string }

export async function startServer(name: string, args: string[], env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  child.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited during start-up:\n${output}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`${name} did not answer /healthz within 120 s:\n${output}`);
    await sleep(100);
  }
  return { name, child, url, output: () => output };
}

export async function stopServer(server: Running): Promise<void> {
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(30_000).then(() => true)]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  children.delete(child);
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/**
 * Writes back what earlier phases left dirty in the page cache (seeding, PostgreSQL with fsync
 * off) before a load, so that the kernel does not flush it during the load: on ext4 every fsync
 * that commits the journal would wait for it (a quick feedloop load on 1M stored fell from about
 * 11,000 to 6,752 req/s after 2.4 GB written by another process).
 */
export function settleDisk(): void {
  execFileSync('sync');
}

/**
 * Reads a file once, so that its pages are in the page cache again. The VMs this runs on drop
 * the cache of files left idle: `fincore` found 1.0 of the large database's 2.2 GB resident after
 * the 4 minutes of other loads between two of its loads, and nothing of a copy idle for an hour.
 * Unread, the next load measured random disk reads instead of linking (870 to 5,700 req/s against
 * 8,200–9,100 in the first run's load).
 */
export function readThrough(path: string): void {
  const buffer = Buffer.alloc(8 << 20);
  const fd = openSync(path, 'r');
  try {
    while (readSync(fd, buffer, 0, buffer.length, null) > 0) { /* reading is the point */ }
  } finally {
    closeSync(fd);
  }
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(HERE, 'load.js'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', rej);
    child.once('exit', (code) => {
      children.delete(child);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return rej(new Error(`load driver failed (exit ${code}):\n${stderr}${stdout}`));
      res(JSON.parse(line) as LoadResult);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Statistics and printing

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function fmt(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max)" over the runs; just the value when there is one run. */
export function spread(xs: number[], digits = 0, unit = ''): string {
  const m = `${fmt(median(xs), digits)}${unit}`;
  return xs.length > 1 ? `${m} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})` : m;
}

export function goal(value: number, op: '≥' | '≤', target: number, unit = ''): string {
  const ok = op === '≥' ? value >= target : value <= target;
  return `goal ${op} ${target}${unit}: ${ok ? 'met' : 'NOT met'}`;
}

