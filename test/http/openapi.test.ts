// GET /openapi.json stays true to the code: it is generated from the route schemas; every path
// it lists is served, and every compat path of API.md is in it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/app.js';

let server: TestServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server.destroy(); });

test('the OpenAPI document lists the compat and read endpoints, each of which is routed', async () => {
  const doc = (await server.app.inject({ url: '/openapi.json' })).json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
  assert.equal(doc.openapi, '3.1.0');
  for (const path of ['feedback', 'interactions', 'trace_interaction'].map((p) => `/event-ingestion/api/v1/events/${p}`)
    .concat(['interactions', 'trace_interaction', 'trace_conversation', 'tags'].map((p) => `/event-ingestion/api/v2/events/${p}`))) {
    assert.ok(doc.paths[path]?.['post'], `${path} is documented`);
  }
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of Object.keys(methods)) {
      const r = await server.app.inject({ method: method.toUpperCase() as 'GET', url: path.replace(/\{[^}]+\}/g, 'x'), headers: { authorization: `Bearer ${server.key}` } });
      // Exports answer CSV or JSON lines: only a JSON answer can be a "no route" problem.
      const json = /json/.test(String(r.headers['content-type'])) && !/ndjson/.test(String(r.headers['content-type'])) && r.body !== '';
      assert.doesNotMatch(String(json ? r.json().detail : ''), /^No route/, `${method} ${path} is routed`);
    }
  }
});
