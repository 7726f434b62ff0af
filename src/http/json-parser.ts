// The JSON body parser: Fastify's own (prototype-poisoning safe), plus one repair. U+0000 cannot be
// stored by PostgreSQL (text or jsonb) while every other backend and client accepts it, so it is
// replaced by U+FFFD wherever it occurs: the same body is then accepted the same way on every backend.
// Only bodies that contain the escape at all pay for the walk.
import type { FastifyInstance, FastifyRequest } from 'fastify';

type ContentTypeParserFunction = (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => void;

const NUL = /\u0000/g;

function replaceNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replace(NUL, '\uFFFD') : value;
  if (Array.isArray(value)) return value.map(replaceNul);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[replaceNul(k) as string] = replaceNul(v);
    return out;
  }
  return value;
}

/** The parser, for registering under another content type too (the text/plain feedback batch). */
export function jsonBodyParser(app: FastifyInstance): ContentTypeParserFunction {
  const parse = app.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    parse(request, body as string, (error, value) => {
      if (error) return done(error, undefined);
      done(null, typeof body === 'string' && /\\u0000/i.test(body) ? replaceNul(value) : value);
    });
  };
}

export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser(app));
}
