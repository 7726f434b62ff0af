// Payloads recorded from real clients (fixtures), accepted byte for byte at their endpoints.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { FEEDBACK, V1_TRACE, startTestServer, type TestServer } from '../support/app.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url), 'utf8'));
let server: TestServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server.destroy(); });

test('a Nebuly sync tool payload (v3 trace_interaction with user_feedback) is stored with its traces and feedback', async () => {
  const body = fixture('langfuse-sync-trace-interaction.json');
  const r = await server.post('/event-ingestion/api/v3/events/trace_interaction', body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.conversation_id, 'lf-session-7731');
  const stored = (await server.get(`/api/v1/interactions/${r.body.id}`)).body;
  assert.equal(stored.time_end, '2025-03-04T09:12:07.902Z');
  assert.equal(stored.model, 'gpt-4o-mini');
  assert.deepEqual(stored.traces.map((t: { type: string }) => t.type), ['llm', 'retrieval', 'llm']);
  assert.deepEqual(stored.feedback.map((f: { slug: string; value: number | null; link: string }) => [f.slug, f.value, f.link]),
    [['thumbs_up', null, 'id'], ['rating', 4, 'id']]);
  const v2 = await server.post('/event-ingestion/api/v2/events/trace_interaction', { ...body, interaction: { ...body.interaction, conversation_id: 'lf-2' } });
  assert.equal(v2.status, 200, JSON.stringify(v2.body));
});

test('the Node SDK trace_interaction body, then feedback naming its input and output, links exactly', async () => {
  const r = await server.post(V1_TRACE, fixture('nebuly-js-sdk-trace-interaction.json'));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const f = await server.post(FEEDBACK, {
    action: { slug: 'thumbs_down', text: null },
    metadata: { input: 'Say this is a test', output: 'This is a test.', end_user: 'sdk-user-1', end_user_group_profile: null, timestamp: '2025-03-04T10:00:09.000Z', anonymize: true },
  });
  assert.deepEqual([f.status, f.body.interaction_id, f.body.link], [200, r.body.id, 'exact']);
});
