// Request-body validation: the route's JSON Schema (compiled once by Fastify at registration, with
// every error collected) plus the cross-field rules of core/wire, merged into one 422 that names
// every rejected field by JSON pointer.
import type { FastifyInstance, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { validationFailed, type FieldError } from '../core/errors.js';
import type { TimeWindow } from '../core/time.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The configured range of timestamps in bodies (FEEDLOOP_EARLIEST_TIME, FEEDLOOP_MAX_FUTURE). */
    bodyTimeWindow: { earliest: number; maxFutureMs: number };
  }
}

export function registerValidation(app: FastifyInstance, window: { earliest: number; maxFutureMs: number }): void {
  app.decorate('bodyTimeWindow', window);
}

/** The range of timestamps a body of this request may carry (it moves with the clock). */
export function timeWindowOf(request: FastifyRequest): TimeWindow {
  const { earliest, maxFutureMs } = request.server.bodyTimeWindow;
  return { earliest, maxFutureMs, now: Date.now() };
}

/** Ajv settings: report all errors, never coerce or drop what the client sent. */
export const AJV_OPTIONS = { allErrors: true, allowUnionTypes: true, coerceTypes: false, removeAdditional: false, useDefaults: false } as const;

function describe(e: FastifySchemaValidationError): FieldError {
  const params = e.params as Record<string, unknown>;
  const path = e.instancePath;
  switch (e.keyword) {
    case 'required':
      return { pointer: `${path}/${params['missingProperty'] as string}`, detail: 'is required' };
    case 'type': {
      const types = ([] as string[]).concat(params['type'] as string | string[]).filter((t) => t !== 'null');
      return { pointer: path, detail: `must be ${types.map((t) => (t === 'array' || t === 'object' || t === 'integer' ? `an ${t}` : `a ${t}`)).join(' or ')}` };
    }
    case 'minLength':
      return { pointer: path, detail: params['limit'] === 1 ? 'must not be empty' : `must be at least ${params['limit'] as number} characters` };
    case 'enum':
      return { pointer: path, detail: `must be one of ${(params['allowedValues'] as unknown[]).join(', ')}` };
    case 'minItems':
      return { pointer: path, detail: `must hold at least ${params['limit'] as number} item(s)` };
    case 'maxItems':
      return { pointer: path, detail: `must hold at most ${params['limit'] as number} item(s)` };
    case 'maxLength':
      return { pointer: path, detail: `must be at most ${params['limit'] as number} characters` };
    default:
      return { pointer: path, detail: e.message ?? 'is not valid' };
  }
}

/**
 * The body of a request whose route was registered with `attachValidation: true`, once it passes
 * both the schema and `rules`; otherwise throws one validation error listing the problems (the
 * first ones, with a count of the rest: see validationFailed).
 */
export function validBody<T>(request: FastifyRequest, rules: (body: unknown, window: TimeWindow) => FieldError[]): T {
  const schemaErrors: FieldError[] = (request.validationError?.validation as FastifySchemaValidationError[] | undefined)?.map(describe) ?? [];
  if (request.validationError && schemaErrors.length === 0) {
    schemaErrors.push({ pointer: '', detail: request.validationError.message });
  }
  return checked(request.body, schemaErrors, (body) => rules(body, timeWindowOf(request)));
}

/** A validator compiled by Fastify's compiler (request.compileValidationSchema): Ajv's shape. */
export interface CompiledValidator { (value: unknown): boolean; errors?: unknown }

/**
 * `value` once it passes the compiled schema and `rules`, with the errors a route's body would get
 * (pointers relative to `value`): how a batch checks each of its events as the single endpoint would.
 * `window`: the request's timestamp window (timeWindowOf).
 */
export function validValue<T>(value: unknown, validate: CompiledValidator, rules: (value: unknown, window: TimeWindow) => FieldError[], window: TimeWindow): T {
  const schemaErrors = validate(value) ? [] : ((validate.errors ?? []) as FastifySchemaValidationError[]).map(describe);
  return checked(value, schemaErrors, (v) => rules(v, window));
}

function checked<T>(value: unknown, schemaErrors: FieldError[], rules: (value: unknown) => FieldError[]): T {
  const seen = new Set(schemaErrors.map((e) => e.pointer));
  const errors = [...schemaErrors, ...rules(value).filter((e) => !seen.has(e.pointer))];
  if (errors.length > 0) throw validationFailed(errors);
  return value as T;
}

/** The errors a compiled validator finds in `value`, as the field errors a 422 lists (schema errors only). */
export function schemaErrorsOf(value: unknown, validate: CompiledValidator): FieldError[] {
  return validate(value) ? [] : ((validate.errors ?? []) as FastifySchemaValidationError[]).map(describe);
}
