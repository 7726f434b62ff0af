// The current state of the feedback an interaction received, computed from its feedback events.
// Feedback is a history: every event stays stored and listed. What counts in statistics is the
// current state: per end user, only the latest thumbs vote and the latest rating of an interaction
// count (latest by timestamp, then received_at, then id); every other event counts as itself.
import { FEEDBACK_SLUGS, type FeedbackRecord, type FeedbackSlug } from './model.js';

/** What a feedback event contributes to its interaction's state: the columns summaries read. */
export interface FeedbackEvent {
  id: string;
  slug: FeedbackSlug;
  value: number | null;
  endUser: string;
  timestamp: number;
  receivedAt: number;
  /** Carries a comment: a non-empty text on a slug whose text is the user's comment. */
  commented: boolean;
}

/** Slugs whose text is the user's own comment (copy and paste texts are copied text, edit the edit). */
export const COMMENT_SLUGS: ReadonlySet<FeedbackSlug> = new Set(['comment', 'thumbs_up', 'thumbs_down', 'rating']);

/** A non-empty text on a comment slug (the same test as COMMENT_SQL in storage, so both count alike). */
export function isComment(slug: FeedbackSlug, text: string | null): boolean {
  return COMMENT_SLUGS.has(slug) && text !== null && text.length > 0;
}

export function feedbackEvent(f: Pick<FeedbackRecord, 'id' | 'slug' | 'value' | 'endUser' | 'timestamp' | 'receivedAt' | 'text'>): FeedbackEvent {
  return { id: f.id, slug: f.slug, value: f.value, endUser: f.endUser, timestamp: f.timestamp, receivedAt: f.receivedAt, commented: isComment(f.slug, f.text) };
}

export type SlugCounts = Record<FeedbackSlug, number>;

export interface FeedbackSummary {
  /** Events per slug, the whole history. */
  events: SlugCounts;
  /** Events that carry a comment. */
  comments: number;
  /** End users whose current thumbs vote is up / down. */
  up: number;
  down: number;
  /** End users whose current rating is 1..5 (index 0 is rating 1). */
  ratings: [number, number, number, number, number];
}

/** An object literal (one fixed shape, see zeroCounters in rollups.ts): it runs per stored feedback. */
export const zeroSlugCounts = (): SlugCounts => ({
  thumbs_up: 0, thumbs_down: 0, copy_input: 0, copy_output: 0, paste: 0, rating: 0, comment: 0, regenerate: 0, edit: 0,
});

export function emptySummary(): FeedbackSummary {
  return { events: zeroSlugCounts(), comments: 0, up: 0, down: 0, ratings: [0, 0, 0, 0, 0] };
}

type VoteKind = 'thumbs' | 'rating';
const voteKind = (slug: FeedbackSlug): VoteKind | null =>
  slug === 'thumbs_up' || slug === 'thumbs_down' ? 'thumbs' : slug === 'rating' ? 'rating' : null;

/** Whether `a` happened after `b`: timestamp, then received_at, then id (ids compared as bytes). */
export function isLater(a: FeedbackEvent, b: FeedbackEvent): boolean {
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  if (a.receivedAt !== b.receivedAt) return a.receivedAt > b.receivedAt;
  return a.id > b.id;
}

/** The summary of an interaction's linked feedback events (in any order). */
export function summarize(events: Iterable<FeedbackEvent>): FeedbackSummary {
  const summary = emptySummary();
  const current = new Map<string, FeedbackEvent>();
  for (const e of events) {
    summary.events[e.slug] += 1;
    if (e.commented) summary.comments += 1;
    const kind = voteKind(e.slug);
    if (kind === null) continue;
    const key = `${kind}\u0000${e.endUser}`;
    const previous = current.get(key);
    if (!previous || isLater(e, previous)) current.set(key, e);
  }
  for (const vote of current.values()) {
    if (vote.slug === 'thumbs_up') summary.up += 1;
    else if (vote.slug === 'thumbs_down') summary.down += 1;
    else if (vote.value !== null && Number.isInteger(vote.value) && vote.value >= 1 && vote.value <= 5) summary.ratings[vote.value - 1]! += 1;
  }
  return summary;
}

export const totalEvents = (s: FeedbackSummary): number => FEEDBACK_SLUGS.reduce((n, slug) => n + s.events[slug], 0);
export const ratingCount = (s: FeedbackSummary): number => s.ratings.reduce((n, k) => n + k, 0);

/** Counts per slug in current state: votes for thumbs and rating, events for the other slugs. */
export function currentSlugCounts(s: FeedbackSummary): SlugCounts {
  return { ...s.events, thumbs_up: s.up, thumbs_down: s.down, rating: ratingCount(s) };
}

/** The mean of the current ratings (the latest rating when one end user rated), or null. */
export function meanRating(s: FeedbackSummary): number | null {
  const n = ratingCount(s);
  return n === 0 ? null : s.ratings.reduce((sum, k, i) => sum + k * (i + 1), 0) / n;
}

/** "up" or "down" when the current votes agree (or lean one way), "mixed" on a tie, null without votes. */
export function thumbsState(s: FeedbackSummary): 'up' | 'down' | 'mixed' | null {
  if (s.up === 0 && s.down === 0) return null;
  return s.up > s.down ? 'up' : s.down > s.up ? 'down' : 'mixed';
}
