// Compat request bodies -> commands. Each `check*` function lists the rule violations that a JSON
// Schema cannot express (run even when the schema already failed, so one response names every bad
// field); each `to*` function assumes a body that passed both and builds the command.
import type { FeedbackActionCommand, FeedbackCommand, InteractionCommand, TagUpdateCommand } from '../commands.js';
import type { FieldError } from '../errors.js';
import { FEEDBACK_SLUGS, type FeedbackSlug, type Message, type Trace } from '../model.js';
import { outsideWindow, parseTimestamp, type TimeWindow } from '../time.js';
import type { FeedbackBody, InteractionBody, TagsBody, TraceConversationBody, WireFeedbackAction, WireInteraction, WireMessage, WireTrace } from './schemas.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const SLUGS: ReadonlySet<string> = new Set(FEEDBACK_SLUGS);

/** Parses a timestamp field; an unparsable one, or one outside `window`, is listed in `errors`. */
function checkTimestamp(value: unknown, pointer: string, errors: FieldError[], window: TimeWindow): number | null {
  if (typeof value !== 'string') return null;
  const time = parseTimestamp(value);
  if (time === null) {
    errors.push({ pointer, detail: 'must be an ISO 8601 date-time, e.g. 2023-12-07T15:00:00.000Z' });
    return null;
  }
  const outside = outsideWindow(time, window);
  if (outside !== null) errors.push({ pointer, detail: outside });
  return time;
}

function checkAction(action: unknown, pointer: string, errors: FieldError[]): void {
  if (!isObject(action)) return;
  const slug = action['slug'];
  if (typeof slug === 'string' && !SLUGS.has(slug)) {
    errors.push({ pointer: `${pointer}/slug`, detail: `must be one of ${FEEDBACK_SLUGS.join(', ')}` });
  }
  const value = action['value'];
  if (slug === 'rating' && !(typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5)) {
    errors.push({ pointer: `${pointer}/value`, detail: 'must be an integer from 1 to 5 when slug is rating' });
  }
}

export function checkFeedbackBody(body: unknown, window: TimeWindow): FieldError[] {
  const errors: FieldError[] = [];
  if (!isObject(body)) return errors;
  const hasFeedback = body['feedback'] !== undefined && body['feedback'] !== null;
  const hasAction = body['action'] !== undefined && body['action'] !== null;
  if (hasFeedback && hasAction) errors.push({ pointer: '/action', detail: 'send the feedback under either `feedback` or `action`, not both' });
  if (!hasFeedback && !hasAction) errors.push({ pointer: '/feedback', detail: 'is required (the older envelope key `action` is accepted too)' });
  if (hasFeedback) checkAction(body['feedback'], '/feedback', errors);
  else if (hasAction) checkAction(body['action'], '/action', errors);
  const metadata = body['metadata'];
  if (isObject(metadata)) {
    checkTimestamp(metadata['timestamp'], '/metadata/timestamp', errors, window);
    checkTraceReference(metadata, errors);
  }
  return errors;
}

/** OpenTelemetry ids as W3C Trace Context writes them: fixed-length hex, never all zeros (the invalid id). */
export const TRACE_ID = /^(?!0{32})[0-9a-fA-F]{32}$/;
export const SPAN_ID = /^(?!0{16})[0-9a-fA-F]{16}$/;

function checkTraceReference(metadata: Json, errors: FieldError[]): void {
  const traceId = metadata['trace_id'];
  const spanId = metadata['span_id'];
  if (typeof traceId === 'string' && !TRACE_ID.test(traceId)) {
    errors.push({ pointer: '/metadata/trace_id', detail: 'must be an OpenTelemetry trace id: 32 hex digits, not all zeros' });
  }
  if (typeof spanId === 'string' && !SPAN_ID.test(spanId)) {
    errors.push({ pointer: '/metadata/span_id', detail: 'must be an OpenTelemetry span id: 16 hex digits, not all zeros' });
  }
  // A span id is unique only within its trace.
  if (typeof spanId === 'string' && (traceId === undefined || traceId === null)) {
    errors.push({ pointer: '/metadata/trace_id', detail: 'is required with span_id' });
  }
}

export interface InteractionRules { inputRequired: boolean; window: TimeWindow }

