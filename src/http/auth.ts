// Bearer-key authentication. Each route declares who may call it in `config.access`:
// 'public' (no key), 'feedback' (secret or publishable key), 'secret' (secret key only).
// A route with `config.keyInBody` also takes the key from its parsed body (the text/plain batch a
// closing page sends) and calls admitKey itself.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Keys, Principal } from '../app/keys.js';
import type { Sessions } from '../app/sessions.js';
import { FeedloopError } from '../core/errors.js';
import { originAllowed } from './cors.js';
import { authenticateSession, sessionCookie } from './session-auth.js';

export type Access = 'public' | 'feedback' | 'secret';

declare module 'fastify' {
  interface FastifyContextConfig { access?: Access; keyInBody?: boolean }
  interface FastifyRequest { principal: Principal | null }
}

const unauthorized = (detail: string) =>
  new FeedloopError('unauthorized', detail, { headers: { 'www-authenticate': 'Bearer realm="feedloop"' } });

export function registerAuth(app: FastifyInstance, keys: Keys, sessions?: Sessions): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access ?? 'secret';
    if (access === 'public' || request.is404) return;
    const header = request.headers.authorization;
    // Without a key, the dashboard's session cookie stands in for a secret key of its project.
    const cookie = header === undefined && access === 'secret' && sessions ? sessionCookie(request) : undefined;
    if (cookie !== undefined) {
      request.principal = (await authenticateSession(request, sessions!, cookie)).principal;
      return;
    }
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      if (request.routeOptions.config.keyInBody) return;
      throw unauthorized('Send the API key as "Authorization: Bearer <key>"');
    }
    await admitKey(request, keys, match[1]!, access);
  });
}

/** Authenticates `key` for a route of `access` and sets request.principal, or throws 401 / 403. */
export async function admitKey(request: FastifyRequest, keys: Keys, key: string, access: Access): Promise<void> {
  const principal = await keys.authenticate(key);
  if (!principal) throw unauthorized('The API key is not known or was revoked');
  // Known before the checks below, so that CORS (cors.ts) can tell whose refusal it is.
  request.principal = principal;
  if (principal.kind === 'publishable') {
    if (access !== 'feedback') throw new FeedloopError('forbidden', 'A publishable key may only send feedback; use a secret key');
    if (!originAllowed(principal.origins, request.headers.origin)) {
      throw new FeedloopError('forbidden', 'This publishable key is not valid for this origin');
    }
  }
}

/** The project of the authenticated caller (routes with access 'feedback' or 'secret'). */
export function projectOf(request: FastifyRequest): string {
  if (!request.principal) throw unauthorized('An API key is required');
  return request.principal.projectId;
}
