// End to end with real OpenTelemetry clients: the server on a loopback port, the OpenTelemetry
// Node SDK exporting GenAI-convention spans with the OTLP protobuf and the OTLP JSON exporters
// (gzip on and off), and feedback sent by trace id before and after the spans arrive, read back
// linked to the right interaction with model, tokens, user and conversation.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { context, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { feedback, FEEDBACK, startTestServer, type TestServer } from '../support/app.js';

let server: TestServer;
let base: string;

before(async () => {
  server = await startTestServer();
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
});
after(async () => { await server.destroy(); });

type Encoding = 'protobuf' | 'json';

function exporter(encoding: Encoding, gzip: boolean, path = '/v1/traces'): SpanExporter {
  const options = {
    url: `${base}${path}`, headers: { Authorization: `Bearer ${server.key}` },
    compression: gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
  };
  return encoding === 'protobuf' ? new ProtoExporter(options) : new JsonExporter(options);
}

/** A tracer provider of its own (never registered globally) exporting through `processor`. */
function provider(processor: 'batch' | 'simple', spanExporter: SpanExporter): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot', 'feedloop.anonymize': false }),
    spanProcessors: [processor === 'batch' ? new BatchSpanProcessor(spanExporter) : new SimpleSpanProcessor(spanExporter)],
  });
}

const child = (tracer: Tracer, parent: Span, name: string, start: number) =>
  tracer.startSpan(name, { startTime: start }, trace.setSpan(context.active(), parent));

/** One chat call as the OTel GenAI conventions describe it (messages as JSON text). */
function chat(tracer: Tracer, parent: Span, start: number, question: string, answer: string, tokens: [number, number], extra: Record<string, string> = {}): Span {
  const span = child(tracer, parent, 'chat gpt-4o-mini', start);
  span.setAttributes({
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.usage.input_tokens': tokens[0], 'gen_ai.usage.output_tokens': tokens[1],
    'gen_ai.input.messages': JSON.stringify([
      { role: 'system', parts: [{ type: 'text', content: 'You help customers of a bike shop.' }] },
      { role: 'user', parts: [{ type: 'text', content: question }] },
    ]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }], finish_reason: 'stop' }]),
    ...extra,
  });
  span.end(start + 800);
  return span;
}

/** An agent trace: invoke_agent root, a chat call asking for a tool, the tool, and the chat call that answers. */
function agentTrace(tracer: Tracer, user: string, conversation: string, start: number) {
  const root = tracer.startSpan('invoke_agent support', { startTime: start });
  root.setAttributes({ 'gen_ai.operation.name': 'invoke_agent', 'user.id': user, 'gen_ai.conversation.id': conversation, 'feedloop.tag.channel': 'web' });
  const first = chat(tracer, root, start + 10, 'Is the Vela 3 in stock?', '', [120, 14]);
  const tool = child(tracer, root, 'execute_tool stock_lookup', start + 900);
  tool.setAttributes({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'stock_lookup',
    'gen_ai.tool.call.arguments': '{"sku":"vela-3"}', 'gen_ai.tool.call.result': '{"in_stock":4}' });
  tool.end(start + 950);
  const second = chat(tracer, root, start + 1000, 'Is the Vela 3 in stock?', 'Yes: four Vela 3 are in stock.', [180, 11]);
  root.end(start + 1900);
  return { traceId: root.spanContext().traceId, first: first.spanContext().spanId, second: second.spanContext().spanId };
}

