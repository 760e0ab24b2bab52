/**
 * Request paths that single a route's parameter values out. A route with parameters is probed with sample values
 * (`/api/users/1`), but a `match`/`ignore` may name one value: `ignore: '/api/users/login'` lets GET /api/users/login
 * reach `GET /api/users/:id` without the middleware. The strings a filter names ("tokens") are put where the route's
 * parameters are, and each candidate that the route's own RegExp accepts becomes one more probe: every probe stays a
 * request egg dispatches to the route, and egg's own matching decides the filter's outcome on it.
 */
import type { RouteLayer } from './path-matching';

/** Enough strings per RegExp to cover its top-level alternatives (`\.(png|css|js)$`) without enumerating a large one. */
const MAX_REGEXP_STRINGS = 8;
/** Per route: a large filter list must not multiply a large route table. */
const MAX_TOKEN_PROBES = 16;

/**
 * The tokens of a `match`/`ignore` value: its strings, strings its RegExps match (first alternatives, shortest
 * repetitions), and the string literals in the source of its functions (`ctx.path.endsWith('.json')` → `.json`).
 */
export function filterTokens(pattern: unknown): string[] {
  if (Array.isArray(pattern)) return pattern.flatMap(filterTokens);
  if (typeof pattern === 'string') return [ pattern ];
  if (pattern instanceof RegExp) return regexpStrings(pattern.source);
  if (typeof pattern === 'function') return stringLiterals(Function.prototype.toString.call(pattern));
  return [];
}

const STRING_LITERAL = /'((?:\\.|[^'\\\n])*)'|"((?:\\.|[^"\\\n])*)"|`((?:\\.|[^`\\$]|\$(?!\{))*)(?:`|\$\{)/g;

function stringLiterals(source: string): string[] {
  return [ ...source.matchAll(STRING_LITERAL) ].map(match => (match[1] ?? match[2] ?? match[3]).replace(/\\(.)/g, '$1')).filter(Boolean);
}

/**
 * Strings the RegExp source matches, written for this purpose rather than loaded from a RegExp parser, whose require
 * alone costs several ms of the boot: literals and escapes, classes (their first member), groups with their
 * alternatives, quantifiers at their minimum (and once for `?`/`*`); anchors, lookarounds and backreferences add
 * nothing. A string it gets wrong only means one probe fewer: every candidate is checked against the route.
 */
function regexpStrings(source: string): string[] {
  try {
    const [ strings, end ] = alternatives(source, 0);
    return end === source.length ? strings.filter(Boolean) : [];
  } catch {
    return [];
  }
}

const CLASS_ESCAPES: Record<string, string> = { d: '0', w: 'a', s: ' ', D: 'a', W: '-', S: 'a', b: '', B: '' };

/** `a|b|c` up to an unmatched `)` or the end: the strings of each alternative, and where it stopped. */
function alternatives(source: string, start: number): [ string[], number ] {
  const all: string[] = [];
  let at = start;
  for (;;) {
    const [ strings, end ] = sequence(source, at);
    all.push(...strings);
    if (source[end] !== '|') return [ all.slice(0, MAX_REGEXP_STRINGS), end ];
    at = end + 1;
  }
}

function sequence(source: string, start: number): [ string[], number ] {
  let strings = [ '' ];
  let at = start;
  while (at < source.length && source[at] !== '|' && source[at] !== ')') {
    const [ atom, next ] = atomAt(source, at);
    const [ repeated, end ] = quantified(source, next, atom);
    strings = strings.flatMap(prefix => repeated.map(part => prefix + part)).slice(0, MAX_REGEXP_STRINGS);
    at = end;
  }
  return [ strings, at ];
}

function atomAt(source: string, at: number): [ string[], number ] {
  const char = source[at];
  if (char === '^' || char === '$') return [ [ '' ], at + 1 ];
  if (char === '.') return [ [ 'a' ], at + 1 ];
  if (char === '\\') {
    const next = source[at + 1];
    if (next in CLASS_ESCAPES) return [ [ CLASS_ESCAPES[next] ], at + 2 ];
    // \1 and \k<name> (backreferences), \p{…}, \u{…}, \uXXXX, \xXX, \cX: nothing certain; skipped whole.
    const skipped = /^\\(?:[1-9]\d*|k<[^>]*>|[pP]\{[^}]*\}|u\{[^}]*\}|u[\da-fA-F]{4}|x[\da-fA-F]{2}|c[A-Za-z])/.exec(source.slice(at));
    if (skipped) return [ [ '' ], at + skipped[0].length ];
    return [ [ next ], at + 2 ];
  }
  if (char === '[') return characterClass(source, at);
  if (char === '(') {
    // `(?=` `(?!` `(?<=` `(?<!` look around and match nothing; `(?:` and `(?<name>` group like `(`.
    const opener = /^\((?:\?<?[=!]|\?:|\?<[^>]+>)?/.exec(source.slice(at))?.[0] ?? '(';
    const lookaround = /[=!]$/.test(opener);
    const [ strings, end ] = alternatives(source, at + opener.length);
    if (source[end] !== ')') throw new Error('unbalanced group');
    return [ lookaround ? [ '' ] : strings, end + 1 ];
  }
  return [ [ char ], at + 1 ];
}

function characterClass(source: string, at: number): [ string[], number ] {
  let end = at + 1;
  if (source[end] === '^') end++;
  if (source[end] === ']') end++;
  while (end < source.length && source[end] !== ']') end += source[end] === '\\' ? 2 : 1;
  if (end >= source.length) throw new Error('unterminated class');
  const members = new RegExp(source.slice(at, end + 1));
  const member = [ 'a', '0', '-', '_', '.', 'A' ].find(candidate => members.test(candidate));
  return [ [ member ?? '' ], end + 1 ];
}

