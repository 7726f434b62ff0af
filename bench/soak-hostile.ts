// The hostile clients of the soak (bench/soak.ts), as a process of their own:
// `node dist/bench/soak-hostile.js '<HostileSpec JSON>'`. Until killed, at once:
// - slow bodies: connections that send headers and then one byte of body a second, never
//   finishing (the server must cut them off, 408), reconnecting when cut off;
// - oversize bodies: 2 MB feedback bodies (413);
// - malformed bodies: broken JSON, deep nesting, duplicate keys (4xx);
// - a publishable key flooding PII: feedback with anonymize true and 30 KB of text full of names,
//   emails and phone numbers, from many end users (429 once limited).
// Each kind (and each flooder) sends at most `rate` requests a second: on one machine, a faster
// hostile process would measure CPU contention between processes rather than feedloop.
// Prints one JSON line every `reportSeconds` with the answers each kind got, by status.
import { connect } from 'node:net';
import { chatTexts, prng } from './data.js';

export interface HostileSpec {
  url: string;
  publishableKey: string;
  secretKey: string;
  slowConnections: number;
  floodConcurrency: number;
  /** Requests per second of each hostile kind (oversize, malformed) and of each PII flooder: they share the machine with the server. */
  rate: number;
  reportSeconds: number;
}

type Kind = 'slow' | 'oversize' | 'malformed' | 'pii_flood';
const counts: Record<Kind, Record<string, number>> = { slow: {}, oversize: {}, malformed: {}, pii_flood: {} };
const count = (kind: Kind, status: string) => { counts[kind][status] = (counts[kind][status] ?? 0) + 1; };

const FEEDBACK = '/event-ingestion/api/v1/events/feedback';

function slowBody(url: URL, key: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(`POST ${FEEDBACK} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n{`);
      timer = setInterval(() => socket.write(' '), 1000);
    });
    socket.on('data', (d) => { answer += d.toString('latin1'); });
    const done = () => {
      clearInterval(timer);
      count('slow', /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'closed');
      resolve();
    };
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
}

async function post(kind: Kind, url: string, key: string, body: string): Promise<void> {
  try {
    const res = await fetch(`${url}${FEEDBACK}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    count(kind, String(res.status));
  } catch {
    count(kind, 'error');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as HostileSpec;
  const url = new URL(spec.url);
  const rnd = prng(99);
  const forever = async (f: () => Promise<void>) => { for (;;) await f(); };
  /** At most `spec.rate` calls of `f` a second (fewer when answers take longer). */
  const paced = (f: () => Promise<void>) => forever(async () => {
    const started = Date.now();
    await f();
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 / spec.rate - (Date.now() - started))));
  });
  const timestamp = new Date(Date.now() - 60_000).toISOString();
  const oversize = JSON.stringify({ feedback: { slug: 'comment', text: 'x'.repeat(2 * 1024 * 1024) }, metadata: { end_user: 'big', timestamp } });
  const malformed = [
    '{"feedback": {"slug": "thumbs_up",, }}',
    JSON.stringify({ feedback: { slug: 'comment', text: 'X' }, metadata: { end_user: 'deep', timestamp } }).replace('"X"', '['.repeat(20_000) + ']'.repeat(20_000)),
    `{"feedback": {"slug": "thumbs_up", "slug": "rating"}, "metadata": {"end_user": "dup", "timestamp": "${timestamp}"}}`,
  ];
  let m = 0;
  let u = 0;
  // Made once: the hostile process should spend its CPU on sending, not on making texts.
  const texts = Array.from({ length: 16 }, (_, k) => {
    let text = '';
    while (text.length < 30_000) text += ' ' + chatTexts(rnd, `${k}`, true).input;
    return text;
  });
  const piiText = () => texts[u % texts.length]!;
  setInterval(() => process.stdout.write(JSON.stringify(counts) + '\n'), spec.reportSeconds * 1000);
  await Promise.all([
    ...Array.from({ length: spec.slowConnections }, () => forever(() => slowBody(url, spec.secretKey))),
    paced(() => post('oversize', spec.url, spec.secretKey, oversize)),
    paced(() => post('malformed', spec.url, spec.secretKey, malformed[m++ % malformed.length]!)),
    ...Array.from({ length: spec.floodConcurrency }, () => paced(() => post('pii_flood', spec.url, spec.publishableKey, JSON.stringify({
      feedback: { slug: 'comment', text: piiText() }, metadata: { end_user: `flood-${u++ % 1000}`, timestamp, anonymize: true },
    })))),
  ]);
}

await main();
