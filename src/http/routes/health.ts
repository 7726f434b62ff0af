// Health checks, never authenticated nor rate limited (a load balancer polling them must not lock
// itself out):
// - GET /healthz: readiness. 200 {"status": "ok", "ready": true, "storage": "ok"} when storage
//   takes writes; 503 {"status": "unavailable", "ready": false, "storage": "<code>", ...} when it
//   does not (and while the server shuts down). Load balancers route on this one.
// - GET /livez (also GET /healthz?live): liveness. 200 {"status": "ok"} whenever the process
//   answers at all, storage or not: restart the process only when this one fails.
import type { FastifyInstance } from 'fastify';
import type { Health } from '../../app/health.js';

export function registerHealthRoutes(app: FastifyInstance, options: { health: Health; closing: () => boolean }): void {
  const live = { status: 'ok' } as const;
  app.get('/livez', { config: { access: 'public' }, schema: { summary: 'Liveness', security: [] } }, async () => live);
  app.get('/healthz', { config: { access: 'public' }, schema: { summary: 'Readiness (also liveness with ?live)', security: [] } }, async (request, reply) => {
    if ((request.query as Record<string, unknown>)['live'] !== undefined) return live;
    if (options.closing()) return reply.code(503).header('retry-after', '1').send({ status: 'unavailable', ready: false, storage: 'closing' });
    const readiness = await options.health.readiness();
    if (readiness.ready) return { status: 'ok', ...readiness };
    return reply.code(503).header('retry-after', '1').send({ status: 'unavailable', ...readiness });
  });
}