function quantified(source: string, at: number, atom: string[]): [ string[], number ] {
  const match = /^(?:([*+?])|\{(\d+)(?:,(\d*))?\})\??/.exec(source.slice(at));
  if (!match) return [ atom, at ];
  const min = match[1] === '+' ? 1 : match[1] ? 0 : Number(match[2]);
  const once = atom.map(part => part.repeat(Math.max(min, 1)));
  return [ min === 0 ? [ '', ...once ] : once, at + match[0].length ];
}

/** Tokens split once for every route: whole paths (`/`-led) by segment, the others as parameter values. */
export interface PreparedTokens {
  paths: string[];
  pathSegments: string[][];
  values: string[];
}

export function prepareTokens(tokens: readonly string[]): PreparedTokens {
  const paths = tokens.filter(token => token.startsWith('/'));
  return { paths, pathSegments: paths.map(token => token.split('/')), values: tokens.filter(token => !token.includes('/')) };
}

/**
 * Extra probes of a route with parameters (see the module's comment): a token that starts with `/` is laid over the
 * route's segments (its literal segments must agree, its parameters take the token's segment); any other token, and
 * `a` + it, becomes the value of each parameter segment in turn. `base` is the route's first sample probe.
 */
export function tokenProbes(route: RouteLayer, base: string | undefined, tokens: PreparedTokens, known: readonly string[]): readonly string[] {
  // This runs once per route path while the code is cold: nothing is allocated for a route no token can fill.
  if (route.path instanceof RegExp) return regexpRouteProbes(route, route.path, tokens, known);
  if (!route.paramNames.length || base === undefined) return NONE;
  const routeSegments = route.path.split('/');
  const fills = tokens.pathSegments.filter(tokenSegments => fillsParameter(routeSegments, tokenSegments));
  if (!fills.length && !tokens.values.length) return NONE;
  const { found, consider } = collector(route, known);
  const sample = base.split('/');
  for (const tokenSegments of fills) consider(overlay(routeSegments, sample, tokenSegments));
  routeSegments.forEach((segment, index) => {
    if (!WILDCARD_SEGMENT.test(segment) || index >= sample.length) return;
    for (const token of tokens.values) {
      for (const value of [ token, `a${token}` ]) consider(sample.map((part, at) => (at === index ? value : part)).join('/'));
    }
  });
  return withSlashes(route, found, consider);
}

const NONE: readonly string[] = Object.freeze([]);

// A RegExp route has no parameters to fill: strings its own RegExp matches, as paths (`/.*/` gives `/a`, `/\.html$/`
// gives `/.html`), and the tokens that are whole paths.
function regexpRouteProbes(route: RouteLayer, pattern: RegExp, tokens: PreparedTokens, known: readonly string[]): string[] {
  const { found, consider } = collector(route, known);
  for (const candidate of regexpStrings(pattern.source)) consider(candidate.startsWith('/') ? candidate : `/${candidate}`);
  for (const candidate of tokens.paths) consider(candidate);
  return withSlashes(route, found, consider);
}

/** Candidates the route's RegExp accepts, new, and at most MAX_TOKEN_PROBES of them. */
function collector(route: RouteLayer, known: readonly string[]): { found: Set<string>; consider: (candidate: string) => void } {
  const found = new Set<string>();
  return {
    found,
    consider: candidate => {
      if (found.size >= MAX_TOKEN_PROBES || known.includes(candidate) || found.has(candidate)) return;
      route.regexp.lastIndex = 0;
      if (route.regexp.test(candidate)) found.add(candidate);
    },
  };
}

/** Each probe's trailing-slash form too, when the router is not strict (egg's default). */
function withSlashes(route: RouteLayer, found: Set<string>, consider: (candidate: string) => void): string[] {
  if (!route.opts?.strict) for (const candidate of [ ...found ]) if (!candidate.endsWith('/')) consider(`${candidate}/`);
  return [ ...found ];
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
 * Whether a token agrees with the route's literal segments and puts a value where the route has a parameter (or goes
 * past its end): otherwise laying it over the route gives back the sample probe.
 */
function fillsParameter(routeSegments: string[], tokenSegments: string[]): boolean {
  let fills = false;
  for (let index = 1; index < tokenSegments.length; index++) {
    const token = tokenSegments[index];
    if (WILDCARD_SEGMENT.test(token)) continue;
    const segment = routeSegments[index];
    if (segment === undefined || WILDCARD_SEGMENT.test(segment)) fills = true;
    else if (token !== segment && token.toLowerCase() !== segment.toLowerCase()) return false;
  }
  return fills;
}

function overlay(routeSegments: string[], baseSegments: string[], tokenSegments: string[]): string {
  const out: string[] = [];
  for (let index = 0; index < Math.max(tokenSegments.length, baseSegments.length); index++) {
    const token = tokenSegments[index];
    const sample = baseSegments[index];
    if (token === undefined || WILDCARD_SEGMENT.test(token)) {
      if (sample === undefined) break;
      out.push(sample);
    } else {
      // fillsParameter checked that a literal segment of the route agrees: the token's spelling is the request's.
      out.push(routeSegments[index] !== undefined && !WILDCARD_SEGMENT.test(routeSegments[index]) ? routeSegments[index] : token);
    }
  }
  return out.join('/');
}
