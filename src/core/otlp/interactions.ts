// Spans of one export -> interaction commands (docs/otlp.md has the mapping field by field).
// Per trace: every innermost LLM call becomes one interaction; an LLM span around calls (the
// Vercel AI SDK's generateText, a framework span around a provider span) is merged into them;
// tool calls, retrievals and other steps with input/output become traces of the call they fed
// (the first call starting after they ended, else the trace's last). The interaction id is
// derived from trace id + span id, so a re-sent span is a retry of the same interaction; the
// conversation is the session the spans name, else the trace, so a trace's calls share one even
// when they arrive in several exports.
import { createHash } from 'node:crypto';
import type { InteractionCommand } from '../commands.js';
import type { Trace } from '../model.js';
import { asList, booleanOf, indexed, isRecord, lookup, lookupNumber, lookupString, stringOf, type Chain } from './attributes.js';
import { classifySpan, type SpanRole } from './conventions.js';
import { answerText, lastUserMessage, promptMessages } from './messages.js';
import type { AttributeValue, DecodedExport, OtlpSpan } from './spans.js';

/** The end user of interactions whose spans name none. */
export const UNKNOWN_END_USER = 'anonymous';
export const OTLP_SOURCE = 'otlp';

const MODEL = ['gen_ai.response.model', 'gen_ai.request.model', 'ai.response.model', 'ai.model.id', 'llm.model_name'];
const INPUT_TOKENS = ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'ai.usage.inputTokens', 'ai.usage.promptTokens',
  'llm.token_count.prompt', 'llm.usage.prompt_tokens'];
const OUTPUT_TOKENS = ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'ai.usage.outputTokens', 'ai.usage.completionTokens',
  'llm.token_count.completion', 'llm.usage.completion_tokens'];

/** Where instrumentations put user-chosen metadata: feedloop's own attributes are read under each. */
const METADATA_PREFIXES = ['', 'ai.telemetry.metadata.', 'traceloop.association.properties.'];
const feedloop = (name: string) => METADATA_PREFIXES.map((p) => `${p}feedloop.${name}`);

const END_USER = [...feedloop('end_user'), 'user.id', 'enduser.id', 'ai.telemetry.metadata.userId', 'ai.telemetry.metadata.user_id',
  'traceloop.association.properties.user_id', 'traceloop.association.properties.userId', 'langfuse.user.id'];
const CONVERSATION = [...feedloop('conversation_id'), 'gen_ai.conversation.id', 'session.id', 'ai.telemetry.metadata.sessionId',
  'ai.telemetry.metadata.session_id', 'ai.telemetry.metadata.conversationId', 'traceloop.association.properties.session_id',
  'traceloop.association.properties.sessionId', 'langfuse.session.id'];
const TAG_PREFIXES = feedloop('tag.');
const FEATURE_FLAGS = [...feedloop('feature_flags'), ...feedloop('feature_flag')];

const TOOL_NAME = ['gen_ai.tool.name', 'ai.toolCall.name', 'tool.name', 'traceloop.entity.name'];
const STEP_INPUT = ['gen_ai.tool.call.arguments', 'ai.toolCall.args', 'ai.toolCall.input', 'input.value', 'traceloop.entity.input'];
const STEP_OUTPUT = ['gen_ai.tool.call.result', 'ai.toolCall.result', 'ai.toolCall.output', 'output.value', 'traceloop.entity.output'];

export interface OtlpMapping {
  commands: InteractionCommand[];
  /** Spans that could not be used (partial_success.rejected_spans), and why, in words. */
  rejected: number;
  errorMessage: string;
}

interface Node { span: OtlpSpan; role: SpanRole; parent: Node | null; calls: number }

/**
 * A time-ordered, UUID-shaped id (RFC 9562 version 8 layout: the span's start in the first 48
 * bits as in version 7, the rest from SHA-256 of trace and span id): the same span gives the same
 * id on every export, and ids still sort by time in the indexes.
 */
