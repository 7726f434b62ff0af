// POST /api/v1/feedback/batch (API.md "More endpoints"): one result per event in order, each the
// single endpoint's answer; valid events stored beside invalid ones, in one transaction; the
// text/plain form with the key inside; the client's send time correcting a wrong clock.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { StorageTransaction } from '../../src/storage/port.js';
import { FEEDBACK, V2_INTERACTIONS, feedback, interaction, startTestServer, type TestServer } from '../support/app.js';

const BATCH = '/api/v1/feedback/batch';
const user = () => `batch-${randomUUID()}`;

let server: TestServer;
let pk: string;
const ORIGIN = 'https://chat.example.com';
before(async () => {
  server = await startTestServer();
  pk = (await server.post('/api/v1/keys', { kind: 'publishable', origins: [ORIGIN] })).body.key;
});
after(async () => { await server.destroy(); });

async function storeInteraction(endUser: string, output: string, at: number): Promise<string> {
  const res = await server.post(V2_INTERACTIONS, interaction(endUser, `question for ${output}`, output, at));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id;
}

/** Counts the storage transactions begun while `work` runs (the executor's group commits). */
async function countTransactions<T>(work: () => Promise<T>): Promise<{ value: T; transactions: number }> {
  const original = server.storage.transaction.bind(server.storage);
  let transactions = 0;
  server.storage.transaction = <R>(fn: (tx: StorageTransaction) => Promise<R>) => { transactions++; return original(fn); };
  try {
    return { value: await work(), transactions };
  } finally {
    server.storage.transaction = original;
  }
}

const plain = (body: unknown, headers: Record<string, string> = {}) => server.app.inject({
  method: 'POST', url: BATCH, payload: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers },
});

describe('results per event', () => {
  test('answers one result per event in order; valid events are stored beside invalid ones', async () => {
    const u = user();
    const now = Date.now();
    const outputId = await storeInteraction(u, 'The answer is 42.', now - 60_000);
    const events = [
      feedback(u, 'thumbs_up', now, { output: 'The answer is 42.' }),
      feedback(u, 'rating', now, {}, { value: 9 }),
      feedback(u, 'comment', now, {}, { text: 'helpful' }),
      'not an object',
      { feedback: { slug: 'love_it' }, metadata: { end_user: u } },
    ];
    const res = await server.post(BATCH, { events });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body.results;
    assert.equal(r.length, 5);
    assert.equal(r[0].status, 'linked');
    assert.equal(r[0].interaction_id, outputId);
    assert.equal(r[0].link, 'output');
    assert.equal(r[1].status, 422);
    assert.equal(r[1].type, '/problems/validation_failed');
    assert.deepEqual(r[1].errors.map((e: { pointer: string }) => e.pointer), ['/feedback/value']);
    assert.equal(typeof r[2].id, 'string');
    assert.equal(r[3].status, 422);
    assert.deepEqual(r[3].errors.map((e: { pointer: string }) => e.pointer), ['']);
    assert.deepEqual(r[4].errors.map((e: { pointer: string }) => e.pointer).sort(), ['/feedback/slug', '/metadata/timestamp']);
    for (const k of [0, 2]) assert.equal((await server.get(`/api/v1/feedback/${r[k].id}`)).status, 200);
    assert.equal((await server.get(`/api/v1/feedback/${r[2].id}`)).body.text, 'helpful');
  });

  test("each event's problem is the single endpoint's problem, and each stored event its response", async () => {
    const u = user();
    const bad = { feedback: { slug: 'rating', value: 0 }, metadata: { end_user: u, timestamp: 'yesterday', input: 5 } };
    const single = await server.post(FEEDBACK, bad);
    const batch = await server.post(BATCH, { events: [bad] });
    const { instance, ...withoutInstance } = single.body;
    assert.equal(instance, FEEDBACK);
    assert.deepEqual(batch.body.results[0], withoutInstance);

    const good = feedback(u, 'thumbs_down', Date.now(), { event_id: `e-${randomUUID()}` });
    const first = await server.post(FEEDBACK, good);
    const again = await server.post(BATCH, { events: [good] });
    assert.deepEqual(again.body.results[0], first.body, 'a known event_id answers the stored feedback');
  });

  test('the whole batch is one transaction, also when events need PII removal first', async () => {
    const u = user();
    const events = Array.from({ length: 60 }, (_, k) => feedback(u, k % 2 ? 'comment' : 'thumbs_up', Date.now(),
      { anonymize: k % 3 === 0, event_id: `group-${u}-${k}` }, { text: `comment ${k} from jane.doe@example.com` }));
    const { value: res, transactions } = await countTransactions(() => server.post(BATCH, { events }));
    assert.equal(res.status, 200);
    assert.ok(res.body.results.every((r: { id?: string }) => typeof r.id === 'string'));
    assert.equal(transactions, 1);
    const anonymized = await server.get(`/api/v1/feedback/${res.body.results[0].id}`);
    assert.equal(anonymized.body.text, 'comment 0 from [EMAIL]');
  });

  test('an event_id twice in one batch, and a resent batch, store one feedback each', async () => {
    const u = user();
    const now = Date.now();
    const id = await storeInteraction(u, 'Twice.', now - 1000);
    const e1 = feedback(u, 'thumbs_up', now, { interaction_id: id, event_id: `dup-${u}-1` });
    const e2 = feedback(u, 'rating', now, { interaction_id: id, event_id: `dup-${u}-2` }, { value: 5 });
    const first = await server.post(BATCH, { events: [e1, e1, e2] });
    assert.equal(first.body.results[0].id, first.body.results[1].id);
    const again = await server.post(BATCH, { events: [e2, e1] });
    assert.deepEqual(again.body.results.map((r: { id: string }) => r.id), [first.body.results[2].id, first.body.results[0].id]);
    const stored = (await server.get(`/api/v1/interactions/${id}`)).body.feedback;
    assert.deepEqual(stored.map((f: { slug: string }) => f.slug).sort(), ['rating', 'thumbs_up']);
  });

  test('at most 500 events; an empty batch is answered empty', async () => {
    const u = user();
    const ok = await server.post(BATCH, { events: Array.from({ length: 500 }, () => feedback(u, 'thumbs_up', Date.now())) });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.results.length, 500);
    const tooMany = await server.post(BATCH, { events: Array.from({ length: 501 }, () => feedback(u, 'thumbs_up', Date.now())) });
    assert.equal(tooMany.status, 422);
    assert.deepEqual(tooMany.body.errors.map((e: { pointer: string }) => e.pointer), ['/events']);
    assert.match(tooMany.body.errors[0].detail, /at most 500/);
    assert.deepEqual((await server.post(BATCH, { events: [] })).body, { results: [], clock_offset_ms: 0 });
    assert.equal((await server.post(BATCH, { events: 'x' })).status, 422);
  });
});