function checkInteraction(i: unknown, pointer: string, errors: FieldError[], options: InteractionRules): void {
  if (!isObject(i)) return;
  const start = checkTimestamp(i['time_start'], `${pointer}/time_start`, errors, options.window);
  const end = checkTimestamp(i['time_end'], `${pointer}/time_end`, errors, options.window);
  if (start !== null && end !== null && end < start) {
    errors.push({ pointer: `${pointer}/time_end`, detail: 'must not be before time_start' });
  }
  if (!options.inputRequired && typeof i['input'] !== 'string' && Array.isArray(i['messages']) && lastUserMessage(i['messages'] as WireMessage[]) === null) {
    errors.push({ pointer: `${pointer}/input`, detail: 'is required when messages hold no user message' });
  }
  if (!options.inputRequired && typeof i['input'] !== 'string' && i['messages'] === undefined) {
    errors.push({ pointer: `${pointer}/messages`, detail: 'is required (or give input)' });
  }
  const history = i['history'];
  if (Array.isArray(history)) {
    history.forEach((pair, k) => {
      if (Array.isArray(pair) && pair.length !== 2) errors.push({ pointer: `${pointer}/history/${k}`, detail: 'must be a [user, assistant] pair' });
    });
  }
  const actions = i['feedback_actions'];
  if (Array.isArray(actions)) actions.forEach((a, k) => checkAction(a, `${pointer}/feedback_actions/${k}`, errors));
}

export function checkInteractionBody(body: unknown, options: InteractionRules): FieldError[] {
  const errors: FieldError[] = [];
  if (!isObject(body)) return errors;
  checkInteraction(body['interaction'], '/interaction', errors, options);
  for (const key of ['feedback_actions', 'user_feedback']) {
    const actions = body[key];
    if (Array.isArray(actions)) actions.forEach((a, k) => checkAction(a, `/${key}/${k}`, errors));
  }
  return errors;
}

export function checkTraceConversationBody(body: unknown, window: TimeWindow): FieldError[] {
  const errors: FieldError[] = [];
  const conversation = isObject(body) ? body['conversation'] : undefined;
  if (!isObject(conversation) || !Array.isArray(conversation['interactions'])) return errors;
  conversation['interactions'].forEach((i, k) => checkInteraction(i, `/conversation/interactions/${k}`, errors, { inputRequired: false, window }));
  return errors;
}

export function checkTagsBody(body: unknown, window: TimeWindow): FieldError[] {
  const errors: FieldError[] = [];
  if (isObject(body) && isObject(body['metadata'])) checkTimestamp(body['metadata']['timestamp'], '/metadata/timestamp', errors, window);
  return errors;
}

// ---- building commands from valid bodies ----

const orNull = <T>(v: T | null | undefined): T | null => (v === undefined ? null : v);
const nonEmptyOrNull = (v: string | null | undefined): string | null => (v === undefined || v === null || v === '' ? null : v);

function toAction(a: WireFeedbackAction): FeedbackActionCommand {
  const slug = a.slug as FeedbackSlug;
  return { slug, text: orNull(a.text), value: slug === 'rating' ? (a.value as number) : null };
}

export function toFeedbackCommand(body: FeedbackBody): FeedbackCommand {
  const action = toAction((body.feedback ?? body.action)!);
  const m = body.metadata;
  // Fields listed one by one: an object spread here costs more than the rest of the function.
  return {
    slug: action.slug,
    text: action.text,
    value: action.value,
    endUser: m.end_user,
    timestamp: parseTimestamp(m.timestamp)!,
    input: nonEmptyOrNull(m.input),
    output: nonEmptyOrNull(m.output),
    anonymize: m.anonymize === true,
    eventId: nonEmptyOrNull(m.event_id),
    conversationId: nonEmptyOrNull(m.conversation_id),
    interactionRef: nonEmptyOrNull(m.interaction_id),
    traceRef: m.trace_id ? m.trace_id.toLowerCase() : null,
    spanRef: m.trace_id && m.span_id ? m.span_id.toLowerCase() : null,
  };
}

