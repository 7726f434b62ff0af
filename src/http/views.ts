// Records -> the JSON shapes of the read API (API.md, "The project's own API").
import type { InteractionWithFeedback } from '../app/listing.js';
import { currentSlugCounts, meanRating, thumbsState, totalEvents, type FeedbackSummary } from '../core/feedback-summary.js';
import type { FeedbackRecord, FeedbackStatus, InteractionRecord, Trace } from '../core/model.js';
import { formatTimestamp } from '../core/time.js';

/** Pending feedback past the TTL reads as orphaned even before the periodic sweep has marked it. */
export function effectiveStatus(f: FeedbackRecord, now: number, pendingTtlMs: number): FeedbackStatus {
  return f.status === 'pending' && f.receivedAt < now - pendingTtlMs ? 'orphaned' : f.status;
}

export function feedbackView(f: FeedbackRecord, now: number, pendingTtlMs: number) {
  return {
    id: f.id, slug: f.slug, text: f.text, value: f.value, end_user: f.endUser, timestamp: formatTimestamp(f.timestamp),
    status: effectiveStatus(f, now, pendingTtlMs), link: f.link, interaction_id: f.interactionId, event_id: f.eventId,
    conversation_id: f.conversationId, flags: f.flags, pii_removed: f.piiRemoved, pii: f.pii, received_at: formatTimestamp(f.receivedAt),
    trace_id: f.traceRef, span_id: f.spanRef,
  };
}

function traceView(t: Trace) {
  const { kind, ...rest } = t;
  return { type: kind, ...rest };
}

/** The fields of an interaction that lists show too. */
function interactionFields(i: InteractionRecord) {
  return {
    id: i.id, conversation_id: i.conversationId, end_user: i.endUser, input: i.input, output: i.output,
    time_start: formatTimestamp(i.timeStart), time_end: formatTimestamp(i.timeEnd), model: i.model, tags: i.tags, feature_flags: i.featureFlags,
    hide_content: i.hideContent, pii_removed: i.piiRemoved, pii: i.pii, received_at: formatTimestamp(i.receivedAt), source: i.source,
    trace_id: i.traceId, span_id: i.spanId,
  };
}

export function interactionView(i: InteractionRecord, feedback: FeedbackRecord[], now: number, pendingTtlMs: number) {
  return {
    ...interactionFields(i),
    messages: i.messages, history: i.history, system_prompt: i.systemPrompt, rag_sources: i.ragSources, traces: i.traces?.map(traceView) ?? null,
    feedback: feedback.map((f) => feedbackView(f, now, pendingTtlMs)),
  };
}

export function feedbackSummaryView(s: FeedbackSummary) {
  return { total: totalEvents(s), counts: currentSlugCounts(s), thumbs: thumbsState(s), rating: meanRating(s), comments: s.comments };
}

/** Feedback shown with an interaction in a list; the summary counts them all. */
const LISTED_FEEDBACK = 50;

/** An interaction in a list: its own fields without the bulky ones (messages, history, traces), with its feedback. */
export function interactionListView(item: InteractionWithFeedback, now: number, pendingTtlMs: number) {
  return {
    ...interactionFields(item.interaction),
    feedback_summary: feedbackSummaryView(item.summary),
    feedback: item.feedback.slice(0, LISTED_FEEDBACK).map((f) => feedbackView(f, now, pendingTtlMs)),
  };
}

/** An interaction with everything stored about it, its feedback and their current state. */
export function interactionWithFeedbackView(item: InteractionWithFeedback, now: number, pendingTtlMs: number) {
  return { ...interactionView(item.interaction, item.feedback, now, pendingTtlMs), feedback_summary: feedbackSummaryView(item.summary) };
}
