// Spans -> interactions (core/otlp), on recorded payloads of real instrumentations
// (test/fixtures/otlp/, written by scripts/record-otlp-fixtures.ts) and on small spans for the
// forms no client here can produce any more (older GenAI events and indexed attributes).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeExportRequest } from '../../src/core/otlp/decode.js';
import { interactionIdFor, spansToInteractions, UNKNOWN_END_USER } from '../../src/core/otlp/interactions.js';
import type { AttributeValue, OtlpSpan } from '../../src/core/otlp/spans.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'otlp', `${name}.json`), 'utf8')) as unknown[];
const T = Date.UTC(2024, 4, 1, 12);
const TRACE = '0af7651916cd43dd8448eb211c80319c';

let next = 1;
function span(attrs: Record<string, AttributeValue>, o: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: TRACE, spanId: (next++).toString(16).padStart(16, '0'), parentSpanId: null, name: 'span', kind: 1, startMs: T, endMs: T + 500,
    attributes: new Map(Object.entries(attrs)), events: [], statusCode: 0, resource: new Map(), scope: 'test', ...o,
  };
}
const map = (spans: OtlpSpan[]) => spansToInteractions({ spans, invalid: [] });

describe('recorded payloads', () => {
  test('OpenInference (OpenAI instrumentation): one interaction with messages, model, tokens, user and session from the parent span', () => {
    const [request] = fixture('openinference-openai');
    const { commands, rejected } = spansToInteractions(decodeExportRequest(request));
    assert.equal(rejected, 0);
    assert.equal(commands.length, 1);
    const c = commands[0]!;
    assert.equal(c.input, 'What frame size is the Vela 3?');
    assert.equal(c.output, 'The Vela 3 has a 54 cm frame.');
    assert.equal(c.systemPrompt, 'You help customers of a bike shop.');
    assert.deepEqual(c.messages?.map((m) => m.role), ['system', 'user']);
    assert.equal(c.model, 'gpt-4o-mini-2024-07-18');
    assert.deepEqual(c.traces?.map((t) => (t.kind === 'llm' ? [t.input_tokens, t.output_tokens] : null)), [[31, 9]]);
    assert.deepEqual([c.endUser, c.conversationId], ['rider-9', 'session-77']);
    assert.match(c.traceId!, /^[0-9a-f]{32}$/);
    assert.equal(c.clientId, interactionIdFor(c.traceId!, c.spanId!, c.timeStart));
  });

  test('OpenLLMetry (Traceloop OpenAI instrumentation, GenAI messages): the same interaction', () => {
    const [request] = fixture('openllmetry-openai');
    const { commands, rejected } = spansToInteractions(decodeExportRequest(request));
    assert.equal(rejected, 0);
    assert.equal(commands.length, 1);
    const c = commands[0]!;
    assert.deepEqual([c.input, c.output, c.systemPrompt, c.model], ['What frame size is the Vela 3?', 'The Vela 3 has a 54 cm frame.',
      'You help customers of a bike shop.', 'gpt-4o-mini-2024-07-18']);
    assert.deepEqual(c.traces?.map((t) => (t.kind === 'llm' ? [t.input_tokens, t.output_tokens] : null)), [[31, 9]]);
    assert.deepEqual([c.endUser, c.conversationId], ['rider-9', 'session-77']);
  });
});

