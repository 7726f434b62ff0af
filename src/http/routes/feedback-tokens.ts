// POST /api/v1/feedback-tokens: the app's backend (secret key) mints a short-lived token for one
// end user, optionally for one interaction, which the page passes to the browser library. A
// publishable key created with `require_token` refuses feedback without one. Tokens can also be
// minted offline: core/feedback-token.ts documents the format and exports mintFeedbackToken.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { DEFAULT_TOKEN_LIFETIME_S, MAX_TOKEN_LIFETIME_S, type FeedbackTokens } from '../../app/feedback-tokens.js';
import { formatTimestamp } from '../../core/time.js';
import { validBody } from '../validation.js';

const MintBody = Type.Object({
  end_user: Type.String({ minLength: 1 }),
  interaction_id: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'] })),
  expires_in: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKEN_LIFETIME_S, description: `Lifetime in seconds (default ${DEFAULT_TOKEN_LIFETIME_S})` })),
});
type MintBody = Static<typeof MintBody>;

const MintResponse = Type.Object({
  token: Type.String(), end_user: Type.String(), interaction_id: Type.Unsafe<string | null>({ type: ['string', 'null'] }), expires_at: Type.String(),
});

export function registerFeedbackTokenRoutes(app: FastifyInstance, tokens: FeedbackTokens): void {
  app.post('/api/v1/feedback-tokens', {
    schema: { body: MintBody, response: { 200: MintResponse } },
    attachValidation: true,
  }, async (request) => {
    const body = validBody<MintBody>(request, () => []);
    const interactionId = body.interaction_id || null;
    const minted = await tokens.mint(request.principal!, {
      endUser: body.end_user, interactionId, expiresInSeconds: body.expires_in ?? DEFAULT_TOKEN_LIFETIME_S,
    });
    return { token: minted.token, end_user: body.end_user, interaction_id: interactionId, expires_at: formatTimestamp(minted.expiresAt) };
  });
}
