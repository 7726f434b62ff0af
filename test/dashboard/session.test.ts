// The dashboard's sign-in and sign-out in a real browser: with a secret key and with the admin
// password, a wrong key, sign-out that ends the session for a copied cookie too, and the keys
// page (create a publishable key shown once, revoke it). One Chromium for the whole file.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  ADMIN_PASSWORD, chromiumPath, horizontalOverflow, launchBrowser, openContext, screenshot, sessionCookie, signInWithKey,
  startDashboardServer, type DashboardServer,
} from '../support/browser.js';

const chromium = chromiumPath();

describe('dashboard sign-in, sign-out and keys', { skip: chromium.reason ?? false }, () => {
  let browser: Browser;
  let server: DashboardServer;
  before(async () => {
    // One at a time, so that whichever started is cleaned up when the other fails.
    server = await startDashboardServer();
    browser = await launchBrowser(chromium.path!);
  });
  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  test('the page is served with security headers and only local assets', async () => {
    const response = await fetch(`${server.origin}/`);
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    const html = await response.text();
    assert.doesNotMatch(html, /<script>(?!<\/script>)|https?:\/\//, 'no inline script, no absolute URL');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, html);
    const script = await fetch(`${server.origin}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(script.status, 200);
    assert.match(script.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);
    // Client-side routes answer the page; anything else is still a 404 problem.
    assert.equal((await fetch(`${server.origin}/explorer?feedback=thumbs_down`)).status, 200);
    assert.equal((await fetch(`${server.origin}/conversations/abc`)).status, 200);
    assert.equal((await fetch(`${server.origin}/no-such-page`)).status, 404);
  });

  test('a wrong key is refused on the form; the right one signs in', async () => {
    const { context, problems } = await openContext(browser, server.origin);
    const page = await context.newPage();
    await page.goto(`${server.origin}/`);
    await page.fill('input[name=key]', 'fl_sk_not_a_key');
    await page.click('button[type=submit]');
    await page.waitForSelector('.form-error');
    assert.match(await page.textContent('.form-error') ?? '', /not known or was revoked/);
    await screenshot(page, 'sign-in-error');
    await page.fill('input[name=key]', server.key);
    await page.click('button[type=submit]');
    await page.waitForSelector('header.top');
    assert.match(await page.textContent('.who') ?? '', /default/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the admin password signs in to the default project', async () => {
    const { context, problems } = await openContext(browser, server.origin);
    const page = await context.newPage();
    await page.goto(`${server.origin}/keys`);
    await page.click('input[name=method][value=password]');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await screenshot(page, 'sign-in-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('header.top');
    assert.match(await page.textContent('.who') ?? '', /default/);
    // The deep link survives signing in.
    await page.waitForSelector('h1#keys-title');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('keys: a publishable key is created with its origin, shown once, and revoked', async () => {
    const { context, problems } = await openContext(browser, server.origin);
    const page = await context.newPage();
    await signInWithKey(page, server.origin, server.key, '/keys');
    await page.waitForSelector('table.keys-table');
    await page.click('input[name=kind][value=publishable]');
    await page.fill('input[name=name]', 'chat front end');
    await page.fill('textarea[name=origins]', 'https://chat.example.com');
    await page.check('input[name=require_token]');
    await page.click('form.create-key button[type=submit]');
    const shown = await page.waitForSelector('.new-key');
    const key = await page.inputValue('input[name=new-key]');
    assert.match(key, /^fl_pk_/);
    const id = await shown.getAttribute('data-new-key-id');
    await page.waitForSelector(`tr[data-key-id="${id}"]`);
    await screenshot(page, 'keys-created');

    // Stored as asked.
    const listed = (await (await fetch(`${server.origin}/api/v1/keys`, { headers: { authorization: `Bearer ${server.key}` } })).json()) as { items: { id: string; origins: string[]; kind: string; require_token: boolean }[] };
    const stored = listed.items.find((k) => k.id === id);
    assert.deepEqual(stored && { kind: stored.kind, origins: stored.origins, require_token: stored.require_token },
      { kind: 'publishable', origins: ['https://chat.example.com'], require_token: true });

    // Shown once: after "Done" and a reload it is nowhere on the page.
    await page.click('.new-key button.secondary');
    await page.reload();
    await page.waitForSelector(`tr[data-key-id="${id}"]`);
    assert.ok(!(await page.content()).includes(key));

    await page.click(`tr[data-key-id="${id}"] button.danger`);
    await page.click(`tr[data-key-id="${id}"] button:has-text("Revoke now")`);
    await page.waitForSelector(`tr[data-key-id="${id}"]`, { state: 'detached' });
    const after = (await (await fetch(`${server.origin}/api/v1/keys`, { headers: { authorization: `Bearer ${server.key}` } })).json()) as { items: { id: string; revoked_at: string | null }[] };
    assert.ok(after.items.find((k) => k.id === id)?.revoked_at, 'revoked on the server');
    assert.equal(await horizontalOverflow(page), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('sign-out ends the session: the copied cookie no longer works', async () => {
    const { context, problems } = await openContext(browser, server.origin);
    const page = await context.newPage();
    await signInWithKey(page, server.origin, server.key, '/keys');
    const cookie = await sessionCookie(context);
    assert.ok(cookie, 'a session cookie is set');
    const cookieDetails = (await context.cookies()).find((c) => c.name === 'feedloop_session')!;
    assert.equal(cookieDetails.httpOnly, true);
    assert.equal(cookieDetails.sameSite, 'Strict');
    assert.ok(cookieDetails.expires > Date.now() / 1000, 'the cookie expires');
    assert.equal(await page.evaluate('document.cookie'), '', 'scripts cannot read the cookie');
    const before = await fetch(`${server.origin}/api/v1/keys`, { headers: { cookie } });
    assert.equal(before.status, 200);

    await page.click('button:has-text("Sign out")');
    await page.waitForSelector('input[name=key]');
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    assert.equal(await sessionCookie(context), null, 'the browser dropped the cookie');
    const afterSignOut = await fetch(`${server.origin}/api/v1/keys`, { headers: { cookie } });
    assert.equal(afterSignOut.status, 401, 'a copy of the cookie is dead too');
    // Back in the browser with the old cookie put back: the page asks to sign in again.
    await context.addCookies([{ ...cookieDetails }]);
    await page.goto(`${server.origin}/keys`);
    await page.waitForSelector('input[name=key]');
    await screenshot(page, 'signed-out');
    assert.deepEqual(problems.filter((p) => !/401/.test(p)), []);
    await context.close();
  });

  test('the sign-in page fits a phone and works from the keyboard', async () => {
    const { context } = await openContext(browser, server.origin, { width: 375, height: 740, dark: true });
    const page = await context.newPage();
    await page.goto(`${server.origin}/`);
    await page.waitForSelector('input[name=key]');
    assert.equal(await horizontalOverflow(page), 0);
    await page.keyboard.type(server.key); // the key field has focus on arrival
    await page.keyboard.press('Enter');
    await page.waitForSelector('header.top');
    await screenshot(page, 'phone-dark-after-sign-in');
    await context.close();
  });
});
