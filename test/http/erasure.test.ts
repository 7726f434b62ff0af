// DELETE /api/v1/users/{end_user}: afterwards nothing of that end user is in any list, export or
// statistic, nor in the bytes of the SQLite database file or its WAL (a unique marker in their
// text is searched for, and found there before the erasure); other users' feedback about them is
// kept, orphaned; repeating the erasure answers zeros.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { COUNTERS, isZero, type Counters } from '../../src/core/rollups.js';
import type { RollupBucket } from '../../src/storage/port.js';
import { FEEDBACK, feedback, interaction, startTestServer, V2_INTERACTIONS, V2_TAGS, type TestServer } from '../support/app.js';

const AT = Date.parse('2024-05-01T10:00:00Z');
const MARKER = 'ZEBRA-7731-QUOKKA';
const iso = (t: number) => new Date(t).toISOString();

let server: TestServer;
const call = async (method: 'GET' | 'DELETE', url: string, key?: string) => {
  const r = await server.app.inject({ method, url, headers: { authorization: `Bearer ${key ?? server.key}` } });
  return { status: r.statusCode, body: r.body, json: () => r.json() as any };
};
/** The database file and its WAL, as bytes on disk. */
const fileBytes = () => ['feedloop.sqlite', 'feedloop.sqlite-wal'].map((f) => join(server.dataDir, f)).filter(existsSync).map((f) => readFileSync(f));
const onDisk = (text: string) => fileBytes().some((b) => b.includes(Buffer.from(text)));
const rollups = (buckets: RollupBucket[]) => buckets.filter((b) => !isZero(b.counters))
  .map((b) => `${b.dimension}|${b.value}|${b.hour}|${COUNTERS.map((c) => b.counters[c as keyof Counters]).join(',')}`).sort();
let bobsFeedbackOnZed = '';

before(async () => {
  server = await startTestServer();
  // The user to erase: their text (with the marker) in input, output, messages, a comment, tags, a tag update.
  const longText = `${MARKER} `.repeat(800); // spills into overflow pages
  await server.post(V2_INTERACTIONS, interaction('zed', `question ${MARKER}`, `answer ${MARKER}`, AT, { id: 'zed-1', tags: { note: MARKER }, model: 'm1', feature_flag: ['f'] }));
  await server.post(V2_INTERACTIONS, interaction('zed', longText, 'long answer', AT + 60_000, { id: 'zed-2' }));
  await server.post(FEEDBACK, feedback('zed', 'thumbs_down', AT + 1000, { interaction_id: 'zed-1' }, { text: `comment ${MARKER}` }));
  await server.post(V2_TAGS, { tags: { more: MARKER }, metadata: { end_user: 'zed', timestamp: iso(AT - 2000), output: `answer ${MARKER}` } });
  await server.post(FEEDBACK, feedback('zed', 'comment', AT + 2000, { output: 'never seen' }, { text: `pending ${MARKER}` }));
  // Others: bob's interaction (zed rates it), bob's vote about zed's interaction.
  await server.post(V2_INTERACTIONS, interaction('bob', 'bob asks', 'bob gets', AT + 120_000, { id: 'bob-1', model: 'm1' }));
  await server.post(FEEDBACK, feedback('zed', 'rating', AT + 121_000, { interaction_id: 'bob-1' }, { value: 1, text: `rating ${MARKER}` }));
  await server.post(FEEDBACK, feedback('bob', 'thumbs_up', AT + 130_000, { interaction_id: 'bob-1' }));
  bobsFeedbackOnZed = (await server.post(FEEDBACK, feedback('bob', 'thumbs_up', AT + 3000, { interaction_id: 'zed-1' }))).body.id;
});
after(async () => { await server.destroy(); });

test('the user\'s text is stored (in the file or its WAL) before the erasure', () => {
  assert.ok(onDisk(MARKER), 'the test can see the marker on disk');
});

test('erasure removes the user everywhere: lists, exports, statistics and the bytes on disk', async () => {
  const range = `from=${iso(AT - 3_600_000)}&to=${iso(AT + 3_600_000)}`;
  const statsBefore = (await call('GET', `/api/v1/stats?${range}`)).json().groups[0];
  const erased = await call('DELETE', '/api/v1/users/zed');
  assert.equal(erased.status, 200, erased.body);
  assert.deepEqual(erased.json(), { interactions: 2, feedback: 3, tag_updates: 1, feedback_unlinked: 1 });

  assert.equal((await call('GET', '/api/v1/users/zed')).status, 404);
  for (const url of ['/api/v1/feedback?end_user=zed', '/api/v1/interactions?end_user=zed', `/api/v1/interactions?q=${MARKER}`, `/api/v1/feedback?q=${MARKER}`]) {
    assert.deepEqual((await call('GET', url)).json().items, [], url);
  }
  assert.equal((await call('GET', '/api/v1/interactions/zed-1')).status, 404);
  for (const file of ['feedback.csv', 'feedback.jsonl', 'interactions.jsonl', 'conversations.jsonl']) {
    const body = (await call('GET', `/api/v1/export/${file}`)).body;
    assert.ok(!body.includes(MARKER) && !body.includes('"zed"') && !body.includes(',zed,'), file);
  }
  const stats = (await call('GET', `/api/v1/stats?${range}`)).json().groups[0];
  assert.deepEqual([statsBefore.interactions, stats.interactions], [3, 1]);
  assert.deepEqual([stats.slugs.thumbs_up, stats.slugs.rating, stats.pending, stats.orphaned], [1, 0, 0, 1]);
  const project = (await server.keys.authenticate(server.key))!.projectId;
  assert.deepEqual(rollups(await server.storage.dumpRollups(project)), rollups(await server.storage.recomputeRollups(project)));

  assert.ok(!onDisk(MARKER), 'no page of the database file or the WAL holds the marker');
  assert.ok(!onDisk(`question ${MARKER}`));

  // Other users' data stays; bob's vote about zed's interaction is kept, orphaned.
  const bobs = (await call('GET', `/api/v1/feedback/${bobsFeedbackOnZed}`)).json();
  assert.deepEqual([bobs.status, bobs.interaction_id], ['orphaned', null]);
  assert.equal((await call('GET', '/api/v1/interactions/bob-1')).json().feedback.length, 1);
});

test('erasing again answers zeros; a publishable key may not erase', async () => {
  assert.deepEqual((await call('DELETE', '/api/v1/users/zed')).json(), { interactions: 0, feedback: 0, tag_updates: 0, feedback_unlinked: 0 });
  const created = await server.post('/api/v1/keys', { kind: 'publishable', origins: ['*'] });
  assert.equal((await call('DELETE', '/api/v1/users/bob', created.body.key)).status, 403);
  assert.equal((await call('GET', '/api/v1/interactions/bob-1')).status, 200);
});
