// End to end in Chromium: a chat page on its own origin loads the browser library from a running
// feedloop server and captures what a user does (a keyboard copy of part of an answer, a paste into
// the input, thumbs, a rating); the read API then shows each feedback stored once, linked to the
// right interaction. Delivery under trouble: the network cut for a while and a reload while offline,
// a 429 with Retry-After, a tab closed with events queued, two tabs sharing one queue.
// One browser for the file; pages are reused where the test allows.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Page, Route } from 'playwright-core';
import { serveChatPage, type ChatConfig, type ChatSite } from '../support/chat-page.js';
import { launchChromium, type Chromium } from '../support/chromium.js';
import { V2_INTERACTIONS, interaction, startTestServer, type TestServer } from '../support/app.js';

// Page-side code (inside page.evaluate) runs in the browser; the repository compiles without the DOM library.
declare const window: any, document: any, navigator: any, localStorage: any, getSelection: any, dispatchEvent: any, Event: any;

const BATCH_URL = '**/api/v1/feedback/batch';
let server: TestServer;
let endpoint: string;
let site: ChatSite;
let chromium: Chromium;
let pk: string;
let preflights = 0;

before(async () => {
  [server, site, chromium] = await Promise.all([startTestServer(), serveChatPage(), launchChromium()]);
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  endpoint = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  server.app.server.on('request', (request) => { if (request.method === 'OPTIONS') preflights++; });
  pk = (await server.post('/api/v1/keys', { kind: 'publishable', origins: [site.origin] })).body.key;
  await chromium.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.origin });
});
after(async () => {
  await chromium?.close();
  await site?.close();
  await server?.destroy();
});

/** Stores an interaction for `endUser` that ended `agoMs` ago; returns its id. */
async function storeInteraction(endUser: string, output: string, agoMs: number): Promise<string> {
  const res = await server.post(V2_INTERACTIONS, interaction(endUser, `Question about ${output.slice(0, 12)}?`, output, Date.now() - agoMs));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id;
}

async function openChat(config: Omit<ChatConfig, 'endpoint' | 'key'>, page?: Page): Promise<Page> {
  const p = page ?? await chromium.context.newPage();
  await p.goto(site.url({ endpoint, key: pk, ...config }));
  await p.waitForFunction(() => window.ready === true);
  return p;
}

const feedbackOf = async (interactionId: string) => (await server.get(`/api/v1/interactions/${interactionId}`)).body.feedback as any[];
const flush = (page: Page) => page.evaluate(() => window.fb.flush());
const queuedIds = (page: Page) => page.evaluate(() => window.queued as string[]);

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Fails every batch request while `cut` says so (as a dropped connection), counting them. */
async function cutNetwork(page: { route: Page['route']; unroute: Page['unroute'] }) {
  const state = { aborted: 0, delivered: [] as string[][] };
  const handler = async (route: Route) => {
    state.aborted++;
    await route.abort('internetdisconnected');
  };
  await page.route(BATCH_URL, handler);
  return { state, restore: () => page.unroute(BATCH_URL, handler) };
}

test('a copy of part of an answer, a paste, thumbs and a rating are each stored once, linked to their interaction, with the copied text', async () => {
  const user = `e2e-${randomUUID()}`;
  const answer = 'Paris is the capital of France. It is known for the Eiffel Tower.';
  const older = await storeInteraction(user, 'Lyon is known for its food.', 120_000);
  const target = await storeInteraction(user, answer, 60_000);
  const newer = await storeInteraction(user, 'Berlin is the capital of Germany.', 30_000);
  const before = preflights;
  const page = await openChat({ endUser: user, answer, interactionId: target });

  // Select "the capital of France" and copy with the keyboard: the real copy event.
  await page.evaluate(() => {
    const text = document.querySelector('#answer p')!.firstChild!;
    getSelection()!.setBaseAndExtent(text, 9, text, 30);
  });
  await page.keyboard.press('Control+C');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'the capital of France');
  await page.click('#input');
  await page.keyboard.press('Control+V');
  assert.equal(await page.inputValue('#input'), 'the capital of France');
  await page.click('#up');
  await page.click('#rate4');
  await flush(page);

  const sent = await page.evaluate(() => window.sent.map((s: any) => [s.event.feedback.slug, s.result.id]));
  assert.deepEqual(sent.map(([slug]: [string]) => slug).sort(), ['copy_output', 'paste', 'rating', 'thumbs_up']);
  const stored = new Map<string, any>();
  for (const [slug, id] of sent) stored.set(slug, (await server.get(`/api/v1/feedback/${id}`)).body);
  assert.equal(stored.get('copy_output').text, 'the capital of France');
  assert.equal(stored.get('paste').text, 'the capital of France');
  assert.equal(stored.get('rating').value, 4);
  for (const slug of ['copy_output', 'thumbs_up', 'rating']) {
    assert.equal(stored.get(slug).interaction_id, target, slug);
    assert.equal(stored.get(slug).status, 'linked');
  }
  assert.equal(stored.get('copy_output').link, 'output');
  assert.equal(stored.get('rating').link, 'id');
  assert.equal(stored.get('paste').interaction_id, newer, 'a paste links by time: the latest interaction');
  const linked = await feedbackOf(target);
  assert.deepEqual(linked.map((f) => f.slug).sort(), ['copy_output', 'rating', 'thumbs_up'], 'each stored once');
  assert.deepEqual(await feedbackOf(older), []);
  assert.equal(preflights, before, 'text/plain batches need no CORS preflight');
  await page.close();
});

