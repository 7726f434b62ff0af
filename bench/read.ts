// `npm run bench -- read`: the read API at BENCH_READ_ROWS interactions (default 10,000,000) and
// about as many feedback over 90 days, and at BENCH_READ_SMALL (default 1,000,000) to show the
// cost stays flat, on SQLite and on PostgreSQL (durable settings; BENCH_POSTGRES=0 skips it).
// For each: p50/p95 of BENCH_READ_REQUESTS sequential requests (default 40, after 5 warm-up) to
// /stats (30 days by day, on whole days and on "the last 30 days to now"; 90 days by model; 90 days
// by tag), /compare, /interactions?feedback=thumbs_down&has_comment=true page 1 and page 20,
// /users/{id}; then, in the same run, the naive answer for the same /stats from the raw tables
// (the database's GROUP BY over the rows, current state by window functions), its time, the ratio,
// and whether both answers are equal.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { Keys } from '../src/app/keys.js';
import { HOUR_MS, type Dimension } from '../src/core/rollups.js';
import type { Storage } from '../src/storage/port.js';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { postgresBinDir, startPostgres } from '../test/support/postgres.js';
import { envInt, fmt, goal, readThrough, ROOT, settleDisk, startServer, state, stopPostgres, stopServer, tempDir, type Running } from './harness.js';
import { seedReadData, userOf, type ReadDataset } from './read-data.js';

const settings = {
  large: envInt('BENCH_READ_ROWS', 10_000_000, 1000),
  small: envInt('BENCH_READ_SMALL', 1_000_000, 1000),
  requests: envInt('BENCH_READ_REQUESTS', 40, 5),
  postgres: (process.env['BENCH_POSTGRES'] ?? '').trim() !== '0',
  /** Keep the seeded SQLite databases here and reuse them in later runs (seeding 10M rows takes half an hour). */
  keepDir: process.env['BENCH_READ_DIR'] ? resolve(process.env['BENCH_READ_DIR']) : null,
};

const DAY = 24 * HOUR_MS;
/** Files read through before the requests: the SQLite database of a data directory. */
const readThroughFiles = [(env: Record<string, string>) => join(env['FEEDLOOP_DATA_DIR'] ?? '', 'feedloop.sqlite')];

interface Timing { p50: number; p95: number }
interface CaseResult extends Timing { name: string }
interface NaiveResult { name: string; seconds: number; apiP50: number; equal: boolean }
interface SizeResult { backend: string; rows: number; feedback: number; seedSeconds: number; rebuildSeconds: number; cases: CaseResult[]; naive: NaiveResult[] }

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

async function timed(url: string, key: string, path: () => string, requests: number): Promise<Timing & { last: unknown }> {
  const times: number[] = [];
  let last: unknown = null;
  for (let k = 0; k < requests + 5; k++) {
    const started = performance.now();
    const response = await fetch(url + path(), { headers: { authorization: `Bearer ${key}` } });
    const body = await response.json();
    const ms = performance.now() - started;
    if (response.status !== 200) throw new Error(`${path()}: ${response.status} ${JSON.stringify(body)}`);
    if (k >= 5) times.push(ms);
    last = body;
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), last };
}

interface StatsGroup { key: string; interactions: number; slugs: Record<string, number>; pending: number }

/** Compares an API answer with the naive buckets, summed the same way (by bucket start or by value). */
function sameAnswer(api: { groups: StatsGroup[] }, naive: { value: string; hour: number; counters: Record<string, number> }[], keyOf: (b: { value: string; hour: number }) => string): boolean {
  const sums = new Map<string, { interactions: number; up: number; down: number; pending: number }>();
  for (const b of naive) {
    const key = keyOf(b);
    const s = sums.get(key) ?? { interactions: 0, up: 0, down: 0, pending: 0 };
    s.interactions += b.counters['interactions']!;
    s.up += b.counters['up']!;
    s.down += b.counters['down']!;
    s.pending += b.counters['pending']!;
    sums.set(key, s);
  }
  return api.groups.every((g) => {
    const s = sums.get(g.key) ?? { interactions: 0, up: 0, down: 0, pending: 0 };
    return s.interactions === g.interactions && s.up === g.slugs['thumbs_up'] && s.down === g.slugs['thumbs_down'] && s.pending === g.pending;
  }) && [...sums.keys()].every((k) => api.groups.some((g) => g.key === k));
}

