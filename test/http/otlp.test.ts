// POST /v1/traces driven in-process: encodings and their responses, partial success, bad input
// (truncated protobuf, wrong field types, a gzip bomb, 10,000 spans in one export), overload, auth,
// and that the compat endpoints' JSON handling is untouched by the OTLP parsers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ExportTraceServiceRequest, ExportTraceServiceResponse } from '../../src/http/otlp-codec.js';
import { assertProblem, feedback, FEEDBACK, interaction, startTestServer, V2_INTERACTIONS, type TestServer } from '../support/app.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const NS = 1_000_000n;

type Attr = string | number | boolean | string[];
const anyValue = (v: Attr): Record<string, unknown> =>
  Array.isArray(v) ? { arrayValue: { values: v.map(anyValue) } }
    : typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v }
    : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
const attributes = (attrs: Record<string, Attr>) => Object.entries(attrs).map(([key, v]) => ({ key, value: anyValue(v) }));

interface SpanSpec { traceId: string; spanId?: string; parentSpanId?: string; name?: string; start: number; end?: number; attrs?: Record<string, Attr> }

/** An OTLP JSON span (hex ids, int64 times as strings). */
function jsonSpan(s: SpanSpec) {
  return {
    traceId: s.traceId, spanId: s.spanId ?? hex(8), ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}), name: s.name ?? 'span', kind: 1,
    startTimeUnixNano: String(BigInt(s.start) * NS), endTimeUnixNano: String(BigInt(s.end ?? s.start + 500) * NS), attributes: attributes(s.attrs ?? {}),
  };
}

const jsonBody = (spans: ReturnType<typeof jsonSpan>[], resource: Record<string, Attr> = { 'feedloop.anonymize': false }) =>
  ({ resourceSpans: [{ resource: { attributes: attributes(resource) }, scopeSpans: [{ scope: { name: 'test' }, spans }] }] });

/** The same request as protobuf bytes (ids as bytes, as the protobuf encoding has them). */
function protobufBody(body: ReturnType<typeof jsonBody>): Buffer {
  const withBytes = {
    resourceSpans: body.resourceSpans.map((rs) => ({
      ...rs, scopeSpans: rs.scopeSpans.map((ss) => ({
        ...ss, spans: ss.spans.map((s) => ({
          ...s, traceId: Buffer.from(s.traceId, 'hex'), spanId: Buffer.from(s.spanId, 'hex'),
          parentSpanId: s.parentSpanId ? Buffer.from(s.parentSpanId, 'hex') : undefined,
        })),
      })),
    })),
  };
  return Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(withBytes)).finish());
}

const chatAttrs = (question: string, answer: string, extra: Record<string, Attr> = {}): Record<string, Attr> => ({
  'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 3,
  'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: question }] }]),
  'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }] }]), ...extra,
});

let server: TestServer;
before(async () => { server = await startTestServer({ FEEDLOOP_BODY_LIMIT: String(4 * 1024 * 1024) }); });
after(async () => { await server.destroy(); });

interface Sent { status: number; body: Buffer; headers: Record<string, unknown> }

async function send(payload: Buffer | string, headers: Record<string, string>, path = '/v1/traces', key: string | null = server.key): Promise<Sent> {
  const res = await server.app.inject({ method: 'POST', url: path, payload, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });
  return { status: res.statusCode, body: res.rawPayload, headers: res.headers as Record<string, unknown> };
}
const sendJson = (body: unknown, headers: Record<string, string> = {}) => send(JSON.stringify(body), { 'content-type': 'application/json', ...headers });
const sendProto = (bytes: Buffer, headers: Record<string, string> = {}) => send(bytes, { 'content-type': 'application/x-protobuf', ...headers });
const json = (s: Sent) => JSON.parse(s.body.toString('utf8'));

