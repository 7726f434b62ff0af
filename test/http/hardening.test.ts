// Issue 14, hostile input at the edge: limits by route class, values the JSON scan rejects, bounded
// problem documents, UTF-8 only, the timestamp window, rate limits for public keys behind a trusted
// proxy, security headers, request ids, metrics and who reads them, redacted logs, health.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { createLogger } from '../../src/app/logger.js';
import { registerSecurityHeaders } from '../../src/http/security-headers.js';
import {
  FEEDBACK, OTLP_TRACES, otlpChat, V2_CONVERSATION, V2_INTERACTIONS, V2_TAGS, V2_TRACE, assertProblem, feedback, interaction, startTestServer, storedRows, type TestServer,
} from '../support/app.js';

const T0 = Date.parse('2024-05-06T12:00:00.000Z');
let server: TestServer;
before(async () => {
  server = await startTestServer({ FEEDLOOP_BODY_LIMIT_SMALL: '4096', FEEDLOOP_BODY_LIMIT: '65536', FEEDLOOP_BODY_LIMIT_LARGE: '1048576' });
});
after(async () => { await server.destroy(); });

const raw = (url: string, payload: string | Buffer, headers: Record<string, string> = {}) => server.app.inject({
  method: 'POST', url, payload, headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json', ...headers },
});
const asResponse = (r: Awaited<ReturnType<typeof raw>>) => ({ status: r.statusCode, body: r.json(), headers: r.headers as Record<string, unknown> });

describe('body size by route class', () => {
  test('feedback (small) 413 beyond 4 KiB; a single interaction (default) up to 64 KiB; a conversation (large) beyond', async () => {
    assertProblem(await server.post(FEEDBACK, feedback('size', 'comment', T0, {}, { text: 'x'.repeat(5000) })), 413);
    assert.equal((await server.post(V2_INTERACTIONS, interaction('size', 'q', 'x'.repeat(30_000), T0))).status, 200);
    assertProblem(await server.post(V2_INTERACTIONS, interaction('size', 'q', 'x'.repeat(70_000), T0)), 413);
    const turns = Array.from({ length: 4 }, (_, k) => ({ input: `q${k}`, output: 'y'.repeat(30_000), time_start: new Date(T0 + k).toISOString(), time_end: new Date(T0 + k + 1).toISOString() }));
    const big = await server.post(V2_CONVERSATION, { conversation: { end_user: 'size', interactions: turns }, anonymize: false });
    assert.equal(big.status, 200, JSON.stringify(big.body));
  });

  test('every route has a limit from its class', () => {
    const byUrl = new Map(server.app.routeTable.map((r) => [`${r.method} ${r.url}`, r]));
    assert.ok(byUrl.has(`POST ${FEEDBACK}`));
  });
});

