/**
 * Request paths that single a route's parameter values out. A route with parameters is probed with sample values
 * (`/api/users/1`), but a `match`/`ignore` may name one value: `ignore: '/api/users/login'` lets GET /api/users/login
 * reach `GET /api/users/:id` without the middleware. The strings a filter names ("tokens") are put where the route's
 * parameters are, and each candidate that the route's own RegExp accepts becomes one more probe: every probe stays a
 * request egg dispatches to the route, and egg's own matching decides the filter's outcome on it.
 */
import { unescapeJs } from '../js-literal';
import { caseForms, ROUTE_PARAMETER, type RouteLayer, SAMPLE_PARAMS } from './path-matching';

/**
 * Strings per RegExp: its top-level alternatives (`^\/(?:login|register|…|public)`) and their products, without
 * enumerating a large one.
 */
export const MAX_REGEXP_STRINGS = 64;
/**
 * Probes per route from the policy's own values (its guards' match/ignore, protect patterns, router.use() paths),
 * trailing-slash forms included: past this many the route's filters are not judged but reported unverified.
 */
const MAX_POLICY_TOKEN_PROBES = 256;
/** From the other middleware's and egg-security's values: a large filter list must not multiply a large route table. */
const MAX_OTHER_TOKEN_PROBES = 16;

/**
 * The tokens of a `match`/`ignore` value: its strings, and what their path-to-regexp groups and wildcards match
 * (`'/users/(login|register)'`, `'/public*'`); strings its RegExps match (first alternatives, shortest repetitions),
 * also with what their lookarounds test; and the string literals in the source of its functions
 * (`ctx.path.endsWith('.json')` → `.json`).
 */
export function filterTokens(pattern: unknown): string[] {
  if (Array.isArray(pattern)) return pattern.flatMap(filterTokens);
  // egg-path-matching compiles strings with path-to-regexp's default, which ignores case, while egg's router does not:
  // `ignore: '/health'` skips `/HEALTH`, which `/:page` serves.
  if (typeof pattern === 'string') return withUpperCase(pathTokens(pattern));
  if (pattern instanceof RegExp) {
    // What a lookaround tests is what the filter singles out: `^\/(?!health)` skips `/health` and `/healthcare`.
    const strings = filterRegexpStrings(pattern.source);
    // Not anchored at the end, it also matches what goes on from there: `/^\/health/` skips `/healthz`.
    const continued = /(?<!\\)\$$/.test(pattern.source) ? strings : [ ...strings, ...strings.map(text => `${text}a`) ];
    const cased = pattern.ignoreCase ? withUpperCase(continued) : continued;
    return pattern.source.startsWith('^') ? cased : [ ...cased, ...floatingValues(cased) ];
  }
  if (typeof pattern === 'function') {
    const source = Function.prototype.toString.call(pattern);
    const tokens = sourceTokens(source);
    return RESOLVES_DOT_SEGMENTS.test(source) ? [ ...tokens, ...dotSegmentValues(tokens) ] : tokens;
  }
  return [];
}

/**
 * The tokens of code: its string literals, what it looks for anywhere (`endsWith('/login')` → `login`) or as a prefix
 * (`startsWith('/docs')` → `/docsa`), and the tokens of its RegExp literals. A function's source, or the module that
 * defines it (lib/facts/filter-module.ts).
 */
export function sourceTokens(source: string): string[] {
  const literals = stringLiterals(source);
  const floating = floatingValues(literals.filter(literal => literal.searchedAnywhere).map(literal => literal.text));
  const continued = literals.filter(literal => literal.prefix).map(literal => `${literal.text}a`);
  const tokens = [ ...literals.map(literal => literal.text), ...floating, ...continued, ...regexpLiterals(source).flatMap(filterTokens) ];
  // Code that compares the path in one case (`ctx.path.toLowerCase() === '/health'`) matches it in any.
  return CASE_FOLDING.test(source) ? withUpperCase(tokens) : tokens;
}

/**
 * Calls that resolve `.` and `..` segments (path.normalize, path.resolve, path.join, new URL() and URL.parse(), which also read `%2e%2e` as
 * `..`): a function making them judges another path than the one egg's router routes, which takes `..` for a
 * parameter's value (`GET /admin/..` reaches `/admin/:page`, whose normalized path is `/`).
 */
