// Test support: a real server (real SQLite file in a temporary directory) driven in-process.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import Database from 'better-sqlite3';
import { createServer, type Server, type ServerOptions } from '../../src/server.js';
import { sqliteFile } from '../../src/storage/open.js';

export interface TestServer extends Server {
  config: Config;
  /** A secret key of the default project. */
  key: string;
  dataDir: string;
  post(path: string, body: unknown, key?: string): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  get(path: string, key?: string): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

export const TEST_KEY = 'fl_sk_test_0123456789abcdefghijklmnopqrstuvwxyz';

export async function startTestServer(env: Record<string, string> = {}, dataDir?: string, options: ServerOptions = {}): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'feedloop-test-'));
  // The per-address and per-end-user limits of publishable keys are off unless a test sets them
  // (tests send many requests from one address; test/http/hardening.test.ts tests the limits).
  const config = loadConfig({
    FEEDLOOP_DATA_DIR: dir, LOG_LEVEL: 'silent', FEEDLOOP_API_KEY: TEST_KEY, FEEDLOOP_PII_THREADS: '0',
    FEEDLOOP_RATE_LIMIT_IP: '0', FEEDLOOP_RATE_LIMIT_END_USER: '0', ...env,
  });
  const server = await createServer(config, options);
  await server.keys.ensure(TEST_KEY);
  const call = async (method: 'GET' | 'POST', url: string, body: unknown, key: string) => {
    const response = await server.app.inject({
      method, url, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    let parsed: unknown = response.body;
    try { parsed = response.json(); } catch { /* not JSON */ }
    return { status: response.statusCode, body: parsed as any, headers: response.headers as Record<string, unknown> };
  };
  return {
    ...server, config, key: TEST_KEY, dataDir: dir,
    post: (path, body, key = TEST_KEY) => call('POST', path, body, key),
    get: (path, key = TEST_KEY) => call('GET', path, undefined, key),
    async destroy() {
      await server.close();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const FEEDBACK = '/event-ingestion/api/v1/events/feedback';
export const V1_INTERACTIONS = '/event-ingestion/api/v1/events/interactions';
export const V1_TRACE = '/event-ingestion/api/v1/events/trace_interaction';
export const V2_INTERACTIONS = '/event-ingestion/api/v2/events/interactions';
export const V2_TRACE = '/event-ingestion/api/v2/events/trace_interaction';
export const V2_CONVERSATION = '/event-ingestion/api/v2/events/trace_conversation';
export const V2_TAGS = '/event-ingestion/api/v2/events/tags';

/** A v2 interaction body; times are ISO strings derived from `at` (ms) and a 2 s generation. */
export function interaction(endUser: string, input: string, output: string, at: number, extra: Record<string, unknown> = {}) {
  return {
    interaction: {
      input, output, end_user: endUser, time_start: new Date(at - 2000).toISOString(), time_end: new Date(at).toISOString(),
      messages: [{ role: 'user', content: input }], ...extra,
    },
    anonymize: false,
  };
}

export function feedback(endUser: string, slug: string, at: number, metadata: Record<string, unknown> = {}, action: Record<string, unknown> = {}) {
  return { feedback: { slug, ...action }, metadata: { end_user: endUser, timestamp: new Date(at).toISOString(), ...metadata } };
}

export type TestResponse = Awaited<ReturnType<TestServer['post']>>;

/** Asserts an RFC 9457 problem of `status`; with `pointers`, that exactly these fields are listed. */
export function assertProblem(res: TestResponse, status: number, pointers?: string[]): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.body.status, status);
  for (const key of ['type', 'title', 'detail']) assert.equal(typeof res.body[key], 'string', key);
  if (pointers) {
    const listed = (res.body.errors as { pointer: string; detail: string }[]).map((e) => e.pointer).sort();
    assert.deepEqual(listed, [...pointers].sort());
    for (const e of res.body.errors) assert.equal(typeof e.detail, 'string');
  }
}

/** Rows in the tables that requests write to, read straight from a server's SQLite file. */
export function storedRows(dataDir: string): Record<'interactions' | 'feedback' | 'tag_updates' | 'api_keys', number> {
  const db = new Database(sqliteFile(dataDir), { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { interactions: count('interactions'), feedback: count('feedback'), tag_updates: count('tag_updates'), api_keys: count('api_keys') };
  } finally {
    db.close();
  }
}

export const OTLP_TRACES = '/v1/traces';

/** An OTLP/HTTP JSON export with one LLM chat span (GenAI conventions) of `endUser` at `at` (ms). */
export function otlpChat(traceId: string, endUser: string, question: string, answer: string, at: number, extra: Record<string, string> = {}) {
  const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
  const attr = (key: string, stringValue: string) => ({ key, value: { stringValue } });
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'feedloop.anonymize', value: { boolValue: false } }] },
      scopeSpans: [{
        scope: { name: 'test' },
        spans: [{
          traceId, spanId: traceId.slice(0, 16), name: 'chat gpt-4o-mini', kind: 3, startTimeUnixNano: ns(at - 500), endTimeUnixNano: ns(at),
          attributes: [
            attr('gen_ai.operation.name', 'chat'), attr('gen_ai.request.model', 'gpt-4o-mini'), attr('user.id', endUser),
            attr('gen_ai.input.messages', JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: question }] }])),
            attr('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }] }])),
            ...Object.entries(extra).map(([k, v]) => attr(k, v)),
          ],
        }],
      }],
    }],
  };
}
