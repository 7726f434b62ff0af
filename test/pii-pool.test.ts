import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anonymizeText } from '../src/core/pii/index.js';
import { createAnonymizer } from '../src/pii-pool/index.js';

const SAMPLES = [
  'Hi Rosalind Achterberg, your card 4539 1488 0343 6467 was charged.',
  'Mail ingrid.solvang@fjordpost.no or call +47 412 55 803.',
  'Why is Lombard Street so crooked?',
  'My IP is 185.22.91.47 and my SSN is 412-58-7730.',
];

test('worker pool gives the same results as inline anonymization', async () => {
  const anonymizer = createAnonymizer({ threads: 2, inlineBelowChars: 0 });
  try {
    const big = Array.from({ length: 50 }, (_, i) => SAMPLES[i % SAMPLES.length] ?? '');
    const [pooled, again] = await Promise.all([anonymizer.anonymize(big), anonymizer.anonymize(SAMPLES)]);
    assert.deepEqual(pooled, big.map((t) => anonymizeText(t)));
    assert.deepEqual(again, SAMPLES.map((t) => anonymizeText(t)));
  } finally {
    await anonymizer.close();
  }
});

test('texts asked for in one turn share one worker message and each caller gets its own results', async () => {
  const pooled = createAnonymizer({ threads: 1 });
  try {
    const answers = await Promise.all(SAMPLES.map((t) => pooled.anonymize([t, t])));
    assert.deepEqual(answers, SAMPLES.map((t) => [anonymizeText(t), anonymizeText(t)]));
  } finally {
    await pooled.close();
  }
});

test('small batches and threads: 0 run inline', async () => {
  const inline = createAnonymizer({ threads: 0 });
  assert.deepEqual(await inline.anonymize(SAMPLES), SAMPLES.map((t) => anonymizeText(t)));
  await inline.close();
  const pooled = createAnonymizer({ threads: 1, inlineBelowChars: 2000 });
  try {
    assert.deepEqual(await pooled.anonymize([SAMPLES[0] ?? '']), [anonymizeText(SAMPLES[0] ?? '')]);
    assert.deepEqual(await pooled.anonymize([]), []);
  } finally {
    await pooled.close();
  }
});

test('anonymize after close rejects', async () => {
  const anonymizer = createAnonymizer({ threads: 1 });
  await anonymizer.close();
  await assert.rejects(anonymizer.anonymize(['x']), /closed/);
});
