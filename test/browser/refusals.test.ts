// End to end in Chromium, what must be refused: feedback from an origin the publishable key does
// not allow, a publishable key on a read endpoint, and a feedback token minted for another user.
// And a page whose clock is an hour slow: its feedback is stored at the server's time.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { serveChatPage, type ChatConfig, type ChatSite } from '../support/chat-page.js';
import { launchChromium, type Chromium } from '../support/chromium.js';
import { V2_INTERACTIONS, interaction, startTestServer, type TestServer } from '../support/app.js';

// Page-side code (inside page.evaluate) runs in the browser; the repository compiles without the DOM library.
declare const window: any;

let server: TestServer;
let endpoint: string;
let site: ChatSite;
let foreign: ChatSite;
let chromium: Chromium;
let pk: string;
let strict: string;
/** What the server answered to each batch request, as it left the server. */
const answered: { status: number; allowOrigin: unknown }[] = [];

before(async () => {
  [server, site, foreign, chromium] = await Promise.all([startTestServer(), serveChatPage(), serveChatPage(), launchChromium()]);
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  endpoint = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  server.app.server.on('request', (request, response) => {
    if (request.url === '/api/v1/feedback/batch') {
      response.on('finish', () => answered.push({ status: response.statusCode, allowOrigin: response.getHeader('access-control-allow-origin') }));
    }
  });
  pk = (await server.post('/api/v1/keys', { kind: 'publishable', origins: [site.origin] })).body.key;
  strict = (await server.post('/api/v1/keys', { kind: 'publishable', origins: [site.origin], require_token: true })).body.key;
});
after(async () => {
  await chromium?.close();
  await Promise.all([site?.close(), foreign?.close()]);
  await server?.destroy();
});

async function storeInteraction(endUser: string, output: string, agoMs: number): Promise<string> {
  const res = await server.post(V2_INTERACTIONS, interaction(endUser, 'A question?', output, Date.now() - agoMs));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id;
}

async function openChat(on: ChatSite, config: Omit<ChatConfig, 'endpoint'>, prepare?: (page: Page) => Promise<unknown>): Promise<Page> {
  const page = await chromium.context.newPage();
  await prepare?.(page);
  await page.goto(on.url({ endpoint, ...config }));
  await page.waitForFunction(() => window.ready === true);
  return page;
}

const feedbackOf = async (interactionId: string) => (await server.get(`/api/v1/interactions/${interactionId}`)).body.feedback as any[];

test('a page on an origin the key does not allow is refused with 403, and cannot read the answer', async () => {
  const user = `e2e-${randomUUID()}`;
  const answer = 'Not from here.';
  const target = await storeInteraction(user, answer, 5000);
  const page = await openChat(foreign, { key: pk, endUser: user, answer, interactionId: target });
  const seen = answered.length;
  await page.click('#rate4');
  await page.waitForFunction(() => window.errors.length > 0);
  assert.deepEqual(answered.slice(seen, seen + 1), [{ status: 403, allowOrigin: undefined }]);
  const [error] = await page.evaluate(() => window.errors.map((e: any) => e.error));
  assert.deepEqual(error, { status: 0, retry: true }, 'to the page it is a network error: CORS hides the answer');
  assert.deepEqual(await feedbackOf(target), []);
  await page.close();
});

test('a publishable key on a read endpoint is refused with 403, readable by its own origin', async () => {
  const page = await openChat(site, { key: pk, endUser: 'reader', answer: 'x' });
  const result = await page.evaluate(async ({ url, key }) => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as any };
  }, { url: `${endpoint}/api/v1/interactions/${await storeInteraction('reader', 'secret data', 1000)}`, key: pk });
  assert.equal(result.status, 403);
  assert.equal(result.body.type, '/problems/forbidden');
  assert.equal(result.body.detail, 'A publishable key may only send feedback; use a secret key');
  await page.close();
});

test('a feedback token for another user is refused with 401; the user\'s own token is accepted', async () => {
  const victim = `victim-${randomUUID()}`;
  const answer = 'Only my own feedback.';
  const target = await storeInteraction(victim, answer, 5000);
  const attackerToken = (await server.post('/api/v1/feedback-tokens', { end_user: `attacker-${randomUUID()}` })).body.token;
  const page = await openChat(site, { key: strict, endUser: victim, answer, interactionId: target, token: attackerToken });
  await page.click('#rate4');
  await page.waitForFunction(() => window.errors.length > 0);
  const [error] = await page.evaluate(() => window.errors.map((e: any) => e.error));
  assert.equal(error.status, 401);
  assert.equal(error.retry, false);
  assert.equal(error.problem.type, '/problems/token_wrong_user');
  assert.deepEqual(await feedbackOf(target), []);

  const ownToken = (await server.post('/api/v1/feedback-tokens', { end_user: victim, interaction_id: target })).body.token;
  await page.evaluate((token) => window.fb.setToken(token), ownToken);
  await page.click('#rate4');
  await page.evaluate(() => window.fb.flush());
  assert.deepEqual((await feedbackOf(target)).map((f) => [f.slug, f.value]), [['rating', 4]]);
  await page.close();
});

test("a page whose clock is an hour slow: its feedback is stored at the server's time and links without flags", async () => {
  const user = `e2e-${randomUUID()}`;
  const answer = 'Clocks drift.';
  const target = await storeInteraction(user, answer, 10_000);
  const page = await openChat(site, { key: pk, endUser: user, answer }, (p) => p.addInitScript(() => {
    const real = Date.now.bind(Date);
    Date.now = () => real() - 3_600_000;
  }));
  await page.click('#up');
  await page.evaluate(() => window.fb.flush());
  const [sent] = await page.evaluate(() => window.sent.map((s: any) => [s.event.metadata.timestamp, s.result.id]));
  assert.ok(Date.parse(sent[0]) < Date.now() - 3_500_000, 'the page stamped it with its own slow clock');
  const stored = (await server.get(`/api/v1/feedback/${sent[1]}`)).body;
  assert.ok(Math.abs(Date.parse(stored.timestamp) - Date.now()) < 10_000, stored.timestamp);
  assert.equal(stored.interaction_id, target);
  assert.deepEqual(stored.flags ?? [], []);
  await page.close();
});
