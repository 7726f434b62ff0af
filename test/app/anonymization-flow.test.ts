// PII removal on the write path: nothing of the raw PII is stored, counts are kept, and feedback that
// quotes the raw text still links (keyed hashes of the raw normalised text).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { FEEDBACK, V1_TRACE, V2_INTERACTIONS, feedback, startTestServer, type TestServer } from '../support/app.js';

const T = Date.UTC(2024, 6, 1, 9);
const SECRETS = ['giulia.ferraris@example.org', '+39 347 123 4567', '4111 1111 1111 1111', 'Giulia Ferraris'];
let server: TestServer;
before(async () => { server = await startTestServer({ FEEDLOOP_PII_THREADS: '1' }); });
after(async () => { await server.destroy(); });

test('an interaction with anonymize on (the default) stores no raw PII anywhere and counts what was removed', async () => {
  const input = 'Hi, I am Giulia Ferraris, mail me at giulia.ferraris@example.org or call +39 347 123 4567.';
  const output = 'Sure Giulia Ferraris, I will not store your card 4111 1111 1111 1111.';
  const r = await server.post(V2_INTERACTIONS, {
    interaction: {
      output, end_user: 'pii-user', time_start: new Date(T - 1000).toISOString(), time_end: new Date(T).toISOString(),
      messages: [{ role: 'system', content: 'Support bot for Giulia Ferraris' }, { role: 'user', content: input }],
      rag_sources: ['CRM record: giulia.ferraris@example.org'],
    },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const stored = (await server.get(`/api/v1/interactions/${r.body.id}`)).body;
  const json = JSON.stringify(stored);
  for (const secret of SECRETS) assert.ok(!json.includes(secret), `${secret} must not be stored: ${json}`);
  assert.equal(stored.pii_removed, true);
  assert.ok(stored.pii.EMAIL >= 2 && stored.pii.PHONE >= 1 && stored.pii.CREDIT_CARD >= 1 && stored.pii.PERSON >= 1, JSON.stringify(stored.pii));
  assert.match(stored.input, /\[EMAIL\]/);

  // The database file itself holds none of it either.
  const file = readFileSync(`${server.dataDir}/feedloop.sqlite`, 'latin1') + readFileSync(`${server.dataDir}/feedloop.sqlite-wal`, 'latin1');
  for (const secret of SECRETS) assert.ok(!file.includes(secret), `${secret} is in the database file`);

  const f = await server.post(FEEDBACK, feedback('pii-user', 'thumbs_up', T + 5000, { input, output }));
  assert.deepEqual([f.body.status, f.body.interaction_id, f.body.link], ['linked', r.body.id, 'exact']);
});

test('traces and history of the SDK body are anonymized too', async () => {
  const r = await server.post(V1_TRACE, {
    interaction: {
      input: 'My email is marco.bianchi@example.com', output: 'Noted.', time_start: new Date(T).toISOString(), time_end: new Date(T + 500).toISOString(),
      end_user: 'pii-user-2', history: [['I am Marco Bianchi', 'Hello Marco Bianchi']], tags: {},
    },
    traces: [{ model: 'gpt-4o', system_prompt: '', history: [], input: 'My email is marco.bianchi@example.com', output: 'Noted.', input_tokens: 9, output_tokens: 2 }],
  });
  assert.equal(r.status, 200);
  const json = JSON.stringify((await server.get(`/api/v1/interactions/${r.body.id}`)).body);
  assert.ok(!json.includes('marco.bianchi@example.com') && !json.includes('Marco Bianchi'), json);
  assert.ok(json.includes('gpt-4o'), 'labels such as the model name are kept');
});

test('hide_content stores no content at all, yet feedback quoting it links by content', async () => {
  const r = await server.post(V2_INTERACTIONS, {
    interaction: {
      input: 'secret question', output: 'secret answer', end_user: 'hidden-user', hide_content: true, model: 'm1', tags: { team: 'a' },
      time_start: new Date(T).toISOString(), time_end: new Date(T + 100).toISOString(), messages: [{ role: 'user', content: 'secret question' }],
    },
    anonymize: false,
  });
  const stored = (await server.get(`/api/v1/interactions/${r.body.id}`)).body;
  assert.deepEqual([stored.input, stored.output, stored.messages, stored.model, stored.tags], [null, null, null, 'm1', { team: 'a' }]);
  assert.ok(!JSON.stringify(stored).includes('secret'));
  const f = await server.post(FEEDBACK, feedback('hidden-user', 'thumbs_down', T + 1000, { output: 'secret answer' }));
  assert.deepEqual([f.body.interaction_id, f.body.link], [r.body.id, 'output']);
});
