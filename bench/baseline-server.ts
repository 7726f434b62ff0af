// The no-op baseline: the same framework and settings as feedloop's HTTP edge (Fastify 5, the same
// body limit, Fastify's JSON parser, text/plain removed, a logger with per-request logging
// disabled, response schemas for serialization) at the same paths. It parses each body and answers
// 200 with a small JSON body like feedloop's, storing nothing: the physical limit of this stack on
// this machine, against which feedloop's figures are reported as ratios.
// Run: PORT=... HOST=127.0.0.1 node dist/bench/baseline-server.js  (prints "listening <url>").
import Fastify, { LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import { decodeProtobufRequest, encodeResponse } from '../src/http/otlp-codec.js';

const port = Number(process.env['PORT'] ?? 0);
const host = process.env['HOST'] ?? '127.0.0.1';
const bodyLimit = Number(process.env['FEEDLOOP_BODY_LIMIT'] ?? 1048576);

const app = Fastify({
  logger: { level: process.env['LOG_LEVEL'] ?? 'warn' },
  logController: new LogController({ disableRequestLogging: true }),
  bodyLimit,
  return503OnClosing: true,
});
app.removeContentTypeParser('text/plain');

const nullableString = { type: ['string', 'null'] };
const feedbackResponse = {
  type: 'object',
  properties: { id: { type: 'string' }, status: { type: 'string' }, interaction_id: nullableString, link: nullableString, flags: { type: 'array', items: { type: 'string' } } },
};
const interactionResponse = { type: 'object', properties: { id: { type: 'string' }, conversation_id: { type: 'string' } } };

const PREFIX = '/event-ingestion/api';
/** Touches the parsed body so the parse cannot be skipped, and answers without storing anything. */
const seen = (body: unknown): boolean => body !== null && typeof body === 'object';

app.post(`${PREFIX}/v1/events/feedback`, { schema: { response: { 200: feedbackResponse } } }, async (request) => ({
  id: randomUUID(), status: seen(request.body) ? 'linked' : 'pending', interaction_id: randomUUID(), link: 'output', flags: [],
}));
for (const path of ['v1/events/interactions', 'v1/events/trace_interaction', 'v2/events/interactions', 'v2/events/trace_interaction']) {
  app.post(`${PREFIX}/${path}`, { schema: { response: { 200: interactionResponse } } }, async (request) => ({
    id: randomUUID(), conversation_id: seen(request.body) ? randomUUID() : '',
  }));
}
// OTLP: the protobuf body is decoded (with feedloop's own message definitions) and answered with
// an empty ExportTraceServiceResponse, in a scope of its own as in feedloop.
await app.register(async (scope) => {
  scope.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  scope.post('/v1/traces', async (request, reply) => {
    const decoded = decodeProtobufRequest(request.body as Buffer) as { resourceSpans: unknown[] };
    if (!seen(decoded.resourceSpans)) throw new Error('no resourceSpans');
    return reply.type('application/x-protobuf').send(encodeResponse('protobuf', null));
  });
});
app.get('/healthz', async () => ({ status: 'ok' }));

const address = await app.listen({ port, host });
console.log(`listening ${address}`);

const stop = () => { void app.close().then(() => process.exit(0)); };
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
