// `npm run bench -- dashboard`: what the dashboard costs a browser. The built JS and CSS, gzipped
// (as the server sends them), and the time from navigation to a rendered overview (tiles, chart,
// breakdowns: four /api/v1/stats calls) on a database of BENCH_DASHBOARD_ROWS interactions
// (default 10,000,000, the read benchmark's dataset) in Debian's Chromium: the first load with an
// empty cache, then the median and worst of BENCH_DASHBOARD_LOADS reloads. Goals (issue 13):
// ≤ 100 KB of JS, overview rendered in ≤ 1 s.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { Keys } from '../src/app/keys.js';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { envInt, fmt, goal, readThrough, ROOT, settleDisk, startServer, stopServer, tempDir } from './harness.js';
import { seedReadData } from './read-data.js';

const settings = {
  rows: envInt('BENCH_DASHBOARD_ROWS', 10_000_000, 1000),
  loads: envInt('BENCH_DASHBOARD_LOADS', 10, 1),
};

const DAY = 86400_000;

/** Gzipped sizes of the built assets: the .gz files the build writes and the server sends. */
export function assetSizes(): { js: number; css: number; jsRaw: number; cssRaw: number } {
  const dir = join(ROOT, 'packages/dashboard/dist/assets');
  const sizes = { js: 0, css: 0, jsRaw: 0, cssRaw: 0 };
  for (const name of readdirSync(dir)) {
    const kind = name.endsWith('.js') ? 'js' : name.endsWith('.css') ? 'css' : null;
    if (kind === null) continue;
    sizes[`${kind}Raw`] += statSync(join(dir, name)).size;
    sizes[kind] += statSync(join(dir, `${name}.gz`)).size;
  }
  return sizes;
}

export async function dashboardMain(): Promise<void> {
  const before = loadavg();
  console.log(`feedloop dashboard bench: ${fmt(settings.rows)} interactions, ${settings.loads} reloads`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average before ${before.map((l) => l.toFixed(2)).join(' ')}`);
  const sizes = assetSizes();
  console.log(`  JS ${(sizes.js / 1024).toFixed(1)} KB gzipped (${(sizes.jsRaw / 1024).toFixed(1)} KB raw)  ${goal(sizes.js / 1024, '≤', 100, ' KB')}`);
  console.log(`  CSS ${(sizes.css / 1024).toFixed(1)} KB gzipped (${(sizes.cssRaw / 1024).toFixed(1)} KB raw)`);

  const executablePath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  const key = `fl_sk_bench_${randomBytes(18).toString('base64url')}`;
  // The read benchmark's kept dataset (BENCH_READ_DIR), when there is one of this size: seeding 10M rows takes half an hour.
  const kept = process.env['BENCH_READ_DIR'] ? join(resolve(process.env['BENCH_READ_DIR']), `sqlite-${settings.rows}`) : null;
  let dir: string;
  let end: number;
  if (kept && existsSync(join(kept, 'dataset.json'))) {
    dir = kept;
    end = (JSON.parse(readFileSync(join(kept, 'dataset.json'), 'utf8')) as { data: { end: number } }).data.end;
    console.log(`  reusing the read benchmark's dataset in ${kept}`);
  } else {
    dir = tempDir('feedloop-bench-dashboard-');
    const storage = new SqliteStorage({ filename: join(dir, 'feedloop.sqlite') });
    try {
      await storage.migrate();
      await new Keys(storage).ensure(key);
      const project = (await storage.findProjectByName('default'))!;
      const started = performance.now();
      const data = await seedReadData(storage, project.id, settings.rows, Date.now());
      end = data.end;
      await storage.rebuildRollups(project.id);
      console.log(`  seeded ${fmt(settings.rows)} interactions and ${fmt(data.feedback)} feedback, rollups rebuilt, in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    } finally {
      await storage.close();
    }
  }
  readThrough(join(dir, 'feedloop.sqlite'));
  settleDisk();

  const server = await startServer('feedloop', [join(ROOT, 'bin/feedloop.js'), 'serve'], { FEEDLOOP_DATA_DIR: dir, DATABASE_URL: '', FEEDLOOP_API_KEY: key });
  const browser = await chromium.launch({
    executablePath, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.fill('input[name=key]', key);
    await page.click('button[type=submit]');
    await page.waitForSelector('header.top');
    // "The last 30 days" as the overview asks for it (to = the data's now, rounded up to the minute).
    const to = Math.ceil(end / 60_000) * 60_000;
    const url = `${server.url}/?from=${new Date(to - 30 * DAY).toISOString()}&to=${new Date(to).toISOString()}`;
    const load = async (): Promise<number> => {
      const t0 = performance.now();
      await page.goto(url);
      await page.waitForSelector('.overview-body[data-loaded=true] .rate-chart canvas');
      return performance.now() - t0;
    };
    // The first load after sign-in: assets from the cache Chromium just filled are not the cold case,
    // so a fresh context (empty cache, same cookie) gives the first visit.
    const cold = await browser.newContext({ viewport: { width: 1280, height: 900 }, storageState: await context.storageState() });
    const coldPage = await cold.newPage();
    const c0 = performance.now();
    await coldPage.goto(url);
    await coldPage.waitForSelector('.overview-body[data-loaded=true] .rate-chart canvas');
    const first = performance.now() - c0;
    await cold.close();
    const times: number[] = [];
    for (let k = 0; k < settings.loads; k++) times.push(await load());
    times.sort((a, b) => a - b);
    const median = times[Math.floor((times.length - 1) / 2)]!;
    console.log(`  overview rendered: first visit ${first.toFixed(0)} ms; reloads median ${median.toFixed(0)} ms, worst ${times.at(-1)!.toFixed(0)} ms  ${goal(Math.max(first, median) / 1000, '≤', 1, ' s')}`);
  } finally {
    await browser.close();
    await stopServer(server);
    if (dir !== kept) rmSync(dir, { recursive: true, force: true });
  }
  const after = loadavg();
  console.log(`load average before ${before.map((l) => l.toFixed(2)).join(' ')}, after ${after.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`);
}