describe('values the JSON scan rejects, named by pointer, storing nothing', () => {
  const T = new Date(T0).toISOString();
  const cases: [string, string, string, number, string][] = [
    ['nesting deeper than the limit inside a trace (500 before)', V2_TRACE,
      JSON.stringify({ ...interaction('deep', 'q', 'a', T0), traces: [{ model: 'm', messages: [{ role: 'user', content: 'X' }] }] }).replace('"X"', '['.repeat(10_000) + ']'.repeat(10_000)),
      422, '/traces/0/messages/0/content/0/0/0'],
    ['a duplicate key', FEEDBACK, `{"feedback": {"slug": "thumbs_up", "slug": "thumbs_down"}, "metadata": {"end_user": "d", "timestamp": "${T}"}}`, 422, '/feedback/slug'],
    ['__proto__', FEEDBACK, `{"feedback": {"slug": "thumbs_up"}, "metadata": {"end_user": "d", "timestamp": "${T}", "__proto__": {"admin": true}}}`, 422, '/metadata/__proto__'],
    ['constructor.prototype', V2_TAGS, `{"tags": {"constructor": {"prototype": {"x": "1"}}}, "metadata": {"end_user": "d", "timestamp": "${T}"}}`, 422, '/tags/constructor/prototype'],
    ['a lone surrogate', FEEDBACK, `{"feedback": {"slug": "comment", "text": "a\\udfffb"}, "metadata": {"end_user": "d", "timestamp": "${T}"}}`, 422, '/feedback/text'],
    ['NUL', FEEDBACK, `{"feedback": {"slug": "comment", "text": "a\\u0000b"}, "metadata": {"end_user": "d", "timestamp": "${T}"}}`, 422, '/feedback/text'],
    ['a number as a string', FEEDBACK, `{"feedback": {"slug": "rating", "value": "5"}, "metadata": {"end_user": "d", "timestamp": "${T}"}}`, 422, '/feedback/value'],
    ['an array where an object belongs', FEEDBACK, `{"feedback": {"slug": "thumbs_up"}, "metadata": [{"end_user": "d", "timestamp": "${T}"}]}`, 422, '/metadata'],
    ['a string longer than the limit', V2_INTERACTIONS, JSON.stringify(interaction('d', 'q', 'a', T0, { tags: { k: 'v'.repeat(600_000) } })), 413, ''],
    ['a year below 100 (stored as 19xx before)', FEEDBACK, JSON.stringify(feedback('d', 'thumbs_up', T0, { timestamp: '0024-05-06T12:00:00Z' })), 422, '/metadata/timestamp'],
    ['a timestamp two days ahead', V2_INTERACTIONS, JSON.stringify(interaction('d', 'q', 'a', Date.now() + 2 * 86_400_000)), 422, '/interaction/time_end'],
  ];
  for (const [label, url, payload, status, pointer] of cases) {
    test(label, async () => {
      const before = storedRows(server.dataDir);
      const res = asResponse(await raw(url, payload));
      assertProblem(res, status);
      if (status === 422) assert.ok(res.body.errors.some((e: { pointer: string }) => e.pointer.startsWith(pointer)), JSON.stringify(res.body));
      assert.deepEqual(storedRows(server.dataDir), before);
    });
  }

  test('a string over FEEDLOOP_MAX_STRING is a 422 naming it', async () => {
    const strict = await startTestServer({ FEEDLOOP_MAX_STRING: '1000' });
    try {
      const res = await strict.post(V2_INTERACTIONS, interaction('d', 'q', 'a'.repeat(1001), T0));
      assertProblem(res, 422, ['/interaction/output']);
      assert.match(res.body.errors[0].detail, /at most 1000 characters/);
    } finally {
      await strict.destroy();
    }
  });

  test('a 750 KB invalid body gets a small answer: 20 errors listed, the rest counted', async () => {
    const body = JSON.stringify(interaction('d', 'q', 'a', T0, { messages: Array.from({ length: 9000 }, () => ({ role: 5, content: 7 })), history: [] }));
    const big = await startTestServer();
    try {
      const res = asResponse(await big.app.inject({ method: 'POST', url: V2_INTERACTIONS, payload: body.padEnd(750_000, ' '),
        headers: { authorization: `Bearer ${big.key}`, 'content-type': 'application/json' } }));
      assertProblem(res, 422);
      assert.equal(res.body.errors.length, 20);
      assert.equal(res.body.errors_omitted, 18_000 - 20);
      assert.ok(JSON.stringify(res.body).length < 8_000, `${JSON.stringify(res.body).length} bytes`);
    } finally {
      await big.destroy();
    }
  });

  test('JSON that is not valid names the byte; invalid UTF-8 names the byte; neither repeats the body', async () => {
    const syntax = asResponse(await raw(FEEDBACK, '{"feedback": {"slug": "secret-marker",, }}'));
    assertProblem(syntax, 400);
    assert.match(syntax.body.detail, /at byte 38/);
    assert.doesNotMatch(syntax.body.detail, /secret-marker/);
    const bytes = Buffer.concat([Buffer.from('{"feedback": {"slug": "comment", "text": "caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
    const utf8 = asResponse(await raw(FEEDBACK, bytes));
    assertProblem(utf8, 400);
    assert.match(utf8.body.detail, /not valid UTF-8: the byte at offset 45/);
  });
});

describe('text no backend can store, whatever decoder made the command', () => {
  test('NUL or a lone surrogate inside an OTLP attribute (JSON in a string) is a 4xx naming the field, not a 5xx on PostgreSQL', async () => {
    for (const bad of ['q\u0000x', 'q\ud800x']) {
      const before = storedRows(server.dataDir);
      const res = await raw(OTLP_TRACES, JSON.stringify(otlpChat('9'.repeat(32), 'otlp-user', bad, 'answer', Date.now() - 60_000)));
      assert.equal(res.statusCode, 422, res.body);
      assert.match(res.json().message, /\/0\/input/);
      assert.deepEqual(storedRows(server.dataDir), before);
    }
  });

  test('the check walks commands without recursion and names each field', async () => {
    const { unstorableText } = await import('../../src/core/storable-text.js');
    let deep: unknown = 'a\u0000';
    for (let k = 0; k < 100_000; k++) deep = [deep];
    assert.equal(unstorableText({ ok: 'fine 😀', deep }).length, 1);
    assert.deepEqual(unstorableText({ tags: { 'k\ud800': 'v' }, list: ['x', '\udc00'] }).map((e) => e.pointer).sort(), ['/list/1', '/tags/k\ud800']);
  });
});

describe('UTF-8 JSON only', () => {
  const body = JSON.stringify(feedback('charset', 'thumbs_up', T0));
  test('a declared charset other than UTF-8 is a 415, whatever the bytes', async () => {
    for (const charset of ['latin1', 'ISO-8859-1', 'utf-16', 'windows-1252']) {
      assertProblem(asResponse(await raw(FEEDBACK, body, { 'content-type': `application/json; charset=${charset}` })), 415);
    }
  });
  test('no charset, utf-8, UTF8 and "UTF-8" are accepted, and a byte-order mark is ignored', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF8', 'application/json; charset="UTF-8"']) {
      assert.equal((await raw(FEEDBACK, body, { 'content-type': type })).statusCode, 200, type);
    }
    assert.equal((await raw(FEEDBACK, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]))).statusCode, 200);
  });
});

