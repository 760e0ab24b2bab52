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
  /** The app's config, which a guard reads as `app.config.…` (`ctx.app.config.…`, `this.app.config.…`). */
  config?: Readonly<Record<string, unknown>>;
}

export const NAME = String.raw`[A-Za-z_$][\w$]*`;
/** The ways a list is searched that a condition holds: `.some(…)`, `.includes(…)`, a Set's `.has(…)`. */
const LIST_SEARCH = new RegExp(String.raw`(?<![\w$.])(${NAME}(?:\s*\.\s*${NAME})*)(?=\s*\.\s*(?:some|find|findIndex|filter|includes|indexOf|has)\s*\()`, 'g');
/** A string or RegExp literal, an item of such a list. */
const LIST_ITEM = /'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|\/(?:\\.|[^/\\\n])+\/[dgimsuy]*/g;
/** String methods an alias of a request read may apply (`ctx.get('authorization').replace('Bearer ', '')`). */
export const STRING_METHODS = 'replace|replaceAll|split|trim|trimStart|trimEnd|toLowerCase|toUpperCase|slice|substring|substr';
/** The most items of a literal list a callback's test is written out for. */
const MAX_LIST_ITEMS = 50;

/** A name written into a RegExp (`$` escaped). */
export const escaped = (name: string) => name.replace(/\$/g, '\\$');

