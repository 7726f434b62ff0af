// `npm run bench [-- PHASE]`: phases `throughput` (the default, below) and `soak` (bench/soak.ts:
// mixed load with hostile clients for BENCH_SOAK_SECONDS).
//
// throughput: feedloop against a no-op Fastify baseline on this machine, on loopback.
//
// Seeds a data directory with BENCH_LARGE interactions (default 1,000,000) through the storage
// layer, starts the baseline server, then BENCH_RUNS times (default 3): seeds a fresh data
// directory with BENCH_SMALL interactions (default 10,000), and loads baseline and feedloop
// alternately with the same request streams from a separate autocannon process (bench/load.ts):
// feedback, interactions (anonymize false), interactions (anonymize default true); then, feedloop
// stopped, feedback against the bare prototype (bench/prototype-server.ts) on the same
// directory; then feedback against feedloop on the large data directory, and reads that server's
// RSS. Prints medians and spreads (min–max over the runs) with the ratio to the baseline measured
// in the same run.
// PostgreSQL phase (unless BENCH_POSTGRES=0, or no PostgreSQL server binaries are installed): a
// throw-away PostgreSQL server (test/support/postgres.ts) runs for the whole bench; each run seeds
// a fresh database with BENCH_SMALL interactions through PostgresStorage, starts feedloop with
// DATABASE_URL, and loads baseline and feedloop alternately with feedback and interactions
// (anonymize false).
//
// Environment: BENCH_DURATION (s, default 20), BENCH_WARMUP (s, default 3), BENCH_RUNS (default 3),
// BENCH_CONNECTIONS (default 50), BENCH_SMALL (default 10000), BENCH_LARGE (default 1000000),
// BENCH_CPU_PROF=DIR (run feedloop under --cpu-prof, profiles written to DIR),
// BENCH_OUT=FILE (also write every measurement as JSON), BENCH_POSTGRES=0 (skip the PostgreSQL phase).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { postgresBinDir, startPostgres, type PostgresServer } from '../test/support/postgres.js';
import { PATHS, feedbackBody, interactionBody, prng, usersFor, type Workload } from './data.js';
import type { LoadResult, LoadSpec } from './load.js';
import { children, cleanup, HERE, memoryOf, ROOT, settleDisk, sleep, startServer, stopServer, tempDir, type Running } from './processes.js';
import { seedDataDir, seedPostgres } from './seed.js';
import { runSoak } from './soak.js';


function envInt(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min} (got "${raw}")`);
  return Math.floor(n);
}

const settings = {
  duration: envInt('BENCH_DURATION', 20, 1),
  warmup: envInt('BENCH_WARMUP', 3, 0),
  runs: envInt('BENCH_RUNS', 3, 1),
  connections: envInt('BENCH_CONNECTIONS', 50, 1),
  small: envInt('BENCH_SMALL', 10_000, 1),
  large: envInt('BENCH_LARGE', 1_000_000, 1),
  cpuProfDir: process.env['BENCH_CPU_PROF'] ? resolve(process.env['BENCH_CPU_PROF']) : null,
  out: process.env['BENCH_OUT'] ? resolve(process.env['BENCH_OUT']) : null,
  postgres: (process.env['BENCH_POSTGRES'] ?? '').trim() !== '0',
};

// ---------------------------------------------------------------------------------------------
// Processes

/** Set on Ctrl-C/SIGTERM: failures of the processes being killed are then not reported. */
let interrupted = false;

/** The throw-away PostgreSQL server of the PostgreSQL phase, while it runs. */
let postgres: PostgresServer | null = null;

/**
 * Stops the PostgreSQL server and removes its directory. If this process dies before (SIGKILL),
 * the harness's watchdog process does the same once it notices.
 */
async function stopPostgres(): Promise<void> {
  const server = postgres;
  postgres = null;
  if (server) await server.stop().catch((error: Error) => console.error(`stopping PostgreSQL: ${error.message}`));
}

process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\nbench: ${signal}, stopping servers and PostgreSQL, removing temporary directories`);
    cleanup();
    void Promise.race([stopPostgres(), sleep(15_000)]).finally(() => process.exit(130));
  });
}

