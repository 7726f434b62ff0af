// Crashes and shutdowns under load from another process (test/support/crash-load.ts): feedback,
// single interactions and 20-interaction conversations (one transaction each) from 12 loops.
// - kill -9 mid-load, with checkpoints running all the time (FEEDLOOP_CHECKPOINT_PAGES=64) and
//   group-commit batches in flight: the database passes integrity_check and holds every request
//   that was answered 200, whole (a conversation with all 20 interactions); a restarted server
//   serves it. Two kills in a row on the same directory.
// - SIGTERM mid-load: requests in flight finish, the process exits 0 within its shutdown timeout,
//   every 200 is stored.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { sqliteFile } from '../src/storage/open.js';
import { TEST_KEY } from './support/app.js';

const CLI = fileURLToPath(new URL('../../bin/feedloop.js', import.meta.url));
const LOAD = fileURLToPath(new URL('./support/crash-load.js', import.meta.url));
const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) =>
  child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)));

async function serve(dir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', FEEDLOOP_DATA_DIR: dir, FEEDLOOP_API_KEY: TEST_KEY, FEEDLOOP_PII_THREADS: '0',
      LOG_LEVEL: 'warn', DATABASE_URL: '', FEEDLOOP_CHECKPOINT_PAGES: '64', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${out}`)); });
  });
  return { child, url };
}

/** Starts the load process; `acked` collects "<kind> <id>" lines as they are printed. */
function startLoad(url: string, prefix = 'w'): { child: ChildProcess; acked: string[]; refused: () => number } {
  const child = spawn(process.execPath, [LOAD, url, TEST_KEY, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const acked: string[] = [];
  let partial = '';
  let refusedCount = 0;
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    acked.push(...lines.filter(Boolean));
  });
  child.stderr!.on('data', (d: Buffer) => { refusedCount += d.toString().split('\n').filter((l) => l.startsWith('refused')).length; });
  return { child, acked, refused: () => refusedCount };
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** integrity_check, and every acknowledged request stored whole. */
function checkStored(dir: string, acked: string[]): void {
  const db = new Database(sqliteFile(dir), { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const feedback = db.prepare('SELECT 1 FROM feedback WHERE event_id = ?');
    const single = db.prepare('SELECT 1 FROM interactions WHERE id = ?');
    const conversation = db.prepare('SELECT count(*) AS n FROM interactions WHERE conversation_id = ?');
    for (const line of acked) {
      const [kind, id] = line.split(' ') as [string, string];
      if (kind === 'feedback') assert.ok(feedback.get(id), `feedback ${id} was acknowledged but is missing`);
      else if (kind === 'interaction') assert.ok(single.get(id), `interaction ${id} was acknowledged but is missing`);
      else assert.equal((conversation.get(id) as { n: number }).n, 20, `conversation ${id} was acknowledged but is not whole`);
    }
    // Conversations are one transaction each: none is ever stored in part.
    const partial = db.prepare("SELECT conversation_id, count(*) AS n FROM interactions WHERE conversation_id LIKE '%w%-%' GROUP BY conversation_id HAVING n <> 20").all();
    assert.deepEqual(partial, []);
  } finally {
    db.close();
  }
}

test('kill -9 mid-load, mid-checkpoint and mid-batch, twice: every acknowledged request is stored whole, integrity_check ok', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'feedloop-crash-'));
  dirs.push(dir);
  const acked: string[] = [];
  for (let round = 0; round < 2; round++) {
    const server = await serve(dir);
    const load = startLoad(server.url, `r${round}w`);
    const target = 60 + round * 20;
    await until(`${target} acknowledged requests`, () => load.acked.length >= target);
    // Killed while the load goes on: requests, batches and checkpoints are in flight.
    server.child.kill('SIGKILL');
    await exited(server.child);
    // Whatever the load process prints from now on was answered before the kill (it is in the pipe).
    await new Promise((r) => setTimeout(r, 100));
    load.child.kill('SIGKILL');
    await exited(load.child);
    acked.push(...load.acked);
    assert.ok(load.acked.some((l) => l.startsWith('conversation ')), 'conversations were acknowledged');
    checkStored(dir, acked);
  }
  // A restarted server serves it all.
  const server = await serve(dir);
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  const [, id] = acked.find((l) => l.startsWith('interaction '))!.split(' ');
  assert.equal((await fetch(`${server.url}/api/v1/interactions/${id}`, { headers: { authorization: `Bearer ${TEST_KEY}` } })).status, 200);
  server.child.kill('SIGKILL');
  await exited(server.child);
});

test('SIGTERM mid-load: requests in flight finish, the process exits 0, every acknowledged request is stored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'feedloop-sigterm-'));
  dirs.push(dir);
  const server = await serve(dir, { FEEDLOOP_SHUTDOWN_TIMEOUT: '5s' });
  const load = startLoad(server.url);
  await until('100 acknowledged requests', () => load.acked.length >= 100);
  const stopping = Date.now();
  server.child.kill('SIGTERM');
  const code = await exited(server.child);
  const took = Date.now() - stopping;
  await new Promise((r) => setTimeout(r, 100));
  load.child.kill('SIGKILL');
  await exited(load.child);
  assert.equal(code, 0, 'a clean exit');
  assert.ok(took < 6000, `stopping took ${took} ms`);
  checkStored(dir, load.acked);
});
