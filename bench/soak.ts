// `npm run bench -- soak`: feedloop under mixed load for a long time with hostile clients mixed in.
//
// Seeds a data directory with BENCH_SOAK_SEEDED interactions, starts feedloop (SQLite, its default
// settings: rate limits and PII worker included), creates a publishable key, then:
// 1. unloaded: the well-behaved clients alone for BENCH_SOAK_BASELINE_SECONDS (bench/soak-load.ts:
//    open-loop at BENCH_SOAK_RATE requests/s over BENCH_SOAK_CONNECTIONS connections, feedback and
//    anonymized interactions alternating), in windows of BENCH_SOAK_WINDOW seconds;
// 2. soak: the same well-behaved load for BENCH_SOAK_SECONDS while a hostile process
//    (bench/soak-hostile.ts) runs slow bodies, oversize bodies, malformed bodies and a publishable
//    key flooding PII; feedloop's RSS is read at each window's end.
// Prints each window (throughput, p50, p99, max, errors, RSS), then the goals: p99 of the
// well-behaved clients ≤ 2× the unloaded run's, RSS flat within 10% (from a tenth of the run to
// the end), no errors for the well-behaved clients; the hostile answers by status, and
// the server's event-loop delay and storage errors from its /metrics.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { usersFor } from './data.js';
import { children, envInt, fmt, HERE, median, memoryOf, ROOT, startServer, stopServer, tempDir } from './harness.js';
import { seedDataDir } from './seed.js';
import type { HostileSpec } from './soak-hostile.js';
import type { SoakLoadSpec, SoakWindow } from './soak-load.js';

const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** Runs the well-behaved load process; calls `onWindow` for each window it reports. */
function wellBehaved(spec: SoakLoadSpec, onWindow: (w: SoakWindow) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(HERE, 'soak-load.js'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let partial = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line.startsWith('{')) onWindow(JSON.parse(line) as SoakWindow);
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('exit', (code) => {
      children.delete(child);
      if (code === 0) resolvePromise();
      else reject(new Error(`soak load exited with ${code}: ${stderr}`));
    });
  });
}

interface Sample extends SoakWindow { rssMb: number }

