import { dropStack } from '../quiet-error';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { groupAnyOfBranches } from './ajv-errors';
import { userSchemaProblems } from './user-ajv';
import { policyProblems } from './policy';
import { editDistance } from '../plugins/names';
import schema from './sentinel.schema.json';
import type { SentinelConfig } from './types';
import type { SentinelKeySetter } from '../facts/plugin-list';
import { endOf } from '../ipc/keyring';
import { BATCH_ACTION } from '../ipc/messenger';
import * as generated from '../validators/sentinel-config.generated';

// lib/config/sentinel.schema.json, compiled ahead of time (scripts/compile-schemas.js).
const validateSchema = generated.sentinelConfig as unknown as ValidateFunction<SentinelConfig>;

/** A `config.sentinel` value that does not fit the schema; the message names every offending key. */
export class SentinelConfigError extends Error {
  declare readonly problems: string[];
  /** The fix line when it is not "fix the keys in these files" (the keys were set from outside the app). */
  declare readonly fix?: string;
  /** The files to fix the keys in, as the message names them. */
  declare readonly files: string[];

  /** `files`: the config files that set config.sentinel, as egg recorded them; `fix`: a fix line instead of theirs. */
  constructor(problems: string[], files: string[] = [], fix?: string) {
    super(`[egg-sentinel] invalid config.sentinel, boot refused:\n${problems.map(p => `  - ${p}`).join('\n')}\n` +
      (fix ?? `Fix the keys above in ${files.length ? files.join(', ') : 'the config file that sets them (config/config.<env>.js or .ts)'} ` +
        '(every option is documented in the egg-sentinel README).'));
    this.name = 'SentinelConfigError';
    // Not enumerable: egg's logger prints enumerable error properties, which would repeat the message.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
    Object.defineProperty(this, 'fix', { value: fix, enumerable: false });
    Object.defineProperty(this, 'files', { value: files, enumerable: false });
    dropStack(this);
  }
}

/**
 * Validates `config.sentinel` and returns it typed; throws SentinelConfigError otherwise, naming `files` (the config
 * files that set it) as where to fix it. Rule ids in `rules` and `waivers` are checked against `knownRuleIds` when
 * given (the schema checks their form either way). `setOutside`: its keys that something other than the app set
 * (sentinelKeysSetOutsideTheApp), which are refused: they could switch the checks off.
 */
export function validateSentinelConfig(value: unknown, knownRuleIds?: ReadonlySet<string>, files?: string[], setOutside: readonly SentinelKeySetter[] = [],
  whereSet?: (keyPath: string) => string | undefined): SentinelConfig {
  const outside = setOutsideProblems(setOutside);
  const dates = dateFields(value);
  const invalidDates = normaliseDates(dates);
  const problems: string[] = [ ...outside, ...invalidDates.map(({ at }) => `${at}: an invalid Date (new Date() of something that is no date); give a valid Date, ${DATE_FORMS}`) ];
  const valid = validateSchema(value);
  // An invalid Date is said above, not again as "must be string, got object".
  if (!valid) problems.push(...describeErrors((validateSchema.errors ?? []).filter(error => !invalidDates.some(({ pointer }) => error.instancePath === pointer))));
  // Rule ids and waiver dates are checked whatever else is wrong, so one run names every problem; each check looks
  // only at values of the shape it expects. The other checks need the shape the schema vouches for.
  if (isRecord(value)) {
    problems.push(...ruleIdProblems(value.rules, knownRuleIds), ...waiverProblems(value.waivers, knownRuleIds), ...calendarDateProblems(dates));
  }
  if (valid) {
    problems.push(...policyProblems(value));
    problems.push(...ipcProblems(value.ipc));
    problems.push(...userSchemaProblems(value.schemas));
  }
  const unique = [ ...new Set(problems) ];
  if (!unique.length) return value as SentinelConfig;
  // Each problem with the file that set its key, and only those files to fix, when egg recorded them.
  const placed = unique.map(problem => {
    const keyPath = /^config\.(sentinel[^:\s]*):/.exec(problem)?.[1];
    const file = keyPath && !outside.includes(problem) ? whereSet?.(keyPath) : undefined;
    return { problem: file ? `${problem} (set in ${file})` : problem, file };
  });
  const named = [ ...new Set(placed.map(entry => entry.file).filter((file): file is string => file !== undefined)) ];
  const inside = placed.filter(entry => !outside.includes(entry.problem));
  throw new SentinelConfigError(placed.map(entry => entry.problem), inside.length && inside.every(entry => entry.file) ? named : files,
    unique.length === outside.length ? 'Fix: remove them where they are set, as said above.' : undefined);
}

