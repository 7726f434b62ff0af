// Linking rules end to end through the write path, on a real SQLite file: skew, several matches,
// time-only, copied text, pending then linked, orphaned, provisional links, isolation, idempotency.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FEEDBACK, V2_CONVERSATION, V2_INTERACTIONS, V2_TAGS, feedback, interaction, startTestServer, type TestServer } from '../support/app.js';

const T = Date.UTC(2024, 4, 1, 12);
const MIN = 60_000;
let server: TestServer;
let userSeq = 0;
const newUser = () => `user-${++userSeq}`;

async function addInteraction(user: string, input: string, output: string, endsAt: number, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await server.post(V2_INTERACTIONS, interaction(user, input, output, endsAt, extra));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.id;
}
async function sendFeedback(user: string, slug: string, at: number, metadata: Record<string, unknown> = {}, action: Record<string, unknown> = {}) {
  const r = await server.post(FEEDBACK, feedback(user, slug, at, metadata, action));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { id: string; status: string; interaction_id: string | null; link: string | null; flags: string[] };
}

before(async () => { server = await startTestServer({ FEEDLOOP_LOOKBACK: '1h' }); });
after(async () => { await server.destroy(); });

describe('content rule', () => {
  test('of several interactions with the same output, the latest that ended by the timestamp wins', async () => {
    const u = newUser();
    await addInteraction(u, 'q', 'Same answer', T - 10 * MIN);
    const latest = await addInteraction(u, 'q', 'Same answer', T - MIN);
    await addInteraction(u, 'q', 'Same answer', T + 5 * MIN);
    await addInteraction(u, 'q', 'Other answer', T - 10);
    const f = await sendFeedback(u, 'thumbs_up', T, { output: 'Same   answer' });
    assert.deepEqual([f.status, f.interaction_id, f.link, f.flags], ['linked', latest, 'output', []]);
  });

  test('both input and output must match; the link says exact', async () => {
    const u = newUser();
    const a = await addInteraction(u, 'question A', 'answer', T - 2 * MIN);
    await addInteraction(u, 'question B', 'answer', T - MIN);
    const f = await sendFeedback(u, 'thumbs_down', T, { input: 'question A', output: 'answer' });
    assert.deepEqual([f.interaction_id, f.link], [a, 'exact']);
    const g = await sendFeedback(u, 'thumbs_down', T, { input: 'question A', output: 'other answer' });
    assert.equal(g.status, 'pending');
  });

  test('content whose interaction ended after the timestamp links to the earliest match, flagged', async () => {
    const u = newUser();
    const early = await addInteraction(u, 'q', 'Later answer', T + 3 * 3600_000);
    await addInteraction(u, 'q', 'Later answer', T + 5 * 3600_000);
    const f = await sendFeedback(u, 'thumbs_up', T, { output: 'Later answer' });
    assert.deepEqual([f.interaction_id, f.flags], [early, ['timestamp_before_interaction_end']]);
  });
});

