/**
 * What a `match`/`ignore` function's source shows beyond what the probes see it answer. Whether it keeps state from
 * one request to the next by writing to something outside itself: a cache, a counter, the options object (`this`),
 * `ctx.app`. Asking each probe twice (lib/facts/path-matching.ts) catches state that flips between two calls; a cache
 * keyed by path answers the second call as it did the first, so the state is found in the source instead. And what
 * it uses from outside itself (a helper of its module), whose strings the probes cannot try. Read from the function's
 * source with patterns, not parsed: a write it misses leaves the double ask; a false one names the write, and the fix
 * is a function of the request alone.
 */
import { REGEXP_LITERAL, STRING_LITERAL } from './filter-tokens';

const NAME = String.raw`[A-Za-z_$][\w$]*`;
/** A name, then its member path (`.a`, `?.b`, `[k]`). */
const TARGET = String.raw`(?<![\w$.])(${NAME})((?:\s*(?:\??\.\s*${NAME}|\[[^\]]*\]))*)`;
const ASSIGNED = String.raw`\s*(?:\*\*|<<|>>>?|&&|\|\||\?\?|[-+*/%&|^])?=(?![=>])`;
const MUTATING_METHODS = 'set|add|push|unshift|delete|clear|splice|pop|shift|fill|sort|reverse|copyWithin';
/** An assignment: the name written to (1) and its member path as written (2, `.request.path`). */
export const ASSIGNMENT = new RegExp(`${TARGET}${ASSIGNED}`, 'g');
const WRITES = [
  ASSIGNMENT,
  new RegExp(String.raw`${TARGET}\s*(?:\+\+|--)`, 'g'),
  new RegExp(String.raw`(?:\+\+|--)\s*${TARGET}`, 'g'),
  new RegExp(String.raw`${TARGET}\s*\??\.\s*(?:${MUTATING_METHODS})\s*\(`, 'g'),
];
/** Names the function declares: parameters (its own and its callbacks'), variables, functions, catch bindings. */
const DECLARATIONS = [
  new RegExp(String.raw`\b(?:const|let|var)\s+(${NAME})`, 'g'),
  new RegExp(String.raw`\b(?:const|let|var)\s*([{[][^=]*[}\]])\s*=`, 'g'),
  new RegExp(String.raw`\bfunction\b\s*\*?\s*(${NAME})?\s*\(([^)]*)\)`, 'g'),
  new RegExp(String.raw`\bcatch\s*\(([^)]*)\)`, 'g'),
  new RegExp(String.raw`(${NAME})\s*=>`, 'g'),
  new RegExp(String.raw`\(([^()]*)\)\s*=>`, 'g'),
  // A method shorthand (`match(ctx) { … }`) as the whole source.
  new RegExp(String.raw`^\s*(?:async\s+)?\*?\s*${NAME}\s*\(([^)]*)\)\s*\{`, 'g'),
];
const KEYWORDS = new Set([ 'this', 'async', 'await', 'function', 'return', 'typeof', 'new' ]);
/** Names a declaration's text introduces (defaults' values and keys of renamed destructuring are not told apart). */
const DECLARED_NAME = new RegExp(`${NAME}`, 'g');

/**
 * The first write of a function's source to state outside the function (`cache.set(`, `hits++`, `this.seen =`,
 * `ctx.app.last =`), or undefined. Writes to the request's own objects (`ctx.state.user =`) last one request: not state.
 */
export function outsideWrite(functionSource: string): string | undefined {
  const source = literalsBlanked(functionSource);
  const declared = declaredNames(source);
  const parameters = firstParameters(source);
  let first: RegExpMatchArray | undefined;
  for (const pattern of WRITES) {
    for (const match of source.matchAll(pattern)) {
      const [ , root, members ] = match;
      // The request lives for one request; what it reaches of the app lives on.
      const outside = root === 'this' || !declared.has(root) || (parameters.has(root) && /\bapp\b/.test(members));
      if (outside && (!first || (match.index ?? 0) < (first.index ?? 0))) first = match;
    }
  }
  return first && functionSource.slice(first.index, (first.index ?? 0) + first[0].length).trim();
}

/** Names a function's (blanked) source declares: see DECLARATIONS. */
function declaredNames(source: string): Set<string> {
  const declared = new Set<string>();
  for (const pattern of DECLARATIONS) {
    for (const match of source.matchAll(pattern)) {
      for (const text of match.slice(1)) for (const name of text?.match(DECLARED_NAME) ?? []) if (!KEYWORDS.has(name)) declared.add(name);
    }
  }
  return declared;
}

/** Words that are no name a function takes from outside: keywords, literals, and what every function has. */
const NOT_NAMES = new Set(('break case catch class const continue debugger default delete do else export extends finally for function if import in ' +
  'instanceof new return super switch this throw try typeof var void while with yield let static await async of null true false undefined NaN ' +
  'Infinity arguments').split(' '));