/**
 * Reads a file once, so that its pages are in the page cache again. The VMs this runs on drop
 * the cache of files left idle: `fincore` found 1.0 of the large database's 2.2 GB resident after
 * the 4 minutes of other loads between two of its loads, and nothing of a copy idle for an hour.
 * Unread, the next load measured random disk reads instead of linking (870 to 5,700 req/s against
 * 8,200–9,100 in the first run's load).
 */
function readThrough(path: string): void {
  const buffer = Buffer.alloc(8 << 20);
  const fd = openSync(path, 'r');
  try {
    while (readSync(fd, buffer, 0, buffer.length, null) > 0) { /* reading is the point */ }
  } finally {
    closeSync(fd);
  }
}

function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(HERE, 'load.js'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', rej);
    child.once('exit', (code) => {
      children.delete(child);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return rej(new Error(`load driver failed (exit ${code}):\n${stderr}${stdout}`));
      res(JSON.parse(line) as LoadResult);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Checks: the servers answer what the workload expects before they are loaded

async function post(url: string, apiKey: string, workload: Workload, body: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url + PATHS[workload], {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function checkFeedloop(server: Running, apiKey: string, seeded: number): Promise<void> {
  const users = usersFor(seeded);
  const rnd = prng(7);
  for (const i of [0, seeded - 1, Math.floor(seeded / 2)]) {
    const { status, json } = await post(server.url, apiKey, 'feedback', feedbackBody(i, users, rnd));
    if (status !== 200 || json['status'] !== 'linked' || json['link'] !== 'output') {
      throw new Error(`${server.name}: feedback about seeded interaction ${i} did not link by content: ${status} ${JSON.stringify(json)}`);
    }
  }
  for (const anonymize of [false, null]) {
    const { status, json } = await post(server.url, apiKey, 'interaction', interactionBody(0, users, rnd, anonymize));
    if (status !== 200 || typeof json['id'] !== 'string') throw new Error(`${server.name}: interaction rejected: ${status} ${JSON.stringify(json)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics and printing

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function fmt(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max)" over the runs; just the value when there is one run. */
function spread(xs: number[], digits = 0, unit = ''): string {
  const m = `${fmt(median(xs), digits)}${unit}`;
  return xs.length > 1 ? `${m} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})` : m;
}

function goal(value: number, op: '≥' | '≤', target: number, unit = ''): string {
  const ok = op === '≥' ? value >= target : value <= target;
  return `goal ${op} ${target}${unit}: ${ok ? 'met' : 'NOT met'}`;
}

// ---------------------------------------------------------------------------------------------

interface PostgresRunResult {
  seedSeconds: number;
  baselineFeedback: LoadResult; feedback: LoadResult;
  baselineInteraction: LoadResult; interaction: LoadResult;
  memory: { rssMb: number; peakMb: number };
}

interface RunResult {
  /** Present when the PostgreSQL phase ran (then in every run). */
  postgres?: PostgresRunResult;
  baselineFeedback: LoadResult; feedback: LoadResult;
  baselineInteraction: LoadResult; interaction: LoadResult;
  baselineAnonymized: LoadResult; anonymized: LoadResult;
  feedbackLarge: LoadResult;
  /** The bare prototype (bench/prototype-server.ts) on the same seeded directory, after feedloop stopped. */
  prototypeFeedback: LoadResult;
  smallMemory: { rssMb: number; peakMb: number };
  largeMemory: { rssMb: number; peakMb: number };
}

async function main(): Promise<void> {
  const apiKey = `fl_sk_bench_${randomBytes(18).toString('base64url')}`;
  const loadBefore = loadavg();
  console.log(`feedloop bench: ${settings.runs} run(s), ${settings.duration} s per load after ${settings.warmup} s warm-up, ` +
    `${settings.connections} connections; ${fmt(settings.small)} vs ${fmt(settings.large)} stored interactions`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ` +
    `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

  const feedloopArgs = (tag: string) => [
    ...(settings.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', settings.cpuProfDir, '--cpu-prof-name', `feedloop-${tag}-${Date.now()}.cpuprofile`] : []),
    join(ROOT, 'bin/feedloop.js'), 'serve',
  ];
  // DATABASE_URL is set (to the run's database) only for the PostgreSQL phase; '' means SQLite.
  const feedloopEnv = (dataDir: string, databaseUrl = '') => ({ FEEDLOOP_DATA_DIR: dataDir, FEEDLOOP_API_KEY: apiKey, DATABASE_URL: databaseUrl });

  let postgresNote: string | null = null;
  if (!settings.postgres) postgresNote = 'PostgreSQL phase skipped (BENCH_POSTGRES=0)';
  else {
    const bin = postgresBinDir();
    if (bin === null) {
      postgresNote = 'PostgreSQL phase skipped: no PostgreSQL server binaries (initdb, pg_ctl, postgres) found via `pg_config --bindir` or /usr/lib/postgresql/*/bin';
    } else {
      postgres = await startPostgres();
      console.log(`PostgreSQL phase: throw-away server from ${bin} (fsync off, synchronous_commit off), a fresh database per run`);
    }
  }
  if (postgresNote) console.log(postgresNote);

  const largeDir = tempDir('feedloop-bench-large-');
  let lastPrinted = 0;
  const seeded = await seedDataDir(largeDir, settings.large, apiKey, (done) => {
    if (process.stdout.isTTY && (done - lastPrinted >= 200_000 || done === settings.large)) {
      process.stdout.write(`  seeding ${fmt(done)} / ${fmt(settings.large)}${done === settings.large ? '\r\x1b[K' : '\r'}`);
      lastPrinted = done;
    }
  });
  console.log(`seeded ${fmt(seeded.count)} interactions for ${fmt(seeded.users)} end users through the storage layer in ${seeded.seconds.toFixed(1)} s`);

  const baseline = await startServer('baseline', [join(HERE, 'baseline-server.js')], {});
  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= settings.runs; run++) {
      const spec = (url: string, workload: Workload, anonymize: boolean | null, seededCount: number): LoadSpec => ({
        url, apiKey, workload, anonymize, seeded: seededCount, users: usersFor(seededCount), connections: settings.connections,
        durationSeconds: settings.duration, warmupSeconds: settings.warmup, seed: run * 100 + (workload === 'feedback' ? 1 : anonymize === false ? 2 : 3),
      });
      const step = async (label: string, s: LoadSpec, server?: Running): Promise<LoadResult> => {
        settleDisk();
        const r = await runLoad(s);
        if (server && (server.child.exitCode !== null || server.child.signalCode !== null)) {
          throw new Error(`${server.name} exited during the ${label} load (code ${server.child.exitCode}, signal ${server.child.signalCode}):\n${server.output()}`);
        }
        const bad = r.non2xx + r.errors + r.timeouts;
        console.log(`  run ${run} ${label.padEnd(34)} ${fmt(r.requestsPerSecond).padStart(7)} req/s  p50 ${r.latencyP50} ms  p99 ${r.latencyP99} ms` +
          (bad > 0 ? `  !! non-2xx ${r.non2xx} ${JSON.stringify(r.statusCodes)} errors ${r.errors} timeouts ${r.timeouts}` : ''));
        return r;
      };

      const smallDir = tempDir('feedloop-bench-small-');
      await seedDataDir(smallDir, settings.small, apiKey);
      const small = await startServer(`feedloop (${fmt(settings.small)})`, feedloopArgs('small'), feedloopEnv(smallDir));
      let partial: Partial<RunResult>;
      try {
        await checkFeedloop(small, apiKey, settings.small);
        partial = {
          baselineFeedback: await step('baseline, feedback body', spec(baseline.url, 'feedback', null, settings.small)),
          feedback: await step(`feedloop feedback (${fmt(settings.small)})`, spec(small.url, 'feedback', null, settings.small), small),
          baselineInteraction: await step('baseline, interaction body', spec(baseline.url, 'interaction', false, settings.small)),
          interaction: await step('feedloop interaction anonymize:false', spec(small.url, 'interaction', false, settings.small), small),
          baselineAnonymized: await step('baseline, PII interaction body', spec(baseline.url, 'interaction', null, settings.small)),
          anonymized: await step('feedloop interaction anonymize:true', spec(small.url, 'interaction', null, settings.small), small),
        };
        partial.smallMemory = memoryOf(small.child.pid!);
      } finally {
        await stopServer(small);
      }
      const prototype = await startServer('bare prototype', [join(HERE, 'prototype-server.js')], { FEEDLOOP_DATA_DIR: smallDir });
      try {
        partial.prototypeFeedback = await step('bare prototype, feedback', spec(prototype.url, 'feedback', null, settings.small), prototype);
      } finally {
        await stopServer(prototype);
        rmSync(smallDir, { recursive: true, force: true });
      }

      if (postgres) {
        const database = `feedloop_bench_${run}`;
        const databaseUrl = await postgres.createDatabase(database);
        const pgSeeded = await seedPostgres(databaseUrl, settings.small, apiKey);
        console.log(`  run ${run} seeded PostgreSQL with ${fmt(pgSeeded.count)} interactions through the storage layer in ${pgSeeded.seconds.toFixed(1)} s`);
        const pgDir = tempDir('feedloop-bench-pg-');
        const pg = await startServer(`feedloop on PostgreSQL (${fmt(settings.small)})`, feedloopArgs('postgres'), feedloopEnv(pgDir, databaseUrl));
        try {
          await checkFeedloop(pg, apiKey, settings.small);
          partial.postgres = {
            seedSeconds: pgSeeded.seconds,
            baselineFeedback: await step('baseline, feedback body', spec(baseline.url, 'feedback', null, settings.small)),
            feedback: await step(`postgres feedback (${fmt(settings.small)})`, spec(pg.url, 'feedback', null, settings.small), pg),
            baselineInteraction: await step('baseline, interaction body', spec(baseline.url, 'interaction', false, settings.small)),
            interaction: await step('postgres interaction anonymize:false', spec(pg.url, 'interaction', false, settings.small), pg),
            memory: memoryOf(pg.child.pid!),
          };
        } finally {
          await stopServer(pg);
          rmSync(pgDir, { recursive: true, force: true });
          // Dropped at once, so that nothing of it is left for PostgreSQL's background work (autovacuum)
          // during the next loads.
          await postgres.dropDatabase(database);
        }
      }

      readThrough(join(largeDir, 'feedloop.sqlite'));
      const large = await startServer(`feedloop (${fmt(settings.large)})`, feedloopArgs('large'), feedloopEnv(largeDir));
      try {
        await checkFeedloop(large, apiKey, settings.large);
        partial.feedbackLarge = await step(`feedloop feedback (${fmt(settings.large)})`, spec(large.url, 'feedback', null, settings.large), large);
        partial.largeMemory = memoryOf(large.child.pid!);
      } finally {
        await stopServer(large);
      }
      results.push(partial as RunResult);
    }
  } finally {
    await stopServer(baseline);
    await stopPostgres();
  }

  const loadAfter = loadavg();
  printSummary(results, loadBefore, loadAfter, postgresNote);
  if (settings.out) {
    writeFileSync(settings.out, JSON.stringify({ settings, seeded, loadBefore, loadAfter, cpus: cpus().length, node: process.version, runs: results }, null, 2));
    console.log(`raw results: ${settings.out}`);
  }
}

function printSummary(results: RunResult[], loadBefore: number[], loadAfter: number[], postgresNote: string | null): void {
  const col = (f: (r: RunResult) => number) => results.map(f);
  const ratio = (a: (r: RunResult) => LoadResult, b: (r: RunResult) => LoadResult) => col((r) => a(r).requestsPerSecond / b(r).requestsPerSecond);
  const lines: string[] = [];
  const n = results.length;
  lines.push('', `Results: median (min–max) over ${n} run(s); ratios are taken within each run, then the median.`);

  const throughputLine = (label: string, sut: (r: RunResult) => LoadResult, base: (r: RunResult) => LoadResult, target: number) => {
    const ratios = ratio(sut, base);
    lines.push(`${label} req/s: ${spread(col((r) => sut(r).requestsPerSecond))}  baseline ${spread(col((r) => base(r).requestsPerSecond))}` +
      `  ratio ${spread(ratios, 2)}  ${goal(median(ratios), '≥', target)}`);
  };
  const latencyLines = (label: string, sut: (r: RunResult) => LoadResult, base: (r: RunResult) => LoadResult, p99Goal: number | null) => {
    lines.push(`${label} p50: ${spread(col((r) => sut(r).latencyP50), 0, ' ms')}  baseline ${spread(col((r) => base(r).latencyP50), 0, ' ms')}`);
    const p99 = col((r) => sut(r).latencyP99);
    lines.push(`${label} p99: ${spread(p99, 0, ' ms')}  baseline ${spread(col((r) => base(r).latencyP99), 0, ' ms')}` +
      (p99Goal !== null ? `  ${goal(median(p99), '≤', p99Goal, ' ms')}` : ''));
  };

  throughputLine('feedback', (r) => r.feedback, (r) => r.baselineFeedback, 0.85);
  latencyLines('feedback', (r) => r.feedback, (r) => r.baselineFeedback, 10);
  const prototypeRatios = ratio((r) => r.prototypeFeedback, (r) => r.baselineFeedback);
  lines.push(`bare prototype feedback (the issue's reference: one lookup, one insert, group commit, synchronous=FULL) req/s: ` +
    `${spread(col((r) => r.prototypeFeedback.requestsPerSecond))}  ratio to baseline ${spread(prototypeRatios, 2)}  ` +
    `p99 ${spread(col((r) => r.prototypeFeedback.latencyP99), 0, ' ms')}  feedloop ÷ prototype ${spread(ratio((r) => r.feedback, (r) => r.prototypeFeedback), 2)}`);
  throughputLine('interaction anonymize:false', (r) => r.interaction, (r) => r.baselineInteraction, 0.8);
  latencyLines('interaction anonymize:false', (r) => r.interaction, (r) => r.baselineInteraction, 10);
  throughputLine('interaction anonymize:true', (r) => r.anonymized, (r) => r.baselineAnonymized, 0.3);
  lines.push(`interaction anonymize:true p99: ${spread(col((r) => r.anonymized.latencyP99), 0, ' ms')}  baseline ${spread(col((r) => r.baselineAnonymized.latencyP99), 0, ' ms')}`);

  const cost = col((r) => r.feedback.requestsPerSecond / r.feedbackLarge.requestsPerSecond);
  const large = fmt(settings.large);
  const small = fmt(settings.small);
  lines.push(`feedback with ${large} stored req/s: ${spread(col((r) => r.feedbackLarge.requestsPerSecond))}  ` +
    `(${small}: ${spread(col((r) => r.feedback.requestsPerSecond))})  ratio to baseline ${spread(ratio((r) => r.feedbackLarge, (r) => r.baselineFeedback), 2)}`);
  lines.push(`feedback linking cost ${large}/${small} (req/s ${small} ÷ req/s ${large}): ${spread(cost, 2)}  ${goal(median(cost), '≤', 1.5)}`);
  lines.push(`feedback p99 with ${large} stored: ${spread(col((r) => r.feedbackLarge.latencyP99), 0, ' ms')}  ` +
    `(${small}: ${spread(col((r) => r.feedback.latencyP99), 0, ' ms')})  p99 ratio ${spread(col((r) => r.feedbackLarge.latencyP99 / r.feedback.latencyP99), 2)}`);
  const events = col((r) => settings.large + r.feedbackLarge.total2xx);
  const rss = col((r) => r.largeMemory.rssMb);
  lines.push(`RSS of feedloop after ${large} interactions + its feedback load (${spread(events)} events): ${spread(rss, 0, ' MB')}` +
    `  peak ${spread(col((r) => r.largeMemory.peakMb), 0, ' MB')}  ${goal(median(rss), '≤', 300, ' MB')}`);
  lines.push(`RSS of feedloop (${small} stored) after its three loads: ${spread(col((r) => r.smallMemory.rssMb), 0, ' MB')}` +
    `  peak ${spread(col((r) => r.smallMemory.peakMb), 0, ' MB')}`);

  if (results.every((r) => r.postgres)) {
    const pg = (r: RunResult) => r.postgres!;
    // Both ratios to the baseline are shown: the PostgreSQL loads have their own baseline loads beside them.
    const versusSqlite = (label: string, p: (r: RunResult) => LoadResult, pBase: (r: RunResult) => LoadResult,
      q: (r: RunResult) => LoadResult, qBase: (r: RunResult) => LoadResult) =>
      lines.push(`${label}: PostgreSQL ÷ SQLite req/s (same run) ${spread(ratio(p, q), 2)}` +
        `  ratio to baseline: PostgreSQL ${spread(ratio(p, pBase), 2)}, SQLite ${spread(ratio(q, qBase), 2)}`);
    lines.push(`PostgreSQL (${small} stored, fresh database per run; baseline re-measured beside each PostgreSQL load):`);
    throughputLine('postgres feedback', (r) => pg(r).feedback, (r) => pg(r).baselineFeedback, 0.85);
    latencyLines('postgres feedback', (r) => pg(r).feedback, (r) => pg(r).baselineFeedback, 10);
    throughputLine('postgres interaction anonymize:false', (r) => pg(r).interaction, (r) => pg(r).baselineInteraction, 0.8);
    latencyLines('postgres interaction anonymize:false', (r) => pg(r).interaction, (r) => pg(r).baselineInteraction, 10);
    versusSqlite('postgres vs sqlite feedback', (r) => pg(r).feedback, (r) => pg(r).baselineFeedback, (r) => r.feedback, (r) => r.baselineFeedback);
    versusSqlite('postgres vs sqlite interaction anonymize:false', (r) => pg(r).interaction, (r) => pg(r).baselineInteraction,
      (r) => r.interaction, (r) => r.baselineInteraction);
    lines.push(`RSS of feedloop on PostgreSQL (${small} stored) after its two loads: ${spread(col((r) => pg(r).memory.rssMb), 0, ' MB')}` +
      `  peak ${spread(col((r) => pg(r).memory.peakMb), 0, ' MB')}; seeding ${small} into PostgreSQL: ${spread(col((r) => pg(r).seedSeconds), 1, ' s')}`);
  } else if (postgresNote) {
    lines.push(postgresNote);
  }
  const failures = results.flatMap((r): unknown[] => [...Object.values(r), ...(r.postgres ? Object.values(r.postgres) : [])])
    .filter((x): x is LoadResult => typeof x === 'object' && x !== null && 'non2xx' in x && (x as LoadResult).non2xx + (x as LoadResult).errors + (x as LoadResult).timeouts > 0);
  if (failures.length > 0) lines.push(`WARNING: ${failures.length} load(s) had non-2xx responses, errors or timeouts (see the per-run lines).`);
  lines.push(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`);
  console.log(lines.join('\n'));
}

const PHASES: Record<string, () => Promise<void>> = { throughput: main, soak: runSoak };
const phase = process.argv[2] ?? 'throughput';
try {
  const run = PHASES[phase];
  if (!run) throw new Error(`unknown phase "${phase}": ${Object.keys(PHASES).join(' or ')} (npm run bench -- soak)`);
  await run();
} catch (error) {
  if (interrupted) await new Promise(() => undefined); // the signal handler exits once PostgreSQL is stopped
  console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
