// GET /sdk/feedloop.js and /sdk/feedloop@<version>.js: the browser library (packages/browser,
// built at install), so a page can load it from the feedloop server it sends to. The versioned URL
// never changes content: cached for a year, immutable. The plain URL follows upgrades: cached for
// five minutes, then revalidated by ETag. Served with `Access-Control-Allow-Origin: *` because
// browsers fetch module scripts (and import()) from another origin in CORS mode.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FeedloopError } from '../../core/errors.js';

export interface BrowserLibrary { version: string; code: Buffer; etag: string }

/** The built library of the @feedloop/browser workspace package, or null when it is not built. */
export function loadBrowserLibrary(): BrowserLibrary | null {
  try {
    const manifest = createRequire(import.meta.url).resolve('@feedloop/browser/package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    const code = readFileSync(join(dirname(manifest), 'dist', 'feedloop.js'));
    return { version, code, etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"` };
  } catch {
    return null;
  }
}

const SHORT_CACHE = 'public, max-age=300';
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function registerSdkRoutes(app: FastifyInstance, library: BrowserLibrary | null = loadBrowserLibrary()): void {
  if (!library) app.log.warn('the browser library is not built (packages/browser/dist); /sdk/feedloop.js answers 404 until `npm run build`');
  app.get('/sdk/:file', { config: { access: 'public', rateLimit: false }, schema: { hide: true } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const versioned = library !== null && file === `feedloop@${library.version}.js`;
    if (!library || (file !== 'feedloop.js' && !versioned)) {
      throw new FeedloopError('not_found', library
        ? `No ${file} here: the browser library is /sdk/feedloop.js or /sdk/feedloop@${library.version}.js`
        : 'The browser library is not built; run npm run build');
    }
    reply.headers({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': versioned ? IMMUTABLE : SHORT_CACHE,
      etag: library.etag,
      'access-control-allow-origin': '*',
      'cross-origin-resource-policy': 'cross-origin',
      'x-content-type-options': 'nosniff',
    });
    const tags = request.headers['if-none-match'];
    if (tags && (tags.trim() === '*' || tags.split(',').some((t) => t.trim().replace(/^W\//, '') === library.etag))) {
      return reply.code(304).send();
    }
    return reply.send(library.code);
  });
}