/** JavaScript's own globals a function may use to read a path: their code is the language's, not the app's. */
const LANGUAGE_GLOBALS = new Set(('String Number Boolean BigInt Symbol Array Object RegExp URL URLSearchParams Set Map WeakMap WeakSet Date JSON ' +
  'Math Reflect Buffer parseInt parseFloat isNaN isFinite decodeURI decodeURIComponent encodeURI encodeURIComponent escape unescape console').split(' '));
/** Methods of JavaScript's own types (`startsWith`, `split`, `test`, `has`, `keys`): a call of one on the request's values runs the language's code. */
const LANGUAGE_METHODS = new Set([ String, Number, Boolean, BigInt, Symbol, Array, Object, RegExp, URL, URLSearchParams, Set, Map, WeakMap, WeakSet, Date ]
  .flatMap(type => [ ...Object.getOwnPropertyNames(type.prototype), ...Object.getOwnPropertyNames(type) ])
  .concat(Object.getOwnPropertyNames(JSON), Object.getOwnPropertyNames(Math), Object.getOwnPropertyNames(Reflect))
  .filter(name => name !== 'constructor' && name !== 'prototype'));
/** A name and its member path (`helpers.isPartner`), not itself a member of something; whether it is called (3). */
const NAME_CHAIN = new RegExp(String.raw`(?<![\w$]|\.\s*)(${NAME})((?:\s*\??\.\s*${NAME})*)(\s*(?:\?\.\s*)?\()?`, 'g');
/** The name of a method shorthand, `async` or not, as the whole source (`ignore(ctx) { … }`): its own. */
const OWN_NAME = new RegExp(String.raw`^\s*(?:async\s+)?(?:function\b\s*)?\*?\s*(${NAME})\s*\(`);

/**
 * What a function's answer rests on from outside its own source, as written (`isPartner`, `helpers.isPartner`,
 * `PARTNER.test`, `ctx.app.isPublic`): names it neither declares nor gets from JavaScript, and calls of methods no
 * JavaScript type has. The probes try the strings its source names; what these look for they cannot see.
 */
export function outsideNames(functionSource: string): string[] {
  return outsideUses(functionSource).chains;
}

/** The names among outsideNames' that the function does not declare (`isPartner` of `isPartner(ctx)`, `helpers`): its module's or a global. */
export function outsideRoots(functionSource: string): string[] {
  return outsideUses(functionSource).roots;
}

function outsideUses(functionSource: string): { chains: string[]; roots: string[] } {
  const source = literalsBlanked(functionSource);
  const declared = declaredNames(source);
  const own = OWN_NAME.exec(source)?.[1];
  const chains = new Set<string>();
  const roots = new Set<string>();
  for (const match of source.matchAll(NAME_CHAIN)) {
    const [ , root, members, called ] = match;
    const at = match.index ?? 0;
    if (NOT_NAMES.has(root) || root === own) continue;
    // An object literal's key (`{ partner: 1 }`) names nothing.
    if (/[{,]\s*$/.test(source.slice(0, at)) && /^\s*:/.test(source.slice(at + match[0].length))) continue;
    const chain = `${root}${members.replace(/\s+/g, '')}`;
    const method = members.match(/[\w$]+$/)?.[0];
    const outside = !declared.has(root) && !LANGUAGE_GLOBALS.has(root);
    if (outside) roots.add(root);
    if (outside || (called && method !== undefined && !LANGUAGE_METHODS.has(method))) chains.add(chain);
  }
  return { chains: [ ...chains ], roots: [ ...roots ] };
}

/** A comment, which holds no code. */
const COMMENT = String.raw`\/\/[^\n]*|\/\*[\s\S]*?\*\/`;
/**
 * Comments, string literals and RegExp literals, whichever starts first: a `//` in a string is no comment, a quote in
 * a comment no string. Made on first use: filter-tokens, which holds the literals' patterns, loads path-matching, which
 * loads this module.
 */
let notCode: RegExp | undefined;

/**
 * The source with its comments, string and RegExp literals blanked in place: what they hold is no code, and
 * positions stay those of the source. A RegExp literal keeps its slashes and flags (`/x/i` → `/ /i`).
 */
export function literalsBlanked(source: string): string {
  notCode ??= new RegExp(`${COMMENT}|${STRING_LITERAL.source}|${REGEXP_LITERAL.source}`, 'g');
  return source.replace(notCode, text => {
    if (text.startsWith('//') || text.startsWith('/*')) return text.replace(/[^\n]/g, ' ');
    const closing = text[0] === '/' ? text.lastIndexOf('/') : text.length - 1;
    return `${text[0]}${' '.repeat(closing - 1)}${text.slice(closing)}`;
  });
}

/** The names of the function's own parameters (its first parameter list or lone arrow parameter). */
export function firstParameters(source: string): Set<string> {
  const head = /^[^(=]*?(?:\(([^)]*)\)|(\b[A-Za-z_$][\w$]*)\s*=>)/.exec(source);
  return new Set((head?.[1] ?? head?.[2] ?? '').match(DECLARED_NAME) ?? []);
}
