// Rollup arithmetic: what an interaction (with the current state of its feedback) and an unlinked
// feedback add to which buckets. A bucket is (project, dimension, value, hour): the dimension
// `all`, the model, each feature flag, each tag key with its value. Storage only keeps and sums
// these counters; every rule about what they count lives here, written once.
import { currentSlugCounts, emptySummary, totalEvents, type FeedbackSummary } from './feedback-summary.js';
import type { FeedbackStatus } from './model.js';

export const HOUR_MS = 3_600_000;

/** Counter columns of a bucket, in storage order. */
export const COUNTERS = [
  'interactions', 'up', 'down', 'rating_1', 'rating_2', 'rating_3', 'rating_4', 'rating_5',
  'copy_input', 'copy_output', 'paste', 'comment', 'regenerate', 'edit',
  'copied', 'regenerated', 'edited', 'covered', 'pending', 'orphaned',
] as const;
export type CounterName = (typeof COUNTERS)[number];
export type Counters = Record<CounterName, number>;

// An object literal (one fixed shape) rather than Object.fromEntries: it runs several times per
// stored feedback.
export const zeroCounters = (): Counters => ({
  interactions: 0, up: 0, down: 0, rating_1: 0, rating_2: 0, rating_3: 0, rating_4: 0, rating_5: 0,
  copy_input: 0, copy_output: 0, paste: 0, comment: 0, regenerate: 0, edit: 0,
  copied: 0, regenerated: 0, edited: 0, covered: 0, pending: 0, orphaned: 0,
});

export function addCounters(into: Counters, other: Counters, sign = 1): Counters {
  for (const c of COUNTERS) into[c] += sign * other[c];
  return into;
}

export const isZero = (c: Counters): boolean => COUNTERS.every((name) => c[name] === 0);

/** Dimensions: `all` (value ''), `model`, `flag` (one per feature flag), `tag:<key>` (value: the tag's value). */
export type Dimension = 'all' | 'model' | 'flag' | `tag:${string}`;

export interface InteractionDimensions {
  model: string | null;
  featureFlags: readonly string[];
  tags: Readonly<Record<string, string>>;
}

export function dimensionsOf(d: InteractionDimensions): [Dimension, string][] {
  const out: [Dimension, string][] = [['all', '']];
  if (d.model !== null) out.push(['model', d.model]);
  for (const flag of new Set(d.featureFlags)) out.push(['flag', flag]);
  for (const [key, value] of Object.entries(d.tags)) out.push([`tag:${key}`, value]);
  return out;
}

export const hourOf = (t: number): number => Math.floor(t / HOUR_MS) * HOUR_MS;

/** What one interaction adds to each of its buckets: itself, and the current state of its feedback. */
export function interactionContribution(summary: FeedbackSummary): Counters {
  const c = zeroCounters();
  const slugs = currentSlugCounts(summary);
  c.interactions = 1;
  c.up = summary.up;
  c.down = summary.down;
  [c.rating_1, c.rating_2, c.rating_3, c.rating_4, c.rating_5] = summary.ratings;
  c.copy_input = slugs.copy_input;
  c.copy_output = slugs.copy_output;
  c.paste = slugs.paste;
  c.comment = slugs.comment;
  c.regenerate = slugs.regenerate;
  c.edit = slugs.edit;
  c.copied = summary.events.copy_output > 0 ? 1 : 0;
  c.regenerated = summary.events.regenerate > 0 ? 1 : 0;
  c.edited = summary.events.edit > 0 ? 1 : 0;
  c.covered = totalEvents(summary) > 0 ? 1 : 0;
  return c;
}

/** The state of an interaction as far as rollups are concerned. */
export interface InteractionRollupState extends InteractionDimensions {
  projectId: string;
  timeEnd: number;
  summary: FeedbackSummary;
}

export interface BucketKey { projectId: string; dimension: Dimension; value: string; hour: number }

const keyOf = (k: BucketKey) => `${k.projectId}\u0000${k.dimension}\u0000${k.value}\u0000${k.hour}`;

/** Deltas for buckets, accumulated over one transaction and written once. */
export class RollupDeltas {
  private readonly buckets = new Map<string, { key: BucketKey; counters: Counters }>();

  add(key: BucketKey, counters: Counters, sign = 1): void {
    const id = keyOf(key);
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = { key, counters: zeroCounters() };
      this.buckets.set(id, bucket);
    }
    addCounters(bucket.counters, counters, sign);
  }

  /** Adds (sign 1) or removes (sign -1) an interaction's contribution to every bucket it belongs to. */
  addInteraction(state: InteractionRollupState, sign: 1 | -1): void {
    const counters = interactionContribution(state.summary);
    const hour = hourOf(state.timeEnd);
    for (const [dimension, value] of dimensionsOf(state)) this.add({ projectId: state.projectId, dimension, value, hour }, counters, sign);
  }

  /** Unlinked feedback counts as pending or orphaned in the `all` bucket of its own timestamp. */
  addUnlinked(projectId: string, timestamp: number, status: FeedbackStatus, sign: 1 | -1): void {
    if (status === 'linked') return;
    const c = zeroCounters();
    c[status] = 1;
    this.add({ projectId, dimension: 'all', value: '', hour: hourOf(timestamp) }, c, sign);
  }

  /** Non-zero deltas, sorted by bucket (so that concurrent writers lock rows in one order). */
  rows(): { key: BucketKey; counters: Counters }[] {
    return [...this.buckets.entries()]
      .filter(([, b]) => !isZero(b.counters))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, b]) => b);
  }
}

/** The rollup contribution of an interaction that has no feedback yet. */
export const bareInteraction = (d: InteractionDimensions & { projectId: string; timeEnd: number }): InteractionRollupState =>
  ({ ...d, summary: emptySummary() });
