// Lines of feedloop's own exports (interactions.jsonl, feedback.jsonl, conversations.jsonl) as an
// import reads them back: their JSON Schemas (structure), the rules across fields, and the records
// they stand for, stored as they were (ids, links, times: the import's round trip, docs/data.md).
// Tolerant readers: fields an export adds for people (feedback_summary, the feedback line's
// `interaction`) are accepted and ignored.
import { Type, type Static } from 'typebox';
import type { FieldError } from '../errors.js';
import { FEEDBACK_SLUGS, type FeedbackRecord, type FeedbackSlug, type InteractionRecord, type LinkFlag, type LinkRule, type Trace } from '../model.js';
import { parseTimestamp } from '../time.js';

const Nullable = <T>(type: string | string[]) => Type.Optional(Type.Unsafe<T | null>({ type: [...([] as string[]).concat(type), 'null'] }));
const Opt = Type.Optional;
const Counts = Type.Record(Type.String(), Type.Number());

const feedbackFields = {
  id: Type.String({ minLength: 1 }),
  slug: Type.String(),
  text: Nullable<string>('string'),
  value: Nullable<number>('number'),
  end_user: Type.String({ minLength: 1 }),
  timestamp: Type.String(),
  status: Opt(Type.String()),
  link: Nullable<string>('string'),
  interaction_id: Nullable<string>('string'),
  interaction_ref: Nullable<string>('string'),
  event_id: Nullable<string>('string'),
  conversation_id: Nullable<string>('string'),
  flags: Opt(Type.Array(Type.String())),
  pii_removed: Opt(Type.Boolean()),
  pii: Opt(Counts),
  received_at: Opt(Type.String()),
  trace_id: Nullable<string>('string'),
  span_id: Nullable<string>('string'),
};
export const FeedbackLineSchema = Type.Object(feedbackFields);
export type FeedbackLine = Static<typeof FeedbackLineSchema>;

const interactionFields = {
  id: Type.String({ minLength: 1 }),
  conversation_id: Type.String({ minLength: 1 }),
  conversation_auto: Opt(Type.Boolean()),
  end_user: Type.String({ minLength: 1 }),
  input: Nullable<string>('string'),
  output: Nullable<string>('string'),
  messages: Nullable<{ role: string; content: string }[]>('array'),
  history: Nullable<[string, string][]>('array'),
  system_prompt: Nullable<string>('string'),
  rag_sources: Nullable<string[]>('array'),
  model: Nullable<string>('string'),
  tags: Opt(Type.Record(Type.String(), Type.String())),
  feature_flags: Opt(Type.Array(Type.String())),
  traces: Nullable<Record<string, unknown>[]>('array'),
  time_start: Type.String(),
  time_end: Type.String(),
  hide_content: Opt(Type.Boolean()),
  pii_removed: Opt(Type.Boolean()),
  pii: Opt(Counts),
  received_at: Opt(Type.String()),
  source: Opt(Type.String()),
  trace_id: Nullable<string>('string'),
  span_id: Nullable<string>('string'),
  feedback: Opt(Type.Array(FeedbackLineSchema)),
};
export const InteractionLineSchema = Type.Object(interactionFields);
export type InteractionLine = Static<typeof InteractionLineSchema>;

export const ConversationLineSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  interactions: Type.Array(InteractionLineSchema),
});
export type ConversationLine = Static<typeof ConversationLineSchema>;

export type OwnLineKind = 'interaction' | 'feedback' | 'conversation';

type Json = Record<string, unknown>;

/** Which export a line without `type` comes from, by its shape; null when it is none of them. */
export function ownLineKind(line: Json): OwnLineKind | null {
  if (Array.isArray(line['interactions'])) return 'conversation';
  if ('slug' in line && 'timestamp' in line) return 'feedback';
  if ('time_end' in line && 'end_user' in line) return 'interaction';
  return null;
}

const SLUGS: ReadonlySet<string> = new Set(FEEDBACK_SLUGS);
const STATUSES = new Set(['linked', 'pending', 'orphaned']);
const LINKS = new Set(['exact', 'input', 'output', 'copied_text', 'time', 'id', 'trace']);

function time(value: unknown, pointer: string, errors: FieldError[]): void {
  if (typeof value === 'string' && parseTimestamp(value) === null) errors.push({ pointer, detail: 'must be an ISO 8601 date-time' });
}

function checkFeedbackLine(f: unknown, pointer: string, errors: FieldError[]): void {
  if (typeof f !== 'object' || f === null) return;
  const line = f as Json;
  if (typeof line['slug'] === 'string' && !SLUGS.has(line['slug'])) errors.push({ pointer: `${pointer}/slug`, detail: `must be one of ${FEEDBACK_SLUGS.join(', ')}` });
  const value = line['value'];
  if (line['slug'] === 'rating' && !(typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5)) {
    errors.push({ pointer: `${pointer}/value`, detail: 'must be an integer from 1 to 5 when slug is rating' });
  }
  if (typeof line['status'] === 'string' && !STATUSES.has(line['status'])) errors.push({ pointer: `${pointer}/status`, detail: 'must be linked, pending or orphaned' });
  if (typeof line['link'] === 'string' && !LINKS.has(line['link'])) errors.push({ pointer: `${pointer}/link`, detail: `must be one of ${[...LINKS].join(', ')}` });
  time(line['timestamp'], `${pointer}/timestamp`, errors);
  time(line['received_at'], `${pointer}/received_at`, errors);
}