/** One problem per source that set keys of config.sentinel from outside the app. */
function setOutsideProblems(setOutside: readonly SentinelKeySetter[]): string[] {
  const bySource = new Map<string, string[]>();
  for (const { keyPath, by } of setOutside) bySource.set(by, [ ...(bySource.get(by) ?? []), `config.${keyPath}` ]);
  return [ ...bySource ].map(([ by, keys ]) => `${keys.join(', ')} ${keys.length === 1 ? 'is' : 'are'} set by ${by}: outside local and unittest ` +
    'egg-sentinel takes its own settings only from the app\'s config files (and its framework\'s), since whoever sets the ' +
    `environment or ships a plugin could otherwise switch its checks off. Remove "sentinel" from ${by}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

/** SEN001 (expired) and SEN002 (matches nothing) report on the waivers themselves: a waiver must not silence them. */
const WAIVER_HYGIENE = new Set([ 'SEN001', 'SEN002' ]);

function ruleIdProblems(rules: unknown, knownRuleIds: ReadonlySet<string> | undefined): string[] {
  if (!isRecord(rules)) return [];
  return [
    ...Object.keys(rules).filter(id => knownRuleIds && !knownRuleIds.has(id))
      .map(id => `config.sentinel.rules.${id}: no rule has this id (run \`npx egg-sentinel rules\` for the list)`),
    ...Object.keys(rules).filter(id => WAIVER_HYGIENE.has(id))
      .map(id => `config.sentinel.rules.${id}: reports on the waivers themselves and cannot be switched off or re-rated; renew or remove the waiver it names`),
  ];
}

function waiverProblems(waivers: unknown, knownRuleIds: ReadonlySet<string> | undefined): string[] {
  if (!Array.isArray(waivers)) return [];
  return waivers.flatMap((waiver: unknown, index) => {
    if (!isRecord(waiver)) return [];
    const at = `config.sentinel.waivers[${index}]`;
    const problems: string[] = [];
    const { rule } = waiver;
    if (typeof rule === 'string' && knownRuleIds && /^SEN\d{3}$/.test(rule) && !knownRuleIds.has(rule)) problems.push(`${at}.rule: no rule has the id "${rule}" (run \`npx egg-sentinel rules\` for the list)`);
    if (typeof rule === 'string' && WAIVER_HYGIENE.has(rule)) {
      problems.push(`${at}.rule: ${rule} reports on the waivers themselves and cannot be waived; renew or remove the waiver it names`);
    }
    return problems;
  });
}

/** What a date of config.sentinel may be, as messages say it. */
const DATE_FORMS = 'a "YYYY-MM-DD" string (through the end of that day, UTC) or an ISO date-time ("2027-01-31T18:00:00Z")';

/** A key of config.sentinel whose value is a date (`$defs/date` of the schema): a rotation's `until`, a waiver's `expires`. */
interface DateField {
  holder: Record<string, unknown>;
  key: string;
  /** As messages name it: `config.sentinel.waivers[0].expires`. */
  at: string;
  /** As ajv names it: `/waivers/0/expires`. */
  pointer: string;
}

function dateFields(value: unknown): DateField[] {
  if (!isRecord(value)) return [];
  const fieldsOf = (list: unknown, listAt: string, key: string): DateField[] => (Array.isArray(list) ? list.flatMap((holder: unknown, index) => (isRecord(holder) ? [{
    holder, key, at: `config.sentinel.${listAt.replace(/\//g, '.')}[${index}].${key}`, pointer: `/${listAt}/${index}/${key}`,
  }] : [])) : []);
  return [ ...fieldsOf(isRecord(value.ipc) ? value.ipc.previousSecrets : undefined, 'ipc/previousSecrets', 'until'), ...fieldsOf(value.waivers, 'waivers', 'expires') ];
}

/**
 * Config files compute dates (`until: new Date(Date.now() + 7 * 864e5)`, `expires: new Date('2027-01-31')`): a valid
 * Date becomes its ISO string in place, once, so every reader (the keyring, SEN502's facts, the waivers, the dumps)
 * sees the one form the schema checks. Returns the invalid Dates, which stay as they are and refuse boot.
 */
function normaliseDates(fields: readonly DateField[]): DateField[] {
  return fields.filter(({ holder, key }) => {
    const date = holder[key];
    if (!(date instanceof Date)) return false;
    if (Number.isNaN(date.getTime())) return true;
    holder[key] = date.toISOString();
    return false;
  });
}

/**
 * A date (with an optional time) the schema checks the form of; the day must exist, and so must the time
 * (`T25:00:00Z` is no instant: Date.parse gives NaN, and a waiver with it would never expire; black-box round 44, r44h4 F1).
 */