async function interaction(id: string) {
  const res = await server.get(`/api/v1/interactions/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

for (const [encoding, gzip] of [['protobuf', false], ['protobuf', true], ['json', false], ['json', true]] as [Encoding, boolean][]) {
  describe(`${encoding} exporter, gzip ${gzip ? 'on' : 'off'}`, () => {
    test('an agent trace becomes one interaction per chat call in one conversation; feedback by trace id links to the answer', async () => {
      const user = `rider-${encoding}-${gzip}`;
      const conversation = `conv-${encoding}-${gzip}`;
      const start = Date.now() - 60_000;
      const p = provider('batch', exporter(encoding, gzip, gzip ? '/otlp/v1/traces' : '/v1/traces'));
      const ids = agentTrace(p.getTracer('support-bot'), user, conversation, start);

      // Feedback before the spans arrive: pending, by trace id.
      const early = await server.post(FEEDBACK, feedback('front-end-user', 'thumbs_up', start + 5000, { trace_id: ids.traceId }));
      assert.equal(early.status, 200, JSON.stringify(early.body));
      assert.equal(early.body.status, 'pending');

      await p.forceFlush();
      await p.shutdown();

      const linkedEarly = await server.get(`/api/v1/feedback/${early.body.id}`);
      assert.equal(linkedEarly.body.status, 'linked');
      assert.equal(linkedEarly.body.link, 'trace');
      assert.equal(linkedEarly.body.trace_id, ids.traceId);

      const answer = await interaction(linkedEarly.body.interaction_id);
      assert.equal(answer.span_id, ids.second, 'a trace id alone means the trace\'s last LLM call');
      assert.equal(answer.trace_id, ids.traceId);
      assert.equal(answer.output, 'Yes: four Vela 3 are in stock.');
      assert.equal(answer.input, 'Is the Vela 3 in stock?');
      assert.equal(answer.system_prompt, 'You help customers of a bike shop.');
      assert.equal(answer.model, 'gpt-4o-mini-2024-07-18');
      assert.equal(answer.end_user, user);
      assert.equal(answer.conversation_id, conversation);
      assert.deepEqual(answer.tags, { channel: 'web' });
      assert.equal(answer.source, 'otlp');
      assert.equal(answer.time_end, new Date(start + 1800).toISOString());
      const llm = answer.traces.find((t: { type: string }) => t.type === 'llm');
      assert.deepEqual([llm.input_tokens, llm.output_tokens], [180, 11]);
      const tool = answer.traces.find((t: { type: string }) => t.type === 'retrieval');
      assert.deepEqual([tool.source, tool.input, tool.outputs], ['stock_lookup', '{"sku":"vela-3"}', ['{"in_stock":4}']]);

      // After the spans: by trace id again, and by the first call's span id.
      const late = await server.post(FEEDBACK, feedback('front-end-user', 'thumbs_down', start + 6000, { trace_id: ids.traceId.toUpperCase() }));
      assert.deepEqual([late.body.status, late.body.link, late.body.interaction_id], ['linked', 'trace', answer.id]);
      const bySpan = await server.post(FEEDBACK, feedback('front-end-user', 'rating', start + 6000, { trace_id: ids.traceId, span_id: ids.first }, { value: 4 }));
      assert.equal(bySpan.body.status, 'linked');
      const first = await interaction(bySpan.body.interaction_id);
      assert.equal(first.span_id, ids.first);
      assert.equal(first.conversation_id, conversation, 'both calls of the trace are in one conversation');
      assert.equal(first.output, '');
      assert.deepEqual(first.traces.filter((t: { type: string }) => t.type === 'llm').map((t: { input_tokens: number }) => t.input_tokens), [120]);
    });
  });
}

describe('spans of one trace in several exports', () => {
  test('each span exported alone: calls merge into one conversation, a trace-id link moves to the later call, re-sent spans store nothing twice', async () => {
    const spanExporter = exporter('protobuf', false);
    const p = provider('simple', spanExporter);
    const tracer = p.getTracer('support-bot');
    const start = Date.now() - 120_000;
    // Context on the calls themselves: exported alone, a call cannot see its parent's attributes.
    const who = { 'user.id': 'rider-split', 'session.id': 'session-split' };
    const root = tracer.startSpan('invoke_agent support', { startTime: start });
    const first = chat(tracer, root, start + 10, 'Which saddle fits a Vela 3?', 'The Comfort 200 fits.', [50, 6], who);
    await p.forceFlush();

    const fb = await server.post(FEEDBACK, feedback('front-end-user', 'thumbs_up', start + 3000, { trace_id: first.spanContext().traceId }));
    assert.equal(fb.body.status, 'linked');
    const firstInteraction = await interaction(fb.body.interaction_id);
    assert.equal(firstInteraction.span_id, first.spanContext().spanId);

    const second = chat(tracer, root, start + 1000, 'And for a Vela 5?', 'The Sport 300.', [70, 5], who);
    root.end(start + 1900);
    await p.forceFlush();
    await p.shutdown();

    const moved = await server.get(`/api/v1/feedback/${fb.body.id}`);
    assert.equal(moved.body.link, 'trace');
    const secondInteraction = await interaction(moved.body.interaction_id);
    assert.equal(secondInteraction.span_id, second.spanContext().spanId, 'the feedback follows the trace\'s last LLM call');
    assert.equal(secondInteraction.conversation_id, 'session-split');
    assert.equal(firstInteraction.conversation_id, 'session-split');
    assert.equal(secondInteraction.end_user, 'rider-split');

    // The same spans exported again (an exporter retry): the same interactions, nothing new.
    const before = await interaction(secondInteraction.id);
    const resend = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{
        traceId: second.spanContext().traceId, spanId: second.spanContext().spanId, parentSpanId: root.spanContext().spanId,
        name: 'chat gpt-4o-mini', kind: 1, startTimeUnixNano: String(BigInt(start + 1000) * 1_000_000n), endTimeUnixNano: String(BigInt(start + 1800) * 1_000_000n),
        attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }, { key: 'gen_ai.output.messages', value: { stringValue: '[{"role":"assistant","parts":[{"type":"text","content":"changed"}]}]' } }],
      }] }] }] }),
    });
    assert.equal(resend.status, 200);
    assert.deepEqual(await interaction(secondInteraction.id), before, 'a re-sent span is a retry of the stored interaction');
  });
});
