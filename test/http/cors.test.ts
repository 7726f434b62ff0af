// CORS for publishable keys (src/http/cors.ts): preflights answered, exact origins, `*` only when
// asked for, `Vary: Origin`, never credentials; a page may read answers only where its key allows
// its origin; publishable keys on anything but feedback get 403.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { FEEDBACK, feedback, startTestServer, type TestServer } from '../support/app.js';

const ORIGIN = 'https://chat.example.com';
const FOREIGN = 'https://evil.example.com';
let server: TestServer;
let pk: string;
before(async () => {
  server = await startTestServer();
  pk = (await server.post('/api/v1/keys', { kind: 'publishable', origins: [ORIGIN, 'http://localhost:5173'] })).body.key;
});
after(async () => { await server.destroy(); });

const send = (key: string, origin?: string, url = FEEDBACK, method: 'GET' | 'POST' = 'POST') => server.app.inject({
  method, url,
  ...(method === 'POST' ? { payload: feedback(`cors-${randomUUID()}`, 'thumbs_up', Date.now()) } : {}),
  headers: { authorization: `Bearer ${key}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...(origin ? { origin } : {}) },
});
const varyOf = (headers: Record<string, unknown>) => String(headers['vary'] ?? '').split(',').map((v) => v.trim().toLowerCase());

test('a preflight is answered with the methods and headers the API uses, for the asking origin, without credentials', async () => {
  for (const url of ['/api/v1/feedback/batch', FEEDBACK, '/api/v1/feedback/some-id']) {
    const res = await server.app.inject({
      method: 'OPTIONS', url,
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    assert.equal(res.statusCode, 204, url);
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
    assert.match(String(res.headers['access-control-allow-methods']), /POST/);
    assert.match(String(res.headers['access-control-allow-headers']), /authorization/);
    assert.match(String(res.headers['access-control-allow-headers']), /content-type/);
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
    assert.ok(varyOf(res.headers).includes('origin'));
    assert.ok(Number(res.headers['access-control-max-age']) > 0);
  }
  const notApi = await server.app.inject({ method: 'OPTIONS', url: '/healthz', headers: { origin: ORIGIN, 'access-control-request-method': 'GET' } });
  assert.equal(notApi.headers['access-control-allow-origin'], undefined);
});

test('an allowed origin reads the answer; another origin is refused with 403 and cannot read it', async () => {
  const ok = await send(pk, ORIGIN);
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.headers['access-control-allow-origin'], ORIGIN);
  assert.equal(ok.headers['access-control-allow-credentials'], undefined);
  assert.match(String(ok.headers['access-control-expose-headers']), /retry-after/i);
  assert.ok(varyOf(ok.headers).includes('origin'));
  assert.equal((await send(pk, 'http://localhost:5173')).statusCode, 200);

  for (const origin of [FOREIGN, 'https://chat.example.com.evil.example', 'http://chat.example.com', 'null']) {
    const refused = await send(pk, origin);
    assert.equal(refused.statusCode, 403, origin);
    assert.equal(refused.json().detail, 'This publishable key is not valid for this origin');
    assert.equal(refused.headers['access-control-allow-origin'], undefined, origin);
    assert.ok(varyOf(refused.headers).includes('origin'));
  }
  assert.equal((await send(pk)).statusCode, 403, 'no Origin header is not an allowed origin');
});

test('`*` allows any origin only when the key was created with it', async () => {
  const any = (await server.post('/api/v1/keys', { kind: 'publishable', origins: ['*'] })).body;
  assert.deepEqual(any.origins, ['*']);
  const res = await send(any.key, FOREIGN);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['access-control-allow-origin'], FOREIGN);
  assert.equal((await send(any.key)).statusCode, 200);
  const none = await server.post('/api/v1/keys', { kind: 'publishable' });
  assert.equal(none.status, 422);
  assert.deepEqual(none.body.errors.map((e: { pointer: string }) => e.pointer), ['/origins']);
  assert.equal((await server.post('/api/v1/keys', { kind: 'publishable', origins: [] })).status, 422);
});

test('a publishable key on any other endpoint gets 403, readable from its origin', async () => {
  for (const [url, method] of [['/api/v1/feedback/x', 'GET'], ['/api/v1/interactions/x', 'GET'], ['/api/v1/keys', 'GET'],
    ['/event-ingestion/api/v2/events/interactions', 'POST'], ['/api/v1/feedback-tokens', 'POST']] as const) {
    const res = await send(pk, ORIGIN, url, method);
    assert.equal(res.statusCode, 403, url);
    assert.equal(res.json().type, '/problems/forbidden');
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN, url);
  }
});

test('a secret key never gets CORS headers; a refusal before any key is known does', async () => {
  const secret = await send(server.key, ORIGIN);
  assert.equal(secret.statusCode, 200);
  assert.equal(secret.headers['access-control-allow-origin'], undefined);
  assert.ok(varyOf(secret.headers).includes('origin'));
  const unknown = await send('fl_pk_unknown', ORIGIN);
  assert.equal(unknown.statusCode, 401);
  assert.equal(unknown.headers['access-control-allow-origin'], ORIGIN, 'the library must see a 401 to stop retrying');
  const noCors = await send(pk);
  assert.equal(noCors.headers['access-control-allow-origin'], undefined);
});
