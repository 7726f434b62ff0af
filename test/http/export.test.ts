// The streaming exports: feedback.csv parsed back by a real CSV parser (csv-parse: RFC 4180, header,
// cells that would run as formulas escaped), the JSONL exports with the lists' filters, and over a
// real socket: a client that reads slowly holds the walk back, one that goes away stops it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { newId } from '../../src/core/ids.js';
import { FEEDBACK_CSV_COLUMNS } from '../../src/http/export-format.js';
import { feedback as feedbackRecord } from '../storage/contract.js';
import { assertProblem, FEEDBACK, feedback, interaction, startTestServer, V2_INTERACTIONS, type TestServer } from '../support/app.js';

const AT = Date.parse('2024-05-01T10:00:00Z');
const TRICKY = 'He said "no", then left,\r\nand came back\n(twice)';
const FORMULAS = ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tTAB', '\rCR', '=HYPERLINK("http://x")\nsecond line'];

const lines = (body: string) => body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));

describe('exports', () => {
  let server: TestServer;
  const get = (url: string, key?: string) => server.app.inject({ url, headers: { authorization: `Bearer ${key ?? server.key}` } });

  before(async () => {
    server = await startTestServer();
    await server.post(V2_INTERACTIONS, interaction('ann', 'first =question', TRICKY, AT, { model: 'm1', tags: { team: 'a' }, feature_flag: ['beta'], conversation_id: 'conv-1' }));
    await server.post(V2_INTERACTIONS, interaction('bob', 'second', 'plain answer', AT + 60_000, { model: 'm2' }));
    await server.post(FEEDBACK, feedback('ann', 'thumbs_down', AT + 1000, { output: TRICKY }, { text: TRICKY }));
    for (const [k, text] of FORMULAS.entries()) await server.post(FEEDBACK, feedback('bob', 'comment', AT + 61_000 + k, { output: 'plain answer' }, { text }));
    await server.post(FEEDBACK, feedback('cy', 'rating', AT + 2000, {}, { value: 4 }));
  });
  after(async () => { await server.destroy(); });

  test('feedback.csv: a header, RFC 4180 quoting and CRLF, every feedback with its interaction\'s fields', async () => {
    const response = await get('/api/v1/export/feedback.csv');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/csv; charset=utf-8/);
    assert.match(String(response.headers['content-disposition']), /attachment; filename="feedback.csv"/);
    assert.ok(response.body.split('\r\n')[0] === FEEDBACK_CSV_COLUMNS.join(','), 'header row, CRLF');
    const rows = parse(response.body, { columns: true, record_delimiter: '\r\n', relax_quotes: false }) as Record<string, string>[];
    assert.deepEqual(Object.keys(rows[0]!), [...FEEDBACK_CSV_COLUMNS]);
    assert.equal(rows.length, 2 + FORMULAS.length);
    const listed = (await server.get('/api/v1/feedback?order=oldest&limit=100')).body.items;
    assert.deepEqual(rows.map((r) => r['id']), listed.map((f: { id: string }) => f.id), 'the list\'s rows, oldest first');
    const ann = rows.find((r) => r['end_user'] === 'ann')!;
    assert.deepEqual({ text: ann['text'], output: ann['interaction_output'], input: ann['interaction_input'], model: ann['interaction_model'],
      tags: ann['interaction_tags'], flags: ann['interaction_feature_flags'], conversation: ann['interaction_conversation_id'], link: ann['link'] }, {
      text: TRICKY, output: TRICKY, input: 'first =question', model: 'm1', tags: '{"team":"a"}', flags: '["beta"]', conversation: 'conv-1', link: 'output',
    });
    const cy = rows.find((r) => r['end_user'] === 'cy')!;
    assert.deepEqual([cy['value'], cy['status'], cy['interaction_id'], cy['interaction_output']], ['4', 'pending', '', '']);
  });

  test('feedback.csv: a cell starting with =, +, -, @, tab or CR is prefixed with \'', async () => {
    const rows = parse((await get('/api/v1/export/feedback.csv?slug=comment')).body, { columns: true }) as Record<string, string>[];
    assert.deepEqual(rows.map((r) => r['text']), FORMULAS.map((f) => `'${f}`));
    assert.ok(rows.every((r) => !/^[=+\-@\t\r]/.test(r['text']!)));
  });

  test('feedback exports take the list\'s filters; order and limit walk the rows', async () => {
    for (const query of ['slug=thumbs_down', 'end_user=bob', 'model=m1', 'tag=team:a', 'status=pending', `from=${new Date(AT + 1500).toISOString()}`, 'q=tab', 'value=4']) {
      const listed = (await server.get(`/api/v1/feedback?${query}&order=oldest&limit=100`)).body.items.map((f: { id: string }) => f.id);
      const exported = lines((await get(`/api/v1/export/feedback.jsonl?${query}`)).body).map((f) => f.id);
      assert.deepEqual(exported, listed, query);
      assert.ok(listed.length > 0, `${query} matches something`);
    }
    const newest = lines((await get('/api/v1/export/feedback.jsonl?order=newest&limit=3')).body).map((f) => f.id);
    assert.deepEqual(newest, (await server.get('/api/v1/feedback?limit=3')).body.items.map((f: { id: string }) => f.id));
  });

  test('feedback.jsonl: the list\'s shape with the interaction it is linked to', async () => {
    const [ann] = lines((await get('/api/v1/export/feedback.jsonl?end_user=ann')).body);
    const listed = (await server.get('/api/v1/feedback?end_user=ann')).body.items[0];
    assert.deepEqual(Object.fromEntries(Object.keys(listed).map((k) => [k, ann[k]])), listed);
    assert.deepEqual([ann.interaction.output, ann.interaction.model, ann.interaction.end_user], [TRICKY, 'm1', 'ann']);
    const [cy] = lines((await get('/api/v1/export/feedback.jsonl?end_user=cy')).body);
    assert.equal(cy.interaction, null);
  });

  test('interactions.jsonl and conversations.jsonl: everything stored about each, with its feedback', async () => {
    const interactions = lines((await get('/api/v1/export/interactions.jsonl')).body);
    assert.deepEqual(interactions.map((i) => i.end_user), ['ann', 'bob']);
    const one = (await server.get(`/api/v1/interactions/${interactions[0].id}`)).body;
    for (const key of Object.keys(one)) assert.deepEqual(interactions[0][key], one[key], key);
    assert.equal(interactions[1].feedback.length, FORMULAS.length);
    assert.deepEqual(lines((await get('/api/v1/export/interactions.jsonl?feedback=thumbs_down')).body).map((i) => i.end_user), ['ann']);
    const conversations = lines((await get('/api/v1/export/conversations.jsonl')).body);
    assert.equal(conversations.length, 2);
    const conv = conversations.find((c) => c.id === 'conv-1');
    assert.deepEqual([conv.end_user, conv.interactions.length, conv.interactions[0].feedback[0].slug], ['ann', 1, 'thumbs_down']);
    assert.deepEqual(lines((await get('/api/v1/export/conversations.jsonl?model=m2')).body).map((c) => c.end_user), ['bob']);
  });

  test('bad parameters are a 422 naming them; a publishable key is refused; an empty CSV still has its header', async () => {
    const bad = await get('/api/v1/export/feedback.csv?from=yesterday&cursor=abc&slug=nope');
    assertProblem({ status: bad.statusCode, body: bad.json(), headers: bad.headers }, 422, ['/query/from', '/query/cursor', '/query/slug']);
    const conversations = await get('/api/v1/export/conversations.jsonl?feedback=any');
    assert.equal(conversations.statusCode, 422);
    const created = await server.post('/api/v1/keys', { kind: 'publishable', origins: ['*'] });
    assert.equal((await get('/api/v1/export/feedback.csv', created.body.key)).statusCode, 403);
    const empty = await get('/api/v1/export/feedback.csv?end_user=nobody');
    assert.equal(empty.body, `${FEEDBACK_CSV_COLUMNS.join(',')}\r\n`);
  });
});

