/**
 * The ajv instance for schemas that apps write (config.sentinel.schemas, the env helpers) and the ones egg-sentinel
 * ships for app config. Strict about unknown keywords, so a typo in a schema is an error instead of a check that never
 * runs; not about types or `required` without `properties`, which are fine in a user's schema (and config values may
 * be functions, which no JSON type describes).
 */
import Ajv, { type Schema, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true, verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles once per schema object; throws ajv's error for a schema it cannot compile. */
export function compileSchema(schema: Schema): ValidateFunction {
  if (typeof schema === 'boolean') return ajv.compile(schema);
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}
