// GET /metrics (Prometheus text format) and the hook that counts every request by route template
// and status, so routes added later are measured without a line of their own.
//
// Who may read it: with FEEDLOOP_METRICS_TOKEN set, a request carrying it as a Bearer token
// (what Prometheus' `authorization` setting sends); without, only a client on this machine
// (loopback socket) whose request was not forwarded by a proxy (no X-Forwarded-For, Forwarded or
// X-Real-IP: a local reverse proxy must not turn the internet into a loopback client). Metrics are
// installation-wide, across projects, so a project's secret key does not open them.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Metrics } from '../app/metrics.js';
import { FeedloopError } from '../core/errors.js';

export interface MetricsOptions { metrics: Metrics; token: string | null }

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function mayRead(request: FastifyRequest, token: string | null): boolean {
  if (token !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    return match !== null && sameSecret(match[1]!, token);
  }
  const forwarded = request.headers['x-forwarded-for'] !== undefined || request.headers['forwarded'] !== undefined || request.headers['x-real-ip'] !== undefined;
  return !forwarded && LOOPBACK.test(request.socket.remoteAddress ?? '');
}

export function registerMetrics(app: FastifyInstance, { metrics, token }: MetricsOptions): void {
  app.addHook('onResponse', (request, reply, done) => {
    // The route template (`/api/v1/feedback/:id`), never the raw URL: one series per route.
    const route = request.routeOptions.url ?? '(unmatched)';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    if (!mayRead(request, token)) {
      throw token === null
        ? new FeedloopError('forbidden', 'Metrics are served to loopback clients only; set FEEDLOOP_METRICS_TOKEN to read them from elsewhere')
        : new FeedloopError('unauthorized', 'Send the metrics token as "Authorization: Bearer <FEEDLOOP_METRICS_TOKEN>"', { headers: { 'www-authenticate': 'Bearer realm="feedloop-metrics"' } });
    }
    return reply.type(metrics.contentType).send(await metrics.text());
  });
}
