/**
 * Whether a middleware's source shows it cannot answer a request ahead of the rest of the chain (SEN405): read from
 * its text, since the audit runs no app code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { literalsBlanked } from './filter-state';

/** What the middleware's text alone does not show. */
export interface PassScope {
  /** The text of the module that defines it: what the names it closes over are (an AsyncLocalStorage). */
  moduleText?: string;
  /** That module's file: a relative `require()` in it is of the app's own modules (an AsyncLocalStorage it shares). */
  moduleFile?: string;
  /** Whether ctx has a property by that name that is more than a plain one: an accessor or method of koa, egg or an extension. */
  contextHas?: (name: string) => boolean;
  /**
   * Whether an answer with an error alone (a 401, a rate limiter's 429) counts as an answer: asked of a guard, so that
   * true means it refuses no request at all.
   */
  errorsAnswer?: boolean;
}

/**
 * Whether a middleware's own source shows that every request goes through the rest of the chain and that what the
 * rest does (egg-security's csrf refusal included) reaches the client: its body calls `next()` before any branch,
 * `return`, `await` of something else or use of its ctx but setting and reading headers, reading the request,
 * `ctx.state` and `ctx.logger`, and plain properties of ctx (a request id), and catches nothing, or catches only
 * around that first call (`try { await next(); } finally { log }`). What it does before or after cannot answer in
 * the rest's place (egg's guide's `report` middleware, which times requests). `next` may be handed to an
 * AsyncLocalStorage's run() or OpenTelemetry's context.with() (a trace context that wraps the whole chain), and TypeScript's down-levelled async
 * (`__awaiter(this, …, function* () { … yield next(); })`) reads as the async function it was, `const { method } = ctx` as
 * `ctx.method`, and `next().then(onFulfilled)` as code after `await next();`; comments, strings and RegExp literals
 * are read as a lexer reads them, and a call of next inside a function or object the body makes does not count.
 * Strict on purpose: escapes outside strings, a template literal spanning lines, `this`, `arguments` and `eval` are
 * not read through, and make it no such middleware.
 */
