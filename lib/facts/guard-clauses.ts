/**
 * An opening guard clause's condition with the names it reads through written out, so that what reads a condition's
 * text (middleware.ts: clientPicked, pathPicked) reads `const url = ctx.request.url; if (url.indexOf('/login') > -1)`
 * and `if (whiteList.some(item => ctx.url.startsWith(item)))` as it reads the same test written on ctx and literals.
 */
import { literalsBlanked } from './filter-state';

/** What the clause's names may be declared in: the guard's body before the clause, its module, its factory and the options egg built it with. */
export interface ClauseScope {
  /** The guard's body before the clause (it checked nothing there). */
  before: string;
  /** The guard's own source and its module's text, where a list it names is declared. */
  declarations: () => string;
  /** The guard's factory's first parameter and the options egg built the guard with. */
  factory?: { parameter: string; options: unknown };
}

const NAME = String.raw`[A-Za-z_$][\w$]*`;
/** A list of string and RegExp literals only (literals blanked): brackets, commas, quotes and slashes left. */
const LITERAL_LIST = /^\[[\s,'"/]*\]$/;
/** The ways a list is searched that a condition holds: `.some(…)`, `.includes(…)`, a Set's `.has(…)`. */
const LIST_SEARCH = new RegExp(String.raw`(?<![\w$.])(${NAME}(?:\s*\.\s*${NAME})?)(?=\s*\.\s*(?:some|find|findIndex|filter|includes|indexOf|has)\s*\()`, 'g');

const escaped = (name: string) => name.replace(/\$/g, '\\$');

/**
 * The condition with the aliases of the request's reads the body declared before it (`const url = ctx.url`, `const {
 * path } = ctx.request`) replaced by those reads, and each list it searches (`WHITE_LIST`, `options.whiteList`) by
 * its literal text, when the guard's module declares it as a list of literals or egg built the guard with one of
 * strings; a Set's `.has` is read as `.includes`. Names it cannot resolve are left as they are.
 */
export function clauseWithNames(condition: string, context: string, scope: ClauseScope): string {
  let written = condition;
  for (const [ name, read ] of aliases(scope.before, context)) written = replaceName(written, name, read);
  return replaceLists(written, scope);
}

/** The body's declarations (before the clause) of names bound to a read of the request, never reassigned there. */
function aliases(before: string, context: string): Map<string, string> {
  const code = literalsBlanked(before);
  const request = String.raw`(?:${escaped(context)}|this)(?:\s*\.\s*(?:request|req))?`;
  const found = new Map<string, string>();
  // A property, a string key or a call with a string (`ctx.get('authorization')`), read from the text as written.
  const key = String.raw`(?:'[^']*'|"[^"]*")`;
  const read = String.raw`${request}(?:\s*\.\s*${NAME}(?:\s*\(\s*${key}\s*\))?|\s*\[\s*${key}\s*\])+`;
  for (const match of code.matchAll(new RegExp(String.raw`\b(?:const|let|var)\s+(${NAME})\s*=\s*(${read})\s*(?=[;,\n}]|$)`, 'g'))) {
    const at = (match.index as number) + match[0].lastIndexOf(match[2]);
    found.set(match[1], before.slice(at, at + match[2].length));
  }
  for (const match of code.matchAll(new RegExp(String.raw`\b(?:const|let|var)\s*\{([^{}=]*)\}\s*=\s*(${request})\s*(?=[;\n}]|$)`, 'g'))) {
    for (const item of match[1].split(',')) {
      const [ property, local = property ] = item.split(':').map(part => part.trim());
      if (new RegExp(`^${NAME}$`).test(property) && new RegExp(`^${NAME}$`).test(local)) found.set(local, `${match[2].replace(/\s+/g, '')}.${property}`);
    }
  }
  for (const name of found.keys()) {
    const writes = code.match(new RegExp(String.raw`(?<![\w$.])${escaped(name)}\s*(?:=(?![=>])|\+\+|--|[-+*/|&?]{1,2}=)`, 'g'))?.length ?? 0;
    if (writes > 1) found.delete(name);
  }
  return found;
}

/** `code` with each whole-word use of `name` (not a property, key or declaration) replaced by `read`; literals untouched. */
function replaceName(code: string, name: string, read: string): string {
  const blanked = literalsBlanked(code);
  const uses = [ ...blanked.matchAll(new RegExp(String.raw`(?<![\w$.])${escaped(name)}(?![\w$])(?!\s*:)`, 'g')) ];
  return uses.reduceRight((text, use) => text.slice(0, use.index) + read + text.slice((use.index as number) + name.length), code);
}

/** The condition with the lists it searches written as literals (LIST_SEARCH), where known. */
function replaceLists(condition: string, scope: ClauseScope): string {
  const blanked = literalsBlanked(condition);
  const uses = [ ...blanked.matchAll(LIST_SEARCH) ];
  return uses.reduceRight((text, use) => {
    const list = listText(use[1].replace(/\s+/g, ''), scope);
    if (list === undefined) return text;
    const end = (use.index as number) + use[1].length;
    const rest = text.slice(end).replace(/^(\s*\.\s*)has(\s*\()/, '$1includes$2');
    return text.slice(0, use.index) + list + rest;
  }, condition);
}

/** The literal text of a list `name` stands for: declared as literals in the guard's code, or an option egg built it with. */
function listText(name: string, scope: ClauseScope): string | undefined {
  const parameter = scope.factory?.parameter;
  if (parameter !== undefined && name.startsWith(`${parameter}.`)) return optionList(scope.factory?.options, name.slice(parameter.length + 1));
  if (name.includes('.')) return undefined;
  const declared = new RegExp(String.raw`\b(?:const|let|var)\s+${escaped(name)}\s*=\s*(?:new\s+Set\s*\(\s*)?(\[[^\]]*\]|${NAME}\s*\.\s*${NAME})`)
    .exec(`${scope.before}\n${scope.declarations()}`)?.[1];
  if (declared === undefined) return undefined;
  if (declared.startsWith('[')) return LITERAL_LIST.test(literalsBlanked(declared).replace(/(['"])\s*\1|\/\s+\/[dgimsuy]*/g, '$1$1')) ? declared : undefined;
  // `const whiteList = options.whiteList;` in the factory.
  const [ object, property ] = declared.split('.').map(part => part.trim());
  return object === parameter ? optionList(scope.factory?.options, property) : undefined;
}

/** An option that is a list of strings and RegExps, written as literals. */
function optionList(options: unknown, property: string): string | undefined {
  const value = options && typeof options === 'object' ? (options as Record<string, unknown>)[property] : undefined;
  if (!Array.isArray(value) || !value.every(item => typeof item === 'string' || item instanceof RegExp)) return undefined;
  return `[${value.map(item => (typeof item === 'string' ? JSON.stringify(item) : String(item))).join(', ')}]`;
}

/** A top-level `if (…) { … }` of a function's body with no `else`: its condition, and where the statement starts and ends. */
export interface Conditional { condition: string; start: number; end: number }

/** The top-level conditionals with a block and no `else` of a function's body, which starts at `bodyAt`. */
export function topLevelIfs(source: string, bodyAt: number): Conditional[] {
  const code = literalsBlanked(source);
  const found: Conditional[] = [];
  const ifAt = /if\s*\(/y;
  for (let at = bodyAt, depth = 0; at < code.length && depth >= 0; at++) {
    const char = code[at];
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) depth--;
    else if (depth === 0 && char === 'i' && !/[\w$.]/.test(code[at - 1])) {
      ifAt.lastIndex = at;
      if (!ifAt.test(code)) continue;
      const open = ifAt.lastIndex - 1;
      const close = matchingBracket(code, open);
      const blockAt = close === undefined ? -1 : code.slice(close + 1).search(/\S/) + close + 1;
      if (close === undefined || code[blockAt] !== '{') break;
      const end = matchingBracket(code, blockAt);
      if (end === undefined) break;
      if (!/^\s*else\b/.test(code.slice(end + 1))) found.push({ condition: source.slice(open + 1, close), start: at, end: end + 1 });
      at = end;
    }
  }
  return found;
}

/** Where the bracket that `code[open]` opens closes (literals blanked). */
function matchingBracket(code: string, open: number): number | undefined {
  for (let at = open, depth = 0; at < code.length; at++) {
    if ('([{'.includes(code[at])) depth++;
    else if (')]}'.includes(code[at]) && --depth === 0) return at;
  }
  return undefined;
}