describe('time rule', () => {
  test('links to the latest interaction of this end user that ended by the timestamp, not another user\'s', async () => {
    const u = newUser();
    await addInteraction(u, 'q1', 'a1', T - 20 * MIN);
    const second = await addInteraction(u, 'q2', 'a2', T - 5 * MIN);
    await addInteraction(newUser(), 'q3', 'a3', T - MIN);
    const f = await sendFeedback(u, 'thumbs_up', T);
    assert.deepEqual([f.status, f.interaction_id, f.link], ['linked', second, 'time']);
  });

  test('an interaction ending within the clock skew after the timestamp links, flagged clock_skew; beyond it, pending', async () => {
    const u = newUser();
    const skewed = await addInteraction(u, 'q', 'a', T + 60_000);
    const f = await sendFeedback(u, 'rating', T, {}, { value: 4 });
    assert.deepEqual([f.interaction_id, f.flags], [skewed, ['clock_skew']]);
    const v = newUser();
    await addInteraction(v, 'q', 'a', T + 200_000);
    assert.equal((await sendFeedback(v, 'thumbs_up', T)).status, 'pending');
  });

  test('interactions older than the look-back window are not linked by time', async () => {
    const u = newUser();
    await addInteraction(u, 'q', 'a', T - 2 * 3600_000);
    assert.equal((await sendFeedback(u, 'thumbs_up', T)).status, 'pending');
  });

  test('a time link is provisional: an interaction arriving later that ended closer to the feedback takes it', async () => {
    const u = newUser();
    await addInteraction(u, 'q1', 'a1', T - 30 * MIN);
    const f = await sendFeedback(u, 'thumbs_up', T);
    const closer = await addInteraction(u, 'q2', 'a2', T - MIN);
    const afterFeedback = await addInteraction(u, 'q3', 'a3', T + 10 * MIN);
    const stored = (await server.get(`/api/v1/feedback/${f.id}`)).body;
    assert.deepEqual([stored.interaction_id, stored.link], [closer, 'time']);
    assert.notEqual(stored.interaction_id, afterFeedback);
  });

  test('content links are final: a later interaction does not move them', async () => {
    const u = newUser();
    const first = await addInteraction(u, 'q', 'exact words', T - 30 * MIN);
    const f = await sendFeedback(u, 'thumbs_up', T, { output: 'exact words' });
    await addInteraction(u, 'q', 'other words', T - MIN);
    assert.equal((await server.get(`/api/v1/feedback/${f.id}`)).body.interaction_id, first);
  });
});

describe('copied text', () => {
  test('copy_output links to the latest interaction whose output contains the copied text', async () => {
    const u = newUser();
    const source = await addInteraction(u, 'how to list files', 'Use `ls -la` to list all files.', T - 3 * MIN);
    await addInteraction(u, 'thanks', 'You are welcome!', T - MIN);
    const f = await sendFeedback(u, 'copy_output', T, {}, { text: 'ls -la' });
    assert.deepEqual([f.interaction_id, f.link], [source, 'copied_text']);
  });
});

describe('pending feedback', () => {
  test('feedback sent before its conversation is uploaded in bulk is linked when the interactions arrive', async () => {
    const u = newUser();
    const byContent = await sendFeedback(u, 'thumbs_up', T, { output: 'second answer' });
    const byTime = await sendFeedback(u, 'thumbs_down', T - 4 * MIN);
    const byId = await sendFeedback(u, 'comment', T, { interaction_id: 'client-chosen-1' }, { text: 'nice' });
    assert.deepEqual([byContent.status, byTime.status, byId.status], ['pending', 'pending', 'pending']);

    const upload = await server.post(V2_CONVERSATION, {
      conversation: {
        end_user: u,
        interactions: [
          { input: 'first', output: 'first answer', time_start: new Date(T - 6 * MIN).toISOString(), time_end: new Date(T - 5 * MIN).toISOString() },
          { id: 'client-chosen-1', input: 'second', output: 'second answer', time_start: new Date(T - 3 * MIN).toISOString(), time_end: new Date(T - 2 * MIN).toISOString() },
        ],
      },
      anonymize: false,
    });
    assert.equal(upload.status, 200, JSON.stringify(upload.body));
    const [first, second] = upload.body.interaction_ids;
    assert.equal(second, 'client-chosen-1');
    const read = async (id: string) => (await server.get(`/api/v1/feedback/${id}`)).body;
    assert.deepEqual([(await read(byContent.id)).interaction_id, (await read(byContent.id)).link], [second, 'output']);
    assert.deepEqual([(await read(byTime.id)).interaction_id, (await read(byTime.id)).status], [first, 'linked']);
    assert.deepEqual([(await read(byId.id)).interaction_id, (await read(byId.id)).link], [second, 'id']);
  });

  test('a tag update for an interaction not yet received is applied when it arrives', async () => {
    const u = newUser();
    const r = await server.post(V2_TAGS, { tags: { plan: 'pro' }, metadata: { end_user: u, timestamp: new Date(T - 2000).toISOString() } });
    assert.deepEqual(r.body, { status: 'pending', interaction_id: null });
    const id = await addInteraction(u, 'q', 'a', T, { tags: { locale: 'it' } });
    assert.deepEqual((await server.get(`/api/v1/interactions/${id}`)).body.tags, { locale: 'it', plan: 'pro' });
  });
});