const RESOLVES_DOT_SEGMENTS = /\b(?:normalize|resolve)\s*\(|\b(?:path|posix)\s*\.\s*join\s*\(|\bnew\s+URL\s*\(|\bURL\s*\.\s*parse\s*\(/;
/** How many `..` a climbing value holds: enough to reach `/` from any route of a real app, as normalize stops there. */
const CLIMB_DEPTH = 8;

/**
 * Parameter values that move a resolved path: `..` (one segment up), `%2e%2e` (the same to new URL() and to code that
 * decodes first), and for each path the code names (`/public`) `..%2F` climbing to `/` and then that path, slashes
 * encoded so that one parameter holds it (`..%2F…%2Fpublic`): code that decodes before it resolves reads `/public`.
 */
function dotSegmentValues(tokens: readonly string[]): string[] {
  const climb = '..%2F'.repeat(CLIMB_DEPTH);
  const named = tokens.filter(text => text.startsWith('/') && text.length > 1 && !text.includes('%')).map(text => `${climb}${text.slice(1).replace(/\//g, '%2F')}`);
  return [ '..', '%2e%2e', ...named ];
}

/** Calls that fold a string's case: a function making them compares the path in any case. */
const CASE_FOLDING = /\.\s*to(?:Locale)?(?:Lower|Upper)Case\s*\(/;

/** The tokens and, where it differs, each plain one in upper case (a pattern's syntax is not upper-cased). */
function withUpperCase(tokens: string[]): string[] {
  return [ ...new Set([ ...tokens, ...tokens.filter(token => !WILDCARD_SEGMENT.test(token)).map(token => token.toUpperCase()) ]) ];
}

/**
 * The tokens of a path the router or the policy names (a `router.use()` path, a protect or public pattern's path):
 * it, and what its path-to-regexp groups and wildcards match. Not in upper case: the router compares case.
 */
export function pathTokens(path: string | undefined): string[] {
  return path === undefined ? [] : [ path, ...pathPatternStrings(path) ];
}

/** A RegExp literal where an expression starts (`/\/login$/.test(ctx.path)`), not a division. */
export const REGEXP_LITERAL = /(?<=(?:^|[(,=:[!&|?{};>]|\breturn)\s*)\/((?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[*])(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])*)\/([dgimsuy]*)/g;

/** The RegExp literals of a function's source, which it may test the path with. */
function regexpLiterals(source: string): RegExp[] {
  return [ ...source.matchAll(REGEXP_LITERAL) ].flatMap(match => {
    try {
      return [ new RegExp(match[1], match[2]) ];
    } catch {
      return [];
    }
  });
}

/**
 * A RegExp not anchored at the start, or a function's literal it looks for anywhere (`endsWith`, `includes`), finds
 * `/login` anywhere in a path: in a parameter too (`/docs/login` for `/docs/:page`). Such one-segment strings as
 * parameter values.
 */
function floatingValues(strings: string[]): string[] {
  return strings.map(text => text.replace(/^\/+|\/+$/g, '')).filter((value, index) => value && value !== strings[index] && !value.includes('/'));
}

export const STRING_LITERAL = /'((?:\\.|[^'\\\n])*)'|"((?:\\.|[^"\\\n])*)"|`((?:\\.|[^`\\$]|\$(?!\{))*)(?:`|\$\{)/g;

/** Calls that find their argument anywhere in the path, not only at its start or as all of it. */
const SEARCHED_ANYWHERE = /\.\s*(?:endsWith|includes|indexOf|lastIndexOf|search|match|split)\s*\(\s*$/;
/** A call that finds its argument at the path's start, whatever follows it. */
const SEARCHED_AS_PREFIX = /\.\s*startsWith\s*\(\s*$/;

/** The string literals of a function's source, and whether it looks for each anywhere in a string, or as its start. */
function stringLiterals(source: string): Array<{ text: string; searchedAnywhere: boolean; prefix: boolean }> {
  return [ ...source.matchAll(STRING_LITERAL) ]
    .map(match => {
      const before = source.slice(Math.max(0, (match.index ?? 0) - 40), match.index);
      return { text: unescapeJs(match[1] ?? match[2] ?? match[3]), searchedAnywhere: SEARCHED_ANYWHERE.test(before), prefix: SEARCHED_AS_PREFIX.test(before) };
    })
    .filter(literal => literal.text);
}

/**
 * Strings the RegExp source matches, written for this purpose rather than loaded from a RegExp parser, whose require
 * alone costs several ms of the boot: literals and escapes, classes (their first member), groups with their
 * alternatives, quantifiers at their minimum (and once for `?`/`*`); anchors, lookarounds (unless `lookaroundsMatch`:
 * then as groups that match) and backreferences add nothing. A string it gets wrong only means one probe fewer: every
 * candidate is checked against the route.
 */
export function regexpStrings(source: string, lookaroundsMatch = false): string[] {
  return walkRegexp(source, lookaroundsMatch).strings;
}

/** The characters a class, class escape or `.` also takes in filterRegexpStrings, where it admits them: a digit, an upper-case letter. */
const CLASS_KINDS = [ '1', 'A' ];
/** Which of CLASS_KINDS each class escape admits. */
const ESCAPE_KINDS: Record<string, string> = { d: '1', w: '1A', D: 'A', S: '1A' };

/**
 * The strings of a filter's RegExp (regexpStrings, lookarounds also as groups that match), and again with every
 * character class, class escape and `.` taking a digit, then an upper-case letter, where it admits one
 * (`/^\/s\/[A-Za-z0-9]+$/` → `/s/a`, `/s/1`, `/s/A`): a route parameter with its own pattern (`/:resource/:id(\d+)`)
 * accepts some of what the filter matches only, and a string the route refuses is no probe. At most three times as many.
 */
function filterRegexpStrings(source: string): string[] {
  const walks = [ undefined, ...CLASS_KINDS ].flatMap(prefer => [ false, true ].map(lookaroundsMatch => walkRegexp(source, lookaroundsMatch, prefer).strings));
  return [ ...new Set(walks.flat()) ];
}

/** One regexpStrings walk: how it reads lookarounds, and whether it left strings out past MAX_REGEXP_STRINGS. */
interface RegexpWalk {
  lookaroundsMatch: boolean;
  capped: boolean;
  /** The character (of CLASS_KINDS) a class, class escape or `.` takes when it admits it, rather than its first. */
  prefer?: string;
}

/** regexpStrings, and whether it left strings out: the flag travels with the answer, so no other call can reset it. */
function walkRegexp(source: string, lookaroundsMatch: boolean, prefer?: string): { strings: string[]; capped: boolean } {
  const walk: RegexpWalk = { lookaroundsMatch, capped: false, prefer };
  try {
    const [ strings, end ] = alternatives(source, 0, walk);
    return { strings: end === source.length ? strings.filter(Boolean) : [], capped: walk.capped };
  } catch {
    return { strings: [], capped: walk.capped };
  }
}

function capped(strings: string[], walk: RegexpWalk): string[] {
  if (strings.length <= MAX_REGEXP_STRINGS) return strings;
  walk.capped = true;
  return strings.slice(0, MAX_REGEXP_STRINGS);
}

/**
 * A string `match`/`ignore` as egg-path-matching reads it, through path-to-regexp: `(…)` groups and `:name(…)` are
 * RegExps, `:name` one segment, `*` anything. The strings such a pattern matches, by regexpStrings; none for a plain path.
 */
function pathPatternStrings(pattern: string): string[] {
  if (!/[:*(]/.test(pattern)) return [];
  let source = '';
  for (let at = 0; at < pattern.length;) {
    const char = pattern[at];
    if (char === ':') {
      at += /^:\w*/.exec(pattern.slice(at))?.[0].length ?? 1;
      if (pattern[at] !== '(') source += '[^/]+';
    } else if (char === '(') {
      const end = groupEnd(pattern, at);
      source += pattern.slice(at, end);
      at = end;
    } else if (char === '*') {
      source += '.*';
      at++;
    } else if (char === '\\' || char === '?' || char === '+') {
      // An escape keeps the character after it; a modifier applies to what came before.
      const width = char === '\\' ? 2 : 1;
      source += pattern.slice(at, at + width);
      at += width;
    } else {
      source += char.replace(/[.^$|{}[\]]/, '\\$&');
      at++;
    }
  }
  return regexpStrings(source).filter(text => text !== pattern);
}

/** Where the group that opens at `start` ends (one past its `)`), escapes and nested groups skipped. */
function groupEnd(pattern: string, start: number): number {
  let depth = 0;
  for (let at = start; at < pattern.length; at++) {
    if (pattern[at] === '\\') at++;
    else if (pattern[at] === '(') depth++;
    else if (pattern[at] === ')' && --depth === 0) return at + 1;
  }
  return pattern.length;
}

const CLASS_ESCAPES: Record<string, string> = { d: '0', w: 'a', s: ' ', D: 'a', W: '-', S: 'a', b: '', B: '' };
const PROPERTY_MEMBERS: Record<string, string> = {
  L: 'a', Letter: 'a', Alphabetic: 'a', Ll: 'a', Lowercase_Letter: 'a', Lowercase: 'a', Lu: 'A', Uppercase_Letter: 'A', Uppercase: 'A',
  N: '0', Nd: '0', Number: '0', Decimal_Number: '0',
};

/** `a|b|c` up to an unmatched `)` or the end: the strings of each alternative, and where it stopped. */
function alternatives(source: string, start: number, walk: RegexpWalk): [ string[], number ] {
  const all: string[] = [];
  let at = start;
  for (;;) {
    const [ strings, end ] = sequence(source, at, walk);
    all.push(...strings);
    if (source[end] !== '|') return [ capped(all, walk), end ];
    at = end + 1;
  }
}

function sequence(source: string, start: number, walk: RegexpWalk): [ string[], number ] {
  let strings = [ '' ];
  let at = start;
  while (at < source.length && source[at] !== '|' && source[at] !== ')') {
    const [ atom, next ] = atomAt(source, at, walk);
    const [ repeated, end ] = quantified(source, next, atom);
    strings = capped(strings.flatMap(prefix => repeated.map(part => prefix + part)), walk);
    at = end;
  }
  return [ strings, at ];
}

function atomAt(source: string, at: number, walk: RegexpWalk): [ string[], number ] {
  const char = source[at];
  if (char === '^' || char === '$') return [ [ '' ], at + 1 ];
  if (char === '.') return [ [ walk.prefer ?? 'a' ], at + 1 ];
  if (char === '\\') {
    const next = source[at + 1];
    if (next in CLASS_ESCAPES) return [ [ walk.prefer && ESCAPE_KINDS[next]?.includes(walk.prefer) ? walk.prefer : CLASS_ESCAPES[next] ], at + 2 ];
    // A Unicode property (`\p{Lu}`): a character of it, for the common ones.
    const property = /^\\p\{([^}]*)\}/.exec(source.slice(at));
    if (property && property[1] in PROPERTY_MEMBERS) return [ [ PROPERTY_MEMBERS[property[1]] ], at + property[0].length ];
    // \1 and \k<name> (backreferences), \p{…}, \u{…}, \uXXXX, \xXX, \cX: nothing certain; skipped whole.
    const skipped = /^\\(?:[1-9]\d*|k<[^>]*>|[pP]\{[^}]*\}|u\{[^}]*\}|u[\da-fA-F]{4}|x[\da-fA-F]{2}|c[A-Za-z])/.exec(source.slice(at));
    if (skipped) return [ [ '' ], at + skipped[0].length ];
    return [ [ next ], at + 2 ];
  }
  if (char === '[') return characterClass(source, at, walk.prefer);
  if (char === '(') {
    // `(?=` `(?!` `(?<=` `(?<!` look around and match nothing; `(?:` and `(?<name>` group like `(`.
    const opener = GROUP_OPENER.exec(source.slice(at))?.[0] ?? '(';
    const lookaround = /[=!]$/.test(opener);
    const [ strings, end ] = alternatives(source, at + opener.length, walk);
    if (source[end] !== ')') throw new Error('unbalanced group');
    return [ lookaround && !walk.lookaroundsMatch ? [ '' ] : strings, end + 1 ];
  }
  return [ [ char ], at + 1 ];
}

/** `(`, `(?:`, `(?<name>` and the lookarounds' openers. */
const GROUP_OPENER = /^\((?:\?<?[=!]|\?:|\?<[^>]+>)?/;
/** `*`, `+`, `?` (1), or `{min}`, `{min,}`, `{min,max}` (2, 3), lazy or not. */
const QUANTIFIER = /^(?:([*+?])|\{(\d+)(?:,(\d*))?\})\??/;

/** Where the class that opens at `at` ends (its `]`). */
function classEnd(source: string, at: number): number {
  let end = at + 1;
  if (source[end] === '^') end++;
  if (source[end] === ']') end++;
  while (end < source.length && source[end] !== ']') end += source[end] === '\\' ? 2 : 1;
  if (end >= source.length) throw new Error('unterminated class');
  return end;
}

function characterClass(source: string, at: number, prefer?: string): [ string[], number ] {
  const end = classEnd(source, at);
  const members = new RegExp(source.slice(at, end + 1));
  if (prefer && members.test(prefer)) return [ [ prefer ], end + 1 ];
  // A class of other characters (`[Hh]`, `[12]`) gives its first one, when that is a plain character of it.
  const first = source[at + 1] === '^' || source[at + 1] === '\\' ? undefined : source[at + 1];
  const member = [ 'a', '0', '-', '_', '.', 'A', ...first ? [ first ] : [] ].find(candidate => members.test(candidate));
  return [ [ member ?? '' ], end + 1 ];
}

function quantified(source: string, at: number, atom: string[]): [ string[], number ] {
  const match = QUANTIFIER.exec(source.slice(at));
  if (!match) return [ atom, at ];
  const min = match[1] === '+' ? 1 : match[1] ? 0 : Number(match[2]);
  const once = atom.map(part => part.repeat(Math.max(min, 1)));
  return [ min === 0 ? [ '', ...once ] : once, at + match[0].length ];
}

/**
 * Tokens prepared once for every route: whole paths (`/`-led) by segment, the others as the forms a parameter value
 * takes (as written, `a` + it). Percent-encoded too (`/%61dmin`), where it fills a parameter, is a token that a `match`,
 * a router.use() path or a protect pattern names, which an encoded request escapes; one an `ignore` names only makes
 * its middleware run when encoded.
 */
interface TokenSet {
  paths: string[];
  pathSegments: Array<{ segments: string[]; encoded: boolean }>;
  valueForms: ValueForm[];
}

/** A value as it is put in a request (`plain`, each form); `encoded`: the value, when it is tried percent-encoded too. */
interface ValueForm {
  plain: string[];
  encoded?: string;
}

/** The policy's tokens, tried first and all (up to MAX_POLICY_TOKEN_PROBES), then the others'. */
export interface PreparedTokens {
  policy: TokenSet;
  other: TokenSet;
  /**
   * What a RegExp route's groups and runs take (regexpRouteProbes): each segment of the policy's paths (`login` of
   * `/login`, `HEALTH` of `/HEALTH`), then its other values.
   */
  policyValues: ValueForm[];
  /** What a string route's last parameter also takes: the last segments of `listed` paths (see prepareTokens). */
  listedValues: ValueForm[];
}

/**
 * `encoded`: the tokens also tried percent-encoded (see TokenSet); all of them by default. `listed`: paths a guard's
 * function may hold in a list its source does not show (one it closes over, reads from the app's config or gets from
 * a helper of another module): the last segment of each fills a string route's last parameter too, as any segment fills
 * a RegExp route's groups (`PUBLIC.some(p => ctx.path.endsWith(p))` skips `/api/v1/posts/login`, which the public
 * `/api/v1/login` names). A string or RegExp shows its strings, whose tokens the parameters already take. The last
 * only: a list of path ends skips what ends with one, and every route with parameters pays for each value.
 */
export function prepareTokens(policy: readonly string[], other: readonly string[] = [], encoded: readonly string[] = [ ...policy, ...other ],
  listed: readonly string[] = []): PreparedTokens {
  const encodedTokens = new Set(encoded);
  const policySet = tokenSet(policy, encodedTokens);
  return {
    policy: policySet, other: tokenSet(other.filter(token => !policy.includes(token)), encodedTokens),
    policyValues: [ ...segmentValues(policySet.pathSegments), ...policySet.valueForms ],
    listedValues: segmentValues(tokenSet(listed, encodedTokens).pathSegments, segments => segments.filter(Boolean).slice(-1)),
  };
}

/** The plain segments of paths (those `pick` takes), once each; encoded where any path holding it is. */
function segmentValues(paths: TokenSet['pathSegments'], pick = (segments: string[]) => segments): ValueForm[] {
  const encodedBySegment = new Map<string, boolean>();
  for (const { segments, encoded } of paths) {
    for (const segment of pick(segments)) {
      if (segment && !WILDCARD_SEGMENT.test(segment)) encodedBySegment.set(segment, encodedBySegment.get(segment) === true || encoded);
    }
  }
  return [ ...encodedBySegment ].map(([ segment, encoded ]) => ({ plain: [ segment ], ...(encoded && { encoded: segment }) }));
}

function tokenSet(tokens: readonly string[], encoded: ReadonlySet<string>): TokenSet {
  const paths = tokens.filter(token => token.startsWith('/'));
  return {
    paths,
    pathSegments: paths.map(token => ({ segments: token.split('/'), encoded: encoded.has(token) })),
    valueForms: tokens.filter(token => !token.includes('/')).map(token => ({ plain: [ token, `a${token}` ], ...(encoded.has(token) && { encoded: token }) })),
  };
}

export interface TokenProbes {
  probes: readonly string[];
  /** The policy's tokens made more probes than MAX_POLICY_TOKEN_PROBES: the route's filters cannot be judged. */
  truncated: boolean;
  /** A RegExp route matches more strings than egg-sentinel enumerates (MAX_REGEXP_STRINGS): its filters cannot be judged either. */
  tooManyStrings?: true;
}

const NONE: TokenProbes = Object.freeze({ probes: Object.freeze([]), truncated: false });

/**
 * Extra probes of a route with parameters (see the module's comment): a token that starts with `/` is laid over the
 * route's segments (its literal segments must agree, its parameters take the token's segment); any other token, and
 * `a` + it, becomes the value of each parameter segment in turn. Each also with the first letter of what fills a
 * parameter percent-encoded (`/%61dmin/export`): egg's router decodes parameters, a match/ignore sees the path as
 * sent. `base` is the route's first sample probe.
 */
export function tokenProbes(route: RouteLayer, base: string | undefined, tokens: PreparedTokens, known: readonly string[],
  answeredElsewhere?: (candidate: string) => boolean): TokenProbes {
  // This runs once per route path while the code is cold: nothing is allocated for a route no token can fill.
  if (route.path instanceof RegExp) return regexpRouteProbes(route, route.path, tokens, known, answeredElsewhere);
  if (route.opts?.end === false && base !== undefined) return prefixRouteProbes(route, base, tokens, known, answeredElsewhere);
  if (!route.paramNames.length || base === undefined) return NONE;
  // Aligned with the sample, which starts with `/` also for a catch-all registered as `*` (probePaths).
  const routeSegments = routePathSegments(route.path.startsWith('/') ? route.path : `/${route.path}`);
  const fills = (set: TokenSet) => set.pathSegments.filter(token => fillsParameter(routeSegments, token.segments));
  const policyFills = fills(tokens.policy);
  const otherFills = fills(tokens.other);
  const last = routeSegments.length - 1;
  const endValues = WILDCARD_SEGMENT.test(routeSegments[last]) ? tokens.listedValues : [];
  if (!policyFills.length && !otherFills.length && !tokens.policy.valueForms.length && !endValues.length && !tokens.other.valueForms.length) return NONE;
  const collector = new ProbeCollector(route, known, answeredElsewhere);
  const sample = base.split('/');
  const fill = (filling: TokenSet['pathSegments'], valueForms: TokenSet['valueForms'], lastValues: readonly ValueForm[] = []) => () => {
    for (const { segments, encoded } of filling) {
      collector.consider(overlay(routeSegments, sample, segments));
      if (encoded) collector.considerEncoded(position => overlay(routeSegments, sample, segments, position), overlay(routeSegments, sample, segments));
    }
    routeSegments.forEach((segment, index) => {
      if (!WILDCARD_SEGMENT.test(segment) || index >= sample.length) return;
      const slots = valueSlots(segment).map(slot => (value: string) => sample.map((part, at) => (at === index ? slot(value) : part)).join('/'));
      collector.placeValues(valueForms, slots);
      if (index === last) collector.placeValues(lastValues, slots);
    });
  };
  return collector.inTwoPhases(fill(policyFills, tokens.policy.valueForms, endValues), fill(otherFills, tokens.other.valueForms));
}

/**
 * A route registered with `end: false` (`router.register('/files', [ 'get' ], ctl, { end: false })`) serves every
 * path below its own: it is probed with `/a` after its sample, and with each path token the policy or a filter names
 * as it stands (`/files/public`), with `/a` after it, and after the sample (`/files` + `/public`); the route's RegExp
 * keeps the candidates it accepts.
 */
function prefixRouteProbes(route: RouteLayer, base: string, tokens: PreparedTokens, known: readonly string[],
  answeredElsewhere?: (candidate: string) => boolean): TokenProbes {
  const collector = new ProbeCollector(route, known, answeredElsewhere);
  const withTokens = (set: TokenSet) => () => {
    for (const token of set.paths) {
      collector.consider(token);
      collector.consider(joinPaths(token, '/a'));
      collector.consider(joinPaths(base, token));
    }
    for (const { plain: [ value ] } of set.valueForms) collector.consider(joinPaths(base, `/${value}`));
  };
  return collector.inTwoPhases(() => {
    collector.consider(joinPaths(base, '/a'));
    withTokens(tokens.policy)();
  }, withTokens(tokens.other));
}

/** A route path's segments; a `/` inside a parameter's pattern (`:section(a[^/]*)`) splits none. */
function routePathSegments(routePath: string): string[] {
  const segments = [ '' ];
  let depth = 0;
  for (let at = 0; at < routePath.length; at++) {
    const char = routePath[at];
    if (char === '\\') {
      segments[segments.length - 1] += routePath.slice(at, at + 2);
      at++;
      continue;
    }
    if (char === '(') depth++;
    else if (char === ')') depth = Math.max(0, depth - 1);
    if (char === '/' && depth === 0) segments.push('');
    else segments[segments.length - 1] += char;
  }
  return segments;
}

/** Letters and digits of a value tried percent-encoded, one at a time, for a route that fixes the first ones. */
const MAX_ENCODED_POSITIONS = 16;

/**
 * `value` with its `position`-th letter or digit percent-encoded (`admin`, 0 → `%61dmin`; 1 → `a%64min`), which egg's
 * router decodes back in a parameter; the value itself when it has fewer.
 */
function encodedAt(value: string, position = 0): string {
  let seen = -1;
  for (let at = 0; at < value.length; at++) {
    if (!/[A-Za-z0-9]/.test(value[at]) || ++seen < position) continue;
    return `${value.slice(0, at)}%${value.charCodeAt(at).toString(16).toUpperCase()}${value.slice(at + 1)}`;
  }
  return value;
}


/** Samples of a RegExp route that tokens are put before and after: a few, so a long alternation does not multiply them. */
const MAX_REGEXP_ROUTE_SAMPLES = 4;

// A RegExp route is probed with strings its own RegExp matches, as paths (`/.*/` gives `/a`, `/\.html$/`
// gives `/.html`), and the tokens that are whole paths. A RegExp not anchored at its start (or its end, or with an
// optional part) also serves what comes before (after) what it matches: each token, and `/a`, is put before and
// after the first samples (`/\/admin\/export/` serves `/public/admin/export`); the policy's values are put in place of
// its groups and runs (namePlaces), as in place of a string route's parameters; the route's RegExp keeps the
// candidates it accepts. Its `i` flag makes the route match in any case, even on egg's case-sensitive router: every
// candidate is also tried in upper and mixed case.
function regexpRouteProbes(route: RouteLayer, pattern: RegExp, tokens: PreparedTokens, known: readonly string[],
  answeredElsewhere?: (candidate: string) => boolean): TokenProbes {
  const collector = new ProbeCollector(route, known, answeredElsewhere);
  const anyCase = route.regexp.flags.includes('i');
  const consider = (candidate: string) => {
    for (const form of anyCase ? caseForms(candidate) : [ candidate ]) collector.consider(form);
  };
  const { strings, capped: tooManyStrings } = walkRegexp(pattern.source, false);
  const samples = strings.map(asPath);
  const around = samples.slice(0, MAX_REGEXP_ROUTE_SAMPLES);
  const places = tokens.policyValues.length ? namePlaces(pattern.source) : [];
  const withTokens = (set: TokenSet) => {
    for (const token of set.paths) {
      consider(token);
      for (const sample of around) {
        consider(joinPaths(token, sample));
        consider(joinPaths(sample, token));
      }
    }
    for (const { plain: [ value ] } of set.valueForms) for (const sample of around) consider(sample + value);
  };
  const probes = collector.inTwoPhases(() => {
    for (const sample of samples) {
      consider(sample);
      consider(`/a${sample}`);
    }
    withTokens(tokens.policy);
    collector.placeValues(tokens.policyValues, places, consider);
  }, () => withTokens(tokens.other));
  return tooManyStrings ? { ...probes, tooManyStrings } : probes;
}

/** A string a RegExp route matches as a request path: with its leading `/`. */
function asPath(candidate: string): string {
  return candidate.startsWith('/') ? candidate : `/${candidate}`;
}

/** Where a value goes in the strings of a route's RegExp (namePlaces): a private-use character no route names. */
const PLACE = '\uE000';
/** Groups and runs of a RegExp route that take a name: a few, so a long RegExp does not multiply the values. */
const MAX_NAME_PLACES = 8;

/**
 * Where a RegExp route takes a value the app names, as its string route would a parameter (`/^\/([a-z]+)\/export$/`
 * serves `/login/export`, as `/:section/export` does): each capturing group, and each repeated class, `\w`-like escape,
 * Unicode property or `.` (`[^/]+`, `\p{L}+`), with its quantifier, outside lookarounds. For each, the first strings of
 * the RegExp with that part taken out (regexpStrings), as functions putting a value there; the route's RegExp then
 * keeps the candidates it accepts.
 */
function namePlaces(source: string): Array<(value: string) => string> {
  const spans: Array<[ number, number ]> = [];
  const groups: Array<{ start: number; capturing: boolean; lookaround: boolean }> = [];
  let lookarounds = 0;
  for (let at = 0; at < source.length;) {
    const char = source[at];
    if (char === '(') {
      const opener = GROUP_OPENER.exec(source.slice(at))?.[0] ?? '(';
      const lookaround = /[=!]$/.test(opener);
      if (lookaround) lookarounds++;
      groups.push({ start: at, capturing: !lookaround && opener !== '(?:', lookaround });
      at += opener.length;
      continue;
    }
    let end = at + 1;
    let run = char === '.';
    if (char === '[') {
      end = classEnd(source, at) + 1;
      run = true;
    } else if (char === '\\') {
      const escape = /^\\(?:[pP]\{[^}]*\}|[wWdDsS])/.exec(source.slice(at));
      end = at + (escape?.[0].length ?? 2);
      run = escape !== null;
    }
    const quantifier = QUANTIFIER.exec(source.slice(end));
    const next = end + (quantifier?.[0].length ?? 0);
    const group = char === ')' ? groups.pop() : undefined;
    if (group?.lookaround) lookarounds--;
    if (!lookarounds && (group?.capturing || (run && repeats(quantifier)))) spans.push([ group?.start ?? at, next ]);
    at = next;
  }
  const templates = new Set(spans.slice(0, MAX_NAME_PLACES).flatMap(([ start, end ]) =>
    regexpStrings(source.slice(0, start) + PLACE + source.slice(end)).filter(text => text.includes(PLACE)).slice(0, MAX_REGEXP_ROUTE_SAMPLES).map(asPath)));
  return [ ...templates ].map(template => (value: string) => template.split(PLACE).join(value));
}

/** Whether a quantifier (a QUANTIFIER match) lets its atom match more than once: a run, which a name can fill. */
function repeats(quantifier: RegExpExecArray | null): boolean {
  if (!quantifier) return false;
  const [ , symbol, min, max ] = quantifier;
  return symbol ? symbol !== '?' : max === '' || Number(max ?? min) > 1;
}

/** `a` then `b` with one `/` where one ends and the other starts with it (`/public/` and `/admin` make `/public/admin`). */
function joinPaths(a: string, b: string): string {
  return a.endsWith('/') && b.startsWith('/') ? a + b.slice(1) : a + b;
}

/** New candidates the route's RegExp accepts, each with its trailing-slash form when the router is not strict (egg's default). */
class ProbeCollector {
  private readonly found = new Set<string>();
  /** A candidate the route accepts was left out since the limit was last set. */
  private refused = false;
  private limit = 0;

  /** `answeredElsewhere`: a candidate another route answers, left out before it counts toward a limit. */
  constructor(private readonly route: RouteLayer, private readonly known: readonly string[], private readonly answeredElsewhere?: (candidate: string) => boolean) {}

  /**
   * The policy's candidates (`policy` considers them), up to MAX_POLICY_TOKEN_PROBES, then the others', up to
   * MAX_OTHER_TOKEN_PROBES more; truncated when the policy's did not all fit.
   */
  inTwoPhases(policy: () => void, other: () => void): TokenProbes {
    this.allow(MAX_POLICY_TOKEN_PROBES);
    policy();
    const truncated = this.refused;
    this.allow(MAX_OTHER_TOKEN_PROBES);
    other();
    return { probes: [ ...this.found ], truncated };
  }

  private allow(more: number): void {
    this.limit = this.found.size + more;
    this.refused = false;
  }

  consider(candidate: string): void {
    this.add(candidate);
    if (!this.route.opts?.strict && !candidate.endsWith('/')) this.add(`${candidate}/`);
  }

  /**
   * The first form the route matches of a request with one letter percent-encoded (`encodedForm(position)`, see
   * encodedAt), as consider() takes it: a route whose own pattern fixes the first letter (`/:section(a[^/]*)`)
   * still decodes `a%64min`. Alternatives of one request, so one probe; none once the positions run out. Past the
   * first letter only when the route takes the value as written (`plain`): a pattern that refuses it (`:id(\d+)` for
   * `admin`) seldom takes an encoded form of it, and the search would cost every route of such a pattern 16 tries.
   */
  considerEncoded(encodedForm: (position: number) => string, plain: string): void {
    let previous: string | undefined;
    for (let position = 0; position < MAX_ENCODED_POSITIONS; position++) {
      if (position === 1) {
        this.route.regexp.lastIndex = 0;
        if (!this.route.regexp.test(plain)) return;
      }
      const candidate = encodedForm(position);
      if (candidate === previous) return;
      previous = candidate;
      this.route.regexp.lastIndex = 0;
      if (this.route.regexp.test(candidate)) return this.consider(candidate);
    }
  }

  /**
   * Each form of each value put in each place (`places`: a route segment, a RegExp route's group), as written
   * (through `consider`, this.consider by default) and percent-encoded (considerEncoded).
   */
  placeValues(forms: readonly ValueForm[], places: ReadonlyArray<(value: string) => string>, consider = (candidate: string) => this.consider(candidate)): void {
    for (const { plain, encoded } of forms) {
      for (const place of places) {
        for (const value of plain) consider(place(value));
        if (encoded) this.considerEncoded(position => place(encodedAt(encoded, position)), place(encoded));
      }
    }
  }

  private add(candidate: string): void {
    if (this.known.includes(candidate) || this.found.has(candidate)) return;
    this.route.regexp.lastIndex = 0;
    if (!this.route.regexp.test(candidate) || this.answeredElsewhere?.(candidate)) return;
    if (this.found.size >= this.limit) this.refused = true;
    else this.found.add(candidate);
  }
}

/**
 * The token of a `routes.protect` pattern: the path before its first `**`, with a segment holding `*` left open as
 * `:any`; none for `**` alone.
 */
export function protectToken(pattern: string): string | undefined {
  const segments = pattern.split('/');
  const end = segments.indexOf('**');
  const kept = (end === -1 ? segments : segments.slice(0, end)).map(segment => (segment.includes('*') ? ':any' : segment));
  const token = kept.join('/');
  return token.startsWith('/') && token.length > 1 ? token : undefined;
}

/**
 * A segment that is a pattern (`:id`, `(.*)`, `*`): in a token it stands for any value, so the sample's stays; in the
 * route it takes the token's.
 */
const WILDCARD_SEGMENT = /[:*(]/;

/**
 * Where a value goes in a route segment: the whole segment, and, when a parameter shares the segment with literal
 * text (`:page.json`, `v:version`), that parameter's place, any other parameter of the segment taking the first
 * sample: `/docs/:page.json` serves `/docs/login.json`.
 */
function valueSlots(segment: string): Array<(value: string) => string> {
  const whole = (value: string) => value;
  const parameters = [ ...segment.matchAll(ROUTE_PARAMETER) ];
  if (!parameters.length || (parameters.length === 1 && parameters[0][0] === segment)) return [ whole ];
  return [ whole, ...parameters.map(({ 0: parameter, index = 0 }) => {
    const before = segment.slice(0, index).replace(ROUTE_PARAMETER, SAMPLE_PARAMS[0]);
    const after = segment.slice(index + parameter.length).replace(ROUTE_PARAMETER, SAMPLE_PARAMS[0]);
    return (value: string) => `${before}${value}${after}`;
  }) ];
}

/**
 * Whether a token agrees with the route's literal segments and puts a value where the route has a parameter (or goes
 * past its end): otherwise laying it over the route gives back the sample probe.
 */
function fillsParameter(routeSegments: string[], tokenSegments: string[]): boolean {
  let fills = false;
  for (let index = 1; index < tokenSegments.length; index++) {
    const token = tokenSegments[index];
    if (WILDCARD_SEGMENT.test(token) || isOpenEnd(tokenSegments, index)) continue;
    const segment = routeSegments[index];
    if (segment === undefined || WILDCARD_SEGMENT.test(segment)) fills = true;
    else if (token !== segment && token.toLowerCase() !== segment.toLowerCase()) return false;
  }
  return fills;
}

/** The empty last segment of a token that ends in `/` (`'/public/'`, a prefix): what follows stays the sample's. */
function isOpenEnd(tokenSegments: string[], index: number): boolean {
  return index === tokenSegments.length - 1 && index > 1 && tokenSegments[index] === '';
}

/** The token laid over the route's sample (see fillsParameter); with `encodePosition`, that letter of each value percent-encoded. */
function overlay(routeSegments: string[], baseSegments: string[], tokenSegments: string[], encodePosition?: number): string {
  const out: string[] = [];
  for (let index = 0; index < Math.max(tokenSegments.length, baseSegments.length); index++) {
    const token = tokenSegments[index];
    const sample = baseSegments[index];
    if (token === undefined || WILDCARD_SEGMENT.test(token) || isOpenEnd(tokenSegments, index)) {
      if (sample === undefined) break;
      out.push(sample);
    } else {
      // fillsParameter checked that a literal segment of the route agrees: the token's spelling is the request's.
      const literal = routeSegments[index] !== undefined && !WILDCARD_SEGMENT.test(routeSegments[index]);
      out.push(literal ? routeSegments[index] : encodePosition === undefined ? token : encodedAt(token, encodePosition));
    }
  }
  return out.join('/');
}
