// Validation of import lines outside a request (the CLI's import, and the import route's lines):
// the same Ajv settings as the routes' bodies, each schema compiled once, errors described alike.
import { Ajv, type ValidateFunction } from 'ajv';
import type { TSchema } from 'typebox';
import type { SchemaCheck } from '../app/importer.js';
import { AJV_OPTIONS, schemaErrorsOf, type CompiledValidator } from './validation.js';

export function createSchemaCheck(): SchemaCheck {
  const ajv = new Ajv({ ...AJV_OPTIONS, addUsedSchema: false });
  const compiled = new WeakMap<TSchema, ValidateFunction>();
  return (schema, value) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }
    return schemaErrorsOf(value, validate as CompiledValidator);
  };
}
