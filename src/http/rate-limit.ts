// Rate limiting per API key (or per client address before a key is known), with @fastify/rate-limit.
// Runs after authentication so that one project's burst does not throttle another sharing a proxy.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { FeedloopError } from '../core/errors.js';

export async function registerRateLimit(app: FastifyInstance, requestsPerMinute: number): Promise<void> {
  if (requestsPerMinute <= 0) return;
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: requestsPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.principal?.keyId ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      new FeedloopError('rate_limited', `More than ${context.max} requests per minute with this key; retry in ${context.after}`, {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      }),
  });
}
