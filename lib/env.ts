/**
 * Helpers for config files to take secrets and structured settings from the environment:
 *
 *   import { env } from 'egg-sentinel';
 *   export default { mysql: { client: { password: env.secret('DB_PASSWORD') } }, features: env.json('FEATURES', schema) };
 *
 * A missing or invalid variable throws SentinelEnvError naming the variable (never its value), which stops boot while
 * egg loads config. JSON is parsed with secure-json-parse, so `__proto__` / `constructor.prototype` keys are refused.
 * Every string these helpers return is remembered as "from the environment", so SEN202 does not report it as hard-coded.
 */
import type { ErrorObject, Schema } from 'ajv';
import secureJsonParse from 'secure-json-parse';
import { compileSchema } from './config/user-ajv';
import { dropStack } from './quiet-error';

export class SentinelEnvError extends Error {
  declare readonly variable: string;

  constructor(variable: string, problem: string, fix: string) {
    super(`[egg-sentinel] environment variable ${variable} ${problem}. ${fix}`);
    this.name = 'SentinelEnvError';
    Object.defineProperty(this, 'variable', { value: variable, enumerable: false });
    dropStack(this);
  }
}

export interface EnvOptions {
  /** Return `undefined` when the variable is unset or empty instead of throwing. Default `false`. */
  optional?: boolean;
}

export interface SecretOptions extends EnvOptions {
  /** A JSON schema for the string (`minLength`, `pattern`…), checked with ajv. */
  schema?: Schema;
}

const fromEnvironment = new Set<string>();

/** Strings returned by the helpers in this process; facts merge them with process.env's values for SEN202. */
export function valuesReadFromEnvironment(): ReadonlySet<string> {
  return fromEnvironment;
}

/**
 * Set by `egg-sentinel pin`, which loads the app's config for its plugin list only: an unset variable then reads as
 * unset (undefined) instead of stopping the load, so pinning in CI needs none of production's secrets. A global, so
 * the copy of egg-sentinel the app's config files require sees it too; boot never sets it.
 */
const UNSET_READS_AS_UNSET = Symbol.for('egg-sentinel.env.unsetReadsAsUnset');

export async function readingUnsetVariablesAsUnset<T>(work: () => Promise<T>): Promise<T> {
  const flags = globalThis as Record<symbol, unknown>;
  const before = flags[UNSET_READS_AS_UNSET];
  flags[UNSET_READS_AS_UNSET] = true;
  try {
    return await work();
  } finally {
    flags[UNSET_READS_AS_UNSET] = before;
  }
}

/** Option names each helper takes: a misspelled one (`optinal`) must not be ignored silently. */
const KNOWN_OPTIONS: Readonly<Record<'secret' | 'json', readonly string[]>> = { secret: [ 'optional', 'schema' ], json: [ 'optional' ] };

function read(name: string, options: EnvOptions, source: NodeJS.ProcessEnv, helper: 'secret' | 'json'): string | undefined {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`[egg-sentinel] env.${helper}() needs the name of an environment variable, e.g. env.${helper}('DB_PASSWORD'${helper === 'json' ? ', schema' : ''})`);
  }
  const unknown = Object.keys(options ?? {}).filter(key => !KNOWN_OPTIONS[helper].includes(key));
  if (unknown.length) {
    throw new TypeError(`[egg-sentinel] env.${helper}('${name}'): unknown option ${unknown.map(key => JSON.stringify(key)).join(', ')}; ` +
      `the options are ${KNOWN_OPTIONS[helper].join(', ')}`);
  }
  const value = source[name];
  if (value !== undefined && value !== '') return value;
  if (options.optional || (globalThis as Record<symbol, unknown>)[UNSET_READS_AS_UNSET] === true) return undefined;
  throw new SentinelEnvError(name, value === undefined ? 'is not set' : 'is empty', `Set it in the environment of the process that starts egg${hintForCase(name, source)}.`);
}

function hintForCase(name: string, source: NodeJS.ProcessEnv): string {
  const other = Object.keys(source).find(key => key !== name && key.toLowerCase() === name.toLowerCase());
  return other ? ` (${other} is set: variable names are case-sensitive)` : '';
}