describe('exports over a socket', () => {
  let server: TestServer;
  let url = '';
  const ROWS = 30_000;
  before(async () => {
    server = await startTestServer();
    url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const projectId = (await server.keys.authenticate(server.key))!.projectId;
    const rows = Array.from({ length: ROWS }, (_, k) => feedbackRecord(projectId, { endUser: `u${k % 100}`, timestamp: AT + k, text: `comment number ${k} `.repeat(8), id: newId() }));
    await server.storage.transaction((tx) => tx.insertFeedback(rows));
  });
  after(async () => { await server.destroy(); });

  test('a slow client holds the walk back; a client that goes away stops it', async () => {
    let pages = 0;
    const original = server.storage.listFeedback.bind(server.storage);
    server.storage.listFeedback = (...args) => { pages++; return original(...args); };
    const controller = new AbortController();
    const response = await fetch(`${url}/api/v1/export/feedback.jsonl`, { headers: { authorization: `Bearer ${server.key}` }, signal: controller.signal });
    const reader = response.body!.getReader();
    let received = (await reader.read()).value?.length ?? 0;
    await new Promise((r) => setTimeout(r, 800));
    const whileSlow = pages;
    assert.ok(whileSlow < ROWS / 1000, `the walk waits for the client (${whileSlow} of ${ROWS / 1000} pages read)`);
    received += (await reader.read()).value?.length ?? 0;
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 800));
    const afterAbort = pages;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(pages, afterAbort, 'no page is read once the client has gone');
    assert.ok(afterAbort < ROWS / 1000, `stopped before the end (${afterAbort} pages)`);
    assert.ok(received > 0);

    // Read to the end, it is every row once.
    const full = await (await fetch(`${url}/api/v1/export/feedback.csv`, { headers: { authorization: `Bearer ${server.key}` } })).text();
    const rows = parse(full, { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, ROWS);
    assert.equal(new Set(rows.map((r) => r['id'])).size, ROWS);
  });
});
