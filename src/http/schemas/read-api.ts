// JSON Schemas (TypeBox) of the read API's responses and query strings: they document the routes in
// /openapi.json and drive serialization. Objects allow additional properties so that a field added
// to a view is never silently dropped by a schema that was not updated with it.
import { Type, type TSchema } from 'typebox';
import { FEEDBACK_SLUGS } from '../../core/model.js';

const open = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
const Nullable = (type: 'string' | 'number' | 'integer' | 'boolean', description?: string) =>
  Type.Unsafe<unknown>({ type: [type, 'null'], ...(description ? { description } : {}) });
const Time = (description: string) => Type.String({ format: 'date-time', description });
const Counts = Type.Record(Type.String(), Type.Integer());

export const FeedbackView = open({
  id: Type.String(),
  slug: Type.String({ enum: [...FEEDBACK_SLUGS] }),
  text: Nullable('string', 'as stored: anonymized when PII removal was asked for'),
  value: Nullable('number', 'the rating, 1-5'),
  end_user: Type.String(),
  timestamp: Time('when the user acted'),
  status: Type.String({ enum: ['linked', 'pending', 'orphaned'] }),
  link: Nullable('string', 'the rule that made the link: exact, input, output, copied_text, time, id, trace'),
  interaction_id: Nullable('string'),
  event_id: Nullable('string'),
  conversation_id: Nullable('string'),
  flags: Type.Array(Type.String()),
  pii_removed: Type.Boolean(),
  pii: Counts,
  received_at: Time('when feedloop stored it'),
}, 'One feedback event, as stored');

export const FeedbackSummaryView = open({
  total: Type.Integer({ description: 'feedback events linked to the interaction (the whole history)' }),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'current state per slug: thumbs and ratings one per end user, other slugs every event' }),
  thumbs: Type.Unsafe<unknown>({ type: ['string', 'null'], enum: ['up', 'down', 'mixed', null], description: 'the current thumbs votes: up, down, mixed (a tie between end users) or null' }),
  rating: Nullable('number', 'the mean of the current ratings (the latest rating when one end user rated)'),
  comments: Type.Integer({ description: 'feedback events that carry a comment' }),
});

const interactionFields = {
  id: Type.String(),
  conversation_id: Type.String(),
  end_user: Type.String(),
  input: Nullable('string', 'as stored: anonymized unless anonymize was false; null under hide_content'),
  output: Nullable('string'),
  time_start: Time('start of the generation'),
  time_end: Time('end of the generation'),
  model: Nullable('string'),
  tags: Type.Record(Type.String(), Type.String()),
  feature_flags: Type.Array(Type.String()),
  hide_content: Type.Boolean(),
  pii_removed: Type.Boolean(),
  pii: Counts,
  received_at: Time('when feedloop stored it'),
  source: Type.String({ description: 'the endpoint it came through' }),
};

export const InteractionListItem = open({
  ...interactionFields,
  feedback_summary: FeedbackSummaryView,
  feedback: Type.Array(FeedbackView, { description: 'its feedback events, oldest first (at most 50; feedback_summary.total counts all)' }),
}, 'An interaction in a list: without messages, history and traces (GET /api/v1/interactions/{id} has them)');

export const InteractionView = open({
  ...interactionFields,
  messages: Type.Unsafe<unknown>({ type: ['array', 'null'] }),
  history: Type.Unsafe<unknown>({ type: ['array', 'null'] }),
  system_prompt: Nullable('string'),
  rag_sources: Type.Unsafe<unknown>({ type: ['array', 'null'] }),
  traces: Type.Unsafe<unknown>({ type: ['array', 'null'] }),
  feedback_summary: FeedbackSummaryView,
  feedback: Type.Array(FeedbackView),
}, 'An interaction with everything stored about it and its feedback, oldest first');

export const pageOf = (item: TSchema) => open({
  items: Type.Array(item),
  next_cursor: Nullable('string', 'pass as ?cursor= for the next page; null when this is the last'),
});

export const Rate = open({
  value: Nullable('number'),
  low: Nullable('number', '95% interval, lower bound'),
  high: Nullable('number', '95% interval, upper bound'),
  n: Type.Integer({ description: 'the denominator (or number of ratings)' }),
});

export const GroupView = open({
  key: Type.String(),
  interactions: Type.Integer(),
  feedback: Type.Integer({ description: 'linked feedback in current state (the sum of slugs)' }),
  slugs: Type.Record(Type.String(), Type.Integer()),
  thumbs_up_rate: Rate,
  mean_rating: open({ ...Rate.properties, histogram: Type.Array(Type.Integer(), { minItems: 5, maxItems: 5 }) }),
  copy_rate: Rate,
  regenerate_rate: Rate,
  edit_rate: Rate,
  feedback_coverage: Rate,
  pending: Type.Integer(),
  orphaned: Type.Integer(),
});

export const StatsView = open({
  from: Time('start of the range (inclusive)'),
  to: Time('end of the range (exclusive)'),
  by: Type.String(),
  tz: Type.String(),
  computed_from: Type.String({ enum: ['rollups', 'interactions'], description: 'rollups, or the matching interactions for filters rollups do not keep' }),
  total: GroupView,
  groups: Type.Array(GroupView),
  next_cursor: Nullable('string', 'by=conversation only: the next page of groups'),
});

const Difference = open({ value: Nullable('number'), low: Nullable('number'), high: Nullable('number') });

export const CompareView = open({
  by: Type.String(),
  from: Time('start of the range'),
  to: Time('end of the range'),
  a: GroupView,
  b: GroupView,
  thumbs_up_difference: Difference,
  p_value: Nullable('number', 'two-proportion z-test, fixed horizon'),
  always_valid_p_value: Nullable('number', 'mSPRT: valid however often the comparison is looked at'),
  mean_rating_difference: Difference,
  mean_rating_p_value: Nullable('number', "Welch's t-test"),
  mean_rating_always_valid_p_value: Nullable('number'),
  verdict: Type.String(),
});

export const ConversationView = open({
  id: Type.String(),
  end_user: Nullable('string'),
  time_start: Nullable('string'),
  time_end: Nullable('string'),
  interactions: Type.Array(InteractionView),
  next_cursor: Nullable('string'),
});

export const EndUserView = open({
  end_user: Type.String(),
  first_seen: Time('first interaction or feedback'),
  last_seen: Time('last interaction or feedback'),
  interactions: Type.Integer(),
  feedback: Type.Integer(),
  conversations: Type.Integer(),
  recent_feedback: Type.Array(FeedbackView),
  recent_conversations: Type.Array(open({ id: Type.String(), time_start: Type.String(), time_end: Type.String(), interactions: Type.Integer() })),
});

/** Documents query parameters (values are checked by src/http/query.ts, which reports every problem at once). */
export function queryString(parameters: Record<string, string>, repeatable: readonly string[] = []) {
  return Type.Object(Object.fromEntries(Object.entries(parameters).map(([name, description]) => [name,
    Type.Optional(repeatable.includes(name)
      ? Type.Unsafe<unknown>({ anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: `${description} (repeatable)` })
      : Type.String({ description }))])));
}