async function measure(server: Running, storage: Storage, projectId: string, key: string, data: ReadDataset): Promise<{ cases: CaseResult[]; naive: NaiveResult[] }> {
  const iso = (t: number) => new Date(t).toISOString();
  const dayEnd = Math.floor(data.end / DAY) * DAY;
  const ranges = {
    days30: `from=${iso(dayEnd - 30 * DAY)}&to=${iso(dayEnd)}`,
    days90: `from=${iso(dayEnd - 89 * DAY)}&to=${iso(dayEnd + DAY)}`,
  };
  const cases: CaseResult[] = [];
  const apiP50 = new Map<string, number>();
  const run = async (name: string, path: () => string) => {
    const t = await timed(server.url, key, path, settings.requests);
    cases.push({ name, p50: t.p50, p95: t.p95 });
    apiP50.set(name, t.p50);
    console.log(`    ${name.padEnd(52)} p50 ${t.p50.toFixed(1).padStart(7)} ms  p95 ${t.p95.toFixed(1).padStart(7)} ms`);
    return t.last;
  };
  const byDay = await run('stats 30 days by day', () => `/api/v1/stats?${ranges.days30}&by=day`) as { groups: StatsGroup[] };
  await run('stats last 30 days to now, by day (partial hours)', () => `/api/v1/stats?from=${iso(data.end - 30 * DAY - 1234)}&to=${iso(data.end - 1234)}&by=day`);
  const byModel = await run('stats 90 days by model', () => `/api/v1/stats?${ranges.days90}&by=model`) as { groups: StatsGroup[] };
  const byTag = await run('stats 90 days by tag:plan', () => `/api/v1/stats?${ranges.days90}&by=tag:plan`) as { groups: StatsGroup[] };
  await run('compare feature_flag checkout-a vs checkout-b, 30 days', () => `/api/v1/compare?by=feature_flag&a=checkout-a&b=checkout-b&${ranges.days30}`);
  await run('interactions thumbs_down with comments, page 1', () => '/api/v1/interactions?feedback=thumbs_down&has_comment=true');
  // Page 20: walk to it once, then time that request.
  let cursor: string | null = null;
  for (let page = 1; page < 20; page++) {
    const res = await fetch(`${server.url}/api/v1/interactions?feedback=thumbs_down&has_comment=true${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${key}` } });
    cursor = ((await res.json()) as { next_cursor: string | null }).next_cursor;
    if (!cursor) break;
  }
  await run('interactions thumbs_down with comments, page 20', () => `/api/v1/interactions?feedback=thumbs_down&has_comment=true${cursor ? `&cursor=${cursor}` : ''}`);
  let user = 0;
  await run('users/{id}', () => `/api/v1/users/${userOf((user++ * 7919) % data.users, data.users)}`);

  // The naive answers, in this process, from the raw tables.
  const naive: NaiveResult[] = [];
  const naiveCase = async (name: string, dimension: Dimension, from: number, to: number, api: { groups: StatsGroup[] }, keyOf: (b: { value: string; hour: number }) => string) => {
    const times: number[] = [];
    let buckets: Awaited<ReturnType<Storage['recomputeRollups']>> = [];
    for (let k = 0; k < 3; k++) {
      const started = performance.now();
      buckets = await storage.recomputeRollups(projectId, { dimension, value: null, from, to });
      times.push((performance.now() - started) / 1000);
    }
    const seconds = [...times].sort((a, b) => a - b)[1]!;
    const equal = sameAnswer(api, buckets, keyOf);
    naive.push({ name, seconds, apiP50: apiP50.get(name)!, equal });
    console.log(`    naive ${name.padEnd(46)} ${seconds.toFixed(2).padStart(7)} s  (${fmt((seconds * 1000) / apiP50.get(name)!)}× the API's p50)  answers equal: ${equal ? 'yes' : 'NO'}`);
  };
  const dayKey = (b: { hour: number }) => new Date(Math.floor(b.hour / DAY) * DAY).toISOString();
  await naiveCase('stats 30 days by day', 'all', dayEnd - 30 * DAY, dayEnd, byDay, dayKey);
  await naiveCase('stats 90 days by model', 'model', dayEnd - 89 * DAY, dayEnd + DAY, byModel, (b) => b.value);
  await naiveCase('stats 90 days by tag:plan', 'tag:plan', dayEnd - 89 * DAY, dayEnd + DAY, byTag, (b) => b.value);
  return { cases, naive };
}

