// Storage faults on PostgreSQL, under load: the server stopped (and started again), the database
// turned read-only (as a standby after failover, or default_transaction_read_only), a table locked
// by another session beyond FEEDLOOP_STORAGE_WAIT, and a full disk (the database's tablespace on a
// small loop filesystem). Each: 503 problems with Retry-After, /healthz not ready, every 200
// stored and no 503 stored, and recovery without a restart of feedloop.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { V2_INTERACTIONS, assertProblem, interaction, startTestServer, type TestResponse, type TestServer } from '../support/app.js';
import { loopFsUnavailable, makeLoopFs } from '../support/loopfs.js';
import { postgresUnavailable, startPostgres, type PostgresServer } from '../support/postgres.js';

const T0 = Date.parse('2024-05-06T12:00:00.000Z');
const unavailable = postgresUnavailable();

let sent = 0;
type Answer = TestResponse & { id: string };
function send(server: TestServer, size = 2000): Promise<Answer> {
  const id = `pg-fault-${++sent}`;
  return server.post(V2_INTERACTIONS, interaction(`u-${sent % 11}`, `q ${id}`, 'y'.repeat(size), T0 + sent, { id })).then((r) => ({ ...r, id }));
}

async function ready(server: TestServer): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await server.app.inject({ url: '/healthz' });
  return { status: r.statusCode, body: r.json() };
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends in rounds of `width` until `stop` is set: a load running while a fault comes and goes. */
function load(server: TestServer, answers: Answer[], width = 6): { stop: () => Promise<void> } {
  let stopped = false;
  const running = (async () => {
    while (!stopped) answers.push(...(await Promise.all(Array.from({ length: width }, () => send(server)))));
  })();
  return { stop: async () => { stopped = true; await running; } };
}

async function assertNothingHalfWritten(url: string, answers: Answer[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM interactions WHERE id = ANY($1)', [answers.map((a) => a.id)]);
    const stored = new Set(rows.map((r) => r.id));
    for (const a of answers) {
      if (a.status === 200) assert.ok(stored.has(a.id), `${a.id} was acknowledged but is missing`);
      else {
        assertProblem(a, 503);
        assert.ok(!stored.has(a.id), `${a.id} was answered ${a.status} but is stored`);
      }
    }
  } finally {
    await client.end();
  }
}

