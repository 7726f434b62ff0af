// Rate limits (@fastify/rate-limit's fixed windows of one minute, in memory per instance), 429 with
// Retry-After beyond:
// - per API key (FEEDLOOP_RATE_LIMIT), checked once the key is known, before the body is read
//   (after it, for a key sent in the body);
// - for publishable keys, which are public, also per client address (FEEDLOOP_RATE_LIMIT_IP; the
//   address is the socket's, or X-Forwarded-For's from trusted proxies, FEEDLOOP_TRUST_PROXY) and
//   per end user of the key (FEEDLOOP_RATE_LIMIT_END_USER), once the body names the end user.
// Every route gets them (public routes such as health checks excepted); a route whose body names
// its end user elsewhere than the places endUserOf looks at can say so in `config.endUser`.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FeedloopError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Where this route's body names the end user, for the per-end-user limit of publishable keys. */
    endUser?: (body: unknown) => string | null;
  }
}

export interface RateLimits {
  /** Per API key per minute; 0: none. */
  perKey: number;
  /** Per publishable key and end user per minute; 0: none. */
  perEndUser: number;
  /** Per client address per minute, for publishable keys; 0: none. */
  perIp: number;
}

const get = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;

/** The end user a body is about: metadata.end_user, interaction.end_user, conversation.end_user, or the first event's. */
export function endUserOf(body: unknown): string | null {
  const events = get(body, 'events');
  for (const candidate of [
    get(get(body, 'metadata'), 'end_user'), get(get(body, 'interaction'), 'end_user'), get(get(body, 'conversation'), 'end_user'),
    Array.isArray(events) ? get(get(events[0], 'metadata'), 'end_user') : undefined,
  ]) if (typeof candidate === 'string') return candidate;
  return null;
}

type Limiter = (request: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number; max?: number }>;

function limited(what: string, max: number, ttlSeconds: number): FeedloopError {
  const retry = Math.max(1, ttlSeconds);
  return new FeedloopError('rate_limited', `More than ${max} requests per minute ${what}; retry in ${retry} s`, { headers: { 'retry-after': String(retry) } });
}

export async function registerRateLimit(app: FastifyInstance, limits: RateLimits): Promise<void> {
  if (limits.perKey <= 0 && limits.perEndUser <= 0 && limits.perIp <= 0) return;
  // global: false: no hooks of its own; the limiters below are called from this module's hooks.
  await app.register(rateLimit, { global: false, timeWindow: 60_000 });
  const create = (app as unknown as { createRateLimit(options: object): Limiter }).createRateLimit.bind(app);
  const check = async (limiter: Limiter | null, request: FastifyRequest, what: string) => {
    if (!limiter) return;
    const result = await limiter(request);
    if (!result.isAllowed && result.isExceeded) throw limited(what, result.max ?? 0, result.ttlInSeconds ?? 60);
  };
  const isPublishable = (request: FastifyRequest) => request.principal?.kind === 'publishable';

  const perKey = limits.perKey > 0
    ? create({ max: limits.perKey, keyGenerator: (r: FastifyRequest) => r.principal!.keyId }) : null;
  const perIp = limits.perIp > 0
    ? create({ max: limits.perIp, cache: 50_000, keyGenerator: (r: FastifyRequest) => `ip:${r.ip}` }) : null;
  /** The end user of each request being checked, found by the route's rule. */
  const endUsers = new WeakMap<FastifyRequest, string>();
  const perEndUser = limits.perEndUser > 0
    ? create({ max: limits.perEndUser, cache: 50_000, keyGenerator: (r: FastifyRequest) => `user:${r.principal!.keyId}:${endUsers.get(r)}` }) : null;

  // After authentication (an onRequest hook registered before this one), before the body is read;
  // for a key that comes in the body (the text/plain batch, config.keyInBody), once it is known.
  const early = new WeakSet<FastifyRequest>();
  const byKey = async (request: FastifyRequest) => {
    await check(perKey, request, 'with this key');
    if (isPublishable(request)) await check(perIp, request, 'from this address with a publishable key');
  };
  app.addHook('onRequest', async (request) => {
    if (!request.principal) return;
    early.add(request);
    await byKey(request);
  });
  // The end user is known once the body is parsed; preHandler runs after every route's own
  // preValidation (where a key in the body is admitted).
  app.addHook('preHandler', async (request) => {
    if (!request.principal) return;
    if (!early.has(request)) await byKey(request);
    if (!perEndUser || !isPublishable(request)) return;
    const endUser = (request.routeOptions.config.endUser ?? endUserOf)(request.body);
    if (endUser === null) return;
    endUsers.set(request, endUser);
    await check(perEndUser, request, 'for this end user with a publishable key');
  });
}