describe('orphaned feedback', () => {
  test('pending feedback older than the TTL reads as orphaned, is still stored, and can still be linked', async () => {
    const short = await startTestServer({ FEEDLOOP_PENDING_TTL: '1s' });
    try {
      const r = await short.post(FEEDBACK, feedback('lonely', 'thumbs_up', T));
      assert.equal(r.body.status, 'pending');
      await new Promise((resolve) => setTimeout(resolve, 1300));
      assert.equal((await short.get(`/api/v1/feedback/${r.body.id}`)).body.status, 'orphaned');
      await short.post(V2_INTERACTIONS, interaction('lonely', 'q', 'a', T - MIN));
      assert.equal((await short.get(`/api/v1/feedback/${r.body.id}`)).body.status, 'linked');
    } finally {
      await short.destroy();
    }
  });
});

describe('isolation and idempotency', () => {
  test('feedback of another project never links to this project\'s interactions', async () => {
    const u = newUser();
    await addInteraction(u, 'q', 'shared words', T - MIN);
    const other = await server.keys.create(`other-${u}`);
    const r = await server.post(FEEDBACK, feedback(u, 'thumbs_up', T, { output: 'shared words' }), other.key);
    assert.equal(r.body.status, 'pending');
    const t = await server.post(FEEDBACK, feedback(u, 'thumbs_up', T), other.key);
    assert.equal(t.body.status, 'pending');
  });

  test('two projects may choose the same interaction id; a retry in one project stores nothing twice', async () => {
    const other = await server.keys.create('other-ids');
    const body = interaction('same-user', 'q', 'a', T, { id: 'chosen-by-client' });
    const mine = await server.post(V2_INTERACTIONS, body);
    const theirs = await server.post(V2_INTERACTIONS, { ...body, interaction: { ...body.interaction, output: 'theirs' } }, other.key);
    const retry = await server.post(V2_INTERACTIONS, body);
    assert.deepEqual([mine.status, theirs.status, retry.status], [200, 200, 200]);
    assert.equal(retry.body.conversation_id, mine.body.conversation_id);
    assert.equal((await server.get('/api/v1/interactions/chosen-by-client')).body.output, 'a');
    assert.equal((await server.get('/api/v1/interactions/chosen-by-client', other.key)).body.output, 'theirs');
  });

  test('concurrent retries with one event_id store one feedback and answer it each time', async () => {
    const u = newUser();
    await addInteraction(u, 'q', 'a', T - MIN);
    const body = feedback(u, 'thumbs_up', T, { event_id: `evt-${u}` });
    const answers = await Promise.all(Array.from({ length: 5 }, () => server.post(FEEDBACK, body)));
    assert.equal(new Set(answers.map((a) => a.body.id)).size, 1);
    const interactionId = answers[0]!.body.interaction_id;
    const stored = (await server.get(`/api/v1/interactions/${interactionId}`)).body.feedback;
    assert.equal(stored.filter((f: { event_id: string }) => f.event_id === `evt-${u}`).length, 1);
  });
});

describe('text that some databases cannot store', () => {
  test('a NUL character is rejected with a 422 naming the field, the same on every backend (never changed silently)', async () => {
    const u = newUser();
    const res = await server.post(V2_INTERACTIONS, interaction(u, 'q\u0000', 'answer with \u0000 inside', T));
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer).sort(),
      ['/interaction/input', '/interaction/messages/0/content', '/interaction/output']);
    assert.match(res.body.errors[0].detail, /U\+0000/);
  });
});
