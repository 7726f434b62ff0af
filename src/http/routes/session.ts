// Dashboard sign-in and sign-out (docs/dashboard.md): POST opens a session with a secret key or
// the admin password and sets the cookie, GET tells the page who is signed in (and its CSRF
// token), DELETE ends the session for every copy of the cookie.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { ActiveSession, Sessions } from '../../app/sessions.js';
import { SignInThrottle } from '../../app/sessions.js';
import { FeedloopError, type FieldError } from '../../core/errors.js';
import { formatTimestamp } from '../../core/time.js';
import { authenticateSession, checkSameOrigin, clearSessionCookie, CSRF_HEADER, sessionCookie, setSessionCookie } from '../session-auth.js';
import { validBody } from '../validation.js';

const SignInBody = Type.Object({
  key: Type.Optional(Type.String({ minLength: 1 })),
  password: Type.Optional(Type.String({ minLength: 1 })),
  project: Type.Optional(Type.String({ minLength: 1 })),
});
type SignInBody = Static<typeof SignInBody>;

function oneWay(body: unknown): FieldError[] {
  const b = (body ?? {}) as Record<string, unknown>;
  if (b['key'] !== undefined && b['password'] !== undefined) return [{ pointer: '/password', detail: 'send either key or password, not both' }];
  if (b['key'] === undefined && b['password'] === undefined) return [{ pointer: '/key', detail: 'send a secret key (or the admin password as password)' }];
  if (b['key'] !== undefined && b['project'] !== undefined) return [{ pointer: '/project', detail: 'a key names its project; project goes with password only' }];
  return [];
}

const sessionView = (s: ActiveSession) => ({
  method: s.method,
  project: { id: s.principal.projectId, name: s.projectName },
  key_id: s.keyId,
  expires_at: formatTimestamp(s.expiresAt),
  csrf_token: s.csrfToken,
  csrf_header: CSRF_HEADER,
});

export function registerSessionRoutes(app: FastifyInstance, sessions: Sessions): void {
  const throttle = new SignInThrottle();
  const publicRoute = { config: { access: 'public' as const } };

  app.get('/api/v1/session/methods', publicRoute, async () => ({ key: true, password: sessions.passwordSignIn }));

  app.post('/api/v1/session', { ...publicRoute, schema: { body: SignInBody }, attachValidation: true }, async (request, reply) => {
    // A sign-in forced on the browser by another site would put it in the attacker's session.
    checkSameOrigin(request);
    const body = validBody<SignInBody>(request, oneWay);
    throttle.check(request.ip);
    let opened;
    try {
      opened = body.key !== undefined
        ? await sessions.openWithKey(body.key)
        : await sessions.openWithPassword(body.password!, body.project);
    } catch (error) {
      if (error instanceof FeedloopError && error.code === 'sign_in_failed') throttle.failed(request.ip);
      throw error;
    }
    throttle.succeeded(request.ip);
    setSessionCookie(request, reply, opened.cookie, sessions.ttlMs);
    reply.header('cache-control', 'no-store');
    return sessionView(opened.session);
  });

  app.get('/api/v1/session', publicRoute, async (request, reply) => {
    const cookie = sessionCookie(request);
    if (cookie === undefined) throw new FeedloopError('unauthorized', 'Not signed in');
    const session = await authenticateSession(request, sessions, cookie);
    reply.header('cache-control', 'no-store');
    return sessionView(session);
  });

  app.delete('/api/v1/session', publicRoute, async (request, reply) => {
    const cookie = sessionCookie(request);
    if (cookie !== undefined && (await sessions.resolve(cookie)) !== null) {
      const session = await authenticateSession(request, sessions, cookie);
      await sessions.close(session);
    }
    clearSessionCookie(request, reply);
    return reply.code(204).send();
  });
}