function calendarDateProblems(fields: readonly DateField[]): string[] {
  return fields.flatMap(({ holder, key, at }) => {
    const date = holder[key];
    if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(date)) return [];
    if (!isRealDate(date.slice(0, 10))) return [ `${at}: "${date}" is not a calendar date; use YYYY-MM-DD` ];
    return Number.isNaN(endOf(date)) ? [ `${at}: "${date}" is not a time of day (hours 00–23, minutes and seconds 00–59, an offset up to ±23:59); give ${DATE_FORMS}` ] : [];
  });
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

/** One line per problem: an `anyOf` stands for its branches' errors, which are not listed on their own. */
function describeErrors(errors: ErrorObject[]): string[] {
  return groupAnyOfBranches(errors).map(({ error, branches }) => (error.keyword === 'anyOf' ? describeAnyOf(error, branches) : describeError(error)));
}

/** `config.sentinel.ipc.encrypt: must be boolean or array, got string`, or the branches' own problems. */
function describeAnyOf(error: ErrorObject, branches: ErrorObject[]): string {
  const at = keyPath(error.instancePath);
  if (branches.length && branches.every(branch => branch.keyword === 'type' && branch.instancePath === error.instancePath)) {
    return `${at}: must be ${branches.map(branch => String((branch.params as { type: unknown }).type)).join(' or ')}, got ${describeType(error.data)}`;
  }
  return `${at}: matches none of its allowed forms (${[ ...new Set(branches.map(describeError)) ].join('; ')})`;
}

/**
 * The allowed option a misspelled key most likely meant: the same but for case, else the one fewest edits away
 * (`waiver` → waivers, `expiry` → expires, `path` → paths), two at most; undefined when none is that close.
 */
export function closestOption(key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameButCase = allowed.find(name => name.toLowerCase() === lower);
  if (sameButCase) return sameButCase;
  let best: { name: string; distance: number } | undefined;
  for (const name of allowed) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** The keys of a plugin's entry in config/plugin.js. */
const PLUGIN_ENTRY_KEYS = new Set([ 'enable', 'package', 'path' ]);

function describeError(error: ErrorObject): string {
  const at = keyPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(propertiesAt(error.schemaPath));
      const suggestion = closestOption(key, allowed);
      // `sentinel: { enable: true, package: 'egg-sentinel' }` pasted into a config file (black-box round 41, h2 F3).
      const pluginEntry = error.instancePath === '' && PLUGIN_ENTRY_KEYS.has(key) ?
        "; `enable`, `package` and `path` belong to the plugin's entry in config/plugin.js (`sentinel: { enable: true, package: 'egg-sentinel' }`), not to config.sentinel" : '';
      return `${at}.${key}: unknown option${suggestion ? ` (did you mean "${suggestion}"?)` : ''}${pluginEntry}; allowed: ${allowed.join(', ')}`;
    }
    case 'enum':
      return `${at}: ${quote(error.data)} is not allowed; use one of ${(params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `${at}.${String(params.missingProperty)}: required${requiredHint(String(params.missingProperty))}`;
    case 'type':
      if (error.schemaPath.startsWith(DATE_SCHEMA_PATH)) return `${at}: must be a date, got ${describeType(error.data)}; give ${DATE_FORMS}, or a Date`;
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

/** The schema's date (`until`, `expires`), whose errors name the forms a date may take. */
const DATE_SCHEMA_PATH = '#/$defs/date/';

function requiredHint(property: string): string {
  if (property === 'reason') return ' (say why the finding is accepted)';
  if (property === 'expires') return ` (when the waiver stops applying: ${DATE_FORMS}, or a Date)`;
  return '';
}

function patternHint(pattern: string): string {
  if (pattern.includes('SEN')) return 'a rule id such as "SEN201"';
  if (pattern.includes('[0-9]{4}')) return `a date: ${DATE_FORMS}, or a Date`;
  if (pattern.includes('core|')) return 'a middleware name or the group selector "*core" / "*app"';
  if (pattern.includes('[A-Za-z_$]')) return 'a middleware name (letters, digits, _ and $, as in config.middleware)';
  if (pattern.startsWith('^https://')) return 'an https URL prefix of a registry (e.g. "https://npm.example.com/repository/npm/")';
  if (pattern.includes('@/._~*?')) return 'a plugin or package name, * and ? as wildcards (e.g. "egg-*", "@eggjs/*")';
  if (pattern.includes('/.*')) return 'a route path pattern starting with "/" (e.g. "/api/**"), "**" for every route, or "*" for the catch-all route registered as "*"';
  if (pattern === '\\S') return 'text that is not blank (say why in words)';
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
