// Dashboard sessions over HTTP: sign-in with a secret key or the admin password, the cookie's
// attributes, the cookie standing in for a secret key, CSRF checks on state changes, sign-out that
// ends every copy of the cookie, and the ways a session stops working.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Sessions } from '../../src/app/sessions.js';
import { FEEDBACK, feedback, startTestServer, type TestServer } from '../support/app.js';

const PASSWORD = 'correct horse battery staple';
const HOST = 'localhost:80'; // what app.inject sends as Host

let server: TestServer;
before(async () => { server = await startTestServer({ FEEDLOOP_ADMIN_PASSWORD: PASSWORD }); });
after(async () => { await server.destroy(); });

interface Response { status: number; body: any; headers: Record<string, unknown> }

async function request(s: TestServer, method: 'GET' | 'POST' | 'DELETE', url: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  const response = await s.app.inject({
    method, url,
    headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
  let body: unknown = response.body;
  try { body = response.json(); } catch { /* empty or not JSON */ }
  return { status: response.statusCode, body, headers: response.headers as Record<string, unknown> };
}

/** Signs in; returns the Cookie header value, the raw Set-Cookie and the session view. */
async function signIn(s: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(s, 'POST', '/api/v1/session', { body, headers });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const setCookie = String(res.headers['set-cookie']);
  const value = /^feedloop_session=([^;]+)/.exec(setCookie)?.[1];
  assert.ok(value, setCookie);
  return { cookie: `feedloop_session=${value}`, setCookie, session: res.body };
}

const withCookie = (cookie: string, csrf?: string, extra: Record<string, string> = {}) =>
  ({ cookie, ...(csrf === undefined ? {} : { 'x-feedloop-csrf': csrf }), ...extra });

describe('sign-in', () => {
  test('a secret key opens a session: an HttpOnly, SameSite=Strict, expiring cookie, not Secure over plain HTTP', async () => {
    const { setCookie, session } = await signIn(server, { key: server.key });
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Strict/i);
    assert.match(setCookie, /Path=\//);
    assert.match(setCookie, /Max-Age=43200/);
    assert.doesNotMatch(setCookie, /Secure/i);
    assert.doesNotMatch(setCookie, new RegExp(server.key), 'the cookie does not carry the key');
    assert.equal(session.method, 'key');
    assert.equal(session.project.name, 'default');
    assert.equal(typeof session.csrf_token, 'string');
    assert.ok(Date.parse(session.expires_at) > Date.now() + 11 * 3600_000);
  });

  test('the cookie is Secure when a trusted proxy says the request came over TLS, and only then', async () => {
    const proxied = await startTestServer({ FEEDLOOP_TRUST_PROXY: '127.0.0.1' });
    try {
      const secure = await signIn(proxied, { key: proxied.key }, { 'x-forwarded-proto': 'https' });
      assert.match(secure.setCookie, /Secure/);
    } finally {
      await proxied.destroy();
    }
    const untrusted = await signIn(server, { key: server.key }, { 'x-forwarded-proto': 'https' });
    assert.doesNotMatch(untrusted.setCookie, /Secure/, 'X-Forwarded-Proto from an untrusted peer is ignored');
  });

  test('unknown keys, publishable keys and wrong passwords are refused with 401 problems', async () => {
    const publishable = await server.post('/api/v1/keys', { kind: 'publishable', origins: ['https://chat.example.com'] });
    assert.equal(publishable.status, 201, JSON.stringify(publishable.body));
    for (const body of [{ key: 'fl_sk_nope' }, { key: publishable.body.key }, { password: 'not the password' }]) {
      const res = await request(server, 'POST', '/api/v1/session', { body });
      assert.equal(res.status, 401, JSON.stringify(body));
      assert.equal(res.body.type, '/problems/sign_in_failed');
      assert.equal(res.headers['set-cookie'], undefined);
    }
  });

  test('the body names the field it lacks or has too many of', async () => {
    for (const [body, pointer] of [[{}, '/key'], [{ key: 'a', password: 'b' }, '/password'], [{ key: server.key, project: 'x' }, '/project'], [{ key: 5 }, '/key']] as const) {
      const res = await request(server, 'POST', '/api/v1/session', { body });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.ok(res.body.errors.some((e: { pointer: string }) => e.pointer === pointer), JSON.stringify(res.body));
    }
  });

  test('a sign-in sent from another site is refused', async () => {
    const res = await request(server, 'POST', '/api/v1/session', { body: { key: server.key }, headers: { origin: 'https://evil.example' } });
    assert.equal(res.status, 403);
    assert.equal(res.body.type, '/problems/csrf_rejected');
  });

  test('the admin password opens a session on the default project, or on another existing one', async () => {
    const methods = await request(server, 'GET', '/api/v1/session/methods');
    assert.deepEqual(methods.body, { key: true, password: true });
    const admin = await signIn(server, { password: PASSWORD });
    assert.equal(admin.session.method, 'password');
    assert.equal(admin.session.project.name, 'default');
    assert.equal(admin.session.key_id, null);
    // What the admin session creates lands in the default project.
    const created = await request(server, 'POST', '/api/v1/keys', { body: { kind: 'secret', name: 'from admin' }, headers: withCookie(admin.cookie, admin.session.csrf_token) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const listed = await server.get('/api/v1/keys');
    assert.ok(listed.body.items.some((k: { id: string }) => k.id === created.body.id));

    await server.keys.create('shop');
    const shop = await signIn(server, { password: PASSWORD, project: 'shop' });
    assert.equal(shop.session.project.name, 'shop');
    const missing = await request(server, 'POST', '/api/v1/session', { body: { password: PASSWORD, project: 'nowhere' } });
    assert.equal(missing.status, 422);
    assert.equal(missing.body.errors[0].pointer, '/project');
  });

  test('without FEEDLOOP_ADMIN_PASSWORD, password sign-in is off', async () => {
    const plain = await startTestServer();
    try {
      assert.deepEqual((await request(plain, 'GET', '/api/v1/session/methods')).body, { key: true, password: false });
      const res = await request(plain, 'POST', '/api/v1/session', { body: { password: 'anything at all' } });
      assert.equal(res.status, 401);
      assert.match(res.body.detail, /FEEDLOOP_ADMIN_PASSWORD/);
    } finally {
      await plain.destroy();
    }
  });

  test('after 10 failed sign-ins an address waits (429 with Retry-After), even with the right password', async () => {
    const guarded = await startTestServer({ FEEDLOOP_ADMIN_PASSWORD: PASSWORD });
    try {
      for (let k = 0; k < 10; k++) {
        assert.equal((await request(guarded, 'POST', '/api/v1/session', { body: { password: `guess ${k}` } })).status, 401);
      }
      const blocked = await request(guarded, 'POST', '/api/v1/session', { body: { password: PASSWORD } });
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers['retry-after']) >= 1);
    } finally {
      await guarded.destroy();
    }
  });
});

describe('the session cookie', () => {
  test('reads the API as a secret key of its project would, and tells the page who is signed in', async () => {
    const { cookie, session } = await signIn(server, { key: server.key });
    const keys = await request(server, 'GET', '/api/v1/keys', { headers: withCookie(cookie) });
    assert.equal(keys.status, 200);
    assert.deepEqual(keys.body, (await server.get('/api/v1/keys')).body);
    assert.equal((await request(server, 'GET', '/api/v1/feedback/none', { headers: withCookie(cookie) })).status, 404);
    const me = await request(server, 'GET', '/api/v1/session', { headers: withCookie(cookie) });
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, session);
    assert.equal(me.headers['cache-control'], 'no-store');
  });

  test('is not a key for ingestion: feedback endpoints still want a key', async () => {
    const { cookie } = await signIn(server, { key: server.key });
    const res = await request(server, 'POST', FEEDBACK, { body: feedback('u', 'thumbs_up', Date.now()), headers: withCookie(cookie) });
    assert.equal(res.status, 401);
  });

  test('state changes need the CSRF header and, when an Origin is sent, this server as the origin', async () => {
    const { cookie, session } = await signIn(server, { key: server.key });
    const create = (headers: Record<string, string>) => request(server, 'POST', '/api/v1/keys', { body: { kind: 'secret' }, headers });
    const noToken = await create(withCookie(cookie));
    assert.equal(noToken.status, 403);
    assert.equal(noToken.body.type, '/problems/csrf_rejected');
    assert.equal((await create(withCookie(cookie, 'wrong-token'))).status, 403);
    assert.equal((await create(withCookie(cookie, session.csrf_token, { origin: 'https://evil.example' }))).status, 403);
    assert.equal((await create(withCookie(cookie, session.csrf_token, { 'sec-fetch-site': 'cross-site' }))).status, 403);
    assert.equal((await create(withCookie(cookie, session.csrf_token, { origin: `http://${HOST}` }))).status, 201);
    assert.equal((await create(withCookie(cookie, session.csrf_token))).status, 201);
    // Another session's token does not fit this one.
    const other = await signIn(server, { key: server.key });
    assert.notEqual(other.session.csrf_token, session.csrf_token);
    assert.equal((await create(withCookie(cookie, other.session.csrf_token))).status, 403);
  });

  test('a forged or altered cookie opens nothing', async () => {
    const { cookie } = await signIn(server, { key: server.key });
    const [token, signature] = cookie.slice('feedloop_session='.length).split('.');
    for (const bad of [`${token}.${signature!.slice(0, -2)}xx`, `${token}x.${signature}`, token!, 'feedloop']) {
      const res = await request(server, 'GET', '/api/v1/keys', { headers: withCookie(`feedloop_session=${bad}`) });
      assert.equal(res.status, 401, bad);
    }
  });

  test('a Bearer key wins over a cookie that no longer works', async () => {
    const res = await request(server, 'GET', '/api/v1/keys', { headers: { cookie: 'feedloop_session=stale.value', authorization: `Bearer ${server.key}` } });
    assert.equal(res.status, 200);
  });
});

describe('sign-out and expiry', () => {
  test('sign-out ends the session for every copy of the cookie', async () => {
    const { cookie, session } = await signIn(server, { key: server.key });
    const copied = cookie; // e.g. taken from the browser before signing out
    assert.equal((await request(server, 'DELETE', '/api/v1/session', { headers: withCookie(cookie) })).status, 403, 'sign-out needs the CSRF header');
    const out = await request(server, 'DELETE', '/api/v1/session', { headers: withCookie(cookie, session.csrf_token) });
    assert.equal(out.status, 204);
    assert.match(String(out.headers['set-cookie']), /feedloop_session=;.*Expires=Thu, 01 Jan 1970/);
    assert.equal((await request(server, 'GET', '/api/v1/keys', { headers: withCookie(copied) })).status, 401);
    assert.equal((await request(server, 'GET', '/api/v1/session', { headers: withCookie(copied) })).status, 401);
    // Signing out again is harmless.
    assert.equal((await request(server, 'DELETE', '/api/v1/session', { headers: withCookie(copied) })).status, 204);
  });

  test('a session ends when it expires, and when the key it was opened with is revoked', async () => {
    const short = await startTestServer({ FEEDLOOP_SESSION_TTL: '1s' });
    try {
      const { cookie } = await signIn(short, { key: short.key });
      assert.equal((await request(short, 'GET', '/api/v1/keys', { headers: withCookie(cookie) })).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await request(short, 'GET', '/api/v1/keys', { headers: withCookie(cookie) })).status, 401);
    } finally {
      await short.destroy();
    }

    const key = await server.post('/api/v1/keys', { kind: 'secret' });
    const { cookie } = await signIn(server, { key: key.body.key });
    assert.equal((await request(server, 'GET', '/api/v1/keys', { headers: withCookie(cookie) })).status, 200);
    await server.app.inject({ method: 'DELETE', url: `/api/v1/keys/${key.body.id}`, headers: { authorization: `Bearer ${server.key}` } });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the session cache
    assert.equal((await request(server, 'GET', '/api/v1/keys', { headers: withCookie(cookie) })).status, 401);
  });

  test('sessions live in the database: another instance opens the cookie, and sees the sign-out within its cache time', async () => {
    const { cookie, session } = await signIn(server, { key: server.key });
    // A second instance: its own Sessions (and cache) on the same database and installation secret.
    const twin = new Sessions(server.storage, server.keys, await server.storage.installationSecret(), { adminPassword: null, ttlMs: 60_000, cacheMs: 200 });
    const value = cookie.slice('feedloop_session='.length);
    assert.equal((await twin.resolve(value))?.id, (await server.sessions.resolve(value))?.id);
    await request(server, 'DELETE', '/api/v1/session', { headers: withCookie(cookie, session.csrf_token) });
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(await twin.resolve(value), null);
  });
});
