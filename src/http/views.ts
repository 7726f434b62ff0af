// Records -> the JSON shapes of the read API (API.md, "The project's own API").
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

export function interactionView(i: InteractionRecord, feedback: FeedbackRecord[], now: number, pendingTtlMs: number) {
  return {
    id: i.id, conversation_id: i.conversationId, end_user: i.endUser, input: i.input, output: i.output, messages: i.messages,
    history: i.history, system_prompt: i.systemPrompt, rag_sources: i.ragSources, time_start: formatTimestamp(i.timeStart),
    time_end: formatTimestamp(i.timeEnd), model: i.model, tags: i.tags, feature_flags: i.featureFlags,
    traces: i.traces?.map(traceView) ?? null, hide_content: i.hideContent, pii_removed: i.piiRemoved, pii: i.pii,
    received_at: formatTimestamp(i.receivedAt), source: i.source, trace_id: i.traceId, span_id: i.spanId,
    feedback: feedback.map((f) => feedbackView(f, now, pendingTtlMs)),
  };
}
