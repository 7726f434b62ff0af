// POST /api/v1/import: lines of every compat type through the real ingestion path, bad lines
// reported with their line number and JSON pointer while the rest is stored, idempotent re-runs,
// and the Langfuse and LangSmith mappings on fixtures written from those tools' export formats.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertProblem, feedback, interaction, startTestServer, type TestServer } from '../support/app.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const AT = Date.parse('2024-05-01T10:00:00Z');

async function importLines(server: TestServer, lines: (string | object)[], query = '', key = server.key) {
  const response = await server.app.inject({
    method: 'POST', url: `/api/v1/import${query}`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    payload: lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'),
  });
  return { status: response.statusCode, body: response.json() as any, headers: response.headers };
}

const all = async (server: TestServer, path: string) => (await server.get(`${path}${path.includes('?') ? '&' : '?'}limit=1000`)).body.items as any[];

describe('import of compat bodies', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.destroy(); });

  const lines = () => [
    { type: 'v2/events/interactions', ...interaction('ann', 'Capital of France?', 'Paris.', AT, { tags: { team: 'a' } }) },
    { type: 'v1/events/feedback', ...feedback('ann', 'thumbs_up', AT + 1000, { output: 'Paris.' }, { text: 'great' }) },
    '',
    '{"type": "v1/events/feedback", "feedback": ',
    { type: 'v1/events/feedback', feedback: { slug: 'rating', value: 7 }, metadata: { end_user: 'ann', timestamp: 'yesterday' } },
    { type: 'v9/events/nothing', foo: 1 },
    { type: '/event-ingestion/api/v1/events/interactions', interaction: { input: 'Hi', output: 'Hello', end_user: 'bob', time_start: new Date(AT).toISOString(), time_end: new Date(AT + 500).toISOString() } },
    { type: 'v2/events/trace_conversation', conversation: { end_user: 'cy', interactions: [
      { input: 'one', output: 'first', time_start: new Date(AT).toISOString(), time_end: new Date(AT + 100).toISOString() },
      { input: 'two', output: 'second', time_start: new Date(AT + 200).toISOString(), time_end: new Date(AT + 300).toISOString() },
    ] } },
    { type: 'v2/events/tags', tags: { tier: 'gold' }, metadata: { end_user: 'bob', timestamp: new Date(AT).toISOString(), output: 'Hello' } },
    { type: 'v1/events/trace_interaction', interaction: { input: 'q', output: 'a', end_user: 'dee', time_start: new Date(AT).toISOString(), time_end: new Date(AT).toISOString() },
      traces: [{ model: 'gpt-4o', messages: [{ role: 'user', content: 'q' }], output: 'a' }] },
    [1, 2],
    { slug: 'thumbs_up' },
  ];

  test('every endpoint type is stored as its endpoint would; each bad line is reported with its number and pointer', async () => {
    const result = await importLines(server, lines());
    assert.equal(result.status, 200, JSON.stringify(result.body));
    const { errors, ...counts } = result.body;
    assert.deepEqual(errors.map((e: any) => [e.line, e.pointer]), [
      [4, ''], [5, '/feedback/value'], [5, '/metadata/timestamp'], [6, '/type'], [11, ''], [12, ''],
    ]);
    assert.match(errors[0].detail, /not valid JSON/);
    assert.match(errors[3].detail, /v1\/events\/feedback/);
    assert.deepEqual({ lines: counts.lines, stored: counts.stored, failed: counts.failed, unchanged: counts.unchanged }, { lines: 12, stored: 6, failed: 5, unchanged: 0 });
    const feedbackItems = await all(server, '/api/v1/feedback?end_user=ann');
    assert.deepEqual(feedbackItems.map((f) => [f.slug, f.status, f.link, f.text]), [['thumbs_up', 'linked', 'output', 'great']]);
    const bob = (await all(server, '/api/v1/interactions?end_user=bob'))[0];
    assert.deepEqual([bob.source, bob.tags], ['import/v1/interactions', { tier: 'gold' }]);
    assert.equal((await all(server, '/api/v1/interactions?end_user=cy')).length, 2);
    assert.equal((await all(server, '/api/v1/interactions?end_user=dee'))[0].model, 'gpt-4o');
    assert.deepEqual((await all(server, '/api/v1/interactions?end_user=ann'))[0].tags, { team: 'a' });
  });

  test('importing the same lines again stores nothing twice', async () => {
    const before = { i: (await all(server, '/api/v1/interactions')).length, f: (await all(server, '/api/v1/feedback')).length };
    const again = await importLines(server, lines());
    assert.equal(again.body.stored, 0);
    assert.equal(again.body.unchanged, 6);
    assert.deepEqual({ i: (await all(server, '/api/v1/interactions')).length, f: (await all(server, '/api/v1/feedback')).length }, before);
  });

  test('anonymize=true overrides the lines: PII is removed from what is stored', async () => {
    const result = await importLines(server, [
      { type: 'v2/events/interactions', ...interaction('eve', 'My email is eve.smith@example.com', 'Noted.', AT) },
    ], '?anonymize=true');
    assert.equal(result.body.stored, 1);
    const [eve] = await all(server, '/api/v1/interactions?end_user=eve');
    assert.doesNotMatch(eve.input, /eve\.smith@example\.com/);
    assert.equal(eve.pii_removed, true);
  });

  test('a bad query, the wrong content type or a publishable key are refused', async () => {
    assertProblem(await importLines(server, [], '?format=csv'), 422, ['/query/format']);
    const wrongType = await server.app.inject({ method: 'POST', url: '/api/v1/import', headers: { authorization: `Bearer ${server.key}`, 'content-type': 'text/plain' }, payload: '{}' });
    assert.equal(wrongType.statusCode, 415);
    const created = await server.post('/api/v1/keys', { kind: 'publishable', origins: ['*'] });
    assert.equal((await importLines(server, [], '', created.body.key)).status, 403);
  });
});

