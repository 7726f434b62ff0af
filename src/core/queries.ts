// What the read API can ask for: filters of the lists and statistics, in domain terms (times in
// milliseconds, ranges half-open [from, to)), and the predicate on an interaction's feedback state.
import { currentSlugCounts, meanRating, totalEvents, type FeedbackSummary } from './feedback-summary.js';
import type { FeedbackSlug, FeedbackStatus } from './model.js';

export type Order = 'newest' | 'oldest';

/** Filters on an interaction's own fields (all optional; tags must all match). */
export interface InteractionFilter {
  from: number | null;
  to: number | null;
  endUser: string | null;
  model: string | null;
  featureFlag: string | null;
  tags: [string, string][];
  conversationId: string | null;
  /** Substring of the stored input or output. */
  text: string | null;
  /** The OpenTelemetry trace it was made from. */
  traceId: string | null;
}

/** Filters on the current state of an interaction's feedback. */
export interface FeedbackStateFilter {
  /** A slug it received (current state for thumbs and rating), `any` feedback, or `none`. */
  feedback: FeedbackSlug | 'any' | 'none' | null;
  /** On the mean of its current ratings (the latest rating when one end user rated). */
  minRating: number | null;
  maxRating: number | null;
  hasComment: boolean | null;
}

export interface FeedbackFilter {
  /** On the feedback's timestamp. */
  from: number | null;
  to: number | null;
  endUser: string | null;
  slugs: FeedbackSlug[];
  status: FeedbackStatus | null;
  hasText: boolean | null;
  value: number | null;
  minValue: number | null;
  maxValue: number | null;
  /** On the linked interaction. */
  model: string | null;
  featureFlag: string | null;
  tags: [string, string][];
  conversationId: string | null;
  interactionId: string | null;
  text: string | null;
  /** The trace it names, or the trace of its interaction. */
  traceId: string | null;
}

export const noInteractionFilter = (): InteractionFilter =>
  ({ from: null, to: null, endUser: null, model: null, featureFlag: null, tags: [], conversationId: null, text: null, traceId: null });

export const noStateFilter = (): FeedbackStateFilter => ({ feedback: null, minRating: null, maxRating: null, hasComment: null });

export const hasStateFilter = (s: FeedbackStateFilter): boolean =>
  s.feedback !== null || s.minRating !== null || s.maxRating !== null || s.hasComment !== null;

/** Whether an interaction whose feedback is summarised by `s` passes the state filter. */
export function matchesState(s: FeedbackSummary, f: FeedbackStateFilter): boolean {
  if (f.feedback === 'none' && totalEvents(s) > 0) return false;
  if (f.feedback === 'any' && totalEvents(s) === 0) return false;
  if (f.feedback !== null && f.feedback !== 'none' && f.feedback !== 'any' && currentSlugCounts(s)[f.feedback] === 0) return false;
  if (f.minRating !== null || f.maxRating !== null) {
    const mean = meanRating(s);
    if (mean === null) return false;
    if (f.minRating !== null && mean < f.minRating) return false;
    if (f.maxRating !== null && mean > f.maxRating) return false;
  }
  if (f.hasComment !== null && (s.comments > 0) !== f.hasComment) return false;
  return true;
}

/** Whether an interaction without any feedback can pass: then every interaction is a candidate. */
export function admitsNoFeedback(f: FeedbackStateFilter): boolean {
  return (f.feedback === null || f.feedback === 'none') && f.minRating === null && f.maxRating === null && f.hasComment !== true;
}

/** The slug an interaction must have received for the filter to pass, if there is one (drives the scan). */
export function requiredSlug(f: FeedbackStateFilter): FeedbackSlug | null {
  if (f.feedback !== null && f.feedback !== 'any' && f.feedback !== 'none') return f.feedback;
  if (f.minRating !== null || f.maxRating !== null) return 'rating';
  return null;
}