export async function runSoak(): Promise<void> {
  const settings = {
    seconds: envInt('BENCH_SOAK_SECONDS', 600, 1),
    baselineSeconds: envInt('BENCH_SOAK_BASELINE_SECONDS', 30, 1),
    window: envInt('BENCH_SOAK_WINDOW', 10, 1),
    rate: envInt('BENCH_SOAK_RATE', 200, 1),
    connections: envInt('BENCH_SOAK_CONNECTIONS', 20, 1),
    seeded: envInt('BENCH_SOAK_SEEDED', 10_000, 1),
    slow: envInt('BENCH_SOAK_SLOW', 20, 0),
    flood: envInt('BENCH_SOAK_FLOOD', 4, 0),
    hostileRate: envInt('BENCH_SOAK_HOSTILE_RATE', 25, 1),
    out: process.env['BENCH_OUT'] ? resolve(process.env['BENCH_OUT']) : null,
  };
  const apiKey = `fl_sk_bench_${randomBytes(18).toString('base64url')}`;
  const loadBefore = loadavg();
  console.log(`feedloop soak: ${settings.seconds} s of ${settings.rate} req/s well-behaved load (${settings.connections} connections, ` +
    `windows of ${settings.window} s) with hostile clients (${settings.slow} slow bodies, oversize and malformed bodies, ` +
    `${settings.flood} PII flooders with a publishable key, ${settings.hostileRate} req/s each), after ${settings.baselineSeconds} s unloaded; ${fmt(settings.seeded)} stored interactions`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

  const dir = tempDir('feedloop-soak-');
  await seedDataDir(dir, settings.seeded, apiKey);
  const server = await startServer('feedloop', [join(ROOT, 'bin/feedloop.js'), 'serve'], { FEEDLOOP_DATA_DIR: dir, FEEDLOOP_API_KEY: apiKey, DATABASE_URL: '' });
  const users = usersFor(settings.seeded);
  const loadSpec = (totalSeconds: number, seed: number): SoakLoadSpec => ({
    url: server.url, apiKey, seeded: settings.seeded, users, connections: settings.connections, rate: settings.rate,
    totalSeconds, windowSeconds: settings.window, seed,
  });
  let hostileReport: Record<string, Record<string, number>> = {};
  const unloaded: SoakWindow[] = [];
  const soak: Sample[] = [];
  let metricsText = '';
  try {
    const created = await fetch(`${server.url}/api/v1/keys`, {
      method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'publishable', name: 'soak flooder', origins: ['*'] }),
    });
    const publishableKey = ((await created.json()) as { key: string }).key;

    await wellBehaved(loadSpec(settings.baselineSeconds, 1), (w) => {
      unloaded.push(w);
      console.log(`  unloaded ${String(w.at).padStart(5)} s  ${fmt(w.requestsPerSecond).padStart(5)} req/s  p50 ${w.latencyP50} ms  p99 ${w.latencyP99} ms  max ${w.latencyMax} ms`);
    });

    const hostileSpec: HostileSpec = { url: server.url, publishableKey, secretKey: apiKey, slowConnections: settings.slow, floodConcurrency: settings.flood, rate: settings.hostileRate, reportSeconds: settings.window };
    const hostile = spawn(process.execPath, [join(HERE, 'soak-hostile.js'), JSON.stringify(hostileSpec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(hostile);
    let partial = '';
    hostile.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      const last = lines.filter((l) => l.startsWith('{')).pop();
      if (last) hostileReport = JSON.parse(last) as typeof hostileReport;
    });
    try {
      await wellBehaved(loadSpec(settings.seconds, 2), (w) => {
        if (server.child.exitCode !== null || server.child.signalCode !== null) {
          console.log(`  !! feedloop exited during the soak (code ${server.child.exitCode}, signal ${server.child.signalCode}):\n${server.output()}`);
          return;
        }
        const sample = { ...w, rssMb: memoryOf(server.child.pid!).rssMb };
        soak.push(sample);
        const bad = w.non2xx + w.errors + w.timeouts;
        console.log(`  soak ${String(w.at).padStart(6)} s  ${fmt(w.requestsPerSecond).padStart(5)} req/s  p50 ${w.latencyP50} ms  p99 ${w.latencyP99} ms  ` +
          `max ${w.latencyMax} ms  RSS ${fmt(sample.rssMb)} MB${bad > 0 ? `  !! non-2xx ${w.non2xx} ${JSON.stringify(w.statusCodes)} errors ${w.errors} timeouts ${w.timeouts}` : ''}`);
      });
    } finally {
      hostile.kill('SIGKILL');
      children.delete(hostile);
    }
    metricsText = await (await fetch(`${server.url}/metrics`)).text();
  } finally {
    await stopServer(server);
  }

  const loadAfter = loadavg();
  const unloadedP99 = median(unloaded.map((w) => w.latencyP99));
  const soakP99 = soak.map((w) => w.latencyP99);
  const ratio = median(soakP99) / unloadedP99;
  // RSS from the window at a tenth of the run (warm: lexicons loaded, caches filled) to the end.
  const warm = soak[Math.min(soak.length - 1, Math.floor(soak.length / 10))];
  const rssStart = warm?.rssMb ?? NaN;
  const rssEnd = soak.at(-1)?.rssMb ?? NaN;
  const growth = (rssEnd - rssStart) / rssStart;
  const failures = soak.reduce((n, w) => n + w.non2xx + w.errors + w.timeouts, 0);
  const metric = (name: string) => metricsText.split('\n').filter((l) => l.startsWith(name)).map((l) => l.replace(/^feedloop_/, '')).join(', ');
  const lines = [
    '',
    `Results (${soak.length} windows of ${settings.window} s):`,
    `well-behaved throughput: median ${fmt(median(soak.map((w) => w.requestsPerSecond)))} req/s, min ${fmt(Math.min(...soak.map((w) => w.requestsPerSecond)))} (offered ${settings.rate}); unloaded ${fmt(median(unloaded.map((w) => w.requestsPerSecond)))}`,
    `well-behaved p99: unloaded ${fmt(unloadedP99)} ms; soak median ${fmt(median(soakP99))} ms, worst window ${fmt(Math.max(...soakP99))} ms; ratio ${fmt(ratio, 2)}  goal ≤ 2×: ${goal(ratio <= 2)}`,
    `RSS: ${fmt(rssStart)} MB at ${warm?.at ?? 0} s, ${fmt(rssEnd)} MB at the end (${growth >= 0 ? '+' : ''}${fmt(growth * 100, 1)}%), peak ${fmt(Math.max(...soak.map((w) => w.rssMb)))} MB  goal flat within 10%: ${goal(Math.abs(growth) <= 0.1)}`,
    `well-behaved errors (non-2xx, connection errors, timeouts): ${failures}  goal none: ${goal(failures === 0)}`,
    `hostile answers by status: ${Object.entries(hostileReport).map(([kind, byStatus]) => `${kind} ${JSON.stringify(byStatus)}`).join('; ')}`,
    `server metrics at the end: ${metric('feedloop_nodejs_eventloop_lag_p99_seconds')}; ${metric('feedloop_nodejs_eventloop_lag_max_seconds')}; storage errors: ${metric('feedloop_storage_errors_total') || 'none'}`,
    `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`,
  ];
  console.log(lines.join('\n'));
  if (settings.out) {
    writeFileSync(settings.out, JSON.stringify({ settings, loadBefore, loadAfter, cpus: cpus().length, node: process.version, unloaded, soak, hostile: hostileReport }, null, 2));
    console.log(`raw results: ${settings.out}`);
  }
}
