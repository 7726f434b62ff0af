// Serves the dashboard (packages/dashboard, built by `npm install` into packages/dashboard/dist):
// hashed assets under /assets/ with year-long immutable caching, and index.html for `/` and each
// client-side route (the app routes in the browser), never cached and with security headers.
// The page reaches the server only through the public API, like any other client.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeedloopError } from '../../core/errors.js';

/** Where the build lands, from dist/src/http/routes/ (the server always runs compiled). */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../../../packages/dashboard/dist/', import.meta.url));

/** Paths the dashboard routes in the browser (packages/dashboard/src/app.tsx); each answers index.html. */
export const CLIENT_ROUTES = ['/', '/sign-in', '/explorer', '/compare', '/keys', '/conversations/:id', '/interactions/:id', '/users/:id'] as const;

// Scripts and styles only from this server (no inline script, no CDN); the page may not be framed.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

export interface DashboardOptions { root?: string }

export async function registerDashboard(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const root = options.root ?? DASHBOARD_DIST;
  const indexFile = join(root, 'index.html');
  const built = existsSync(indexFile);
  const page = built ? readFileSync(indexFile) : null;

  await app.register(async (scope) => {
    // Everything here is public and free of rate limits: the page and its assets carry no data.
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), access: 'public', rateLimit: false } as typeof route.config;
      route.schema = { ...(route.schema ?? {}), hide: true };
    });

    const sendPage = async (_request: unknown, reply: FastifyReply) => {
      if (page === null) {
        throw new FeedloopError('not_found', 'The dashboard is not built: run `npm run build` (npm install does it)');
      }
      return reply.headers(PAGE_HEADERS).send(page);
    };
    for (const path of CLIENT_ROUTES) scope.get(path, sendPage);

    if (built) {
      await scope.register(fastifyStatic, {
        root: join(root, 'assets'),
        prefix: '/assets/',
        decorateReply: false,
        index: false,
        // File names carry a content hash: a changed file is a new URL.
        maxAge: '365d',
        immutable: true,
        // The build writes a .gz beside each file (packages/dashboard/vite.config.ts).
        preCompressed: true,
        setHeaders: (reply) => { reply.header('x-content-type-options', 'nosniff'); },
      });
    }
  });
}
