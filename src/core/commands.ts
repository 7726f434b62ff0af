// What a client asked for, in one internal shape whatever the endpoint or API version it used.
// Content here is still raw: anonymization and hashing happen when records are built.
import type { FeedbackSlug, Message, Trace } from './model.js';

export interface FeedbackCommand {
  slug: FeedbackSlug;
  text: string | null;
  value: number | null;
  endUser: string;
  timestamp: number;
  input: string | null;
  output: string | null;
  anonymize: boolean;
  eventId: string | null;
  conversationId: string | null;
  interactionRef: string | null;
  /** metadata.trace_id / metadata.span_id, lowercase hex (link rule `trace`). */
  traceRef: string | null;
  spanRef: string | null;
}

export interface FeedbackActionCommand {
  slug: FeedbackSlug;
  text: string | null;
  value: number | null;
}

export interface InteractionCommand {
  /** An id chosen by the client: feedback may name it before the interaction arrives; a retry is idempotent. */
  clientId: string | null;
  conversationId: string | null;
  endUser: string;
  input: string;
  output: string;
  messages: Message[] | null;
  history: [string, string][] | null;
  systemPrompt: string | null;
  model: string | null;
  ragSources: string[] | null;
  tags: Record<string, string>;
  featureFlags: string[];
  traces: Trace[] | null;
  timeStart: number;
  timeEnd: number;
  hideContent: boolean;
  anonymize: boolean;
  feedbackActions: FeedbackActionCommand[];
  source: string;
  /** The OpenTelemetry trace and span it was made from (OTLP ingestion); null elsewhere. */
  traceId: string | null;
  spanId: string | null;
}

export interface TagUpdateCommand {
  tags: Record<string, string>;
  endUser: string;
  timestamp: number;
  input: string | null;
  output: string | null;
}
