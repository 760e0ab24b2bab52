/**
 * The advisory database: OSV records shipped in lib/data/advisories.json, plus the app's local override file that
 * `egg-sentinel advisories update` writes. Both are validated with lib/data/advisories.schema.json; a bad file is
 * an AdvisoryDatabaseError that names the entry and the key, never a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import valid from 'semver/functions/valid';
import secureJsonParse from 'secure-json-parse';
import { dropStack } from '../quiet-error';
import shippedDatabase from '../data/advisories.json';

export type OsvSeverity = 'LOW' | 'MODERATE' | 'HIGH' | 'CRITICAL';

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvAffected {
  package: { ecosystem: 'npm'; name: string; purl?: string };
  ranges: Array<{ type: 'SEMVER' | 'ECOSYSTEM'; events: OsvEvent[] }>;
  versions?: string[];
}

/** An OSV record as egg-sentinel keeps it (a strict subset of OSV 1.x). */
export interface OsvRecord {
  schema_version?: string;
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  summary: string;
  details?: string;
  affected: OsvAffected[];
  references?: Array<{ type: string; url: string }>;
  database_specific: { severity: OsvSeverity; checked: string; [key: string]: unknown };
}

export interface NodeReleaseLine {
  major: number;
  /** Last day the line gets fixes (YYYY-MM-DD). */
  end: string;
  latestSecurityRelease?: string;
}

export interface NodeReleases {
  checked: string;
  sources: string[];
  lines: NodeReleaseLine[];
}

/** The shape of advisories.json and of the override file. */
export interface AdvisoryFile {
  date: string;
  description?: string;
  node?: NodeReleases;
  vulnerabilities: OsvRecord[];
}

export interface AdvisoryDatabase {
  /** The shipped database and its date. */
  builtin: { file: string; date: string; count: number };
  /** The app's override file, when it exists. */
  override?: { file: string; date: string; count: number };
  /** Shipped records, each replaced by an override record with the same id. */
  vulnerabilities: OsvRecord[];
  node: NodeReleases;
}

export const BUILTIN_DATABASE = path.join(__dirname, '../data/advisories.json');
/** Where `advisories update` writes and boot looks for the override file, relative to the app root (config.sentinel.advisories.file). */
export const DEFAULT_OVERRIDE_FILE = 'sentinel-advisories.json';

/** A database file that cannot be used; `problems` name the entry and key of each. */
export class AdvisoryDatabaseError extends Error {
  declare readonly problems: string[];

  /** `subject` names what was read: the advisory database (shipped or override) or an OSV export. */
  constructor(file: string, problems: string[], fix: string, subject = 'the advisory database') {
    super(`[egg-sentinel] ${subject} ${file} is invalid:\n${problems.map(problem => `  - ${problem}`).join('\n')}\n${fix}`);
    this.name = 'AdvisoryDatabaseError';
    // Not enumerable: egg's logger prints enumerable error properties, which would repeat the message.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
    dropStack(this);
  }
}

// Compiled ahead of time with verbose errors (messages quote the offending value) and ownProperties (a polluted
// Object.prototype, which SEN302 reports, must not turn every entry of the database into "unknown key" errors).
// Loaded on first use (120 KB of generated code): an app worker whose agent checked the shipped database for this
// boot (lib/facts/handover.ts), and that has no override file, never needs it.
let generated: { validateFile: ValidateFunction<AdvisoryFile>; validateRecord: ValidateFunction<OsvRecord> } | undefined;
function validators(): NonNullable<typeof generated> {
  if (!generated) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const compiled = require('../validators/advisories.generated') as typeof import('../validators/advisories.generated');
    generated = {
      validateFile: compiled.advisoryFile as unknown as ValidateFunction<AdvisoryFile>,
      validateRecord: compiled.osvRecord as unknown as ValidateFunction<OsvRecord>,
    };
  }
  return generated;
}

export const BUILTIN_FIX = 'The file shipped with egg-sentinel was changed or damaged: reinstall egg-sentinel (npm ci).';

export function overrideFix(file: string): string {
  return `Fix the entry in ${file}, or delete the file and merge the export again with \`npx egg-sentinel advisories update --from <OSV export>\`.`;
}

