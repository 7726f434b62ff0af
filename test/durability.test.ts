// Acknowledged means stored: whatever the server answered 200 to is still there after it stops
// (cleanly, mid-traffic, or killed) and a new server opens the same data directory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { FEEDBACK, feedback, interaction, startTestServer, TEST_KEY, V2_CONVERSATION, V2_INTERACTIONS, type TestServer } from './support/app.js';

const T0 = Date.parse('2024-05-06T12:00:00.000Z');
/** bin/feedloop.js, from dist/test/ where this file runs. */
const CLI = fileURLToPath(new URL('../../bin/feedloop.js', import.meta.url));
const dirs: string[] = [];
const running: TestServer[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'feedloop-durability-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string): Promise<TestServer> {
  const server = await startTestServer({}, dir);
  running.push(server);
  return server;
}

async function stop(server: TestServer): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.close();
}

after(async () => {
  for (const server of running) await server.close().catch(() => undefined);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('a restarted server keeps every acknowledged interaction and feedback', async () => {
  const dir = dataDir();
  let server = await start(dir);
  const one = await server.post(V2_INTERACTIONS, interaction('alice', 'q1', 'a1', T0, { tags: { k: 'v' } }));
  const conversation = await server.post(V2_CONVERSATION, {
    conversation: { end_user: 'bob', interactions: [0, 1].map((k) => ({ input: `bq${k}`, output: `ba${k}`, time_start: new Date(T0 + k * 1000).toISOString(), time_end: new Date(T0 + k * 1000 + 500).toISOString() })) },
    anonymize: false,
  });
  const linked = await server.post(FEEDBACK, feedback('alice', 'thumbs_up', T0 + 1000, { input: 'q1', output: 'a1', event_id: 'evt-durable' }));
  const pending = await server.post(FEEDBACK, feedback('carol', 'rating', T0, {}, { value: 2 }));
  for (const res of [one, conversation, linked, pending]) assert.equal(res.status, 200, JSON.stringify(res.body));
  await stop(server);

  server = await start(dir);
  const i = await server.get(`/api/v1/interactions/${one.body.id}`);
  assert.equal(i.status, 200);
  assert.equal(i.body.input, 'q1');
  assert.deepEqual(i.body.tags, { k: 'v' });
  assert.deepEqual(i.body.feedback.map((f: any) => f.id), [linked.body.id]);
  for (const id of conversation.body.interaction_ids) {
    assert.equal((await server.get(`/api/v1/interactions/${id}`)).body.conversation_id, conversation.body.conversation_id);
  }
  assert.equal((await server.get(`/api/v1/feedback/${pending.body.id}`)).body.status, 'pending');
  // The idempotency key survives the restart too.
  const retry = await server.post(FEEDBACK, feedback('alice', 'thumbs_up', T0 + 1000, { input: 'q1', output: 'a1', event_id: 'evt-durable' }));
  assert.equal(retry.body.id, linked.body.id);
  // Pending feedback still links when its interaction arrives after the restart.
  const late = await server.post(V2_INTERACTIONS, interaction('carol', 'cq', 'ca', T0 - 1000));
  assert.equal((await server.get(`/api/v1/feedback/${pending.body.id}`)).body.interaction_id, late.body.id);
  await stop(server);
});

test('50 concurrent acknowledged POSTs are all readable after a restart', async () => {
  const dir = dataDir();
  let server = await start(dir);
  const requests = Array.from({ length: 50 }, (_, k) => k % 2 === 0
    ? server.post(V2_INTERACTIONS, interaction(`user-${k % 7}`, `question ${k}`, `answer ${k}`, T0 + k * 1000))
    : server.post(FEEDBACK, feedback(`user-${k % 7}`, 'thumbs_up', T0 + k * 1000 + 500)));
  const answers = await Promise.all(requests);
  for (const res of answers) assert.equal(res.status, 200, JSON.stringify(res.body));
  await stop(server);

  server = await start(dir);
  for (const [k, res] of answers.entries()) {
    const path = k % 2 === 0 ? `/api/v1/interactions/${res.body.id}` : `/api/v1/feedback/${res.body.id}`;
    const read = await server.get(path);
    assert.equal(read.status, 200, `${path}: ${JSON.stringify(read.body)}`);
    if (k % 2 === 0) assert.equal(read.body.input, `question ${k}`);
  }
  await stop(server);
});

test('a server stopped mid-traffic keeps every request it acknowledged and refuses the rest with a 503 problem', async () => {
  const dir = dataDir();
  let server = await start(dir);
  const send = (k: number) => server.post(FEEDBACK, feedback(`user-${k}`, 'comment', T0, {}, { text: `note ${k}` }));
  const first = Array.from({ length: 25 }, (_, k) => send(k));
  await Promise.race(first);
  const second = Array.from({ length: 25 }, (_, k) => send(25 + k));
  const closing = stop(server);
  const third = Array.from({ length: 5 }, (_, k) => send(50 + k));
  const answers = await Promise.all([...first, ...second, ...third]);
  await closing;

  const acknowledged = answers.filter((a) => a.status === 200);
  assert.ok(acknowledged.length >= 1, 'some requests were acknowledged before the stop');
  for (const res of answers.filter((a) => a.status !== 200)) {
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(res.body.status, 503);
  }
  server = await start(dir);
  for (const res of acknowledged) assert.equal((await server.get(`/api/v1/feedback/${res.body.id}`)).status, 200);
  await stop(server);
});

test('a killed server process keeps every request it acknowledged', async () => {
  const dir = dataDir();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', FEEDLOOP_DATA_DIR: dir, FEEDLOOP_API_KEY: TEST_KEY, FEEDLOOP_PII_THREADS: '0', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 10_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(m[1]!); }
      });
      child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString(); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${out}`)); });
    });
    assert.equal(((await (await fetch(`${base}/healthz`)).json()) as { status: string }).status, 'ok');

    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any };
    };
    const answers = await Promise.all(Array.from({ length: 50 }, (_, k) => k % 2 === 0
      ? post(V2_INTERACTIONS, interaction(`user-${k % 5}`, `q ${k}`, `a ${k}`, T0 + k * 1000))
      : post(FEEDBACK, feedback(`user-${k % 5}`, 'thumbs_down', T0 + k * 1000 + 500))));
    for (const res of answers) assert.equal(res.status, 200, JSON.stringify(res.body));
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));

    const server = await start(dir);
    for (const [k, res] of answers.entries()) {
      const path = k % 2 === 0 ? `/api/v1/interactions/${res.body.id}` : `/api/v1/feedback/${res.body.id}`;
      assert.equal((await server.get(path)).status, 200, path);
    }
    await stop(server);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