/** OpenAI-style content parts are stored as their text, joined. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part === 'string' ? part : typeof part?.text === 'string' ? part.text : '')).filter(Boolean).join('\n');
  }
  return JSON.stringify(content);
}

function toMessages(messages: { role?: string | null; content?: unknown }[] | null | undefined): Message[] | null {
  return messages ? messages.map((m) => ({ role: m.role ?? 'user', content: contentText(m.content) })) : null;
}

function lastUserMessage(messages: WireMessage[]): string | null {
  for (let k = messages.length - 1; k >= 0; k--) {
    const m = messages[k];
    if (m && m.role === 'user') return contentText(m.content);
  }
  return null;
}

function toHistory(history: (string | null)[][] | undefined): [string, string][] | null {
  return history ? history.map((pair) => [pair[0] ?? '', pair[1] ?? ''] as [string, string]) : null;
}

export function toTrace(t: WireTrace): Trace {
  if (Array.isArray(t.outputs) || (typeof t.source === 'string' && t.model == null)) {
    return { kind: 'retrieval', source: orNull(t.source), input: orNull(t.input), outputs: t.outputs ?? [] };
  }
  return {
    kind: 'llm',
    model: orNull(t.model),
    messages: toMessages(t.messages),
    input: orNull(t.input),
    output: orNull(t.output),
    system_prompt: nonEmptyOrNull(t.system_prompt),
    history: Array.isArray(t.history) ? toHistory(t.history.filter(Array.isArray) as (string | null)[][]) : null,
    input_tokens: orNull(t.input_tokens),
    output_tokens: orNull(t.output_tokens),
  };
}

function toInteraction(i: Omit<WireInteraction, 'end_user'>, extra: {
  endUser: string; source: string; anonymize: boolean; traces: WireTrace[] | undefined; actions: WireFeedbackAction[] | undefined; conversationId?: string | null;
}): InteractionCommand {
  const traces = extra.traces?.map(toTrace) ?? null;
  // The model of an interaction is the one that produced the answer: the last LLM call with an output
  // (embedding calls are LLM-like traces too, without one).
  const llmCalls = traces?.filter((t) => t.kind === 'llm') ?? [];
  const llmTrace = llmCalls.filter((t) => t.output !== null && t.output !== '').at(-1) ?? llmCalls[0];
  return {
    clientId: nonEmptyOrNull(i.id),
    conversationId: extra.conversationId ?? nonEmptyOrNull(i.conversation_id),
    endUser: extra.endUser,
    input: typeof i.input === 'string' ? i.input : lastUserMessage(i.messages ?? []) ?? '',
    output: i.output,
    messages: toMessages(i.messages),
    history: toHistory(i.history),
    systemPrompt: nonEmptyOrNull(i.system_prompt) ?? (llmTrace?.kind === 'llm' ? llmTrace.system_prompt : null),
    model: nonEmptyOrNull(i.model) ?? (llmTrace?.kind === 'llm' ? llmTrace.model : null),
    ragSources: i.rag_sources ?? null,
    tags: i.tags ?? {},
    featureFlags: [...new Set([...(i.feature_flag ?? []), ...(i.feature_flags ?? [])])],
    traces,
    timeStart: parseTimestamp(i.time_start)!,
    timeEnd: parseTimestamp(i.time_end)!,
    hideContent: i.hide_content === true,
    anonymize: extra.anonymize,
    feedbackActions: [...(i.feedback_actions ?? []), ...(extra.actions ?? [])].map(toAction),
    source: extra.source,
    traceId: null,
    spanId: null,
  };
}

/** The interaction endpoints default to anonymize: true. */
const anonymizeDefault = (v: boolean | null | undefined): boolean => v !== false;

export function toInteractionCommand(body: InteractionBody, source: string): InteractionCommand {
  return toInteraction(body.interaction, {
    endUser: body.interaction.end_user, source, anonymize: anonymizeDefault(body.anonymize),
    traces: body.traces, actions: [...(body.feedback_actions ?? []), ...(body.user_feedback ?? [])],
  });
}

/** A finished conversation: every interaction shares one conversation id (given or generated by the caller). */
export function toConversationCommands(body: TraceConversationBody, conversationId: string): InteractionCommand[] {
  const c = body.conversation;
  return c.interactions.map((i) => toInteraction(i, {
    endUser: i.end_user ?? c.end_user, source: 'v2/trace_conversation', anonymize: anonymizeDefault(body.anonymize),
    traces: i.trace ?? i.traces, actions: undefined, conversationId,
  }));
}

export function toTagUpdateCommand(body: TagsBody): TagUpdateCommand {
  const m = body.metadata;
  return { tags: body.tags, endUser: m.end_user, timestamp: parseTimestamp(m.timestamp)!, input: nonEmptyOrNull(m.input), output: nonEmptyOrNull(m.output) };
}

