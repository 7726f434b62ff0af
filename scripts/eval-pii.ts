// Evaluates the PII detector on JSONL corpora: recall per type, overall recall, keep rate and
// throughput, for each corpus apart. Usage: node dist/scripts/eval-pii.js [corpus.jsonl ...] [--misses] [--check]
// (relative paths are resolved from the current directory; default: ../shared/data/pii-dev.jsonl when
// present, then test/fixtures/pii-validation.jsonl and test/fixtures/pii-generalization.jsonl).
// A PII value counts as found when its verbatim text no longer appears in the output; a keep
// value counts as kept when it still appears verbatim.
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { anonymizeText, type PiiType } from '../src/core/pii/index.js';

interface Example {
  id: string;
  text: string;
  pii: { type: PiiType; value: string }[];
  keep: string[];
}

const GOALS = { overallRecall: 0.95, typeRecall: 0.9, keepRate: 0.97, megabytesPerSecond: 5 };

const args = process.argv.slice(2);
const showMisses = args.includes('--misses');
const check = args.includes('--check');
const given = args.filter((a) => !a.startsWith('--')).map((a) => resolve(process.cwd(), a));
const defaults = [resolve(process.cwd(), '../shared/data/pii-dev.jsonl'), 'test/fixtures/pii-validation.jsonl', 'test/fixtures/pii-generalization.jsonl', 'test/fixtures/pii-blind.jsonl']
  .map((p) => resolve(process.cwd(), p))
  .filter((p) => existsSync(p));
let failedAny = false;
for (const path of given.length > 0 ? given : defaults) evaluate(path);
if (failedAny) process.exitCode = 1;

function evaluate(path: string): void {
const examples = readFileSync(path, 'utf8')
  .split('\n')
  .filter((line) => line.trim().length > 0)
  .map((line) => JSON.parse(line) as Example);

const perType = new Map<string, { found: number; total: number }>();
let found = 0;
let total = 0;
let kept = 0;
let keepTotal = 0;
const misses: string[] = [];
for (const example of examples) {
  const output = anonymizeText(example.text).text;
  for (const item of example.pii) {
    const stats = perType.get(item.type) ?? { found: 0, total: 0 };
    stats.total++;
    total++;
    if (!output.includes(item.value)) {
      stats.found++;
      found++;
    } else {
      misses.push(`MISS ${example.id} ${item.type} ${JSON.stringify(item.value)}\n     ${JSON.stringify(output)}`);
    }
    perType.set(item.type, stats);
  }
  for (const value of example.keep) {
    keepTotal++;
    if (output.includes(value)) kept++;
    else misses.push(`DAMAGED ${example.id} keep ${JSON.stringify(value)}\n     ${JSON.stringify(output)}`);
  }
}

// Throughput: repeat the corpus until at least 5 MB of text has been anonymized.
const texts = examples.map((e) => e.text);
const corpusBytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
// Warm-up until the JIT has settled (about 1 MB of text): steady-state throughput is what a server sees.
for (let warm = 0; warm < 1024 * 1024; ) {
  for (const t of texts) anonymizeText(t);
  warm += corpusBytes;
}
let bytes = 0;
const started = process.hrtime.bigint();
while (bytes < 5 * 1024 * 1024) {
  for (const t of texts) anonymizeText(t);
  bytes += corpusBytes;
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const megabytesPerSecond = bytes / 1024 / 1024 / seconds;

const overallRecall = total === 0 ? 1 : found / total;
const keepRate = keepTotal === 0 ? 1 : kept / keepTotal;
console.log(`corpus: ${path} (${examples.length} examples)`);
for (const [type, stats] of [...perType.entries()].sort()) {
  console.log(`  ${type.padEnd(22)} recall ${(stats.found / stats.total).toFixed(3)}  (${stats.found}/${stats.total})`);
}
console.log(`overall recall ${overallRecall.toFixed(3)} (${found}/${total})`);
console.log(`keep rate      ${keepRate.toFixed(3)} (${kept}/${keepTotal})`);
const load = loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`throughput     ${megabytesPerSecond.toFixed(2)} MB/s (${(bytes / 1024 / 1024).toFixed(1)} MB in ${seconds.toFixed(2)} s; load average ${load})`);
if (showMisses) for (const line of misses) console.log(line);

if (check) {
  const failures: string[] = [];
  if (overallRecall < GOALS.overallRecall) failures.push('overall recall');
  for (const [type, stats] of perType) if (stats.found / stats.total < GOALS.typeRecall) failures.push(`${type} recall`);
  if (keepRate < GOALS.keepRate) failures.push('keep rate');
  if (megabytesPerSecond < GOALS.megabytesPerSecond) failures.push('throughput');
  if (failures.length > 0) {
    console.error(`below goals: ${failures.join(', ')}`);
    failedAny = true;
  }
}
}
