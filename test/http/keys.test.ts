// Key management over HTTP, and what publishable keys may do.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FEEDBACK, V2_INTERACTIONS, feedback, interaction, startTestServer, type TestServer } from '../support/app.js';

let server: TestServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server.destroy(); });

test('a secret key creates, lists and revokes its project\'s keys; the key is shown once', async () => {
  const created = await server.post('/api/v1/keys', { kind: 'secret', name: 'ci' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.match(created.body.key, /^fl_sk_/);
  assert.ok((await server.get('/healthz', created.body.key)).status === 200);
  assert.equal((await server.get('/api/v1/feedback/none', created.body.key)).status, 404);

  const listed = await server.get('/api/v1/keys');
  assert.ok(listed.body.items.some((k: { id: string }) => k.id === created.body.id));
  assert.ok(!JSON.stringify(listed.body).includes(created.body.key));

  const revoked = await server.app.inject({ method: 'DELETE', url: `/api/v1/keys/${created.body.id}`, headers: { authorization: `Bearer ${server.key}` } });
  assert.equal(revoked.statusCode, 200);
  assert.equal((await server.get('/api/v1/feedback/none', created.body.key)).status, 401);
});

test('a publishable key may send feedback from its origins only, and nothing else', async () => {
  const created = await server.post('/api/v1/keys', { kind: 'publishable', origins: ['https://chat.example.com'] });
  assert.equal(created.status, 201);
  const pk = created.body.key as string;
  const send = (origin?: string) => server.app.inject({
    method: 'POST', url: FEEDBACK, payload: feedback('pk-user', 'thumbs_up', Date.now()),
    headers: { authorization: `Bearer ${pk}`, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
  });
  assert.equal((await send('https://chat.example.com')).statusCode, 200);
  assert.equal((await send('https://evil.example.com')).statusCode, 403);
  assert.equal((await send()).statusCode, 403);
  const write = await server.post(V2_INTERACTIONS, interaction('pk-user', 'q', 'a', Date.now()), pk);
  assert.equal(write.status, 403);
  assert.equal(write.body.type, '/problems/forbidden');
});

test('bad key requests name the field', async () => {
  const r = await server.post('/api/v1/keys', { kind: 'admin', origins: ['https://ok.example.com', 'not a url', 'https://x.example.com/path'] });
  assert.equal(r.status, 422);
  const pointers = r.body.errors.map((e: { pointer: string }) => e.pointer);
  assert.ok(pointers.includes('/kind'), JSON.stringify(r.body));
  assert.ok(pointers.includes('/origins/1') && pointers.includes('/origins/2'), JSON.stringify(r.body));
});

test('past the per-key rate limit a key gets 429 problems with Retry-After; another key is unaffected', async () => {
  const limited = await startTestServer({ FEEDLOOP_RATE_LIMIT: '3' });
  try {
    const other = await limited.keys.create('rate-other');
    const statuses = [];
    for (let k = 0; k < 5; k++) statuses.push((await limited.get('/api/v1/feedback/none')).status);
    assert.deepEqual(statuses, [404, 404, 404, 429, 429]);
    const res = await limited.get('/api/v1/feedback/none');
    assert.equal(res.body.type, '/problems/rate_limited');
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.ok(Number(res.headers['retry-after']) >= 1, JSON.stringify(res.headers));
    assert.equal((await limited.get('/api/v1/feedback/none', other.key)).status, 404);
  } finally {
    await limited.destroy();
  }
});