describe('encodings and responses', () => {
  test('protobuf in, ExportTraceServiceResponse in protobuf out; JSON in, JSON out; both paths', async () => {
    const traceId = hex(16);
    const body = jsonBody([jsonSpan({ traceId, start: Date.now() - 5000, attrs: chatAttrs('Hi?', 'Hello!') })]);
    const proto = await sendProto(protobufBody(body), {});
    assert.equal(proto.status, 200);
    assert.match(String(proto.headers['content-type']), /^application\/x-protobuf/);
    assert.deepEqual(ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(proto.body)), {});

    const other = jsonBody([jsonSpan({ traceId: hex(16), start: Date.now() - 5000, attrs: chatAttrs('Hi?', 'Hello!') })]);
    const viaPrefix = await send(JSON.stringify(other), { 'content-type': 'application/json; charset=utf-8' }, '/otlp/v1/traces');
    assert.equal(viaPrefix.status, 200);
    assert.match(String(viaPrefix.headers['content-type']), /^application\/json/);
    assert.deepEqual(json(viaPrefix), {});

    const fb = await server.post(FEEDBACK, feedback('someone', 'thumbs_up', Date.now(), { trace_id: traceId }));
    assert.equal(fb.body.status, 'linked');
  });

  test('gzip bodies are inflated; an unknown Content-Encoding is a 415', async () => {
    const body = jsonBody([jsonSpan({ traceId: hex(16), start: Date.now() - 5000, attrs: chatAttrs('Hi?', 'Hello!') })]);
    assert.equal((await sendProto(gzipSync(protobufBody(body)), { 'content-encoding': 'gzip' })).status, 200);
    assert.equal((await sendJson(body, { 'content-encoding': 'br' })).status, 415);
  });

  test('spans without LLM attributes are stored as nothing and reported in partial_success, in both encodings', async () => {
    const llmTrace = hex(16);
    const plain = hex(16);
    const spans = [
      jsonSpan({ traceId: llmTrace, start: Date.now() - 5000, attrs: chatAttrs('Q', 'A') }),
      jsonSpan({ traceId: plain, name: 'GET /health', start: Date.now() - 5000, attrs: { 'http.request.method': 'GET' } }),
      jsonSpan({ traceId: plain, name: 'SELECT users', start: Date.now() - 5000, attrs: { 'db.system.name': 'postgresql' } }),
      { ...jsonSpan({ traceId: hex(16), start: Date.now() }), traceId: '0'.repeat(32) },
    ];
    const res = await sendJson(jsonBody(spans));
    assert.equal(res.status, 200);
    const partial = json(res).partialSuccess;
    assert.equal(partial.rejectedSpans, '3');
    assert.match(partial.errorMessage, /2 span\(s\) carry no LLM call/);
    assert.match(partial.errorMessage, /1 span\(s\) have a trace id that is not 16 bytes, or is all zeros/);

    const proto = await sendProto(protobufBody(jsonBody(spans.slice(1, 3))));
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(proto.body), { longs: Number });
    assert.equal(decoded['partialSuccess'].rejectedSpans, 2);
    const fb = await server.post(FEEDBACK, feedback('someone', 'thumbs_up', Date.now(), { trace_id: plain }));
    assert.equal(fb.body.status, 'pending', 'nothing was stored for the plain trace');
  });

  test('a span sent twice, in one export or in two, is one interaction', async () => {
    const traceId = hex(16);
    const span = jsonSpan({ traceId, start: Date.now() - 5000, attrs: chatAttrs('Twice?', 'Once.') });
    assert.equal((await sendJson(jsonBody([span, span]))).status, 200);
    assert.equal((await sendProto(protobufBody(jsonBody([span])))).status, 200);
    const fb = await server.post(FEEDBACK, feedback('someone', 'thumbs_up', Date.now(), { trace_id: traceId }));
    const stored = await server.get(`/api/v1/interactions/${fb.body.interaction_id}`);
    assert.equal(stored.body.output, 'Once.');
    assert.equal(stored.body.feedback.length, 1);
  });

  test('hide_content and tags from attributes; a span attribute overrides the resource', async () => {
    const traceId = hex(16);
    const span = jsonSpan({ traceId, start: Date.now() - 5000, attrs: chatAttrs('Secret question', 'Secret answer',
      { 'feedloop.hide_content': true, 'feedloop.tag.team': 'sales', 'feedloop.feature_flag': 'beta-ui' }) });
    await sendJson(jsonBody([span], { 'feedloop.anonymize': false, 'feedloop.tag.team': 'support', 'feedloop.tag.region': 'eu' }));
    const fb = await server.post(FEEDBACK, feedback('someone', 'thumbs_up', Date.now(), { trace_id: traceId, span_id: span.spanId }));
    const stored = (await server.get(`/api/v1/interactions/${fb.body.interaction_id}`)).body;
    assert.deepEqual([stored.input, stored.output, stored.messages, stored.hide_content], [null, null, null, true]);
    assert.deepEqual(stored.tags, { team: 'sales', region: 'eu' });
    assert.deepEqual(stored.feature_flags, ['beta-ui']);
    assert.equal(stored.traces[0].input_tokens, 12, 'token counts stay under hide_content');
    assert.equal(stored.traces[0].output, null);
  });
});

