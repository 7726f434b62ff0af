// Throughput of anonymizeText on realistic ~300-character chat messages mixing languages with a
// few PII items each. Prints one line: MB/s on one core.
import { anonymizeText } from '../src/core/pii/index.js';

const MESSAGES = [
  'Hi! Can you help me write a polite reminder to my landlord Gregor Hansen? The heating has been broken since Monday and he does not answer at +49 160 5523 4481. Keep it short, firm, and mention that I already paid the March rent of 850 € on time. Thanks a lot!',
  "Ciao, mi chiamo Benedetta Orsini e vorrei disdire l'abbonamento. Il contratto è intestato a me, email b.orsini@libero.it, cliente n. 44821. Potresti scrivere una mail formale al servizio clienti? Grazie mille per l'aiuto, davvero.",
  "Peux-tu corriger ce texte ? « Bonjour Madame Lefèvre, je vous confirme le rendez-vous de jeudi à 14h. Mon numéro : 06 71 42 88 19. » Merci d'avance, c'est pour mon travail et je veux que ce soit impeccable.",
  'My Node server on port 3000 returns 502 Bad Gateway behind nginx 1.24. The upstream is 10.0.0.12:3000 and the logs show "connect() failed (111: Connection refused)". What should I check first in the config?',
  '¿Puedes redactar un correo para mi jefe Ramiro Echeverría? Necesito pedir vacaciones del 3 al 14 de agosto. Mi tarjeta 4539 1488 0343 6467 tiene un cargo raro de 129,90 €, también quiero preguntarle a quién reclamar eso.',
  'Summarize the causes of the French Revolution in five bullets for a 10th grade class, and add one sentence on Napoleon and one on the Declaration of the Rights of Man. Keep it under 200 words, please, and avoid dates.',
];

const corpus = MESSAGES;
const bytesPerRound = corpus.reduce((sum, m) => sum + Buffer.byteLength(m), 0);
for (let i = 0; i < 2_000; i++) anonymizeText(corpus[i % corpus.length] ?? '');
let bytes = 0;
const started = process.hrtime.bigint();
while (bytes < 8 * 1024 * 1024) {
  for (const message of corpus) anonymizeText(message);
  bytes += bytesPerRound;
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const average = Math.round(bytesPerRound / corpus.length);
console.log(`pii: ${(bytes / 1024 / 1024 / seconds).toFixed(2)} MB/s (${(bytes / 1024 / 1024).toFixed(1)} MB of ~${average}-byte chat messages in ${seconds.toFixed(2)} s)`);
