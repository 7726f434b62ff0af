// `npm run bench -- data`: data in and out on SQLite.
//  - export: BENCH_DATA_ROWS feedback rows (default 1,000,000), each linked to its own interaction,
//    streamed over HTTP as feedback.csv and as feedback.jsonl by a freshly started server: rows/s,
//    and the server's peak RSS (VmHWM) for each format;
//  - import: a JSONL file of BENCH_DATA_IMPORT lines (default 1,000,000: interactions and feedback
//    that links to them by content, the interactions' texts carrying names, emails and phone
//    numbers) through `feedloop import`, with --anonymize false and true: events/s, peak RSS;
//  - erasure of an end user with BENCH_DATA_ERASE events (default 10,000: half interactions, half
//    feedback) while a feedback load runs: the erasure's time, and the load's p99 against the same
//    load without an erasure, in the same run;
//  - retention: a server with FEEDLOOP_RETENTION=400d on BENCH_DATA_OLD expired interactions
//    (default 200,000, each with a feedback) deleting them under an interaction load: the load's
//    p99 against the same load on a copy of the data without retention.
// Environment: BENCH_DURATION (s, default 20) and BENCH_CONNECTIONS (default 50) for the loads;
// BENCH_DATA_PHASES (default export,import,erase,retention) to run some of them.
import { randomBytes } from 'node:crypto';
import { cpSync, createWriteStream, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { Keys } from '../src/app/keys.js';
import { newId } from '../src/core/ids.js';
import type { FeedbackRecord, InteractionRecord } from '../src/core/model.js';
import { createContentHasher } from '../src/core/text.js';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { BASE_TIME, chatTexts, prng, usersFor } from './data.js';
import { envInt, fmt, goal, memoryOf, ROOT, runLoad, settleDisk, startServer, stopServer, tempDir, type Running } from './harness.js';
import type { LoadResult, LoadSpec } from './load.js';
import { seedDataDir } from './seed.js';

const settings = {
  exportRows: envInt('BENCH_DATA_ROWS', 1_000_000, 1),
  importLines: envInt('BENCH_DATA_IMPORT', 1_000_000, 2),
  eraseEvents: envInt('BENCH_DATA_ERASE', 10_000, 2),
  oldRows: envInt('BENCH_DATA_OLD', 200_000, 1),
  duration: envInt('BENCH_DURATION', 20, 1),
  connections: envInt('BENCH_CONNECTIONS', 50, 1),
  phases: new Set((process.env['BENCH_DATA_PHASES'] ?? 'export,import,erase,retention').split(',').map((p) => p.trim())),
};

const DAY = 86_400_000;
const CHUNK = 20_000;

/** Interactions with one linked feedback each, written through the storage layer, then rollups rebuilt. */
export async function seedPairs(dataDir: string, count: number, apiKey: string, options: { endUser?: (i: number) => string; at?: (i: number) => number } = {}): Promise<number> {
  const storage = new SqliteStorage({ filename: join(dataDir, 'feedloop.sqlite') });
  const started = performance.now();
  try {
    await storage.migrate();
    await new Keys(storage).ensure(apiKey);
    const project = (await storage.findProjectByName('default'))!;
    const hash = createContentHasher(await storage.installationSecret());
    const users = usersFor(count);
    for (let from = 0; from < count; from += CHUNK) {
      const interactions: InteractionRecord[] = [];
      const feedback: FeedbackRecord[] = [];
      for (let i = from; i < Math.min(count, from + CHUNK); i++) {
        const { input, output } = chatTexts(prng(i * 7919), `#${i}`, false);
        const endUser = options.endUser?.(i) ?? `user-${i % users}`;
        const timeEnd = options.at?.(i) ?? BASE_TIME + i * 1000;
        const id = newId();
        interactions.push({
          id, projectId: project.id, conversationId: `conv-${endUser}`, conversationAuto: true, endUser, input, output,
          inputHash: hash(input), outputHash: hash(output), messages: [{ role: 'user', content: input }], history: null, systemPrompt: null,
          model: i % 2 ? 'gpt-4o' : 'gpt-4o-mini', ragSources: null, tags: { team: `t${i % 5}` }, featureFlags: i % 3 ? [] : ['beta'],
          traces: null, timeStart: timeEnd - 1500, timeEnd, hideContent: false, piiRemoved: false, pii: {}, receivedAt: Date.now(),
          source: 'v2/interactions', traceId: null, spanId: null,
        });
        feedback.push({
          id: newId(), projectId: project.id, eventId: null, slug: i % 4 === 0 ? 'thumbs_down' : 'thumbs_up', text: i % 4 === 0 ? 'Not what I asked, "really", sorry' : null,
          value: null, endUser, timestamp: timeEnd + 5000, status: 'linked', link: 'output', interactionId: id, linkedTimeEnd: timeEnd, interactionRef: null,
          inputHash: null, outputHash: hash(output), conversationId: null, flags: [], piiRemoved: false, pii: {}, receivedAt: Date.now(), traceRef: null, spanRef: null,
        });
      }
      await storage.transaction(async (tx) => {
        await tx.insertInteractions(interactions);
        await tx.insertFeedback(feedback);
      });
    }
    await storage.rebuildRollups(project.id);
    return (performance.now() - started) / 1000;
  } finally {
    await storage.close();
  }
}

/** Runs a child to its end, sampling its peak RSS; returns seconds, peak MB and its output. */
async function timedChild(args: string[], env: Record<string, string>): Promise<{ seconds: number; peakMb: number; output: string; code: number | null }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  child.stderr.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  let peakMb = 0;
  const sample = setInterval(() => {
    try {
      const { peakMb: now } = memoryOf(child.pid!);
      if (Number.isFinite(now)) peakMb = Math.max(peakMb, now);
    } catch { /* exited */ }
  }, 50);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(sample);
  return { seconds: (performance.now() - started) / 1000, peakMb, output, code };
}