describe('bad input', () => {
  test('a truncated protobuf body is a 400 with a google.rpc.Status', async () => {
    const bytes = protobufBody(jsonBody([jsonSpan({ traceId: hex(16), start: Date.now(), attrs: chatAttrs('Q', 'A') })]));
    const res = await sendProto(bytes.subarray(0, bytes.length - 7));
    assert.equal(res.status, 400);
    assert.match(String(res.headers['content-type']), /^application\/x-protobuf/);
    assert.ok(res.body.includes(Buffer.from('not a valid protobuf')), res.body.toString());
  });

  test('fields of the wrong type are a 400 naming the field; nothing of the body is stored', async () => {
    const traceId = hex(16);
    const good = jsonSpan({ traceId, start: Date.now() - 5000, attrs: chatAttrs('Q', 'A') });
    for (const [bad, field] of [
      [{ ...good, traceId: 12 }, 'spans[1].traceId'],
      [{ ...good, startTimeUnixNano: 'yesterday' }, 'spans[1].startTimeUnixNano'],
      [{ ...good, attributes: { key: 'x' } }, 'spans[1].attributes'],
      [{ ...good, attributes: [{ key: 'x', value: { boolValue: 'yes' } }] }, 'spans[1].attributes[0].value.boolValue'],
    ] as const) {
      const res = await sendJson(jsonBody([good, bad as unknown as typeof good]));
      assert.equal(res.status, 400, field);
      assert.equal(json(res).code, 3);
      assert.ok(json(res).message.includes(field), json(res).message);
    }
    assert.equal((await sendJson({ resourceSpans: 'all of them' })).status, 400);
    assert.equal((await send('{"resourceSpans": [', { 'content-type': 'application/json' })).status, 400);
    const fb = await server.post(FEEDBACK, feedback('someone', 'thumbs_up', Date.now(), { trace_id: traceId }));
    assert.equal(fb.body.status, 'pending');
  });

  test('a gzip bomb is refused with 413 once its inflated size passes the body limit', async () => {
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
    assert.ok(bomb.length < 1024 * 1024, `the bomb is small: ${bomb.length} bytes`);
    const started = Date.now();
    const res = await send(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(res.status, 413);
    assert.ok(Date.now() - started < 2000, 'refused without inflating all of it');
    const corrupt = await send(Buffer.from('not gzip at all'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(corrupt.status, 400);
  });

  test('10,000 spans in one export: 2,500 traces of a root and an LLM call stored in one go, 5,000 plain spans rejected', async () => {
    const start = Date.now() - 60_000;
    const spans = [];
    for (let k = 0; k < 2500; k++) {
      const traceId = hex(16);
      const root = jsonSpan({ traceId, name: 'POST /chat', start: start + k, end: start + k + 900, attrs: { 'user.id': `bulk-${k % 50}` } });
      spans.push(root, jsonSpan({ traceId, parentSpanId: root.spanId, start: start + k + 1, end: start + k + 800, attrs: chatAttrs(`q${k}`, `a${k}`) }));
      spans.push(jsonSpan({ traceId: hex(16), name: 'GET /health', start: start + k }), jsonSpan({ traceId: hex(16), name: 'cron', start: start + k }));
    }
    assert.equal(spans.length, 10_000);
    const bytes = protobufBody(jsonBody(spans));
    const res = await sendProto(gzipSync(bytes), { 'content-encoding': 'gzip' });
    assert.equal(res.status, 200);
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(res.body), { longs: Number });
    assert.equal(decoded['partialSuccess'].rejectedSpans, 5000);
    const last = spans[spans.length - 3]!;
    const fb = await server.post(FEEDBACK, feedback('bulk-1', 'thumbs_up', Date.now(), { trace_id: last.traceId }));
    assert.equal(fb.body.status, 'linked');
    const stored = (await server.get(`/api/v1/interactions/${fb.body.interaction_id}`)).body;
    assert.equal(stored.output, 'a2499');
    assert.equal(stored.end_user, 'bulk-49', 'the end user comes from the root span around the call');
  });
});

describe('edge behaviour', () => {
  test('no key or a wrong key: 401 as a Status; an unknown content type: 415', async () => {
    const body = JSON.stringify(jsonBody([]));
    const none = await send(body, { 'content-type': 'application/json' }, '/v1/traces', null);
    assert.equal(none.status, 401);
    assert.equal(json(none).code, 16);
    assert.equal((await send(body, { 'content-type': 'application/json' }, '/v1/traces', 'fl_sk_nope')).status, 401);
    const text = await send('hello', { 'content-type': 'text/plain' });
    assert.equal(text.status, 415);
    assert.equal((await sendJson({})).status, 200, 'an empty export is valid');
  });

  test('the compat endpoints keep their own JSON parsing and problem documents', async () => {
    const res = await server.app.inject({ method: 'POST', url: V2_INTERACTIONS, payload: Buffer.from([1, 2, 3]),
      headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/x-protobuf' } });
    assert.equal(res.statusCode, 415);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const ok = await server.post(V2_INTERACTIONS, interaction('compat-user', 'q', 'a', Date.now()));
    assert.equal(ok.status, 200);
    assertProblem(await server.post(V2_INTERACTIONS, '{"interaction": '), 400);
  });

  test('feedback metadata.trace_id / span_id are validated, 422 naming the field', async () => {
    const at = Date.now();
    assertProblem(await server.post(FEEDBACK, feedback('u', 'thumbs_up', at, { trace_id: 'abc' })), 422, ['/metadata/trace_id']);
    assertProblem(await server.post(FEEDBACK, feedback('u', 'thumbs_up', at, { trace_id: '0'.repeat(32) })), 422, ['/metadata/trace_id']);
    assertProblem(await server.post(FEEDBACK, feedback('u', 'thumbs_up', at, { trace_id: hex(16), span_id: 'xyz' })), 422, ['/metadata/span_id']);
    assertProblem(await server.post(FEEDBACK, feedback('u', 'thumbs_up', at, { span_id: hex(8) })), 422, ['/metadata/trace_id']);
    assertProblem(await server.post(FEEDBACK, feedback('u', 'thumbs_up', at, { trace_id: 42 })), 422, ['/metadata/trace_id']);
    const ok = await server.post(FEEDBACK, feedback('u', 'thumbs_up', at, { trace_id: hex(16).toUpperCase(), span_id: hex(8) }));
    assert.equal(ok.status, 200);
    const stored = (await server.get(`/api/v1/feedback/${ok.body.id}`)).body;
    assert.match(stored.trace_id, /^[0-9a-f]{32}$/);
    assert.match(stored.span_id, /^[0-9a-f]{16}$/);
  });
});

describe('overload', () => {
  test('more spans in flight than FEEDLOOP_OTLP_MAX_SPANS: 503 with Retry-After, and the exporter may retry', async () => {
    const small = await startTestServer({ FEEDLOOP_OTLP_MAX_SPANS: '10' });
    try {
      const body = (n: number) => JSON.stringify(jsonBody(Array.from({ length: n }, (_, k) =>
        jsonSpan({ traceId: hex(16), start: Date.now() - 5000 + k, attrs: chatAttrs('Q', 'A') }))));
      const inject = (payload: string) => small.app.inject({ method: 'POST', url: '/v1/traces', payload,
        headers: { authorization: `Bearer ${small.key}`, 'content-type': 'application/json' } });
      // Two exports of 8 at once: the second finds 8 in flight and is refused.
      const [a, b] = await Promise.all([inject(body(8)), inject(body(8))]);
      assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 503]);
      const refused = a.statusCode === 503 ? a : b;
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal(JSON.parse(refused.body).code, 14);
      assert.equal((await inject(body(8))).statusCode, 200, 'accepted again once the first is written');
    } finally {
      await small.destroy();
    }
  });
});

describe('the read API by trace id', () => {
  test('lists filter interactions and feedback by trace id, and show it', async () => {
    const traceId = hex(16);
    const other = hex(16);
    await sendJson(jsonBody([
      jsonSpan({ traceId, start: Date.now() - 9000, attrs: chatAttrs('First?', 'First answer.', { 'user.id': 'tracer' }) }),
      jsonSpan({ traceId: other, start: Date.now() - 8000, attrs: chatAttrs('Other?', 'Other answer.', { 'user.id': 'tracer' }) }),
    ]));
    const fb = await server.post(FEEDBACK, feedback('tracer', 'thumbs_down', Date.now(), { trace_id: traceId }));
    assert.equal(fb.body.status, 'linked');
    const listed = await server.get(`/api/v1/interactions?trace_id=${traceId.toUpperCase()}`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(listed.body.items.map((i: { trace_id: string }) => i.trace_id), [traceId]);
    assert.equal(listed.body.items[0].feedback_summary.thumbs, 'down');
    const feedbackOf = await server.get(`/api/v1/feedback?trace_id=${traceId}`);
    assert.deepEqual(feedbackOf.body.items.map((f: { id: string }) => f.id), [fb.body.id]);
    assert.deepEqual((await server.get(`/api/v1/feedback?trace_id=${other}`)).body.items, []);
    const stats = await server.get(`/api/v1/stats?trace_id=${traceId}&from=${new Date(Date.now() - 60_000).toISOString()}`);
    assert.deepEqual([stats.body.computed_from, stats.body.total.interactions, stats.body.total.slugs.thumbs_down], ['interactions', 1, 1]);
    assert.equal((await server.get('/api/v1/interactions?trace_id=xyz')).status, 422);
  });
});
