// One catalogue of the errors feedloop reports, with stable codes clients can branch on.
// Domain code throws the meaning (FeedloopError with a code); the HTTP edge alone turns it into an
// RFC 9457 problem document (type = `/problems/<code>`) and a log level.

export const ERRORS = {
  validation_failed: { status: 422, title: 'The request body is not valid' },
  invalid_query: { status: 422, title: 'A query parameter is not valid' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  bad_request: { status: 400, title: 'The request is not valid' },
  unsupported_media_type: { status: 415, title: 'The content type is not supported' },
  body_too_large: { status: 413, title: 'The request body is too large' },
  unauthorized: { status: 401, title: 'A valid API key is required' },
  forbidden: { status: 403, title: 'This API key may not do this' },
  // Feedback tokens (a publishable key that requires them): each code names why one was refused.
  token_missing: { status: 401, title: 'A feedback token is required' },
  token_expired: { status: 401, title: 'The feedback token has expired' },
  token_wrong_user: { status: 401, title: 'The feedback token is for another end user' },
  token_wrong_interaction: { status: 401, title: 'The feedback token is for another interaction' },
  token_bad_signature: { status: 401, title: 'The feedback token is not signed by a key of this project' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  request_timeout: { status: 408, title: 'The request was not received in time' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  uri_too_long: { status: 414, title: 'The request URI is too long' },
  headers_too_large: { status: 431, title: 'The request headers are too large' },
  rate_limited: { status: 429, title: 'Too many requests' },
  storage_unavailable: { status: 503, title: 'Storage is unavailable' },
  pii_overloaded: { status: 503, title: 'PII removal is busy; retry later' },
  pii_budget_exceeded: { status: 413, title: 'The content to anonymize is too large for one request' },
  shutting_down: { status: 503, title: 'The server is shutting down' },
  internal: { status: 500, title: 'Internal error' },
  sign_in_failed: { status: 401, title: 'Sign-in failed' },
  csrf_rejected: { status: 403, title: 'The request did not come from the dashboard' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A rejected field, named by JSON pointer into the request body (RFC 6901), or a rejected query parameter. */
export interface FieldError { pointer: string; detail: string; parameter?: string }

/** Rejected fields listed at most in one problem document; the others are only counted (`errors_omitted`). */
export const MAX_LISTED_ERRORS = 20;
/** Longest JSON pointer repeated in a problem document (pointers are built from the client's keys). */
const MAX_POINTER_LENGTH = 512;

export class FeedloopError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[];
  /** Rejected fields beyond those listed in `errors`. */
  readonly errorsOmitted: number;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail?: string, options: { errors?: FieldError[]; errorsOmitted?: number; headers?: Record<string, string> } = {}) {
    super(detail ?? ERRORS[code].title);
    this.name = 'FeedloopError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.errors = options.errors ?? [];
    this.errorsOmitted = options.errorsOmitted ?? 0;
    this.headers = options.headers ?? {};
  }

  /** Client mistakes are logged quietly; everything else is ours to look at. */
  get isUserError(): boolean {
    return this.status < 500;
  }
}

/**
 * One 422 for the rejected fields: the first MAX_LISTED_ERRORS are listed, the rest counted, so a
 * large invalid body gets a small answer. `total` counts fields found beyond `errors` too.
 */
export function validationFailed(errors: FieldError[], total = errors.length): FeedloopError {
  const listed = errors.slice(0, MAX_LISTED_ERRORS).map((e) => e.pointer.length > MAX_POINTER_LENGTH
    ? { pointer: `${e.pointer.slice(0, MAX_POINTER_LENGTH)}…`, detail: e.detail } : e);
  const count = Math.max(total, errors.length);
  const fields = listed.map((e) => e.pointer || '/').join(', ');
  const more = count > listed.length ? ` and ${count - listed.length} more` : '';
  return new FeedloopError('validation_failed', `${count} field(s) rejected: ${fields}${more}`, { errors: listed, errorsOmitted: count - listed.length });
}

export function invalidQuery(errors: FieldError[]): FeedloopError {
  const names = [...new Set(errors.map((e) => e.parameter ?? e.pointer))].join(', ');
  return new FeedloopError('invalid_query', `${errors.length} query parameter problem(s): ${names}`, { errors });
}

/** Escapes one JSON pointer segment (RFC 6901: `~` -> `~0`, `/` -> `~1`). */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}
