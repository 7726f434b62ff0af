// POST /api/v1/feedback/batch: up to 500 feedback events in one request (what the browser library
// sends). One result per event, in order: the single endpoint's response, or the problem detail it
// would have answered for that event alone (pointers relative to the event). Valid events are
// stored even when others are not, all in one transaction (one group commit).
//
// The body may be text/plain, carrying the key inside (`{"key": "fl_pk_...", "events": [...]}`):
// a page being closed (pagehide) cannot wait for a CORS preflight, and a browser sends none only
// for a "simple" request: no custom header (so no Authorization) and a CORS-safelisted content
// type (text/plain; application/json is not one). fetch keepalive and sendBeacon then deliver it.
// The same key, origin and token checks apply.
//
// `sent_at` (the client's clock when it sent the batch) lets the server correct a wrong client
// clock: see core/client-clock.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { eventTokenOf, type FeedbackTokens } from '../../app/feedback-tokens.js';
import type { Ingestion } from '../../app/ingestion.js';
import type { Keys } from '../../app/keys.js';
import { clientClockOffset, correctTimestamp } from '../../core/client-clock.js';
import type { FeedbackCommand } from '../../core/commands.js';
import { FeedloopError, type FieldError } from '../../core/errors.js';
import { parseTimestamp } from '../../core/time.js';
import { checkFeedbackBody, toFeedbackCommand } from '../../core/wire/normalize.js';
import { FeedbackBodySchema, type FeedbackBody } from '../../core/wire/schemas.js';
import { admitKey, projectOf } from '../auth.js';
import { jsonBodyParser } from '../json-parser.js';
import { toProblem, type ProblemDocument } from '../problem.js';
import { timeWindowOf, validBody, validValue, type CompiledValidator } from '../validation.js';
import { FeedbackResponse, feedbackResponse } from './compat.js';

export const MAX_BATCH_EVENTS = 500;

const BatchBody = Type.Object({
  key: Type.Optional(Type.String({ description: 'The API key, when the request has no Authorization header (text/plain bodies)' })),
  token: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'], description: 'Feedback token for events that carry none (metadata.feedback_token)' })),
  sent_at: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'], description: "When the client sent the batch, by the client's clock (ISO 8601)" })),
  // Each event is checked on its own, so that one bad event does not refuse the batch.
  events: Type.Array(Type.Unknown({ description: 'A body of POST /event-ingestion/api/v1/events/feedback' }), { maxItems: MAX_BATCH_EVENTS }),
});
type BatchBody = Static<typeof BatchBody>;

const ProblemResponse = Type.Object({
  type: Type.String(), title: Type.String(), status: Type.Integer(), detail: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), detail: Type.String() }))),
});
const BatchResponse = Type.Object({
  results: Type.Array(Type.Union([FeedbackResponse, ProblemResponse])),
  clock_offset_ms: Type.Integer({ description: 'The correction applied to the events\' timestamps (0: none)' }),
});

function checkBatch(body: unknown): FieldError[] {
  const sentAt = (body as { sent_at?: unknown } | null)?.sent_at;
  return typeof sentAt === 'string' && parseTimestamp(sentAt) === null
    ? [{ pointer: '/sent_at', detail: 'must be an ISO 8601 date-time, e.g. 2023-12-07T15:00:00.000Z' }]
    : [];
}

export interface FeedbackBatchOptions { ingestion: Ingestion; keys: Keys; tokens: FeedbackTokens; pendingTtlMs: number }

export async function registerFeedbackBatchRoute(app: FastifyInstance, options: FeedbackBatchOptions): Promise<void> {
  const { ingestion, keys, tokens, pendingTtlMs } = options;
  // In a scope of its own: text/plain is parsed as JSON here only; elsewhere it stays a 415.
  await app.register(async (scope) => {
    scope.addContentTypeParser('text/plain', { parseAs: 'buffer' }, jsonBodyParser(scope));

    scope.post('/api/v1/feedback/batch', {
      schema: { body: BatchBody, response: { 200: BatchResponse }, consumes: ['application/json', 'text/plain'] },
      attachValidation: true,
      config: { access: 'feedback', keyInBody: true, bodySize: 'large' },
      // Before validation and the rate limit: the key may be in the body, parsed by now.
      preValidation: async (request: FastifyRequest) => {
        if (request.principal) return;
        const key = (request.body as { key?: unknown } | null)?.key;
        if (typeof key !== 'string' || key === '') {
          throw new FeedloopError('unauthorized', 'Send the API key as "Authorization: Bearer <key>", or as "key" in the body');
        }
        await admitKey(request, keys, key, 'feedback');
      },
    }, async (request) => {
      const body = validBody<BatchBody>(request, checkBatch);
      const principal = request.principal!;
      const receivedAt = Date.now();
      const offset = clientClockOffset(typeof body.sent_at === 'string' ? parseTimestamp(body.sent_at) : null, receivedAt);
      const validate = request.compileValidationSchema(FeedbackBodySchema) as CompiledValidator;

      const results: (ProblemDocument | ReturnType<typeof feedbackResponse>)[] = [];
      const accepted: { index: number; command: FeedbackCommand }[] = [];
      for (const [index, event] of body.events.entries()) {
        try {
          const valid = validValue<FeedbackBody>(event, validate, checkFeedbackBody, timeWindowOf(request));
          const command = toFeedbackCommand(valid);
          const refused = await tokens.check(principal, command, eventTokenOf(valid) ?? body.token ?? null, receivedAt);
          if (refused) throw refused;
          accepted.push({ index, command: { ...command, timestamp: correctTimestamp(command.timestamp, offset, receivedAt) } });
        } catch (error) {
          if (!(error instanceof FeedloopError)) throw error;
          results[index] = toProblem(error);
        }
      }
      const stored = await ingestion.recordFeedbackBatch(projectOf(request), accepted.map((a) => a.command), { client: principal.keyId });
      accepted.forEach((a, k) => { results[a.index] = feedbackResponse(stored[k]!, pendingTtlMs); });
      return { results, clock_offset_ms: offset };
    });
  });
}
