// RFC 9457 problem details: the one place where errors become HTTP responses and log levels.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, FeedloopError, type ErrorCode, type FieldError } from '../core/errors.js';
import { isStorageUnavailable, storageErrorCode } from '../storage/unavailable.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  /** Rejected fields not listed in `errors` (a problem document lists at most 20). */
  errors_omitted?: number;
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
    case 'FST_ERR_BAD_URL':
      return new FeedloopError('bad_request', 'The URL is not valid (malformed percent-encoding)');
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
  if (error.errorsOmitted > 0) problem.errors_omitted = error.errorsOmitted;
  return problem;
}

/** The request's path as the problem's `instance`: without the query, and cut short (it comes from the client). */
function instanceOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0]!;
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

export function sendProblem(reply: FastifyReply, error: FeedloopError, request?: FastifyRequest): FastifyReply {
  return reply.code(error.status).headers(error.headers).type(PROBLEM_CONTENT_TYPE).send(toProblem(error, request && instanceOf(request)));
}

export interface ProblemOptions {
  /** Told of each request that failed because storage was unavailable (metrics), with the driver's code. */
  onStorageError?: (code: string, error: unknown) => void;
}

declare module 'fastify' {
  interface FastifyInstance { problemOptions: ProblemOptions }
}

/** Any error of a request in catalogue terms, logged at its level (other encodings than problem+json use it too). */
export function asFeedloopError(error: FastifyError, request: FastifyRequest): FeedloopError {
  let problem = error instanceof FeedloopError ? error : fromFastify(error);
  if (!problem && isStorageUnavailable(error)) {
    const code = storageErrorCode(error);
    request.log.error({ err: error, code }, 'storage unavailable');
    request.server.problemOptions?.onStorageError?.(code, error);
    problem = new FeedloopError('storage_unavailable', 'Storage is unavailable; retry later (a retry with the same event_id or interaction id never stores twice)',
      { headers: { 'retry-after': '2' } });
  }
  if (!problem) {
    request.log.error({ err: error }, 'unhandled error');
    problem = new FeedloopError('internal', 'Internal error; nothing was stored');
  } else if (problem.isUserError) {
    request.log.debug({ code: problem.code, errors: problem.errors }, problem.message);
  }
  return problem;
}

export function registerProblemHandlers(app: FastifyInstance, options: ProblemOptions = {}): void {
  app.decorate('problemOptions', options);
  app.setErrorHandler((error: FastifyError, request, reply) => sendProblem(reply, asFeedloopError(error, request), request));

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new FeedloopError('not_found', `No route ${request.method} ${instanceOf(request)}`), request));

  // The `type` of every problem resolves on this server to a short description.
  app.get('/problems/:code', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const code = (request.params as { code: string }).code as ErrorCode;
    const entry = ERRORS[code];
    if (!entry) throw new FeedloopError('not_found', `No problem type ${code}`);
    return reply.send({ type: `/problems/${code}`, title: entry.title, status: entry.status });
  });
}
