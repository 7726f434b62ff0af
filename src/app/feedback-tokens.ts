// Feedback tokens for publishable keys that require them: minting one (POST /api/v1/feedback-tokens,
// with a secret key) and checking the token of each event sent with such a key. The token format
// and its HMAC are in core/feedback-token.ts; this adds the project's keys and the error catalogue.
import type { FeedbackCommand } from '../core/commands.js';
import { FeedloopError } from '../core/errors.js';
import { signFeedbackToken, verifyFeedbackToken } from '../core/feedback-token.js';
import type { Keys, Principal } from './keys.js';

export const DEFAULT_TOKEN_LIFETIME_S = 3600;
/** Tokens are meant to be short-lived; a week bounds what a leaked one can do. */
export const MAX_TOKEN_LIFETIME_S = 7 * 24 * 3600;

/** What an event says about itself that a token restricts: its end user and the interaction it names. */
export type TokenSubject = Pick<FeedbackCommand, 'endUser' | 'interactionRef'>;

/** The token an event carries itself (`metadata.feedback_token`, e.g. one minted for its interaction). */
export function eventTokenOf(body: { metadata?: unknown }): string | null {
  const token = (body.metadata as Record<string, unknown> | null | undefined)?.['feedback_token'];
  return typeof token === 'string' && token !== '' ? token : null;
}

export interface MintRequest { endUser: string; interactionId: string | null; expiresInSeconds: number }

export class FeedbackTokens {
  constructor(private readonly keys: Keys) {}

  /** A token signed with the calling secret key. */
  async mint(principal: Principal, request: MintRequest, now = Date.now()): Promise<{ token: string; expiresAt: number }> {
    const hash = principal.kind === 'secret' ? (await this.keys.secretKeyHashes(principal.projectId)).get(principal.keyId) : undefined;
    if (!hash) throw new FeedloopError('forbidden', 'Feedback tokens are minted with a secret key');
    const expiresAt = now + request.expiresInSeconds * 1000;
    const token = signFeedbackToken({ endUser: request.endUser, interactionId: request.interactionId, expiresAt }, Buffer.from(hash, 'hex'), now);
    // exp is whole seconds: report the expiry the token really carries.
    return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
  }

  /** Null when the event may be stored; otherwise the 401 that says why not. Keys that require no token ignore it. */
  async check(principal: Principal, subject: TokenSubject, token: string | null, now = Date.now()): Promise<FeedloopError | null> {
    if (!principal.requireToken) return null;
    if (!token) {
      return new FeedloopError('token_missing',
        'This key requires a feedback token: send the one your backend minted for this end user (`token` of a batch, or `metadata.feedback_token`)');
    }
    const signingKeys = [...(await this.keys.secretKeyHashes(principal.projectId)).values()].map((hash) => Buffer.from(hash, 'hex'));
    const result = verifyFeedbackToken(token, signingKeys, now);
    if (!result.ok) {
      return result.reason === 'expired'
        ? new FeedloopError('token_expired', 'The feedback token has expired; ask your backend for a new one')
        : new FeedloopError('token_bad_signature', 'The feedback token is malformed or not signed by a live secret key of this project');
    }
    if (result.claims.endUser !== subject.endUser) {
      return new FeedloopError('token_wrong_user', 'The feedback token was minted for another end user than metadata.end_user');
    }
    if (result.claims.interactionId !== null && result.claims.interactionId !== subject.interactionRef) {
      return new FeedloopError('token_wrong_interaction',
        `The feedback token is for interaction ${result.claims.interactionId}; send that id as metadata.interaction_id`);
    }
    return null;
  }
}
