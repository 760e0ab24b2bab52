import fs from 'node:fs';
import path from 'node:path';
import { isAppFile } from '../facts/real-path';
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
    // e.g. `config.sentinel.waivers`: the file that set that key; for an object egg records its leaves' files alone,
    // and the app's file that sets one of them (`security: { ssrf: { ipBlackList } }`) is where the user changes it.
    const key = part.slice(CONFIG_PREFIX.length);
    const file = existing(facts.provenance(key)) ?? leafFiles(key, facts).map(leaf => path.resolve(baseDir, leaf)).find(leaf => isAppFile(baseDir, leaf) && isFile(leaf));
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

/** Leaves of a config object looked at for their files; a config holds far fewer, a cycle or a huge object stops here. */
const MAX_LEAVES = 200;

/** The files egg recorded as setting the leaves of the config object at `key` (relative to the app where it can), in order. */
function leafFiles(key: string, facts: Facts): string[] {
  const files = new Set<string>();
  let visited = 0;
  const visit = (value: unknown, keyPath: string): void => {
    if (visited++ >= MAX_LEAVES) return;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      const file = facts.provenance(keyPath);
      if (file) files.add(file);
      return;
    }
    for (const [ name, child ] of Object.entries(value)) visit(child, `${keyPath}.${name}`);
  };
  const value = key.split('.').reduce<unknown>((node, name) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[name] : undefined), facts.config);
  if (value && typeof value === 'object' && !Array.isArray(value)) visit(value, key);
  return [ ...files ];
}

/**
 * Why a finding has no line in the app's files (SARIF then points at the app's package.json), as the finding knows
 * it: what its source names, or, for a config key no file of the app sets, the defaults (egg's, the framework's or a
 * plugin's config files) it holds.
 */
export function unlocatedNote(finding: Finding, facts: Facts): string {
  if (finding.source) return `from ${finding.source}, not from a file of the app`;
  const key = configKey(finding.target);
  if (!key) return `\`${finding.target}\` is not a line of the app's files`;
  const defaults = leafFiles(key, facts);
  return `no file of the app sets \`${key}\` (${defaults.length ? `it holds the defaults of ${defaults.join(', ')}` : 'a default of egg or a plugin, or unset'})`;
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

function segmentPattern(segment: RegExpExecArray, flags = ''): RegExp {
  const escaped = segment[1].replace(/\$/g, '\\$');
  return new RegExp(`(^|[^\\w$.])(['"]?)${escaped}\\2\\s*:(?!:)|\\.${escaped}\\s*=(?!=)|\\[(['"])${escaped}\\3\\]\\s*=(?!=)`, flags);
}

/** A place in a file's text: a 0-based line and the column in it. */
interface TextPosition {
  line: number;
  column: number;
}

/**
 * The line of the key path's last segment, each segment searched from where the one before ends, the first from line
 * `from` (0-based). Matches are counted, not lines, so the items of a one-line array (`waivers: [{ rule: … }, { rule: … }]`) are told apart.
 */
function followKeyPath(lines: readonly string[], segments: readonly RegExpExecArray[], from: number): KeyLine {
  let found = -1;
  let skip = 0;
  let after: TextPosition = { line: from, column: 0 };
  for (const segment of segments) {
    const pattern = segmentPattern(segment, 'g');
    for (let wanted = skip; wanted >= 0; wanted--) {
      const match = nextMatch(lines, pattern, after);
      if (!match) return { line: found < 0 ? 1 : found + 1, exact: false };
      after = match;
    }
    found = after.line;
    skip = segment[2] === undefined ? 0 : Number(segment[2]);
  }
  return { line: found + 1, exact: true };
}

/** Where the first match of `pattern` (global) at or after `from` ends, outside comment lines. */
function nextMatch(lines: readonly string[], pattern: RegExp, from: TextPosition): TextPosition | undefined {
  for (let line = from.line; line < lines.length; line++) {
    if (isComment(lines[line])) continue;
    pattern.lastIndex = line === from.line ? from.column : 0;
    const match = pattern.exec(lines[line]);
    if (match) return { line, column: match.index + match[0].length };
  }
  return undefined;
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