/** Code (literals blanked) without its string and RegExp literals and its numbers: what is left are names and operators. */
export function withoutLiterals(blanked: string): string {
  return blanked.replace(/(['"`])\s*\1|\/\s*\/[dgimsuy]*/g, '').replace(/\b\d+\b/g, '');
}
export const isName = (text: string) => new RegExp(`^${NAME}$`).test(text);

/**
 * The condition with the aliases of the request's reads the body declared before it (`const url = ctx.url`, `const {
 * path } = ctx.request`, `const token = (ctx.get('authorization') || '').replace(/^Bearer /, '')`) replaced by those
 * reads, and each list it searches (`WHITE_LIST`, `options.whiteList`, `app.config.auth.whiteList`) by its literal
 * text, when the guard's module declares it as a list of literals or the options or config hold one of strings; a
 * Set's `.has` is read as `.includes`, and a callback's test over a literal list (`[ /\/login/ ].some(re =>
 * re.test(ctx.url))`) as the test of each item joined with `||`. Names it cannot resolve are left as they are.
 */
export function clauseWithNames(condition: string, context: string, scope: ClauseScope): string {
  let written = inlinedHelpers(condition, scope);
  for (const [ name, read ] of aliases(scope.before, context)) written = replaceName(written, name, read);
  return expandedCallbacks(replaceLists(written, scope));
}

/**
 * Calls of the guard's module's one-expression helpers (`function isInternal(ctx) { return ctx.get('x-internal-call')
 * === '1'; }`, `const isPublic = path => …;`) written out with their arguments (black-box round 42, h7 F2): a helper
 * declared once, with one parameter, called with a plain name or member chain.
 */
function inlinedHelpers(condition: string, scope: ClauseScope): string {
  const blanked = literalsBlanked(condition);
  const calls = [ ...blanked.matchAll(new RegExp(String.raw`(?<![\w$.])(${NAME})\s*\(\s*(${NAME}(?:\s*\.\s*${NAME})*)\s*\)`, 'g')) ];
  if (!calls.length) return condition;
  const module = scope.declarations();
  return calls.reduceRight((text, call) => {
    const helper = oneExpressionHelper(module, call[1]);
    if (!helper) return text;
    const argument = condition.slice((call.index as number) + call[0].indexOf('(') + 1, (call.index as number) + call[0].length - 1).trim();
    return text.slice(0, call.index) + `(${replaceName(helper.body, helper.parameter, argument)})` + text.slice((call.index as number) + call[0].length);
  }, condition);
}

/** A helper the module declares once as a function of one parameter that returns one expression. */
function oneExpressionHelper(module: string, name: string): { parameter: string; body: string } | undefined {
  const blanked = literalsBlanked(module);
  const declared = [ ...blanked.matchAll(new RegExp(String.raw`(?:\bfunction\s+${escaped(name)}\s*\(\s*(${NAME})\s*\)\s*\{\s*return\s+|\b(?:const|let|var)\s+${escaped(name)}\s*=\s*(?:\(\s*(${NAME})\s*\)|(${NAME}))\s*=>\s*(?!\{))`, 'g')) ];
  if (declared.length !== 1 || changed(module, escaped(name))) return undefined;
  const [ match ] = declared;
  const start = (match.index as number) + match[0].length;
  // The expression ends at the `;`, `}` or line end at its own depth.
  let depth = 0;
  let end = start;
  for (; end < blanked.length; end++) {
    const char = blanked[end];
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char) && --depth < 0) break;
    else if (depth === 0 && (char === ';' || char === '\n')) break;
  }
  const body = module.slice(start, end).trim();
  return body ? { parameter: match[1] ?? match[2] ?? match[3], body } : undefined;
}

/** The body's declarations (before the clause) of names bound to what only the request gives, never reassigned there; each earlier one written out in later ones. */
function aliases(before: string, context: string): Map<string, string> {
  const code = literalsBlanked(before);
  const request = String.raw`(?:${escaped(context)}|this)(?:\s*\.\s*(?:request|req))?`;
  const found = new Map<string, string>();
  const declarations = [ ...code.matchAll(new RegExp(String.raw`\b(?:const|let|var)\s+(?:(${NAME})|\{([^{}=]*)\})\s*=\s*([^;\n]+?)\s*(?=[;\n]|$)`, 'g')) ];
  for (const match of declarations) {
    const at = (match.index as number) + match[0].length - match[3].length;
    let expression = before.slice(at, at + match[3].length);
    for (const [ name, read ] of found) expression = replaceName(expression, name, read);
    if (!readsRequestOnly(expression, request)) continue;
    if (match[1] !== undefined) {
      // In parentheses where operators join reads (`a || b`); a chain of reads and calls reads on as it is.
      const joined = /\|\||\?\?|&&|[?:+\-*/<>=!]/.test(withoutLiterals(literalsBlanked(expression)));
      found.set(match[1], joined ? `(${expression.trim()})` : expression.trim());
      continue;
    }
    // `const { authorization } = ctx.headers`, `const { url, path: p } = ctx.request`.
    for (const item of match[2].split(',')) {
      const [ property, local = property ] = item.split(':').map(part => part.trim());
      if (isName(property) && isName(local)) found.set(local, `${expression.trim()}.${property}`);
    }
  }
  for (const name of found.keys()) if (changed(before, escaped(name))) found.delete(name);
  return found;
}

/**
 * Whether an expression reads the request (`request`: ctx, or ctx.request) and nothing else: its properties, calls
 * with literals, string methods, literals, `||`, `??`, `&&` and indexes.
 */
function readsRequestOnly(expression: string, request: string): boolean {
  const code = withoutLiterals(literalsBlanked(expression));
  const reads = new RegExp(String.raw`(?<![\w$.])${request}(?:\s*\.\s*${NAME})*`, 'g');
  if (!reads.test(code)) return false;
  const rest = code.replace(reads, '').replace(new RegExp(String.raw`\.\s*(?:${STRING_METHODS})\b`, 'g'), '');
  return !/[A-Za-z_$]/.test(rest) && !/=(?!=)/.test(rest.replace(/[!=]==?/g, ''));
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

/**
 * The literal text of a list `name` stands for: declared as literals in the guard's code, an option egg built it
 * with (`options.whiteList`, `const { whiteList } = options` in the factory), or the app's config (`app.config.auth.whiteList`).
 */
function listText(name: string, scope: ClauseScope): string | undefined {
  const parameter = scope.factory?.parameter;
  if (parameter !== undefined && name.startsWith(`${parameter}.`)) {
    return changed(scope.declarations(), escaped(name).replace(/\./g, String.raw`\s*\.\s*`)) ? undefined : listOf(scope.factory?.options, name.slice(parameter.length + 1));
  }
  const inConfig = /^(?:(?:ctx|this)\.)?app\.config\.(.+)$/.exec(name)?.[1];
  if (inConfig !== undefined) return listOf(scope.config, inConfig);
  if (name.includes('.')) return undefined;
  const declarations = `${scope.before}\n${scope.declarations()}`;
  // One declaration, the whole of its value (not `options.whiteList.concat([…])`), and no change to the list anywhere
  // (`WHITE.push('/public')`): what it holds when the guard runs (review of round 42, h6 #5).
  const declaredAt = [ ...declarations.matchAll(new RegExp(String.raw`\b(?:const|let|var)\s+${escaped(name)}\s*=\s*(?:new\s+Set\s*\(\s*)?(\[[^\]]*\]|${NAME}\s*\.\s*${NAME})(\s*\)?\s*[;,\n])?`, 'g')) ];
  if (declaredAt.length > 1 || (declaredAt.length === 1 && declaredAt[0][2] === undefined) || changed(declarations, escaped(name))) return undefined;
  const declared = declaredAt[0]?.[1];
  if (declared?.startsWith('[')) return isLiteralList(declared) ? declared : undefined;
  // `const whiteList = options.whiteList;` or `const { whiteList } = options;` in the factory.
  const [ object, property ] = declared?.split('.').map(part => part.trim()) ?? destructured(declarations, name) ?? [];
  if (object === undefined || object !== parameter || property === undefined || changed(declarations, String.raw`${escaped(object)}\s*\.\s*${escaped(property)}`)) return undefined;
  return listOf(scope.factory?.options, property);
}

/** Whether code assigns what `target` (a pattern) names after its declaration, or changes the list in place. */
export function changed(code: string, target: string): boolean {
  const blanked = literalsBlanked(code);
  const assignments = blanked.match(new RegExp(String.raw`(?<![\w$.])${target}\s*(?:=(?![=>])|\+\+|--|[-+*/|&?]{1,2}=)`, 'g'))?.length ?? 0;
  const declarations = blanked.match(new RegExp(String.raw`\b(?:const|let|var)\s+${target}\s*=`, 'g'))?.length ?? 0;
  return assignments > declarations || new RegExp(String.raw`(?<![\w$.])${target}\s*\.\s*(?:push|unshift|splice|add|fill|length\s*=)`).test(blanked);
}

/** The object and property `name` is destructured from (`const { whiteList } = options`, `const { list: name } = opts`). */
function destructured(declarations: string, name: string): [ string, string ] | undefined {
  for (const match of declarations.matchAll(new RegExp(String.raw`\b(?:const|let|var)\s*\{([^{}=]*)\}\s*=\s*(${NAME})\s*[;\n]`, 'g'))) {
    for (const item of match[1].split(',')) {
      const [ property, local = property ] = item.split(':').map(part => part.trim());
      if (local === name && isName(property)) return [ match[2], property ];
    }
  }
  return undefined;
}

/** Whether `text` is a list of string and RegExp literals only. */
function isLiteralList(text: string): boolean {
  return /^\[[\s,]*\]$/.test(text.replace(LIST_ITEM, ''));
}

/** The value at a dotted path of an object, when it is a list of strings and RegExps, written as literals. */
function listOf(object: unknown, dotted: string): string | undefined {
  let value = object;
  for (const key of dotted.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(value) || !value.length || value.length > MAX_LIST_ITEMS || !value.every(item => typeof item === 'string' || item instanceof RegExp)) return undefined;
  return `[${value.map(item => (typeof item === 'string' ? JSON.stringify(item) : String(item))).join(', ')}]`;
}

/**
 * `[ /\/login/, /\/register/ ].some(re => re.test(ctx.url))` as `((/\/login/.test(ctx.url)) || (/\/register/.test(ctx.url)))`:
 * a callback's expression over a literal list, for each of its items (`.some`, `.find`).
 */
function expandedCallbacks(condition: string): string {
  const blanked = literalsBlanked(condition);
  const calls = [ ...blanked.matchAll(new RegExp(String.raw`\]\s*\.\s*(?:some|find)\s*(\()\s*(?:\(\s*(${NAME})\s*\)|(${NAME}))\s*=>\s*(?!\{)`, 'g')) ];
  return calls.reduceRight((text, call) => {
    const listEnd = call.index as number;
    const listStart = openingBracket(blanked, listEnd);
    const open = listEnd + call[0].indexOf('(');
    const close = matchingBracket(blanked, open);
    if (listStart === undefined || close === undefined) return text;
    const list = condition.slice(listStart, listEnd + 1);
    const items = list.match(LIST_ITEM) ?? [];
    if (!isLiteralList(list) || !items.length || items.length > MAX_LIST_ITEMS) return text;
    const body = condition.slice(listEnd + call[0].length, close);
    const parameter = call[2] ?? call[3];
    return text.slice(0, listStart) + `(${items.map(item => `(${replaceName(body, parameter, item)})`).join(' || ')})` + text.slice(close + 1);
  }, condition);
}

/** Where the bracket that `code[close]` closes opens (literals blanked). */
function openingBracket(code: string, close: number): number | undefined {
  for (let at = close, depth = 0; at >= 0; at--) {
    if (')]}'.includes(code[at])) depth++;
    else if ('([{'.includes(code[at]) && --depth === 0) return at;
  }
  return undefined;
}

/**
 * A top-level `if (…) …` of a function's body: its condition, where the statement (with its `else`) starts and ends,
 * and the statements of its `else` ('' without one).
 */
export interface Conditional { condition: string; start: number; end: number; otherwise: string }

/** The top-level conditionals of a function's body, which starts at `bodyAt`; an `else if` chain is not read. */
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
      if (!ifAt.test(code) || /\belse\s*$/.test(code.slice(Math.max(bodyAt, at - 12), at))) continue;
      const open = ifAt.lastIndex - 1;
      const close = matchingBracket(code, open);
      const then = close === undefined ? undefined : statementAt(code, close + 1);
      if (close === undefined || !then) break;
      const elseWord = /^\s*else\b\s*/.exec(code.slice(then.end));
      const otherwise = elseWord ? statementAt(code, then.end + elseWord[0].length) : undefined;
      if (elseWord && !otherwise) break;
      const chained = otherwise !== undefined && /^if\s*\(/.test(code.slice(otherwise.start));
      // An `else if` chain is not read: the scan goes on past its first branch, and each `else if` is skipped.
      if (chained) {
        at = then.end - 1;
        continue;
      }
      const end = otherwise?.end ?? then.end;
      found.push({ condition: source.slice(open + 1, close), start: at, end, otherwise: otherwise ? source.slice(otherwise.bodyStart, otherwise.bodyEnd) : '' });
      at = end - 1;
    }
  }
  return found;
}