export function interactionIdFor(traceId: string, spanId: string, startMs: number): string {
  const bytes = createHash('sha256').update(`${traceId}:${spanId}`).digest().subarray(0, 16);
  bytes.writeUIntBE(Math.max(0, Math.min(startMs, 2 ** 48 - 1)), 0, 6);
  bytes[6] = 0x80 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const asText = (v: AttributeValue | undefined): string | null =>
  v === undefined || v === null ? null : typeof v === 'string' ? v : stringOf(v) ?? JSON.stringify(v);

function ancestors(node: Node): Node[] {
  const out: Node[] = [];
  for (let n = node.parent; n !== null; n = n.parent) out.push(n);
  return out;
}

function tagsOf(chain: Chain): Record<string, string> {
  const tags: Record<string, string> = {};
  // Outermost first, so the span nearest the call wins.
  for (let k = chain.length - 1; k >= 0; k--) {
    for (const [key, value] of chain[k]!) {
      const prefix = TAG_PREFIXES.find((p) => key.startsWith(p));
      if (prefix === undefined || key.length === prefix.length) continue;
      const text = asText(value);
      if (text !== null) tags[key.slice(prefix.length)] = text;
    }
  }
  return tags;
}

function featureFlagsOf(chain: Chain): string[] {
  const flags = new Set<string>();
  for (const attrs of chain) {
    for (const key of FEATURE_FLAGS) {
      const v = attrs.get(key);
      if (v === undefined || v === null) continue;
      let values: AttributeValue[] = Array.isArray(v) ? v : [v];
      if (typeof v === 'string' && v.trimStart().startsWith('[')) {
        try { values = asList(JSON.parse(v) as AttributeValue); } catch { /* a flag that happens to start with [ */ }
      } else if (typeof v === 'string') {
        values = v.split(',');
      }
      for (const f of values) {
        const flag = stringOf(f)?.trim();
        if (flag) flags.add(flag);
      }
    }
  }
  return [...flags];
}

/** A tool call, retrieval or step as a trace: `{source, input, outputs}`; null when it carries no content. */
function stepTrace(node: Node): Trace | null {
  const chain = [node.span.attributes];
  const source = node.role === 'tool' ? lookupString(chain, TOOL_NAME) ?? node.span.name : node.span.name;
  const input = asText(lookup(chain, STEP_INPUT));
  let outputs: string[] = [];
  if (node.role === 'retrieval') {
    outputs = indexed(node.span.attributes, 'retrieval.documents.')
      .map((d) => (isRecord(d['document']) ? asText(d['document']['content']) : null))
      .filter((t): t is string => t !== null);
  }
  if (outputs.length === 0) {
    const output = asText(lookup(chain, STEP_OUTPUT));
    if (output !== null) outputs = [output];
  }
  if (input === null && outputs.length === 0 && node.role !== 'tool') return null;
  return { kind: 'retrieval', source, input, outputs };
}

function buildCommand(call: Node, assigned: Node[]): InteractionCommand {
  const span = call.span;
  const up = ancestors(call);
  // Content comes from the call itself, then from LLM wrappers around this call alone (a wrapper of
  // several steps holds the last step's answer, not this one's).
  const contentSpans = [span, ...up.filter((n) => (n.role === 'wrapper' || n.role === 'call') && n.calls === 1).map((n) => n.span)];
  const content: Chain = contentSpans.map((s) => s.attributes);
  // Who and where: the call, every ancestor up to the root, then the resource.
  const context: Chain = [span.attributes, ...up.map((n) => n.span.attributes), span.resource];

  let messages = null;
  let output: string | null = null;
  for (const s of contentSpans) {
    messages ??= promptMessages(s);
    output ??= answerText(s);
  }
  const model = lookupString(content, MODEL);
  // The call's own trace carries what the interaction has no field for (model per call, token
  // counts); its prompt and answer are the interaction's input, output and messages, not stored twice.
  const llmTrace: Trace = {
    kind: 'llm', model, messages: null, input: null, output: null, system_prompt: null, history: null,
    input_tokens: lookupNumber(content, INPUT_TOKENS), output_tokens: lookupNumber(content, OUTPUT_TOKENS),
  };
  const steps = assigned
    .map((n) => ({ at: n.span.startMs, trace: stepTrace(n) }))
    .filter((s): s is { at: number; trace: Trace } => s.trace !== null);
  const traces = [{ at: span.startMs, trace: llmTrace }, ...steps].sort((a, b) => a.at - b.at).map((s) => s.trace);

  return {
    clientId: interactionIdFor(span.traceId, span.spanId, span.startMs),
    conversationId: lookupString(context, CONVERSATION) ?? span.traceId,
    endUser: lookupString(context, END_USER) ?? UNKNOWN_END_USER,
    input: lastUserMessage(messages) ?? '',
    output: output ?? '',
    messages,
    history: null,
    systemPrompt: messages?.find((m) => m.role === 'system')?.content ?? null,
    model,
    ragSources: null,
    tags: tagsOf(context),
    featureFlags: featureFlagsOf(context),
    traces,
    timeStart: span.startMs,
    timeEnd: span.endMs,
    hideContent: booleanOf(lookup(context, feedloop('hide_content'))) ?? false,
    anonymize: booleanOf(lookup(context, feedloop('anonymize'))) ?? true,
    feedbackActions: [],
    source: OTLP_SOURCE,
    traceId: span.traceId,
    spanId: span.spanId,
  };
}

const NO_LLM = 'carry no LLM call (OpenTelemetry GenAI, OpenInference, Vercel AI SDK or OpenLLMetry attributes) and belong to no trace with one in this export';
const CALLS_ELSEWHERE = 'are tools or steps of a trace whose LLM calls were not in this export (they become traces of a call exported with them)';

/** Maps the spans of one export to the interactions they describe. */
export function spansToInteractions(decoded: DecodedExport): OtlpMapping {
  const reasons = new Map<string, number>();
  const reject = (reason: string, n = 1) => reasons.set(reason, (reasons.get(reason) ?? 0) + n);
  for (const s of decoded.invalid) reject(`have ${s.reason}`);

  const traces = new Map<string, Map<string, OtlpSpan>>();
  for (const span of decoded.spans) {
    let spans = traces.get(span.traceId);
    if (!spans) traces.set(span.traceId, (spans = new Map()));
    spans.set(span.spanId, span); // a span sent twice in one export counts once
  }

  const commands: InteractionCommand[] = [];
  for (const spans of traces.values()) {
    const nodes = new Map<string, Node>();
    for (const span of spans.values()) nodes.set(span.spanId, { span, role: classifySpan(span).role, parent: null, calls: 0 });
    for (const node of nodes.values()) {
      const parent = node.span.parentSpanId === null ? undefined : nodes.get(node.span.parentSpanId);
      if (parent && parent !== node) node.parent = parent;
    }
    // An LLM call with LLM calls below it is a wrapper; only the innermost calls are interactions.
    for (const node of nodes.values()) {
      if (node.role !== 'call') continue;
      const seen = new Set<Node>([node]);
      for (let n = node.parent; n !== null && !seen.has(n); n = n.parent) { seen.add(n); n.calls++; }
    }
    const all = [...nodes.values()];
    const calls = all.filter((n) => n.role === 'call' && n.calls === 0).sort((a, b) => a.span.startMs - b.span.startMs);
    if (calls.length === 0) {
      const wrappers = all.filter((n) => n.role === 'wrapper' || n.role === 'call').length;
      if (wrappers === 0) reject(NO_LLM, all.length);
      else if (all.length > wrappers) reject(CALLS_ELSEWHERE, all.length - wrappers);
      continue;
    }
    const assigned = new Map<Node, Node[]>(calls.map((c) => [c, []]));
    for (const node of all) {
      if (node.role === 'call' || node.role === 'wrapper' || node.role === 'other') continue;
      const target = calls.find((c) => c.span.startMs >= node.span.endMs) ?? calls[calls.length - 1]!;
      assigned.get(target)!.push(node);
    }
    for (const call of calls) commands.push(buildCommand(call, assigned.get(call)!));
  }

  const rejected = [...reasons.values()].reduce((a, b) => a + b, 0);
  const errorMessage = [...reasons].map(([reason, n]) => `${n} span(s) ${reason}`).join('; ');
  return { commands, rejected, errorMessage };
}
