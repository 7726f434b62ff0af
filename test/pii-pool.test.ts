import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anonymizeText } from '../src/core/pii/index.js';
import { createAnonymizer } from '../src/pii-pool/index.js';
import type { FeedloopError } from '../src/core/errors.js';

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

test('long texts are cut into chunks and PII next to the cuts is still found', async () => {
  const anonymizer = createAnonymizer({ threads: 1, limits: { chunkChars: 2048 } });
  try {
    const parts: string[] = [];
    for (let i = 0; i < 300; i++) parts.push(`line ${i} of the log, nothing here `.repeat(3), `mail ops${i}@fjordpost.no or +47 412 55 ${String(100 + i).slice(-3)}\n`);
    const text = parts.join('');
    const [result] = await anonymizer.anonymize([text]);
    assert.ok(result && !/@fjordpost\.no/.test(result.text), 'every address removed');
    assert.equal(result?.counts['EMAIL'], 300);
    assert.deepEqual(result, anonymizeText(text));
  } finally {
    await anonymizer.close();
  }
});

test('PII work is bounded: a full queue answers pii_overloaded with Retry-After, a too large request pii_budget_exceeded', async () => {
  const anonymizer = createAnonymizer({ threads: 1, limits: { queueLimitChars: 50_000, clientBudgetChars: 30_000, requestLimitChars: 40_000 } });
  try {
    const big = 'Hi Rosalind Achterberg, call +47 412 55 803. '.repeat(600); // ~27k characters
    const first = anonymizer.anonymize([big], { client: 'a' });
    await assert.rejects(anonymizer.anonymize([big], { client: 'a' }), (e: FeedloopError) => e.code === 'pii_overloaded' && Number(e.headers['retry-after']) >= 1);
    // Another client still gets in while the first one's budget is used up.
    const other = anonymizer.anonymize(['Mail ingrid.solvang@fjordpost.no'], { client: 'b' });
    await assert.rejects(anonymizer.anonymize(['x'.repeat(45_000)], { client: 'c' }), (e: FeedloopError) => e.code === 'pii_budget_exceeded' && e.status === 413);
    assert.equal((await other)[0]?.text, 'Mail [EMAIL]');
    await first;
    // Once done, the budget is free again.
    assert.ok((await anonymizer.anonymize([big], { client: 'a' }))[0]?.text.includes('[PHONE]'));
  } finally {
    await anonymizer.close();
  }
});

test('fair share: a client flooding 1 MB texts delays another client\'s small write by milliseconds, not seconds', async (t) => {
  for (const threads of [1, 0]) {
    const anonymizer = createAnonymizer({ threads });
    try {
      const line = 'Please forward to ingrid.solvang@fjordpost.no, phone +47 412 55 803, card 4539 1488 0343 6467.\n';
      const megabyte = line.repeat(Math.ceil(1_000_000 / line.length));
      await anonymizer.anonymize(['warm up: Hi Rosalind Achterberg'], { client: 'small' });
      const started = performance.now();
      const flood = [0, 1, 2, 3].map(() => anonymizer.anonymize([megabyte], { client: 'flood' }).then(() => performance.now() - started));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const small: number[] = [];
      for (let i = 0; i < 5; i++) {
        const sent = performance.now();
        const [r] = await anonymizer.anonymize(['Hi Rosalind Achterberg, my mail is r.achterberg@fjordpost.no'], { client: 'small' });
        small.push(performance.now() - sent);
        assert.equal(r?.text, 'Hi [PERSON], my mail is [EMAIL]');
      }
      const floodDone = Math.max(...(await Promise.all(flood)));
      const worst = Math.max(...small);
      t.diagnostic(`threads ${threads}: small write ${Math.round(worst)} ms at worst (median ${Math.round(small.sort((a, b) => a - b)[2] ?? 0)} ms) while 4 x 1 MB took ${Math.round(floodDone)} ms`);
      assert.ok(worst < 1000, `a small write waited ${worst} ms`);
      assert.ok(worst * 5 < floodDone, `the small writes (${worst} ms) were not served ahead of the flood (${floodDone} ms)`);
    } finally {
      await anonymizer.close();
    }
  }
});

test('project policies reach the worker threads: custom patterns, types, allowlist', async () => {
  const anonymizer = createAnonymizer({
    threads: 1,
    config: { projects: { p1: { patterns: [{ type: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}' }], types: ['EMAIL'], allowlist: ['Rosalind Achterberg'] } } },
  });
  try {
    const text = 'Rosalind Achterberg (EMP-123456) mails ingrid.solvang@fjordpost.no from 185.22.91.47';
    const [own, other] = await Promise.all([anonymizer.anonymize([text], { projectId: 'p1' }), anonymizer.anonymize([text], { projectId: 'p2' })]);
    assert.equal(own[0]?.text, 'Rosalind Achterberg ([EMPLOYEE_ID]) mails [EMAIL] from 185.22.91.47');
    assert.deepEqual(own[0]?.counts, { EMPLOYEE_ID: 1, EMAIL: 1 });
    assert.deepEqual(other, [anonymizeText(text)]);
  } finally {
    await anonymizer.close();
  }
});
