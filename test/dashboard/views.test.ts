// The dashboard's views in a real browser against a real server holding the demo dataset: the
// overview shows exactly what /api/v1/stats says, the explorer filters and pages like
// /api/v1/interactions, a row opens its conversation (PII placeholders shown as such) and the
// end user's page, a comparison shows what /api/v1/compare says, and at phone width nothing
// overflows. Screenshots of every page land in test-output/dashboard/. One Chromium for the file.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  chromiumPath, horizontalOverflow, launchBrowser, openContext, screenshot, signInWithKey, startDashboardServer, type DashboardServer,
} from '../support/browser.js';

const chromium = chromiumPath();

describe('dashboard views on the demo data', { skip: chromium.reason ?? false }, () => {
  let browser: Browser;
  let server: DashboardServer;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  const apiGet = async (path: string): Promise<any> => {
    const response = await fetch(`${server.origin}/api/v1${path}`, { headers: { authorization: `Bearer ${server.key}` } });
    assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
    return response.json();
  };
  const ids = (p: Page, selector: string) => p.$$eval(selector, (rows) => rows.map((r) => r.getAttribute('data-interaction-id')));
  const query = (p: Page) => new URL(p.url()).searchParams;
  // Predicates run in the page (the test code is compiled without DOM types, so they are strings).
  const urlHas = (p: Page, text: string) => p.waitForFunction(`location.search.includes(${JSON.stringify(text)})`);

  before(async () => {
    server = await startDashboardServer({ demo: true });
    browser = await launchBrowser(chromium.path!);
    ({ context, problems } = await openContext(browser, server.origin));
    page = await context.newPage();
    await signInWithKey(page, server.origin, server.key);
  });
  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  test('overview tiles show exactly what /api/v1/stats says for the range in the URL', async () => {
    // The default range (the last 30 days) is written into the URL.
    await page.goto(`${server.origin}/`);
    await page.waitForSelector('.overview-body[data-loaded=true]');
    const range = query(page);
    assert.ok(range.get('from') && range.get('to'), page.url());
    assert.ok(Math.abs(Date.parse(range.get('to')!) - Date.parse(range.get('from')!) - 30 * 86400_000) < 1000);

    for (const [from, to] of [[range.get('from')!, range.get('to')!], [new Date(Date.now() - 9 * 86400_000).toISOString(), new Date(Date.now() - 2 * 86400_000).toISOString()]] as const) {
      await page.goto(`${server.origin}/?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      await page.waitForSelector('.overview-body[data-loaded=true]');
      const tiles = Object.fromEntries(await page.$$eval('[data-metric]', (els) => els.map((e) => [e.getAttribute('data-metric'), e.getAttribute('data-value')])));
      const stats = await apiGet(`/stats?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      const t = stats.total;
      const expected = {
        interactions: t.interactions, feedback: t.feedback, thumbs_up_rate: t.thumbs_up_rate.value,
        mean_rating: t.mean_rating.value, copy_rate: t.copy_rate.value, pending: t.pending,
      };
      assert.deepEqual(Object.keys(tiles).sort(), Object.keys(expected).sort());
      for (const [metric, value] of Object.entries(expected)) {
        assert.equal(tiles[metric], value === null ? '' : String(value), `${metric} for ${from}..${to}`);
      }
      assert.ok(t.interactions > 0, 'the range holds data');
      // Feedback by kind and the rating histogram are the same numbers.
      const slugs = Object.fromEntries(await page.$$eval('.hbars li', (els) => els.map((e) => [e.getAttribute('data-key'), Number(e.getAttribute('data-value'))])));
      assert.deepEqual(slugs, Object.fromEntries(Object.entries(t.slugs as Record<string, number>).filter(([, n]) => n > 0)));
      const histogram = await page.$$eval('.histogram-column', (els) => els.map((e) => Number(e.getAttribute('data-value'))));
      assert.deepEqual(histogram, t.mean_rating.histogram);
    }

    // Every model and both flag variants have a row; the chart is drawn.
    await page.goto(`${server.origin}/`);
    await page.waitForSelector('.overview-body[data-loaded=true]');
    const models = await page.$$eval('table[data-dimension=model] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-key')));
    assert.deepEqual(models.sort(), ['claude-3-5-sonnet', 'gpt-4o', 'gpt-4o-mini', 'llama-3.1-70b']);
    const flags = await page.$$eval('table[data-dimension=feature_flag] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-key')));
    assert.deepEqual(flags.sort(), ['retriever-v1', 'retriever-v2']);
    assert.ok(await page.$('.rate-chart canvas'), 'the thumbs-up chart is drawn');
    await screenshot(page, 'overview');

    // A quick range changes the URL and the figures.
    await page.click('button:has-text("7 days")');
    await page.waitForFunction(`(() => { const p = new URLSearchParams(location.search);
      return Date.parse(p.get('to')) - Date.parse(p.get('from')) === 7 * 86400000; })()`);
    await page.waitForSelector('.overview-body[data-loaded=true]');
    const week = query(page);
    const weekStats = await apiGet(`/stats?from=${encodeURIComponent(week.get('from')!)}&to=${encodeURIComponent(week.get('to')!)}`);
    assert.equal(await page.getAttribute('[data-metric=interactions]', 'data-value'), String(weekStats.total.interactions));
  });

  test('explorer: one click to thumbs down with comments, more filters, pages as the API gives them', async () => {
    await page.goto(`${server.origin}/explorer`);
    await page.waitForSelector('[data-loaded=true] .rows');
    await page.click('button:has-text("Thumbs down with comments")');
    await urlHas(page, 'has_comment=true');
    await page.waitForSelector('[data-loaded=true] .rows');
    assert.equal(query(page).get('feedback'), 'thumbs_down');
    const first = await apiGet('/interactions?feedback=thumbs_down&has_comment=true&limit=25');
    assert.ok(first.items.length > 0);
    assert.deepEqual(await ids(page, '.rows > li'), first.items.map((i: { id: string }) => i.id));
    // Every row shows its thumbs down and its comment.
    assert.equal(await page.$$eval('.rows > li', (rows) => rows.filter((r) => r.querySelector('.chip.bad') && r.querySelector('q.comment')).length), first.items.length);
    await screenshot(page, 'explorer-thumbs-down-with-comments');

    // A text filter applies on Enter and lands in the URL.
    await page.fill('input[name=model]', 'gpt-4o-mini');
    await page.press('input[name=model]', 'Enter');
    await urlHas(page, 'model=gpt-4o-mini');
    await page.waitForSelector('[data-loaded=true] .rows');
    const filtered = await apiGet('/interactions?feedback=thumbs_down&has_comment=true&model=gpt-4o-mini&limit=25');
    assert.deepEqual(await ids(page, '.rows > li'), filtered.items.map((i: { id: string }) => i.id));

    // Paging follows next_cursor.
    await page.click('button:has-text("Clear filters")');
    await page.waitForFunction('location.search === ""');
    await page.waitForSelector('[data-loaded=true] .rows');
    const all = await apiGet('/interactions?feedback=any&limit=25');
    assert.ok(all.next_cursor);
    await page.click('button:has-text("Next page")');
    await urlHas(page, 'cursor=');
    await page.waitForSelector('[data-loaded=true] .rows');
    const second = await apiGet(`/interactions?feedback=any&limit=25&cursor=${encodeURIComponent(all.next_cursor)}`);
    assert.deepEqual(await ids(page, '.rows > li'), second.items.map((i: { id: string }) => i.id));

    // Search by text and rating.
    await page.goto(`${server.origin}/explorer?q=VAT&max_rating=2`);
    await page.waitForSelector('[data-loaded=true]');
    const searched = await apiGet('/interactions?feedback=any&q=VAT&max_rating=2&limit=25');
    assert.deepEqual(await ids(page, '.rows > li'), searched.items.map((i: { id: string }) => i.id));
    assert.equal(await page.inputValue('input[name=q]'), 'VAT');
  });

  test('a row opens its conversation with every interaction and its feedback; PII placeholders show; the user page links back', async () => {
    // An answer whose question lost a name to PII removal.
    const withPii = (await apiGet('/interactions?q=%5BPERSON%5D&feedback=any&limit=1')).items[0];
    assert.ok(withPii, 'the demo has interactions with [PERSON]');
    await page.goto(`${server.origin}/explorer?q=${encodeURIComponent('[PERSON]')}`);
    await page.waitForSelector(`[data-loaded=true] li[data-interaction-id="${withPii.id}"]`);
    await page.click(`li[data-interaction-id="${withPii.id}"] a.row-main`);
    await page.waitForSelector('.turns .turn');
    assert.equal(new URL(page.url()).pathname, `/conversations/${withPii.conversation_id}`);
    const conversation = await apiGet(`/conversations/${withPii.conversation_id}`);
    assert.deepEqual(await ids(page, '.turns > li'), conversation.interactions.map((i: { id: string }) => i.id));
    assert.equal(await page.getAttribute('.turn.focused', 'data-interaction-id'), withPii.id);
    const feedbackShown = await page.$$eval('.turns [data-feedback-id]', (els) => els.map((e) => e.getAttribute('data-feedback-id')));
    const feedbackStored = conversation.interactions.flatMap((i: { feedback: { id: string }[] }) => i.feedback.map((f) => f.id));
    assert.deepEqual(feedbackShown, feedbackStored);
    const marks = await page.$$eval('.turn.focused mark.pii', (els) => els.map((e) => e.textContent));
    assert.ok(marks.includes('[PERSON]'), `placeholders shown as such: ${JSON.stringify(marks)}`);
    await screenshot(page, 'conversation');

    await page.click('a.user-link');
    await page.waitForSelector('.user .facts');
    assert.equal(new URL(page.url()).pathname, `/users/${withPii.end_user}`);
    const user = await apiGet(`/users/${encodeURIComponent(withPii.end_user)}`);
    assert.equal(await page.getAttribute('.user .facts [data-value]', 'data-value'), String(user.interactions));
    assert.equal(await page.$$eval('.user [data-feedback-id]', (els) => els.length), user.recent_feedback.length);
    await screenshot(page, 'user');

    // A feedback item leads to the answer it is about, in its conversation.
    const latest = user.recent_feedback.find((f: { interaction_id: string | null }) => f.interaction_id !== null);
    await page.click(`.user [data-feedback-id="${latest.id}"] a[href^="/interactions/"]`);
    await page.waitForSelector('.turn.focused');
    assert.equal(await page.getAttribute('.turn.focused', 'data-interaction-id'), latest.interaction_id);
    assert.match(new URL(page.url()).pathname, /^\/conversations\//);
  });

  test('compare: two flag variants side by side with intervals, difference, both p-values and the verdict', async () => {
    await page.goto(`${server.origin}/compare`);
    await page.waitForSelector('form.compare-form');
    await page.fill('input[name=a]', 'retriever-v1');
    await page.fill('input[name=b]', 'retriever-v2');
    await page.click('form.compare-form button[type=submit]');
    await page.waitForSelector('.comparison[data-loaded=true]');
    const params = query(page);
    assert.equal(params.get('by'), null, 'feature_flag is the default dimension');
    assert.equal(params.get('a'), 'retriever-v1');
    const api = await apiGet('/compare?by=feature_flag&a=retriever-v1&b=retriever-v2');
    assert.equal(await page.textContent('[data-verdict]'), api.verdict);
    assert.equal(await page.getAttribute('[data-side=a] [data-metric=thumbs_up_rate]', 'data-value'), String(api.a.thumbs_up_rate.value));
    assert.equal(await page.getAttribute('[data-side=b] [data-metric=thumbs_up_rate]', 'data-value'), String(api.b.thumbs_up_rate.value));
    assert.equal(await page.getAttribute('tr[data-measure=thumbs_up_rate] td[data-value]', 'data-value'), String(api.thumbs_up_difference.value));
    const pValues = await page.$$eval('tr[data-measure=thumbs_up_rate] [data-p-value]', (els) => els.map((e) => e.getAttribute('data-p-value')));
    assert.deepEqual(pValues, [String(api.p_value), String(api.always_valid_p_value)]);
    assert.ok(api.thumbs_up_difference.value > 0, 'the demo\'s v2 does better');
    assert.ok(await page.$$('[data-side] .interval-bar .band').then((b) => b.length === 2), 'both sides show their interval');
    await screenshot(page, 'compare');

    // By model, picked from the values seen.
    await page.selectOption('select[name=by]', 'model');
    await urlHas(page, 'by=model');
    await page.fill('input[name=a]', 'gpt-4o-mini');
    await page.fill('input[name=b]', 'claude-3-5-sonnet');
    await page.click('form.compare-form button[type=submit]');
    await page.waitForSelector('.comparison[data-loaded=true]');
    const byModel = await apiGet('/compare?by=model&a=gpt-4o-mini&b=claude-3-5-sonnet');
    assert.equal(await page.textContent('[data-verdict]'), byModel.verdict);

    // By a tag: its key, then two of its values.
    await page.selectOption('select[name=by]', 'tag');
    await urlHas(page, 'by=tag');
    await page.fill('input[name=key]', 'plan');
    await page.fill('input[name=a]', 'free');
    await page.fill('input[name=b]', 'enterprise');
    await page.click('form.compare-form button[type=submit]');
    await page.waitForSelector('.comparison[data-loaded=true]');
    assert.equal(query(page).get('key'), 'plan');
    const byTag = await apiGet('/compare?by=tag:plan&a=free&b=enterprise');
    assert.equal(await page.textContent('[data-verdict]'), byTag.verdict);
    assert.equal(await page.getAttribute('[data-side=b] [data-metric=thumbs_up_rate]', 'data-value'), String(byTag.b.thumbs_up_rate.value));
    assert.deepEqual(problems, []);
  });

  test('keyboard: the views are reachable by Tab with a visible focus ring', async () => {
    await page.goto(`${server.origin}/`);
    await page.waitForSelector('.overview-body[data-loaded=true]');
    const seen: { tag: string; text: string; outline: string }[] = [];
    for (let k = 0; k < 6; k++) {
      await page.keyboard.press('Tab');
      seen.push(await page.evaluate(`(() => { const e = document.activeElement; const s = getComputedStyle(e);
        return { tag: e.tagName, text: (e.textContent || '').trim(), outline: s.outlineStyle + ' ' + s.outlineWidth }; })()`) as { tag: string; text: string; outline: string });
    }
    assert.ok(seen.some((s) => s.text === 'Explorer'), JSON.stringify(seen));
    for (const s of seen) assert.doesNotMatch(s.outline, /^none/, `focus is visible on ${s.tag} ${s.text}`);
    // Every form control has an accessible name.
    for (const path of ['/', '/explorer', '/compare', '/keys']) {
      await page.goto(`${server.origin}${path}`);
      await page.waitForSelector('main h1');
      const unnamed = await page.$$eval('input, select, textarea, button', (els) => els.filter((e) => {
        const el = e as unknown as { type: string; labels: ArrayLike<unknown> | null; tagName: string; textContent: string | null; getAttribute(n: string): string | null };
        if (el.type === 'hidden') return false;
        const labelled = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        return !labelled && !(el.tagName === 'BUTTON' && (el.textContent ?? '').trim() !== '');
      }).map((e) => e.outerHTML.slice(0, 80)));
      assert.deepEqual(unnamed, [], path);
    }
  });

  test('phone width (375 px), dark scheme: no page overflows sideways', async () => {
    const phone = await openContext(browser, server.origin, { width: 375, height: 812, dark: true });
    const p = await phone.context.newPage();
    await signInWithKey(p, server.origin, server.key);
    const someone = (await apiGet('/interactions?feedback=thumbs_down&has_comment=true&limit=1')).items[0];
    const pages: [string, string, string][] = [
      ['overview', '/', '.overview-body[data-loaded=true]'],
      ['explorer', '/explorer?feedback=thumbs_down&has_comment=true', '[data-loaded=true] .rows'],
      ['conversation', `/conversations/${someone.conversation_id}?focus=${someone.id}`, '.turns .turn'],
      ['user', `/users/${someone.end_user}`, '.user .facts'],
      ['compare', '/compare?a=retriever-v1&b=retriever-v2', '.comparison[data-loaded=true]'],
      ['keys', '/keys', 'table.keys-table'],
    ];
    for (const [name, path, ready] of pages) {
      await p.goto(`${server.origin}${path}`);
      await p.waitForSelector(ready);
      assert.equal(await horizontalOverflow(p), 0, `${name} overflows at 375 px`);
      await screenshot(p, `phone-${name}`);
    }
    assert.deepEqual(phone.problems, []);
    await phone.context.close();

    // And the overview in the dark scheme at laptop width, for the record.
    const dark = await openContext(browser, server.origin, { width: 1280, height: 900, dark: true });
    const d = await dark.context.newPage();
    await signInWithKey(d, server.origin, server.key);
    await d.waitForSelector('.overview-body[data-loaded=true]');
    await screenshot(d, 'overview-dark');
    await dark.context.close();
  });
});
