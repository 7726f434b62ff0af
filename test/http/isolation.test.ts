// Tenant isolation: project B, with its own secret key, tries every route on project A's data
// (A's ids, end users, conversation ids, keys) and sees and changes nothing of A. The table below
// has one entry per route; a route registered without an entry fails the last test, so a new
// route gets its isolation check with one line here.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  FEEDBACK, OTLP_TRACES, V1_INTERACTIONS, V1_TRACE, V2_CONVERSATION, V2_INTERACTIONS, V2_TAGS, V2_TRACE, feedback, interaction, otlpChat, startTestServer, type TestServer,
} from '../support/app.js';

const T0 = Date.parse('2024-05-06T12:00:00.000Z');
let server: TestServer;
/** Project A: the default project's key; project B: another project's secret key. */
let keyA: string;
let keyB: string;
/** A publishable key of A that requires feedback tokens. */
let publishableA: string;
const a = { interactionId: '', conversationId: 'a-conversation', feedbackId: '', keyId: '', endUser: 'shared-user' };

before(async () => {
  server = await startTestServer();
  keyA = server.key;
  keyB = (await server.keys.create('project-b')).key;
  publishableA = (await server.keys.create('default', { kind: 'publishable', requireToken: true })).key;
  const made = await server.post(V2_INTERACTIONS, interaction(a.endUser, 'a question', 'a answer', T0, { conversation_id: a.conversationId, tags: { team: 'a' } }), keyA);
  assert.equal(made.status, 200);
  a.interactionId = made.body.id;
  const fb = await server.post(FEEDBACK, feedback(a.endUser, 'comment', T0 + 1000, { output: 'a answer', event_id: 'a-event' }, { text: 'a comment' }), keyA);
  assert.equal(fb.body.interaction_id, a.interactionId);
  a.feedbackId = fb.body.id;
  a.keyId = (await server.get('/api/v1/keys', keyA)).body.items.find((k: { kind: string }) => k.kind === 'secret').id;
});
after(async () => { await server.destroy(); });

/** What project A holds, read with A's key: must be the same before and after B's calls. */
async function stateOfA(): Promise<unknown> {
  const i = await server.get(`/api/v1/interactions/${a.interactionId}`, keyA);
  const keys = await server.get('/api/v1/keys', keyA);
  return { interaction: i.body, keys: keys.body.items };
}

/** B's interactions reuse A's id, end user and conversation id (ids are per project), with B's own texts. */
const bodyAboutA = {
  interaction: (extra: Record<string, unknown> = {}) => interaction(a.endUser, 'b question', 'b answer', T0 + 5000, { id: a.interactionId, conversation_id: a.conversationId, ...extra }),
};

