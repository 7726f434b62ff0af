// End to end with the official Node client: the real server on a real port, and the unmodified
// @nebuly-ai/nebuly-js-sdk pointed at it by NEBULY_ENDPOINT_URL alone (API.md, compat). The SDK
// swallows errors (console.error, returns undefined), so the tests assert on what it returns.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/app.js';

type NebulySdkClass = typeof import('@nebuly-ai/nebuly-js-sdk').NebulySdk;

let server: TestServer;
let NebulySdk: NebulySdkClass;

before(async () => {
  server = await startTestServer();
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.app.server.address() as AddressInfo;
  // The SDK reads the variable when it is loaded: set it first, then import.
  process.env['NEBULY_ENDPOINT_URL'] = `http://127.0.0.1:${port}/event-ingestion`;
  const sdk = await import('@nebuly-ai/nebuly-js-sdk');
  NebulySdk = sdk.NebulySdk;
});

after(async () => { await server.destroy(); });

test('feedback sent by the Node SDK links to the interaction it sent', async () => {
  const client = new NebulySdk(server.key);
  const messages = [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Hello!' },
    { role: 'assistant', content: 'Hi, how can I help?' },
    { role: 'user', content: 'Give me a JavaScript one-liner that sums an array.' },
  ];
  const output = 'Sure:\nconst sum = xs.reduce((a, b) => a + b, 0);\nIt works on any array of numbers.';
  const end = new Date(Date.now() - 1000);
  const start = new Date(end.getTime() - 2500);

  const sent = await client.sendOpenAIInteraction(messages, output, 'gpt-4o', start, end, 'user-42');
  assert.ok(sent, 'the SDK got no answer for the interaction');
  assert.equal(typeof sent['id'], 'string');
  assert.equal(typeof sent['conversation_id'], 'string');
  const interactionId = sent['id'] as string;

  const thumbs = await client.sendFeedbackAction(
    { slug: 'thumbs_up' },
    { input: 'Give me a JavaScript one-liner that sums an array.', output, end_user: 'user-42' },
  );
  assert.ok(thumbs, 'the SDK got no answer for thumbs_up');
  assert.equal(thumbs['status'], 'linked');
  assert.equal(thumbs['interaction_id'], interactionId);
  assert.equal(thumbs['link'], 'exact');

  const copy = await client.sendFeedbackAction(
    { slug: 'copy_output', text: 'const sum = xs.reduce((a, b) => a + b, 0);' },
    { end_user: 'user-42' },
  );
  assert.ok(copy, 'the SDK got no answer for copy_output');
  assert.equal(copy['status'], 'linked');
  assert.equal(copy['interaction_id'], interactionId);
  assert.ok(copy['link'] === 'copied_text' || copy['link'] === 'time', String(copy['link']));

  const read = await server.get(`/api/v1/interactions/${interactionId}`);
  assert.equal(read.status, 200);
  const i = read.body;
  assert.equal(i.input, 'Give me a JavaScript one-liner that sums an array.');
  assert.equal(i.output, output);
  assert.equal(i.end_user, 'user-42');
  assert.equal(i.model, 'gpt-4o');
  assert.equal(i.time_start, start.toISOString());
  assert.equal(i.time_end, end.toISOString());
  const bySlug = new Map<string, any>(i.feedback.map((f: any) => [f.slug, f]));
  assert.equal(i.feedback.length, 2);
  assert.equal(bySlug.get('thumbs_up')?.link, 'exact');
  assert.equal(bySlug.get('thumbs_up')?.id, thumbs['id']);
  assert.ok(['copied_text', 'time'].includes(bySlug.get('copy_output')?.link), JSON.stringify(i.feedback));
  assert.equal(bySlug.get('copy_output')?.text, 'const sum = xs.reduce((a, b) => a + b, 0);');
});

test('the Node SDK gets nothing back when its key is unknown', async () => {
  const client = new NebulySdk('fl_sk_unknown_key_for_this_server');
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => { logged.push(args); };
  let answer: unknown;
  try {
    answer = await client.sendFeedbackAction({ slug: 'thumbs_down' }, { end_user: 'user-unknown-key' });
  } finally {
    console.error = original;
  }
  assert.equal(answer, undefined);
  assert.match(String(logged[0]?.[1]), /401/);
});
