// Throughput of anonymizeText on one core, on two corpora: realistic ~300-character chat messages
// mixing languages with a few PII items each, and the texts of the PII fixtures (tickets, e-mails,
// code and config snippets, short questions). With `--baseline DIR` (a checkout of an older commit,
// built), the older detector is timed in the same process, in alternating rounds, so both see the
// same machine at the same moment; the ratio is what to compare, the MB/s depend on the load.
// Both wall-clock and CPU-time throughput are printed: on a shared machine the process is
// descheduled part of the time, which slows the wall clock but not the CPU time it used.
//
// Usage: node dist/bench/pii.js [--baseline /path/to/checkout] [--rounds N]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { anonymizeText } from '../src/core/pii/index.js';

type Detector = (text: string) => unknown;

const MESSAGES = [
  'Hi! Can you help me write a polite reminder to my landlord Gregor Hansen? The heating has been broken since Monday and he does not answer at +49 160 5523 4481. Keep it short, firm, and mention that I already paid the March rent of 850 € on time. Thanks a lot!',
  "Ciao, mi chiamo Benedetta Orsini e vorrei disdire l'abbonamento. Il contratto è intestato a me, email b.orsini@libero.it, cliente n. 44821. Potresti scrivere una mail formale al servizio clienti? Grazie mille per l'aiuto, davvero.",
  "Peux-tu corriger ce texte ? « Bonjour Madame Lefèvre, je vous confirme le rendez-vous de jeudi à 14h. Mon numéro : 06 71 42 88 19. » Merci d'avance, c'est pour mon travail et je veux que ce soit impeccable.",
  'My Node server on port 3000 returns 502 Bad Gateway behind nginx 1.24. The upstream is 10.0.0.12:3000 and the logs show "connect() failed (111: Connection refused)". What should I check first in the config?',
  '¿Puedes redactar un correo para mi jefe Ramiro Echeverría? Necesito pedir vacaciones del 3 al 14 de agosto. Mi tarjeta 4539 1488 0343 6467 tiene un cargo raro de 129,90 €, también quiero preguntarle a quién reclamar eso.',
  'Summarize the causes of the French Revolution in five bullets for a 10th grade class, and add one sentence on Napoleon and one on the Declaration of the Rights of Man. Keep it under 200 words, please, and avoid dates.',
];

function fixtureTexts(): string[] {
  const texts: string[] = [];
  for (const name of ['pii-validation.jsonl', 'pii-generalization.jsonl']) {
    const path = new URL(`../../test/fixtures/${name}`, import.meta.url);
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim()) texts.push((JSON.parse(line) as { text: string }).text);
    }
  }
  return texts;
}

const args = process.argv.slice(2);
const baselineAt = args.indexOf('--baseline');
const baselineDir = baselineAt >= 0 ? args[baselineAt + 1] : undefined;
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 5;

const detectors: { name: string; detect: Detector }[] = [{ name: 'new', detect: anonymizeText }];
if (baselineDir) {
  const url = pathToFileURL(resolve(baselineDir, 'dist/src/core/pii/index.js')).href;
  const baseline = (await import(url)) as { anonymizeText: Detector };
  detectors.push({ name: 'baseline', detect: baseline.anonymizeText });
}

/** MB/s (wall clock and CPU time) of one timed pass of about `megabytes` MB over `corpus`. */
function time(detect: Detector, corpus: readonly string[], megabytes: number): { wall: number; cpu: number } {
  const bytesPerRound = corpus.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
  let bytes = 0;
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  while (bytes < megabytes * 1024 * 1024) {
    for (const text of corpus) detect(text);
    bytes += bytesPerRound;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { wall: bytes / 1024 / 1024 / seconds, cpu: bytes / 1024 / 1024 / cpuSeconds };
}

const corpora: { name: string; texts: readonly string[] }[] = [
  { name: 'chat messages', texts: MESSAGES },
  { name: 'fixture texts', texts: fixtureTexts() },
];
const load = loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`pii bench: ${rounds} alternating rounds of 2 MB per detector and corpus; load average before: ${load}`);
for (const corpus of corpora) {
  for (const d of detectors) time(d.detect, corpus.texts, 1); // warm-up
  const results = new Map<string, { wall: number[]; cpu: number[] }>(detectors.map((d) => [d.name, { wall: [], cpu: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (const d of detectors) {
      const t = time(d.detect, corpus.texts, 2);
      results.get(d.name)!.wall.push(t.wall);
      results.get(d.name)!.cpu.push(t.cpu);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  for (const clock of ['wall', 'cpu'] as const) {
    const of = (name: string): number => median(results.get(name)![clock]);
    const line = detectors.map((d) => `${d.name} ${of(d.name).toFixed(2)} MB/s`).join(', ');
    const ratio = detectors.length > 1 ? `, ratio new/baseline ${(of('new') / of('baseline')).toFixed(2)}` : '';
    console.log(`pii: ${corpus.name}, ${clock === 'wall' ? 'wall clock' : 'CPU time'}: ${line}${ratio} (median of ${rounds})`);
  }
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