test('the network cut for a while, and a reload while offline, lose nothing and double nothing', async () => {
  const user = `e2e-${randomUUID()}`;
  const answer = 'Offline answers still count.';
  const target = await storeInteraction(user, answer, 10_000);
  const page = await openChat({ endUser: user, answer, interactionId: target });
  const cut = await cutNetwork(page);
  await page.click('#up');
  await page.click('#down');
  await eventually(async () => cut.state.aborted >= 2, 'two failed attempts');
  const beforeReload = await queuedIds(page);
  await page.reload();
  await page.waitForFunction(() => window.ready === true);
  await page.click('#rate4');
  const afterReload = await queuedIds(page);
  await eventually(async () => cut.state.aborted >= 4, 'more failed attempts after the reload');
  assert.deepEqual(await feedbackOf(target), [], 'nothing arrived while cut');
  await cut.restore();
  await page.evaluate(() => dispatchEvent(new Event('online')));
  await eventually(async () => (await feedbackOf(target)).length >= 3, 'three feedback stored');
  await new Promise((r) => setTimeout(r, 300));
  const stored = await feedbackOf(target);
  assert.deepEqual(stored.map((f) => f.event_id).sort(), [...beforeReload, ...afterReload].sort());
  assert.deepEqual(stored.map((f) => f.slug).sort(), ['rating', 'thumbs_down', 'thumbs_up']);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('feedloop|')).length), 0, 'the queue is empty');
  await page.close();
});

test('a 429 with Retry-After is honoured', async () => {
  const user = `e2e-${randomUUID()}`;
  const answer = 'Rate limited, then stored.';
  const target = await storeInteraction(user, answer, 5000);
  const page = await openChat({ endUser: user, answer, interactionId: target, retryBase: 10 });
  const attempts: number[] = [];
  await page.route(BATCH_URL, async (route) => {
    attempts.push(Date.now());
    if (attempts.length > 1) return route.fallback();
    await route.fulfill({
      status: 429,
      headers: { 'retry-after': '1', 'access-control-allow-origin': site.origin, 'access-control-expose-headers': 'Retry-After', 'content-type': 'application/problem+json' },
      body: JSON.stringify({ type: '/problems/rate_limited', title: 'Too many requests', status: 429, detail: 'slow down' }),
    });
  });
  await page.click('#rate4');
  await eventually(async () => (await feedbackOf(target)).length === 1, 'the rating stored', 10_000);
  assert.equal(attempts.length, 2);
  assert.ok(attempts[1]! - attempts[0]! >= 1000, `retried after ${attempts[1]! - attempts[0]!} ms`);
  await page.close();
});

test('events queued when the tab is closed arrive, sent without a preflight', async () => {
  const user = `e2e-${randomUUID()}`;
  const answer = 'Closing the tab loses nothing.';
  const target = await storeInteraction(user, answer, 5000);
  const page = await openChat({ endUser: user, answer, interactionId: target, delay: 60_000 });
  await page.click('#up');
  await page.click('#rate4');
  const queued = await queuedIds(page);
  const before = preflights;
  await page.close({ runBeforeUnload: true });
  await eventually(async () => (await feedbackOf(target)).length === 2, 'both feedback stored');
  assert.deepEqual((await feedbackOf(target)).map((f) => f.event_id).sort(), [...queued].sort());
  assert.equal(preflights, before);
});

test('two tabs share one queue without duplicates: each sends its own, and a closed tab\'s queue once', async () => {
  const user = `e2e-${randomUUID()}`;
  const answer = 'Two tabs, one queue.';
  const target = await storeInteraction(user, answer, 5000);
  const delivered: string[][] = [];
  let cut = true;
  const handler = async (route: Route) => {
    if (cut) return route.abort('internetdisconnected');
    const ids = (JSON.parse(route.request().postData()!).events as any[]).map((e) => e.metadata.event_id as string);
    const response = await route.fetch();
    if (response.status() === 200) delivered.push(ids);
    await route.fulfill({ response });
  };
  await chromium.context.route(BATCH_URL, handler);
  try {
    const [a, b] = [await openChat({ endUser: user, answer, interactionId: target }), await openChat({ endUser: user, answer, interactionId: target })];
    await a.click('#up');
    await a.click('#down');
    await b.click('#rate4');
    const [fromA, fromB] = [await queuedIds(a), await queuedIds(b)];
    await new Promise((r) => setTimeout(r, 300));
    await a.close({ runBeforeUnload: true }); // its last attempt fails too: its queue stays stored
    cut = false;
    await flush(b);
    await eventually(async () => (await feedbackOf(target)).length === 3, 'all three stored');
    // Both alive and online: each tab sends only its own events.
    const c = await openChat({ endUser: user, answer, interactionId: target });
    await c.click('#up');
    await b.click('#up');
    const [fromC, laterB] = [await queuedIds(c), (await queuedIds(b)).slice(-1)];
    await Promise.all([flush(b), flush(c)]);
    const sentIds = delivered.flat();
    assert.deepEqual([...sentIds].sort(), [...fromA, ...fromB, ...fromC, ...laterB].sort(), 'every event delivered exactly once');
    assert.equal(new Set(sentIds).size, sentIds.length);
    const stored = await feedbackOf(target);
    assert.deepEqual(stored.map((f) => f.event_id).sort(), [...sentIds].sort());
    await b.close();
    await c.close();
  } finally {
    await chromium.context.unroute(BATCH_URL, handler);
  }
});