/** The statement at `from` (after blanks): a block, or one ending in `;` or at its line's end; where it and its body start and end. */
function statementAt(code: string, from: number): { start: number; end: number; bodyStart: number; bodyEnd: number } | undefined {
  const start = from + code.slice(from).search(/\S|$/);
  if (code[start] === '{') {
    const close = matchingBracket(code, start);
    return close === undefined ? undefined : { start, end: close + 1, bodyStart: start + 1, bodyEnd: close };
  }
  for (let at = start, depth = 0; at < code.length; at++) {
    const char = code[at];
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char) && --depth < 0) return { start, end: at, bodyStart: start, bodyEnd: at };
    else if (depth === 0 && (char === ';' || char === '\n')) return { start, end: at + 1, bodyStart: start, bodyEnd: at + 1 };
  }
  return undefined;
}

/** Where the bracket that `code[open]` opens closes (literals blanked). */
function matchingBracket(code: string, open: number): number | undefined {
  for (let at = open, depth = 0; at < code.length; at++) {
    if ('([{'.includes(code[at])) depth++;
    else if (')]}'.includes(code[at]) && --depth === 0) return at;
  }
  return undefined;
}

/** Calls that only read the request or make a string of it: they cannot refuse (throw) or answer. */
const READING_CALLS = String.raw`\.\s*(?:get|header|${STRING_METHODS}|startsWith|endsWith|includes|indexOf|test)\s*\(|\b(?:encodeURIComponent|String)\s*\(`;
/** Calls that write an answer without ending the request: status, body, headers, a redirect, a log line. */
const ANSWER_WRITES = String.raw`\.\s*(?:redirect|set|append|vary|remove)\s*\(|\.\s*logger\s*\.\s*\w+\s*\(|\bconsole\s*\.\s*\w+\s*\(`;
/** What may end a function early, throw, wait or make code: none of it may be in a statement that falls through. */
const MAY_STOP = /[\w$\])]\s*\(|\b(?:return|throw|await|yield|new|function|delete)\b|=>/;

/**
 * The statement of a guard that writes its refusal but does not return (`if (!ok) { ctx.status = 401; ctx.body = …; }
 * await next();`, a redirect to the login, the same in an `else`, an `else if` chain, a nested `if` or a `switch`; or
 * `try { …verify… } catch (err) { ctx.status = 401; } await next();`): next() runs after it for every request, and
 * the controller answers in the refusal's place (black-box round 43, r43h3 F1; round 44, r44h1 F3). Only for a body
 * whose last statement is `await next()` (or `return next()`, `yield next()`) and whose code before it only reads the
 * request, branches on it and writes the answer, so nothing in it can throw or end the function before next() runs; a
 * top-level `try` may do anything but return, its `catch` only what the rest may. The statement that holds the first
 * refusal, as written: `if (…)`, `switch (…)` or `try { … } catch`. `bodyAt`: where the body starts.
 */
export function fallThroughRefusal(source: string, bodyAt: number, next: string): string | undefined {
  const code = literalsBlanked(source);
  const bodyEnd = matchingBracket(code, code.lastIndexOf('{', bodyAt - 1));
  if (bodyEnd === undefined) return undefined;
  const last = new RegExp(String.raw`(?:return\s+)?(?:await\s+|yield\s+)?${escaped(next)}\s*\(\s*\)\s*;?\s*$`).exec(code.slice(bodyAt, bodyEnd));
  if (!last) return undefined;
  const nextAt = bodyAt + last.index;
  // next() as a statement of its own: not the `else` of a refusal, nor behind a condition (`ok && await next()`; review
  // of round 44).
  if (/(?:\belse|[)&|?:,=!])\s*$/.test(code.slice(bodyAt, nextAt))) return undefined;
  const tries = topLevelTries(code, bodyAt).filter(({ end }) => end <= nextAt);
  if (tries.some(({ tried }) => /\b(?:return|yield)\b/.test(tried))) return undefined;
  // What runs before next(), a try's attempt left out (what it throws, its catch takes): control headers unwrapped, so
  // that only calls are left to judge.
  let before = '';
  let from = bodyAt;
  for (const { start, end, caught } of tries) {
    before += `${code.slice(from, start)};${caught};`;
    from = end;
  }
  before += code.slice(from, nextAt);
  if (stops(before.replace(/\b(?:(?:else\s+)?if|switch)\s*\(/g, ' ('), `${READING_CALLS}|${ANSWER_WRITES}`)) return undefined;
  const refusal = /\.\s*status\s*=\s*[34]\d\d\b|\.\s*redirect\s*\(/.exec(code.slice(bodyAt, nextAt));
  if (!refusal) return undefined;
  // The statement that holds it: the nearest `if`/`switch` header or try before it.
  const at = bodyAt + refusal.index;
  const headers = [ ...code.slice(bodyAt, at).matchAll(/\b(if|switch)\s*\(/g) ].map(match => ({ at: bodyAt + (match.index as number), word: match[1] }));
  const header = headers[headers.length - 1];
  const inTry = tries.find(({ start, end }) => start <= at && at < end);
  if (inTry && (!header || header.at < inTry.start)) return 'try { … } catch';
  if (!header) return undefined;
  const open = code.indexOf('(', header.at);
  const close = matchingBracket(code, open);
  return close === undefined ? undefined : `${header.word} (${source.slice(open + 1, close).trim()})`;
}

/** Whether code (literals blanked) may end the function early, throw, wait or make code, besides the calls `allowed` matches. */
function stops(text: string, allowed: string): boolean {
  return MAY_STOP.test(text.replace(new RegExp(allowed, 'g'), ' '));
}

/** The top-level `try { … } catch (…) { … }` statements of a body (literals blanked) with no `finally`: where each starts and ends, and its two blocks. */
function topLevelTries(code: string, bodyAt: number): Array<{ start: number; end: number; tried: string; caught: string }> {
  const found: Array<{ start: number; end: number; tried: string; caught: string }> = [];
  for (let at = bodyAt, depth = 0; at < code.length && depth >= 0; at++) {
    const char = code[at];
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) depth--;
    else if (depth === 0 && char === 't' && !/[\w$.]/.test(code[at - 1]) && /^try\s*\{/.test(code.slice(at, at + 8))) {
      const open = code.indexOf('{', at);
      const close = matchingBracket(code, open);
      const handler = close === undefined ? undefined : /^\s*catch\s*(?:\([^()]*\))?\s*\{/.exec(code.slice(close + 1));
      const caughtOpen = handler && close !== undefined ? close + handler[0].length : undefined;
      const caughtClose = caughtOpen === undefined ? undefined : matchingBracket(code, caughtOpen);
      if (close === undefined || caughtOpen === undefined || caughtClose === undefined || /^\s*finally\b/.test(code.slice(caughtClose + 1))) return found;
      found.push({ start: at, end: caughtClose + 1, tried: code.slice(open + 1, close), caught: code.slice(caughtOpen + 1, caughtClose) });
      at = caughtClose;
    }
  }
  return found;
}
