// Feedback tokens: short-lived proof, minted by the app's backend, that feedback sent with a
// publishable key comes from one end user (and, optionally, is about one interaction), so a visitor
// cannot send feedback in another user's name.
//
// The format is a JSON Web Token (RFC 7519) signed with HMAC-SHA-256 (JWS "HS256", RFC 7518), so a
// backend can also mint tokens offline with any JWT library:
//   header  {"alg": "HS256", "typ": "JWT"}
//   payload {"sub": <end user>, "exp": <expiry, seconds since the epoch>, "interaction_id"?: <id>, "iat"?: <seconds>}
//   HMAC key: the SHA-256 digest (32 raw bytes) of one of the project's secret API keys.
// The digest is what feedloop stores for each key, so it verifies without ever holding the key;
// revoking that secret key invalidates every token signed with it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface FeedbackTokenClaims {
  endUser: string;
  /** The one interaction the token is for; null: any interaction of the end user. */
  interactionId: string | null;
  /** Milliseconds since the epoch (the token's `exp`, which is in seconds). */
  expiresAt: number;
}

export type FeedbackTokenCheck =
  | { ok: true; claims: FeedbackTokenClaims }
  | { ok: false; reason: 'bad_signature' | 'expired' };

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** The HMAC key of tokens signed with this secret API key: its SHA-256 digest. */
export function signingKeyOf(secretKey: string): Buffer {
  return createHash('sha256').update(secretKey).digest();
}

const signature = (signingInput: string, key: Buffer) => createHmac('sha256', key).update(signingInput).digest();

export function signFeedbackToken(claims: FeedbackTokenClaims, signingKey: Buffer, issuedAt: number = Date.now()): string {
  const payload: Record<string, unknown> = { sub: claims.endUser, exp: Math.floor(claims.expiresAt / 1000), iat: Math.floor(issuedAt / 1000) };
  if (claims.interactionId !== null) payload['interaction_id'] = claims.interactionId;
  const signingInput = `${HEADER}.${base64url(JSON.stringify(payload))}`;
  return `${signingInput}.${base64url(signature(signingInput, signingKey))}`;
}

export interface MintFeedbackTokenOptions {
  /** A secret API key (`fl_sk_...`) of the project whose publishable key will carry the token. */
  secretKey: string;
  endUser: string;
  /** Restrict the token to feedback about this one interaction. */
  interactionId?: string | null;
  /** Lifetime in seconds (default 3600). */
  expiresIn?: number;
  /** The current time in ms (default Date.now()). */
  now?: number;
}

/** Mints a feedback token offline, on the app's backend, exactly as POST /api/v1/feedback-tokens does. */
export function mintFeedbackToken(options: MintFeedbackTokenOptions): string {
  const now = options.now ?? Date.now();
  const expiresIn = options.expiresIn ?? 3600;
  if (!(expiresIn > 0)) throw new RangeError('expiresIn must be a positive number of seconds');
  if (!options.endUser) throw new RangeError('endUser is required');
  return signFeedbackToken({ endUser: options.endUser, interactionId: options.interactionId ?? null, expiresAt: now + expiresIn * 1000 },
    signingKeyOf(options.secretKey), now);
}

function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Checks a token against the signing keys of the project (those of its live secret keys). A token
 * that is malformed, uses another algorithm (`none` included) or carries no valid `sub` and `exp`
 * is a bad signature: nothing in it can be trusted. Expiry is checked only once it is authentic.
 */
export function verifyFeedbackToken(token: string, signingKeys: readonly Buffer[], now: number): FeedbackTokenCheck {
  const bad = { ok: false, reason: 'bad_signature' } as const;
  const parts = token.split('.');
  if (parts.length !== 3) return bad;
  const [header, payload, sig] = parts as [string, string, string];
  if (decodeJson(header)?.['alg'] !== 'HS256') return bad;
  const given = Buffer.from(sig, 'base64url');
  const signingInput = `${header}.${payload}`;
  if (!signingKeys.some((key) => {
    const expected = signature(signingInput, key);
    return expected.length === given.length && timingSafeEqual(expected, given);
  })) return bad;
  const claims = decodeJson(payload);
  const sub = claims?.['sub'];
  const exp = claims?.['exp'];
  const interactionId = claims?.['interaction_id'] ?? null;
  if (typeof sub !== 'string' || sub === '' || typeof exp !== 'number' || !Number.isFinite(exp)) return bad;
  if (interactionId !== null && typeof interactionId !== 'string') return bad;
  if (exp * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { endUser: sub, interactionId, expiresAt: exp * 1000 } };
}
