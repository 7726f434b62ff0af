// RFC 9457 problem details: the one place where errors become HTTP responses and log levels.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, FeedloopError, type ErrorCode, type FieldError } from '../core/errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
}

/** Error codes of the database drivers that mean "storage cannot be reached or written now". */
const STORAGE_UNAVAILABLE_CODES = new Set([
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_CANTOPEN', 'SQLITE_READONLY',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300', '08000', '08003', '08006',
]);

function isStorageUnavailable(error: { code?: unknown; message?: string }): boolean {
  return (typeof error.code === 'string' && (STORAGE_UNAVAILABLE_CODES.has(error.code) || error.code.startsWith('SQLITE_IOERR')))
    || /Connection terminated|timeout exceeded when trying to connect|database connection is not open/i.test(error.message ?? '');
}

/** Errors raised by Fastify itself (content type, body parsing, limits) in catalogue terms. */
function fromFastify(error: FastifyError): FeedloopError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new FeedloopError('unsupported_media_type', 'Send the body as application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new FeedloopError('body_too_large', error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new FeedloopError('malformed_json', 'The body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new FeedloopError('malformed_json', error.message);
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new FeedloopError('malformed_json', error.message);
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    const code = (Object.keys(ERRORS) as ErrorCode[]).find((c) => ERRORS[c].status === error.statusCode) ?? 'bad_request';
    return new FeedloopError(code, error.message);
  }
  return null;
}

export function toProblem(error: FeedloopError, instance?: string): ProblemDocument {
  const problem: ProblemDocument = { type: `/problems/${error.code}`, title: ERRORS[error.code].title, status: error.status, detail: error.message };
  if (instance) problem.instance = instance;
  if (error.errors.length > 0) problem.errors = error.errors;
  return problem;
}

export function sendProblem(reply: FastifyReply, error: FeedloopError, request?: FastifyRequest): FastifyReply {
  return reply.code(error.status).headers(error.headers).type(PROBLEM_CONTENT_TYPE).send(toProblem(error, request?.url));
}

/** Any error of a request in catalogue terms, logged at its level (other encodings than problem+json use it too). */
export function asFeedloopError(error: FastifyError, request: FastifyRequest): FeedloopError {
  let problem = error instanceof FeedloopError ? error : fromFastify(error);
  if (!problem && isStorageUnavailable(error)) {
    request.log.error({ err: error }, 'storage unavailable');
    problem = new FeedloopError('storage_unavailable', 'Storage is unavailable; nothing was stored, retry later', { headers: { 'retry-after': '1' } });
  }
  if (!problem) {
    request.log.error({ err: error }, 'unhandled error');
    problem = new FeedloopError('internal', 'Internal error; nothing was stored');
  } else if (problem.isUserError) {
    request.log.debug({ code: problem.code, errors: problem.errors }, problem.message);
  }
  return problem;
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => sendProblem(reply, asFeedloopError(error, request), request));

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new FeedloopError('not_found', `No route ${request.method} ${request.url.split('?')[0]}`), request));

  // The `type` of every problem resolves on this server to a short description.
  app.get('/problems/:code', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const code = (request.params as { code: string }).code as ErrorCode;
    const entry = ERRORS[code];
    if (!entry) throw new FeedloopError('not_found', `No problem type ${code}`);
    return reply.send({ type: `/problems/${code}`, title: entry.title, status: entry.status });
  });
}
