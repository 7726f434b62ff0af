// The domain model: what feedloop stores, independent of wire format and database.
// Times are milliseconds since the epoch; every record belongs to exactly one project.

export const FEEDBACK_SLUGS = [
  'thumbs_up', 'thumbs_down', 'copy_input', 'copy_output', 'paste', 'rating', 'comment', 'regenerate', 'edit',
] as const;
export type FeedbackSlug = (typeof FEEDBACK_SLUGS)[number];

/** linked: tied to an interaction; pending: waiting for it; orphaned: waited longer than the TTL. */
export type FeedbackStatus = 'linked' | 'pending' | 'orphaned';
/** The rule that made the link (see API.md "How feedback finds its interaction"). */
export type LinkRule = 'exact' | 'input' | 'output' | 'copied_text' | 'time' | 'id' | 'trace';
export type LinkFlag = 'timestamp_before_interaction_end' | 'clock_skew';
export type PiiCounts = Partial<Record<string, number>>;

export interface Message { role: string; content: string }

export type Trace =
  | { kind: 'llm'; model: string | null; messages: Message[] | null; input: string | null; output: string | null;
      system_prompt: string | null; history: [string, string][] | null; input_tokens: number | null; output_tokens: number | null }
  | { kind: 'retrieval'; source: string | null; input: string | null; outputs: string[] };

export interface InteractionRecord {
  id: string;
  projectId: string;
  conversationId: string;
  /** True when feedloop grouped it by inactivity gap rather than the client naming the conversation. */
  conversationAuto: boolean;
  endUser: string;
  input: string | null;
  output: string | null;
  inputHash: string | null;
  outputHash: string | null;
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
  piiRemoved: boolean;
  pii: PiiCounts;
  receivedAt: number;
  /** Which endpoint it came through, e.g. `v2/interactions`. */
  source: string;
  /** The OpenTelemetry trace (32 hex) and LLM-call span (16 hex) it was made from; null when not from OTLP. */
  traceId: string | null;
  spanId: string | null;
}

export interface FeedbackRecord {
  id: string;
  projectId: string;
  eventId: string | null;
  slug: FeedbackSlug;
  text: string | null;
  value: number | null;
  endUser: string;
  timestamp: number;
  status: FeedbackStatus;
  link: LinkRule | null;
  interactionId: string | null;
  /** time_end of the linked interaction, kept so provisional (time) links can be revisited by index. */
  linkedTimeEnd: number | null;
  /** The interaction id the client named, kept while pending. */
  interactionRef: string | null;
  inputHash: string | null;
  outputHash: string | null;
  conversationId: string | null;
  flags: LinkFlag[];
  piiRemoved: boolean;
  pii: PiiCounts;
  receivedAt: number;
  /** The OpenTelemetry trace / span the client named (lowercase hex), kept so pending feedback links when the spans arrive. */
  traceRef: string | null;
  spanRef: string | null;
}

export interface TagUpdateRecord {
  id: string;
  projectId: string;
  endUser: string;
  /** The time_start of the interaction the tags are for. */
  timestamp: number;
  inputHash: string | null;
  outputHash: string | null;
  tags: Record<string, string>;
  status: FeedbackStatus;
  interactionId: string | null;
  receivedAt: number;
}

/** The few fields of an interaction that linking looks at. */
export interface InteractionSummary {
  id: string;
  timeStart: number;
  timeEnd: number;
  conversationId: string;
}

/** A summary with the stored texts, for the copied-text search (the only reader of them). */
export interface InteractionSummaryWithText extends InteractionSummary {
  input: string | null;
  output: string | null;
}