describe('import from Langfuse and LangSmith exports', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.destroy(); });
  const fixture = (path: string) => readFileSync(`${FIXTURES}${path}`, 'utf8').split('\n').filter((l) => l.trim() !== '');

  test('Langfuse traces become interactions, end users\' scores feedback linked to them by id; evaluator scores and observations are skipped', async () => {
    const traces = await importLines(server, fixture('langfuse/traces.jsonl'), '?format=langfuse&anonymize=false');
    assert.deepEqual([traces.body.stored, traces.body.skipped, traces.body.failed], [3, 1, 0], JSON.stringify(traces.body));
    const scores = await importLines(server, fixture('langfuse/scores.jsonl'), '?format=langfuse&anonymize=false');
    assert.deepEqual([scores.body.stored, scores.body.skipped, scores.body.failed], [6, 4, 0], JSON.stringify(scores.body));
    assert.equal(Object.values(scores.body.skipped_reasons as Record<string, number>).reduce((a, b) => a + b, 0), 4);

    const one = (await server.get('/api/v1/interactions/lf-trace-1')).body;
    assert.deepEqual({
      end_user: one.end_user, conversation_id: one.conversation_id, input: one.input, output: one.output, model: one.model, tags: one.tags,
      feature_flags: one.feature_flags, time_end: one.time_end, source: one.source, messages: one.messages.length,
    }, {
      end_user: 'user-ada', conversation_id: 'session-7', input: 'How do I reset my password?', output: 'Open Settings, then Security, then Reset password.',
      model: 'gpt-4o-mini', tags: { customer_tier: 'pro', trace_name: 'support-chat', release: 'v1.4.0', environment: 'production' },
      feature_flags: ['beta-search', 'prod'], time_end: '2024-05-29T13:46:19.963Z', source: 'import/langfuse', messages: 2,
    });
    assert.deepEqual(one.feedback.map((f: any) => [f.slug, f.text, f.end_user, f.link, f.event_id]), [['thumbs_up', 'Exactly what I needed', 'user-ada', 'id', 'langfuse:lf-score-1']]);
    const two = (await server.get('/api/v1/interactions/lf-trace-2')).body;
    assert.deepEqual(two.feedback.map((f: any) => [f.slug, f.value, f.text]), [['thumbs_down', null, null], ['rating', 4, 'Good but short']]);
    const three = (await server.get('/api/v1/interactions/lf-trace-3')).body;
    assert.deepEqual([three.end_user, three.input], ['anonymous', 'Long email about the invoice']);
    assert.deepEqual(three.feedback.map((f: any) => [f.slug, f.text]), [['thumbs_up', null], ['comment', 'Please also mention the due date.']]);
    const waiting = (await all(server, '/api/v1/feedback?status=pending'))[0];
    assert.deepEqual([waiting.event_id, waiting.status], ['langfuse:lf-score-9', 'pending']);
    // Scores imported again: nothing twice.
    assert.equal((await importLines(server, fixture('langfuse/scores.jsonl'), '?format=langfuse')).body.stored, 0);
  });

  test('LangSmith root runs become interactions, feedback on a child run goes to its trace, evaluators\' feedback is skipped', async () => {
    const runs = await importLines(server, fixture('langsmith/runs.jsonl'), '?format=langsmith&anonymize=false');
    assert.deepEqual([runs.body.stored, runs.body.skipped, runs.body.failed], [2, 1, 0], JSON.stringify(runs.body));
    const fb = await importLines(server, [...fixture('langsmith/runs.jsonl'), ...fixture('langsmith/feedback.jsonl')], '?format=langsmith&anonymize=false');
    assert.deepEqual([fb.body.stored, fb.body.unchanged, fb.body.skipped, fb.body.failed], [6, 2, 3, 0], JSON.stringify(fb.body));
    const chat = (await server.get('/api/v1/interactions/3b4f0c9e-0001-4a1b-9c1d-000000000001')).body;
    assert.deepEqual({ end_user: chat.end_user, conversation_id: chat.conversation_id, input: chat.input, output: chat.output, model: chat.model, flags: chat.feature_flags,
      tier: chat.tags.customer_tier, name: chat.tags.run_name, start: chat.time_start, end: chat.time_end }, {
      end_user: 'user-cy', conversation_id: 'thread-1', input: "Translate 'good morning' to Italian", output: 'Buongiorno', model: 'gpt-4o',
      flags: ['translate', 'v2-prompt'], tier: 'free', name: 'ChatPipeline', start: '2024-05-05T23:23:10.000Z', end: '2024-05-05T23:23:12.500Z',
    });
    assert.deepEqual(chat.feedback.map((f: any) => [f.slug, f.value, f.text, f.end_user]), [['thumbs_up', null, 'Perfect, grazie', 'user-cy'], ['rating', 5, null, 'user-cy']]);
    const qa = (await server.get('/api/v1/interactions/3b4f0c9e-0003-4a1b-9c1d-000000000003')).body;
    assert.deepEqual([qa.model, qa.input, qa.output, qa.conversation_id], ['claude-3-haiku', 'Which plan includes SSO?', 'The Enterprise plan includes SSO.', 'thread-2']);
    assert.deepEqual(qa.feedback.map((f: any) => [f.slug, f.text]), [
      ['thumbs_down', 'It is in Business too'], ['edit', 'The Business and Enterprise plans include SSO.'], ['comment', 'Add a link to the pricing page'], ['thumbs_up', null],
    ]);
  });
});
