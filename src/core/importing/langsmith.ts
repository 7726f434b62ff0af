// LangSmith exports -> feedloop (docs/data.md has the table): root runs (traces) become
// interactions; feedback that is an end user's (not an evaluator's) becomes feedback linked to the
// run's trace by id. Child runs are not stored: feedback on one goes to its trace's interaction.
// Reads runs and feedback as the LangSmith API and SDKs return them (run data format, feedback data format).
import { field, isObject, isoTime, messagesOf, stringField, tagsOf, textOf, userFeedbackOf, type Json } from './mapping.js';
import type { Mapped } from './mapped.js';

const CONSUMED = new Set(['user_id', 'end_user', 'user', 'session_id', 'thread_id', 'conversation_id', 'ls_model_name', 'model', 'model_name']);
/** Feedback sources that are not an end user: evaluators and models. */
const NOT_USERS = new Set(['model', 'auto_eval', 'evaluator', 'eval']);

export function mapLangSmith(line: Json): Mapped {
  if (field(line, 'run_id') !== undefined && 'key' in line) return feedback(line);
  if (field(line, 'run_type') !== undefined || field(line, 'start_time') !== undefined) return run(line);
  return { kind: 'invalid', errors: [{ pointer: '', detail: 'is not a LangSmith run (id, run_type, start_time) or feedback (run_id, key)' }] };
}

function run(r: Json): Mapped {
  const id = stringField(r, 'id');
  if (id === null) return { kind: 'invalid', errors: [{ pointer: '/id', detail: 'is required' }] };
  const traceId = stringField(r, 'trace_id') ?? id;
  const parent = stringField(r, 'parent_run_id');
  if (parent !== null || traceId !== id) return { kind: 'child', id, traceId, reason: 'LangSmith child run: only root runs (traces) become interactions' };
  const start = isoTime(field(r, 'start_time'));
  if (start === null) return { kind: 'invalid', errors: [{ pointer: '/start_time', detail: 'must be a time' }] };
  const end = isoTime(field(r, 'end_time')) ?? start;
  const extra = isObject(r['extra']) ? r['extra'] : {};
  const metadata: Json = { ...(isObject(extra['metadata']) ? extra['metadata'] : {}), ...(isObject(r['metadata']) ? r['metadata'] : {}) };
  const params = isObject(extra['invocation_params']) ? extra['invocation_params'] : {};
  const endUser = stringField(metadata, 'user_id', 'end_user', 'user') ?? 'anonymous';
  const input = textOf(field(r, 'inputs'), 'input') ?? '';
  const inputs = field(r, 'inputs');
  const messages = messagesOf(isObject(inputs) ? inputs['messages'] ?? inputs : inputs);
  const labels = field(r, 'tags');
  const name = stringField(r, 'name');
  return {
    kind: 'interaction', id, endUser,
    body: {
      interaction: {
        id, conversation_id: stringField(metadata, 'thread_id', 'session_id', 'conversation_id') ?? undefined, end_user: endUser,
        input, output: textOf(field(r, 'outputs'), 'output') ?? '', messages: messages ?? [{ role: 'user', content: input }],
        time_start: start, time_end: end < start ? start : end,
        model: stringField(metadata, 'ls_model_name', 'model', 'model_name') ?? stringField(params, 'model', 'model_name') ?? undefined,
        tags: { ...tagsOf(metadata, CONSUMED), ...(name === null ? {} : { run_name: name }) },
        feature_flag: Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [],
      },
    },
  };
}

function feedback(f: Json): Mapped {
  const runId = stringField(f, 'run_id');
  if (runId === null) return { kind: 'skip', reason: 'LangSmith feedback without a run (project or session feedback)' };
  const source = isObject(f['feedback_source']) ? stringField(f['feedback_source'], 'type') : null;
  if (source !== null && NOT_USERS.has(source.toLowerCase())) return { kind: 'skip', reason: `LangSmith feedback from an evaluator (feedback_source ${source}): not an end user's` };
  const key = stringField(f, 'key') ?? '';
  const value = field(f, 'value');
  const categorical = typeof value === 'string' ? value : typeof value === 'boolean' ? String(value) : null;
  const mapped = userFeedbackOf(key, field(f, 'score'), categorical, stringField(f, 'comment'), field(f, 'correction'));
  if (mapped === null) return { kind: 'skip', reason: `LangSmith feedback "${key}" (score ${JSON.stringify(field(f, 'score') ?? null)}) is not a thumb, a 1-5 rating, a comment or a correction` };
  const timestamp = isoTime(field(f, 'created_at', 'modified_at'));
  if (timestamp === null) return { kind: 'invalid', errors: [{ pointer: '/created_at', detail: 'must be a time' }] };
  const id = stringField(f, 'id');
  return {
    kind: 'feedback', interactionId: runId,
    body: {
      feedback: { slug: mapped.slug, text: mapped.text, ...(mapped.value === null ? {} : { value: mapped.value }) },
      metadata: { timestamp, interaction_id: runId, ...(id === null ? {} : { event_id: `langsmith:${id}` }) },
    },
  };
}
