/**
 * `egg-sentinel advisories update`: merges OSV records from an export (an internal mirror of GitHub's advisory
 * database, osv.dev…) into the app's local override file, validated like the shipped database.
 */
import fs from 'node:fs';
import path from 'node:path';
import secureJsonParse from 'secure-json-parse';
import { AdvisoryDatabaseError, type AdvisoryFile, type OsvRecord, overrideFix, readAdvisoryFile, recordProblems } from './database';

export interface MergeResult {
  file: string;
  added: string[];
  updated: string[];
  /** Records of the export that name no npm package, by id. */
  skipped: string[];
  /** Records in the override file after the merge. */
  total: number;
}

interface ExportItem {
  record: unknown;
  /** Where the record is in the export, for messages: `export.json[3]`. */
  label: string;
}

const EXPORT = 'the OSV export';
const EXPORT_FIX = 'Nothing was written. Fix or drop the records above in the export and run the command again.';
/** For a --from that cannot be read as an export at all (no records to fix). */
const FROM_FIX = 'Nothing was written. Give --from an OSV export: a JSON file (one record, an array of them or osv.dev\'s { "vulns": [...] }) or a directory of such files.';

/** Merges the export at `source` into `overrideFile` (created when missing); throws AdvisoryDatabaseError naming bad records. */
export function mergeOsvExport(source: string, overrideFile: string, today: string): MergeResult {
  const items = readOsvExport(source);
  const problems: string[] = [];
  const skipped: string[] = [];
  const imported: OsvRecord[] = [];
  for (const { record, label } of items) {
    const npmOnly = keepNpm(record, today);
    if (npmOnly === undefined) {
      skipped.push(recordId(record) ?? label);
      continue;
    }
    const recordLabel = `${label}${recordId(record) ? ` (${recordId(record)})` : ''}`;
    const found = recordProblems(npmOnly, recordLabel);
    if (found.length) problems.push(...found);
    else imported.push(npmOnly as OsvRecord);
  }
  if (problems.length) throw new AdvisoryDatabaseError(source, problems, EXPORT_FIX, EXPORT);

  const existing: AdvisoryFile = fs.existsSync(overrideFile) ? readAdvisoryFile(overrideFile, overrideFix(overrideFile)) : { date: today, vulnerabilities: [] };
  const byId = new Map(existing.vulnerabilities.map(record => [ record.id, record ]));
  const added = imported.filter(record => !byId.has(record.id)).map(record => record.id);
  const updated = imported.filter(record => byId.has(record.id)).map(record => record.id);
  for (const record of imported) byId.set(record.id, record);
  const merged: AdvisoryFile = {
    date: today,
    description: 'Local advisory overrides, merged by `egg-sentinel advisories update`; records replace shipped ones with the same id.',
    vulnerabilities: [ ...byId.values() ].sort((a, b) => a.id.localeCompare(b.id)),
  };
  writeValidated(overrideFile, merged);
  return { file: overrideFile, added, updated, skipped, total: merged.vulnerabilities.length };
}

/** One OSV record, an array of them, osv.dev's `{ "vulns": [...] }`, or a directory of `.json` files holding any of these. */
function readOsvExport(source: string): ExportItem[] {
  const stat = fs.statSync(source, { throwIfNoEntry: false });
  if (!stat) throw new AdvisoryDatabaseError(source, [ 'no such file or directory' ], FROM_FIX, EXPORT);
  if (stat.isDirectory()) {
    return fs.readdirSync(source).filter(name => name.endsWith('.json')).sort().flatMap(name => readOsvFile(path.join(source, name)));
  }
  return readOsvFile(source);
}

/** Larger than any OSV export of npm advisories; a bigger file is split into a directory of files. */
const MAX_EXPORT_FILE_BYTES = 256 * 1024 * 1024;

function readOsvFile(file: string): ExportItem[] {
  // Read only regular files of bounded size: /dev/zero or a FIFO would be read until memory runs out.
  const stat = fs.statSync(file);
  if (!stat.isFile()) {
    throw new AdvisoryDatabaseError(file, [ 'not a regular file (a device, FIFO or socket is not read)' ], FROM_FIX, EXPORT);
  }
  if (stat.size > MAX_EXPORT_FILE_BYTES) {
    throw new AdvisoryDatabaseError(file, [ `${stat.size} bytes, more than the ${MAX_EXPORT_FILE_BYTES / 1024 / 1024} MiB one export file may hold: split it into .json files in a directory` ], FROM_FIX, EXPORT);
  }
  let value: unknown;
  try {
    value = secureJsonParse.parse(fs.readFileSync(file, 'utf8'), undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw new AdvisoryDatabaseError(file, [ `not readable as JSON: ${(error as Error).message}` ], FROM_FIX, EXPORT);
  }
  const name = path.basename(file);
  const list = Array.isArray(value) ? value : value && typeof value === 'object' && Array.isArray((value as { vulns?: unknown }).vulns) ?
    (value as { vulns: unknown[] }).vulns : undefined;
  return list ? list.map((record, index) => ({ record, label: `${name}[${index}]` })) : [{ record: value, label: name }];
}

function recordId(record: unknown): string | undefined {
  const id = record && typeof record === 'object' ? (record as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The record reduced to its npm packages and semver ranges (GIT ranges and other ecosystems are not evaluated), stamped
 * with the import day as `database_specific.checked`; undefined when it names no npm package. Anything malformed is
 * left for validation to report.
 */
function keepNpm(record: unknown, today: string): unknown {
  if (!record || typeof record !== 'object' || !Array.isArray((record as { affected?: unknown }).affected)) return record;
  const source = record as { affected: unknown[]; database_specific?: unknown };
  const affected = source.affected.filter(entry => (entry as { package?: { ecosystem?: unknown } } | null)?.package?.ecosystem === 'npm')
    .map(entry => {
      const ranges = (entry as { ranges?: unknown }).ranges;
      return Array.isArray(ranges) ? { ...entry as object, ranges: ranges.filter(range => (range as { type?: unknown } | null)?.type !== 'GIT') } : entry;
    });
  if (!affected.length) return undefined;
  const specific = source.database_specific && typeof source.database_specific === 'object' ? source.database_specific : {};
  return { ...source, affected, database_specific: { ...specific, checked: today } };
}

/** Writes through a temp file that must read back as a valid database: a merge never leaves a broken override behind. */
function writeValidated(file: string, content: AdvisoryFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`);
    readAdvisoryFile(temp, overrideFix(file));
    fs.renameSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}
