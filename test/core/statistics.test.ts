// The pure statistics against published reference values (and hand computations where no table exists).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  alwaysValidPValue, compareMeans, compareProportions, meanInterval, mixtureLikelihoodRatio, normalCdf, normalQuantile, normalUpperTail,
  proportionLook, studentQuantile, studentUpperTail, wilsonInterval,
} from '../../src/core/statistics.js';

const close = (actual: number | null, expected: number, digits = 4) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 0.5 * 10 ** -digits, `${actual} ≈ ${expected} (${digits} digits)`);
const sample = (xs: number[]) => ({ n: xs.length, sum: xs.reduce((a, b) => a + b, 0), sumOfSquares: xs.reduce((a, b) => a + b * b, 0) });

describe('Wilson score interval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat Med 17:857, Table I, method 3.
  for (const [x, n, low, high] of [[81, 263, 0.2553, 0.3662], [15, 148, 0.0624, 0.1605], [0, 20, 0, 0.1611], [1, 29, 0.0061, 0.1718]] as const) {
    test(`${x}/${n} → (${low}, ${high})`, () => {
      const w = wilsonInterval(x, n);
      close(w.value, x / n, 10);
      close(w.low, low);
      close(w.high, high);
    });
  }
  test('no observations: no value, no interval; all successes stays within [0, 1]', () => {
    assert.deepEqual(wilsonInterval(0, 0), { value: null, low: null, high: null });
    const all = wilsonInterval(10, 10);
    close(all.high, 1, 10);
    close(all.low, 0.7225);
  });
});

describe('normal and Student t distributions', () => {
  test('normal tails and quantiles match tables far into the tail', () => {
    close(normalCdf(1.96), 0.9750021, 7);
    assert.ok(Math.abs(normalUpperTail(5) / 2.866515719e-7 - 1) < 1e-8);
    assert.ok(Math.abs(normalUpperTail(10) / 7.619853024e-24 - 1) < 1e-8);
    close(normalQuantile(0.975), 1.959963985, 9);
    close(normalQuantile(0.5), 0, 12);
    close(normalQuantile(0.001), -3.090232306, 8);
  });
  test('two-sided 95% t quantiles match the table', () => {
    for (const [df, t] of [[1, 12.7062], [2, 4.3027], [5, 2.5706], [10, 2.2281], [30, 2.0423], [100, 1.9840]] as const) close(studentQuantile(0.975, df), t);
    close(studentUpperTail(2.228138852, 10), 0.025, 9);
    close(studentUpperTail(0, 7), 0.5, 12);
  });
  test('mean with its t interval: 1..5 is 3 ± 2.7764·sqrt(2.5/5)', () => {
    const m = meanInterval(sample([1, 2, 3, 4, 5]));
    close(m.value, 3, 12);
    close(m.low, 3 - 2.776445 * Math.sqrt(0.5), 5);
    close(m.high, 3 + 2.776445 * Math.sqrt(0.5), 5);
    assert.deepEqual(meanInterval(sample([4])), { value: 4, low: null, high: null });
    assert.deepEqual(meanInterval(sample([])), { value: null, low: null, high: null });
  });
});

