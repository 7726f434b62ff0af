// Counters -> the statistics the read API answers (API.md `/stats` and `/compare`): rates with
// their Wilson intervals, the mean rating with its t interval and histogram, and the comparison of
// two groups with both p-values and a plain-language verdict.
import { FEEDBACK_SLUGS, type FeedbackSlug } from './model.js';
import type { Counters } from './rollups.js';
import {
  alwaysValidPValue, compareMeans, compareProportions, meanInterval, meanLook, proportionLook, wilsonInterval, type Interval, type Moments,
} from './statistics.js';

export interface Rate extends Interval { n: number }
export interface MeanRating extends Rate { histogram: [number, number, number, number, number] }

export interface GroupStats {
  key: string;
  interactions: number;
  feedback: number;
  slugs: Record<FeedbackSlug, number>;
  thumbs_up_rate: Rate;
  mean_rating: MeanRating;
  copy_rate: Rate;
  regenerate_rate: Rate;
  edit_rate: Rate;
  feedback_coverage: Rate;
  pending: number;
  orphaned: number;
}

export function ratingHistogram(c: Counters): [number, number, number, number, number] {
  return [c.rating_1, c.rating_2, c.rating_3, c.rating_4, c.rating_5];
}

export function ratingMoments(c: Counters): Moments {
  const histogram = ratingHistogram(c);
  let n = 0;
  let sum = 0;
  let sumOfSquares = 0;
  histogram.forEach((count, k) => {
    n += count;
    sum += count * (k + 1);
    sumOfSquares += count * (k + 1) * (k + 1);
  });
  return { n, sum, sumOfSquares };
}

const rate = (successes: number, n: number): Rate => ({ ...wilsonInterval(successes, n), n });

/** Current-state counts per slug (thumbs and ratings: one per end user and interaction). */
export function slugCounts(c: Counters): Record<FeedbackSlug, number> {
  const counts: Record<FeedbackSlug, number> = {
    thumbs_up: c.up, thumbs_down: c.down, copy_input: c.copy_input, copy_output: c.copy_output, paste: c.paste,
    rating: ratingMoments(c).n, comment: c.comment, regenerate: c.regenerate, edit: c.edit,
  };
  // Every slug is present, in the catalogue's order.
  return Object.fromEntries(FEEDBACK_SLUGS.map((s) => [s, counts[s]])) as Record<FeedbackSlug, number>;
}

export function groupStats(key: string, c: Counters): GroupStats {
  const slugs = slugCounts(c);
  const moments = ratingMoments(c);
  return {
    key,
    interactions: c.interactions,
    feedback: FEEDBACK_SLUGS.reduce((n, s) => n + slugs[s], 0),
    slugs,
    thumbs_up_rate: rate(c.up, c.up + c.down),
    mean_rating: { ...meanInterval(moments), n: moments.n, histogram: ratingHistogram(c) },
    copy_rate: rate(c.copied, c.interactions),
    regenerate_rate: rate(c.regenerated, c.interactions),
    edit_rate: rate(c.edited, c.interactions),
    feedback_coverage: rate(c.covered, c.interactions),
    pending: c.pending,
    orphaned: c.orphaned,
  };
}

/** Mixing variances of the mSPRT: the size of differences the test is tuned to find soonest. */
export const MIXTURE_VARIANCE = {
  /** Thumbs-up rates: differences of about 5 points. */
  thumbsUpRate: 0.05 ** 2,
  /** Mean ratings (1-5): differences of about a quarter of a star. */
  meanRating: 0.25 ** 2,
} as const;

export interface Comparison {
  a: GroupStats;
  b: GroupStats;
  thumbs_up_difference: Interval;
  p_value: number | null;
  always_valid_p_value: number | null;
  mean_rating_difference: Interval;
  mean_rating_p_value: number | null;
  mean_rating_always_valid_p_value: number | null;
  verdict: string;
}

/**
 * Compares b with a. `series` is the cumulative counters of both groups at successive looks (e.g.
 * the end of each hour of the range, in time order, the last being the totals): the always-valid
 * p-values are the running minimum over those looks.
 */
export function compareGroups(a: GroupStats, b: GroupStats, totals: { a: Counters; b: Counters },
  series: Iterable<{ a: Counters; b: Counters }>): Comparison {
  const votes = (c: Counters) => ({ successes: c.up, n: c.up + c.down });
  const thumbs = compareProportions(votes(totals.a), votes(totals.b));
  const ratings = compareMeans(ratingMoments(totals.a), ratingMoments(totals.b));
  const looks = [...series];
  const thumbsAlways = alwaysValidPValue(looks.map((l) => proportionLook(votes(l.a), votes(l.b))), MIXTURE_VARIANCE.thumbsUpRate);
  const ratingAlways = alwaysValidPValue(looks.map((l) => meanLook(ratingMoments(l.a), ratingMoments(l.b))), MIXTURE_VARIANCE.meanRating);
  return {
    a, b,
    thumbs_up_difference: thumbs.difference,
    p_value: thumbs.pValue,
    always_valid_p_value: thumbsAlways,
    mean_rating_difference: ratings.difference,
    mean_rating_p_value: ratings.pValue,
    mean_rating_always_valid_p_value: ratingAlways,
    verdict: verdict(a, b, thumbs.difference, thumbs.pValue, thumbsAlways),
  };
}

const points = (x: number) => Math.round(Math.abs(x) * 1000) / 10;
/** Percentage points with one decimal, signed (`String` prints -0 as 0). */
const signedPoints = (x: number) => String(Math.round(x * 1000) / 10);
const formatP = (p: number) => (p < 0.001 ? '< 0.001' : `= ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`);

/** One sentence on the thumbs-up rates, for people who do not read intervals. */
export function verdict(a: GroupStats, b: GroupStats, difference: Interval, pValue: number | null, alwaysValid: number | null): string {
  const [na, nb] = [a.thumbs_up_rate.n, b.thumbs_up_rate.n];
  if (na === 0 || nb === 0 || difference.value === null || pValue === null) {
    return `Not enough data yet: ${a.key} has ${na} thumbs vote${na === 1 ? '' : 's'} and ${b.key} has ${nb}.`;
  }
  const range = `(${signedPoints(difference.low!)} to ${signedPoints(difference.high!)})`;
  const size = points(difference.value);
  const direction = difference.value > 0 ? 'higher' : difference.value < 0 ? 'lower' : 'the same';
  const head = difference.value === 0
    ? `${b.key}'s thumbs-up rate is the same as ${a.key}'s ${range}`
    : `${b.key}'s thumbs-up rate is ${direction} than ${a.key}'s by ${size} point${size === 1 ? '' : 's'} ${range}`;
  if (pValue >= 0.05) return `${head}; this could well be chance, p ${formatP(pValue)}.`;
  if (alwaysValid !== null && alwaysValid >= 0.05) {
    return `${head}; unlikely to be chance if you looked only now (p ${formatP(pValue)}), but not yet conclusive if you have been checking as data came in (always-valid p ${formatP(alwaysValid)}).`;
  }
  return `${head}; unlikely to be chance, p ${formatP(pValue)}.`;
}
