// Test support for the dashboard: Debian's Chromium driven by playwright-core (one launch per test
// file), a real feedloop server on a real port with a real SQLite file (optionally holding the
// demo data), and screenshots saved under test-output/dashboard/ for a person to look at.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEFAULT_SEED, loadDemo } from '../../src/cli/demo.js';
import { startTestServer, type TestServer } from './app.js';

export const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/dashboard/', import.meta.url));

/** Where Chromium is, or why these tests cannot run. Under CI (CI=true) a missing browser is an error. */
export function chromiumPath(): { path: string | null; reason: string | null } {
  let path: string | null = null;
  try {
    path = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim().split('\n')[0] || null;
  } catch { /* not installed */ }
  if (path) return { path, reason: null };
  const reason = 'Chromium not found (Debian package chromium); .ci/run installs it';
  if (process.env['CI'] === 'true') throw new Error(`${reason} (required when CI=true)`);
  return { path: null, reason };
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  // playwright-core starts Chromium with a fresh --user-data-dir of its own (and refuses ours).
  return chromium.launch({
    executablePath,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

export interface DashboardServer extends TestServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** What the demo load reported (null without demo data). */
  demo: Awaited<ReturnType<typeof loadDemo>> | null;
}

export const ADMIN_PASSWORD = 'dashboard-admin-password';

/** A server on a real port; with `demo`, holding the demo dataset (the default seed, 3000 interactions). */
export async function startDashboardServer(options: { demo?: boolean; interactions?: number } = {}): Promise<DashboardServer> {
  const server = await startTestServer({ FEEDLOOP_ADMIN_PASSWORD: ADMIN_PASSWORD });
  const demo = options.demo ? await loadDemo(server, server.config, { seed: DEFAULT_SEED, interactions: options.interactions ?? 3000 }) : null;
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...server, origin: address, demo };
}

/**
 * A browser context that records what a page must never do: load anything from another origin,
 * break the content security policy, or throw.
 */
export async function openContext(browser: Browser, origin: string, options: { width?: number; height?: number; dark?: boolean } = {}) {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: options.dark ? 'dark' : 'light',
    deviceScaleFactor: 1,
  });
  const problems: string[] = [];
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:')) problems.push(`request to another origin: ${url}`);
  });
  context.on('page', (page) => watchPage(page, problems));
  return { context, problems };
}

function watchPage(page: Page, problems: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs in through the form with a secret key and waits for the overview. */
export async function signInWithKey(page: Page, origin: string, key: string, path = '/'): Promise<void> {
  await page.goto(`${origin}${path}`);
  await page.fill('input[name=key]', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('header.top');
}

/** The page's horizontal overflow in CSS pixels (0 when nothing sticks out). */
export async function horizontalOverflow(page: Page): Promise<number> {
  // Runs in the page, where `document` exists; the test code is compiled without DOM types.
  return page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as Promise<number>;
}

export async function sessionCookie(context: BrowserContext): Promise<string | null> {
  const cookie = (await context.cookies()).find((c) => c.name === 'feedloop_session');
  return cookie ? `${cookie.name}=${cookie.value}` : null;
}