describe('text/plain with the key inside', () => {
  test('a publishable key in a text/plain body, from its origin, stores the events', async () => {
    const u = user();
    const res = await plain({ key: pk, events: [feedback(u, 'thumbs_up', Date.now())] }, { origin: ORIGIN });
    assert.equal(res.statusCode, 200, res.body);
    const id = res.json().results[0].id;
    assert.equal((await server.get(`/api/v1/feedback/${id}`)).body.end_user, u);
  });

  test('the same checks apply: unknown, missing or misplaced keys, other origins, malformed JSON', async () => {
    const events = [feedback(user(), 'thumbs_up', Date.now())];
    const unknown = await plain({ key: 'fl_pk_nope', events }, { origin: ORIGIN });
    assert.equal(unknown.statusCode, 401);
    assert.equal((await plain({ events }, { origin: ORIGIN })).statusCode, 401);
    const foreign = await plain({ key: pk, events }, { origin: 'https://evil.example.com' });
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.json().type, '/problems/forbidden');
    assert.equal((await plain({ key: pk, events })).statusCode, 403, 'no Origin: not an allowed origin');
    const malformed = await plain('{"key": ', { origin: ORIGIN });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().type, '/problems/malformed_json');
  });

  test('text/plain is parsed on the batch endpoint only', async () => {
    const res = await server.app.inject({
      method: 'POST', url: FEEDBACK, payload: JSON.stringify(feedback(user(), 'thumbs_up', Date.now())),
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${server.key}` },
    });
    assert.equal(res.statusCode, 415);
  });

  test('the Authorization header, when sent, is the key (a key in the body is then ignored)', async () => {
    const res = await server.app.inject({
      method: 'POST', url: BATCH, payload: JSON.stringify({ key: 'fl_pk_ignored', events: [feedback(user(), 'thumbs_up', Date.now())] }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.key}` },
    });
    assert.equal(res.statusCode, 200, res.body);
  });
});

describe('clock correction from sent_at', () => {
  test("a client clock an hour slow: timestamps move by the batch's offset, keeping each event's age", async () => {
    const u = user();
    const now = Date.now();
    const id = await storeInteraction(u, 'Slow clock.', now - 10_000);
    const slow = now - 3_600_000;
    const res = await server.post(BATCH, {
      sent_at: new Date(slow).toISOString(),
      events: [feedback(u, 'thumbs_up', slow - 2000), feedback(u, 'comment', slow - 86_400_000, {}, { text: 'a day old' })],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const offset = res.body.clock_offset_ms;
    assert.ok(offset >= 3_600_000 && offset < 3_600_000 + 5000, String(offset));
    // Without correction the thumbs would be an hour before the interaction ended: linked by time, flagged or pending.
    assert.equal(res.body.results[0].interaction_id, id);
    assert.deepEqual(res.body.results[0].flags, []);
    const thumbs = await server.get(`/api/v1/feedback/${res.body.results[0].id}`);
    const stored = Date.parse(thumbs.body.timestamp);
    assert.ok(Math.abs(stored - (now - 2000)) < 5000, thumbs.body.timestamp);
    const comment = await server.get(`/api/v1/feedback/${res.body.results[1].id}`);
    assert.ok(Math.abs(Date.parse(comment.body.timestamp) - (now - 86_400_000)) < 5000, comment.body.timestamp);
  });

  test('a small difference (network delay as likely as clock error) is left alone; a bad sent_at is named', async () => {
    const u = user();
    const at = Date.parse('2024-05-01T12:00:00.000Z');
    const res = await server.post(BATCH, { sent_at: new Date(Date.now() - 500).toISOString(), events: [feedback(u, 'thumbs_up', at)] });
    assert.equal(res.body.clock_offset_ms, 0);
    assert.equal((await server.get(`/api/v1/feedback/${res.body.results[0].id}`)).body.timestamp, '2024-05-01T12:00:00.000Z');
    const bad = await server.post(BATCH, { sent_at: 'now', events: [] });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.errors.map((e: { pointer: string }) => e.pointer), ['/sent_at']);
  });
});
