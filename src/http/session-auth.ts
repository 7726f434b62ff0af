// The dashboard's session cookie at the HTTP edge: reading and setting it, and the checks that
// make cookie-authenticated state changes CSRF-proof. A cookie is sent by the browser on its own,
// so a state-changing request made with it must also prove it came from the dashboard page:
// it carries the session's CSRF token in a custom header (which another site cannot set without
// a CORS preflight this server does not grant for the routes a session may call), and any Origin
// it names is this server's.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ActiveSession, Sessions } from '../app/sessions.js';
import { FeedloopError } from '../core/errors.js';

export const SESSION_COOKIE = 'feedloop_session';
export const CSRF_HEADER = 'x-feedloop-csrf';

declare module 'fastify' {
  interface FastifyRequest { session: ActiveSession | null }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionCookie(request: FastifyRequest): string | undefined {
  const value = request.cookies[SESSION_COOKIE];
  return value === undefined || value === '' ? undefined : value;
}

/** Refuses a request whose Origin (or Sec-Fetch-Site) says another site sent it. */
export function checkSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw new FeedloopError('csrf_rejected', 'This request was sent by another site');
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | null = null;
  try { host = new URL(origin).host; } catch { /* "null" or garbage: not this server */ }
  // Host and port are compared, not the scheme (behind a TLS-terminating proxy the server may see
  // http), so the default ports of either scheme count as none.
  const bare = (h: string) => h.toLowerCase().replace(/:(80|443)$/, '');
  if (host === null || bare(host) !== bare(request.host)) throw new FeedloopError('csrf_rejected', `Origin ${origin} is not this server`);
}

/** The session of a request that carries the cookie; throws when it is not valid for this request. */
export async function authenticateSession(request: FastifyRequest, sessions: Sessions, cookie: string): Promise<ActiveSession> {
  const session = await sessions.resolve(cookie);
  if (!session) {
    throw new FeedloopError('unauthorized', 'The dashboard session has expired or was ended; sign in again');
  }
  if (!SAFE_METHODS.has(request.method)) {
    checkSameOrigin(request);
    const token = request.headers[CSRF_HEADER];
    if (!sessions.csrfTokenMatches(session, typeof token === 'string' ? token : undefined)) {
      throw new FeedloopError('csrf_rejected', `A request that changes something must carry the session's ${CSRF_HEADER} header`);
    }
  }
  request.session = session;
  return session;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeMs: number): void {
  reply.setCookie(SESSION_COOKIE, value, {
    path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', maxAge: Math.floor(maxAgeMs / 1000),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
}
