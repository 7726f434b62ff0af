// The HTTP edge: a Fastify instance with the compat and read routes, auth and RFC 9457 errors.
// Built by a factory so tests drive it in-process (app.inject) as well as over a real port.
import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Ingestion } from '../app/ingestion.js';
import type { Keys } from '../app/keys.js';
import type { Sessions } from '../app/sessions.js';
import { FeedloopError } from '../core/errors.js';
import type { Storage } from '../storage/port.js';
import { FeedbackTokens } from '../app/feedback-tokens.js';
import { registerAuth } from './auth.js';
import { registerCors } from './cors.js';
import { registerJsonParser } from './json-parser.js';
import { registerOpenApi } from './openapi.js';
import { registerProblemHandlers } from './problem.js';
import { registerRateLimit } from './rate-limit.js';
import { registerAnalyticsRoutes } from './routes/analytics.js';
import { registerCompatRoutes } from './routes/compat.js';
import { registerDashboard } from './routes/dashboard.js';
import { registerFeedbackBatchRoute } from './routes/feedback-batch.js';
import { registerFeedbackTokenRoutes } from './routes/feedback-tokens.js';
import { registerKeyRoutes } from './routes/keys.js';
import { registerListRoutes } from './routes/lists.js';
import { registerOtlpRoutes } from './routes/otlp.js';
import { registerReadRoutes } from './routes/read.js';
import { registerSessionRoutes } from './routes/session.js';
import { registerSdkRoutes } from './routes/sdk.js';
import { AJV_OPTIONS } from './validation.js';

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
  /** Fastify's trustProxy (FEEDLOOP_TRUST_PROXY). */
  trustProxy?: boolean | string[];
  /** Where the built dashboard is (tests); packages/dashboard/dist by default. */
  dashboardRoot?: string;
  /** OTLP spans being written at once before exports get 503 (default 100000). */
  otlpMaxSpansInFlight?: number;
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: deps.logLevel },
    // Per-request log lines cost more than the ingestion itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    ajv: { customOptions: AJV_OPTIONS },
    // Fastify's own 503 while closing is not a problem document; the hook below answers instead.
    return503OnClosing: false,
    trustProxy: deps.trustProxy ?? false,
  });
  // Only JSON bodies: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  registerJsonParser(app);

  await registerOpenApi(app);
  registerProblemHandlers(app);
  let closing = false;
  app.addHook('preClose', async () => { closing = true; });
  app.addHook('onRequest', async () => {
    if (closing) {
      throw new FeedloopError('storage_unavailable', 'The server is shutting down; nothing was stored, retry later',
        { headers: { 'retry-after': '1', connection: 'close' } });
    }
  });
  await app.register(fastifyCookie);
  registerCors(app);
  registerAuth(app, deps.keys, deps.sessions);
  await registerRateLimit(app, deps.rateLimitPerMinute);
  const tokens = new FeedbackTokens(deps.keys);
  registerCompatRoutes(app, { ingestion: deps.ingestion, pendingTtlMs: deps.pendingTtlMs, tokens });
  await registerFeedbackBatchRoute(app, { ingestion: deps.ingestion, keys: deps.keys, tokens, pendingTtlMs: deps.pendingTtlMs });
  registerFeedbackTokenRoutes(app, tokens);
  registerSdkRoutes(app);
  registerReadRoutes(app, { storage: deps.storage, pendingTtlMs: deps.pendingTtlMs });
  registerListRoutes(app, { storage: deps.storage, pendingTtlMs: deps.pendingTtlMs });
  registerAnalyticsRoutes(app, { storage: deps.storage });
  registerKeyRoutes(app, deps.keys);
  await registerOtlpRoutes(app, { ingestion: deps.ingestion, bodyLimitBytes: deps.bodyLimitBytes, maxSpansInFlight: deps.otlpMaxSpansInFlight ?? 100_000 });
  if (deps.sessions) registerSessionRoutes(app, deps.sessions);
  await registerDashboard(app, { root: deps.dashboardRoot });
  await app.ready();
  return app;
}
