/**
 * SEN304: JSON schemas for the app's config. egg-sentinel ships schemas for security-relevant keys
 * (lib/config/schemas/*.json, one per top-level key); apps add their own in `config.sentinel.schemas`
 * (key path → schema). Checked with ajv; messages name the key path, the value (masked when secret) and the rule broken.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { quoteForMessage } from '../env-name';
import { detectSecretValues, isSecretKeyName, MASK } from '../secrets';
import * as generated from '../validators/app-config.generated';
import { groupAnyOfBranches } from './ajv-errors';
import { compileSchema } from './user-ajv';

type JsonSchema = object | boolean;

/** Top-level config key → egg-sentinel's validator for it (lib/config/schemas/<key>.json, compiled ahead of time). */
const SHIPPED_VALIDATORS = Object.entries(generated as unknown as Record<string, ValidateFunction>);

export interface SchemaViolation {
  /** `config.security.csrf.type`. */
  target: string;
  /** Key path without array indices, for provenance. */
  keyPath: string;
  message: string;
}

function valueAt(config: Readonly<Record<string, unknown>>, keyPath: string): unknown {
  let node: unknown = config;
  for (const segment of keyPath.split('.')) {
    if (!node || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** Validates the config against the shipped schemas (keys that are present) and the user's (their keys must be set). */
export function validateAppConfig(config: Readonly<Record<string, unknown>>, userSchemas: Record<string, JsonSchema> = {}): SchemaViolation[] {
  const checks = [
    ...SHIPPED_VALIDATORS.map(([ keyPath, validate ]) => ({ keyPath, validator: () => validate, origin: 'egg-sentinel\'s schema', required: false })),
    ...Object.entries(userSchemas).map(([ keyPath, schema ]) => ({ keyPath, validator: () => compileSchema(schema), origin: 'config.sentinel.schemas', required: true })),
  ];
  return checks.flatMap(({ keyPath, validator, origin, required }) => {
    const value = valueAt(config, keyPath);
    if (value === undefined) {
      return required ? [{ target: `config.${keyPath}`, keyPath, message: `config.${keyPath} is not set, but ${origin} has a schema for it` }] : [];
    }
    const validate = validator();
    if (validate(value)) return [];
    return groupAnyOfBranches(validate.errors ?? []).map(({ error, branches }) => describe(keyPath, error, origin, branches));
  });
}

function describe(rootPath: string, error: ErrorObject, origin: string, branches: ErrorObject[]): SchemaViolation {
  const segments = error.instancePath.split('/').slice(1).map(part => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const target = segments.reduce((at, part) => (/^\d+$/.test(part) ? `${at}[${part}]` : `${at}.${part}`), `config.${rootPath}`);
  const keyPath = [ rootPath, ...segments.filter(part => !/^\d+$/.test(part)) ].join('.');
  const shown = showValue(error.data, [ ...rootPath.split('.'), ...segments ]);
  return { target, keyPath, message: `${target}: ${shown} ${brokenRule(error, branches)} (${origin}, ${error.schemaPath})` };
}

function brokenRule(error: ErrorObject, branches: ErrorObject[]): string {
  const params = error.params as Record<string, unknown>;
  // A switch egg takes as an object or `false` (egg-security's protections): the schema's `not` says so.
  const offForm = (error.parentSchema as { not?: { description?: string } } | undefined)?.not?.description;
  if (offForm && (error.keyword === 'not' || error.keyword === 'type')) return `is not allowed: ${offForm}`;
  if (error.keyword === 'enum') return `is not one of ${(params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`;
  if (error.keyword === 'anyOf') return `matches none of the allowed forms (${[ ...new Set(branches.map(b => b.message)) ].join('; ')})`;
  // ajv's message ("must NOT have additional properties") leaves out which key.
  if (error.keyword === 'additionalProperties') return `has the key ${quoteForMessage(String(params.additionalProperty))}, which the schema does not allow`;
  return error.message ?? 'is invalid';
}

/** The offending value for the message: primitives quoted, secrets masked, objects by their type only. */
function showValue(value: unknown, segments: string[]): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  const text = String(value);
  const secret = segments.some(part => isSecretKeyName(part) || part === 'keys') || (typeof value === 'string' && detectSecretValues(text).length > 0);
  if (secret) return MASK;
  return typeof value === 'string' ? quoteForMessage(text) : text;
}
