// The statistics the read API reports, as pure functions: intervals for rates and means, the
// fixed-horizon tests (two-proportion z-test, Welch's t-test) and an always-valid p-value (mSPRT)
// for teams that look at a comparison every day. Formulas and references: docs/statistics.md.

/** The two-sided 95% normal quantile, z_{0.975}. */
export const Z95 = 1.959963984540054;

export interface Interval { value: number | null; low: number | null; high: number | null }

// ---- special functions ------------------------------------------------------------------------

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let a = c[0]!;
  for (let k = 1; k < 9; k++) a += c[k]! / (z + k);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularized incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Upper tail of the standard normal, P(Z > x), accurate far into the tail (erfc by continued fraction). */
export function normalUpperTail(x: number): number {
  if (x < 0) return 1 - normalUpperTail(-x);
  // P(Z > x) = Q(1/2, x²/2): the regularized upper incomplete gamma, series below 1.5, continued fraction above.
  const s = (x * x) / 2;
  if (s < 1.5) {
    let term = 1 / 0.5;
    let sum = term;
    for (let n = 1; n < 500; n++) {
      term *= s / (0.5 + n);
      sum += term;
      if (term < sum * 1e-16) break;
    }
    const lower = sum * Math.exp(-s + 0.5 * Math.log(s) - logGamma(0.5));
    return 0.5 * (1 - lower);
  }
  const tiny = 1e-300;
  let b = s + 0.5;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - 0.5);
    b += 2;
    d = an * d + b; if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return 0.5 * Math.exp(-s + 0.5 * Math.log(s) - logGamma(0.5)) * h;
}

export function normalCdf(x: number): number {
  return 1 - normalUpperTail(x);
}

/** The standard normal quantile (Acklam's rational approximation refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** P(T > t) for Student's t with `df` degrees of freedom (df may be fractional, as in Welch's test). */
export function studentUpperTail(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalUpperTail(t);
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? tail : 1 - tail;
}

