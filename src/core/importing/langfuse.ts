// Langfuse exports -> feedloop (docs/data.md has the table): traces become interactions, scores
// that are an end user's feedback become feedback linked to their trace's interaction by id.
// Reads the blob-storage export (traces/ and scores/ JSONL, snake_case) and the JSON of the public
// API and the UI's export (camelCase). Observations are not read (a trace is one interaction).
import { field, isObject, isoTime, messagesOf, stringField, tagsOf, textOf, userFeedbackOf, type Json } from './mapping.js';
import type { Mapped } from './mapped.js';

/** Metadata keys read into fields of their own, so not repeated as tags. */
const CONSUMED = new Set(['model', 'ls_model_name', 'model_name', 'user_id', 'end_user', 'session_id', 'conversation_id']);

export function mapLangfuse(line: Json): Mapped {
  const traceId = stringField(line, 'trace_id', 'traceId');
  const isScore = field(line, 'data_type', 'dataType') !== undefined || (traceId !== null && 'name' in line && 'value' in line);
  if (isScore) return score(line, traceId);
  if (field(line, 'start_time', 'startTime') !== undefined && (traceId !== null || field(line, 'type') !== undefined)) {
    return { kind: 'skip', reason: 'Langfuse observation: feedloop imports traces (one interaction each) and scores' };
  }
  if (stringField(line, 'id') !== null && field(line, 'timestamp') !== undefined) return trace(line);
  return { kind: 'invalid', errors: [{ pointer: '', detail: 'is not a Langfuse trace (id, timestamp) or score (trace_id, name, value)' }] };
}

function trace(t: Json): Mapped {
  const id = stringField(t, 'id')!;
  const time = isoTime(field(t, 'timestamp'));
  if (time === null) return { kind: 'invalid', errors: [{ pointer: '/timestamp', detail: 'must be a time (ISO 8601, or YYYY-MM-DD HH:MM:SS.ffffff in UTC)' }] };
  const metadata = field(t, 'metadata');
  const meta = isObject(metadata) ? metadata : {};
  const endUser = stringField(t, 'user_id', 'userId') ?? stringField(meta, 'user_id', 'end_user') ?? 'anonymous';
  const input = textOf(field(t, 'input'), 'input') ?? '';
  const messages = messagesOf(field(t, 'input'));
  const tags: Record<string, string> = { ...tagsOf(metadata, CONSUMED) };
  for (const [key, names] of [['trace_name', ['name']], ['release', ['release']], ['version', ['version']], ['environment', ['environment']]] as const) {
    const v = stringField(t, ...names);
    if (v !== null) tags[key] = v;
  }
  const labels = field(t, 'tags');
  return {
    kind: 'interaction', id, endUser,
    body: {
      interaction: {
        id, conversation_id: stringField(t, 'session_id', 'sessionId') ?? undefined, end_user: endUser,
        input, output: textOf(field(t, 'output'), 'output') ?? '',
        messages: messages ?? [{ role: 'user', content: input }],
        time_start: time, time_end: time,
        model: stringField(meta, 'model', 'ls_model_name', 'model_name') ?? undefined,
        tags, feature_flag: Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [],
      },
    },
  };
}

function score(s: Json, traceId: string | null): Mapped {
  const id = stringField(s, 'id');
  if (traceId === null) return { kind: 'skip', reason: 'Langfuse score without a trace (a session or dataset-run score)' };
  const source = stringField(s, 'source');
  if (source?.toUpperCase() === 'EVAL') return { kind: 'skip', reason: 'Langfuse evaluator score (source EVAL): not an end user\'s feedback' };
  const name = stringField(s, 'name') ?? '';
  const dataType = stringField(s, 'data_type', 'dataType')?.toUpperCase() ?? 'NUMERIC';
  const categorical = stringField(s, 'string_value', 'stringValue');
  const comment = stringField(s, 'comment');
  const value = field(s, 'value');
  const feedback = dataType === 'TEXT'
    ? (categorical !== null ? { slug: 'comment' as const, value: null, text: categorical } : null)
    : dataType === 'BOOLEAN' ? userFeedbackOf(name, value === 1 || value === true || value === '1', null, comment, undefined)
      : userFeedbackOf(name, dataType === 'CATEGORICAL' ? null : value, dataType === 'CATEGORICAL' ? categorical : null, comment, undefined);
  if (feedback === null) return { kind: 'skip', reason: `Langfuse score "${name}" (${dataType} ${JSON.stringify(categorical ?? value)}) is not a thumb, a 1-5 rating or a comment` };
  const timestamp = isoTime(field(s, 'timestamp', 'created_at', 'createdAt'));
  if (timestamp === null) return { kind: 'invalid', errors: [{ pointer: '/timestamp', detail: 'must be a time' }] };
  return {
    kind: 'feedback', interactionId: traceId,
    body: {
      feedback: { slug: feedback.slug, text: feedback.text, ...(feedback.value === null ? {} : { value: feedback.value }) },
      metadata: { timestamp, interaction_id: traceId, ...(id === null ? {} : { event_id: `langfuse:${id}` }) },
    },
  };
}
