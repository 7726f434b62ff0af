// The load driver, run by bench/run.ts as its own process so that load generation and the server
// under test never share an event loop: `node dist/bench/load.js '<LoadSpec JSON>'`. Runs an
// optional warm-up, then the measured autocannon run, and prints one JSON line (LoadResult).
// Every request gets its own body (setupRequest), so no two feedback requests name the same interaction.
import autocannon, { type Result } from 'autocannon';
import { ExportTraceServiceRequest } from '../src/http/otlp-codec.js';
import { feedbackBody, interactionBody, otlpExportRequest, PATHS, prng, type Workload } from './data.js';

export interface LoadSpec {
  url: string;
  /** More servers loaded at once by this process (the connections split evenly between url and these). */
  moreUrls?: string[];
  apiKey: string;
  workload: Workload;
  /** interaction workload: false, true, or null (field left out: the default, true). */
  anonymize: boolean | null;
  /** How many interactions were seeded; feedback names one of them at random. */
  seeded: number;
  users: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  seed: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  latencyMean: number;
  total2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
}

/** Distinct bodies generated (serialized and UTF-8 encoded) before the load starts, so the driver spends its CPU on HTTP. */
const POOL = 32768;

function bodyPool(spec: LoadSpec, seed: number): Buffer[] {
  const rnd = prng(seed);
  const pool: Buffer[] = [];
  for (let n = 0; n < POOL; n++) {
    pool.push(Buffer.from(JSON.stringify(spec.workload === 'feedback'
      ? feedbackBody(Math.floor(rnd() * spec.seeded), spec.users, rnd)
      : interactionBody(seed * POOL + n, spec.users, rnd, spec.anonymize))));
  }
  return pool;
}

/**
 * OTLP exports are encoded per request: their span ids make them unique (a re-sent span is a
 * retry, far cheaper than a new one), and a pool of distinct 30 kB bodies would not fit in memory.
 */
function otlpBodies(spec: LoadSpec, seed: number): () => Buffer {
  const rnd = prng(seed);
  let n = seed * 1_000_000;
  return () => Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(otlpExportRequest(n++, spec.users, rnd))).finish());
}

async function load(spec: LoadSpec, seconds: number, seed: number): Promise<Result> {
  const otlp = spec.workload === 'otlp' ? otlpBodies(spec, seed) : null;
  const pool = otlp ? [] : bodyPool(spec, seed);
  let next = 0;
  const urls = [spec.url, ...(spec.moreUrls ?? [])];
  const results = await Promise.all(urls.map((url) => autocannon({
    url,
    connections: Math.max(1, Math.round(spec.connections / urls.length)),
    duration: seconds,
    timeout: 30,
    requests: [{
      method: 'POST',
      path: PATHS[spec.workload],
      headers: { 'content-type': otlp ? 'application/x-protobuf' : 'application/json', authorization: `Bearer ${spec.apiKey}` },
      // Each request takes the next body of the pool (shared by all connections).
      setupRequest: (request) => ({ ...request, body: otlp ? otlp() : pool[next++ % POOL]! }),
    }],
  })));
  return results.length === 1 ? results[0]! : merged(results);
}

/** Several servers' results as one: counts summed, latency figures the worst of them (autocannon gives percentiles, not histograms). */
function merged(results: Result[]): Result {
  const sum = (f: (r: Result) => number) => results.reduce((total, r) => total + f(r), 0);
  const worst = (f: (r: Result) => number) => Math.max(...results.map(f));
  const statusCodeStats: Record<string, { count: number }> = {};
  for (const r of results) {
    for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) {
      statusCodeStats[code] = { count: (statusCodeStats[code]?.count ?? 0) + (stat as { count: number }).count };
    }
  }
  return {
    ...results[0]!, '2xx': sum((r) => r['2xx']), non2xx: sum((r) => r.non2xx), errors: sum((r) => r.errors), timeouts: sum((r) => r.timeouts),
    duration: worst((r) => r.duration), statusCodeStats,
    latency: { ...results[0]!.latency, p50: worst((r) => r.latency.p50), p99: worst((r) => r.latency.p99), mean: sum((r) => r.latency.mean * r['2xx']) / Math.max(1, sum((r) => r['2xx'])) },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  if (spec.warmupSeconds > 0) await load(spec, spec.warmupSeconds, spec.seed + 1);
  const r = await load(spec, spec.durationSeconds, spec.seed + 2);
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = (s as { count: number }).count;
  const result: LoadResult = {
    requestsPerSecond: r['2xx'] / r.duration,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
    latencyMean: r.latency.mean,
    total2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
    durationSeconds: r.duration,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

await main();