function validate(name: string, value: unknown, schema: Schema): void {
  let check;
  try {
    check = compileSchema(schema);
  } catch (error) {
    throw new SentinelEnvError(name, `has an invalid schema in the config file (${(error as Error).message})`, 'Fix the schema passed to the egg-sentinel env helper');
  }
  if (!check(value)) {
    const named = declaredNames(schema);
    throw new SentinelEnvError(name, `does not match its schema: ${(check.errors ?? []).map(error => describe(error, named, value)).join('; ')}`,
      'Fix the value where the environment is set (the value is not shown because it may be a secret)');
  }
}

/**
 * `at /flags/0: must be boolean`; ajv's messages never include the value. The path's keys are the value's own: one
 * the schema does not name (a token used as a key, `{ "sk_live_…": "client-a" }`, digits too) is shown as `<key>`;
 * an array's index is shown.
 */
function describe(error: ErrorObject, named: ReadonlySet<string>, value: unknown): string {
  let current = value;
  const at = error.instancePath.split('/').slice(1).map(segment => {
    const index = Array.isArray(current);
    current = current && typeof current === 'object' ? (current as Record<string, unknown>)[segment.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    return index || named.has(segment) ? segment : '<key>';
  });
  return `${at.length ? `at /${at.join('/')}: ` : ''}${error.message ?? 'is invalid'}`;
}

/** Every property name a schema declares (`properties`, `required`), at any depth, in ajv's path escaping. */
function declaredNames(schema: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) schema.forEach(item => declaredNames(item, names));
  else if (schema && typeof schema === 'object') {
    const { properties, required } = schema as { properties?: unknown; required?: unknown };
    if (properties && typeof properties === 'object') Object.keys(properties).forEach(key => names.add(key.replace(/~/g, '~0').replace(/\//g, '~1')));
    if (Array.isArray(required)) required.forEach(key => typeof key === 'string' && names.add(key));
    Object.values(schema).forEach(item => declaredNames(item, names));
  }
  return names;
}

function remember(value: unknown): void {
  if (typeof value === 'string') fromEnvironment.add(value);
  else if (Array.isArray(value)) value.forEach(remember);
  else if (value && typeof value === 'object') Object.values(value).forEach(remember);
}

function secret(name: string, options: SecretOptions & { optional: true }, source?: NodeJS.ProcessEnv): string | undefined;
function secret(name: string, options?: SecretOptions, source?: NodeJS.ProcessEnv): string;
/** A required (or `optional`) string from the environment, e.g. `env.secret('DB_PASSWORD')`. */
function secret(name: string, options: SecretOptions = {}, source: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = read(name, options, source, 'secret');
  if (value === undefined) return undefined;
  if (options.schema !== undefined) validate(name, value, options.schema);
  remember(value);
  return value;
}

function json<T = unknown>(name: string, schema: Schema, options: EnvOptions & { optional: true }, source?: NodeJS.ProcessEnv): T | undefined;
function json<T = unknown>(name: string, schema: Schema, options?: EnvOptions, source?: NodeJS.ProcessEnv): T;
/**
 * JSON from the environment, validated against `schema`: `env.json<Features>('FEATURES', { type: 'object', … })`.
 * `__proto__` and `constructor.prototype` keys are refused (prototype poisoning).
 */
function json<T = unknown>(name: string, schema: Schema, options: EnvOptions = {}, source: NodeJS.ProcessEnv = process.env): T | undefined {
  const text = read(name, options, source, 'json');
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = secureJsonParse(text, null, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const poisoned = /prototype/i.test((error as Error).message);
    throw new SentinelEnvError(name, poisoned ? 'holds JSON with a __proto__ or constructor.prototype key (prototype poisoning)' : 'is not valid JSON',
      // JSON.parse's own message quotes the text, which may be a secret.
      poisoned ? 'Remove that key where the environment is set' : 'Fix the JSON where the environment is set');
  }
  validate(name, value, schema);
  remember(value);
  return value as T;
}

/** The environment helpers; see the README, "Secrets from the environment". */
export const env = { secret, json };
