// JSON Schemas (TypeBox) of the compat request bodies: structure and types only. Rules that span
// fields (rating values, time order, which envelope) are checked in ./rules.ts so that every bad
// field is reported in one response. Unknown extra fields are accepted (tolerant reader: old
// clients send `history`, `input_tokens`, `end_user_group_profile`, ...).
import { Type, type Static, type TSchema } from 'typebox';

/** Optional strings may be sent as null by clients (the official Node SDK does for input/output). */
const NullableString = () => Type.Unsafe<string | null>({ type: ['string', 'null'] });
const NullableNumber = () => Type.Unsafe<number | null>({ type: ['number', 'null'] });
const NullableBoolean = () => Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] });
const NonEmptyString = () => Type.String({ minLength: 1 });
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

const Tags = Type.Record(Type.String(), Type.String());
const StringList = Type.Array(Type.String());

/** OpenAI-style content: a string, null (tool calls) or an array of parts such as {type: 'text', text}. */
const MessageContent = Type.Unsafe<string | null | unknown[]>({
  type: ['string', 'null', 'array'],
});
export const MessageSchema = Type.Object({ role: Type.String(), content: Opt(MessageContent) });
export type WireMessage = Static<typeof MessageSchema>;

/** An LLM call `{model, messages, output, ...}` or a retrieval/tool step `{source, input, outputs}`. */
/** Messages recorded inside traces are kept as sent by tracing tools: role and content of any JSON shape. */
const TraceMessageSchema = Type.Object({
  role: Opt(NullableString()),
  content: Opt(Type.Unknown()),
});
export const TraceSchema = Type.Object({
  model: Opt(NullableString()),
  messages: Opt(Type.Unsafe<Static<typeof TraceMessageSchema>[] | null>({ type: ['array', 'null'], items: TraceMessageSchema })),
  output: Opt(NullableString()),
  input: Opt(NullableString()),
  system_prompt: Opt(NullableString()),
  history: Opt(Type.Unsafe<unknown[] | null>({ type: ['array', 'null'] })),
  input_tokens: Opt(NullableNumber()),
  output_tokens: Opt(NullableNumber()),
  source: Opt(NullableString()),
  outputs: Opt(Type.Unsafe<string[] | null>({ type: ['array', 'null'], items: { type: 'string' } })),
});
export type WireTrace = Static<typeof TraceSchema>;

export const FeedbackActionSchema = Type.Object({
  slug: Type.String(),
  text: Opt(NullableString()),
  value: Opt(NullableNumber()),
});
export type WireFeedbackAction = Static<typeof FeedbackActionSchema>;

const HistoryPairs = Type.Array(Type.Array(NullableString()));

export const FeedbackBodySchema = Type.Object({
  feedback: Opt(FeedbackActionSchema),
  action: Opt(FeedbackActionSchema),
  metadata: Type.Object({
    end_user: NonEmptyString(),
    timestamp: Type.String(),
    input: Opt(NullableString()),
    output: Opt(NullableString()),
    anonymize: Opt(NullableBoolean()),
    event_id: Opt(NullableString()),
    conversation_id: Opt(NullableString()),
    interaction_id: Opt(NullableString()),
    trace_id: Opt(NullableString()),
    span_id: Opt(NullableString()),
  }),
});
export type FeedbackBody = Static<typeof FeedbackBodySchema>;

/** Fields every interaction shape shares; the endpoints differ in which are required. */
const interactionFields = {
  id: Opt(NullableString()),
  conversation_id: Opt(NullableString()),
  input: Opt(NullableString()),
  output: Type.String(),
  time_start: Type.String(),
  time_end: Type.String(),
  end_user: NonEmptyString(),
  history: Opt(HistoryPairs),
  messages: Opt(Type.Array(MessageSchema)),
  rag_sources: Opt(StringList),
  model: Opt(NullableString()),
  system_prompt: Opt(NullableString()),
  tags: Opt(Tags),
  feature_flag: Opt(StringList),
  feature_flags: Opt(StringList),
  hide_content: Opt(NullableBoolean()),
  feedback_actions: Opt(Type.Array(FeedbackActionSchema)),
};

export const InteractionSchema = Type.Object(interactionFields);
export type WireInteraction = Static<typeof InteractionSchema>;

const Anonymize = Opt(NullableBoolean());

/** v1 interactions: input is required. */
export const V1InteractionBodySchema = Type.Object({
  interaction: Type.Object({ ...interactionFields, input: Type.String() }),
  anonymize: Anonymize,
});
/** v2 interactions: input defaults to the last user message. */
export const V2InteractionBodySchema = Type.Object({ interaction: InteractionSchema, anonymize: Anonymize });
export const TraceInteractionBodySchema = Type.Object({
  interaction: Type.Object({ ...interactionFields, input: Type.String() }),
  traces: Opt(Type.Array(TraceSchema)),
  feedback_actions: Opt(Type.Array(FeedbackActionSchema)),
  /** What Nebuly's sync tools (e.g. the Langfuse and Claude exporters) call feedback_actions. */
  user_feedback: Opt(Type.Array(FeedbackActionSchema)),
  anonymize: Anonymize,
});
export type InteractionBody = {
  interaction: WireInteraction;
  traces?: WireTrace[] | undefined;
  feedback_actions?: WireFeedbackAction[] | undefined;
  user_feedback?: WireFeedbackAction[] | undefined;
  anonymize?: boolean | null | undefined;
};

export const ConversationInteractionSchema = Type.Object({ ...interactionFields, end_user: Opt(NonEmptyString()), trace: Opt(Type.Array(TraceSchema)), traces: Opt(Type.Array(TraceSchema)) });
export const TraceConversationBodySchema = Type.Object({
  conversation: Type.Object({
    conversation_id: Opt(NullableString()),
    end_user: NonEmptyString(),
    interactions: Type.Array(ConversationInteractionSchema, { minItems: 1 }),
  }),
  anonymize: Anonymize,
});
export type TraceConversationBody = Static<typeof TraceConversationBodySchema>;

export const TagsBodySchema = Type.Object({
  tags: Tags,
  metadata: Type.Object({
    end_user: NonEmptyString(),
    timestamp: Type.String(),
    input: Opt(NullableString()),
    output: Opt(NullableString()),
  }),
});
export type TagsBody = Static<typeof TagsBodySchema>;
