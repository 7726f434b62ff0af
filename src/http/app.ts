// The HTTP edge: a Fastify instance with the compat and read routes, auth and RFC 9457 errors.
// Built by a factory so tests drive it in-process (app.inject) as well as over a real port.
// What protects every route, including routes added later (docs/hardening.md), is registered
// here before any route: body limits by class, the JSON parser and its limits, timeouts and
// protocol errors as problems, rate limits, security headers, request ids, metrics.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import type { Health } from '../app/health.js';
import type { Ingestion } from '../app/ingestion.js';
import type { Keys } from '../app/keys.js';
import { Metrics } from '../app/metrics.js';
import type { Sessions } from '../app/sessions.js';
import type { Config } from '../config.js';
import { FeedloopError } from '../core/errors.js';
import type { Storage } from '../storage/port.js';
import { FeedbackTokens } from '../app/feedback-tokens.js';
import { registerAuth } from './auth.js';
import { clientErrorHandler } from './client-errors.js';
import { registerCors } from './cors.js';
import { registerJsonParser } from './json-parser.js';
import { registerBodyLimits } from './limits.js';
import { registerMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { registerProblemHandlers, sendProblem } from './problem.js';
import { registerRateLimit } from './rate-limit.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerAnalyticsRoutes } from './routes/analytics.js';
import { registerCompatRoutes } from './routes/compat.js';
import { registerDataRoutes } from './routes/data.js';
import { registerDashboard } from './routes/dashboard.js';
import { registerFeedbackBatchRoute } from './routes/feedback-batch.js';
import { registerFeedbackTokenRoutes } from './routes/feedback-tokens.js';
import { registerKeyRoutes } from './routes/keys.js';
import { registerListRoutes } from './routes/lists.js';
import { registerOtlpRoutes } from './routes/otlp.js';
import { registerReadRoutes } from './routes/read.js';
import { registerSessionRoutes } from './routes/session.js';
import { registerSdkRoutes } from './routes/sdk.js';
import { registerSecurityHeaders } from './security-headers.js';
import { AJV_OPTIONS, registerValidation } from './validation.js';

/** The settings of config.ts that the edge applies (limits, timeouts, proxies, rate limits, metrics). */
export type EdgeSettings = Pick<Config, 'bodyLimits' | 'jsonLimits' | 'timeWindow' | 'headersTimeoutMs' | 'requestTimeoutMs'
  | 'rateLimitPerEndUser' | 'rateLimitPerIp' | 'trustProxy' | 'metricsToken'>;

export interface AppDependencies {
  storage: Storage;
  ingestion: Ingestion;
  keys: Keys;
  pendingTtlMs: number;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  logLevel: string;
  /** Dashboard sign-in sessions; without them the dashboard's cookie is not accepted. */
  sessions?: Sessions;
  /** Where the built dashboard is (tests); packages/dashboard/dist by default. */
  dashboardRoot?: string;
  /** OTLP spans being written at once before exports get 503 (default 100000). */
  otlpMaxSpansInFlight?: number;
  edge: EdgeSettings;
  health: Health;
  metrics: Metrics;
  /** The server's logger (src/app/logger.ts); Fastify makes one from logLevel when left out. */
  logger?: FastifyBaseLogger;
}

/** One route as registered (for tests that must cover every route, such as the fuzz suite). */
export interface RouteEntry { method: string; url: string; access: string }

declare module 'fastify' {
  interface FastifyInstance { routeTable: RouteEntry[] }
}

/** A client's X-Request-Id is kept when it looks like an id (so it can be followed across services); otherwise one is made. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { edge } = deps;
  const verbose = deps.logLevel === 'debug' || deps.logLevel === 'trace';
  const options: FastifyHttpOptions<Server, FastifyBaseLogger> = {
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: { level: deps.logLevel } }),
    // Per-request log lines cost more than the ingestion itself; errors are still logged (with the
    // request id). LOG_LEVEL=debug turns them on.
    logController: new LogController({ disableRequestLogging: !verbose }),
    genReqId: requestId,
    // A hop count is accepted by Fastify (request.ip then skips that many proxies) though its types omit it.
    trustProxy: edge.trustProxy as boolean | string,
    bodyLimit: deps.bodyLimitBytes,
    ajv: { customOptions: AJV_OPTIONS },
    // Node's timeouts, checked every second (its default check runs every 30 s): a request whose
    // headers or body never finish is answered 408 and its connection closed.
    requestTimeout: edge.requestTimeoutMs,
    http: { connectionsCheckingInterval: Math.max(250, Math.min(1000, edge.headersTimeoutMs / 4)) },
    clientErrorHandler,
    // The router's own errors (a bad percent-encoding, a path segment over 100 characters) as
    // problems too, without repeating the URL.
    frameworkErrors: (error, _request, reply) => {
      sendProblem(reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new FeedloopError('uri_too_long', 'A segment of the path is longer than 100 characters')
        : new FeedloopError('bad_request', 'The URL is not valid (malformed percent-encoding)'));
    },
    // Fastify's own 503 while closing is not a problem document; the hook below answers instead.
    return503OnClosing: false,
  };
  const app = Fastify(options);
  app.server.headersTimeout = edge.headersTimeoutMs;
  const routes: RouteEntry[] = [];
  app.decorate('routeTable', routes);
  app.addHook('onRoute', (route) => {
    // Read when asked: a plugin's own onRoute hook (Swagger UI's, made public) may change the config after this one.
    for (const method of ([] as string[]).concat(route.method)) {
      routes.push({ method, url: route.url, get access() { return route.config?.access ?? 'secret'; } });
    }
  });
  registerBodyLimits(app, edge.bodyLimits);
  // Only JSON bodies: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  registerJsonParser(app, edge.jsonLimits);
  registerValidation(app, edge.timeWindow);
  registerSecurityHeaders(app);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  await registerOpenApi(app);
  // Before every route, so that each answers with problem documents.
  registerProblemHandlers(app, { onStorageError: (code) => deps.metrics.storageError(code) });
  registerMetrics(app, { metrics: deps.metrics, token: edge.metricsToken });
  let closing = false;
  app.addHook('preClose', async () => { closing = true; });
  app.addHook('onRequest', async () => {
    if (closing) {
      throw new FeedloopError('shutting_down', 'The server is shutting down; nothing was stored, retry later',
        { headers: { 'retry-after': '1', connection: 'close' } });
    }
  });
  await app.register(fastifyCookie);
  registerCors(app);
  registerAuth(app, deps.keys, deps.sessions);
  await registerRateLimit(app, { perKey: deps.rateLimitPerMinute, perEndUser: edge.rateLimitPerEndUser, perIp: edge.rateLimitPerIp });
  registerHealthRoutes(app, { health: deps.health, closing: () => closing });
  const tokens = new FeedbackTokens(deps.keys);
  registerCompatRoutes(app, { ingestion: deps.ingestion, pendingTtlMs: deps.pendingTtlMs, tokens });
  await registerFeedbackBatchRoute(app, { ingestion: deps.ingestion, keys: deps.keys, tokens, pendingTtlMs: deps.pendingTtlMs });
  registerFeedbackTokenRoutes(app, tokens);
  registerSdkRoutes(app);
  registerReadRoutes(app, { storage: deps.storage, pendingTtlMs: deps.pendingTtlMs });
  registerListRoutes(app, { storage: deps.storage, pendingTtlMs: deps.pendingTtlMs });
  registerAnalyticsRoutes(app, { storage: deps.storage });
  registerKeyRoutes(app, deps.keys);
  await registerDataRoutes(app, { storage: deps.storage, ingestion: deps.ingestion, pendingTtlMs: deps.pendingTtlMs, bodyLimitBytes: deps.bodyLimitBytes, edge: deps.edge });
  await registerOtlpRoutes(app, { ingestion: deps.ingestion, bodyLimitBytes: deps.bodyLimitBytes, maxSpansInFlight: deps.otlpMaxSpansInFlight ?? 100_000 });
  if (deps.sessions) registerSessionRoutes(app, deps.sessions);
  await registerDashboard(app, { root: deps.dashboardRoot });
  await app.ready();
  return app;
}
