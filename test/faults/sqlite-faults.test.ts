// Storage faults on the embedded store, under load: a full disk (a small loop filesystem), a
// filesystem that turns read-only, and the write lock held by another process (busy). (An
// exclusive lock on the whole file cannot be taken while the server has it open, in WAL mode.)
// Each: 503 problems with Retry-After, /healthz not ready, nothing half-written (every 200 is
// stored, every 503 is not), the event loop free meanwhile, and recovery without a restart when
// storage comes back (after a read-only filesystem: once it is repaired and the server restarted).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { sqliteFile } from '../../src/storage/open.js';
import { V2_INTERACTIONS, assertProblem, interaction, startTestServer, type TestServer, type TestResponse } from '../support/app.js';
import { loopFsUnavailable, makeLoopFs, type LoopFs } from '../support/loopfs.js';

const T0 = Date.parse('2024-05-06T12:00:00.000Z');
const unavailable = loopFsUnavailable();
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

let sent = 0;
/** An interaction with a client-chosen id, so that its presence can be checked whatever the answer. */
function send(server: TestServer, size = 20_000): Promise<TestResponse & { id: string }> {
  const id = `fault-${++sent}`;
  return server.post(V2_INTERACTIONS, interaction(`u-${sent % 13}`, `q ${id}`, 'y'.repeat(size), T0 + sent, { id })).then((r) => ({ ...r, id }));
}

async function health(server: TestServer): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await server.app.inject({ url: '/healthz' });
  return { status: r.statusCode, body: r.json() };
}

/** Every answered 200 is stored; every 503 is not. */
function assertNothingHalfWritten(dataDir: string, answers: (TestResponse & { id: string })[]): void {
  const db = new Database(sqliteFile(dataDir), { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const has = db.prepare('SELECT 1 FROM interactions WHERE id = ?');
    for (const a of answers) {
      if (a.status === 200) assert.ok(has.get(a.id), `${a.id} was acknowledged but is missing`);
      else assert.equal(has.get(a.id), undefined, `${a.id} was answered ${a.status} but is stored`);
    }
  } finally {
    db.close();
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a full disk', { skip: unavailable ?? false }, () => {
  test('503 with Retry-After while full, not ready, nothing half-written; ready and writing again once space is freed', async () => {
    const fs: LoopFs = makeLoopFs(24);
    cleanups.push(() => fs.destroy());
    const server = await startTestServer({}, fs.dir);
    cleanups.push(() => server.close().catch(() => undefined));
    const answers: (TestResponse & { id: string })[] = [];
    for (let k = 0; k < 5; k++) answers.push(await send(server));
    assert.ok(answers.every((a) => a.status === 200));

    fs.fill();
    // Concurrent load until SQLite's free pages and the WAL's room are used up.
    let refused: TestResponse | undefined;
    for (let round = 0; round < 40 && !refused; round++) {
      const batch = await Promise.all(Array.from({ length: 8 }, () => send(server, 60_000)));
      answers.push(...batch);
      refused = batch.find((a) => a.status !== 200);
    }
    assert.ok(refused, 'a write failed once the disk was full');
    assertProblem(refused, 503);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    const notReady = await health(server);
    assert.equal(notReady.status, 503);
    assert.equal(notReady.body['ready'], false);
    assert.match(String(notReady.body['storage']), /SQLITE_FULL|SQLITE_IOERR|ENOSPC/);
    const live = await server.app.inject({ url: '/livez' });
    assert.equal(live.statusCode, 200);
    const metrics = await server.app.inject({ url: '/metrics' });
    assert.match(metrics.body, /feedloop_storage_errors_total\{code="(SQLITE_FULL|SQLITE_IOERR[A-Z_]*|ENOSPC)"\} [1-9]/);
    assert.match(metrics.body, /feedloop_ready 0/);

    fs.unfill();
    await waitFor('readiness after the disk was freed', async () => (await health(server)).status === 200);
    const again = await send(server);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    answers.push(again);
    await server.close();
    assertNothingHalfWritten(fs.dir, answers);
  });
});

describe('a filesystem that turns read-only', { skip: unavailable ?? false }, () => {
  test('503 and not ready while read-only; after repair and a restart every acknowledged write is there', async () => {
    const fs: LoopFs = makeLoopFs(32);
    cleanups.push(() => fs.destroy());
    let server = await startTestServer({}, fs.dir);
    const answers: (TestResponse & { id: string })[] = [];
    for (let k = 0; k < 5; k++) answers.push(await send(server));
    const load = (async () => {
      for (let k = 0; k < 30; k++) answers.push(...(await Promise.all(Array.from({ length: 4 }, () => send(server, 2000)))));
    })();
    await new Promise((r) => setTimeout(r, 30));
    fs.failReadOnly();
    await load;
    const failed = answers.filter((a) => a.status !== 200);
    assert.ok(failed.length > 0, 'writes failed once the filesystem was read-only');
    for (const f of failed) assertProblem(f, 503);
    assert.equal((await health(server)).status, 503);
    await server.close().catch(() => undefined);

    fs.repair();
    server = await startTestServer({}, fs.dir);
    cleanups.push(() => server.close().catch(() => undefined));
    for (const a of answers.filter((x) => x.status === 200)) {
      assert.equal((await server.get(`/api/v1/interactions/${a.id}`)).status, 200, `${a.id} was acknowledged`);
    }
    assert.equal((await send(server)).status, 200);
    await server.close();
  });
});

describe('the database locked by another process', () => {
  const dirs: string[] = [];
  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
  const start = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedloop-lock-'));
    dirs.push(dir);
    const server = await startTestServer({ FEEDLOOP_STORAGE_WAIT: '300ms' }, dir);
    cleanups.push(() => server.close().catch(() => undefined));
    return server;
  };

  test('its write lock held: writes 503 after FEEDLOOP_STORAGE_WAIT, without stalling the event loop; then they go through', async () => {
    const server = await start();
    const first = await send(server);
    assert.equal(first.status, 200);
    // As the command line or a backup would: another connection holds SQLite's write lock.
    const other = new Database(sqliteFile(server.dataDir));
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const waiting = Promise.all(Array.from({ length: 5 }, () => send(server, 100)));
    // While the writes wait for the lock, the event loop answers others at once.
    const live = Date.now();
    assert.equal((await server.app.inject({ url: '/livez' })).statusCode, 200);
    assert.ok(Date.now() - live < 100, `the event loop was blocked for ${Date.now() - live} ms`);
    assert.equal((await server.get(`/api/v1/interactions/${first.id}`)).status, 200, 'reads go on');
    const refused = await waiting;
    assert.ok(Date.now() - started >= 250);
    for (const r of refused) assertProblem(r, 503);
    assert.equal((await health(server)).body['ready'], false);
    other.exec('ROLLBACK');
    other.close();
    await waitFor('readiness after the lock was released', async () => (await health(server)).status === 200);
    const ok = await send(server);
    assert.equal(ok.status, 200);
    await server.close();
    assertNothingHalfWritten(server.dataDir, [...refused, ok]);
  });
});
