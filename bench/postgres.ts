// The PostgreSQL phase of `npm run bench` (also alone: `npm run bench -- postgres`), on one durable
// throw-away server (fsync and synchronous_commit on, PostgreSQL's defaults otherwise, as a new
// user deploys it). Each run:
//  1. the engine's per-transaction floor: pgbench on the same server, on a database seeded exactly
//     like feedloop's (feedloop's own schema, BENCH_SMALL interactions), BENCH_CONNECTIONS clients,
//     each transaction one indexed lookup (an end user's latest interaction ended by a time: the
//     B-tree shape of the linking rules) and one insert of a linked feedback row into feedloop's
//     feedback table, with all its indexes; BEGIN … END, prepared statements;
//  2. one feedloop instance (the default pool) on a fresh seeded database: feedback with content
//     linking, then interactions (anonymize false), each beside a baseline load;
//  3. two feedloop instances on that same database together, the connections split between them.
// Printed: req/s and p99 of each, the pgbench tps and p99, and the ratios taken within each run.
// `npm run bench -- postgres` alone also takes BENCH_PG_POOL (feedloop's FEEDLOOP_DB_POOL),
// BENCH_PG_SETTINGS (server settings, e.g. "synchronous_commit=off") and BENCH_PGBOUNCER=1
// (feedloop through PgBouncer in transaction mode, with FEEDLOOP_DB_PREPARED=false; pgbench direct).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startPgBouncer, type PgBouncer } from '../test/support/pgbouncer.js';
import { postgresBinDir, startPostgres, type PostgresServer } from '../test/support/postgres.js';
import { BASE_TIME, usersFor, type Workload } from './data.js';
import {
  envInt, fmt, goal, HERE, median, memoryOf, runLoad, settleDisk, spread, startServer, state, stopPostgres, stopServer, tempDir, type Running,
} from './harness.js';
import type { LoadResult, LoadSpec } from './load.js';
import { seedPostgres } from './seed.js';

const run = promisify(execFile);

export interface PostgresBenchSettings {
  duration: number;
  warmup: number;
  connections: number;
  small: number;
}

/** pgbench's figures for one measured run. */
export interface FloorResult { tps: number; latencyP50: number; latencyP99: number; transactions: number; failed: number }

export interface PostgresRunResult {
  seedSeconds: number;
  floor: FloorResult;
  baselineFeedback: LoadResult; feedback: LoadResult;
  baselineInteraction: LoadResult; interaction: LoadResult;
  /** Two instances on one database, loaded together by one load process (connections split); req/s summed, p50/p99 the worse of the two. */
  twoFeedback: LoadResult; twoInteraction: LoadResult;
  memory: { rssMb: number; peakMb: number };
}

/**
 * The pgbench script: the same lookup and insert a content-linked feedback costs feedloop at least,
 * without HTTP, linking rules or rollups. \gset keeps the found interaction for the insert, as a
 * link would.
 */
