// GET /sdk/feedloop.js and /sdk/feedloop@<version>.js: the browser library's build output, with
// caching headers (short + ETag for the plain URL, immutable for the versioned one) and CORS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../support/app.js';

const PACKAGE = fileURLToPath(new URL('../../../packages/browser/', import.meta.url));
const built = readFileSync(`${PACKAGE}dist/feedloop.js`, 'utf8');
const { version } = JSON.parse(readFileSync(`${PACKAGE}package.json`, 'utf8')) as { version: string };

let server: TestServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server.destroy(); });

const get = (url: string, headers: Record<string, string> = {}) => server.app.inject({ method: 'GET', url, headers });

test('the plain URL serves the built library, cached briefly and revalidated by ETag, to any origin', async () => {
  const res = await get('/sdk/feedloop.js', { origin: 'https://chat.example.com' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, built);
  assert.match(String(res.headers['content-type']), /^text\/javascript/);
  assert.equal(res.headers['cache-control'], 'public, max-age=300');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['access-control-allow-credentials'], undefined);
  const etag = String(res.headers['etag']);
  assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
  const again = await get('/sdk/feedloop.js', { 'if-none-match': etag });
  assert.equal(again.statusCode, 304);
  assert.equal(again.body, '');
  assert.equal((await get('/sdk/feedloop.js', { 'if-none-match': '"stale"' })).statusCode, 200);
});

test('the versioned URL is immutable; another version or file is not found', async () => {
  const res = await get(`/sdk/feedloop@${version}.js`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, built);
  assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal((await get('/sdk/feedloop@0.0.0-other.js')).statusCode, 404);
  assert.equal((await get('/sdk/other.js')).statusCode, 404);
  assert.equal((await server.app.inject({ method: 'HEAD', url: '/sdk/feedloop.js' })).statusCode, 200);
});