export function passesThrough(source: string, scope: PassScope = {}): boolean {
  const text = awaiterUnwrapped(source);
  // `(ctx, next) => (async () => {` is an arrow function down-levelled from `async (ctx, next) => {`.
  const head = /^(?:async\s*)?(?:function\b[^(]*)?\(\s*([A-Za-z_$][\w$]*)\s*,\s*([A-Za-z_$][\w$]*)\s*\)\s*(?:=>\s*(?:\(async \(\) => )?)?\{/.exec(text);
  // An arrow function with an expression for its body (`(ctx, next) => next()`) returns that expression.
  const concise = head ? undefined : /^(?:async\s*)?\(\s*([A-Za-z_$][\w$]*)\s*,\s*([A-Za-z_$][\w$]*)\s*\)\s*=>(?!\s*\{)/.exec(text);
  if (!head && !concise) return false;
  const [ opening, context, next ] = (head ?? concise) as RegExpExecArray;
  const written = concise ? `return ${text.slice(opening.length).trimStart()};}` : text.slice(opening.length);
  // Where a template literal's text ends and code resumes across lines is more than this scan reads.
  if (hasMultiLineTemplate(written)) return false;
  // Comments, strings and RegExp literals blanked in place, as a lexer reads them: a log line's "finished with %s" is
  // text (black-box round 40, h5 F4), `'{/*'` a string, `return // …` a comment (h7 F3/F8). A template literal's `${…}`
  // is read as code all the same.
  const code = literalsBlanked(written.replace(OPTIONS_LITERAL, OPTIONS_MARK));
  // TypeScript's down-levelled `?.` and `??` declare their temporaries first (`var _a, _b;`): no statement of the app's.
  const body = alsUnwrapped(code.replace(/^\s*return\s+\(async \(\) => \{/, '').replace(/^\s*var\s+_[a-z]\w*(?:\s*,\s*_[a-z]\w*)*\s*;/, ''), next, scope);
  if (/\\|\b(?:this|arguments|eval|Function|with)\b/.test(body)) return false;
  const contextHas = (name: string) => name in Object.prototype || KOA_CONTEXT.has(name) || scope.contextHas?.(name) === true;
  // Asked whether it refuses nothing: a call may throw (jwt.verify(), assert()) and a branch may decide, which is refusing.
  if (scope.errorsAnswer && mayThrowOrDecide(body, context, next)) return false;
  return handsOn(body, context, next, contextHas, scope.errorsAnswer === true);
}

/**
 * Whether a body (strings blanked) calls anything but next() and ctx's header and request methods, makes an object,
 * throws or branches: code that may refuse a request by throwing or deciding.
 */
function mayThrowOrDecide(body: string, context: string, next: string): boolean {
  const known = body.replace(new RegExp(`\\b${identifierPattern(next)}\\s*\\(\\s*\\)|\\b${identifierPattern(context)}\\s*\\.\\s*(?:(?:set|append|vary|remove|${REQUEST_READING_CALLS.join('|')})\\s*\\(|logger\\s*\\.\\s*\\w+\\s*\\()`, 'g'), ' ');
  return /[\w$\])]\s*\(|\bnew\b|\bthrow\b|\?|&&|\|\|/.test(known);
}

/**
 * A line break where JavaScript ends a statement written without a semicolon (ASI): after a line that ends an
 * expression (a name, `)`, `]`, a string). What the line holds is judged as any statement before the call is.
 */
const STATEMENT_LINE_BREAK = '(?<=[\\w$)\\]\'"`])[ \\t]*\\r?\\n\\s*';

/**
 * Whether a template literal spans lines (its backticks paired in order; a body with an escape is not read at all):
 * where its text ends and code resumes is more than this scan reads.
 */
function hasMultiLineTemplate(body: string): boolean {
  const ticks = [ ...body.matchAll(/`/g) ].map(match => match.index);
  for (let at = 0; at + 1 < ticks.length; at += 2) if (body.slice(ticks[at], ticks[at + 1]).includes('\n')) return true;
  return ticks.length % 2 === 1;
}

/** How many braces `code` (comments and strings blanked) leaves open. */
function braceDepth(code: string): number {
  let depth = 0;
  for (const char of code) if (char === '{') depth++; else if (char === '}') depth--;
  return depth;
}

/** Whether a middleware body (comments and strings blanked) calls next once on every path, and answers nothing before it. */
function handsOn(body: string, context: string, next: string, contextHas: (name: string) => boolean, errorsAnswer: boolean): boolean {
  // `if (!ctx.path.startsWith('/api/')) return next();` first: both ways lead to one call of next, as for the rest.
  const rest = afterGuardClause(body, context, next, contextHas);
  if (rest !== undefined) return handsOn(rest, context, next, contextHas, errorsAnswer);
  // The body's strings are blanked (passesThrough): a string's `\n  next()` is no call (review of round 40).
  const call = new RegExp(`(?:^\\s*|[;{}]\\s*|${STATEMENT_LINE_BREAK})(?:await\\s+|return[ \\t]+(?:await\\s+)?)?${identifierPattern(next)}\\s*\\(\\s*\\)`).exec(body);
  if (!call) return false;
  // The statement before ends with the `;` or `}` the match starts at (a `{` opens the block the call is in: `try {`).
  const before = body.slice(0, call.index + (/^[;}]/.test(call[0]) ? 1 : 0));
  // At the body's own level: a call inside a function or object it makes (`{ run() { return next(); } }`) may never run (h7 F3).
  if (braceDepth(before) !== 0) return false;
  const after = afterNext(body.slice(call.index + call[0].length));
  if (after === undefined || /\bthen\b/.test(before)) return false;
  // An access log's `try { await next(); } finally { … }`, egg's guide's error handler's `try { await next(); } catch (err) { … }`:
  // the catch or finally runs only once the rest of the chain (egg-security's refusal included) has run, and must not call next again.
  const tryAt = /(?:^|[;{}])\s*try\s*$/.exec(before);
  if (tryAt && body[call.index] === '{') {
    return harmless(before.replace(/\btry\s*$/, ''), context, next, contextHas) && !new RegExp(`\\b${identifierPattern(next)}\\b`).test(after);
  }
  if (/\b(?:catch|finally)\b/.test(body)) return false;
  return harmless(errorsAnswer ? before : withoutErrorAnswers(before, context, next, contextHas), context, next, contextHas);
}

/** The string 'OPTIONS', which passesThrough keeps through the blanking of strings as OPTIONS_MARK. */
const OPTIONS_LITERAL = /(['"`])OPTIONS\1/g;
const OPTIONS_MARK = 'OPTIONS_METHOD$';

/**
 * `before` without the clauses that answer a request only with an error, on a condition that reads the request or
 * the middleware's own state (a rate limiter's `if (count > LIMIT) { ctx.status = 429; ctx.body = { error: '…' };
 * return; }`, `ctx.throw(503)`): an error goes out with no data, and no controller runs, so csrf has nothing to guard
 * there (black-box round 40, h5 F9). Strings are blanked (passesThrough): a body is a literal or a literal object.
 * So are those that answer a CORS preflight, `if (ctx.method === 'OPTIONS') { ctx.set(…); ctx.status = 204; return; }`:
 * headers and no body, and those whose block answers nothing, as harmless() reads it (`if (ALLOWED.includes(origin)) {
 * ctx.set(…); }`, ctx.state or a plain ctx property set; no else; black-box round 41, h1 F4).
 */
function withoutErrorAnswers(before: string, context: string, next: string, contextHas: (name: string) => boolean): string {
  const ctx = identifierPattern(context);
  const literal = String.raw`(?:'[^']*'|"[^"]*"|\d+|true|false|null)`;
  const assignment = String.raw`(?:${ctx}\.status\s*=\s*[45]\d\d|${ctx}\.body\s*=\s*(?:${literal}|\{[^{}()]*\})|${ctx}\.set\s*\([^()]*\))\s*;?\s*`;
  const answer = new RegExp(String.raw`^\s*(?:\{\s*(?:${assignment})+return\s*;?\s*\}|(?:return\s+)?${ctx}\.throw\s*\(\s*[45]\d\d\s*(?:,\s*${literal}\s*)?\)\s*;?)`);
  const preflightTest = new RegExp(String.raw`^\s*(?:${ctx}\.(?:request\.)?method\s*===?\s*${identifierPattern(OPTIONS_MARK)}|${identifierPattern(OPTIONS_MARK)}\s*===?\s*${ctx}\.(?:request\.)?method)\s*$`);
  const preflightAnswer = new RegExp(String.raw`^\s*\{\s*(?:(?:${ctx}\.status\s*=\s*20[04]|${ctx}\.set\s*\([^()]*\))\s*;?\s*)+return\s*;?\s*\}`);
  const clauseStart = /\bif\s*\(/g;
  let rest = before;
  for (let match = clauseStart.exec(rest); match; match = clauseStart.exec(rest)) {
    const open = match.index + match[0].length;
    const close = topLevel(rest, open, ')');
    if (close === undefined) continue;
    const condition = rest.slice(open, close);
    const readsOnly = harmless(condition, context, next, contextHas);
    const after = rest.slice(close + 1);
    const clause = preflightTest.test(condition) ? preflightAnswer.exec(after) : readsOnly ? answer.exec(after) : null;
    const length = clause && /\.status\s*=|\.throw\s*\(/.test(clause[0]) ? clause[0].length :
      readsOnly ? harmlessBlockLength(rest, close + 1, context, next, contextHas) : undefined;
    // One that answers with no status set answers with whatever the status was: not an error, nor an empty preflight answer.
    if (length === undefined) continue;
    rest = `${rest.slice(0, match.index)};${rest.slice(close + 1 + length)}`;
    clauseStart.lastIndex = match.index;
  }
  return rest;
}

/** The length of a block at `at` whose statements are harmless() and that no `else` follows (`{ ctx.set(…); }`), or undefined. */
function harmlessBlockLength(text: string, at: number, context: string, next: string, contextHas: (name: string) => boolean): number | undefined {
  const open = /^\s*\{/.exec(text.slice(at));
  if (!open) return undefined;
  const close = topLevel(text, at + open[0].length, '}');
  if (close === undefined || /^\s*else\b/.test(text.slice(close + 1)) || !harmless(text.slice(at + open[0].length, close), context, next, contextHas)) return undefined;
  return close + 1 - at;
}

/**
 * The body after a guard clause that opens it, `if (<a read of the request>) return next();` (or `{ return next(); }`,
 * `{ await next(); return; }`); undefined when it opens otherwise.
 */
function afterGuardClause(body: string, context: string, next: string, contextHas: (name: string) => boolean): string | undefined {
  const opening = /^\s*if\s*\(/.exec(body);
  if (!opening) return undefined;
  const close = topLevel(body, opening[0].length, ')');
  if (close === undefined || !harmless(body.slice(opening[0].length, close), context, next, contextHas)) return undefined;
  const call = `${identifierPattern(next)}\\s*\\(\\s*\\)`;
  // `;` or, written without semicolons, the end of the line (ASI ends a return statement there).
  const handOn = new RegExp(`^\\s*(?:return[ \\t]+(?:await\\s+)?${call}[ \\t]*(?:;|\\r?\\n)|\\{\\s*(?:return[ \\t]+(?:await\\s+)?${call}|await\\s+${call}\\s*;?\\s*return)\\s*;?\\s*\\})`)
    .exec(body.slice(close + 1));
  return handOn ? body.slice(close + 1 + handOn[0].length) : undefined;
}

/**
 * What follows the call of next, with a `.then(onFulfilled)` on that call (`return next().then(() => { … })`, koa's
 * promise style) read as a statement after it: it runs once the rest of the chain has run without throwing, as code
 * after `await next();` does. Undefined when `then` stands anywhere else, or is given a second argument (a rejection
 * handler, a catch), or more follows it in the statement.
 */
function afterNext(rest: string): string | undefined {
  const then = /^\s*\.\s*then\s*\(/.exec(rest);
  let after = rest;
  if (then) {
    const start = then[0].length;
    const end = topLevel(rest, start, ')');
    if (end === undefined || topLevel(rest, start, ',') !== undefined || !/^\s*(?:[;}]|$)|^[ \t]*\r?\n/.test(rest.slice(end + 1))) return undefined;
    after = `;\n(${rest.slice(start, end)})${rest.slice(end + 1)}`;
  }
  return /\bthen\b/.test(after) ? undefined : after;
}

/** What ctx (and ctx.request) tells of the request, read without effect. */
const REQUEST_READS = [ 'path', 'method', 'url', 'originalUrl', 'ip', 'ips', 'host', 'hostname', 'protocol', 'secure', 'query', 'querystring', 'headers', 'header', 'href', 'origin',
  'subdomains', 'search', 'idempotent', 'fresh', 'stale', 'type', 'charset', 'length' ];
/** ctx's methods that read the request (content negotiation, a cookie) and answer nothing. */
const REQUEST_READING_CALLS = [ 'get', 'is', 'accepts', 'acceptsLanguages', 'acceptsEncodings', 'acceptsCharsets', 'cookies\\s*\\.\\s*get' ];

/**
 * Whether statements before the call leave it to run: they may set and read headers, read the request, keep state
 * (`ctx.state`, a plain property of ctx), log (a request id, a start time). Nothing of it answers, and an operator in
 * an expression cannot skip the call.
 */
function harmless(before: string, context: string, next: string, contextHas: (name: string) => boolean): boolean {
  const ctx = identifierPattern(context);
  // `const { method, path } = ctx;` reads as `ctx.method` and `ctx.path` do, when it takes only such names (no default, rest or nesting).
  const destructured = before.replace(new RegExp(`\\b(?:const|let|var)\\s*\\{([^{}]*)\\}\\s*=\\s*${ctx}(?![\\w$])(?!\\s*[.[(])`, 'g'),
    (declaration, names: string) => (names.split(',').every(entry => {
      const name = /^\s*([A-Za-z_$][\w$]*)\s*(?::\s*[A-Za-z_$][\w$]*\s*)?$/.exec(entry)?.[1];
      return name !== undefined && (REQUEST_READS.includes(name) || !contextHas(name));
    }) ? '(' : declaration));
  const known = destructured.replace(new RegExp(`\\b${ctx}\\s*\\.\\s*(?:(?:set|append|vary|remove|${REQUEST_READING_CALLS.join('|')})\\s*\\(|(?:state|logger)\\s*\\.|` +
    `(?:request\\s*\\.\\s*)?(?:${REQUEST_READS.join('|')})\\b(?!\\s*=[^=]))`, 'g'), '(');
  // A plain property (`ctx.requestId = …`, read back later): no accessor that could answer, and no method called.
  const plain = known.replace(new RegExp(`\\b${ctx}\\s*\\.\\s*([A-Za-z_$][\\w$]*)(?![\\w$])(?!\\s*[(.[])`, 'g'),
    (access, name: string) => (contextHas(name) ? access : '('));
  return !new RegExp(`\\b(?:${ctx}|${identifierPattern(next)}|if|else|return|await|yield|throw|try|switch|case|for|while|do|function)\\b|=>`).test(plain);
}

/**
 * What koa's context, request and response define (accessors and methods: the response, the request egg-security
 * reads) and what egg and egg-security add, for when the app's own context is not at hand (the offline audit).
 */
const KOA_CONTEXT = new Set([
  'app', 'req', 'res', 'request', 'response', 'originalUrl', 'state', 'respond', 'cookies', 'onerror', 'throw', 'assert',
  'inspect', 'toJSON', 'body', 'status', 'message', 'length', 'type', 'lastModified', 'etag', 'headerSent', 'writable',
  'attachment', 'redirect', 'remove', 'vary', 'has', 'set', 'append', 'flushHeaders', 'accepts', 'acceptsEncodings',
  'acceptsCharsets', 'acceptsLanguages', 'get', 'is', 'querystring', 'idempotent', 'socket', 'search', 'method', 'query',
  'path', 'url', 'accept', 'origin', 'href', 'subdomains', 'protocol', 'host', 'hostname', 'URL', 'header', 'headers',
  'secure', 'stale', 'fresh', 'ips', 'ip', 'charset', 'realStatus', 'locals', 'params', 'queries', 'router', 'routerPath',
  'routerName', 'session', 'securityOptions', 'csrf', 'nonce', 'isSafeDomain', 'ensureCsrfSecret', 'assertCsrf',
  'rotateCsrfSecret', 'whiteList', 'logger', 'coreLogger', 'helper', 'service', 'curl', 'httpclient', 'runInBackground',
]);

/** A compiler's helper call around a down-levelled async body: tsc's `__awaiter` (tslib's too), esbuild's `__async`, swc's and Babel's `_async_to_generator`. */
const AWAITER = new RegExp([
  // tsc's (and tslib's under importHelpers).
  String.raw`(?:\(0,\s*)?\b(?:tslib_\d+\.)?__awaiter\)?\(\s*(?:this|void 0)\s*,\s*void 0\s*,\s*void 0\s*,\s*function\s*\*\s*\(\s*\)\s*\{`,
  // esbuild's below ES2017 (black-box round 40, h5 F8).
  String.raw`\b__async\(\s*(?:this|void 0)\s*,\s*null\s*,\s*function\s*\*\s*\(\s*\)\s*\{`,
  // swc's and Babel's, inline or from @swc/helpers / @babel/runtime (called at once: `…(function* () { … })()`).
  String.raw`(?:\(0,\s*)?\b(?:[\w$]+\.)?_?(?:_async_to_generator|_asyncToGenerator|asyncToGenerator)(?:\.(?:_|default))?\)?\(\s*function\s*\*\s*\(\s*\)\s*\{`,
].join('|'), 'g');

/**
 * The source with each `__awaiter(this, void 0, void 0, function* () {` read as the async arrow function it was
 * compiled from, `(async () => {`, and its yields as awaits; unchanged when some other generator is left.
 */
function awaiterUnwrapped(source: string): string {
  const unwrapped = source.replace(AWAITER, '(async () => {');
  if (unwrapped === source || /\bfunction\s*\*/.test(unwrapped)) return source;
  return unwrapped.replace(/\byield\b/g, 'await');
}

/** A callback of run() that only hands on to next (the last form is a down-levelled `async () => { await next(); }`). */
function nextOnly(next: string): RegExp {
  const call = `(?:await\\s+|return\\s+)?${next}\\s*\\(\\s*\\)`;
  return new RegExp(`^\\s*(?:${next}|(?:async\\s*)?\\(\\s*\\)\\s*=>\\s*(?:${call}|\\{\\s*${call}\\s*;?\\s*\\})|` +
    `\\(\\s*\\)\\s*=>\\s*\\(async \\(\\) => \\{\\s*${call}\\s*;?\\s*\\}\\))\\s*$`);
}

/**
 * The body with `als.run(store, next)` (or a callback that only calls next) read as `void (store); next()`, when `als`
 * is an AsyncLocalStorage the module makes once and only runs; likewise OpenTelemetry's `context.with(otelContext, next)`
 * (`api.context.with`) when the module takes `context` from `@opentelemetry/api` and never reassigns it. Both call
 * the callback at once and return its result. Inside `try {`, the store is read before the try, so the try holds the call alone.
 */
function alsUnwrapped(body: string, next: string, { moduleText, moduleFile }: PassScope): string {
  if (moduleText === undefined) return body;
  const run = /(^|[;{}])(\s*)(await\s+|return\s+)?([A-Za-z_$][\w$]*)((?:\s*\.\s*context)?)\s*\.\s*(run|with)\s*\(/.exec(body);
  if (!run) return body;
  const store = run.index + run[0].length;
  const comma = topLevel(body, store, ',');
  const end = comma === undefined ? undefined : topLevel(body, comma + 1, ')');
  const [ , boundary, space, keyword, runner, member, method ] = run;
  if (end === undefined || !nextOnly(identifierPattern(next)).test(body.slice((comma as number) + 1, end))) return body;
  const known = method === 'run' ? !member && (isAsyncLocalStorage(runner, moduleText) || isRequiredAsyncLocalStorage(runner, moduleText, moduleFile)) :
    isOpenTelemetryContext(runner, member !== '', moduleText);
  // An AsyncLocalStorage is named once in the body; OpenTelemetry's context is read in the store too (`context.active()`).
  if (!known || (method === 'run' && countIdentifier(body, runner) !== 1)) return body;
  const storeRead = `void (${body.slice(store, comma)});`;
  const call = `${keyword ?? ''}${next}()${body.slice(end + 1)}`;
  const opening = body.slice(0, run.index);
  const tryAt = boundary === '{' ? /\btry\s*$/.exec(opening) : null;
  if (tryAt) return `${opening.slice(0, tryAt.index)}${storeRead} ${opening.slice(tryAt.index)}${boundary}${space}${call}`;
  return `${opening}${boundary}${space}${storeRead}\n${call}`;
}

const OPENTELEMETRY_API = `['"]@opentelemetry/api['"]`;

/**
 * Whether `name` is OpenTelemetry's context API in the module: `const { context } = require('@opentelemetry/api')`,
 * `import { context } from '@opentelemetry/api'`, or (`viaNamespace`, `name.context.with`) the module's namespace of
 * it (`const api = require(…)`, `import * as api from …`, tsc's `const api_1 = require(…)`), bound once and never reassigned.
 */
function isOpenTelemetryContext(name: string, viaNamespace: boolean, moduleText: string): boolean {
  const id = identifierPattern(name);
  const named = (binding: string) => `^(?:const|var)\\s*\\{[^}=:]*\\b${binding}\\b[^}=:]*\\}\\s*=\\s*require\\(\\s*${OPENTELEMETRY_API}\\s*\\)|` +
    `^import\\s*\\{[^}]*\\b${binding}\\b[^}]*\\}\\s*from\\s+${OPENTELEMETRY_API}`;
  // Under ts-node the module's text is its TypeScript, and the function's is what tsc made of it: `import { context }`
  // becomes `api_1.context`.
  const binding = viaNamespace ?
    `^(?:const|var)\\s+${id}\\s*=\\s*require\\(\\s*${OPENTELEMETRY_API}\\s*\\)|^import\\s+\\*\\s+as\\s+${id}\\s+from\\s+${OPENTELEMETRY_API}` +
      (/^api_\d+$/.test(name) ? `|${named('context')}` : '') :
    named(id);
  const bindings = new RegExp(binding, 'gm');
  if (moduleText.match(bindings)?.length !== 1) return false;
  // Not reassigned, nor a property of it replaced (`context.with = …`), nor a parameter of that name: every use reads it.
  return !new RegExp(`(?<![\\w$.])${id}(?:\\s*\\.\\s*[\\w$]+)*\\s*=(?![=>])`).test(moduleText.replace(bindings, ''));
}

/** Where `wanted` (`,`, `)` or `}`) first stands outside brackets, strings and templates from `from`; undefined past the end. */
function topLevel(text: string, from: number, wanted: string): number | undefined {
  let depth = 0;
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (depth === 0 && char === wanted) return index;
    if (char === '`') {
      const end = templateEnd(text, index);
      if (end === undefined) return undefined;
      index = end;
    } else if (char === '"' || char === "'") {
      index = text.indexOf(char, index + 1);
      if (index === -1) return undefined;
    } else if ('([{'.includes(char)) {
      depth++;
    } else if (')]}'.includes(char)) {
      if (--depth < 0) return undefined;
    }
  }
  return undefined;
}

/** The closing backtick of the template literal opening at `from`, past its `${…}` (templates in them too). */
function templateEnd(text: string, from: number): number | undefined {
  for (let index = from + 1; index < text.length; index++) {
    if (text[index] === '\\') {
      index++;
    } else if (text[index] === '`') {
      return index;
    } else if (text.startsWith('${', index)) {
      const end = topLevel(text, index + 2, '}');
      if (end === undefined) return undefined;
      index = end;
    }
  }
  return undefined;
}

/** How often a name stands as an identifier of its own (not a property: `.als`). */
function countIdentifier(text: string, name: string): number {
  return text.match(new RegExp(`(?<![\\w$.])${identifierPattern(name)}(?![\\w$])`, 'g'))?.length ?? 0;
}

const ASYNC_HOOKS = `require\\(\\s*['"](?:node:)?async_hooks['"]\\s*\\)`;

/**
 * Whether the module declares `name` once, at its top level, as `const name = new AsyncLocalStorage()` (imported
 * from node's async_hooks; in TypeScript, with a type argument, or compiled by it) and uses it only to call its own methods or export it.
 */
function isAsyncLocalStorage(name: string, moduleText: string): boolean {
  const id = identifierPattern(name);
  const classes = [ `${ASYNC_HOOKS}\\s*\\.\\s*AsyncLocalStorage` ];
  if (new RegExp(`\\{\\s*AsyncLocalStorage\\s*\\}\\s*=\\s*${ASYNC_HOOKS}|import\\s*\\{\\s*AsyncLocalStorage\\s*\\}\\s*from\\s*['"](?:node:)?async_hooks['"]`).test(moduleText)) classes.push('AsyncLocalStorage');
  for (const [ , namespace ] of moduleText.matchAll(new RegExp(`^(?:const|var)\\s+([A-Za-z_$][\\w$]*)\\s*=\\s*${ASYNC_HOOKS}\\s*;`, 'gm'))) {
    classes.push(`${identifierPattern(namespace)}\\s*\\.\\s*AsyncLocalStorage`);
  }
  const declarations = moduleText.match(new RegExp(`^const\\s+${id}\\s*=\\s*new\\s+(?:${classes.join('|')})\\s*(?:<[^;()]*>\\s*)?\\(\\s*\\)\\s*;?\\s*$`, 'gm'));
  if (declarations?.length !== 1 || /AsyncLocalStorage\s*\.\s*prototype/.test(moduleText)) return false;
  // Besides the declaration, only calls of its own methods (`als.run(`, `als.getStore()`) and exports (`exports.als = als;`).
  const calls = moduleText.match(new RegExp(`(?<![\\w$.])${id}\\s*\\.\\s*(?:run|getStore|exit)\\s*\\(`, 'g'))?.length ?? 0;
  const exported = moduleText.match(new RegExp(`^\\s*(?:module\\.)?exports\\.${id}\\s*=\\s*${id}\\s*;?\\s*$`, 'gm'))?.length ?? 0;
  return countIdentifier(moduleText, name) === 1 + calls + exported;
}

/**
 * Whether `name` is bound once to a relative `require()` of the app's own module (`const als =
 * require('../../lib/context')`) whose export is itself one AsyncLocalStorage (`module.exports = new
 * AsyncLocalStorage()`), and the module uses it only by its own methods: the usual way to share a request context with
 * services and loggers (black-box round 40, h5 F2).
 */
function isRequiredAsyncLocalStorage(name: string, moduleText: string, moduleFile: string | undefined): boolean {
  if (moduleFile === undefined) return false;
  const id = identifierPattern(name);
  const required = new RegExp(`^const\\s+${id}\\s*=\\s*require\\(\\s*(['"])(\\.{1,2}\\/[^'"]+)\\1\\s*\\)\\s*;?\\s*$`, 'm').exec(moduleText);
  const calls = moduleText.match(new RegExp(`(?<![\\w$.])${id}\\s*\\.\\s*(?:run|getStore|exit)\\s*\\(`, 'g'))?.length ?? 0;
  if (!required || countIdentifier(moduleText, name) !== 1 + calls) return false;
  let file: string;
  try {
    file = require.resolve(required[2], { paths: [ path.dirname(moduleFile) ] });
  } catch {
    return false;
  }
  const text = file.split(path.sep).includes('node_modules') ? undefined : readText(file);
  // Its export read as a declaration, so that the same test holds it: one instance, never reassigned or patched.
  const declared = text?.replace(/^module\.exports\s*=\s*new\b/m, 'const exportedStore = new');
  return declared !== undefined && declared !== text && !/\bmodule\.exports\b|\bexports\./.test(declared) && isAsyncLocalStorage('exportedStore', declared);
}

/** An identifier (`[A-Za-z_$][\w$]*`) as a RegExp source: only its `$` needs escaping. */
function identifierPattern(identifier: string): string {
  return identifier.replace(/[$]/g, '\\$&');
}

/**
 * Packages' middleware whose source passesThrough does not read through, as their code shows they behave (read by
 * hand): those that hand every request on (`handsOn`: they set headers, parse the body, compress, log), and those that
 * answer only some methods and hand the rest on (`answersOnly`: a static file server answers GET and HEAD; a CORS
 * middleware answers only preflight OPTIONS, with no body).
 */
interface PackageMiddleware { handsOn?: true; answersOnly?: string[] }
const PACKAGE_MIDDLEWARE = new Map<string, PackageMiddleware>([
  ...[ 'koa-compress', 'koa-helmet', 'koa-logger', 'koa-bodyparser', '@koa/bodyparser', 'koa-body', 'koa-etag', 'koa-conditional-get',
    'koa-response-time', 'koa-json' ].map((name): [ string, PackageMiddleware ] => [ name, { handsOn: true } ]),
  ...[ 'koa-static', 'koa-static-cache' ].map((name): [ string, PackageMiddleware ] => [ name, { answersOnly: [ 'GET', 'HEAD' ] } ]),
  ...[ '@koa/cors', 'koa2-cors' ].map((name): [ string, PackageMiddleware ] => [ name, { answersOnly: [ 'OPTIONS' ] } ]),
]);

/** What PACKAGE_MIDDLEWARE knows of a package's middleware, or undefined. */
export function knownPackageMiddleware(name: string): PackageMiddleware | undefined {
  return PACKAGE_MIDDLEWARE.get(name);
}

/** What a file holds, or undefined when it cannot be read. */
export function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A `contextHas` for the app: a property its ctx has (koa's, egg's, an extension's, once loaded) or a name any load
 * unit's `app/extend/context` file writes (the offline audit loads no extension).
 */
export function appContextHas(context: object | undefined, unitDirs: readonly string[]): (name: string) => boolean {
  let extensions: string | undefined;
  return name => {
    if (context && name in context) return true;
    extensions ??= extendFiles(unitDirs, 'context').map(file => readText(file) ?? '').join('\n');
    return new RegExp(`(?<![\\w$])${identifierPattern(name)}(?![\\w$])`).test(extensions);
  };
}

/** The load units' `app/extend/<name>` files (`helper.js`, `helper.prod.ts`): those egg's extend loader reads, for any env. */
export function extendFiles(unitDirs: readonly string[], name: string): string[] {
  const file = new RegExp(`^${name}(?:\\.[\\w-]+)?\\.[cm]?[jt]s$`);
  return unitDirs.flatMap(dir => {
    const extend = path.join(dir, 'app', 'extend');
    try {
      return fs.readdirSync(extend).filter(entry => file.test(entry)).map(entry => path.join(extend, entry));
    } catch {
      return [];
    }
  });
}