async function exportOnce(server: Running, apiKey: string, file: string): Promise<{ seconds: number; bytes: number; lines: number }> {
  const started = performance.now();
  const response = await fetch(`${server.url}/api/v1/export/${file}`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (response.status !== 200) throw new Error(`export ${file}: ${response.status} ${await response.text()}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (let k = 0; k < chunk.length; k++) if (chunk[k] === 10) lines++;
  }
  return { seconds: (performance.now() - started) / 1000, bytes, lines };
}

/** The import file: pairs of an interaction (with PII in its texts) and a feedback that links to it by its output. */
async function writeImportFile(path: string, lines: number): Promise<void> {
  const out = createWriteStream(path);
  const users = usersFor(lines / 2);
  for (let i = 0; i < lines / 2; i++) {
    const { input, output } = chatTexts(prng(i * 104729), `#${i}`, true);
    const endUser = `import-user-${i % users}`;
    const end = BASE_TIME + i * 1000;
    const a = JSON.stringify({ type: 'v2/events/interactions', interaction: { input, output, end_user: endUser, time_start: new Date(end - 1500).toISOString(),
      time_end: new Date(end).toISOString(), model: 'gpt-4o-mini', messages: [{ role: 'user', content: input }], tags: { team: `t${i % 5}` } } });
    const b = JSON.stringify({ type: 'v1/events/feedback', feedback: { slug: i % 3 ? 'thumbs_up' : 'thumbs_down', text: i % 3 ? null : 'That is wrong.' },
      metadata: { end_user: endUser, timestamp: new Date(end + 4000).toISOString(), output } });
    if (!out.write(`${a}\n${b}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const spec = (url: string, apiKey: string, workload: 'feedback' | 'interaction', seeded: number, seed: number): LoadSpec => ({
  url, apiKey, workload, anonymize: false, seeded, users: usersFor(seeded), connections: settings.connections,
  durationSeconds: settings.duration, warmupSeconds: 1, seed,
});

const loadLine = (label: string, r: LoadResult) =>
  `${label}: ${fmt(r.requestsPerSecond)} req/s  p50 ${r.latencyP50} ms  p99 ${r.latencyP99} ms` + (r.non2xx + r.errors > 0 ? `  !! non-2xx ${r.non2xx} errors ${r.errors}` : '');

export async function dataMain(): Promise<void> {
  const apiKey = `fl_sk_bench_${randomBytes(18).toString('base64url')}`;
  const loadBefore = loadavg();
  const lines: string[] = [];
  const say = (line: string) => { console.log(line); lines.push(line); };
  console.log(`feedloop data bench: export ${fmt(settings.exportRows)} feedback rows, import ${fmt(settings.importLines)} lines, `
    + `erase a user with ${fmt(settings.eraseEvents)} events, retention of ${fmt(settings.oldRows)} old interactions; loads ${settings.duration} s × ${settings.connections} connections`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

  // ---- export ----
  if (settings.phases.has('export')) await exportPhase(apiKey, say);
  if (settings.phases.has('import')) await importPhase(say);
  if (settings.phases.has('erase')) await erasePhase(apiKey, say);
  if (settings.phases.has('retention')) await retentionPhase(apiKey, say);
  const loadAfter = loadavg();
  say(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
}

type Say = (line: string) => void;

async function exportPhase(apiKey: string, say: Say): Promise<void> {
  const exportDir = tempDir('feedloop-bench-export-');
  const seedSeconds = await seedPairs(exportDir, settings.exportRows, apiKey);
  console.log(`seeded ${fmt(settings.exportRows)} interactions and as many feedback in ${seedSeconds.toFixed(1)} s`);
  for (const file of ['feedback.csv', 'feedback.jsonl']) {
    settleDisk();
    const server = await startServer(`feedloop (export ${file})`, [join(ROOT, 'bin/feedloop.js'), 'serve'], { FEEDLOOP_DATA_DIR: exportDir, FEEDLOOP_API_KEY: apiKey, DATABASE_URL: '' });
    try {
      const r = await exportOnce(server, apiKey, file);
      const rows = file.endsWith('.csv') ? r.lines - 1 : r.lines;
      const { peakMb } = memoryOf(server.child.pid!);
      say(`export ${file}: ${fmt(rows)} rows in ${r.seconds.toFixed(1)} s = ${fmt(rows / r.seconds)} rows/s (${(r.bytes / 1e6).toFixed(0)} MB)  `
        + `${goal(rows / r.seconds, '≥', 200_000)}; server peak RSS ${fmt(peakMb)} MB  ${goal(peakMb, '≤', 256, ' MB')}`);
    } finally {
      await stopServer(server);
    }
  }

}

async function importPhase(say: Say): Promise<void> {
  const importFile = join(tempDir('feedloop-bench-import-file-'), 'import.jsonl');
  await writeImportFile(importFile, settings.importLines);
  console.log(`wrote ${fmt(settings.importLines)} import lines (${(statSync(importFile).size / 1e6).toFixed(0)} MB)`);
  for (const anonymize of ['false', 'true']) {
    const dir = tempDir('feedloop-bench-import-');
    settleDisk();
    const r = await timedChild([join(ROOT, 'bin/feedloop.js'), 'import', importFile, '--anonymize', anonymize, '--json'], { FEEDLOOP_DATA_DIR: dir, DATABASE_URL: '' });
    if (r.code !== 0) throw new Error(`import failed (${r.code}):\n${r.output}`);
    const summary = JSON.parse(r.output.trim().split('\n').pop()!).files[0] as { lines: number; stored: number; failed: number };
    const rate = summary.lines / r.seconds;
    say(`import anonymize ${anonymize}: ${fmt(summary.lines)} lines (${fmt(summary.stored)} stored, ${summary.failed} rejected) in ${r.seconds.toFixed(1)} s = ${fmt(rate)} events/s  `
      + `${goal(rate, '≥', anonymize === 'false' ? 20_000 : 5_000)}; peak RSS ${fmt(r.peakMb)} MB`);
  }

}

async function erasePhase(apiKey: string, say: Say): Promise<void> {
  const eraseDir = tempDir('feedloop-bench-erase-');
  const base = 10_000;
  await seedDataDir(eraseDir, base, apiKey);
  await seedPairs(eraseDir, settings.eraseEvents / 2, apiKey, { endUser: () => 'erase-me', at: (i) => BASE_TIME - DAY + i * 1000 });
  const eraseServer = await startServer('feedloop (erasure)', [join(ROOT, 'bin/feedloop.js'), 'serve'], { FEEDLOOP_DATA_DIR: eraseDir, FEEDLOOP_API_KEY: apiKey, DATABASE_URL: '' });
  try {
    settleDisk();
    const without = await runLoad(spec(eraseServer.url, apiKey, 'feedback', base, 11));
    const during = runLoad(spec(eraseServer.url, apiKey, 'feedback', base, 12));
    await new Promise((r) => setTimeout(r, 1000 + (settings.duration * 1000) / 3));
    const started = performance.now();
    const response = await fetch(`${eraseServer.url}/api/v1/users/erase-me`, { method: 'DELETE', headers: { authorization: `Bearer ${apiKey}` } });
    const erased = await response.json() as { interactions: number; feedback: number };
    const seconds = (performance.now() - started) / 1000;
    const withErasure = await during;
    say(`erasure of a user with ${fmt(erased.interactions + erased.feedback)} events (${erased.interactions} interactions, ${erased.feedback} feedback): ${(seconds * 1000).toFixed(0)} ms`);
    say(`  ${loadLine('feedback load without erasure', without)}`);
    say(`  ${loadLine('feedback load with the erasure during it', withErasure)}  p99 ratio ${(withErasure.latencyP99 / without.latencyP99).toFixed(2)}`);
  } finally {
    await stopServer(eraseServer);
  }

}

async function retentionPhase(apiKey: string, say: Say): Promise<void> {
  const keptDir = tempDir('feedloop-bench-retention-off-');
  await seedPairs(keptDir, settings.oldRows, apiKey, { at: (i) => Date.now() - 500 * DAY + i * 1000 });
  const expiringDir = tempDir('feedloop-bench-retention-on-');
  cpSync(keptDir, expiringDir, { recursive: true });
  const results: LoadResult[] = [];
  let deleted = '';
  for (const [dir, retention] of [[keptDir, 'off'], [expiringDir, '400d']] as const) {
    settleDisk();
    const server = await startServer(`feedloop (retention ${retention})`, [join(ROOT, 'bin/feedloop.js'), 'serve'],
      { FEEDLOOP_DATA_DIR: dir, FEEDLOOP_API_KEY: apiKey, DATABASE_URL: '', FEEDLOOP_RETENTION: retention });
    try {
      results.push(await runLoad({ ...spec(server.url, apiKey, 'interaction', 1000, 21), warmupSeconds: 0 }));
      if (retention !== 'off') {
        const left = await (await fetch(`${server.url}/api/v1/interactions?limit=1&order=oldest&to=${new Date(Date.now() - 400 * DAY).toISOString()}`,
          { headers: { authorization: `Bearer ${apiKey}` } })).json() as { items: unknown[] };
        deleted = left.items.length === 0 ? 'all expired rows deleted during the load' : 'expired rows were still being deleted at the end of the load';
      }
    } finally {
      await stopServer(server);
    }
  }
  say(`retention of ${fmt(settings.oldRows)} expired interactions (and their feedback), ${deleted}:`);
  say(`  ${loadLine('interaction load, retention off', results[0]!)}`);
  say(`  ${loadLine('interaction load, retention deleting', results[1]!)}  p99 ratio ${(results[1]!.latencyP99 / results[0]!.latencyP99).toFixed(2)}`);
}
