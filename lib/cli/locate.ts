import fs from 'node:fs';
import path from 'node:path';
import type { Facts } from '../facts/types';
import type { Finding } from '../report/finding';

/** Where a finding points in the app's files, for the text report and SARIF. */
export interface SourceLocation {
  /** Absolute path. */
  file: string;
  /** 1-based. */
  line: number;
  /** False when the key was not found verbatim in the file: `line` is then 1, or the line of the nearest parent key. */
  exact: boolean;
  /** The dotted key that was looked for, when there was one. */
  key?: string;
  /** Each line that sets the key, when the file sets it more than once (in branches): which one took effect is not known. */
  lines?: number[];
}

const CONFIG_PREFIX = 'config.';

/**
 * The file a finding's `source` names (a file, `config/env file`, or a config key whose provenance is a file) and the
 * line of its key there; else the file of its target (a config key's provenance, or a file the finding is about).
 * Undefined when neither leads to a file (an environment variable, egg's loader, a route).
 */
export function locateFinding(finding: Finding, facts: Facts): SourceLocation | undefined {
  const candidates = [ ...(finding.source ?? '').split(/,\s*|\s+and\s+/), finding.target ];
  for (const part of candidates) {
    const candidate = sourceFile(part.trim(), facts);
    if (!candidate) continue;
    const key = configKey(finding.target) ?? candidate.key ?? namedKey(finding.target);
    // A finding about a whole file (its permissions, say) is about line 1.
    if (!key && part === finding.target) return { file: candidate.file, line: 1, exact: true };
    if (candidate.line) return { file: candidate.file, line: candidate.line, exact: true };
    if (candidate.method) return { file: candidate.file, ...findMethodLine(fs.readFileSync(candidate.file, 'utf8'), candidate.method) };
    return { file: candidate.file, key, ...findKeyLine(fs.readFileSync(candidate.file, 'utf8'), key) };
  }
  return undefined;
}

/** Where `file#Class.method()` (a controller action) or `file:line` (a registration site) points in a source. */
interface SourceFile {
  file: string;
  key?: string;
  method?: string;
  line?: number;
}

