// Records what real LLM instrumentations send over OTLP/HTTP, as fixtures for the mapping tests
// (test/fixtures/otlp/). Runs the OpenAI client, instrumented by OpenInference and by OpenLLMetry
// (Traceloop), against a fake OpenAI server on loopback, and exports the spans with the
// OpenTelemetry OTLP JSON exporter to a loopback receiver that writes the request body to a file.
// Nothing leaves the machine. Run: npm run build && node dist/scripts/record-otlp-fixtures.js
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenAIInstrumentation as OpenInferenceOpenAI } from '@arizeai/openinference-instrumentation-openai';
import { OpenAIInstrumentation as TraceloopOpenAI } from '@traceloop/instrumentation-openai';

const require = createRequire(import.meta.url);
const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'otlp');

const body = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let data = '';
  req.on('data', (c: Buffer) => { data += c.toString('utf8'); });
  req.on('end', () => resolve(data));
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A fake OpenAI: chat completions with a fixed answer and usage. */
function fakeOpenAi(): Server {
  return createServer(async (req, res) => {
    const request = JSON.parse(await body(req)) as { model: string };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({
      id: 'chatcmpl-fixture', object: 'chat.completion', created: 1_733_000_000, model: `${request.model}-2024-07-18`,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'The Vela 3 has a 54 cm frame.' } }],
      usage: { prompt_tokens: 31, completion_tokens: 9, total_tokens: 40 },
    }));
  });
}

async function record(name: string, instrument: (openaiModule: unknown, provider: BasicTracerProvider) => void): Promise<void> {
  const bodies: string[] = [];
  const receiver = createServer(async (req, res) => {
    bodies.push(await body(req));
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
  const openAi = fakeOpenAi();
  const receiverUrl = await listen(receiver);
  const openAiUrl = await listen(openAi);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bike-shop-assistant' }),
    // The batch processor (what applications use): the trace's spans go in one export.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${receiverUrl}/v1/traces` }))],
  });
  const openaiModule = require('openai') as { OpenAI: new (o: object) => { chat: { completions: { create(body: object): Promise<unknown> } } } };
  instrument(openaiModule, provider);
  const client = new openaiModule.OpenAI({ apiKey: 'sk-fixture', baseURL: `${openAiUrl}/v1` });
  // An application span around the call, with the user and session the application knows.
  const tracer = provider.getTracer('bike-shop');
  await tracer.startActiveSpan('POST /chat', { attributes: { 'user.id': 'rider-9', 'session.id': 'session-77' } }, async (span) => {
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'You help customers of a bike shop.' }, { role: 'user', content: 'What frame size is the Vela 3?' }],
    });
    span.end();
  });
  await provider.forceFlush();
  await provider.shutdown();
  receiver.close();
  openAi.close();
  const exports = bodies.map((b) => JSON.parse(b) as unknown);
  writeFileSync(join(FIXTURES, `${name}.json`), `${JSON.stringify(exports, null, 2)}\n`);
  console.log(`${name}: ${exports.length} export(s) recorded`);
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
await record('openinference-openai', (module, provider) => {
  const instrumentation = new OpenInferenceOpenAI();
  instrumentation.setTracerProvider(provider);
  instrumentation.manuallyInstrument(module as never);
});
// A second client run with the other instrumentation: load a fresh copy of the module.
delete require.cache[require.resolve('openai')];
for (const key of Object.keys(require.cache)) if (key.includes('/node_modules/openai/')) delete require.cache[key];
await record('openllmetry-openai', (module, provider) => {
  const instrumentation = new TraceloopOpenAI({ traceContent: true });
  instrumentation.setTracerProvider(provider);
  // It patches `Chat.Completions`, a static of the client class in openai 5 and later.
  instrumentation.manuallyInstrument((module as { OpenAI: never }).OpenAI);
});