interface Opened {
  storage: Storage; env: Record<string, string>; done: () => Promise<void>; analyze?: () => Promise<void>;
  /** Where a kept dataset's description is (BENCH_READ_DIR): present when it was seeded earlier. */
  kept?: string;
}

async function runSize(backend: string, rows: number, open: () => Promise<Opened>): Promise<SizeResult> {
  console.log(`  ${backend}, ${fmt(rows)} interactions`);
  const key = `fl_sk_bench_${randomBytes(18).toString('base64url')}`;
  const { storage, env, done, analyze, kept } = await open();
  try {
    await storage.migrate();
    await new Keys(storage).ensure(key);
    const project = (await storage.findProjectByName('default'))!;
    let data: ReadDataset;
    let seedSeconds = NaN;
    let rebuildSeconds = NaN;
    if (kept && existsSync(kept)) {
      ({ data, seedSeconds, rebuildSeconds } = JSON.parse(readFileSync(kept, 'utf8')) as { data: ReadDataset; seedSeconds: number; rebuildSeconds: number });
      console.log(`    reusing the dataset seeded ${new Date(data.end).toISOString()} (${kept})`);
    } else {
      const started = performance.now();
      let printed = 0;
      data = await seedReadData(storage, project.id, rows, Date.now(), (n) => {
        if (process.stdout.isTTY && n - printed >= 500_000) { process.stdout.write(`    seeding ${fmt(n)} / ${fmt(rows)}\r`); printed = n; }
      });
      seedSeconds = (performance.now() - started) / 1000;
      const rebuildStarted = performance.now();
      await storage.rebuildRollups(project.id);
      rebuildSeconds = (performance.now() - rebuildStarted) / 1000;
      // A database that has been running has planner statistics (autovacuum's ANALYZE); one loaded a minute ago not yet.
      await analyze?.();
      if (kept) writeFileSync(kept, JSON.stringify({ data, seedSeconds, rebuildSeconds }));
    }
    console.log(`    ${fmt(rows)} interactions and ${fmt(data.feedback)} feedback: seeded in ${seedSeconds.toFixed(0)} s; rollups rebuilt in ${rebuildSeconds.toFixed(1)} s`);
    // The benchmark reads a warm database, as a server that has been answering does (this VM drops idle files from the page cache).
    for (const file of readThroughFiles) if (existsSync(file(env))) readThrough(file(env));
    settleDisk();
    const server = await startServer(`feedloop (${backend}, ${fmt(rows)})`, [join(ROOT, 'bin/feedloop.js'), 'serve'], { ...env, FEEDLOOP_API_KEY: key });
    try {
      const { cases, naive } = await measure(server, storage, project.id, key, data);
      return { backend, rows, feedback: data.feedback, seedSeconds, rebuildSeconds, cases, naive };
    } finally {
      await stopServer(server);
    }
  } finally {
    await storage.close();
    await done();
  }
}