if (unavailable !== null) {
  test('postgres faults', { skip: unavailable }, () => undefined);
} else {
  const postgres: PostgresServer = await startPostgres();
  after(() => postgres.stop());

  describe('postgres faults', () => {
    let url: string;
    let server: TestServer;
    before(async () => {
      url = await postgres.createDatabase();
      server = await startTestServer({ DATABASE_URL: url, FEEDLOOP_STORAGE_WAIT: '500ms' });
    });
    after(async () => { await server.destroy(); });

    test('the server stopped under load: 503s, not ready; back by itself when PostgreSQL is', async () => {
      const answers: Answer[] = [];
      const running = load(server, answers);
      await new Promise((r) => setTimeout(r, 200));
      await postgres.pause();
      await new Promise((r) => setTimeout(r, 300));
      const down = await ready(server);
      assert.equal(down.status, 503);
      assert.equal(down.body['ready'], false);
      assert.equal((await server.app.inject({ url: '/livez' })).statusCode, 200);
      await postgres.resume();
      await waitFor('readiness after PostgreSQL came back', async () => (await ready(server)).status === 200);
      await running.stop();
      assert.ok(answers.some((a) => a.status === 503), 'some writes were refused while PostgreSQL was down');
      const after = await send(server);
      assert.equal(after.status, 200, JSON.stringify(after.body));
      await assertNothingHalfWritten(url, [...answers, after]);
    });

    test('the database read-only: writes 503 and not ready, reads go on; writable again within a second of the change', async () => {
      const before = await send(server);
      assert.equal(before.status, 200);
      await postgres.admin('ALTER SYSTEM SET default_transaction_read_only = on');
      await postgres.admin('SELECT pg_reload_conf()');
      await new Promise((r) => setTimeout(r, 300));
      const refused = await send(server);
      assertProblem(refused, 503);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      assert.equal((await ready(server)).body['storage'], '25006');
      assert.equal((await server.get(`/api/v1/interactions/${before.id}`)).status, 200, 'reads go on');
      await postgres.admin('ALTER SYSTEM RESET default_transaction_read_only');
      await postgres.admin('SELECT pg_reload_conf()');
      await waitFor('readiness after the database was writable again', async () => (await ready(server)).status === 200);
      const ok = await send(server);
      assert.equal(ok.status, 200);
      await assertNothingHalfWritten(url, [before, refused, ok]);
    });

    test('a table locked by another session: 503 after FEEDLOOP_STORAGE_WAIT, the event loop free; then writes go through', async () => {
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE interactions IN ACCESS EXCLUSIVE MODE');
        const waiting = Promise.all(Array.from({ length: 4 }, () => send(server, 100)));
        const started = Date.now();
        assert.equal((await server.app.inject({ url: '/livez' })).statusCode, 200);
        assert.ok(Date.now() - started < 100, 'the event loop answers while writes wait for the lock');
        const refused = await waiting;
        for (const r of refused) assertProblem(r, 503);
        await holder.query('ROLLBACK');
        await waitFor('readiness after the lock was released', async () => (await ready(server)).status === 200);
        const ok = await send(server);
        assert.equal(ok.status, 200);
        await assertNothingHalfWritten(url, [...refused, ok]);
      } finally {
        await holder.end();
      }
    });
  });

  const noLoop = loopFsUnavailable();
  describe('postgres with a full disk', { skip: noLoop ?? false }, () => {
    test('the tablespace full: 503s and not ready; writing again once space is freed', async () => {
      const fs = makeLoopFs(40);
      const name = `full_${process.pid}`;
      let server: TestServer | null = null;
      try {
        const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
        const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
        execFileSync('mkdir', ['-p', `${fs.dir}/pg`]);
        chownSync(`${fs.dir}/pg`, uid, gid);
        // The postgres user must reach the directory through the temporary ones above it.
        chmodSync(dirname(fs.dir), 0o755);
        chmodSync(fs.dir, 0o755);
        await postgres.admin(`CREATE TABLESPACE ${name} LOCATION '${fs.dir}/pg'`);
        await postgres.admin(`CREATE DATABASE ${name} TABLESPACE ${name}`);
        const fullUrl = postgres.url.replace(/\/[^/]+$/, `/${name}`);
        server = await startTestServer({ DATABASE_URL: fullUrl, FEEDLOOP_STORAGE_WAIT: '500ms' });
        const answers: Answer[] = [await send(server)];
        assert.equal(answers[0]!.status, 200);
        fs.fill();
        let refused: Answer | undefined;
        for (let round = 0; round < 60 && !refused; round++) {
          const batch = await Promise.all(Array.from({ length: 8 }, () => send(server!, 60_000)));
          answers.push(...batch);
          refused = batch.find((a) => a.status !== 200);
        }
        assert.ok(refused, 'a write failed once the tablespace was full');
        assertProblem(refused, 503);
        const notReady = await ready(server);
        assert.equal(notReady.status, 503);
        assert.equal(notReady.body['storage'], '53100');
        fs.unfill();
        await waitFor('readiness after space was freed', async () => (await ready(server!)).status === 200);
        const ok = await send(server);
        assert.equal(ok.status, 200);
        await assertNothingHalfWritten(fullUrl, [...answers, ok]);
      } finally {
        await server?.destroy();
        await postgres.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
        await postgres.admin(`DROP TABLESPACE IF EXISTS ${name}`).catch(() => undefined);
        fs.destroy();
      }
    });
  });
}