describe('comparisons', () => {
  // Newcombe (1998), "Interval estimation for the difference between independent proportions", Stat Med 17:873, method 10.
  test('difference of proportions: Newcombe hybrid score interval', () => {
    for (const [[xa, na], [xb, nb], low, high] of [[[48, 80], [56, 70], 0.0524, 0.3339], [[3, 10], [9, 10], 0.1705, 0.8090], [[0, 29], [5, 56], -0.0381, 0.1926]] as const) {
      const c = compareProportions({ successes: xa, n: na }, { successes: xb, n: nb });
      close(c.difference.value, xb / nb - xa / na, 10);
      close(c.difference.low, low);
      close(c.difference.high, high);
    }
  });
  test('two-proportion z-test, hand-computed: 56/70 vs 48/80 gives z = 2.6502, p = 0.00805', () => {
    // pooled p = 104/150; se = sqrt(p(1-p)(1/70 + 1/80)); z = 0.2 / se
    const pooled = 104 / 150;
    const z = 0.2 / Math.sqrt(pooled * (1 - pooled) * (1 / 70 + 1 / 80));
    close(z, 2.6502, 4);
    close(compareProportions({ successes: 48, n: 80 }, { successes: 56, n: 70 }).pValue, 2 * normalUpperTail(z), 12);
    close(compareProportions({ successes: 48, n: 80 }, { successes: 56, n: 70 }).pValue, 0.00805, 5);
    assert.equal(compareProportions({ successes: 5, n: 5 }, { successes: 7, n: 7 }).pValue, 1);
    assert.equal(compareProportions({ successes: 0, n: 0 }, { successes: 7, n: 7 }).pValue, null);
  });
  test("Welch's t-test: 1..5 against 2,4,..,10 gives t = 1.8974, df = 5.8824, p = 0.1075 (checked by numerical integration)", () => {
    const c = compareMeans(sample([1, 2, 3, 4, 5]), sample([2, 4, 6, 8, 10]));
    close(c.difference.value, 3, 12);
    close(c.degreesOfFreedom, 5.8824, 4);
    close(c.pValue, 0.10753, 5);
    close(c.difference.low, 3 - studentQuantile(0.975, 100 / 17) * Math.sqrt(2.5), 8);
  });
});

describe('always-valid p-value (mSPRT)', () => {
  test('hand-computed mixture likelihood ratio: θ = 0.1, v = τ² = 0.0025 gives sqrt(1/2)·e', () => {
    close(mixtureLikelihoodRatio(0.1, 0.0025, 0.0025), Math.SQRT1_2 * Math.E, 12);
    close(alwaysValidPValue([{ estimate: 0.1, variance: 0.0025 }], 0.0025), 1 / (Math.SQRT1_2 * Math.E), 12);
  });
  test('is the running minimum over looks, at most 1, and null before any look', () => {
    assert.equal(alwaysValidPValue([null, null], 0.01), null);
    const looks = [{ estimate: 0, variance: 0.01 }, { estimate: 0.3, variance: 0.001 }, { estimate: 0, variance: 0.001 }];
    const p = alwaysValidPValue(looks, 0.0025)!;
    assert.ok(p < 1e-6, 'the strong middle look is remembered');
    assert.equal(alwaysValidPValue([{ estimate: 0, variance: 0.01 }], 0.0025), 1);
  });
  test('is never below the fixed-horizon p-value on the same data (it pays for peeking)', () => {
    for (const [a, b] of [[[40, 100], [55, 100]], [[400, 1000], [450, 1000]], [[20, 30], [28, 31]]] as const) {
      const fixed = compareProportions({ successes: a[0], n: a[1] }, { successes: b[0], n: b[1] }).pValue!;
      const look = proportionLook({ successes: a[0], n: a[1] }, { successes: b[0], n: b[1] });
      assert.ok(alwaysValidPValue([look], 0.05 ** 2)! > fixed, `${JSON.stringify([a, b])}`);
    }
  });
  test('keeps the false-positive rate at 5% when an A/A test is checked after every batch (simulation)', () => {
    // Deterministic PRNG; 400 A/A experiments, 40 looks of 50 votes per arm each, true rate 0.6.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let alwaysValidFalse = 0;
    let fixedFalse = 0;
    for (let e = 0; e < 400; e++) {
      const a = { successes: 0, n: 0 };
      const b = { successes: 0, n: 0 };
      let rejectedAlways = false;
      let rejectedFixed = false;
      let p: number | null = 1;
      for (let look = 0; look < 40; look++) {
        for (let k = 0; k < 50; k++) {
          a.n++; b.n++;
          if (random() < 0.6) a.successes++;
          if (random() < 0.6) b.successes++;
        }
        p = Math.min(p ?? 1, alwaysValidPValue([proportionLook(a, b)], 0.05 ** 2) ?? 1);
        if (p < 0.05) rejectedAlways = true;
        if (compareProportions(a, b).pValue! < 0.05) rejectedFixed = true;
      }
      if (rejectedAlways) alwaysValidFalse++;
      if (rejectedFixed) fixedFalse++;
    }
    assert.ok(alwaysValidFalse / 400 <= 0.05, `always-valid: ${alwaysValidFalse}/400 false positives`);
    assert.ok(fixedFalse / 400 > 0.1, `peeking at the fixed-horizon test is fooled: ${fixedFalse}/400`);
  });
});
