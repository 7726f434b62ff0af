// The well-behaved clients of the soak (bench/soak.ts), as a process of their own:
// `node dist/bench/soak-load.js '<SoakLoadSpec JSON>'`. Open-loop load at a fixed overall rate
// (autocannon's overallRate: requests are sent on schedule whether or not earlier ones were
// answered, so slow answers show up as latency rather than as a lower offered rate), alternating
// feedback about seeded interactions and new interactions (anonymize default: PII removed), in
// consecutive windows of `windowSeconds`; prints one JSON line (SoakWindow) per window.
import autocannon from 'autocannon';
import { PATHS, feedbackBody, interactionBody, prng } from './data.js';

export interface SoakLoadSpec {
  url: string;
  apiKey: string;
  seeded: number;
  users: number;
  connections: number;
  /** Requests per second over all connections. */
  rate: number;
  totalSeconds: number;
  windowSeconds: number;
  seed: number;
}

export interface SoakWindow {
  /** Seconds since the load started, at the window's end. */
  at: number;
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as SoakLoadSpec;
  const rnd = prng(spec.seed);
  let n = 0;
  const started = Date.now();
  while ((Date.now() - started) / 1000 < spec.totalSeconds) {
    const seconds = Math.min(spec.windowSeconds, Math.ceil(spec.totalSeconds - (Date.now() - started) / 1000));
    if (seconds <= 0) break;
    const r = await autocannon({
      url: spec.url,
      connections: spec.connections,
      overallRate: spec.rate,
      duration: seconds,
      timeout: 30,
      requests: [{
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${spec.apiKey}` },
        setupRequest: (request) => {
          const feedback = n++ % 2 === 0;
          const body = feedback ? feedbackBody(Math.floor(rnd() * spec.seeded), spec.users, rnd) : interactionBody(spec.seed * 1_000_000 + n, spec.users, rnd, null);
          return { ...request, path: PATHS[feedback ? 'feedback' : 'interaction'], body: JSON.stringify(body) };
        },
      }],
    });
    const statusCodes: Record<string, number> = {};
    for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = (s as { count: number }).count;
    const window: SoakWindow = {
      at: Math.round((Date.now() - started) / 1000), requestsPerSecond: r['2xx'] / r.duration,
      latencyP50: r.latency.p50, latencyP99: r.latency.p99, latencyMax: r.latency.max,
      non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, statusCodes,
    };
    process.stdout.write(JSON.stringify(window) + '\n');
  }
}

await main();