/** Reads and validates one database file; throws AdvisoryDatabaseError naming every bad entry. */
export function readAdvisoryFile(file: string, fix: string): AdvisoryFile {
  let value: unknown;
  try {
    // secure-json-parse: the override file comes from outside the package; a __proto__ key is refused, not merged.
    value = secureJsonParse.parse(fs.readFileSync(file, 'utf8'), undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw new AdvisoryDatabaseError(file, [ `not readable as JSON: ${(error as Error).message}` ], fix);
  }
  return validateAdvisoryData(value, file, fix);
}

/** Validates the content of a database file (`file` names it in errors). */
function validateAdvisoryData(value: unknown, file: string, fix: string): AdvisoryFile {
  const { validateFile } = validators();
  const problems = validateFile(value) ? fileProblems(value) : (validateFile.errors ?? []).map(error => describeError(error, value));
  if (problems.length) throw new AdvisoryDatabaseError(file, [ ...new Set(problems) ], fix);
  return value as AdvisoryFile;
}

/** Problems of one OSV record from an export, each prefixed with `label` (the record's place in the export). */
export function recordProblems(record: unknown, label: string): string[] {
  const { validateRecord } = validators();
  if (!validateRecord(record)) return (validateRecord.errors ?? []).map(error => `${label}: ${describeErrorAt(error, error.instancePath)}`);
  return semanticProblems(record).map(problem => `${label}: ${problem}`);
}

/**
 * Validates the shipped database (a JSON module, so every build of the package carries it) unless `shippedChecked`
 * (this boot's agent validated it: lib/facts/handover.ts) and, when it exists, reads the override file; override
 * records replace shipped ones by id.
 */
export function loadAdvisoryDatabase(overrideFile?: string, { shipped = shippedDatabase as unknown, builtinFile = BUILTIN_DATABASE, shippedChecked = false } = {}): AdvisoryDatabase {
  const builtin = shippedChecked ? shipped as AdvisoryFile : validateAdvisoryData(shipped, builtinFile, BUILTIN_FIX);
  if (!builtin.node) throw new AdvisoryDatabaseError(builtinFile, [ 'node: required in the shipped database (Node.js release lines for SEN607)' ], BUILTIN_FIX);
  const database: AdvisoryDatabase = {
    builtin: { file: builtinFile, date: builtin.date, count: builtin.vulnerabilities.length },
    vulnerabilities: builtin.vulnerabilities,
    node: builtin.node,
  };
  if (!overrideFile || !fs.existsSync(overrideFile)) return database;
  const override = readAdvisoryFile(overrideFile, overrideFix(overrideFile));
  const replaced = new Set(override.vulnerabilities.map(record => record.id));
  return {
    ...database,
    override: { file: overrideFile, date: override.date, count: override.vulnerabilities.length },
    vulnerabilities: [ ...builtin.vulnerabilities.filter(record => !replaced.has(record.id)), ...override.vulnerabilities ],
  };
}

/** OSV's "0" is the start of time. */
export function eventVersion(version: string): string {
  return version === '0' ? '0.0.0-0' : version;
}

function fileProblems(file: AdvisoryFile): string[] {
  const problems = file.vulnerabilities.flatMap((record, index) => semanticProblems(record).map(problem => `${entryLabel(index, record)}: ${problem}`));
  const seen = new Set<string>();
  file.vulnerabilities.forEach((record, index) => {
    if (seen.has(record.id)) problems.push(`${entryLabel(index, record)}: id ${record.id} appears twice`);
    seen.add(record.id);
  });
  return problems;
}

/** What the schema cannot say: versions are semver, ranges start with `introduced`, dates are calendar dates. */
function semanticProblems(record: OsvRecord): string[] {
  const problems: string[] = [];
  if (!isCalendarDate(record.database_specific.checked)) problems.push(`database_specific.checked: "${record.database_specific.checked}" is not a calendar date`);
  record.affected.forEach((affected, a) => {
    affected.ranges.forEach((range, r) => {
      const at = `affected[${a}].ranges[${r}]`;
      if (range.events[0].introduced === undefined) problems.push(`${at}.events[0]: a range must start with an "introduced" event`);
      range.events.forEach((event, e) => {
        for (const [ kind, version ] of Object.entries(event) as Array<[ string, string ]>) {
          if (kind === 'limit') continue;
          if (!valid(eventVersion(version))) problems.push(`${at}.events[${e}].${kind}: "${version}" is not a semver version`);
        }
      });
    });
    (affected.versions ?? []).forEach((version, v) => {
      if (!valid(version)) problems.push(`affected[${a}].versions[${v}]: "${version}" is not a semver version`);
    });
  });
  return problems;
}

function isCalendarDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

function entryLabel(index: number, record: unknown): string {
  const id = record && typeof record === 'object' ? (record as { id?: unknown }).id : undefined;
  return `vulnerabilities[${index}]${typeof id === 'string' ? ` (${id})` : ''}`;
}

/** `/vulnerabilities/3/affected/0/ranges` → `vulnerabilities[3] (GHSA-…): affected[0].ranges: …`. */
function describeError(error: ErrorObject, file: unknown): string {
  const match = /^\/vulnerabilities\/(\d+)(.*)$/.exec(error.instancePath);
  if (!match) return describeErrorAt(error, error.instancePath);
  const index = Number(match[1]);
  const record = (file as { vulnerabilities?: unknown[] }).vulnerabilities?.[index];
  return `${entryLabel(index, record)}: ${describeErrorAt(error, match[2])}`;
}

function describeErrorAt(error: ErrorObject, pointer: string): string {
  const parts = pointer.split('/').slice(1).map(part => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const key = parts.reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
  const params = error.params as Record<string, unknown>;
  const where = key || '(the record)';
  switch (error.keyword) {
    case 'additionalProperties': return `${where}: unknown key "${String(params.additionalProperty)}"`;
    case 'required': return `${where}: "${String(params.missingProperty)}" is required`;
    case 'enum': return `${where}: ${JSON.stringify(error.data)} is not one of ${(params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`;
    case 'const': return `${where}: must be ${JSON.stringify(params.allowedValue)}`;
    default: return `${where}: ${error.message ?? 'is invalid'}`;
  }
}