describe('the timestamp window is configurable', () => {
  test('FEEDLOOP_EARLIEST_TIME and FEEDLOOP_MAX_FUTURE', async () => {
    const narrow = await startTestServer({ FEEDLOOP_EARLIEST_TIME: '2024-01-01T00:00:00Z', FEEDLOOP_MAX_FUTURE: '1h' });
    try {
      assertProblem(await narrow.post(FEEDBACK, feedback('w', 'thumbs_up', Date.parse('2023-12-31T23:59:59Z'))), 422, ['/metadata/timestamp']);
      assertProblem(await narrow.post(FEEDBACK, feedback('w', 'thumbs_up', Date.now() + 2 * 3_600_000)), 422, ['/metadata/timestamp']);
      assert.equal((await narrow.post(FEEDBACK, feedback('w', 'thumbs_up', Date.now() + 1_800_000))).status, 200);
      const old = await narrow.post(V2_TAGS, { tags: { a: 'b' }, metadata: { end_user: 'w', timestamp: '1999-01-01T00:00:00Z' } });
      assertProblem(old, 422, ['/metadata/timestamp']);
    } finally {
      await narrow.destroy();
    }
  });
});

describe('rate limits for publishable keys: per end user and per client address, behind a trusted proxy', () => {
  let limited: TestServer;
  let publishable: string;
  before(async () => {
    limited = await startTestServer({ FEEDLOOP_RATE_LIMIT_END_USER: '3', FEEDLOOP_RATE_LIMIT_IP: '5', FEEDLOOP_TRUST_PROXY: '127.0.0.1' });
    publishable = (await limited.keys.create('default', { kind: 'publishable', origins: ['*'] })).key;
  });
  after(async () => { await limited.destroy(); });
  const send = (endUser: string, clientIp: string, key = publishable) => limited.app.inject({
    method: 'POST', url: FEEDBACK, payload: JSON.stringify(feedback(endUser, 'thumbs_up', T0)),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-forwarded-for': clientIp },
  });

  test('one end user: 429 with Retry-After after 3 a minute; the address limit counts every end user', async () => {
    const statuses = [];
    for (let k = 0; k < 4; k++) statuses.push((await send('flooder', '203.0.113.7')).statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const limitedRes = await send('flooder', '203.0.113.7');
    assertProblem(asResponse(limitedRes), 429);
    assert.ok(Number(limitedRes.headers['retry-after']) >= 1);
    // Two more end users from the same address reach its limit of 5 (the 4th and 5th requests above counted too).
    assert.equal((await send('other-1', '203.0.113.7')).statusCode, 429);
    // Another address (as the trusted proxy reports it) is not limited; nor is a secret key.
    assert.equal((await send('other-2', '198.51.100.1')).statusCode, 200);
    assert.equal((await send('flooder', '203.0.113.7', limited.key)).statusCode, 200);
  });

  test('X-Forwarded-For from a client that is not a trusted proxy is ignored', async () => {
    const untrusted = await startTestServer({ FEEDLOOP_RATE_LIMIT_IP: '2', FEEDLOOP_RATE_LIMIT_END_USER: '0' });
    try {
      const key = (await untrusted.keys.create('default', { kind: 'publishable', origins: ['*'] })).key;
      const statuses = [];
      for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
        statuses.push((await untrusted.app.inject({ method: 'POST', url: FEEDBACK, payload: JSON.stringify(feedback(`u-${ip}`, 'thumbs_up', T0)),
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-forwarded-for': ip } })).statusCode);
      }
      assert.deepEqual(statuses, [200, 200, 429]);
    } finally {
      await untrusted.destroy();
    }
  });
});

describe('headers, ids, keys', () => {
  test('every response says nosniff and carries a request id; a sane client id is kept, another replaced', async () => {
    const res = await server.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-abc.123' } });
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-request-id'], 'trace-abc.123');
    const odd = await server.app.inject({ url: '/healthz', headers: { 'x-request-id': 'x'.repeat(500) } });
    assert.match(String(odd.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  test('an HTML response gets the CSP (no inline scripts), frame-ancestors, nosniff and a referrer policy from the one hook', async () => {
    const app = Fastify();
    registerSecurityHeaders(app);
    app.get('/page', async (_request, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><p>hi'));
    app.get('/own', async (_request, reply) => reply.type('text/html').header('content-security-policy', "default-src 'none'").send('<p>'));
    app.get('/data', async () => ({ ok: true }));
    const page = await app.inject({ url: '/page' });
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal((await app.inject({ url: '/own' })).headers['content-security-policy'], "default-src 'none'");
    const data = await app.inject({ url: '/data' });
    assert.equal(data.headers['content-security-policy'], undefined);
    assert.equal(data.headers['x-content-type-options'], 'nosniff');
    await app.close();
  });

  test('a project\'s last secret key cannot be revoked over HTTP (409); once it has another, it can', async () => {
    const own = await startTestServer();
    try {
      const list = await own.get('/api/v1/keys');
      const [only] = list.body.items.filter((k: { kind: string; revoked_at: string | null }) => k.kind === 'secret' && k.revoked_at === null);
      const refused = await own.app.inject({ method: 'DELETE', url: `/api/v1/keys/${only.id}`, headers: { authorization: `Bearer ${own.key}` } });
      assertProblem(asResponse(refused), 409);
      assert.match(refused.json().detail, /last active secret key/);
      const second = await own.post('/api/v1/keys', { kind: 'secret' });
      const revoked = await own.app.inject({ method: 'DELETE', url: `/api/v1/keys/${only.id}`, headers: { authorization: `Bearer ${second.body.key}` } });
      assert.equal(revoked.statusCode, 200);
      assert.equal((await own.get('/api/v1/keys', second.body.key)).body.items.filter((k: { revoked_at: string | null; kind: string }) => k.kind === 'secret' && !k.revoked_at).length, 1);
    } finally {
      await own.destroy();
    }
  });

  test('a key longer than any real one is refused without a lookup', async () => {
    assertProblem(await server.get('/api/v1/feedback/x', 'fl_sk_'.padEnd(10_000, 'a')), 401);
  });

  test('app.inject still handles cookies (light-my-request on cookie 1.x, for Node 20)', async () => {
    const app = Fastify();
    app.get('/c', async (request, reply) => reply.header('set-cookie', 'session=abc; HttpOnly; Path=/').send({ cookie: request.headers.cookie }));
    const res = await app.inject({ url: '/c', cookies: { a: '1', b: 'two' } });
    assert.deepEqual(res.json(), { cookie: 'a=1; b=two' });
    assert.deepEqual(res.cookies.map((c) => [c.name, c.value, c.httpOnly]), [['session', 'abc', true]]);
    await app.close();
  });
});

describe('health and liveness', () => {
  test('/livez and /healthz?live answer while the process runs; /healthz says ready and why', async () => {
    assert.deepEqual((await server.app.inject({ url: '/livez' })).json(), { status: 'ok' });
    assert.deepEqual((await server.app.inject({ url: '/healthz?live' })).json(), { status: 'ok' });
    assert.deepEqual((await server.app.inject({ url: '/healthz' })).json(), { status: 'ok', ready: true, storage: 'ok' });
  });
});

describe('metrics', () => {
  test('requests by route and status, latency, group-commit batches, syncs, unlinked feedback; loopback only by default', async () => {
    await server.post(FEEDBACK, feedback('metrics-user', 'thumbs_up', T0)); // pending: no interaction
    await server.get('/api/v1/feedback/missing');
    const res = await server.app.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = res.body;
    assert.match(text, /feedloop_http_requests_total\{method="POST",route="\/event-ingestion\/api\/v1\/events\/feedback",status="200"\} \d+/);
    assert.match(text, /feedloop_http_requests_total\{method="GET",route="\/api\/v1\/feedback\/:id",status="404"\} 1/);
    assert.match(text, /feedloop_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/event-ingestion\/api\/v1\/events\/feedback"\} \d+/);
    assert.match(text, /feedloop_write_batch_size_count [1-9]/);
    assert.match(text, /feedloop_storage_sync_duration_seconds_count [1-9]/);
    assert.match(text, /feedloop_feedback_unlinked\{status="pending"\} [1-9]/);
    assert.match(text, /feedloop_pii_queue_depth 0/);
    assert.match(text, /feedloop_ready 1/);
    assert.match(text, /feedloop_process_resident_memory_bytes/);
    assertProblem(asResponse(await server.app.inject({ url: '/metrics', remoteAddress: '203.0.113.9' })), 403);
    assertProblem(asResponse(await server.app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } })), 403);
  });

  test('with FEEDLOOP_METRICS_TOKEN, the token opens them from anywhere and nothing else does', async () => {
    const tokened = await startTestServer({ FEEDLOOP_METRICS_TOKEN: 'scrape-me-please' });
    try {
      const from = (authorization?: string) => tokened.app.inject({ url: '/metrics', remoteAddress: '203.0.113.9', headers: authorization ? { authorization } : {} });
      assert.equal((await from('Bearer scrape-me-please')).statusCode, 200);
      assert.equal((await from('Bearer scrape-me-pleasf')).statusCode, 401);
      assert.equal((await from(`Bearer ${tokened.key}`)).statusCode, 401);
      assert.equal((await tokened.app.inject({ url: '/metrics' })).statusCode, 401);
    } finally {
      await tokened.destroy();
    }
  });
});

describe('logs', () => {
  test('one JSON line per record with the request id; keys, tokens, cookies and bodies are redacted', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done(); } });
    const logger = createLogger({ level: 'debug', format: 'json', destination: sink });
    const logged = await startTestServer({ LOG_LEVEL: 'debug' }, undefined, { logger });
    try {
      await logged.post(FEEDBACK, feedback('log-user', 'comment', T0, {}, { text: 'body-marker-7d1c' }));
      await logged.app.inject({ url: '/api/v1/feedback/x', headers: { authorization: 'Bearer fl_sk_not_a_real_key_4c2a', cookie: 'session=cookie-marker-91ab' } });
      logger.error({ req: { headers: { authorization: 'Bearer fl_sk_leak', cookie: 'c=leak' } }, body: { text: 'leak' }, key: 'fl_sk_leak', token: 'leak' }, 'careless call');
      const all = lines.join('\n');
      for (const secret of [logged.key, 'fl_sk_not_a_real_key_4c2a', 'cookie-marker-91ab', 'body-marker-7d1c', 'fl_sk_leak', '"leak"']) {
        assert.ok(!all.includes(secret), `the log holds ${secret}`);
      }
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.ok(records.some((r) => r['msg'] === 'incoming request' && typeof r['reqId'] === 'string'), all);
      assert.ok(records.some((r) => r['msg'] === 'careless call' && r['key'] === '[redacted]'), all);
    } finally {
      await logged.destroy();
    }
  });
});
