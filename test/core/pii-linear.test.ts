// The detector takes linear time on any input: property-based, with adversarial strings built by
// repeating fragments that each detector's patterns react to (digits and separators, capitalised
// words, e-mail and URL punctuation, labels, key prefixes, base64), mixed at random.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { anonymizeText } from '../../src/core/pii/index.js';

const FRAGMENTS = [
  '1', '1 ', '12 ', '1-', '1.', '1/', '+1', '(1)', '00', '4539 ', 'A1', 'AB', 'Ab ', 'aB3', 'Via ', 'ul. ', 'rue ', 'Street ',
  '@', 'a@', '.', 'x.', '://', 'http://a:', 'a:b@', '?token=', '&sig=', '=', 'password=', 'key ', 'sk-', 'ghp_', 'eyJ',
  '-----BEGIN PRIVATE KEY-----', 'MII', 'Zz+/', '\n', ', ', ' ', 'Mr ', 'DR ', 'MARIA ', 'born ', '12.03.', 'PESEL ', 'NHS ',
  'passport ', 'IBAN ', 'DE89 ', 'SW1A 1AA ', '〒', '東京都', '様', 'ą', 'İ', '::', 'ff:',
];

test('linear time on adversarial inputs (property): three times the input takes about three times as long', () => {
  // The fastest of two runs of each size, so that a pause of the machine does not decide.
  const fastest = (text: string): number => {
    let best = Infinity;
    for (let i = 0; i < 1 + Number(text.length < 200_000); i++) {
      const started = performance.now();
      anonymizeText(text);
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 1000 }), (pattern, seed) => {
      const unit = pattern.join('');
      const text = (unit.repeat(Math.ceil(100_000 / unit.length)) + String(seed)).slice(0, 100_000);
      const single = fastest(text);
      const triple = fastest(text + text + text);
      // Quadratic work grows ninefold with the tripled input, and takes seconds at these sizes.
      assert.ok(triple < 4000, `${JSON.stringify(unit)}: 300 KB took ${Math.round(triple)} ms`);
      assert.ok(triple < Math.max(600, single * 5), `${JSON.stringify(unit)}: 100 KB ${Math.round(single)} ms, 300 KB ${Math.round(triple)} ms`);
    }),
    { numRuns: 15, seed: 20261201 },
  );
});

test('memory stays bounded: the spans of a text are at most one per character and detection keeps no state', () => {
  const text = 'mail a@bb.cc '.repeat(50_000);
  const before = process.memoryUsage().heapUsed;
  const { counts } = anonymizeText(text);
  assert.equal(counts['EMAIL'], 50_000);
  for (let i = 0; i < 3; i++) anonymizeText(text);
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 200 * 1024 * 1024, `heap grew by ${Math.round(grown / 1024 / 1024)} MB`);
});
