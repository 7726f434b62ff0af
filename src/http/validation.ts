// Request-body validation: the route's JSON Schema (compiled once by Fastify at registration, with
// every error collected) plus the cross-field rules of core/wire, merged into one 422 that names
// every rejected field by JSON pointer.
import type { FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { validationFailed, type FieldError } from '../core/errors.js';

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
    default:
      return { pointer: path, detail: e.message ?? 'is not valid' };
  }
}

/**
 * The body of a request whose route was registered with `attachValidation: true`, once it passes
 * both the schema and `rules`; otherwise throws one validation error listing every problem.
 */
export function validBody<T>(request: FastifyRequest, rules: (body: unknown) => FieldError[]): T {
  const schemaErrors: FieldError[] = (request.validationError?.validation as FastifySchemaValidationError[] | undefined)?.map(describe) ?? [];
  if (request.validationError && schemaErrors.length === 0) {
    schemaErrors.push({ pointer: '', detail: request.validationError.message });
  }
  return checked(request.body, schemaErrors, rules);
}

/** A validator compiled by Fastify's compiler (request.compileValidationSchema): Ajv's shape. */
export interface CompiledValidator { (value: unknown): boolean; errors?: unknown }

/**
 * `value` once it passes the compiled schema and `rules`, with the errors a route's body would get
 * (pointers relative to `value`): how a batch checks each of its events as the single endpoint would.
 */
export function validValue<T>(value: unknown, validate: CompiledValidator, rules: (value: unknown) => FieldError[]): T {
  const schemaErrors = validate(value) ? [] : ((validate.errors ?? []) as FastifySchemaValidationError[]).map(describe);
  return checked(value, schemaErrors, rules);
}

function checked<T>(value: unknown, schemaErrors: FieldError[], rules: (value: unknown) => FieldError[]): T {
  const seen = new Set(schemaErrors.map((e) => e.pointer));
  const errors = [...schemaErrors, ...rules(value).filter((e) => !seen.has(e.pointer))];
  if (errors.length > 0) throw validationFailed(errors);
  return value as T;
}