function checkInteractionLine(i: unknown, pointer: string, errors: FieldError[]): void {
  if (typeof i !== 'object' || i === null) return;
  const line = i as Json;
  time(line['time_start'], `${pointer}/time_start`, errors);
  time(line['time_end'], `${pointer}/time_end`, errors);
  time(line['received_at'], `${pointer}/received_at`, errors);
  const start = typeof line['time_start'] === 'string' ? parseTimestamp(line['time_start']) : null;
  const end = typeof line['time_end'] === 'string' ? parseTimestamp(line['time_end']) : null;
  if (start !== null && end !== null && end < start) errors.push({ pointer: `${pointer}/time_end`, detail: 'must not be before time_start' });
  if (Array.isArray(line['feedback'])) line['feedback'].forEach((f, k) => checkFeedbackLine(f, `${pointer}/feedback/${k}`, errors));
}

/** The rules of a line that its schema cannot express (pointers from the line's root). */
export function checkOwnLine(kind: OwnLineKind, line: unknown): FieldError[] {
  const errors: FieldError[] = [];
  if (kind === 'feedback') checkFeedbackLine(line, '', errors);
  else if (kind === 'interaction') checkInteractionLine(line, '', errors);
  else {
    const interactions = (line as Json | null)?.['interactions'];
    if (Array.isArray(interactions)) interactions.forEach((i, k) => checkInteractionLine(i, `/interactions/${k}`, errors));
  }
  return errors;
}

// ---- records from valid lines ----

const orNull = <T>(v: T | null | undefined): T | null => (v === undefined ? null : v);

export function feedbackFromLine(projectId: string, f: FeedbackLine, now: number): FeedbackRecord {
  const interactionId = orNull(f.interaction_id);
  const linked = f.status === 'linked' || (f.status === undefined && interactionId !== null);
  return {
    id: f.id, projectId, eventId: orNull(f.event_id), slug: f.slug as FeedbackSlug, text: orNull(f.text),
    value: f.slug === 'rating' ? orNull(f.value) : null, endUser: f.end_user, timestamp: parseTimestamp(f.timestamp)!,
    status: linked && interactionId !== null ? 'linked' : f.status === 'orphaned' ? 'orphaned' : 'pending',
    link: linked && interactionId !== null ? (orNull(f.link) as LinkRule | null) ?? 'id' : null,
    interactionId: linked ? interactionId : null, linkedTimeEnd: null,
    interactionRef: orNull(f.interaction_ref) ?? (linked ? null : interactionId),
    inputHash: null, outputHash: null, conversationId: orNull(f.conversation_id), flags: (f.flags ?? []) as LinkFlag[],
    piiRemoved: f.pii_removed === true, pii: f.pii ?? {}, receivedAt: f.received_at ? parseTimestamp(f.received_at)! : now,
    traceRef: f.trace_id ? f.trace_id.toLowerCase() : null, spanRef: f.trace_id && f.span_id ? f.span_id.toLowerCase() : null,
  };
}

function traceFromView(t: Record<string, unknown>): Trace {
  const { type, ...rest } = t;
  return { ...(rest as object), kind: type === 'retrieval' ? 'retrieval' : 'llm' } as Trace;
}

export function interactionFromLine(projectId: string, i: InteractionLine, now: number): { record: InteractionRecord; feedback: FeedbackRecord[] } {
  const hide = i.hide_content === true;
  const record: InteractionRecord = {
    id: i.id, projectId, conversationId: i.conversation_id, conversationAuto: i.conversation_auto === true, endUser: i.end_user,
    input: hide ? null : orNull(i.input), output: hide ? null : orNull(i.output), inputHash: null, outputHash: null,
    messages: orNull(i.messages), history: orNull(i.history), systemPrompt: orNull(i.system_prompt), model: orNull(i.model),
    ragSources: orNull(i.rag_sources), tags: i.tags ?? {}, featureFlags: i.feature_flags ?? [], traces: i.traces ? i.traces.map(traceFromView) : null,
    timeStart: parseTimestamp(i.time_start)!, timeEnd: parseTimestamp(i.time_end)!, hideContent: hide, piiRemoved: i.pii_removed === true,
    pii: i.pii ?? {}, receivedAt: i.received_at ? parseTimestamp(i.received_at)! : now, source: i.source ?? 'import',
    traceId: i.trace_id ? i.trace_id.toLowerCase() : null, spanId: i.span_id ? i.span_id.toLowerCase() : null,
  };
  // The feedback listed with an interaction is linked to it.
  const feedback = (i.feedback ?? []).map((f) => ({ ...feedbackFromLine(projectId, { ...f, interaction_id: i.id, status: 'linked' }, now) }));
  return { record, feedback };
}