/** One check per route ("METHOD url" as registered): B's call, and what B must (not) see. */
const CHECKS: Record<string, () => Promise<void>> = {
  [`POST ${FEEDBACK}`]: async () => {
    const r = await server.post(FEEDBACK, feedback(a.endUser, 'thumbs_up', T0 + 2000, { interaction_id: a.interactionId, event_id: 'a-event', output: 'a answer' }), keyB);
    assert.equal(r.status, 200);
    assert.notEqual(r.body.id, a.feedbackId, "A's event id does not answer A's feedback to B");
    assert.equal(r.body.status, 'pending', "A's interaction is not B's to link to");
  },
  [`POST ${V1_INTERACTIONS}`]: async () => {
    const { messages: _m, ...rest } = bodyAboutA.interaction().interaction;
    const r = await server.post(V1_INTERACTIONS, { interaction: rest, anonymize: false }, keyB);
    assert.equal(r.status, 200);
  },
  [`POST ${V1_TRACE}`]: async () => {
    const { messages: _m, ...rest } = bodyAboutA.interaction().interaction;
    assert.equal((await server.post(V1_TRACE, { interaction: rest, traces: [], anonymize: false }, keyB)).status, 200);
  },
  [`POST ${V2_INTERACTIONS}`]: async () => {
    const r = await server.post(V2_INTERACTIONS, bodyAboutA.interaction(), keyB);
    assert.equal(r.status, 200);
    assert.equal(r.body.id, a.interactionId, 'ids are per project: B may choose the same one');
  },
  [`POST ${V2_TRACE}`]: async () => {
    const { messages: _m, ...rest } = bodyAboutA.interaction().interaction;
    assert.equal((await server.post(V2_TRACE, { interaction: rest, traces: [], anonymize: false }, keyB)).status, 200);
  },
  [`POST ${V2_TRACE.replace('/v2/', '/v3/')}`]: async () => {
    const { messages: _m, ...rest } = bodyAboutA.interaction().interaction;
    assert.equal((await server.post(V2_TRACE.replace('/v2/', '/v3/'), { interaction: rest, traces: [], anonymize: false }, keyB)).status, 200);
  },
  [`POST ${V2_CONVERSATION}`]: async () => {
    const r = await server.post(V2_CONVERSATION, {
      conversation: { conversation_id: a.conversationId, end_user: a.endUser, interactions: [{ input: 'b', output: 'b', time_start: new Date(T0).toISOString(), time_end: new Date(T0 + 1).toISOString() }] },
      anonymize: false,
    }, keyB);
    assert.equal(r.status, 200);
  },
  [`POST ${V2_TAGS}`]: async () => {
    const r = await server.post(V2_TAGS, { tags: { team: 'b' }, metadata: { end_user: a.endUser, timestamp: new Date(T0 - 2000).toISOString(), output: 'a answer' } }, keyB);
    assert.equal(r.status, 200);
    // It may tag B's own interaction of that end user (same client id, another project): A's tags are checked below.
  },
  'GET /api/v1/feedback/:id': async () => {
    assert.equal((await server.get(`/api/v1/feedback/${a.feedbackId}`, keyB)).status, 404);
  },
  'GET /api/v1/interactions/:id': async () => {
    // B made an interaction with A's id above: B reads its own, never A's.
    const r = await server.get(`/api/v1/interactions/${a.interactionId}`, keyB);
    assert.equal(r.status, 200);
    assert.equal(r.body.output, 'b answer');
    assert.ok(r.body.feedback.every((f: { id: string }) => f.id !== a.feedbackId), "A's feedback is not in B's interaction");
  },
  'GET /api/v1/keys': async () => {
    const r = await server.get('/api/v1/keys', keyB);
    assert.ok(r.body.items.every((k: { id: string }) => k.id !== a.keyId));
  },
  'POST /api/v1/keys': async () => {
    const r = await server.post('/api/v1/keys', { kind: 'secret', name: 'made by b' }, keyB);
    assert.equal(r.status, 201);
  },
  'GET /api/v1/feedback': async () => {
    const r = await server.get(`/api/v1/feedback?end_user=${a.endUser}&limit=100`, keyB);
    assert.equal(r.status, 200);
    assert.ok(r.body.items.every((f: { id: string; text: string | null }) => f.id !== a.feedbackId && f.text !== 'a comment'));
  },
  'GET /api/v1/interactions': async () => {
    const r = await server.get(`/api/v1/interactions?end_user=${a.endUser}&limit=100`, keyB);
    assert.equal(r.status, 200);
    assert.ok(r.body.items.every((i: { output: string | null }) => i.output !== 'a answer'));
  },
  'GET /api/v1/conversations/:id': async () => {
    // B stored interactions under A's conversation id: B sees its own conversation, none of A's interactions.
    const r = await server.get(`/api/v1/conversations/${a.conversationId}`, keyB);
    assert.ok(r.status === 200 || r.status === 404, String(r.status));
    if (r.status === 200) assert.ok(r.body.interactions.every((i: { output: string | null }) => i.output !== 'a answer'));
  },
  'GET /api/v1/users/:end_user': async () => {
    const r = await server.get(`/api/v1/users/${a.endUser}`, keyB);
    assert.ok(r.status === 200 || r.status === 404, String(r.status));
    if (r.status === 200) assert.ok(r.body.recent_feedback.every((f: { id: string }) => f.id !== a.feedbackId));
  },
  'GET /api/v1/stats': async () => {
    const r = await server.get('/api/v1/stats?from=2024-05-01T00:00:00Z&to=2024-05-08T00:00:00Z&by=tag:team', keyB);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.groups.every((g: { key: string }) => g.key !== 'a'), "A's tag value is not among B's groups");
  },
  'GET /api/v1/compare': async () => {
    const r = await server.get('/api/v1/compare?by=tag:team&a=a&b=b&from=2024-05-01T00:00:00Z&to=2024-05-08T00:00:00Z', keyB);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.a.interactions, 0, "A's interactions are not counted for B");
  },
  [`POST ${OTLP_TRACES}`]: async () => {
    const r = await server.app.inject({ method: 'POST', url: OTLP_TRACES, payload: JSON.stringify(otlpChat('a'.repeat(31) + '1', a.endUser, 'b q', 'b otlp', T0 + 9000)),
      headers: { authorization: `Bearer ${keyB}`, 'content-type': 'application/json' } });
    assert.equal(r.statusCode, 200, r.body);
  },
  [`POST /otlp${OTLP_TRACES}`]: async () => {
    const r = await server.app.inject({ method: 'POST', url: `/otlp${OTLP_TRACES}`, payload: JSON.stringify(otlpChat('b'.repeat(31) + '2', a.endUser, 'b q', 'b otlp', T0 + 9500)),
      headers: { authorization: `Bearer ${keyB}`, 'content-type': 'application/json' } });
    assert.equal(r.statusCode, 200, r.body);
  },
  'POST /api/v1/feedback/batch': async () => {
    const r = await server.post('/api/v1/feedback/batch', { events: [
      feedback(a.endUser, 'thumbs_down', T0 + 3000, { interaction_id: a.interactionId, event_id: 'a-event' }),
      feedback(a.endUser, 'comment', T0 + 3000, { output: 'a answer' }, { text: 'b batch' }),
    ] }, keyB);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const result of r.body.results) assert.notEqual(result.id, a.feedbackId);
  },
  'POST /api/v1/feedback-tokens': async () => {
    const r = await server.post('/api/v1/feedback-tokens', { end_user: a.endUser }, keyB);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // A token minted with B's secret key does not open A's publishable key that requires tokens.
    const sent = await server.post(FEEDBACK, feedback(a.endUser, 'thumbs_up', T0 + 4000, { feedback_token: r.body.token }), publishableA);
    assert.ok(sent.status >= 400 && sent.status < 500, JSON.stringify(sent.body));
  },
  'DELETE /api/v1/keys/:id': async () => {
    const r = await server.app.inject({ method: 'DELETE', url: `/api/v1/keys/${a.keyId}`, headers: { authorization: `Bearer ${keyB}` } });
    assert.equal(r.statusCode, 404);
  },
  ...Object.fromEntries(['feedback.csv', 'feedback.jsonl', 'interactions.jsonl', 'conversations.jsonl'].map((file) => [`GET /api/v1/export/${file}`, async () => {
    const r = await server.app.inject({ url: `/api/v1/export/${file}`, headers: { authorization: `Bearer ${keyB}` } });
    assert.equal(r.statusCode, 200, r.body);
    for (const text of ['a question', 'a answer', 'a comment']) assert.ok(!r.body.includes(text), `${file} holds A's "${text}"`);
  }])),
  'POST /api/v1/import': async () => {
    // B imports lines of an export naming A's interaction and feedback ids: they become B's own rows.
    const lines = [
      { id: a.interactionId, conversation_id: a.conversationId, end_user: a.endUser, input: 'b imported', output: 'b imported answer',
        time_start: new Date(T0).toISOString(), time_end: new Date(T0 + 1).toISOString(), feedback: [] },
      { id: a.feedbackId, slug: 'thumbs_down', end_user: a.endUser, timestamp: new Date(T0 + 2).toISOString(), status: 'linked', link: 'id', interaction_id: a.interactionId },
    ].map((l) => JSON.stringify(l)).join('\n');
    const r = await server.app.inject({ method: 'POST', url: '/api/v1/import', payload: lines,
      headers: { authorization: `Bearer ${keyB}`, 'content-type': 'application/x-ndjson' } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().failed, 0, r.body);
  },
  'DELETE /api/v1/users/:end_user': async () => {
    // B erases the shared end user in B's project: A's rows of that end user stay.
    const r = await server.app.inject({ method: 'DELETE', url: `/api/v1/users/${a.endUser}`, headers: { authorization: `Bearer ${keyB}` } });
    assert.equal(r.statusCode, 200, r.body);
    assert.ok(r.json().interactions > 0, 'B had rows of its own for that end user');
    assert.equal((await server.get(`/api/v1/feedback/${a.feedbackId}`, keyA)).status, 200);
    // B's interaction with A's id again, for the check after the loop.
    assert.equal((await server.post(V2_INTERACTIONS, { ...bodyAboutA.interaction(), anonymize: false }, keyB)).status, 200);
  },
};

