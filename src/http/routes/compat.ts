// compat: the Nebuly event-ingestion endpoints, at their exact paths (API.md). Thin: validate,
// normalise to a command, hand it to the ingestion service, shape the response.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { eventTokenOf, type FeedbackTokens } from '../../app/feedback-tokens.js';
import type { Ingestion } from '../../app/ingestion.js';
import { newId } from '../../core/ids.js';
import type { FeedbackRecord } from '../../core/model.js';
import {
  FeedbackBodySchema, TagsBodySchema, TraceConversationBodySchema, TraceInteractionBodySchema, V1InteractionBodySchema, V2InteractionBodySchema,
  type FeedbackBody, type InteractionBody, type TagsBody, type TraceConversationBody,
} from '../../core/wire/schemas.js';
import {
  checkFeedbackBody, checkInteractionBody, checkTagsBody, checkTraceConversationBody,
  toConversationCommands, toFeedbackCommand, toInteractionCommand, toTagUpdateCommand,
} from '../../core/wire/normalize.js';
import { projectOf } from '../auth.js';
import { validBody } from '../validation.js';
import { effectiveStatus } from '../views.js';

const PREFIX = '/event-ingestion/api';
const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });

export const FeedbackResponse = Type.Object({
  id: Type.String(), status: Type.String(), interaction_id: NullableString, link: NullableString, flags: Type.Array(Type.String()),
});
const InteractionResponse = Type.Object({ id: Type.String(), conversation_id: Type.String() });
const ConversationResponse = Type.Object({ conversation_id: Type.String(), interaction_ids: Type.Array(Type.String()) });
const TagsResponse = Type.Object({ status: Type.String(), interaction_id: NullableString });

export interface CompatRoutesOptions { ingestion: Ingestion; pendingTtlMs: number; tokens: FeedbackTokens }

export function feedbackResponse(f: FeedbackRecord, pendingTtlMs: number) {
  return { id: f.id, status: effectiveStatus(f, Date.now(), pendingTtlMs), interaction_id: f.interactionId, link: f.link, flags: f.flags };
}

export function registerCompatRoutes(app: FastifyInstance, { ingestion, pendingTtlMs, tokens }: CompatRoutesOptions): void {
  app.post(`${PREFIX}/v1/events/feedback`, {
    schema: { body: FeedbackBodySchema, response: { 200: FeedbackResponse } },
    attachValidation: true,
    config: { access: 'feedback', bodySize: 'small' },
  }, async (request) => {
    const body = validBody<FeedbackBody>(request, checkFeedbackBody);
    const command = toFeedbackCommand(body);
    const refused = await tokens.check(request.principal!, command, eventTokenOf(body));
    if (refused) throw refused;
    const stored = await ingestion.recordFeedback(projectOf(request), command, { client: request.principal?.keyId });
    return feedbackResponse(stored, pendingTtlMs);
  });

  const interactionRoute = (path: string, schema: object, source: string, inputRequired: boolean) =>
    app.post(`${PREFIX}/${path}`, {
      schema: { body: schema, response: { 200: InteractionResponse } },
      attachValidation: true,
    }, async (request) => {
      const body = validBody<InteractionBody>(request, (b, window) => checkInteractionBody(b, { inputRequired, window }));
      const [stored] = await ingestion.recordInteractions(projectOf(request), [toInteractionCommand(body, source)], { client: request.principal?.keyId });
      return { id: stored!.id, conversation_id: stored!.conversationId };
    });
  interactionRoute('v1/events/interactions', V1InteractionBodySchema, 'v1/interactions', true);
  interactionRoute('v1/events/trace_interaction', TraceInteractionBodySchema, 'v1/trace_interaction', true);
  interactionRoute('v2/events/interactions', V2InteractionBodySchema, 'v2/interactions', false);
  interactionRoute('v2/events/trace_interaction', TraceInteractionBodySchema, 'v2/trace_interaction', true);
  // v3 is what Nebuly's current sync tools post to; its body is v2's (feedback as `user_feedback`).
  interactionRoute('v3/events/trace_interaction', TraceInteractionBodySchema, 'v3/trace_interaction', true);

  app.post(`${PREFIX}/v2/events/trace_conversation`, {
    schema: { body: TraceConversationBodySchema, response: { 200: ConversationResponse } },
    attachValidation: true,
    config: { bodySize: 'large' },
  }, async (request) => {
    const body = validBody<TraceConversationBody>(request, checkTraceConversationBody);
    const conversationId = body.conversation.conversation_id || newId();
    const stored = await ingestion.recordInteractions(projectOf(request), toConversationCommands(body, conversationId), { client: request.principal?.keyId });
    return { conversation_id: conversationId, interaction_ids: stored.map((i) => i.id) };
  });

  app.post(`${PREFIX}/v2/events/tags`, {
    schema: { body: TagsBodySchema, response: { 200: TagsResponse } },
    attachValidation: true,
    config: { bodySize: 'small' },
  }, async (request) => {
    const body = validBody<TagsBody>(request, checkTagsBody);
    const result = await ingestion.recordTagUpdate(projectOf(request), toTagUpdateCommand(body));
    return { status: result.status, interaction_id: result.interactionId };
  });
}
