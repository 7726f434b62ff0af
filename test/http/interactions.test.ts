// The compat interaction endpoints (v1 and v2, trace_conversation, tags) and the read of one
// interaction (API.md "compat: interaction endpoints", "The project's own API"), plus /healthz and
// unknown routes. A real server on a real SQLite file, in-process.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ChainStep, ChainStepName, RAGSource } from '@nebuly-ai/nebuly-js-sdk/dist/base.js';
import { prepareDataForInterctionEndpoint } from '@nebuly-ai/nebuly-js-sdk/dist/endpoint_connection.js';
import {
  FEEDBACK, feedback, interaction, startTestServer, V1_INTERACTIONS, V1_TRACE, V2_CONVERSATION, V2_INTERACTIONS, V2_TAGS, V2_TRACE,
  type TestServer, assertProblem,
} from '../support/app.js';

const T0 = Date.parse('2024-04-02T09:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const user = () => `user-${randomUUID()}`;


let server: TestServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server.destroy(); });

async function ok(path: string, body: unknown): Promise<any> {
  const res = await server.post(path, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function read(id: string): Promise<any> {
  const res = await server.get(`/api/v1/interactions/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** The body the official Node SDK builds for sendOpenAIInteraction, serialized as it sends it. */
function sdkTraceBody(endUser: string, start: Date, end: Date) {
  const llm = new ChainStep('model', ChainStepName.LLM);
  llm.query = 'And in French?';
  llm.response = ['Bonjour'];
  llm.metadata = { model: 'gpt-4o', system_prompt: undefined };
  const rag = new RAGSource('greetings', ['hello = bonjour', 'hi = salut']).toChainStep();
  const body = prepareDataForInterctionEndpoint('And in French?', 'Bonjour', [rag, llm], start, end, ['Say hello'], ['Hello'], endUser, undefined, undefined);
  return JSON.parse(JSON.stringify(body)) as Record<string, any>;
}

describe('v1 interactions', () => {
  test('stores an interaction with history, rag sources, model, tags and feature flags', async () => {
    const u = user();
    const res = await ok(V1_INTERACTIONS, {
      interaction: {
        input: 'What is the capital of Italy?', output: 'Rome.', time_start: iso(T0 - 1500), time_end: iso(T0), end_user: u,
        history: [['Hi', 'Hello!']], rag_sources: ['atlas'], model: 'gpt-4', system_prompt: 'Be brief.',
        tags: { plan: 'pro' }, feature_flag: ['new-prompt'], input_tokens: 12, end_user_group_profile: null,
      },
      anonymize: false,
    });
    assert.equal(typeof res.id, 'string');
    assert.equal(typeof res.conversation_id, 'string');
    assert.deepEqual(Object.keys(res).sort(), ['conversation_id', 'id']);
    const i = await read(res.id);
    assert.equal(i.input, 'What is the capital of Italy?');
    assert.equal(i.output, 'Rome.');
    assert.equal(i.model, 'gpt-4');
    assert.deepEqual(i.tags, { plan: 'pro' });
    assert.deepEqual(i.feature_flags, ['new-prompt']);
    assert.equal(i.time_start, iso(T0 - 1500));
    assert.equal(i.time_end, iso(T0));
  });

  test('requires input at /interaction/input', async () => {
    const res = await server.post(V1_INTERACTIONS, {
      interaction: { output: 'x', time_start: iso(T0), time_end: iso(T0), end_user: user() },
    });
    assertProblem(res, 422, ['/interaction/input']);
  });
});

describe('v1 trace_interaction', () => {
  test('accepts the exact body the Node SDK sends', async () => {
    const u = user();
    const body = sdkTraceBody(u, new Date(T0 - 3000), new Date(T0));
    const res = await ok(V1_TRACE, body);
    const i = await read(res.id);
    assert.equal(i.input, 'And in French?');
    assert.equal(i.output, 'Bonjour');
    assert.equal(i.end_user, u);
    assert.equal(i.model, 'gpt-4o');
    assert.equal(i.time_start, iso(T0 - 3000));
    assert.equal(i.traces.length, 2);
    const llm = i.traces.find((t: any) => t.model === 'gpt-4o');
    assert.ok(llm, JSON.stringify(i.traces));
    assert.equal(llm.input_tokens, 0);
    const retrieval = i.traces.find((t: any) => Array.isArray(t.outputs));
    assert.deepEqual(retrieval.outputs, ['hello = bonjour', 'hi = salut']);
  });

  test('lets a feedback sent by the SDK link to it by content', async () => {
    const u = user();
    const res = await ok(V1_TRACE, sdkTraceBody(u, new Date(T0 - 3000), new Date(T0)));
    const f = await ok(FEEDBACK, {
      action: { slug: 'thumbs_up' }, metadata: { input: 'And in French?', output: 'Bonjour', end_user: u, timestamp: iso(T0 + 2000), anonymize: true },
    });
    assert.equal(f.interaction_id, res.id);
    assert.equal(f.link, 'exact');
  });
});

describe('v2 interactions', () => {
  test('defaults input to the last user message, reading content arrays and null content', async () => {
    const u = user();
    const res = await ok(V2_INTERACTIONS, {
      interaction: {
        output: 'It is sunny.', time_start: iso(T0 - 2000), time_end: iso(T0), end_user: u, model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You are a weather bot.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function' }] },
          { role: 'tool', content: '{"sky":"clear"}', tool_call_id: 'c1' },
          { role: 'user', content: [{ type: 'text', text: 'What is the weather' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }, { type: 'text', text: 'in Paris?' }] },
        ],
      },
      anonymize: false,
    });
    const i = await read(res.id);
    assert.equal(i.input, 'What is the weather\nin Paris?');
    assert.equal(i.messages.length, 5);
    assert.equal(i.messages[2].role, 'assistant');
    assert.ok(i.messages[2].content === '' || i.messages[2].content === null);
    assert.equal(i.messages[4].content, 'What is the weather\nin Paris?');
  });

  test('keeps an explicit input over the messages', async () => {
    const res = await ok(V2_INTERACTIONS, interaction(user(), 'explicit input', 'out', T0, { messages: [{ role: 'user', content: 'from messages' }] }));
    assert.equal((await read(res.id)).input, 'explicit input');
  });

  test('rejects an interaction without input and without a user message', async () => {
    const res = await server.post(V2_INTERACTIONS, {
      interaction: { output: 'x', time_start: iso(T0), time_end: iso(T0), end_user: user(), messages: [{ role: 'system', content: 's' }] },
    });
    assertProblem(res, 422, ['/interaction/input']);
  });

  test('stores feedback_actions as feedback linked by id at time_end', async () => {
    const u = user();
    const res = await ok(V2_INTERACTIONS, interaction(u, 'q', 'a', T0, {
      feedback_actions: [{ slug: 'thumbs_up' }, { slug: 'rating', value: 4 }, { slug: 'comment', text: 'nice' }],
    }));
    const i = await read(res.id);
    assert.equal(i.feedback.length, 3);
    for (const f of i.feedback) {
      assert.equal(f.status, 'linked');
      assert.equal(f.link, 'id');
      assert.equal(f.interaction_id, res.id);
      assert.equal(f.timestamp, iso(T0));
      assert.equal(f.end_user, u);
    }
    assert.deepEqual(i.feedback.map((f: any) => f.slug).sort(), ['comment', 'rating', 'thumbs_up']);
    assert.equal(i.feedback.find((f: any) => f.slug === 'rating').value, 4);
  });

  test('rejects a bad feedback action and stores nothing', async () => {
    const u = user();
    const res = await server.post(V2_INTERACTIONS, interaction(u, 'q', 'a', T0, { id: `client-${randomUUID()}`, feedback_actions: [{ slug: 'rating', value: 9 }] }));
    assertProblem(res, 422, ['/interaction/feedback_actions/0/value']);
  });
});

describe('v2 trace_interaction', () => {
  test('stores traces and top-level feedback_actions', async () => {
    const u = user();
    const res = await ok(V2_TRACE, {
      interaction: { input: 'find docs', output: 'found 2', time_start: iso(T0 - 4000), time_end: iso(T0), end_user: u, tags: { team: 'a' } },
      traces: [
        { source: 'vector-db', input: 'find docs', outputs: ['doc1', 'doc2'] },
        { model: 'claude-3', messages: [{ role: 'user', content: 'find docs' }], output: 'found 2', input_tokens: 7, output_tokens: 3 },
      ],
      feedback_actions: [{ slug: 'thumbs_down', text: 'too vague' }],
      anonymize: false,
    });
    const i = await read(res.id);
    assert.equal(i.model, 'claude-3');
    assert.deepEqual(i.tags, { team: 'a' });
    assert.equal(i.traces.length, 2);
    assert.equal(i.feedback.length, 1);
    assert.equal(i.feedback[0].slug, 'thumbs_down');
    assert.equal(i.feedback[0].text, 'too vague');
    assert.equal(i.feedback[0].link, 'id');
    assert.equal(i.feedback[0].timestamp, iso(T0));
  });

  test('rejects an unknown slug in top-level feedback_actions', async () => {
    const res = await server.post(V2_TRACE, {
      interaction: { input: 'q', output: 'a', time_start: iso(T0), time_end: iso(T0), end_user: user() },
      feedback_actions: [{ slug: 'wow' }],
    });
    assertProblem(res, 422, ['/feedback_actions/0/slug']);
  });
});

describe('v2 trace_conversation', () => {
  const turn = (k: number, extra: Record<string, unknown> = {}) => ({
    input: `question ${k}`, output: `answer ${k}`, time_start: iso(T0 + k * MIN), time_end: iso(T0 + k * MIN + 2000), ...extra,
  });

  test('returns the interaction ids in the order sent, in one conversation', async () => {
    const u = user();
    const res = await ok(V2_CONVERSATION, {
      conversation: {
        end_user: u,
        interactions: [turn(0), turn(1, { trace: [{ model: 'gpt-4o', input_tokens: 5, output_tokens: 9 }] }), turn(2, { tags: { step: 'last' } })],
      },
      anonymize: false,
    });
    assert.equal(typeof res.conversation_id, 'string');
    assert.equal(res.interaction_ids.length, 3);
    for (const [k, id] of (res.interaction_ids as string[]).entries()) {
      const i = await read(id);
      assert.equal(i.input, `question ${k}`);
      assert.equal(i.end_user, u);
      assert.equal(i.conversation_id, res.conversation_id);
    }
    assert.deepEqual((await read(res.interaction_ids[2])).tags, { step: 'last' });
    assert.equal((await read(res.interaction_ids[1])).model, 'gpt-4o');
  });

  test('keeps an explicit conversation id', async () => {
    const conversationId = `conv-${randomUUID()}`;
    const res = await ok(V2_CONVERSATION, { conversation: { conversation_id: conversationId, end_user: user(), interactions: [turn(0), turn(1)] } });
    assert.equal(res.conversation_id, conversationId);
    assert.equal((await read(res.interaction_ids[1])).conversation_id, conversationId);
  });

  test('stores none of the interactions when one is invalid', async () => {
    const u = user();
    const ids = [0, 1, 2].map(() => `client-${randomUUID()}`);
    const res = await server.post(V2_CONVERSATION, {
      conversation: {
        end_user: u,
        interactions: [turn(0, { id: ids[0] }), turn(1, { id: ids[1], time_end: iso(T0) }), turn(2, { id: ids[2] })],
      },
    });
    assertProblem(res, 422, ['/conversation/interactions/1/time_end']);
    for (const id of ids) assert.equal((await server.get(`/api/v1/interactions/${id}`)).status, 404);
    const f = await ok(FEEDBACK, feedback(u, 'thumbs_up', T0 + 10 * MIN));
    assert.equal(f.status, 'pending');
  });

  test("accepts a client-chosen interaction id that another project already used", async () => {
    const other = await server.keys.create('other-ids');
    const id = `client-${randomUUID()}`;
    assert.equal((await server.post(V2_INTERACTIONS, interaction(user(), 'theirs', 'a', T0, { id }), other.key)).status, 200);
    const res = await server.post(V2_INTERACTIONS, interaction(user(), 'ours', 'b', T0, { id }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // Whatever id it got, this project reads its own interaction, and the other project's is untouched.
    assert.equal((await read(res.body.id)).input, 'ours');
    assert.equal((await server.get(`/api/v1/interactions/${id}`, other.key)).body.input, 'theirs');
  });

  test('rejects an empty conversation', async () => {
    assertProblem(await server.post(V2_CONVERSATION, { conversation: { end_user: user(), interactions: [] } }), 422, ['/conversation/interactions']);
  });
});

describe('v2 tags', () => {
  test('links tags to the interaction by end user and time_start', async () => {
    const u = user();
    const first = await ok(V2_INTERACTIONS, interaction(u, 'q1', 'a1', T0));
    const second = await ok(V2_INTERACTIONS, interaction(u, 'q2', 'a2', T0 + 10 * MIN));
    const res = await ok(V2_TAGS, { tags: { topic: 'billing' }, metadata: { end_user: u, timestamp: iso(T0 + 10 * MIN - 2000) } });
    assert.deepEqual(res, { status: 'linked', interaction_id: second.id });
    assert.deepEqual((await read(second.id)).tags, { topic: 'billing' });
    assert.deepEqual((await read(first.id)).tags, {});
  });

  test('links tags by input or output', async () => {
    const u = user();
    const first = await ok(V2_INTERACTIONS, interaction(u, 'alpha', 'one', T0));
    const second = await ok(V2_INTERACTIONS, interaction(u, 'beta', 'two', T0 + MIN));
    const byInput = await ok(V2_TAGS, { tags: { k: 'in' }, metadata: { end_user: u, timestamp: iso(T0 + MIN), input: 'alpha' } });
    assert.deepEqual(byInput, { status: 'linked', interaction_id: first.id });
    const byOutput = await ok(V2_TAGS, { tags: { j: 'out' }, metadata: { end_user: u, timestamp: iso(T0), output: 'two' } });
    assert.deepEqual(byOutput, { status: 'linked', interaction_id: second.id });
    assert.deepEqual((await read(first.id)).tags, { k: 'in' });
    assert.deepEqual((await read(second.id)).tags, { j: 'out' });
  });

  test('merges new tags with the interaction tags', async () => {
    const u = user();
    const i = await ok(V2_INTERACTIONS, interaction(u, 'q', 'a', T0, { tags: { plan: 'free' } }));
    await ok(V2_TAGS, { tags: { topic: 'x' }, metadata: { end_user: u, timestamp: iso(T0 - 2000) } });
    assert.deepEqual((await read(i.id)).tags, { plan: 'free', topic: 'x' });
  });

  test('keeps unmatched tags pending and links them when the interaction arrives', async () => {
    const u = user();
    const res = await ok(V2_TAGS, { tags: { late: 'yes' }, metadata: { end_user: u, timestamp: iso(T0 - 2000) } });
    assert.deepEqual(res, { status: 'pending', interaction_id: null });
    const i = await ok(V2_INTERACTIONS, interaction(u, 'q', 'a', T0));
    assert.deepEqual((await read(i.id)).tags, { late: 'yes' });
  });

  test('rejects a bad tag body listing every field', async () => {
    const res = await server.post(V2_TAGS, { tags: { n: 1 }, metadata: { timestamp: 'soon' } });
    assertProblem(res, 422, ['/tags/n', '/metadata/end_user', '/metadata/timestamp']);
  });
});

describe('hide_content', () => {
  test('shows input and output as null but still links feedback by content', async () => {
    const u = user();
    const res = await ok(V2_TRACE, {
      interaction: { input: 'private question', output: 'private answer', time_start: iso(T0 - 2000), time_end: iso(T0), end_user: u, hide_content: true, tags: { t: '1' } },
      traces: [{ model: 'gpt-4o', messages: [{ role: 'user', content: 'private question' }], output: 'private answer', input_tokens: 11, output_tokens: 4 }],
    });
    const i = await read(res.id);
    assert.equal(i.input, null);
    assert.equal(i.output, null);
    assert.deepEqual(i.tags, { t: '1' });
    assert.ok(!JSON.stringify(i).includes('private'), JSON.stringify(i));
    assert.equal(i.traces[0].input_tokens, 11);
    assert.equal(i.traces[0].output_tokens, 4);
    const f = await ok(FEEDBACK, feedback(u, 'thumbs_up', T0 + 1000, { input: 'private question', output: 'private answer' }));
    assert.equal(f.interaction_id, res.id);
    assert.equal(f.link, 'exact');
  });

  test('hides the content of v2 messages too', async () => {
    const res = await ok(V2_INTERACTIONS, interaction(user(), 'hidden', 'also hidden', T0, { hide_content: true }));
    const i = await read(res.id);
    assert.ok(!JSON.stringify(i).includes('hidden'), JSON.stringify(i));
  });
});

describe('times', () => {
  test('rejects time_end before time_start at /interaction/time_end', async () => {
    const res = await server.post(V2_INTERACTIONS, interaction(user(), 'q', 'a', T0, { time_start: iso(T0 + 1000) }));
    assertProblem(res, 422, ['/interaction/time_end']);
  });

  test('rejects unparsable times, naming both', async () => {
    const res = await server.post(V1_INTERACTIONS, {
      interaction: { input: 'q', output: 'a', time_start: 'noon', time_end: '2024-04-02T25:61:00Z', end_user: user() },
    });
    assertProblem(res, 422, ['/interaction/time_end', '/interaction/time_start']);
  });

  test('accepts offsets and reads them back in UTC', async () => {
    const res = await ok(V2_INTERACTIONS, interaction(user(), 'q', 'a', T0, { time_start: '2024-04-02T10:59:58+02:00', time_end: '2024-04-02T11:00:00.000+02:00' }));
    const i = await read(res.id);
    assert.equal(i.time_start, '2024-04-02T08:59:58.000Z');
    assert.equal(i.time_end, '2024-04-02T09:00:00.000Z');
  });

  test('lists several bad fields of one interaction at once', async () => {
    const res = await server.post(V2_INTERACTIONS, { interaction: { output: 5, time_start: 'x', time_end: iso(T0), end_user: '', messages: 'hi' } });
    assertProblem(res, 422);
    const pointers = (res.body.errors as { pointer: string }[]).map((e) => e.pointer);
    for (const p of ['/interaction/output', '/interaction/time_start', '/interaction/end_user', '/interaction/messages']) assert.ok(pointers.includes(p), `${p} in ${pointers}`);
  });
});

describe('conversation grouping', () => {
  test('groups interactions without conversation_id within the 30 min gap and starts a new one after it', async () => {
    const u = user();
    const a = await ok(V2_INTERACTIONS, interaction(u, 'q1', 'a1', T0));
    const b = await ok(V2_INTERACTIONS, interaction(u, 'q2', 'a2', T0 + 20 * MIN));
    const c = await ok(V2_INTERACTIONS, interaction(u, 'q3', 'a3', T0 + 20 * MIN + 45 * MIN));
    assert.equal(b.conversation_id, a.conversation_id);
    assert.notEqual(c.conversation_id, a.conversation_id);
    const other = await ok(V2_INTERACTIONS, interaction(user(), 'q1', 'a1', T0 + MIN));
    assert.notEqual(other.conversation_id, a.conversation_id);
  });

  test('places an interaction that arrives late into the conversation it falls in', async () => {
    const u = user();
    const a = await ok(V2_INTERACTIONS, interaction(u, 'q1', 'a1', T0));
    const c = await ok(V2_INTERACTIONS, interaction(u, 'q3', 'a3', T0 + 20 * MIN));
    const b = await ok(V2_INTERACTIONS, interaction(u, 'q2', 'a2', T0 + 10 * MIN));
    assert.equal(c.conversation_id, a.conversation_id);
    assert.equal(b.conversation_id, a.conversation_id);
  });

  test('keeps an explicit conversation_id and does not group others into it', async () => {
    const u = user();
    const conversationId = `conv-${randomUUID()}`;
    const a = await ok(V2_INTERACTIONS, interaction(u, 'q1', 'a1', T0, { conversation_id: conversationId }));
    assert.equal(a.conversation_id, conversationId);
    assert.equal((await read(a.id)).conversation_id, conversationId);
    const b = await ok(V2_INTERACTIONS, interaction(u, 'q2', 'a2', T0 + MIN));
    assert.notEqual(b.conversation_id, conversationId);
  });

  test('uses FEEDLOOP_CONVERSATION_GAP', async () => {
    const short = await startTestServer({ FEEDLOOP_CONVERSATION_GAP: '5m' });
    try {
      const u = user();
      const a = await short.post(V2_INTERACTIONS, interaction(u, 'q1', 'a1', T0));
      const b = await short.post(V2_INTERACTIONS, interaction(u, 'q2', 'a2', T0 + 4 * MIN));
      const c = await short.post(V2_INTERACTIONS, interaction(u, 'q3', 'a3', T0 + 14 * MIN));
      assert.equal(b.body.conversation_id, a.body.conversation_id);
      assert.notEqual(c.body.conversation_id, b.body.conversation_id);
    } finally {
      await short.destroy();
    }
  });
});

describe('GET /api/v1/interactions/{id}', () => {
  test('has the shape of API.md with its feedback oldest first', async () => {
    const u = user();
    const res = await ok(V2_INTERACTIONS, interaction(u, 'q', 'a', T0, { model: 'm1', tags: { a: 'b' }, feature_flag: ['ff'] }));
    for (const [slug, offset] of [['comment', 3000], ['thumbs_up', 1000], ['regenerate', 2000]] as const) {
      await ok(FEEDBACK, feedback(u, slug, T0 + offset, { interaction_id: res.id }, slug === 'comment' ? { text: 'c' } : {}));
    }
    const i = await read(res.id);
    for (const key of ['id', 'conversation_id', 'end_user', 'input', 'output', 'messages', 'time_start', 'time_end', 'model', 'tags',
      'feature_flags', 'traces', 'pii_removed', 'pii', 'feedback']) {
      assert.ok(key in i, `missing ${key}`);
    }
    assert.equal(i.id, res.id);
    assert.equal(i.conversation_id, res.conversation_id);
    assert.equal(i.end_user, u);
    assert.equal(i.input, 'q');
    assert.equal(i.output, 'a');
    assert.deepEqual(i.messages, [{ role: 'user', content: 'q' }]);
    assert.equal(i.model, 'm1');
    assert.deepEqual(i.tags, { a: 'b' });
    assert.deepEqual(i.feature_flags, ['ff']);
    assert.equal(i.pii_removed, false);
    assert.deepEqual(i.pii, {});
    assert.deepEqual(i.feedback.map((f: any) => f.slug), ['thumbs_up', 'regenerate', 'comment']);
    assert.deepEqual(i.feedback.map((f: any) => f.timestamp), [iso(T0 + 1000), iso(T0 + 2000), iso(T0 + 3000)]);
    for (const f of i.feedback) assert.equal(f.interaction_id, res.id);
  });

  test('answers an unknown id with a 404 problem', async () => {
    assertProblem(await server.get('/api/v1/interactions/nope'), 404);
  });

  test('requires a key', async () => {
    const res = await server.get('/api/v1/interactions/nope', 'wrong');
    assertProblem(res, 401);
  });
});

describe('health and unknown routes', () => {
  test('GET /healthz answers ok without a key', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', ready: true, storage: 'ok' });
  });

  test('an unknown route is a 404 problem, with or without a key', async () => {
    assertProblem(await server.get('/event-ingestion/api/v3/events/feedback'), 404);
    const res = await server.app.inject({ method: 'POST', url: '/nowhere', payload: {} });
    assertProblem({ status: res.statusCode, body: res.json(), headers: res.headers as Record<string, unknown> }, 404);
  });
});