test('project B sees and changes nothing of project A on any route', async () => {
  const before = await stateOfA();
  for (const [route, check] of Object.entries(CHECKS)) {
    await check().catch((error: Error) => { throw new Error(`${route}: ${error.message}`); });
    assert.deepEqual(await stateOfA(), before, `${route} changed what project A holds`);
  }
  // And B's own interaction of the shared end user holds only B's data.
  const mine = await server.get(`/api/v1/interactions/${a.interactionId}`, keyB);
  assert.notEqual(mine.body.tags['team'], 'a');
  assert.ok(mine.body.feedback.every((f: { text: string | null }) => f.text !== 'a comment'));
});

test('a dashboard session of project B (its cookie) reads nothing of project A either', async () => {
  const signIn = await server.app.inject({ method: 'POST', url: '/api/v1/session', payload: { key: keyB } });
  assert.equal(signIn.statusCode, 200, signIn.body);
  const cookie = signIn.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const read = (url: string) => server.app.inject({ url, headers: { cookie } });
  assert.equal((await read(`/api/v1/feedback/${a.feedbackId}`)).statusCode, 404);
  const listed = await read(`/api/v1/interactions?end_user=${a.endUser}`);
  assert.equal(listed.statusCode, 200, listed.body);
  assert.ok(listed.json().items.every((i: { output: string | null }) => i.output !== 'a answer'));
});

test('every route that takes a key has an isolation check above', () => {
  const routes = server.app.routeTable.filter((r) => r.access !== 'public' && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`);
  const missing = routes.filter((r) => !(r in CHECKS));
  assert.deepEqual(missing, [], `add an entry to CHECKS in test/http/isolation.test.ts for: ${missing.join(', ')}`);
});
