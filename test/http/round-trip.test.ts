// Export -> import into a fresh server -> export again gives the same rows: ids, links, statuses,
// times and content, on a dataset with every kind of link, votes that changed, tags added later,
// content hidden or anonymized, pending and orphaned feedback. The statistics agree too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { orphanPending } from '../../src/app/orphaning.js';
import { COUNTERS, isZero, type Counters } from '../../src/core/rollups.js';
import type { RollupBucket } from '../../src/storage/port.js';
import { FEEDBACK, feedback, interaction, startTestServer, V1_TRACE, V2_CONVERSATION, V2_INTERACTIONS, V2_TAGS, type TestServer } from '../support/app.js';

const AT = Date.parse('2024-05-01T10:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

let source: TestServer;
let target: TestServer;
let third: TestServer;

const get = async (server: TestServer, url: string) => {
  const r = await server.app.inject({ url, headers: { authorization: `Bearer ${server.key}` } });
  assert.equal(r.statusCode, 200, r.body);
  return r.body;
};
const importBody = async (server: TestServer, body: string) => {
  const r = await server.app.inject({ method: 'POST', url: '/api/v1/import', headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/x-ndjson' }, payload: body });
  assert.equal(r.statusCode, 200, r.body);
  return r.json() as { stored: number; unchanged: number; failed: number; errors: unknown[] };
};
const exports = async (server: TestServer) => ({
  interactions: await get(server, '/api/v1/export/interactions.jsonl'),
  feedback: await get(server, '/api/v1/export/feedback.jsonl'),
  conversations: await get(server, '/api/v1/export/conversations.jsonl'),
  csv: await get(server, '/api/v1/export/feedback.csv'),
});
const rollups = (buckets: RollupBucket[]) => buckets.filter((b) => !isZero(b.counters))
  .map((b) => `${b.dimension}|${b.value}|${b.hour}|${COUNTERS.map((c) => b.counters[c as keyof Counters]).join(',')}`).sort();
const projectOf = async (server: TestServer) => (await server.keys.authenticate(server.key))!.projectId;

before(async () => {
  [source, target, third] = await Promise.all([startTestServer(), startTestServer(), startTestServer()]);
  const s = source;
  await s.post(V2_INTERACTIONS, interaction('ann', 'How do I reset it?', 'Use the settings page.', AT, {
    model: 'gpt-4o', tags: { team: 'support' }, feature_flag: ['new-ui'], rag_sources: ['doc-1'], system_prompt: 'Be brief.',
    feedback_actions: [{ slug: 'copy_output', text: 'settings page' }],
  }));
  await s.post(V2_INTERACTIONS, { ...interaction('ann', 'My name is Mario Rossi, call me on +39 347 123 4567', 'Sure, Mario.', AT + 60_000), anonymize: true });
  await s.post(V2_INTERACTIONS, interaction('bob', 'secret question', 'secret answer', AT + 120_000, { hide_content: true, conversation_id: 'conv-bob' }));
  await s.post(V1_TRACE, { interaction: { input: 'Weather?', output: 'Sunny.', end_user: 'cy', time_start: iso(AT), time_end: iso(AT + 2000), id: 'client-id-1' },
    traces: [{ model: 'claude', messages: [{ role: 'user', content: 'Weather?' }], output: 'Sunny.', input_tokens: 3, output_tokens: 2 }, { source: 'search', input: 'weather', outputs: ['sunny'] }],
    anonymize: false });
  await s.post(V2_CONVERSATION, { conversation: { end_user: 'dee', conversation_id: 'conv-dee', interactions: [
    { input: 'one', output: 'first answer', time_start: iso(AT), time_end: iso(AT + 1000) },
    { input: 'two', output: 'second answer', time_start: iso(AT + 2000), time_end: iso(AT + 3000) },
  ] }, anonymize: false });
  // Links by output, by id, by time (provisional), copied text; a vote changed, a rating changed; a comment.
  await s.post(FEEDBACK, feedback('ann', 'thumbs_up', AT + 1000, { output: 'Use the settings page.' }));
  await s.post(FEEDBACK, feedback('ann', 'thumbs_down', AT + 5000, { output: 'Use the settings page.' }, { text: 'actually no' }));
  await s.post(FEEDBACK, feedback('cy', 'rating', AT + 3000, { interaction_id: 'client-id-1', event_id: 'ev-1' }, { value: 2 }));
  await s.post(FEEDBACK, feedback('cy', 'rating', AT + 4000, { interaction_id: 'client-id-1' }, { value: 5 }));
  await s.post(FEEDBACK, feedback('dee', 'regenerate', AT + 3500));
  await s.post(FEEDBACK, feedback('dee', 'copy_output', AT + 3600, {}, { text: 'first answer' }));
  await s.post(FEEDBACK, feedback('bob', 'comment', AT + 130_000, {}, { text: 'why hidden?' }));
  await s.post(V2_TAGS, { tags: { tier: 'gold' }, metadata: { end_user: 'dee', timestamp: iso(AT + 2000), output: 'second answer' } });
  // Unlinked: one orphaned (as the sweep does once the TTL has passed), one still pending.
  await s.post(FEEDBACK, feedback('eve', 'thumbs_up', AT, { interaction_id: 'never-sent' }));
  await orphanPending(s.storage, Date.now() + 1);
  await s.post(FEEDBACK, feedback('fay', 'thumbs_down', AT + 9000, { output: 'an answer that never came' }));
});
after(async () => { await Promise.all([source, target, third].map((s) => s.destroy())); });

test('export -> import into a fresh server -> export gives the same rows, ids and links included', async () => {
  const before = await exports(source);
  const feedbackLines = before.feedback.split('\n').filter(Boolean).map((l: string) => JSON.parse(l));
  assert.deepEqual([...new Set(feedbackLines.map((f: { link: string | null }) => f.link))].sort(), ['copied_text', 'id', 'output', 'time', null].sort());
  assert.deepEqual([...new Set(feedbackLines.map((f: { status: string }) => f.status))].sort(), ['linked', 'orphaned', 'pending']);

  const first = await importBody(target, before.interactions);
  assert.equal(first.failed, 0, JSON.stringify(first.errors));
  const second = await importBody(target, before.feedback);
  assert.equal(second.failed, 0, JSON.stringify(second.errors));
  assert.ok(second.unchanged > 0 && second.stored === 2, 'linked feedback came with its interactions; the unlinked two are new');
  const after = await exports(target);
  assert.equal(after.interactions, before.interactions);
  assert.equal(after.feedback, before.feedback);
  assert.equal(after.conversations, before.conversations);
  assert.equal(after.csv, before.csv);

  // Again: nothing twice.
  const again = await importBody(target, before.interactions + before.feedback);
  assert.equal(again.stored, 0);
  assert.equal((await exports(target)).feedback, before.feedback);
});

test('the statistics of the imported data equal the source\'s, and its rollups their recomputation', async () => {
  for (const query of ['by=model', 'by=day', 'by=feature_flag', 'by=tag:team', 'by=tag:tier']) {
    const url = `/api/v1/stats?from=${iso(AT - 86_400_000)}&to=${iso(AT + 86_400_000)}&${query}`;
    assert.deepEqual(JSON.parse(await get(target, url)), JSON.parse(await get(source, url)), query);
  }
  const project = await projectOf(target);
  assert.deepEqual(rollups(await target.storage.dumpRollups(project)), rollups(await target.storage.recomputeRollups(project)));
});

test('conversations.jsonl imports back to the same interactions', async () => {
  const before = await exports(source);
  assert.equal((await importBody(third, before.conversations)).failed, 0);
  assert.equal((await exports(third)).interactions, before.interactions);
});
