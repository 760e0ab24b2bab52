/**
 * The ajv instance for schemas that apps write (config.sentinel.schemas, the env helpers); egg-sentinel's own
 * schemas are compiled ahead of time (lib/validators.ts). Strict about unknown keywords, so a typo in a schema is an
 * error instead of a check that never runs; not about types or `required` without `properties`, which are fine in a
 * user's schema (and config values may be functions, which no JSON type describes).
 */
import type AjvClass from 'ajv';
import type { Schema, ValidateFunction } from 'ajv';

let ajv: AjvClass | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** ajv's compiler is loaded on first use: most apps declare no schema of their own, and loading it costs boot time. */
function compiler(): AjvClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: Ajv } = require('ajv') as typeof import('ajv');
  ajv ??= new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true, verbose: true });
  return ajv;
}

/** Compiles once per schema object; throws ajv's error for a schema it cannot compile. */
export function compileSchema(schema: Schema): ValidateFunction {
  if (typeof schema === 'boolean') return compiler().compile(schema);
  let validate = compiled.get(schema);
  if (!validate) {
    validate = compiler().compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

const KEY_PATH = /^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*)*$/;

/** Problems with `config.sentinel.schemas` itself (bad key path, schema ajv cannot compile), for config validation. */
export function userSchemaProblems(schemas: Record<string, unknown> | undefined): string[] {
  return Object.entries(schemas ?? {}).flatMap(([ keyPath, schema ]) => {
    const at = `config.sentinel.schemas[${JSON.stringify(keyPath)}]`;
    if (!KEY_PATH.test(keyPath)) return [ `${at}: the key must be a dotted config key path such as "mysql.client"` ];
    if (typeof schema !== 'boolean' && (!schema || typeof schema !== 'object' || Array.isArray(schema))) {
      return [ `${at}: must be a JSON schema (an object such as { type: 'string' }, or a boolean)` ];
    }
    try {
      compileSchema(schema);
      return [];
    } catch (error) {
      const message = (error as Error).message;
      return [ `${at}: not a valid JSON schema for ajv (${message})${/unknown format/.test(message) ? '; string formats are not available, use a pattern' : ''}` ];
    }
  });
}
