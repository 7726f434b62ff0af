// The feedback token format (core/feedback-token.ts): a JWT, HS256, keyed with the SHA-256 digest
// of a secret key. Checked against an independent computation of the same bytes, so that a backend
// using any JWT library mints tokens feedloop accepts.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { mintFeedbackToken, signingKeyOf, verifyFeedbackToken } from '../../src/core/feedback-token.js';

const SECRET = 'fl_sk_example_0123456789abcdefghijklmnopqrstuv';
const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** What the docs tell a backend to do, written out by hand. */
function handMade(payload: object, secret = SECRET, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  const key = createHash('sha256').update(secret).digest();
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

test('the helper mints exactly the documented bytes', () => {
  const token = mintFeedbackToken({ secretKey: SECRET, endUser: 'user-42', interactionId: 'int-7', expiresIn: 900, now: NOW });
  assert.equal(token, handMade({ sub: 'user-42', exp: NOW / 1000 + 900, iat: NOW / 1000, interaction_id: 'int-7' }));
  assert.equal(mintFeedbackToken({ secretKey: SECRET, endUser: 'u', now: NOW }), handMade({ sub: 'u', exp: NOW / 1000 + 3600, iat: NOW / 1000 }));
});

test('a hand-made token with claims in any order and without iat verifies; its claims are read', () => {
  const token = handMade({ exp: NOW / 1000 + 60, interaction_id: 'i', sub: 'someone' });
  assert.deepEqual(verifyFeedbackToken(token, [signingKeyOf(SECRET)], NOW), { ok: true, claims: { endUser: 'someone', interactionId: 'i', expiresAt: NOW + 60_000 } });
});

test('expiry is checked only for authentic tokens; the exp second itself is expired', () => {
  const key = [signingKeyOf(SECRET)];
  const token = handMade({ sub: 'u', exp: NOW / 1000 });
  assert.deepEqual(verifyFeedbackToken(token, key, NOW), { ok: false, reason: 'expired' });
  assert.equal(verifyFeedbackToken(token, key, NOW - 1).ok, true);
  assert.deepEqual(verifyFeedbackToken(handMade({ sub: 'u', exp: NOW / 1000 - 10 }, 'fl_sk_other'), key, NOW), { ok: false, reason: 'bad_signature' });
});

test('any key of the project verifies; other algorithms, missing claims and junk are bad signatures', () => {
  const keys = [signingKeyOf('fl_sk_first'), signingKeyOf(SECRET)];
  assert.equal(verifyFeedbackToken(handMade({ sub: 'u', exp: NOW / 1000 + 1 }), keys, NOW).ok, true);
  const bad = (t: string) => assert.deepEqual(verifyFeedbackToken(t, keys, NOW), { ok: false, reason: 'bad_signature' }, t);
  bad(handMade({ sub: 'u', exp: NOW / 1000 + 1 }, SECRET, { alg: 'HS512', typ: 'JWT' }));
  bad(`${b64('{"alg":"none"}')}.${b64(JSON.stringify({ sub: 'u', exp: NOW / 1000 + 1 }))}.`);
  bad(handMade({ exp: NOW / 1000 + 1 }));
  bad(handMade({ sub: '', exp: NOW / 1000 + 1 }));
  bad(handMade({ sub: 'u', exp: '2030' }));
  bad(handMade({ sub: 'u', exp: NOW / 1000 + 1, interaction_id: 5 }));
  bad('a.b');
  bad('...');
  bad('');
});

test('the helper is exported from the server package as feedloop/feedback-tokens', async () => {
  const specifier = 'feedloop/feedback-tokens'; // resolved at run time through package.json "exports"
  const exported = (await import(specifier)) as typeof import('../../src/core/feedback-token.js');
  assert.equal(exported.mintFeedbackToken({ secretKey: SECRET, endUser: 'u', now: NOW }), mintFeedbackToken({ secretKey: SECRET, endUser: 'u', now: NOW }));
});
