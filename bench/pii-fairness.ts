// Fairness of PII work over HTTP: one API key posts four 1 MB `anonymize: true` interactions at
// once (dense PII, so detection is the work), while another key posts small anonymized
// interactions one after the other; prints the small writes' latency during the flood, the same
// without the flood, and how long the flood took. Runs a real server (SQLite in a temporary
// directory, PII worker threads as configured: FEEDLOOP_PII_THREADS, default auto).
//
// Usage: node dist/bench/pii-fairness.js
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createServer } from '../src/server.js';

const FLOOD_KEY = 'fl_sk_bench_flood_0123456789abcdefghijklmnopqrst';
const SMALL_KEY = 'fl_sk_bench_small_0123456789abcdefghijklmnopqrst';
const PATH = '/event-ingestion/api/v2/events/interactions';

const dir = mkdtempSync(join(tmpdir(), 'feedloop-pii-fairness-'));
const config = loadConfig({ ...process.env, FEEDLOOP_DATA_DIR: dir, LOG_LEVEL: 'silent', FEEDLOOP_API_KEY: FLOOD_KEY });
const server = await createServer(config);
await server.keys.ensure(FLOOD_KEY);
await server.keys.create('default', { key: SMALL_KEY, name: 'small' });

const at = Date.parse('2024-05-01T12:00:00Z');
let seq = 0;
function body(text: string) {
  const t = at + seq++ * 1000;
  return JSON.stringify({
    interaction: {
      input: text, output: 'ok', end_user: `user-${seq % 50}`, time_start: new Date(t - 500).toISOString(), time_end: new Date(t).toISOString(),
      messages: [{ role: 'user', content: text }],
    },
  });
}
const post = (payload: string, key: string) =>
  server.app.inject({ method: 'POST', url: PATH, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload });

const line = 'Please forward to ingrid.solvang@fjordpost.no, phone +47 412 55 803, card 4539 1488 0343 6467, Hi Rosalind Achterberg.\n';
// Input and message content carry the same text: a body of just under 1 MB (the default body limit).
const megabyte = line.repeat(Math.floor(480_000 / line.length));
const small = 'Hi, I am Rosalind Achterberg, my mail is r.achterberg@fjordpost.no, can you reword my complaint?';

async function smallLatencies(count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const sent = performance.now();
    const response = await post(body(small), SMALL_KEY);
    if (response.statusCode !== 200) throw new Error(`small write: ${response.statusCode} ${response.body}`);
    out.push(performance.now() - sent);
  }
  return out;
}
const summary = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `median ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)} ms, worst ${Math.round(sorted[sorted.length - 1] ?? 0)} ms`;
};

try {
  await smallLatencies(5); // warm-up (workers load their lexicons)
  const quiet = await smallLatencies(20);
  const started = performance.now();
  const payloads = [0, 1, 2, 3].map(() => body(megabyte));
  const flood = payloads.map((p) => post(p, FLOOD_KEY).then((r) => ({ status: r.statusCode, ms: performance.now() - started })));
  const during: number[] = [];
  let floodDone = false;
  void Promise.all(flood).then(() => { floodDone = true; });
  while (!floodDone && during.length < 200) during.push(...(await smallLatencies(1)));
  const results = await Promise.all(flood);
  console.log(`pii fairness: FEEDLOOP_PII_THREADS=${config.piiThreads}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`  small anonymized writes, no flood:          ${summary(quiet)} (${quiet.length} writes)`);
  console.log(`  small anonymized writes during the flood:   ${summary(during)} (${during.length} writes)`);
  console.log(`  flood: 4 x 1 MB anonymize bodies finished in ${Math.round(Math.max(...results.map((r) => r.ms)))} ms, statuses ${results.map((r) => r.status).join(' ')}`);
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
