/**
 * Plugin and package names: the list of well-known egg packages (lib/data/known-plugins.json), typosquat detection
 * against it, and the glob-style patterns of `config.sentinel.plugins.allow/deny/allowScripts`.
 */
import knownPluginsData from '../data/known-plugins.json';
import { escapeRegExp } from '../regexp';

export interface KnownNames {
  /** npm scopes that belong to egg (`eggjs`). */
  scopes: string[];
  /** Real scopes close to an egg scope that are unrelated to egg (`@egjs`), never reported as imitations. */
  unrelatedScopes: string[];
  /** Every well-known package name, built-in plugins, community plugins and egg packages together. */
  names: string[];
  /** Real packages a small edit away from a well-known name that are unrelated to it (`egg-cos`, `egg-mssql`), never reported. */
  unrelatedNames: string[];
}

/** npm's rules for a package name: lowercase, URL-safe, an optional `@scope/`, at most 214 characters. */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const SCOPE_NAME = /^[a-z0-9][a-z0-9._~-]*$/;
const NAME_LISTS = [ 'builtinPlugins', 'communityPlugins', 'packages' ] as const;

/** Checks the shipped list's shape; a broken list is a packaging bug and must not silently disable SEN102. */
export function parseKnownNames(data: unknown, file = 'lib/data/known-plugins.json'): KnownNames {
  const problems: string[] = [];
  const record = data && typeof data === 'object' && !Array.isArray(data) ? data as Record<string, unknown> : {};
  const list = (key: string, pattern: RegExp): string[] => {
    const value = record[key];
    if (!Array.isArray(value) || !value.length) {
      problems.push(`"${key}" must be a non-empty array of names`);
      return [];
    }
    value.filter(item => typeof item !== 'string' || item.length > 214 || !pattern.test(item))
      .forEach(item => problems.push(`"${key}" holds ${JSON.stringify(item)}, which is not a valid npm ${pattern === SCOPE_NAME ? 'scope' : 'package name'}`));
    return value.filter((item): item is string => typeof item === 'string');
  };
  const scopes = list('scopes', SCOPE_NAME);
  const unrelatedScopes = list('unrelatedScopes', SCOPE_NAME);
  const names = NAME_LISTS.flatMap(key => list(key, PACKAGE_NAME));
  const unrelatedNames = list('unrelatedNames', PACKAGE_NAME);
  const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
  if (duplicates.length) problems.push(`names listed twice: ${[ ...new Set(duplicates) ].join(', ')}`);
  if (problems.length) throw new Error(`[egg-sentinel] ${file} is invalid (reinstall egg-sentinel): ${problems.join('; ')}`);
  return { scopes, unrelatedScopes, names, unrelatedNames };
}

export const KNOWN_NAMES: KnownNames = parseKnownNames(knownPluginsData);

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbours each cost 1,
 * so `egg-securty` and `egg-secuirty` are both 1 away from `egg-security`.
 */
export function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [ i ];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j], beforePrevious[j - 2] + 1);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length];
}

/** How far a look-alike may be: 1 for short names (`jwt`, `cors`, `mysql`), 2 from 8 distinguishing characters on. */
function allowedDistance(knownName: string): number {
  const distinguishing = knownName.replace(/^@[^/]+\//, '').replace(/^egg-/, '');
  return distinguishing.length >= 8 ? 2 : 1;
}

export interface Typosquat {
  /** The well-known name or scope it imitates. */
  imitates: string;
  kind: 'name' | 'scope';
}

/** The well-known name or scope `name` imitates without being it, or undefined. */
export function findTyposquat(name: string, known: KnownNames = KNOWN_NAMES): Typosquat | undefined {
  const lower = name.toLowerCase();
  if (known.names.includes(lower) || known.unrelatedNames.includes(lower)) return undefined;
  const scope = /^@([^/]+)\//.exec(lower)?.[1];
  if (scope !== undefined && !known.scopes.includes(scope) && !known.unrelatedScopes.includes(scope)) {
    // Close to an egg scope (`@egg-js`), or one with an egg scope as a word of it (`@eggjs-team`, `@team.eggjs`).
    const imitated = known.scopes.find(knownScope => editDistance(scope, knownScope) <= 2 || scope.split(/[-_.~]/).includes(knownScope) || scope.startsWith(knownScope));
    if (imitated) return { imitates: `@${imitated}`, kind: 'scope' };
  }
  let closest: { name: string; distance: number } | undefined;
  // The name as written, and as egg's own names would spell it (`eggjs-cors` → `egg-cors`, `@eggjs/cors`): a variation
  // of the `egg-` prefix is no distinguishing part, however short the rest (`cors` allows one edit only). A variation of
  // an unrelated real name (`eggjs-mssql` of `egg-mssql`) is judged as written only.
  const forms = eggPrefixForms(lower);
  const prefixed = forms.some(form => known.unrelatedNames.includes(form)) ? [] : forms;
  for (const candidate of [ lower, ...prefixed ]) {
    const looks = lookAlike(candidate);
    for (const knownName of known.names) {
      // Letters that read as others (`egg-jvvt` for `egg-jwt`, `egg-c0rs`) count as those letters.
      const distance = looks === lookAlike(knownName) ? 0 : editDistance(candidate, knownName);
      if (distance <= allowedDistance(knownName) && (!closest || distance < closest.distance)) closest = { name: knownName, distance };
    }
  }
  return closest && { imitates: closest.name, kind: 'name' };
}

/**
 * An unscoped name that starts with a variation of egg's prefix (`eggjs-`, `egg.js-`, `egg-js-`, `egg_`, `eggjs_`,
 * `egg.`), spelled with egg's own prefixes instead: `egg-<rest>` and `@eggjs/<rest>`. Empty for `egg-<rest>` itself
 * and for other names.
 */
const EGG_PREFIX_VARIATION = /^egg(?:[-_.]?js)?[-_.]+(?=[a-z0-9])/;

function eggPrefixForms(name: string): string[] {
  const prefix = EGG_PREFIX_VARIATION.exec(name)?.[0];
  if (prefix === undefined || prefix === 'egg-') return [];
  const rest = name.slice(prefix.length);
  return [ `egg-${rest}`, `@eggjs/${rest}` ];
}

/** Runs of letters that read as others, each replaced by what it imitates: `vv` → `w`, `rn` → `m`, `0` → `o`, `1`/`I` → `l`. */
const LOOK_ALIKES: ReadonlyArray<[RegExp, string]> = [ [ /vv/g, 'w' ], [ /rn/g, 'm' ], [ /0/g, 'o' ], [ /[1i]/g, 'l' ] ];

function lookAlike(name: string): string {
  return LOOK_ALIKES.reduce((text, [ pattern, letter ]) => text.replace(pattern, letter), name);
}

/**
 * A glob-style name pattern as a predicate: `*` stands for any run of characters except `/`, `?` for one such
 * character, everything else is literal (`egg-*`, `@eggjs/*`, `sentinel`).
 */
export function compileNamePattern(pattern: string): (name: string) => boolean {
  const source = pattern.split('').map(ch => (ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : escapeRegExp(ch))).join('');
  const regexp = new RegExp(`^${source}$`);
  return name => regexp.test(name);
}

/** The first pattern that matches one of the names, or undefined. */
export function firstMatchingPattern(patterns: readonly string[], names: ReadonlyArray<string | undefined>): string | undefined {
  return patterns.find(pattern => {
    const matches = compileNamePattern(pattern);
    return names.some(name => name !== undefined && matches(name));
  });
}
