import { dropStack } from '../quiet-error';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { userSchemaProblems } from './user-ajv';
import { policyProblems } from './policy';
import schema from './sentinel.schema.json';
import type { SentinelConfig } from './types';
import { BATCH_ACTION } from '../ipc/messenger';
import * as generated from '../validators/sentinel-config.generated';

// lib/config/sentinel.schema.json, compiled ahead of time (scripts/compile-schemas.js).
const validateSchema = generated.sentinelConfig as unknown as ValidateFunction<SentinelConfig>;

/** A `config.sentinel` value that does not fit the schema; the message names every offending key. */
export class SentinelConfigError extends Error {
  declare readonly problems: string[];

  /** `files`: the config files that set config.sentinel, as egg recorded them. */
  constructor(problems: string[], files: string[] = []) {
    super(`[egg-sentinel] invalid config.sentinel, boot refused:\n${problems.map(p => `  - ${p}`).join('\n')}\n` +
      `Fix the keys above in ${files.length ? files.join(', ') : 'the config file that sets them (config/config.<env>.js or .ts)'} ` +
      '(every option is documented in the egg-sentinel README).');
    this.name = 'SentinelConfigError';
    // Not enumerable: egg's logger prints enumerable error properties, which would repeat the message.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
    dropStack(this);
  }
}

/**
 * Validates `config.sentinel` and returns it typed; throws SentinelConfigError otherwise, naming `files` (the config
 * files that set it) as where to fix it. Rule ids in `rules` and `waivers` are checked against `knownRuleIds` when
 * given (the schema checks their form either way).
 */
export function validateSentinelConfig(value: unknown, knownRuleIds?: ReadonlySet<string>, files?: string[]): SentinelConfig {
  const problems: string[] = [];
  if (!validateSchema(value)) {
    for (const error of validateSchema.errors ?? []) problems.push(describeError(error));
  } else {
    for (const id of Object.keys(value.rules ?? {})) {
      if (knownRuleIds && !knownRuleIds.has(id)) problems.push(`config.sentinel.rules.${id}: no rule has this id (run \`egg-sentinel rules\` or see docs/rules.md)`);
    }
    problems.push(...policyProblems(value));
    problems.push(...ipcProblems(value.ipc));
    problems.push(...userSchemaProblems(value.schemas));
    (value.waivers ?? []).forEach((waiver, index) => {
      const at = `config.sentinel.waivers[${index}]`;
      if (knownRuleIds && !knownRuleIds.has(waiver.rule)) problems.push(`${at}.rule: no rule has the id "${waiver.rule}"`);
      if (!isRealDate(waiver.expires)) problems.push(`${at}.expires: "${waiver.expires}" is not a calendar date; use YYYY-MM-DD`);
    });
  }
  if (problems.length) throw new SentinelConfigError([ ...new Set(problems) ], files);
  return value as SentinelConfig;
}

/** What the schema cannot say about config.sentinel.ipc. Never quotes a secret. */
function ipcProblems(ipc: SentinelConfig['ipc']): string[] {
  const problems: string[] = [];
  if (Array.isArray(ipc?.encrypt) && ipc.encrypt.includes(BATCH_ACTION)) {
    problems.push(`config.sentinel.ipc.encrypt: "${BATCH_ACTION}" is egg-sentinel's own batch action; a batch is sealed when a message in it is: list your own actions`);
  }
  (ipc?.previousSecrets ?? []).forEach((previous, index) => {
    if (ipc?.secret !== undefined && previous.secret === ipc.secret) {
      problems.push(`config.sentinel.ipc.previousSecrets[${index}].secret: the same as ipc.secret; list only the secrets being rotated out`);
    }
  });
  return problems;
}

function isRealDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

function keyPath(instancePath: string): string {
  // ajv gives JSON pointers (/waivers/0/reason); show them the way users write config.
  const parts = instancePath.split('/').slice(1).map(part => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : `${path}.${part}`), 'config.sentinel');
}

function describeError(error: ErrorObject): string {
  const at = keyPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(propertiesAt(error.schemaPath));
      const suggestion = allowed.find(name => name.toLowerCase() === key.toLowerCase());
      return `${at}.${key}: unknown option${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; allowed: ${allowed.join(', ')}`;
    }
    case 'enum':
      return `${at}: ${quote(error.data)} is not allowed; use one of ${(params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `${at}.${String(params.missingProperty)}: required${requiredHint(String(params.missingProperty))}`;
    case 'type':
      return `${at}: must be ${String(params.type)}, got ${describeType(error.data)}`;
    case 'pattern':
      return `${at}: ${JSON.stringify(error.data)} does not match ${patternHint(String(params.pattern))}`;
    case 'propertyNames':
      return `${at}: keys must be rule ids such as "SEN201"`;
    case 'minLength':
      return Number(params.limit) === 1 ? `${at}: must not be empty` :
        `${at}: ${quote(error.data)} is too short (at least ${String(params.limit)} characters)`;
    default:
      return `${at}: ${error.message ?? 'is invalid'}`;
  }
}

function requiredHint(property: string): string {
  if (property === 'reason') return ' (say why the finding is accepted)';
  if (property === 'expires') return ' (a date YYYY-MM-DD after which the waiver stops applying)';
  return '';
}

function patternHint(pattern: string): string {
  if (pattern.includes('SEN')) return 'a rule id such as "SEN201"';
  if (pattern.includes('[0-9]{4}')) return 'a date YYYY-MM-DD';
  if (pattern.includes('core|')) return 'a middleware name or the group selector "*core" / "*app"';
  if (pattern.includes('[A-Za-z_$]')) return 'a middleware name (letters, digits, _ and $, as in config.middleware)';
  if (pattern.includes('@/._~*?')) return 'a plugin or package name, * and ? as wildcards (e.g. "egg-*", "@eggjs/*")';
  if (pattern.includes('/.*')) return 'a route path pattern starting with "/" (e.g. "/api/**"), or "**" for every route';
  return pattern;
}

/** The offending value for a message: JSON where it can be (not a BigInt, a cycle or a function), else its type. */
function quote(value: unknown): string {
  try {
    return JSON.stringify(value) ?? describeType(value);
  } catch {
    return describeType(value);
  }
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value;
}

/** The `properties` object of the schema node an error's schemaPath points into. */
function propertiesAt(schemaPath: string): Record<string, unknown> {
  const segments = schemaPath.replace(/^#\//, '').split('/').slice(0, -1);
  let node: unknown = schema;
  for (const segment of segments) node = (node as Record<string, unknown>)[segment];
  return ((node as { properties?: Record<string, unknown> }).properties) ?? {};
}
