// CORS for browser-safe publishable keys. A page on an origin that a publishable key allows may
// read the answers to its requests; no other page may. Credentials are never allowed (the key
// travels in the request, not in cookies).
//
// A preflight carries no key, so it cannot tell which origins are allowed: on the API paths it is
// answered for any origin, with the only methods and headers the API uses. The request that
// follows is checked against its key's origins (auth.ts: another origin gets 403) and its answer
// is readable only by an allowed origin: Access-Control-Allow-Origin is set when the key is a
// publishable key that allows the origin, or when the request was refused before any key was
// known (401, 400, 413, 415; such refusals reveal nothing, and the browser library must see them
// to stop retrying). Never for a secret key, which has no business in a browser. Every API answer
// carries `Vary: Origin`, since what it says depends on the Origin.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Exact origins; `*` only where it is in the list, i.e. asked for explicitly. */
export function originAllowed(origins: readonly string[], origin: string | undefined): boolean {
  return origins.includes('*') || (origin !== undefined && origins.includes(origin));
}

const API_PATH = /^\/(?:api|event-ingestion)\//;
/** Chromium caps a preflight's cache at two hours. */
const PREFLIGHT_MAX_AGE_S = 7200;

function appendVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary');
  const fields = current === undefined ? [] : String(current).split(',').map((f) => f.trim()).filter(Boolean);
  if (!fields.some((f) => f.toLowerCase() === field.toLowerCase() || f === '*')) reply.header('vary', [...fields, field].join(', '));
}

function mayRead(request: FastifyRequest, origin: string): boolean {
  const principal = request.principal;
  if (!principal) return true;
  return principal.kind === 'publishable' && originAllowed(principal.origins, origin);
}

export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (request.method !== 'OPTIONS' || !origin || !request.headers['access-control-request-method'] || !API_PATH.test(request.url)) return;
    reply.code(204).headers({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    }).send();
    return reply;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (!API_PATH.test(request.url)) return payload;
    appendVary(reply, 'Origin');
    const origin = request.headers.origin;
    if (origin && mayRead(request, origin)) {
      reply.headers({ 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After' });
    }
    return payload;
  });
}
