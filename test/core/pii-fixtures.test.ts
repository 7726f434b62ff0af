// Recall per type, overall recall and keep rate of the detector on the validation sets kept in the
// repository (test/fixtures/pii-*.jsonl): the goals of the PII issue, held as a regression bar.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { anonymizeText } from '../../src/core/pii/index.js';

interface Example { id: string; text: string; pii: { type: string; value: string }[]; keep: string[] }

for (const name of ['pii-validation.jsonl', 'pii-generalization.jsonl', 'pii-blind.jsonl']) {
  test(`${name}: recall >= 0.95 overall and >= 0.90 per type, keep >= 0.97`, () => {
    const lines = readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url), 'utf8').split('\n').filter((l) => l.trim());
    const perType = new Map<string, [number, number]>();
    let found = 0;
    let total = 0;
    let kept = 0;
    let keepTotal = 0;
    for (const line of lines) {
      const example = JSON.parse(line) as Example;
      const output = anonymizeText(example.text).text;
      for (const item of example.pii) {
        const stats = perType.get(item.type) ?? [0, 0];
        stats[1]++;
        total++;
        if (!output.includes(item.value)) {
          stats[0]++;
          found++;
        }
        perType.set(item.type, stats);
      }
      for (const value of example.keep) {
        keepTotal++;
        if (output.includes(value)) kept++;
      }
    }
    assert.ok(found / total >= 0.95, `overall recall ${found}/${total}`);
    for (const [type, [f, t]] of perType) assert.ok(f / t >= 0.9, `${type} recall ${f}/${t}`);
    assert.ok(kept / keepTotal >= 0.97, `keep rate ${kept}/${keepTotal}`);
  });
}
