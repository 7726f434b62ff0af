// `npm run bench`: feedloop against a no-op Fastify baseline on this machine, on loopback.
// Other phases: `npm run bench -- otlp` (below), `-- read` (bench/read.ts), `-- soak` (bench/soak.ts:
// long mixed load with hostile clients).
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
// durable throw-away PostgreSQL server (test/support/postgres.ts) runs for the whole bench; each
// run measures pgbench's per-transaction floor on it, then one and two feedloop instances on a fresh
// database (bench/postgres.ts). `npm run bench -- postgres` runs that phase alone.
//
// Environment: BENCH_DURATION (s, default 20), BENCH_WARMUP (s, default 3), BENCH_RUNS (default 3),
// BENCH_CONNECTIONS (default 50), BENCH_SMALL (default 10000), BENCH_LARGE (default 1000000),
// BENCH_CPU_PROF=DIR (run feedloop under --cpu-prof, profiles written to DIR),
// BENCH_OUT=FILE (also write every measurement as JSON), BENCH_POSTGRES=0 (skip the PostgreSQL phase),
// BENCH_PREVIOUS=DIR (a built checkout of another commit, loaded the same way in each run, for "this build ÷ previous").
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { postgresBinDir, startPostgres } from '../test/support/postgres.js';
import { ExportTraceServiceRequest } from '../src/http/otlp-codec.js';
import { OTLP_SPANS_PER_EXPORT, PATHS, feedbackBody, interactionBody, otlpExportRequest, prng, usersFor, type Workload } from './data.js';
import {
  cleanup, envInt, fmt, goal, HERE, median, memoryOf, readThrough, ROOT, runLoad, settleDisk, spread, startServer, state, stopPostgres, stopServer, tempDir,
  type Running,
} from './harness.js';
import type { LoadResult, LoadSpec } from './load.js';
import { failedLoads, loadStep, postgresMain, postgresRun, postgresSummary, type PostgresRunResult } from './postgres.js';
import { seedDataDir } from './seed.js';


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
  /** A checkout of another feedloop commit, built (npm ci), to compare with in the same run. */
  previous: process.env['BENCH_PREVIOUS'] ? resolve(process.env['BENCH_PREVIOUS']) : null,
};

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
  /** BENCH_PREVIOUS: another build of feedloop (e.g. the last release), loaded the same way in the same run. */
  previous?: { feedback: LoadResult; interaction: LoadResult };
}

