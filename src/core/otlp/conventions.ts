// What a span is, per the conventions LLM instrumentations follow: an LLM call (becomes an
// interaction), a wrapper around LLM calls (merged into them), a tool call or a retrieval (becomes
// a trace of an interaction), another step with input/output (agent, chain, workflow: a trace
// too), or something else (HTTP, database: context only).
//
// Conventions, in the order they are tried (a span is read by the first that recognises it):
// - Vercel AI SDK: `ai.operationId` (or the span name) `ai.generateText` / `ai.streamText` /
//   `ai.generateObject` / `ai.streamObject` wrap one `.doGenerate` / `.doStream` call per step.
// - OpenInference: `openinference.span.kind` LLM, TOOL, RETRIEVER, CHAIN, AGENT, ...
// - OpenTelemetry GenAI: `gen_ai.operation.name` chat, text_completion, generate_content,
//   execute_tool, invoke_agent, ...
// - OpenLLMetry (Traceloop): `llm.request.type` chat / completion; `traceloop.span.kind`
//   workflow, task, agent, tool.
// - Older GenAI spans without an operation name: `gen_ai.system` or `gen_ai.provider.name` with
//   a request model and prompt or completion attributes.
import type { OtlpSpan } from './spans.js';

export type SpanRole = 'call' | 'wrapper' | 'tool' | 'retrieval' | 'step' | 'other';
export type Convention = 'vercel-ai' | 'openinference' | 'gen-ai' | 'openllmetry' | 'none';

export interface SpanClass { role: SpanRole; convention: Convention }

const VERCEL_CALLS = new Set(['ai.generateText.doGenerate', 'ai.streamText.doStream', 'ai.generateObject.doGenerate', 'ai.streamObject.doStream']);
const VERCEL_WRAPPERS = new Set(['ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject']);
const GEN_AI_CALLS = new Set(['chat', 'text_completion', 'generate_content', 'completion']);

const OPENINFERENCE: Record<string, SpanRole> = {
  LLM: 'call', TOOL: 'tool', RETRIEVER: 'retrieval', RERANKER: 'retrieval', CHAIN: 'step', AGENT: 'step', GUARDRAIL: 'step', EVALUATOR: 'step',
};
const GEN_AI_OTHER: Record<string, SpanRole> = {
  execute_tool: 'tool', invoke_agent: 'step', create_agent: 'step', retrieval: 'retrieval', retrieve: 'retrieval',
};
const TRACELOOP: Record<string, SpanRole> = { tool: 'tool', workflow: 'step', task: 'step', agent: 'step', llm: 'call' };

const str = (span: OtlpSpan, key: string): string | null => {
  const v = span.attributes.get(key);
  return typeof v === 'string' ? v : null;
};

export function classifySpan(span: OtlpSpan): SpanClass {
  const operationId = str(span, 'ai.operationId') ?? (span.name.startsWith('ai.') ? span.name : null);
  if (operationId !== null) {
    if (VERCEL_CALLS.has(operationId)) return { role: 'call', convention: 'vercel-ai' };
    if (VERCEL_WRAPPERS.has(operationId)) return { role: 'wrapper', convention: 'vercel-ai' };
    if (operationId === 'ai.toolCall') return { role: 'tool', convention: 'vercel-ai' };
    if (str(span, 'ai.operationId') !== null) return { role: 'other', convention: 'vercel-ai' };
  }

  const openInference = str(span, 'openinference.span.kind');
  if (openInference !== null) return { role: OPENINFERENCE[openInference.toUpperCase()] ?? 'other', convention: 'openinference' };

  const operation = str(span, 'gen_ai.operation.name');
  if (operation !== null) {
    if (GEN_AI_CALLS.has(operation)) return { role: 'call', convention: 'gen-ai' };
    return { role: GEN_AI_OTHER[operation] ?? 'other', convention: 'gen-ai' };
  }

  const requestType = str(span, 'llm.request.type');
  if (requestType === 'chat' || requestType === 'completion') return { role: 'call', convention: 'openllmetry' };
  const traceloopKind = str(span, 'traceloop.span.kind');
  if (traceloopKind !== null) return { role: TRACELOOP[traceloopKind] ?? 'other', convention: 'openllmetry' };
  if (requestType !== null) return { role: 'other', convention: 'openllmetry' };

  const system = str(span, 'gen_ai.system') ?? str(span, 'gen_ai.provider.name');
  const model = str(span, 'gen_ai.request.model') ?? str(span, 'gen_ai.response.model');
  if (system !== null && model !== null) {
    for (const key of span.attributes.keys()) {
      if (key.startsWith('gen_ai.prompt') || key.startsWith('gen_ai.completion') || key === 'gen_ai.input.messages' || key === 'gen_ai.output.messages') {
        return { role: 'call', convention: 'gen-ai' };
      }
    }
  }
  return { role: 'other', convention: 'none' };
}

/** Roles that make a trace worth storing: an LLM call, or a wrapper whose calls came (or come) in another export. */
export const isLlmRole = (role: SpanRole): boolean => role === 'call' || role === 'wrapper';