export async function readMain(): Promise<void> {
  const before = loadavg();
  console.log(`feedloop read bench: ${fmt(settings.large)} and ${fmt(settings.small)} interactions over 90 days, ${settings.requests} requests per case`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average before ${before.map((l) => l.toFixed(2)).join(' ')}`);
  const results: SizeResult[] = [];
  for (const rows of [settings.small, settings.large]) {
    results.push(await runSize('sqlite', rows, async () => {
      if (settings.keepDir) {
        const dir = join(settings.keepDir, `sqlite-${rows}`);
        mkdirSync(dir, { recursive: true });
        return { storage: new SqliteStorage({ filename: join(dir, 'feedloop.sqlite') }), env: { FEEDLOOP_DATA_DIR: dir, DATABASE_URL: '' }, done: async () => undefined, kept: join(dir, 'dataset.json') };
      }
      const dir = tempDir('feedloop-bench-read-');
      return { storage: new SqliteStorage({ filename: join(dir, 'feedloop.sqlite') }), env: { FEEDLOOP_DATA_DIR: dir, DATABASE_URL: '' }, done: async () => rmSync(dir, { recursive: true, force: true }) };
    }));
  }
  if (settings.postgres && postgresBinDir() !== null) {
    state.postgres = await startPostgres({ durable: true, settings: ['shared_buffers=1GB', 'work_mem=64MB', 'maintenance_work_mem=512MB', 'max_wal_size=8GB'] });
    console.log('PostgreSQL: durable (fsync, synchronous_commit, full_page_writes on), shared_buffers=1GB, work_mem=64MB');
    try {
      for (const rows of [settings.small, settings.large]) {
        results.push(await runSize('postgres', rows, async () => {
          const name = `feedloop_read_${rows}`;
          const url = await state.postgres!.createDatabase(name);
          const { PostgresStorage } = await import('../src/storage/postgres/postgres-storage.js');
          const dir = tempDir('feedloop-bench-read-pg-');
          const analyze = async () => {
            const client = new pg.Client({ connectionString: url });
            await client.connect();
            try { await client.query('ANALYZE'); } finally { await client.end(); }
          };
          return { storage: new PostgresStorage({ connectionString: url, poolSize: 4 }), env: { FEEDLOOP_DATA_DIR: dir, DATABASE_URL: url }, done: () => state.postgres!.dropDatabase(name), analyze };
        }));
      }
    } finally {
      await stopPostgres();
    }
  }
  const after = loadavg();
  console.log('\nResults (p95 in ms; the goal is ≤ 50 ms at the large size, and large ÷ small ≤ 1.5):');
  for (const backend of [...new Set(results.map((r) => r.backend))]) {
    const small = results.find((r) => r.backend === backend && r.rows === settings.small)!;
    const large = results.find((r) => r.backend === backend && r.rows === settings.large)!;
    console.log(`  ${backend}: seed ${fmt(large.seedSeconds)} s, rollups rebuild ${large.rebuildSeconds.toFixed(0)} s at ${fmt(large.rows)}`);
    for (const c of large.cases) {
      const s = small.cases.find((x) => x.name === c.name)!;
      console.log(`    ${c.name.padEnd(52)} ${fmt(large.rows)}: p50 ${c.p50.toFixed(1)} p95 ${c.p95.toFixed(1)}  ${fmt(small.rows)}: p95 ${s.p95.toFixed(1)}  ratio ${(c.p95 / s.p95).toFixed(2)}  ${goal(c.p95, '≤', 50, ' ms')}`);
    }
    for (const n of large.naive) console.log(`    naive ${n.name.padEnd(46)} ${n.seconds.toFixed(2)} s = ${fmt((n.seconds * 1000) / n.apiP50)}× the API  equal: ${n.equal ? 'yes' : 'NO'}`);
  }
  console.log(`load average before ${before.map((l) => l.toFixed(2)).join(' ')}, after ${after.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`);
}