/** Node arguments of a feedloop server (under --cpu-prof with BENCH_CPU_PROF). */
const feedloopArgs = (tag: string, root = ROOT) => [
  ...(settings.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', settings.cpuProfDir, '--cpu-prof-name', `feedloop-${tag}-${Date.now()}.cpuprofile`] : []),
  join(root, 'bin/feedloop.js'), 'serve',
];

async function main(): Promise<void> {
  const apiKey = `fl_sk_bench_${randomBytes(18).toString('base64url')}`;
  const loadBefore = loadavg();
  console.log(`feedloop bench: ${settings.runs} run(s), ${settings.duration} s per load after ${settings.warmup} s warm-up, ` +
    `${settings.connections} connections; ${fmt(settings.small)} vs ${fmt(settings.large)} stored interactions`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ` +
    `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

  // DATABASE_URL is set (to the run's database) only for the PostgreSQL phase; '' means SQLite.
  const feedloopEnv = (dataDir: string, databaseUrl = '') => ({ FEEDLOOP_DATA_DIR: dataDir, FEEDLOOP_API_KEY: apiKey, DATABASE_URL: databaseUrl });

  let postgresNote: string | null = null;
  if (!settings.postgres) postgresNote = 'PostgreSQL phase skipped (BENCH_POSTGRES=0)';
  else {
    const bin = postgresBinDir();
    if (bin === null) {
      postgresNote = 'PostgreSQL phase skipped: no PostgreSQL server binaries (initdb, pg_ctl, postgres) found via `pg_config --bindir` or /usr/lib/postgresql/*/bin';
    } else {
      state.postgres = await startPostgres({ durable: true });
      console.log(`PostgreSQL phase: throw-away server from ${bin} (durable: fsync and synchronous_commit on, as deployed), a fresh database per run`);
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
      if (settings.previous) {
        // The other build seeds with its own code, so its schema is its own.
        const previousDir = tempDir('feedloop-bench-previous-');
        const { seedDataDir: seedPrevious } = await import(join(settings.previous, 'dist/bench/seed.js')) as typeof import('./seed.js');
        await seedPrevious(previousDir, settings.small, apiKey);
        const previous = await startServer('previous build', feedloopArgs('previous', settings.previous), feedloopEnv(previousDir));
        try {
          partial.previous = {
            feedback: await step(`previous feedback (${fmt(settings.small)})`, spec(previous.url, 'feedback', null, settings.small), previous),
            interaction: await step('previous interaction anonymize:false', spec(previous.url, 'interaction', false, settings.small), previous),
          };
        } finally {
          await stopServer(previous);
          rmSync(previousDir, { recursive: true, force: true });
        }
      }
      const prototype = await startServer('bare prototype', [join(HERE, 'prototype-server.js')], { FEEDLOOP_DATA_DIR: smallDir });
      try {
        partial.prototypeFeedback = await step('bare prototype, feedback', spec(prototype.url, 'feedback', null, settings.small), prototype);
      } finally {
        await stopServer(prototype);
        rmSync(smallDir, { recursive: true, force: true });
      }

      const postgres = state.postgres;
      if (postgres) {
        partial.postgres = await postgresRun({
          run, server: postgres, baseline, apiKey, settings,
          startFeedloop: (tag, databaseUrl) => startServer(`feedloop on PostgreSQL (${tag})`, feedloopArgs(tag), feedloopEnv(tempDir('feedloop-bench-pg-'), databaseUrl)),
          check: (server) => checkFeedloop(server, apiKey, settings.small),
          step: (label, spec, servers) => loadStep(run, label, spec, servers),
        });
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
  if (results.every((r) => r.previous)) {
    const prev = (r: RunResult) => r.previous!;
    lines.push(`previous build (${settings.previous}): feedback ratio to baseline ${spread(ratio((r) => prev(r).feedback, (r) => r.baselineFeedback), 2)}` +
      `, interaction anonymize:false ${spread(ratio((r) => prev(r).interaction, (r) => r.baselineInteraction), 2)}`);
    lines.push(`this build ÷ previous: feedback ${spread(ratio((r) => r.feedback, (r) => prev(r).feedback), 2)}  p99 ${spread(col((r) => r.feedback.latencyP99))} vs ${spread(col((r) => prev(r).feedback.latencyP99))} ms` +
      `; interaction anonymize:false ${spread(ratio((r) => r.interaction, (r) => prev(r).interaction), 2)}  p99 ${spread(col((r) => r.interaction.latencyP99))} vs ${spread(col((r) => prev(r).interaction.latencyP99))} ms`);
  }
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
    lines.push(...postgresSummary(results.map(pg), settings.small));
    versusSqlite('postgres vs sqlite feedback', (r) => pg(r).feedback, (r) => pg(r).baselineFeedback, (r) => r.feedback, (r) => r.baselineFeedback);
    versusSqlite('postgres vs sqlite interaction anonymize:false', (r) => pg(r).interaction, (r) => pg(r).baselineInteraction,
      (r) => r.interaction, (r) => r.baselineInteraction);
  } else if (postgresNote) {
    lines.push(postgresNote);
  }
  const failures = [
    ...results.flatMap((r): unknown[] => Object.values(r))
      .filter((x): x is LoadResult => typeof x === 'object' && x !== null && 'non2xx' in x && (x as LoadResult).non2xx + (x as LoadResult).errors + (x as LoadResult).timeouts > 0),
    ...results.flatMap((r) => (r.postgres ? failedLoads(r.postgres) : [])),
  ];
  if (failures.length > 0) lines.push(`WARNING: ${failures.length} load(s) had non-2xx responses, errors or timeouts (see the per-run lines).`);
  lines.push(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`);
  console.log(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// `npm run bench -- otlp`: OTLP span ingestion alone

/**
 * BENCH_RUNS times: loads the baseline's no-op /v1/traces (protobuf decoded, nothing stored) and
 * feedloop's, on a fresh data directory, with the same stream of protobuf exports of
 * OTLP_SPANS_PER_EXPORT GenAI spans each (2 LLM calls in every 5 spans, anonymize off), and prints
 * spans/s with the ratio to the baseline of the same run. Goal: ≥ 20,000 spans/s.
 */
async function otlpMain(): Promise<void> {
  const apiKey = `fl_sk_bench_${randomBytes(18).toString('base64url')}`;
  const loadBefore = loadavg();
  console.log(`feedloop OTLP bench: ${settings.runs} run(s), ${settings.duration} s per load after ${settings.warmup} s warm-up, ` +
    `${settings.connections} connections, ${OTLP_SPANS_PER_EXPORT} spans per export (protobuf)`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ` +
    `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  const users = 2000;
  const baseline = await startServer('baseline', [join(HERE, 'baseline-server.js')], {});
  const results: { baseline: LoadResult; feedloop: LoadResult }[] = [];
  try {
    for (let run = 1; run <= settings.runs; run++) {
      const spec = (url: string): LoadSpec => ({
        url, apiKey, workload: 'otlp', anonymize: false, seeded: 0, users, connections: settings.connections,
        durationSeconds: settings.duration, warmupSeconds: settings.warmup, seed: run * 100 + 4,
      });
      const step = async (label: string, s: LoadSpec, server: Running): Promise<LoadResult> => {
        settleDisk();
        const r = await runLoad(s);
        if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`${server.name} exited during the load:\n${server.output()}`);
        const bad = r.non2xx + r.errors + r.timeouts;
        console.log(`  run ${run} ${label.padEnd(20)} ${fmt(r.requestsPerSecond).padStart(6)} exports/s = ${fmt(r.requestsPerSecond * OTLP_SPANS_PER_EXPORT).padStart(7)} spans/s` +
          `  p50 ${r.latencyP50} ms  p99 ${r.latencyP99} ms` + (bad > 0 ? `  !! non-2xx ${r.non2xx} ${JSON.stringify(r.statusCodes)} errors ${r.errors} timeouts ${r.timeouts}` : ''));
        return r;
      };
      const dir = tempDir('feedloop-bench-otlp-');
      const feedloop = await startServer('feedloop', feedloopArgs(`otlp-${run}`), { FEEDLOOP_DATA_DIR: dir, FEEDLOOP_API_KEY: apiKey, DATABASE_URL: '' });
      try {
        // Check: one export is accepted whole (no partial success), before loading.
        const body = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(otlpExportRequest(run, users, prng(run)))).finish();
        const check = await fetch(`${feedloop.url}${PATHS.otlp}`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${apiKey}` } });
        const answer = new Uint8Array(await check.arrayBuffer());
        if (check.status !== 200 || answer.length !== 0) throw new Error(`feedloop: the check export was not accepted whole: ${check.status} ${Buffer.from(answer).toString()}`);
        results.push({ baseline: await step('baseline', spec(baseline.url), baseline), feedloop: await step('feedloop', spec(feedloop.url), feedloop) });
      } finally {
        await stopServer(feedloop);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await stopServer(baseline);
  }
  const loadAfter = loadavg();
  const spans = (r: LoadResult) => r.requestsPerSecond * OTLP_SPANS_PER_EXPORT;
  const feedloopSpans = results.map((r) => spans(r.feedloop));
  const ratios = results.map((r) => r.feedloop.requestsPerSecond / r.baseline.requestsPerSecond);
  console.log([
    '', `Results: median (min–max) over ${results.length} run(s).`,
    `OTLP spans/s (anonymize off): ${spread(feedloopSpans)}  baseline ${spread(results.map((r) => spans(r.baseline)))}  ratio ${spread(ratios, 2)}  ${goal(median(feedloopSpans), '≥', 20_000)}`,
    `interactions/s (2 LLM calls per 5 spans): ${spread(feedloopSpans.map((x) => (x * 2) / 5))}`,
    `OTLP export p50: ${spread(results.map((r) => r.feedloop.latencyP50), 0, ' ms')}  p99: ${spread(results.map((r) => r.feedloop.latencyP99), 0, ' ms')}` +
      `  baseline p99 ${spread(results.map((r) => r.baseline.latencyP99), 0, ' ms')}`,
    `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`,
  ].join('\n'));
  if (settings.out) writeFileSync(settings.out, JSON.stringify({ settings, loadBefore, loadAfter, runs: results }, null, 2));
}

try {
  if (process.argv.includes('read')) await (await import('./read.js')).readMain();
  else if (process.argv.includes('postgres')) {
    await postgresMain(`fl_sk_bench_${randomBytes(18).toString('base64url')}`, feedloopArgs, checkFeedloop);
  }
  else if (process.argv.includes('data')) await (await import('./data-bench.js')).dataMain();
  else if (process.argv.includes('soak')) await (await import('./soak.js')).runSoak();
  else if (process.argv.includes('dashboard')) await (await import('./dashboard.js')).dashboardMain();
  else await (process.argv.includes('otlp') ? otlpMain() : main());
} catch (error) {
  if (state.interrupted) await new Promise(() => undefined); // the signal handler exits once PostgreSQL is stopped
  console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
