// POST /event-ingestion/api/v1/events/feedback (API.md "compat: POST .../feedback") and the read
// of one feedback: envelopes, validation as problem details, auth, idempotency, the link rules as
// seen in the response, and project isolation. A real server on a real SQLite file, in-process.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { FEEDBACK, feedback, interaction, startTestServer, V2_INTERACTIONS, type TestServer, assertProblem } from '../support/app.js';

const SLUGS = ['thumbs_up', 'thumbs_down', 'copy_input', 'copy_output', 'paste', 'rating', 'comment', 'regenerate', 'edit'];
const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const user = () => `user-${randomUUID()}`;


let server: TestServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server.destroy(); });

/** Stores an interaction (anonymize off) and returns its id. */
async function storeInteraction(endUser: string, input: string, output: string, at: number, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await server.post(V2_INTERACTIONS, interaction(endUser, input, output, at, extra));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id as string;
}

async function feedbackOf(interactionId: string, key = server.key): Promise<any[]> {
  const res = await server.get(`/api/v1/interactions/${interactionId}`, key);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.feedback;
}

describe('envelopes and slugs', () => {
  test('accepts every one of the nine slugs', async () => {
    const u = user();
    for (const slug of SLUGS) {
      const res = await server.post(FEEDBACK, feedback(u, slug, T0, {}, slug === 'rating' ? { value: 4 } : { text: 'some text' }));
      assert.equal(res.status, 200, `${slug}: ${JSON.stringify(res.body)}`);
      const read = await server.get(`/api/v1/feedback/${res.body.id}`);
      assert.equal(read.body.slug, slug);
    }
  });

  test('accepts the older `action` envelope the Node SDK sends', async () => {
    const u = user();
    const res = await server.post(FEEDBACK, { action: { slug: 'thumbs_down', text: 'wrong' }, metadata: { end_user: u, timestamp: iso(T0) } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const read = await server.get(`/api/v1/feedback/${res.body.id}`);
    assert.equal(read.body.slug, 'thumbs_down');
    assert.equal(read.body.text, 'wrong');
  });

  test('rejects a body with both `feedback` and `action`, naming the pointer', async () => {
    const res = await server.post(FEEDBACK, {
      feedback: { slug: 'thumbs_up' }, action: { slug: 'thumbs_up' }, metadata: { end_user: user(), timestamp: iso(T0) },
    });
    assertProblem(res, 422, ['/action']);
  });

  test('rejects a body with neither `feedback` nor `action`, naming the pointer', async () => {
    const res = await server.post(FEEDBACK, { metadata: { end_user: user(), timestamp: iso(T0) } });
    assertProblem(res, 422, ['/feedback']);
  });

  test('rejects an unknown slug with a detail that lists the accepted slugs', async () => {
    const res = await server.post(FEEDBACK, feedback(user(), 'love_it', T0));
    assertProblem(res, 422, ['/feedback/slug']);
    const detail = res.body.errors[0].detail as string;
    for (const slug of SLUGS) assert.ok(detail.includes(slug), `detail should list ${slug}: ${detail}`);
  });

  test('accepts unknown extra fields and nulls as the Node SDK sends them', async () => {
    const res = await server.post(FEEDBACK, {
      action: { slug: 'thumbs_up', text: null, extra_thing: 1 },
      metadata: { end_user: user(), end_user_group_profile: null, timestamp: iso(T0), input: null, output: null, anonymize: true, something_new: 'x' },
      client: 'old',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'pending');
  });
});

describe('rating values', () => {
  test('accepts integer ratings from 1 to 5', async () => {
    for (const value of [1, 5]) {
      const res = await server.post(FEEDBACK, feedback(user(), 'rating', T0, {}, { value }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await server.get(`/api/v1/feedback/${res.body.id}`)).body.value, value);
    }
  });

  for (const [label, value] of [['0', 0], ['6', 6], ['7', 7], ['2.5', 2.5], ['the string "5"', '5'], ['missing', undefined]] as const) {
    test(`rejects a rating of ${label} at /feedback/value`, async () => {
      const res = await server.post(FEEDBACK, feedback(user(), 'rating', T0, {}, value === undefined ? {} : { value }));
      assertProblem(res, 422, ['/feedback/value']);
    });
  }

  test('ignores value for slugs other than rating', async () => {
    const res = await server.post(FEEDBACK, feedback(user(), 'thumbs_up', T0, {}, { value: 42 }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await server.get(`/api/v1/feedback/${res.body.id}`)).body.value, null);
  });
});

describe('validation errors', () => {
  test('rejects a missing end_user at /metadata/end_user', async () => {
    const res = await server.post(FEEDBACK, { feedback: { slug: 'thumbs_up' }, metadata: { timestamp: iso(T0) } });
    assertProblem(res, 422, ['/metadata/end_user']);
  });

  test('rejects an unparsable timestamp at /metadata/timestamp', async () => {
    for (const timestamp of ['yesterday', '2024-13-01T00:00:00Z', '2024-02-31T10:00:00Z', '']) {
      const res = await server.post(FEEDBACK, { feedback: { slug: 'thumbs_up' }, metadata: { end_user: user(), timestamp } });
      assertProblem(res, 422, ['/metadata/timestamp']);
    }
  });

  test('lists every bad field of one request at once', async () => {
    const res = await server.post(FEEDBACK, {
      feedback: { slug: 'rating', value: 9, text: 3 },
      metadata: { end_user: 5, timestamp: 'not a time', anonymize: 'yes' },
    });
    assertProblem(res, 422, ['/feedback/value', '/feedback/text', '/metadata/end_user', '/metadata/timestamp', '/metadata/anonymize']);
  });

  test('lists a missing end_user together with a wrong type and an unknown slug', async () => {
    const res = await server.post(FEEDBACK, { feedback: { slug: 'meh', text: 3 }, metadata: { timestamp: iso(T0) } });
    assertProblem(res, 422, ['/feedback/slug', '/feedback/text', '/metadata/end_user']);
  });

  test('answers a body that is not JSON with 400', async () => {
    assertProblem(await server.post(FEEDBACK, '{"feedback": {"slug": "thumbs_up"'), 400);
    assertProblem(await server.post(FEEDBACK, 'not json at all'), 400);
  });

  test('answers a body that is not a JSON object with 422 or 400', async () => {
    const res = await server.post(FEEDBACK, '[1, 2, 3]');
    assert.ok(res.status === 422 || res.status === 400, String(res.status));
    assertProblem(res, res.status);
  });

  for (const [label, contentType, payload] of [
    ['text/plain', 'text/plain', JSON.stringify(feedback('u', 'thumbs_up', T0))],
    ['a form', 'application/x-www-form-urlencoded', 'feedback[slug]=thumbs_up&metadata[end_user]=u'],
  ] as const) {
    test(`answers ${label} with 415`, async () => {
      const response = await server.app.inject({
        method: 'POST', url: FEEDBACK, payload, headers: { authorization: `Bearer ${server.key}`, 'content-type': contentType },
      });
      assertProblem({ status: response.statusCode, body: response.json(), headers: response.headers as Record<string, unknown> }, 415);
    });
  }

  test('answers a body over FEEDLOOP_BODY_LIMIT_SMALL (the feedback class) with 413', async () => {
    const small = await startTestServer({ FEEDLOOP_BODY_LIMIT_SMALL: '2048' });
    try {
      const res = await small.post(FEEDBACK, feedback(user(), 'comment', T0, {}, { text: 'x'.repeat(5000) }));
      assertProblem(res, 413);
      const ok = await small.post(FEEDBACK, feedback(user(), 'comment', T0, {}, { text: 'fits' }));
      assert.equal(ok.status, 200);
    } finally {
      await small.destroy();
    }
  });

  test('stores nothing for a rejected request', async () => {
    const u = user();
    const id = await storeInteraction(u, 'What is 2+2?', 'It is 4.', T0);
    const bad = await server.post(FEEDBACK, feedback(u, 'rating', T0 + 1000, { input: 'What is 2+2?', output: 'It is 4.', event_id: 'evt-rejected' }, { value: 11 }));
    assertProblem(bad, 422, ['/feedback/value']);
    assert.deepEqual(await feedbackOf(id), []);
    // The event id of a rejected request was not taken: the corrected retry stores a new feedback.
    const good = await server.post(FEEDBACK, feedback(u, 'rating', T0 + 1000, { input: 'What is 2+2?', output: 'It is 4.', event_id: 'evt-rejected' }, { value: 5 }));
    assert.equal(good.status, 200);
    assert.equal(good.body.interaction_id, id);
    assert.equal((await feedbackOf(id)).length, 1);
  });
});

describe('authentication', () => {
  test('answers a missing key with 401', async () => {
    const response = await server.app.inject({
      method: 'POST', url: FEEDBACK, payload: feedback(user(), 'thumbs_up', T0), headers: { 'content-type': 'application/json' },
    });
    assertProblem({ status: response.statusCode, body: response.json(), headers: response.headers as Record<string, unknown> }, 401);
  });

  test('answers an unknown key with 401', async () => {
    assertProblem(await server.post(FEEDBACK, feedback(user(), 'thumbs_up', T0), 'fl_sk_not_a_real_key'), 401);
  });

  test('answers a revoked key with 401', async () => {
    const { key, record } = await server.keys.create('default', { name: 'to revoke' });
    assert.equal((await server.post(FEEDBACK, feedback(user(), 'thumbs_up', T0), key)).status, 200);
    assert.ok(await server.keys.revoke(record.id, null));
    assertProblem(await server.post(FEEDBACK, feedback(user(), 'thumbs_up', T0), key), 401);
  });
});

describe('idempotency', () => {
  test('a retry with the same metadata.event_id returns the same id and stores one feedback', async () => {
    const u = user();
    const id = await storeInteraction(u, 'hello', 'hi there', T0);
    const eventId = `evt-${randomUUID()}`;
    const body = feedback(u, 'thumbs_up', T0 + 5000, { input: 'hello', output: 'hi there', event_id: eventId });
    const first = await server.post(FEEDBACK, body);
    const second = await server.post(FEEDBACK, body);
    assert.equal(first.status, 200);
    assert.deepEqual(second.body, first.body);
    assert.equal((await feedbackOf(id)).length, 1);
    assert.equal((await server.get(`/api/v1/feedback/${first.body.id}`)).body.event_id, eventId);
  });

  test('concurrent retries with one event_id store one feedback', async () => {
    const u = user();
    const id = await storeInteraction(u, 'ping', 'pong', T0);
    const body = feedback(u, 'thumbs_up', T0 + 5000, { input: 'ping', output: 'pong', event_id: `evt-${randomUUID()}` });
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => server.post(FEEDBACK, body)));
    assert.equal(new Set(answers.map((a) => a.body.id)).size, 1);
    assert.equal((await feedbackOf(id)).length, 1);
  });
});

describe('the response names the link', () => {
  const keys = ['id', 'status', 'interaction_id', 'link', 'flags'];

  test('exact: input and output both match', async () => {
    const u = user();
    const id = await storeInteraction(u, 'Translate: cat', 'chat', T0);
    const res = await server.post(FEEDBACK, feedback(u, 'thumbs_up', T0 + 1000, { input: 'Translate: cat', output: 'chat' }));
    assert.deepEqual(Object.keys(res.body).sort(), [...keys].sort());
    assert.equal(typeof res.body.id, 'string');
    assert.deepEqual({ ...res.body, id: 'x' }, { id: 'x', status: 'linked', interaction_id: id, link: 'exact', flags: [] });
  });

  test('input: only the input matches', async () => {
    const u = user();
    await storeInteraction(u, 'first question', 'first answer', T0);
    const id = await storeInteraction(u, 'second question', 'second answer', T0 + 60_000);
    const res = await server.post(FEEDBACK, feedback(u, 'thumbs_down', T0 + 120_000, { input: 'second  question ' }));
    assert.deepEqual({ ...res.body, id: 'x' }, { id: 'x', status: 'linked', interaction_id: id, link: 'input', flags: [] });
  });

  test('output: only the output matches', async () => {
    const u = user();
    const id = await storeInteraction(u, 'q1', 'answer one', T0);
    await storeInteraction(u, 'q2', 'answer two', T0 + 60_000);
    const res = await server.post(FEEDBACK, feedback(u, 'thumbs_up', T0 + 120_000, { output: 'answer one' }));
    assert.deepEqual({ ...res.body, id: 'x' }, { id: 'x', status: 'linked', interaction_id: id, link: 'output', flags: [] });
  });

  test('time: neither content nor id, the latest interaction ended by the timestamp', async () => {
    const u = user();
    await storeInteraction(u, 'q1', 'a1', T0);
    const id = await storeInteraction(u, 'q2', 'a2', T0 + 60_000);
    await storeInteraction(u, 'q3', 'a3', T0 + 3_600_000);
    const res = await server.post(FEEDBACK, feedback(u, 'regenerate', T0 + 90_000));
    assert.deepEqual({ ...res.body, id: 'x' }, { id: 'x', status: 'linked', interaction_id: id, link: 'time', flags: [] });
  });

  test('copied_text: a copy_output whose text is part of an earlier output', async () => {
    const u = user();
    const id = await storeInteraction(u, 'give me code', 'Here it is:\nconst x = 42;\nDone.', T0);
    await storeInteraction(u, 'thanks', 'You are welcome.', T0 + 60_000);
    const res = await server.post(FEEDBACK, feedback(u, 'copy_output', T0 + 120_000, {}, { text: 'const x = 42;' }));
    assert.deepEqual({ ...res.body, id: 'x' }, { id: 'x', status: 'linked', interaction_id: id, link: 'copied_text', flags: [] });
  });

  test('id: metadata.interaction_id names the interaction', async () => {
    const u = user();
    const id = await storeInteraction(u, 'q1', 'a1', T0);
    await storeInteraction(u, 'q2', 'a2', T0 + 60_000);
    const res = await server.post(FEEDBACK, feedback(u, 'edit', T0 + 120_000, { interaction_id: id }));
    assert.deepEqual({ ...res.body, id: 'x' }, { id: 'x', status: 'linked', interaction_id: id, link: 'id', flags: [] });
  });

  test('pending: nothing of this end user matches yet', async () => {
    const res = await server.post(FEEDBACK, feedback(user(), 'thumbs_up', T0, { input: 'never sent' }));
    assert.deepEqual({ ...res.body, id: 'x' }, { id: 'x', status: 'pending', interaction_id: null, link: null, flags: [] });
  });

  test('flags timestamp_before_interaction_end when content matches but the clock says earlier', async () => {
    const u = user();
    const id = await storeInteraction(u, 'slow question', 'slow answer', T0);
    const res = await server.post(FEEDBACK, feedback(u, 'thumbs_up', T0 - 600_000, { input: 'slow question', output: 'slow answer' }));
    assert.equal(res.body.interaction_id, id);
    assert.equal(res.body.link, 'exact');
    assert.deepEqual(res.body.flags, ['timestamp_before_interaction_end']);
  });

  test('flags clock_skew when the only interaction ends shortly after the timestamp', async () => {
    const u = user();
    const id = await storeInteraction(u, 'q', 'a', T0);
    const res = await server.post(FEEDBACK, feedback(u, 'thumbs_up', T0 - 30_000));
    assert.equal(res.body.interaction_id, id);
    assert.equal(res.body.link, 'time');
    assert.deepEqual(res.body.flags, ['clock_skew']);
  });
});

describe('links made after the response', () => {
  test('pending feedback links when its interaction arrives later', async () => {
    const u = user();
    const res = await server.post(FEEDBACK, feedback(u, 'thumbs_down', T0 + 5000, { input: 'late question', output: 'late answer' }));
    assert.equal(res.body.status, 'pending');
    const id = await storeInteraction(u, 'late question', 'late answer', T0);
    const f = (await server.get(`/api/v1/feedback/${res.body.id}`)).body;
    assert.equal(f.status, 'linked');
    assert.equal(f.link, 'exact');
    assert.equal(f.interaction_id, id);
    assert.deepEqual((await feedbackOf(id)).map((x) => x.id), [res.body.id]);
  });

  test('a time link moves to an interaction that arrives later and ended closer before the timestamp', async () => {
    const u = user();
    const early = await storeInteraction(u, 'q1', 'a1', T0);
    const res = await server.post(FEEDBACK, feedback(u, 'thumbs_up', T0 + 10 * 60_000));
    assert.equal(res.body.interaction_id, early);
    assert.equal(res.body.link, 'time');
    const later = await storeInteraction(u, 'q2', 'a2', T0 + 5 * 60_000);
    const f = (await server.get(`/api/v1/feedback/${res.body.id}`)).body;
    assert.equal(f.interaction_id, later);
    assert.equal(f.link, 'time');
    assert.deepEqual(await feedbackOf(early), []);
  });

  test('a content link stays when a later interaction arrives', async () => {
    const u = user();
    const first = await storeInteraction(u, 'q1', 'a1', T0);
    const res = await server.post(FEEDBACK, feedback(u, 'thumbs_up', T0 + 10 * 60_000, { output: 'a1' }));
    assert.equal(res.body.interaction_id, first);
    await storeInteraction(u, 'q2', 'a2', T0 + 5 * 60_000);
    assert.equal((await server.get(`/api/v1/feedback/${res.body.id}`)).body.interaction_id, first);
  });
});

describe('GET /api/v1/feedback/{id}', () => {
  test('has the shape of API.md', async () => {
    const u = user();
    const interactionId = await storeInteraction(u, 'rate me', 'ok', T0);
    const eventId = `evt-${randomUUID()}`;
    const res = await server.post(FEEDBACK, feedback(u, 'rating', T0 + 1000, { input: 'rate me', event_id: eventId }, { value: 3, text: 'fine' }));
    const read = await server.get(`/api/v1/feedback/${res.body.id}`);
    assert.equal(read.status, 200);
    assert.match(String(read.headers['content-type']), /^application\/json/);
    const f = read.body;
    for (const key of ['id', 'slug', 'text', 'value', 'end_user', 'timestamp', 'status', 'link', 'interaction_id', 'event_id', 'pii_removed', 'pii']) {
      assert.ok(key in f, `missing ${key}`);
    }
    assert.equal(f.id, res.body.id);
    assert.equal(f.slug, 'rating');
    assert.equal(f.text, 'fine');
    assert.equal(f.value, 3);
    assert.equal(f.end_user, u);
    assert.equal(f.timestamp, iso(T0 + 1000));
    assert.equal(f.status, 'linked');
    assert.equal(f.link, 'input');
    assert.equal(f.interaction_id, interactionId);
    assert.equal(f.event_id, eventId);
    assert.equal(f.pii_removed, false);
    assert.deepEqual(f.pii, {});
  });

  test('keeps text without PII unchanged under anonymize: true', async () => {
    const res = await server.post(FEEDBACK, feedback(user(), 'comment', T0, { anonymize: true }, { text: 'The answer was too long.' }));
    const f = (await server.get(`/api/v1/feedback/${res.body.id}`)).body;
    assert.equal(f.text, 'The answer was too long.');
    assert.equal(f.pii_removed, false);
    assert.deepEqual(f.pii, {});
  });

  test('removes PII from text under anonymize: true and counts it', async () => {
    const res = await server.post(FEEDBACK, feedback(user(), 'comment', T0, { anonymize: true }, { text: 'Write to me at jane.doe@example.com please' }));
    const f = (await server.get(`/api/v1/feedback/${res.body.id}`)).body;
    assert.ok(!String(f.text).includes('jane.doe@example.com'), f.text);
    assert.equal(f.pii_removed, true);
    assert.equal(f.pii.EMAIL, 1);
  });

  test('keeps PII in text when anonymize is not set', async () => {
    const res = await server.post(FEEDBACK, feedback(user(), 'comment', T0, {}, { text: 'mail jane.doe@example.com' }));
    const f = (await server.get(`/api/v1/feedback/${res.body.id}`)).body;
    assert.equal(f.text, 'mail jane.doe@example.com');
    assert.equal(f.pii_removed, false);
  });

  test('answers an unknown id with a 404 problem', async () => {
    assertProblem(await server.get('/api/v1/feedback/does-not-exist'), 404);
  });
});

describe('project isolation', () => {
  test("another project's key cannot read this project's feedback or interaction", async () => {
    const other = await server.keys.create('other');
    const u = user();
    const interactionId = await storeInteraction(u, 'secret question', 'secret answer', T0);
    const res = await server.post(FEEDBACK, feedback(u, 'thumbs_up', T0 + 1000, { input: 'secret question' }));
    assertProblem(await server.get(`/api/v1/feedback/${res.body.id}`, other.key), 404);
    assertProblem(await server.get(`/api/v1/interactions/${interactionId}`, other.key), 404);
    assert.equal((await server.get(`/api/v1/feedback/${res.body.id}`)).status, 200);
  });

  test("feedback sent with another project's key never links to this project's interactions", async () => {
    const other = await server.keys.create('other');
    const u = user();
    const interactionId = await storeInteraction(u, 'shared words', 'shared reply', T0);
    for (const [meta, slug] of [
      [{ input: 'shared words', output: 'shared reply' }, 'thumbs_up'],
      [{ interaction_id: interactionId }, 'thumbs_down'],
      [{}, 'regenerate'],
    ] as const) {
      const res = await server.post(FEEDBACK, feedback(u, slug, T0 + 1000, meta), other.key);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, 'pending', `${slug}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.interaction_id, null);
      assert.equal((await server.get(`/api/v1/feedback/${res.body.id}`, other.key)).status, 200);
    }
    assert.deepEqual(await feedbackOf(interactionId), []);
  });
});
