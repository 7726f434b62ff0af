// Every string that a body stores under anonymize passes the PII detector, whatever key it sits
// under: the largest valid body of each anonymizing endpoint, with a distinct e-mail address
// planted in every string (content, labels, roles, tag keys and values, feature flags, strings
// nested anywhere in trace messages), is sent over HTTP and read back through the read API;
// none of the planted addresses may come back. Identifiers the API links by (end_user, ids,
// conversation ids, event ids) and validated enumerations (slugs) carry no planted value.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { anonymizeFields, type Anonymizer } from '../src/app/anonymizer.js';
import {
  FEEDBACK, V1_INTERACTIONS, V1_TRACE, V2_CONVERSATION, V2_INTERACTIONS, V2_TRACE, startTestServer, type TestServer,
} from './support/app.js';

const DOMAIN = 'planted-mailbox.org';
let n = 0;
/** A string with a fresh planted address. */
const p = (words = 'note'): string => `${words} ${DOMAIN.slice(0, 7)}${++n}.x@${DOMAIN}`;

const at = Date.parse('2024-05-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function interactionFields(endUser: string, id: string) {
  return {
    id, conversation_id: `conv-${id}`, input: p('input'), output: p('output'), time_start: iso(at - 2000), time_end: iso(at),
    end_user: endUser,
    history: [[p('history user'), p('history assistant')]],
    messages: [
      { role: 'system', content: p('system') },
      { role: p('role'), content: [{ type: 'text', text: p('part') }, { type: p('part type'), text: p('part 2') }] },
      { role: 'user', content: p('user') },
    ],
    rag_sources: [p('rag'), p('rag')],
    model: p('model'),
    system_prompt: p('system prompt'),
    tags: { [p('tag key')]: p('tag value'), plan: p('tag value') },
    feature_flag: [p('flag')],
    feature_flags: [p('flag')],
    feedback_actions: [{ slug: 'comment', text: p('comment') }, { slug: 'rating', value: 4, text: p('rating text') }],
  };
}

function traces() {
  return [
    {
      model: p('trace model'), output: p('trace output'), input: p('trace input'), system_prompt: p('trace system'),
      history: [[p('trace history'), p('trace history')], { deep: { deeper: [p('trace history object')] } }],
      input_tokens: 12, output_tokens: 34,
      messages: [
        { role: p('trace role'), content: { type: 'text', text: p('trace content'), nested: { list: [p('nested'), { again: p('nested again') }] } } },
        { role: 'assistant', content: p('trace assistant') },
      ],
    },
    { source: p('retrieval source'), input: p('retrieval input'), outputs: [p('retrieval output'), p('retrieval output')] },
  ];
}

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.destroy();
});

function assertNothingPlanted(stored: unknown, where: string): void {
  const json = JSON.stringify(stored);
  assert.ok(!json.includes(DOMAIN), `${where}: a planted address was stored: ${json.slice(Math.max(0, json.indexOf(DOMAIN) - 200), json.indexOf(DOMAIN) + 60)}`);
  assert.ok(json.includes('[EMAIL]'), `${where}: the read-back holds the placeholders`);
}

async function readInteraction(id: string): Promise<unknown> {
  const read = await server.get(`/api/v1/interactions/${encodeURIComponent(id)}`);
  assert.equal(read.status, 200, JSON.stringify(read.body));
  return read.body;
}

for (const [name, path, body] of [
  ['v1 interactions', V1_INTERACTIONS, (id: string) => ({ interaction: interactionFields('user-v1', id), anonymize: true })],
  ['v2 interactions', V2_INTERACTIONS, (id: string) => ({ interaction: interactionFields('user-v2', id) })],
  ['v1 trace_interaction', V1_TRACE, (id: string) => ({ interaction: interactionFields('user-t1', id), traces: traces(), anonymize: true })],
  ['v2 trace_interaction', V2_TRACE, (id: string) => ({
    interaction: interactionFields('user-t2', id), traces: traces(), feedback_actions: [{ slug: 'comment', text: p('action') }],
    user_feedback: [{ slug: 'thumbs_up', text: p('user feedback') }],
  })],
] as const) {
  test(`${name}: no planted PII in any stored string`, async () => {
    const id = `planted-${name.replace(/\W+/g, '-')}`;
    const response = await server.post(path, body(id));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const stored = await readInteraction(response.body.id);
    assertNothingPlanted(stored, name);
    const s = stored as { pii_removed: boolean; model: string; tags: Record<string, string>; feature_flags: string[] };
    assert.equal(s.pii_removed, true);
    assert.ok(!JSON.stringify(s.tags).includes(DOMAIN) && Object.keys(s.tags).length >= 1);
  });
}

test('trace_conversation: no planted PII in any stored string of any interaction', async () => {
  const interactions = [0, 1].map((i) => {
    const { end_user: _, ...fields } = interactionFields('ignored', `conv-planted-${i}`);
    return { ...fields, time_start: iso(at + i * 10_000 - 2000), time_end: iso(at + i * 10_000), trace: traces() };
  });
  const response = await server.post(V2_CONVERSATION, { conversation: { conversation_id: 'conv-planted', end_user: 'user-conv', interactions }, anonymize: true });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  for (const id of response.body.interaction_ids as string[]) assertNothingPlanted(await readInteraction(id), `trace_conversation ${id}`);
});

test('feedback with metadata.anonymize: no planted PII in the stored text', async () => {
  const response = await server.post(FEEDBACK, {
    feedback: { slug: 'comment', text: p('feedback text') },
    metadata: { end_user: 'user-fb', timestamp: iso(at), input: p('fb input'), output: p('fb output'), anonymize: true, event_id: 'event-planted' },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const read = await server.get(`/api/v1/feedback/${response.body.id}`);
  assert.equal(read.status, 200);
  assertNothingPlanted(read.body, 'feedback');
});

test('the walk keeps validated roles and kinds, and survives nesting 100,000 levels deep', async () => {
  const echo: Anonymizer = {
    async anonymize(texts) {
      return texts.map((t) => ({ text: t.replaceAll(DOMAIN, 'x'), counts: t.includes(DOMAIN) ? { EMAIL: 1 } : {} }));
    },
    async close() {},
  };
  let deep: unknown = p('bottom');
  for (let i = 0; i < 100_000; i++) deep = i % 2 === 0 ? [deep] : { level: deep };
  const { fields, counts } = await anonymizeFields(echo, {
    messages: [{ role: 'assistant', content: 'hi' }, { role: p('odd role'), content: 'x' }],
    traces: [{ kind: 'llm', model: p('model') }],
    deep,
  });
  assert.equal(counts['EMAIL'], 3);
  assert.equal(fields.messages[0]!.role, 'assistant');
  assert.equal(fields.traces[0]!.kind, 'llm');
  assert.ok(!JSON.stringify(fields.messages).includes(DOMAIN) && !JSON.stringify(fields.traces).includes(DOMAIN));
  let bottom: unknown = fields.deep;
  while (typeof bottom !== 'string') bottom = Array.isArray(bottom) ? bottom[0] : (bottom as { level: unknown }).level;
  assert.ok(!bottom.includes(DOMAIN), bottom);
});