describe('conventions', () => {
  test('older GenAI forms: indexed gen_ai.prompt/completion attributes, and message events', () => {
    const indexed = span({ 'llm.request.type': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-3.5-turbo',
      'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'Ping?', 'gen_ai.completion.0.role': 'assistant', 'gen_ai.completion.0.content': 'Pong.',
      'gen_ai.usage.prompt_tokens': 4, 'gen_ai.usage.completion_tokens': 2 }, { traceId: 'a'.repeat(32) });
    const events = span({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' }, {
      traceId: 'b'.repeat(32),
      events: [
        { name: 'gen_ai.system.message', timeMs: T, attributes: new Map([['content', 'Be terse.']]) },
        { name: 'gen_ai.user.message', timeMs: T, attributes: new Map([['content', 'Hi']]) },
        { name: 'gen_ai.choice', timeMs: T, attributes: new Map<string, AttributeValue>([['message', { role: 'assistant', content: 'Hello' }]]) },
      ],
    });
    const [a, b] = map([indexed, events]).commands;
    assert.deepEqual([a!.input, a!.output, a!.model], ['Ping?', 'Pong.', 'gpt-3.5-turbo']);
    assert.deepEqual(a!.traces?.[0], { kind: 'llm', model: 'gpt-3.5-turbo', messages: null, input: null, output: null, system_prompt: null, history: null, input_tokens: 4, output_tokens: 2 });
    assert.deepEqual([b!.input, b!.output, b!.systemPrompt], ['Hi', 'Hello', 'Be terse.']);
  });

  test('an LLM span around an LLM span (framework + provider) is one interaction, the inner one', () => {
    const outer = span({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'outer-model', 'user.id': 'u-outer' }, { startMs: T, endMs: T + 900 });
    const inner = span({ 'gen_ai.operation.name': 'chat', 'gen_ai.response.model': 'inner-model',
      'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"Answer"}]}]' },
    { parentSpanId: outer.spanId, startMs: T + 10, endMs: T + 800 });
    const { commands, rejected } = map([outer, inner]);
    assert.equal(rejected, 0);
    assert.equal(commands.length, 1);
    assert.deepEqual([commands[0]!.spanId, commands[0]!.model, commands[0]!.output, commands[0]!.endUser], [inner.spanId, 'inner-model', 'Answer', 'u-outer']);
  });

  test('a Vercel AI SDK wrapper exported after its calls is merged (accepted, nothing stored); a trace of plain spans is rejected', () => {
    const wrapper = span({ 'ai.operationId': 'ai.generateText', 'ai.response.text': 'done' }, { name: 'ai.generateText' });
    const plain = span({ 'http.request.method': 'GET' }, { traceId: 'c'.repeat(32) });
    const result = map([wrapper, plain]);
    assert.deepEqual(result.commands, []);
    assert.equal(result.rejected, 1);
    assert.match(result.errorMessage, /^1 span\(s\) carry no LLM call/);
  });

  test('tools and retrievals become traces of the call they fed; several calls of a trace share the trace as conversation', () => {
    const root = span({ 'openinference.span.kind': 'AGENT', 'input.value': 'plan a ride' }, { startMs: T, endMs: T + 5000 });
    const child = (attrs: Record<string, AttributeValue>, startMs: number) => span(attrs, { parentSpanId: root.spanId, startMs, endMs: startMs + 100 });
    const first = child({ 'openinference.span.kind': 'LLM', 'llm.output_messages.0.message.role': 'assistant', 'llm.output_messages.0.message.content': '' }, T + 100);
    const retrieval = child({ 'openinference.span.kind': 'RETRIEVER', 'input.value': 'routes near Lyon',
      'retrieval.documents.0.document.content': 'Route A', 'retrieval.documents.1.document.content': 'Route B' }, T + 300);
    const tool = child({ 'openinference.span.kind': 'TOOL', 'tool.name': 'weather', 'input.value': '{"city":"Lyon"}', 'output.value': 'sunny' }, T + 500);
    const second = child({ 'openinference.span.kind': 'LLM', 'llm.output_messages.0.message.role': 'assistant', 'llm.output_messages.0.message.content': 'Take route A.' }, T + 700);
    const { commands } = map([root, first, retrieval, tool, second]);
    assert.deepEqual(commands.map((c) => c.spanId), [first.spanId, second.spanId]);
    assert.deepEqual(commands.map((c) => c.conversationId), [TRACE, TRACE]);
    assert.deepEqual(commands.map((c) => c.endUser), [UNKNOWN_END_USER, UNKNOWN_END_USER]);
    assert.deepEqual(commands[0]!.traces?.map((t) => t.kind), ['llm']);
    assert.deepEqual(commands[1]!.traces, [
      { kind: 'retrieval', source: 'span', input: 'plan a ride', outputs: [] },
      { kind: 'retrieval', source: 'span', input: 'routes near Lyon', outputs: ['Route A', 'Route B'] },
      { kind: 'retrieval', source: 'weather', input: '{"city":"Lyon"}', outputs: ['sunny'] },
      { kind: 'llm', model: null, messages: null, input: null, output: null, system_prompt: null, history: null, input_tokens: null, output_tokens: null },
    ]);
  });

  test('overrides: the span nearest the call wins over its ancestors and the resource; flags from lists, JSON or commas', () => {
    const root = span({ 'feedloop.anonymize': 'false', 'feedloop.tag.team': 'root', 'feedloop.feature_flags': '["a","b"]' });
    const call = span({ 'gen_ai.operation.name': 'chat', 'feedloop.tag.team': 'call', 'ai.telemetry.metadata.feedloop.hide_content': true,
      'feedloop.feature_flag': 'c, d' }, { parentSpanId: root.spanId, resource: new Map<string, AttributeValue>([['feedloop.anonymize', true], ['feedloop.tag.env', 'prod']]) });
    const [c] = map([root, call]).commands;
    assert.deepEqual([c!.anonymize, c!.hideContent], [false, true]);
    assert.deepEqual(c!.tags, { env: 'prod', team: 'call' });
    assert.deepEqual(c!.featureFlags.sort(), ['a', 'b', 'c', 'd']);
  });

  test('interaction ids are deterministic per trace and span, UUID-shaped and time-ordered', () => {
    const a = interactionIdFor(TRACE, '00f067aa0ba902b7', T);
    assert.equal(a, interactionIdFor(TRACE, '00f067aa0ba902b7', T));
    assert.notEqual(a, interactionIdFor(TRACE, '00f067aa0ba902b8', T));
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(interactionIdFor(TRACE, 'ffffffffffffffff', T) < interactionIdFor(TRACE, '0000000000000001', T + 1));
  });
});