/** Density of Student's t. */
function studentDensity(t: number, df: number): number {
  return Math.exp(logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

const quantiles = new Map<string, number>();

/**
 * The quantile of Student's t: the t with P(T ≤ t) = p. Closed forms for 1 and 2 degrees of
 * freedom; otherwise the Cornish–Fisher expansion around the normal quantile, refined by Newton
 * steps on the exact distribution (bisection where a step would leave the bracket). Memoized: a
 * statistics answer asks for the same few quantiles over and over.
 */
export function studentQuantile(p: number, df: number): number {
  if (!Number.isFinite(df)) return normalQuantile(p);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentQuantile(1 - p, df);
  const key = `${p}|${df}`;
  const known = quantiles.get(key);
  if (known !== undefined) return known;
  let t: number;
  if (df === 1) t = Math.tan(Math.PI * (p - 0.5));
  else if (df === 2) t = (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  else {
    const z = normalQuantile(p);
    const [z3, z5, z7, z9] = [z ** 3, z ** 5, z ** 7, z ** 9];
    t = z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
      + (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df ** 4);
    let low = 0;
    let high = Math.max(2 * t, 1);
    while (1 - studentUpperTail(high, df) < p) high *= 2;
    for (let k = 0; k < 100; k++) {
      const error = 1 - studentUpperTail(t, df) - p;
      if (Math.abs(error) < 1e-15) break;
      if (error < 0) low = t; else high = t;
      const next = t - error / studentDensity(t, df);
      t = next > low && next < high ? next : (low + high) / 2;
      if (high - low < 1e-14 * Math.max(1, t)) break;
    }
  }
  if (quantiles.size > 10_000) quantiles.clear();
  quantiles.set(key, t);
  return t;
}

// ---- intervals --------------------------------------------------------------------------------

/** Wilson score interval for `successes` of `n` (95%): never outside [0, 1], good at small n. */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval {
  if (n <= 0) return { value: null, low: null, high: null };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { value: p, low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/** Sufficient statistics of a sample of numbers. */
export interface Moments { n: number; sum: number; sumOfSquares: number }

export function sampleVariance(m: Moments): number | null {
  if (m.n < 2) return null;
  // Rating sums are integers, so this is exact until the sums pass 2^53.
  return Math.max(0, (m.sumOfSquares - (m.sum * m.sum) / m.n) / (m.n - 1));
}

/** Mean with its t-based 95% interval (the interval needs n ≥ 2). */
export function meanInterval(m: Moments): Interval {
  if (m.n <= 0) return { value: null, low: null, high: null };
  const mean = m.sum / m.n;
  const variance = sampleVariance(m);
  if (variance === null) return { value: mean, low: null, high: null };
  const half = studentQuantile(0.975, m.n - 1) * Math.sqrt(variance / m.n);
  return { value: mean, low: mean - half, high: mean + half };
}

// ---- fixed-horizon tests ----------------------------------------------------------------------

export interface ProportionComparison { difference: Interval; pValue: number | null }

/**
 * b minus a for two proportions: Newcombe's hybrid score interval (his method 10, built from the two
 * Wilson intervals; it keeps its coverage at small counts where the Wald interval does not) and the
 * pooled two-proportion z-test.
 */
export function compareProportions(a: { successes: number; n: number }, b: { successes: number; n: number }): ProportionComparison {
  if (a.n <= 0 || b.n <= 0) return { difference: { value: null, low: null, high: null }, pValue: null };
  const wa = wilsonInterval(a.successes, a.n);
  const wb = wilsonInterval(b.successes, b.n);
  const pa = wa.value!;
  const pb = wb.value!;
  const delta = pb - pa;
  const low = delta - Math.sqrt((pb - wb.low!) ** 2 + (wa.high! - pa) ** 2);
  const high = delta + Math.sqrt((wb.high! - pb) ** 2 + (pa - wa.low!) ** 2);
  const pooled = (a.successes + b.successes) / (a.n + b.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  // Both groups all-success or all-failure: no evidence of a difference.
  const pValue = se === 0 ? 1 : 2 * normalUpperTail(Math.abs(delta) / se);
  return { difference: { value: delta, low, high }, pValue };
}

export interface MeanComparison { difference: Interval; pValue: number | null; degreesOfFreedom: number | null }

/** b minus a for two means: Welch's t-test and interval (unequal variances, Welch–Satterthwaite df). */
export function compareMeans(a: Moments, b: Moments): MeanComparison {
  const none = { difference: { value: null, low: null, high: null }, pValue: null, degreesOfFreedom: null };
  if (a.n <= 0 || b.n <= 0) return none;
  const delta = b.sum / b.n - a.sum / a.n;
  const va = sampleVariance(a);
  const vb = sampleVariance(b);
  if (va === null || vb === null) return { ...none, difference: { value: delta, low: null, high: null } };
  const sa = va / a.n;
  const sb = vb / b.n;
  const se = Math.sqrt(sa + sb);
  if (se === 0) return { difference: { value: delta, low: delta, high: delta }, pValue: delta === 0 ? 1 : 0, degreesOfFreedom: null };
  const df = (sa + sb) ** 2 / ((sa * sa) / (a.n - 1) + (sb * sb) / (b.n - 1));
  const half = studentQuantile(0.975, df) * se;
  return { difference: { value: delta, low: delta - half, high: delta + half }, pValue: 2 * studentUpperTail(Math.abs(delta) / se, df), degreesOfFreedom: df };
}

// ---- always-valid inference -------------------------------------------------------------------

/**
 * The mixture sequential probability ratio test (mSPRT) of Johari, Koomen, Pekelis and Walsh
 * ("Always Valid Inference: Continuous Monitoring of A/B Tests", Operations Research 70(3), 2022),
 * normal mixture N(0, τ²) over the difference θ, on the estimate θ̂ with (plug-in) variance v:
 *
 *   Λ = sqrt(v / (v + τ²)) · exp(τ² θ̂² / (2 v (v + τ²)))
 *
 * Λ is a martingale under H0 (θ = 0), so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α: rejecting the
 * first time 1/Λ falls below α keeps the false-positive rate at α however often one looks.
 */
export function mixtureLikelihoodRatio(estimate: number, variance: number, mixtureVariance: number): number {
  if (!(variance > 0)) return estimate === 0 ? 1 : Infinity;
  const log = 0.5 * Math.log(variance / (variance + mixtureVariance)) + (mixtureVariance * estimate * estimate) / (2 * variance * (variance + mixtureVariance));
  return Math.exp(log);
}

/** One look at the data: an estimate of b minus a and its variance, or null when it cannot be formed yet. */
export interface SequentialLook { estimate: number; variance: number }

/**
 * The always-valid p-value after a sequence of looks (in time order): the running minimum of
 * min(1, 1/Λ) over the looks. Looking less often than after every observation only makes it
 * larger, i.e. conservative.
 */
export function alwaysValidPValue(looks: Iterable<SequentialLook | null>, mixtureVariance: number): number | null {
  let p: number | null = null;
  for (const look of looks) {
    if (look === null) continue;
    const ratio = mixtureLikelihoodRatio(look.estimate, look.variance, mixtureVariance);
    p = Math.min(p ?? 1, 1 / ratio);
  }
  return p;
}

/**
 * A look at two proportions, or null while a side has no data. The variance of b minus a is taken
 * under the null hypothesis (pooled, as in the z-test): a plug-in variance of 0 (e.g. 0/2 against
 * 2/2) would otherwise read as infinite evidence.
 */
export function proportionLook(a: { successes: number; n: number }, b: { successes: number; n: number }): SequentialLook | null {
  if (a.n <= 0 || b.n <= 0) return null;
  const pooled = (a.successes + b.successes) / (a.n + b.n);
  return { estimate: b.successes / b.n - a.successes / a.n, variance: pooled * (1 - pooled) * (1 / a.n + 1 / b.n) };
}

/** A look at two means, or null while a side has fewer than two observations; the variance pooled under the null, likewise. */
export function meanLook(a: Moments, b: Moments): SequentialLook | null {
  if (a.n < 2 || b.n < 2) return null;
  const pooled = sampleVariance({ n: a.n + b.n, sum: a.sum + b.sum, sumOfSquares: a.sumOfSquares + b.sumOfSquares })!;
  return { estimate: b.sum / b.n - a.sum / a.n, variance: pooled * (1 / a.n + 1 / b.n) };
}
