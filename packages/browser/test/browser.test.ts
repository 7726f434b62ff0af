// The library in Chromium: every unit case of cases.ts (real localStorage, Web Locks, DOM events)
// against the built dist/feedloop.js, and the React hook (dist/react.js) in a StrictMode page.
// One browser for the file; each case on a freshly loaded page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { cases } from './cases.js';
import { launchChromium, type Chromium } from './support/chromium.js';
import { serveFiles, type StaticServer } from './support/static-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bundle = async (entry: string) => (await build({
  entryPoints: [`${root}test/${entry}`], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false,
  jsx: 'automatic', define: { 'process.env.NODE_ENV': '"development"' }, logLevel: 'warning',
})).outputFiles[0]!.text;

const CASES_PAGE = `<!doctype html><meta charset="utf-8"><title>feedloop unit cases</title><body><script type="module">
import * as lib from '/dist/feedloop.js';
import { cases } from '/cases.js';
window.runCase = async (name) => {
  localStorage.clear();
  try { await cases.find((c) => c.name === name).run(lib); return null; } catch (e) { return String(e && e.stack || e); }
};
window.ready = true;
</script>`;
const REACT_PAGE = '<!doctype html><meta charset="utf-8"><title>useFeedback</title><div id="root"></div><script type="module" src="/react-app.js"></script>';

let chromium: Chromium;
let site: StaticServer;
let page: Page;
before(async () => {
  const js = 'text/javascript; charset=utf-8';
  [chromium, site] = await Promise.all([launchChromium(), (async () => serveFiles({
    '/': { type: 'text/html; charset=utf-8', body: CASES_PAGE },
    '/react': { type: 'text/html; charset=utf-8', body: REACT_PAGE },
    '/dist/feedloop.js': { type: js, body: readFileSync(`${root}dist/feedloop.js`) },
    '/cases.js': { type: js, body: await bundle('cases.ts') },
    '/react-app.js': { type: js, body: await bundle('react-app.tsx') },
  }))()]);
  page = await chromium.context.newPage();
});
after(async () => {
  await chromium?.close();
  await site?.close();
});

describe('unit cases in Chromium', () => {
  for (const c of cases) {
    test(`${c.name} (Chromium)`, async () => {
      await page.goto(`${site.url}/`);
      await page.waitForFunction(() => (window as any).ready === true);
      const failure = await page.evaluate((name) => (window as any).runCase(name), c.name);
      if (failure) throw new Error(failure);
    });
  }
});

describe('useFeedback (React, StrictMode)', () => {
  /** The page's listeners of `type` on window, as DevTools sees them: one per live Feedback instance. */
  async function windowListeners(type: string): Promise<number> {
    const cdp = await chromium.context.newCDPSession(page);
    try {
      const { result } = await cdp.send('Runtime.evaluate', { expression: 'window' });
      const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId! });
      return listeners.filter((l) => l.type === type).length;
    } finally {
      await cdp.detach();
    }
  }
  const events = () => page.evaluate(() => (window as any).app.net.events().map((e: any) => [e.feedback.slug, e.metadata.end_user, e.feedback.text ?? e.feedback.value ?? null]));

  test('clicks send one event each, a copy one copy_output; StrictMode leaves exactly one live instance', async () => {
    await page.goto(`${site.url}/react`);
    await page.click('#up');
    await page.click('#rate');
    await page.locator('#sent', { hasText: '2' }).waitFor();
    await page.evaluate(() => {
      const text = document.querySelector('#answer')!.firstChild!;
      getSelection()!.setBaseAndExtent(text, 0, text, 5);
    });
    await page.keyboard.press('Control+C');
    await page.locator('#sent', { hasText: '3' }).waitFor();
    assert.deepEqual(await events(), [['thumbs_up', 'alice', null], ['rating', 'alice', 4], ['copy_output', 'alice', 'Paris']]);
    assert.equal(await windowListeners('pagehide'), 1, 'the instance of StrictMode\'s first mount was closed');
  });

  test('a new end user gets a new instance; unmounting closes it', async () => {
    await page.evaluate(() => (window as any).app.setUser('bob'));
    await page.click('#up');
    await page.waitForFunction(() => (window as any).app.net.events().length === 4);
    assert.deepEqual((await events()).at(-1), ['thumbs_up', 'bob', null]);
    assert.equal(await windowListeners('pagehide'), 1);
    await page.evaluate(() => (window as any).app.setShown(false));
    assert.equal(await windowListeners('pagehide'), 0);
  });
});
