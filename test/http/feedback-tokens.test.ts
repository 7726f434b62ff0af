// Feedback tokens (POST /api/v1/feedback-tokens, core/feedback-token.ts): a publishable key that
// requires them refuses events without a valid one, with a 401 that names why; tokens minted
// offline with the exported helper are the same tokens.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { mintFeedbackToken } from '../../src/core/feedback-token.js';
import { FEEDBACK, feedback, startTestServer, type TestServer } from '../support/app.js';

const ORIGIN = 'https://chat.example.com';
const BATCH = '/api/v1/feedback/batch';
let server: TestServer;
let strict: string;
let lax: string;
before(async () => {
  server = await startTestServer();
  const created = await server.post('/api/v1/keys', { kind: 'publishable', origins: [ORIGIN], require_token: true });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.require_token, true);
  strict = created.body.key;
  lax = (await server.post('/api/v1/keys', { kind: 'publishable', origins: [ORIGIN] })).body.key;
});
after(async () => { await server.destroy(); });

const mint = (body: Record<string, unknown>, key = server.key) => server.post('/api/v1/feedback-tokens', body, key);

/** The single endpoint with a publishable key from its origin. */
const single = (key: string, body: unknown) => server.app.inject({
  method: 'POST', url: FEEDBACK, payload: body as object,
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', origin: ORIGIN },
});
/** The text/plain batch, as the browser library sends it. */
const batch = (body: Record<string, unknown>) => server.app.inject({
  method: 'POST', url: BATCH, payload: JSON.stringify(body), headers: { 'content-type': 'text/plain', origin: ORIGIN },
});

describe('minting', () => {
  test('a secret key mints a token for one end user with an expiry; a publishable key may not', async () => {
    const before = Date.now();
    const res = await mint({ end_user: 'alice', expires_in: 600 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.end_user, 'alice');
    assert.equal(res.body.interaction_id, null);
    const expiresAt = Date.parse(res.body.expires_at);
    assert.ok(expiresAt > before + 590_000 && expiresAt <= Date.now() + 600_000, res.body.expires_at);
    const [header, payload] = (res.body.token as string).split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.exp * 1000, expiresAt);
    assert.equal((await mint({ end_user: 'alice' }, strict)).status, 403);
  });

  test('bad requests name the field', async () => {
    const res = await mint({ end_user: '', expires_in: 10 ** 9 });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/end_user', '/expires_in']);
  });
});