function floorScript(seeded: number, users: number): string {
  return `\\set i random(0, ${seeded - 1})
\\set ts ${BASE_TIME} + :i * 1000 + 5000
BEGIN;
SELECT id AS iid, time_end AS ite FROM interactions
  WHERE project_id = :project AND end_user = 'user-' || lpad((:i % ${users})::text, 7, '0') AND time_end <= :ts
  ORDER BY time_end DESC, id DESC LIMIT 1 \\gset
INSERT INTO feedback (id, project_id, event_id, slug, end_user, timestamp, status, link, interaction_id, linked_time_end, flags, pii_removed, pii, received_at)
  VALUES (gen_random_uuid()::text, :project, NULL, 'thumbs_up', 'user-' || lpad((:i % ${users})::text, 7, '0'), :ts, 'linked', 'output',
    :iid, :ite, '[]'::jsonb, false, '{}'::jsonb, (extract(epoch from clock_timestamp()) * 1000)::bigint);
END;
`;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;

/** Runs pgbench against `databaseUrl` (seeded by seedPostgres) and reads its per-transaction log for percentiles. */
export async function runFloor(databaseUrl: string, projectId: string, s: PostgresBenchSettings): Promise<FloorResult> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error('pgbench: no PostgreSQL binaries');
  const url = new URL(databaseUrl);
  const dir = tempDir('feedloop-bench-pgbench-');
  const script = join(dir, 'floor.sql');
  writeFileSync(script, floorScript(s.small, usersFor(s.small)));
  const args = (seconds: number, log: boolean) => [
    '-n', '-M', 'prepared', '-c', String(s.connections), '-j', String(Math.min(2, s.connections)), '-T', String(seconds),
    '-D', `project=${projectId}`, '-f', script, '-h', url.hostname, '-p', url.port, '-U', decodeURIComponent(url.username),
    ...(log ? ['-l', `--log-prefix=${join(dir, 'tx')}`] : []), decodeURIComponent(url.pathname.slice(1)),
  ];
  const pgbench = join(bin, 'pgbench');
  try {
    if (s.warmup > 0) await run(pgbench, args(s.warmup, false), { maxBuffer: 16 << 20 });
    const { stdout } = await run(pgbench, args(s.duration, true), { maxBuffer: 16 << 20 });
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1] ?? NaN);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? NaN);
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${stdout}`);
    // Per-transaction log lines: client_id transaction_no latency_us script_no epoch us.
    const latencies: number[] = [];
    for (const file of readdirSync(dir).filter((f) => f.startsWith('tx.'))) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (line.length > 0 && Number.isFinite(us)) latencies.push(us / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    return { tps, latencyP50: quantile(latencies, 0.5), latencyP99: quantile(latencies, 0.99), transactions, failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface PostgresRunContext {
  run: number;
  server: PostgresServer;
  baseline: Running;
  apiKey: string;
  settings: PostgresBenchSettings;
  /** Starts a feedloop server on DATABASE_URL (the caller's node arguments and environment). */
  startFeedloop: (tag: string, databaseUrl: string) => Promise<Running>;
  /** Checks that a server links feedback about seeded interactions by content, before it is loaded. */
  check: (server: Running) => Promise<void>;
  /** Runs one load and prints its line. */
  step: (label: string, spec: LoadSpec, servers?: Running[]) => Promise<LoadResult>;
}

/** One run of the PostgreSQL phase (see the header). */
export async function postgresRun(ctx: PostgresRunContext): Promise<PostgresRunResult> {
  const { run: n, server, settings: s, apiKey } = ctx;
  const spec = (url: string, workload: Workload, connections = s.connections, seedOffset = 0): LoadSpec => ({
    url, apiKey, workload, anonymize: workload === 'feedback' ? null : false, seeded: s.small, users: usersFor(s.small), connections,
    durationSeconds: s.duration, warmupSeconds: s.warmup, seed: n * 100 + (workload === 'feedback' ? 11 : 12) + seedOffset,
  });

  const floorDb = `feedloop_floor_${n}`;
  let floor: FloorResult;
  try {
    const floorUrl = await server.createDatabase(floorDb);
    const seeded = await seedPostgres(floorUrl, s.small, apiKey);
    settleDisk();
    floor = await runFloor(floorUrl, seeded.projectId, s);
    console.log(`  run ${n} ${'pgbench floor (lookup + insert)'.padEnd(34)} ${fmt(floor.tps).padStart(7)} tps    p50 ${floor.latencyP50.toFixed(1)} ms  p99 ${floor.latencyP99.toFixed(1)} ms` +
      (floor.failed > 0 ? `  !! ${floor.failed} failed` : ''));
  } finally {
    await server.dropDatabase(floorDb);
  }

  const database = `feedloop_bench_${n}`;
  const databaseUrl = await server.createDatabase(database);
  try {
    const pgSeeded = await seedPostgres(databaseUrl, s.small, apiKey);
    console.log(`  run ${n} seeded PostgreSQL with ${fmt(pgSeeded.count)} interactions through the storage layer in ${pgSeeded.seconds.toFixed(1)} s`);
    const one = await ctx.startFeedloop('postgres', databaseUrl);
    let partial: Partial<PostgresRunResult> = { seedSeconds: pgSeeded.seconds, floor };
    try {
      await ctx.check(one);
      partial = {
        ...partial,
        baselineFeedback: await ctx.step('baseline, feedback body', spec(ctx.baseline.url, 'feedback')),
        feedback: await ctx.step(`postgres feedback (${fmt(s.small)})`, spec(one.url, 'feedback'), [one]),
        baselineInteraction: await ctx.step('baseline, interaction body', spec(ctx.baseline.url, 'interaction')),
        interaction: await ctx.step('postgres interaction anonymize:false', spec(one.url, 'interaction'), [one]),
        memory: memoryOf(one.child.pid!),
      };
    } finally {
      await stopServer(one);
    }
    const two = [await ctx.startFeedloop('postgres-a', databaseUrl), await ctx.startFeedloop('postgres-b', databaseUrl)];
    try {
      for (const instance of two) await ctx.check(instance);
      // One load process for both (as for one instance), its connections split between them.
      const split = (workload: Workload): LoadSpec => ({ ...spec(two[0]!.url, workload, s.connections, 50), moreUrls: two.slice(1).map((i) => i.url) });
      partial.twoFeedback = await ctx.step('postgres feedback, two instances', split('feedback'), two);
      partial.twoInteraction = await ctx.step('postgres interaction, two instances', split('interaction'), two);
    } finally {
      for (const instance of two) await stopServer(instance);
    }
    return partial as PostgresRunResult;
  } finally {
    // Dropped at once, so that nothing of it is left for PostgreSQL's background work (autovacuum) during the next loads.
    await server.dropDatabase(database);
  }
}

/** The summary lines of the PostgreSQL phase. */
export function postgresSummary(results: PostgresRunResult[], small: number): string[] {
  const col = (f: (r: PostgresRunResult) => number) => results.map(f);
  const lines: string[] = [`PostgreSQL (durable; ${fmt(small)} stored, fresh database per run; ratios within each run, then the median):`];
  lines.push(`pgbench floor (one indexed lookup + one insert per transaction, same server): ` +
    `${spread(col((r) => r.floor.tps))} tps  p50 ${spread(col((r) => r.floor.latencyP50), 1, ' ms')}  p99 ${spread(col((r) => r.floor.latencyP99), 1, ' ms')}`);
  const line = (label: string, f: (r: PostgresRunResult) => LoadResult, target: number | null, p99Goal: number | null) => {
    const ratios = col((r) => f(r).requestsPerSecond / r.floor.tps);
    const p99 = col((r) => f(r).latencyP99);
    lines.push(`${label}: ${spread(col((r) => f(r).requestsPerSecond))} req/s  p50 ${spread(col((r) => f(r).latencyP50), 0, ' ms')}  p99 ${spread(p99, 0, ' ms')}` +
      `  ÷ floor ${spread(ratios, 2)}` + (target !== null ? `  ${goal(median(ratios), '≥', target)}` : '') +
      (p99Goal !== null ? `; ${goal(median(p99), '≤', p99Goal, ' ms')}` : ''));
  };
  line('postgres feedback', (r) => r.feedback, 1.0, 25);
  line('postgres interaction anonymize:false', (r) => r.interaction, 0.6, null);
  line('postgres feedback, two instances together', (r) => r.twoFeedback, null, null);
  line('postgres interaction, two instances together', (r) => r.twoInteraction, null, null);
  const twoVsOne = (a: (r: PostgresRunResult) => LoadResult, b: (r: PostgresRunResult) => LoadResult) => col((r) => a(r).requestsPerSecond / b(r).requestsPerSecond);
  const fb = twoVsOne((r) => r.twoFeedback, (r) => r.feedback);
  lines.push(`two instances ÷ one: feedback ${spread(fb, 2)}  ${goal(median(fb), '≥', 1)}; interaction ${spread(twoVsOne((r) => r.twoInteraction, (r) => r.interaction), 2)}`);
  lines.push(`baseline beside them: feedback ${spread(col((r) => r.baselineFeedback.requestsPerSecond))} req/s, interaction ${spread(col((r) => r.baselineInteraction.requestsPerSecond))} req/s; ` +
    `feedloop ÷ baseline: feedback ${spread(col((r) => r.feedback.requestsPerSecond / r.baselineFeedback.requestsPerSecond), 2)}, ` +
    `interaction ${spread(col((r) => r.interaction.requestsPerSecond / r.baselineInteraction.requestsPerSecond), 2)}`);
  lines.push(`RSS of feedloop on PostgreSQL after its two loads: ${spread(col((r) => r.memory.rssMb), 0, ' MB')}  peak ${spread(col((r) => r.memory.peakMb), 0, ' MB')}; ` +
    `seeding ${fmt(small)}: ${spread(col((r) => r.seedSeconds), 1, ' s')}`);
  return lines;
}

/** Loads that had non-2xx answers, errors or timeouts. */
export const failedLoads = (r: PostgresRunResult): LoadResult[] =>
  [r.baselineFeedback, r.feedback, r.baselineInteraction, r.interaction, r.twoFeedback, r.twoInteraction].filter((x) => x.non2xx + x.errors + x.timeouts > 0);

/** `npm run bench -- postgres`: the PostgreSQL phase alone, BENCH_RUNS times. */
export async function postgresMain(apiKey: string, feedloopArgs: (tag: string) => string[],
  checkFeedloop: (server: Running, apiKey: string, seeded: number) => Promise<void>): Promise<void> {
  const s: PostgresBenchSettings = {
    duration: envInt('BENCH_DURATION', 20, 1), warmup: envInt('BENCH_WARMUP', 3, 0), connections: envInt('BENCH_CONNECTIONS', 50, 1), small: envInt('BENCH_SMALL', 10_000, 1),
  };
  const runs = envInt('BENCH_RUNS', 3, 1);
  const pool = (process.env['BENCH_PG_POOL'] ?? '').trim();
  const serverSettings = (process.env['BENCH_PG_SETTINGS'] ?? '').split(/\s+/).filter((x) => x.length > 0);
  const viaPgBouncer = (process.env['BENCH_PGBOUNCER'] ?? '').trim() === '1';
  const loadBefore = loadavg();
  console.log(`feedloop PostgreSQL bench: ${runs} run(s), ${s.duration} s per load after ${s.warmup} s warm-up, ${s.connections} connections, ${fmt(s.small)} stored interactions`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  if (postgresBinDir() === null) throw new Error('no PostgreSQL server binaries (initdb, pg_ctl, postgres, pgbench) found');
  state.postgres = await startPostgres({ durable: true, settings: serverSettings });
  let bouncer: PgBouncer | null = null;
  console.log(`server: durable${serverSettings.length > 0 ? `, ${serverSettings.join(' ')}` : ''}; feedloop pool ${pool || 'default'}` +
    (viaPgBouncer ? ', through PgBouncer (transaction mode, prepared statements off)' : ''));
  const baseline = await startServer('baseline', [join(HERE, 'baseline-server.js')], {});
  const results: PostgresRunResult[] = [];
  try {
    if (viaPgBouncer) bouncer = await startPgBouncer(state.postgres.url, { poolSize: 20 });
    for (let n = 1; n <= runs; n++) {
      results.push(await postgresRun({
        run: n, server: state.postgres, baseline, apiKey, settings: s,
        startFeedloop: (tag, databaseUrl) => startServer(`feedloop on PostgreSQL (${tag})`, feedloopArgs(tag), {
          FEEDLOOP_DATA_DIR: tempDir('feedloop-bench-pg-'), FEEDLOOP_API_KEY: apiKey, DATABASE_URL: bouncer ? bouncer.urlFor(databaseUrl) : databaseUrl,
          ...(pool ? { FEEDLOOP_DB_POOL: pool } : {}), ...(bouncer ? { FEEDLOOP_DB_PREPARED: 'false' } : {}),
        }),
        check: (server) => checkFeedloop(server, apiKey, s.small),
        step: (label, spec, servers) => loadStep(n, label, spec, servers),
      }));
    }
  } finally {
    await stopServer(baseline);
    await bouncer?.stop();
    await stopPostgres();
  }
  const loadAfter = loadavg();
  const lines = ['', `Results: median (min–max) over ${results.length} run(s).`, ...postgresSummary(results, s.small)];
  const failures = results.flatMap(failedLoads);
  if (failures.length > 0) lines.push(`WARNING: ${failures.length} load(s) had non-2xx responses, errors or timeouts (see the per-run lines).`);
  lines.push(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`);
  console.log(lines.join('\n'));
}

/** Runs one load, checks the servers survived it, prints its line. */
export async function loadStep(n: number, label: string, spec: LoadSpec, servers: Running[] = []): Promise<LoadResult> {
  settleDisk();
  const r = await runLoad(spec);
  for (const server of servers) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${server.name} exited during the ${label} load (code ${server.child.exitCode}, signal ${server.child.signalCode}):\n${server.output()}`);
    }
  }
  const bad = r.non2xx + r.errors + r.timeouts;
  console.log(`  run ${n} ${label.padEnd(34)} ${fmt(r.requestsPerSecond).padStart(7)} req/s  p50 ${r.latencyP50} ms  p99 ${r.latencyP99} ms` +
    (bad > 0 ? `  !! non-2xx ${r.non2xx} ${JSON.stringify(r.statusCodes)} errors ${r.errors} timeouts ${r.timeouts}` : ''));
  return r;
}