function sourceFile(part: string, facts: Facts): SourceFile | undefined {
  const baseDir = facts.app.baseDir;
  const existing = (file: string | undefined) => (file && isFile(path.resolve(baseDir, file)) ? path.resolve(baseDir, file) : undefined);
  if (part === 'config/env file') {
    const file = existing('config/env');
    return file ? { file } : undefined;
  }
  if (part.startsWith(CONFIG_PREFIX)) {
    // e.g. `config.sentinel.waivers`: the file that set that key.
    const key = part.slice(CONFIG_PREFIX.length);
    const file = existing(facts.provenance(key));
    return file ? { file, key } : undefined;
  }
  const action = /^(.+)#(?:.*\.)?([A-Za-z_$][\w$]*)\(\)$/.exec(part);
  if (action) {
    const file = existing(action[1]);
    return file ? { file, method: action[2] } : undefined;
  }
  const site = /^(.+):(\d+)$/.exec(part);
  if (site) {
    const file = existing(site[1]);
    return file ? { file, line: Number(site[2]) } : undefined;
  }
  const file = /[/\\]/.test(part) ? existing(part) : undefined;
  return file ? { file } : undefined;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * `config.security.csrf` → `security.csrf`; egg-sentinel's own options are named without the prefix
 * (`sentinel.ipc.secret`); other targets (routes, plugin names, `serverEnv`) are not config keys.
 */
function configKey(target: string): string | undefined {
  if (target.startsWith(CONFIG_PREFIX)) return target.slice(CONFIG_PREFIX.length);
  return target.startsWith('sentinel.') ? target : undefined;
}

/**
 * `plugin:jwt` → `jwt` (`exports.jwt =` in config/plugin.js), `middleware:auth` → `auth` (its options in config),
 * `order:auth before *app` → `sentinel.middleware.order` (the policy's constraint; black-box round 42, h2 F3).
 */
function namedKey(target: string): string | undefined {
  if (target.startsWith('order:')) return 'sentinel.middleware.order';
  return /^(?:plugin|middleware):([\w$-]+)$/.exec(target)?.[1];
}

/** A key path segment: a name, and the index of an item of the array it holds (`public[3]`). */
const KEY_PATH_SEGMENT = /^([A-Za-z_$][\w$-]*)(?:\[(\d+)\])?$/;

/**
 * The line that sets `key` in a config file: each segment in turn, as an object key (`keys:`, `'keys':`) or an
 * assignment (`config.keys =`, `exports.keys =`), searched from the line of the segment before it. After an array
 * item (`public[3].path`), the next segment is its n-th occurrence below the array's key, one per item. A file that
 * sets the key more than once (`if (…) config.security = {…}; else config.security = {…}`) gives every line in
 * `lines`: which one ran is not known from the text.
 */
export function findKeyLine(text: string, key: string | undefined): KeyLine {
  const segments = (key?.split('.') ?? []).map(segment => KEY_PATH_SEGMENT.exec(segment));
  if (!segments.length || !segments.every(Boolean)) return { line: 1, exact: false };
  const lines = text.split('\n');
  const found = followKeyPath(lines, segments as RegExpExecArray[], 0);
  if (!found.exact) return found;
  // The key path followed again from each line that sets its first segment.
  const first = segmentPattern(segments[0] as RegExpExecArray);
  const ends = new Set(lines.flatMap((line, at) => (!isComment(line) && first.test(line) ? [ followKeyPath(lines, segments as RegExpExecArray[], at) ] : []))
    .flatMap(end => (end.exact ? [ end.line ] : [])));
  return ends.size > 1 ? { ...found, lines: [ ...ends ].sort((a, b) => a - b) } : found;
}

/** A line `findKeyLine` found; `lines`: each line that sets the key, when the file sets it more than once. */
export interface KeyLine {
  line: number;
  exact: boolean;
  lines?: number[];
}

function segmentPattern(segment: RegExpExecArray): RegExp {
  const escaped = segment[1].replace(/\$/g, '\\$');
  return new RegExp(`(^|[^\\w$.])(['"]?)${escaped}\\2\\s*:(?!:)|\\.${escaped}\\s*=(?!=)|\\[(['"])${escaped}\\3\\]\\s*=(?!=)`);
}

/** The line of the key path's last segment, each segment searched from the line of the one before, the first from line `from` (0-based). */
function followKeyPath(lines: readonly string[], segments: readonly RegExpExecArray[], from: number): KeyLine {
  let found = -1;
  let skip = 0;
  for (const segment of segments) {
    const pattern = segmentPattern(segment);
    let index = from - 1;
    for (let wanted = skip; wanted >= 0; wanted--) {
      index = lines.findIndex((line, at) => at > index && at >= from && !isComment(line) && pattern.test(line));
      if (index < 0) return { line: found < 0 ? 1 : found + 1, exact: false };
    }
    found = index;
    from = index;
    skip = segment[2] === undefined ? 0 : Number(segment[2]);
  }
  return { line: found + 1, exact: true };
}

/**
 * The line that defines a controller method: a class method (`async index(`), or a property or export set to a function
 * (`index: async ctx =>`, `exports.index = function`). Line 1, flagged approximate, when none is found.
 */
export function findMethodLine(text: string, method: string): { line: number; exact: boolean } {
  const name = method.replace(/\$/g, '\\$');
  const pattern = new RegExp(`^\\s*(?:(?:public|private|protected|static|async|override)\\s+)*\\*?\\s*${name}\\s*(?:<[^>]*>)?\\(|(?:^|[^\\w$])${name}\\s*[:=]\\s*(?:async\\b|function\\b|\\()`);
  const index = text.split('\n').findIndex(line => !isComment(line) && pattern.test(line));
  return index < 0 ? { line: 1, exact: false } : { line: index + 1, exact: true };
}

function isComment(line: string): boolean {
  // `* text` and `*/` in a block comment; `*legacy()` is a generator method.
  return /^\s*(\/\/|\/\*|\*(\s|\/|$))/.test(line);
}
