/**
 * Whether a `match`/`ignore` function keeps state from one request to the next by writing to something outside
 * itself: a cache, a counter, the options object (`this`), `ctx.app`. Asking each probe twice (lib/facts/path-matching.ts)
 * catches state that flips between two calls; a cache keyed by path answers the second call as it did the first, so
 * the state is found in the source instead. Read from the function's source with patterns, not parsed: a write it
 * misses leaves the double ask; a false one names the write, and the fix is a function of the request alone.
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
  const declared = new Set<string>();
  for (const pattern of DECLARATIONS) {
    for (const match of source.matchAll(pattern)) {
      for (const text of match.slice(1)) for (const name of text?.match(DECLARED_NAME) ?? []) if (!KEYWORDS.has(name)) declared.add(name);
    }
  }
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

/** The source with its string and RegExp literals blanked in place: what they hold is no code, and positions stay those of the source. */
export function literalsBlanked(source: string): string {
  const blank = (text: string) => `${text[0]}${' '.repeat(text.length - 2)}${text.at(-1)}`;
  return source.replace(STRING_LITERAL, blank).replace(REGEXP_LITERAL, blank);
}

/** The names of the function's own parameters (its first parameter list or lone arrow parameter). */
export function firstParameters(source: string): Set<string> {
  const head = /^[^(=]*?(?:\(([^)]*)\)|(\b[A-Za-z_$][\w$]*)\s*=>)/.exec(source);
  return new Set((head?.[1] ?? head?.[2] ?? '').match(DECLARED_NAME) ?? []);
}