describe('a key that requires tokens', () => {
  test('stores an event whose token is for its end user, on the single endpoint and in a batch', async () => {
    const token = (await mint({ end_user: 'bob' })).body.token;
    const ok = await single(strict, { ...feedback('bob', 'thumbs_up', Date.now()), metadata: { ...feedback('bob', 'thumbs_up', Date.now()).metadata, feedback_token: token } });
    assert.equal(ok.statusCode, 200, ok.body);
    const res = await batch({ key: strict, token, events: [feedback('bob', 'thumbs_up', Date.now()), feedback('bob', 'rating', Date.now(), {}, { value: 4 })] });
    assert.equal(res.statusCode, 200, res.body);
    for (const r of res.json().results) assert.equal(typeof r.id, 'string', JSON.stringify(r));
  });

  test('refuses with 401 naming why: missing, expired, wrong user, wrong interaction, bad signature', async () => {
    const forCarol = (await mint({ end_user: 'carol' })).body.token as string;
    const forInteraction = (await mint({ end_user: 'carol', interaction_id: 'i-1' })).body.token as string;
    const expired = mintFeedbackToken({ secretKey: server.key, endUser: 'carol', expiresIn: 60, now: Date.now() - 120_000 });
    const otherProject = (await server.keys.create(`tokens-${randomUUID()}`)).key;
    const foreign = mintFeedbackToken({ secretKey: otherProject, endUser: 'carol' });
    const [h, , s] = forCarol.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'carol', exp: 4102444800 })).toString('base64url')}.${s}`;
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${forCarol.split('.')[1]}.`;
    const cases: [string | null, string, Record<string, unknown>, string][] = [
      [null, 'carol', {}, 'token_missing'],
      [expired, 'carol', {}, 'token_expired'],
      [forCarol, 'dave', {}, 'token_wrong_user'],
      [forInteraction, 'carol', { interaction_id: 'i-2' }, 'token_wrong_interaction'],
      [forInteraction, 'carol', {}, 'token_wrong_interaction'],
      [foreign, 'carol', {}, 'token_bad_signature'],
      [tampered, 'carol', {}, 'token_bad_signature'],
      [none, 'carol', {}, 'token_bad_signature'],
      ['not-a-token', 'carol', {}, 'token_bad_signature'],
    ];
    const events = cases.map(([token, endUser, metadata]) => feedback(endUser, 'thumbs_up', Date.now(), token ? { ...metadata, feedback_token: token } : metadata));
    const res = await batch({ key: strict, events });
    assert.equal(res.statusCode, 200, res.body);
    res.json().results.forEach((r: { status: number; type: string }, k: number) => {
      assert.equal(r.status, 401, `case ${k}: ${JSON.stringify(r)}`);
      assert.equal(r.type, `/problems/${cases[k]![3]}`, `case ${k}`);
    });
    for (const [k, event] of events.entries()) {
      const one = await single(strict, event);
      assert.equal(one.statusCode, 401, `single, case ${k}`);
      assert.equal(one.json().type, `/problems/${cases[k]![3]}`);
    }
    const right = await batch({ key: strict, events: [feedback('carol', 'thumbs_up', Date.now(), { interaction_id: 'i-1', feedback_token: forInteraction })] });
    assert.equal(typeof right.json().results[0].id, 'string', right.body);
  });

  test("an event's own token wins over the batch's; a key that requires none ignores tokens", async () => {
    const forErin = (await mint({ end_user: 'erin' })).body.token;
    const forFrank = (await mint({ end_user: 'frank' })).body.token;
    const res = await batch({ key: strict, token: forErin, events: [feedback('erin', 'thumbs_up', Date.now()), feedback('frank', 'thumbs_up', Date.now(), { feedback_token: forFrank }), feedback('frank', 'thumbs_up', Date.now())] });
    const [a, b, c] = res.json().results;
    assert.equal(typeof a.id, 'string');
    assert.equal(typeof b.id, 'string');
    assert.equal(c.type, '/problems/token_wrong_user');
    const laxRes = await batch({ key: lax, token: 'garbage', events: [feedback('anyone', 'thumbs_up', Date.now())] });
    assert.equal(typeof laxRes.json().results[0].id, 'string');
  });

  test('a token minted offline with the helper is accepted; revoking its secret key invalidates it', async () => {
    const created = await server.post('/api/v1/keys', { kind: 'secret', name: 'backend' });
    const offline = mintFeedbackToken({ secretKey: created.body.key, endUser: 'gina', expiresIn: 300 });
    const ok = await batch({ key: strict, token: offline, events: [feedback('gina', 'thumbs_up', Date.now())] });
    assert.equal(typeof ok.json().results[0].id, 'string', ok.body);
    await server.app.inject({ method: 'DELETE', url: `/api/v1/keys/${created.body.id}`, headers: { authorization: `Bearer ${server.key}` } });
    const refused = await batch({ key: strict, token: offline, events: [feedback('gina', 'thumbs_up', Date.now())] });
    assert.equal(refused.json().results[0].type, '/problems/token_bad_signature');
  });

  test('only publishable keys can require tokens; listings show the attribute', async () => {
    const bad = await server.post('/api/v1/keys', { kind: 'secret', require_token: true });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.errors.map((e: { pointer: string }) => e.pointer), ['/require_token']);
    const listed = (await server.get('/api/v1/keys')).body.items;
    assert.ok(listed.some((k: { require_token: boolean; kind: string }) => k.kind === 'publishable' && k.require_token === true));
    assert.ok(listed.every((k: { require_token: unknown }) => typeof k.require_token === 'boolean'));
  });
});
