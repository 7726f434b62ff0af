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

test('linear time on adversarial inputs (property): 200 KB in well under a second', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 1000 }), (pattern, seed) => {
      const unit = pattern.join('');
      const text = (unit.repeat(Math.ceil(100_000 / unit.length)) + String(seed)).slice(0, 100_000);
      const doubled = text + text;
      const started = performance.now();
      anonymizeText(text);
      const single = performance.now() - started;
      const again = performance.now();
      anonymizeText(doubled);
      const double = performance.now() - again;
      // Quadratic work would take seconds here and grow fourfold with the doubled input.
      assert.ok(double < 3000, `${JSON.stringify(unit)}: 200 KB took ${Math.round(double)} ms`);
      assert.ok(double < Math.max(300, single * 4), `${JSON.stringify(unit)}: 100 KB ${Math.round(single)} ms, 200 KB ${Math.round(double)} ms`);
    }),
    { numRuns: 40, seed: 20261201 },
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
