// End to end with the Vercel AI SDK (`ai` 6): generateText on the SDK's own mock language model
// (ai/test) with experimental_telemetry on, exported by the OpenTelemetry Node SDK with the OTLP
// protobuf exporter to the server on a loopback port; feedback by trace id links to the answer.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { generateText, stepCountIs, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';
import { feedback, FEEDBACK, startTestServer, type TestServer } from '../support/app.js';

let server: TestServer;
let provider: NodeTracerProvider;

before(async () => {
  server = await startTestServer();
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}/v1/traces`;
  provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url, headers: { Authorization: `Bearer ${server.key}` } }))] });
  // The AI SDK nests its spans through the active context: register the async-hooks context manager.
  provider.register();
});
after(async () => {
  await provider.shutdown();
  await server.destroy();
});

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: output, text: output, reasoning: 0 },
});

/** The trace id of the AI SDK call run inside `work` (a parent span of ours gives it). */
async function traced<T>(work: () => Promise<T>): Promise<{ traceId: string; result: T }> {
  const tracer = provider.getTracer('app');
  return tracer.startActiveSpan('POST /chat', async (span) => {
    try {
      return { traceId: span.spanContext().traceId, result: await work() };
    } finally {
      span.end();
    }
  });
}

async function interaction(id: string) {
  const res = await server.get(`/api/v1/interactions/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

test('generateText with telemetry: generateText + doGenerate become one interaction with model, tokens, user and session', async () => {
  const model = new MockLanguageModelV3({
    modelId: 'mock-gpt', doGenerate: { content: [{ type: 'text', text: 'Lyon is about 2 hours from Paris by train.' }], finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(21, 12), warnings: [] },
  });
  const { traceId, result } = await traced(() => generateText({
    model, system: 'You are a travel assistant.', prompt: 'How far is Lyon from Paris?',
    experimental_telemetry: { isEnabled: true, tracer: trace.getTracer('ai'), functionId: 'travel-chat',
      metadata: { userId: 'traveller-7', sessionId: 'trip-42', 'feedloop.tag.plan': 'pro', 'feedloop.feature_flags': ['new-prompt'],
        'feedloop.anonymize': false } },
  }));
  assert.equal(result.text, 'Lyon is about 2 hours from Paris by train.');

  const pending = await server.post(FEEDBACK, feedback('traveller-7', 'thumbs_up', Date.now() + 1000, { trace_id: traceId }));
  assert.equal(pending.body.status, 'pending');
  await provider.forceFlush();

  const linked = await server.get(`/api/v1/feedback/${pending.body.id}`);
  assert.deepEqual([linked.body.status, linked.body.link], ['linked', 'trace']);
  const i = await interaction(linked.body.interaction_id);
  assert.equal(i.input, 'How far is Lyon from Paris?');
  assert.equal(i.output, 'Lyon is about 2 hours from Paris by train.');
  assert.equal(i.system_prompt, 'You are a travel assistant.');
  assert.equal(i.model, 'mock-gpt');
  assert.equal(i.end_user, 'traveller-7');
  assert.equal(i.conversation_id, 'trip-42');
  assert.deepEqual(i.tags, { plan: 'pro' });
  assert.deepEqual(i.feature_flags, ['new-prompt']);
  assert.deepEqual(i.traces.map((t: { type: string }) => t.type), ['llm'], 'the wrapper span is merged, the root HTTP span is context only');
  assert.deepEqual([i.traces[0].input_tokens, i.traces[0].output_tokens], [21, 12]);

  // One interaction for the whole trace: generateText and its doGenerate child are one call.
  const late = await server.post(FEEDBACK, feedback('traveller-7', 'rating', Date.now() + 2000, { trace_id: traceId }, { value: 5 }));
  assert.equal(late.body.interaction_id, i.id);
});

test('a tool loop: one interaction per model call, the tool as a trace of the answer, feedback by trace id on the answer', async () => {
  let step = 0;
  const model = new MockLanguageModelV3({
    modelId: 'mock-gpt',
    doGenerate: async () => (step++ === 0
      ? { content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Lyon"}' }], finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: usage(30, 8), warnings: [] }
      : { content: [{ type: 'text', text: 'Sunny in Lyon today.' }], finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(45, 6), warnings: [] }),
  });
  const { traceId, result } = await traced(() => generateText({
    model, prompt: 'Weather in Lyon? Mail it to anna.berg@example.com', stopWhen: stepCountIs(3),
    tools: { weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, sky: 'sunny' }) }) },
    experimental_telemetry: { isEnabled: true, tracer: trace.getTracer('ai'), metadata: { userId: 'traveller-8', sessionId: 'trip-43' } },
  }));
  assert.equal(result.text, 'Sunny in Lyon today.');
  await provider.forceFlush();

  const fb = await server.post(FEEDBACK, feedback('traveller-8', 'thumbs_up', Date.now() + 1000, { trace_id: traceId }));
  assert.deepEqual([fb.body.status, fb.body.link], ['linked', 'trace']);
  const answer = await interaction(fb.body.interaction_id);
  assert.equal(answer.output, 'Sunny in Lyon today.');
  assert.equal(answer.conversation_id, 'trip-43');
  // Anonymize is on unless a span or resource attribute turns it off, as on the compat endpoints.
  assert.equal(answer.input, 'Weather in Lyon? Mail it to [EMAIL]');
  assert.equal(answer.pii_removed, true);
  const tools = answer.traces.filter((t: { type: string }) => t.type === 'retrieval');
  assert.deepEqual(tools.map((t: { source: string; input: string; outputs: string[] }) => [t.source, t.input, t.outputs]),
    [['weather', '{"city":"Lyon"}', ['{"city":"Lyon","sky":"sunny"}']]]);
  const llm = answer.traces.find((t: { type: string }) => t.type === 'llm');
  assert.deepEqual([llm.input_tokens, llm.output_tokens], [45, 6]);
});
