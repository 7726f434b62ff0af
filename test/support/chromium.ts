// Debian's Chromium driven by playwright-core for the end-to-end browser tests (never a downloaded
// browser): the flags this machine needs (its network is closed) and a fresh profile per launch.
// A missing Chromium fails the run; CI installs it (`apt-get install -y chromium` in .ci/run).
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Chromium { context: BrowserContext; close(): Promise<void> }

export async function launchChromium(): Promise<Chromium> {
  let executablePath: string;
  try {
    executablePath = execSync('command -v chromium', { encoding: 'utf8', shell: '/bin/sh' }).trim();
  } catch {
    throw new Error('chromium is not installed (apt-get install -y chromium); the browser tests need it');
  }
  const profile = mkdtempSync(join(tmpdir(), 'feedloop-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: ARGS });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
