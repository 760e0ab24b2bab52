/**
 * The middleware chain and the route table with each route's effective chain, read from egg 3 internals.
 * Route registrations are recorded while egg loads app/router (recordRouteRegistrations): egg's router layer keeps
 * only a `wrappedController`, which says nothing about the controller file and method.
 */
import fs from 'node:fs';
import { METHODS } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SentinelRoutesConfig } from '../config/types';
import { frameworkPackageDir, packageRoot, pluginPackageDir } from './egg-version';
import { type CapturedStack, callerSite, callerSourceSite, captureStack } from '../caller-site';
import { isPlainObject } from '../walk';
import { expandComposed, noteCompositions } from './composed';
import { type ClauseScope, clauseWithNames, escaped, fallThroughRefusal, STRING_METHODS, topLevelIfs, withoutLiterals } from './guard-clauses';
import { ASSIGNMENT, firstParameters, literalsBlanked, outsideWrite } from './filter-state';
import { type Helpers, type ModulePaths, modulePaths } from './filter-module';
import { filterTokens, pathTokens, type PreparedTokens, prepareTokens, protectToken, tokenProbes } from './filter-tokens';
import { compileFilter, containsFunction, describeClientReads, describePattern, type EggModules, type FilterOutcome, loadEggModules, probePaths, type RequestFilter, type RouteLayer, stickyRegExps } from './path-matching';
import { neverRefusing } from './never-refuses';
import { toDisplayPath } from './plugin-list';
import { sandboxedCondition } from './sandbox';
import { type SettingRoot, settingReads, settingsJson } from './boot-settings';
import { appContextHas, extendFiles, knownPackageMiddleware, type PassScope, passesThrough, readText } from './pass-through';
import { isInside, nodeModulesDirs, realPathOrAbsolute, safeReaddir } from './real-path';
import { collectSecurityOptionWrites } from './security-options';
import { type ControllerFact, type Facts, imitationName, type JsonpCallFact, type MiddlewareFact, type ProbeRequest, type RouteFact, type ReplacedMiddlewareFact, type RouteStep, type SecurityOverrideFact, type SecurityScopeFact, uncalledFactoryName } from './types';

type AnyRecord = Record<string, unknown>;
type NamedFunction = ((...args: unknown[]) => unknown) & { _name?: string };

/** The fields of an @eggjs/router Layer that facts read. */
export interface RouterLayer extends RouteLayer {
  methods: string[];
  name?: string | null;
  stack: NamedFunction[];
}

/** What collection reads from an egg Application. */
export interface MiddlewareSource {
  config: AnyRecord;
  /** The app's directory and the enabled plugins with theirs: who wrote each factory (MiddlewareFact.origin). */
  baseDir?: string;
  plugins?: Record<string, AnyRecord>;
  options: { pathToRegexpModule?: unknown };
  middleware?: NamedFunction[];
  middlewares?: Record<string, unknown>;
  router?: { stack: RouterLayer[] };
  loader: { eggPaths?: string[]; FileLoader: { FULLPATH: symbol }; getLoadUnits?(): Array<{ path: string; type?: string }>; configMeta?: AnyRecord };
  /** app.context: what ctx has beyond plain properties (a middleware that only writes a plain one passes through). */
  context?: object;
  /** app.Helper: the class of ctx.helper, whose prototype the app/extend/helper files extend. */
  Helper?: { prototype: object };
  /**
   * The audit, which runs no beforeStart task (where egg-router-plus mounts its namespaces): a router no middleware
   * is known to dispatch to is judged as if dispatched after the global chain, and its routes are passed here.
   */
  undispatchedRoutes?(routes: string[]): void;
}

/** What route recording needs: the loader (to hook loadRouter), the middleware factories, controllers and router. */
export interface RecordTarget extends MiddlewareSource {
  loader: MiddlewareSource['loader'] & { loadRouter(...args: unknown[]): unknown; loadMiddleware?(...args: unknown[]): unknown };
  controller?: unknown;
  router?: MiddlewareSource['router'] & { register(...args: unknown[]): unknown };
}

/** What a route's functions before its controller are taken for. */
interface RouteFunctions {
  /** Their names. */
  middleware: string[];
  /**
   * Those of them taken for one of the app's middleware factories without being made by it (imitatesFactory): by
   * name, what each one is.
   */
  imitations: Map<string, string>;
  /** Per function, what the options its `app.middleware.<name>(options)` call was given say about credentials (credentialOptions). */
  given: Array<RouteStep['given']>;
  /** Per function, the methods its own code lets through without credentials (passedMethods): CORS preflights, HEAD probes. */
  passes: PassedMethods[];
  /** Per function, the middleware factory it is, given uncalled (`app.middleware.adminOnly` without `()`). */
  uncalled: Array<RouteStep['uncalledFactory']>;
  /** Per function, the audit's stand-in for a getter that calls more than one factory (madeByOneOf). */
  unidentified: Array<RouteStep['unidentified']>;
  /**
   * Per function, whether it answers every request itself: a function no middleware factory or extension made whose
   * code never calls its second parameter (`async ctx => { ctx.body = … }`). egg's router runs none after it.
   */
  answers: boolean[];
  /** Per function, what one the app's own factory made does instead of refusing, when it never refuses (routeGuardRefusesNothing). */
  refusesNothing: Array<RouteStep['refusesNothing']>;
  /**
   * Per function, whether it is the app's own code that may answer some requests without calling next (a response
   * cache, a router.param() handler that answers for some values): not made by a middleware factory or extension, and
   * not handing every request on first (passesThrough). SEN402's `'*app'` judges it ahead of a route's guard.
   */
  mayAnswer: boolean[];
}

/** What one `router.register()` call was given, kept for every layer it created. */
interface Registration extends RouteFunctions {
  /** `<file>#<Class.method()>` from egg's loader, when the handler is a loaded controller action (or a tegg controller's method). */
  fullPath?: string;
  /** @eggjs/tegg-controller-plugin registered it for a method of a decorator controller (teggActions). */
  tegg?: true;
  /** `router.redirect(path, destination)` registered it: the destination as given (a path or a route's name). */
  redirectsTo?: string;
  handlerName: string;
  /**
   * Its handler may call `next` (mayPassOn: an inline `async (ctx, next) => …` that calls it, a middleware made by
   * `app.middleware.<name>()`): a later route may run after it. What the handler is taken for as a route function.
   */
  passesOn?: RouteFunctions;
  /**
   * The stack of the `router.get(…)` call, formatted into its file and line only when they are read (controllerFact):
   * none for a tegg route, which tegg's plugin registers.
   */
  stack?: CapturedStack;
  /** The `app.jsonp(options)` calls that made functions it was given (a route's, or router.use()'s). */
  jsonp: JsonpCall[];
}

/** What one `app.jsonp(options)` call (egg-jsonp) was given, and where it was made. */
interface JsonpCall {
  options: unknown;
  /** `<file>:<line>`: absolute here, relative to the app in the facts. */
  site?: string;
}

const registrations = new WeakMap<object, Registration>();
/** Each registered layer's functions right after its registration: a route whose functions changed since is described anew. */
const registeredStacks = new WeakMap<object, unknown[]>();

/**
 * What the functions a route runs before its controller are taken for (`app.jwt` as jwt, a stand-in named auth as an
 * imitation). tegg's @Middleware gives a decorator controller's route (`teggRoute`) a function when its module loads,
 * before any app exists: it is tegg route middleware, known by its name whether or not an egg middleware has that name.
 */
function describeRouteFunctions(app: MiddlewareSource, given: unknown[], teggRoute: boolean): RouteFunctions {
  const functions = expandComposed(given, fn => knownAsItself(app, fn));
  // A function an extension caches (egg-jwt's app.jwt) is known by that extension's name, whatever it is named.
  const cached = functions.map(fn => (typeof fn === 'function' && !createdBy.has(fn) ? extensionName(app, fn) : undefined));
  const uncalled = functions.map(uncalledFactory);
  const names = functions.map((fn, index) => {
    const factory = uncalled[index]?.factory;
    return factory ? uncalledFactoryName(factory) : cached[index] || functionName(fn);
  });
  // Functions no middleware factory or extension made: what they answer is read from their own code.
  const ownCode = functions.map(fn => typeof fn === 'function' && !knownAsItself(app, fn));
  const imitations = new Map<string, string>();
  names.forEach((name, index) => {
    if (teggRoute) return;
    // The plugin that writes the middleware may cache its own (egg-jwt's app.jwt); anyone else's is a stand-in.
    if (cached[index] && ownExtension(app, functions[index], name)) return;
    if (imitatesFactory(functions[index], app.middlewares ?? {}, name)) {
      imitations.set(name, cached[index] ? `app.${name}, a function cached under Symbol('Application#${name}') by code other than the plugin that writes ` +
        `the ${name} middleware,` : `a function named ${name},`);
    }
  });
  return {
    middleware: names,
    imitations,
    given: functions.map(fn => (typeof fn === 'function' ? createdWith.get(fn) : undefined)),
    passes: functions.map((fn, index) => (typeof fn === 'function' ? routeFunctionPasses(app, names[index], Function.prototype.toString.call(fn)) : NO_METHODS)),
    uncalled,
    unidentified: functions.map(fn => (typeof fn === 'function' ? madeByOneOfFactories.get(fn) : undefined)),
    answers: functions.map((fn, index) => typeof fn === 'function' && ownCode[index] && !mayCallSecondParameter(sourceOf(fn))),
    refusesNothing: functions.map(fn => routeGuardRefusesNothing(app, fn)),
    mayAnswer: functions.map((fn, index) => typeof fn === 'function' && ownCode[index] && !handsOnCached(sourceOf(fn))),
  };
}

/**
 * Per app, what passedMethods and passesThrough say of a route function's source: a route table of hundreds of routes
 * gives each of them a function of the same few sources (`app.middleware.auth()` per route), read once.
 */
const passesBySource = new WeakMap<object, Map<string, PassedMethods>>();
const handsOnBySource = new Map<string, boolean>();

function routeFunctionPasses(app: MiddlewareSource, name: string, source: string): PassedMethods {
  let known = passesBySource.get(app);
  if (!known) passesBySource.set(app, known = new Map());
  const key = `${name}\0${source}`;
  let passes = known.get(key);
  if (!passes) known.set(key, passes = passedMethods(source, { moduleText: () => factoryModuleText(app, name), forwarded: forwardedReads(app.config), config: app.config }));
  return passes;
}

/** passesThrough of a source that names nothing outside itself (no module text, no app context), read once. */
function handsOnCached(source: string): boolean {
  let handsOn = handsOnBySource.get(source);
  if (handsOn === undefined) handsOnBySource.set(source, handsOn = passesThrough(source));
  return handsOn;
}

/**
 * The router.param() handlers egg's router runs first for a route whose path names the parameter (koa-router's
 * Layer#param puts a wrapper at the head of the route's stack, `fn.param` naming the parameter): each as its own
 * function, `param:<name>`, with what it may do. A handler takes (value, ctx, next): it answers every request when it
 * never calls next (its third parameter), and may answer some when it does not hand every request on first.
 */
function withParamHandlers(functions: RouteFunctions, layer: RouterLayer): RouteFunctions {
  // Most routes have none: no array is made for them.
  if (!layer.stack.some(isParamWrapper)) return functions;
  const wrappers = layer.stack.filter(isParamWrapper);
  const handlers = wrappers.map(wrapper => {
    const handler = routerOfLayer.get(layer)?.params?.[wrapper.param];
    // As a middleware of (ctx, next): the value parameter dropped.
    const asMiddleware = typeof handler === 'function' ? sourceOf(handler).replace(FIRST_PARAMETER, '$1(') : undefined;
    return { name: `param:${wrapper.param}`, asMiddleware };
  });
  // What a handler is not: given options, a factory, a CORS preflight pass.
  const none = handlers.map(() => undefined);
  return {
    middleware: [ ...handlers.map(({ name }) => name), ...functions.middleware ],
    imitations: functions.imitations,
    given: [ ...none, ...functions.given ],
    passes: [ ...handlers.map(() => NO_METHODS), ...functions.passes ],
    uncalled: [ ...none, ...functions.uncalled ],
    unidentified: [ ...none, ...functions.unidentified ],
    answers: [ ...handlers.map(({ asMiddleware }) => asMiddleware !== undefined && !mayCallSecondParameter(asMiddleware)), ...functions.answers ],
    refusesNothing: [ ...none, ...functions.refusesNothing ],
    mayAnswer: [ ...handlers.map(({ asMiddleware }) => asMiddleware === undefined || !passesThrough(asMiddleware)), ...functions.mayAnswer ],
  };
}

/** A handler's head up to its first parameter and the comma after it: `async (id, ` of `async (id, ctx, next) => …`. */
const FIRST_PARAMETER = /^((?:async\s*)?(?:function\b[^(]*)?)\(\s*[A-Za-z_$][\w$]*\s*,\s*/;

/** koa-router's wrapper of a router.param() handler in a route's stack. */
function isParamWrapper(fn: unknown): fn is NamedFunction & { param: string } {
  return typeof fn === 'function' && typeof (fn as { param?: unknown }).param === 'string';
}

/** The router that registered each route, whose `params` hold the router.param() handlers its wrappers call. */
const routerOfLayer = new WeakMap<RouterLayer, { params?: Record<string, unknown> }>();

/**
 * What nameFactoryOutputs' wrapper of a middleware factory is: its name and the factory's own function. Under a
 * registered symbol, as an own enumerable property: a second copy of egg-sentinel (the audit's beside the audited
 * app's plugin) wraps the wrapper, and both copies know either wrapper by it.
 */
const FACTORY = Symbol.for('egg-sentinel.middlewareFactory');

interface FactoryMark {
  [FACTORY]?: { name: string; factory: object };
}

/** Whether a route function has a name of its own egg-sentinel knows it by: a composition egg made is not taken apart. */
function knownAsItself(app: MiddlewareSource, fn: object): boolean {
  return createdBy.has(fn) || madeByOneOfFactories.has(fn) || uncalledFactory(fn) !== undefined || extensionName(app, fn) !== undefined;
}

/** What a route function is when it is one of the app's middleware factories itself, not a middleware one of them made. */
function uncalledFactory(fn: unknown): RouteStep['uncalledFactory'] {
  const wrapped = typeof fn === 'function' ? (fn as FactoryMark)[FACTORY] : undefined;
  // The audit's stand-in factory carries the real one's source.
  return wrapped && { factory: wrapped.name, mayHandOn: mayCallSecondParameter(sourceOf(wrapped.factory)) };
}

/**
 * Whether a middleware factory's code may call its second parameter, egg's `app`, which is next when a route runs the
 * factory as its middleware: it names it other than to read a property of it (`app.config`; `next.call()`,
 * `next.apply()` and `next.bind()` call it or hand it on), reads `arguments`, has a head this does not read
 * (defaults, a rest parameter), or shows no source (a bound or native function).
 */
function mayCallSecondParameter(source: string): boolean {
  const head = /^(?:async\s*)?(?:function\b[^(]*)?\(\s*(?:[A-Za-z_$][\w$]*\s*(?:,\s*([A-Za-z_$][\w$]*)\s*)?)?\)|^(?:async\s+)?[A-Za-z_$][\w$]*\s*=>/.exec(source);
  if (!head || /\barguments\b|\{\s*\[native code\]\s*\}\s*$/.test(source)) return true;
  const second = head[1];
  return second !== undefined &&
    new RegExp(`(?<![\\w$.])${second.replace(/\$/g, '\\$')}(?![\\w$])(?!\\s*\\.(?!\\s*(?:call|apply|bind)\\s*\\())`).test(source.slice(head[0].length));
}

/**
 * What the route's functions are taken for: as registered, or, when they changed since (a guard taken off the route
 * after the check), as they are now. Undefined for a route registered unseen.
 */
function currentFunctions(egg: MiddlewareSource, layer: RouterLayer): RouteFunctions | undefined {
  const registration = registrations.get(layer);
  const registered = registeredStacks.get(layer);
  if (!registration || !registered) return registration;
  const same = registered.length === layer.stack.length && registered.every((fn, index) => fn === layer.stack[index]);
  return withParamHandlers(same ? registration : describeRouteFunctions(egg, layer.stack.slice(0, -1).filter(fn => !isParamWrapper(fn)), registration.tegg === true), layer);
}
/** Chain functions egg's loadMiddleware added (recorded from configWillLoad on). */
const loadedByEgg = new WeakSet<object>();
const recording = new WeakSet<object>();
/** Loaders whose loadMiddleware was wrapped before it ran: their chains say which functions egg loaded. */
const recordedLoads = new WeakSet<object>();
/**
 * By loader, the options of each middleware of coreMiddleware and appMiddleware as egg built it with them, once its
 * factory ran: egg compiles `match`/`ignore` then (wrapMiddleware gets a copy of the options), and a factory keeps
 * what it read (egg-static its prefix). A hook that changes `app.config.<name>` later changes neither.
 */
const optionsAtLoad = new WeakMap<object, Map<string, unknown>>();

/** Plain objects and arrays copied (a few levels deep), anything else kept as it is: what a later write cannot change. */
function snapshotOptions(value: unknown, depth = 0): unknown {
  if (depth > OPTIONS_DEPTH) return value;
  if (Array.isArray(value)) return value.map(item => snapshotOptions(item, depth + 1));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([ key, item ]) => [ key, snapshotOptions(item, depth + 1) ]));
}

const OPTIONS_DEPTH = 6;

/** The key paths (`ignore`, `dirs.0.prefix`) at which `now` differs from the options snapshotOptions kept, a few at most. */
function changedOptions(built: unknown, now: unknown, at = '', found: string[] = [], depth = 0): string[] {
  if (found.length >= MAX_CHANGED_OPTIONS) return found;
  if (depth <= OPTIONS_DEPTH && isPlainObject(built) && isPlainObject(now)) {
    for (const key of new Set([ ...Object.keys(built), ...Object.keys(now) ])) changedOptions(built[key], now[key], at ? `${at}.${key}` : key, found, depth + 1);
  } else if (!sameOptionValue(built, now, depth)) {
    // A list (`ignore: [ '/health', '/admin/debug' ]`) by its key, whole.
    found.push(at);
  }
  return found;
}

function sameOptionValue(built: unknown, now: unknown, depth: number): boolean {
  if (Array.isArray(built) && Array.isArray(now) && depth <= OPTIONS_DEPTH) {
    return built.length === now.length && built.every((item, index) => !changedOptions(item, now[index], '', [], depth + 1).length);
  }
  return Object.is(built, now);
}

const MAX_CHANGED_OPTIONS = 8;

/**
 * The options a middleware keeps as they were when egg loaded it: `enable`, `match` and `ignore` (egg decides and
 * compiles them then), and for egg-static what koa-static-cache reads in its factory. Other keys a factory may read
 * at each request from the object egg handed it, so a later change of them may well take effect.
 */
function fixedAtLoad(name: string, options: unknown): AnyRecord {
  const given = isPlainObject(options) ? options : {};
  // As egg reads them: enable unless false; a match/ignore as the list of what egg-path-matching compiles.
  const fixed: AnyRecord = { enable: given.enable !== false, match: filterList(given.match), ignore: filterList(given.ignore) };
  if (name === 'static') for (const key of STATIC_FIXED_AT_LOAD) if (key in given) fixed[key] = given[key];
  return fixed;
}

/** A match/ignore as egg-path-matching takes it: a value, or an array of them, none when empty. */
function filterList(value: unknown): unknown[] {
  return (Array.isArray(value) ? value.flat(OPTIONS_DEPTH) : [ value ]).filter(item => item !== undefined && item !== null && item !== '' && item !== false);
}

const STATIC_FIXED_AT_LOAD = [ 'prefix', 'dir', 'dirs', 'dynamic' ];

/** `config.<name>` as the middleware `name` enforces it: as egg built it when code changed it since (Facts.builtOptions). */
export function middlewareOptions(facts: Pick<Facts, 'config' | 'builtOptions'>, name: string): unknown {
  return Object.hasOwn(facts.builtOptions, name) ? facts.builtOptions[name] : facts.config[name];
}
/** Functions returned by `app.middleware.<name>(…)`, so route-level middleware is known by its egg name. */
const createdBy = new WeakMap<object, string>();
/** Functions returned by `app.jsonp(…)`, with what that call was given: egg-jsonp merges it over config.jsonp. */
const jsonpCalls = new WeakMap<object, JsonpCall>();
/** What the options of those calls say about credentials (credentialOptions), when they say anything. */
const createdWith = new WeakMap<object, NonNullable<RouteStep['given']>>();

/**
 * A guard whose own code calls next() for an OPTIONS request: its source compares the method with OPTIONS, then calls
 * next() with no refusal between (`throw`, a bare `return`, returning a call given the request, a status or body set).
 * koa-jwt2's (egg-jwt 3's engine) and express-jwt's CORS preflight pass-through (an Access-Control-Request-Headers
 * naming authorization), which no option turns off, and the hand-written `if (ctx.method === 'OPTIONS') return next();`.
 */
const PREFLIGHT_PASS = new RegExp(String.raw`(?:\.method\b(?:\s*\.\s*toUpperCase\(\s*\))?\s*[!=]==?\s*(["'\x60])OPTIONS\1|(["'\x60])OPTIONS\2\s*[!=]==?\s*[\w$.]*\.method\b)` +
  String.raw`(?:(?!\bthrow\b|\breturn\s*[;}]|\breturn\s+(?:await\s+)?(?!next\b)[\w$.]+\(\s*(?:ctx|req|res)\b|\.status\s*=(?!=)|\.body\s*=(?!=))[\s\S]){0,400}?\bnext\(\)`, 'i');

/**
 * An assignment to the request's method (`ctx.method = …`, `ctx.request.method = …`, koa-methodoverride's `req.method =
 * method`): a middleware before it saw another method than the router dispatches. Not one of the method itself, its
 * case changed (`ctx.method = ctx.method.toUpperCase()`) or restored (`req.method = req.originalMethod`).
 */
const METHOD_WRITE = /(?<![\w$.])(?:ctx|this|req|request)(?:\.(?:request|req))?\.method\s*(?:=(?![=>])|\|\|=|\?\?=)(?!\s*[\w$.]*\.(?:method|originalMethod)(?:\s*\.\s*to(?:Upper|Lower)Case\(\s*\))?\s*(?:[;,)}\n]|$))/;
/** What code that rewrites the method whatever it is may rewrite: any request a browser or client sends. */
const REWRITABLE_METHODS = Object.freeze([ 'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS' ]);
const METHOD_NAMES = REWRITABLE_METHODS.join('|');
/** The request's method compared with a literal: `ctx.method === 'POST'`, `'POST' !== req.originalMethod`. */
const METHOD_COMPARED = new RegExp(String.raw`\.(?:method|originalMethod)\s*[!=]==?\s*(["'\x60])(${METHOD_NAMES})\1|(["'\x60])(${METHOD_NAMES})\3\s*[!=]==?\s*[\w$.]*\.(?:method|originalMethod)\b`, 'gi');
/** A list of literal methods the request's method is looked up in: `[ 'POST', 'PUT' ].includes(ctx.method)`. */
const METHOD_LISTED = /\[([^\]]{0,200})\]\s*\.\s*(?:includes|indexOf)\s*\(\s*[\w$.]*\.(?:method|originalMethod)\b/g;
/** The method checked against something the code holds elsewhere: koa-methodoverride's `supports(req.originalMethod, methods)`. */
const METHOD_CHECKED = /\.(?:method|originalMethod)\b\s*(?:[!=]==?|\)|,)|(?:includes|indexOf|supports|has)\s*\(\s*[\w$.]*\.(?:method|originalMethod)\b/;

/**
 * The methods a request may have before code that rewrites it (METHOD_WRITE) makes it another: those its source
 * compares the method with; POST when it checks the method against a list of its options (koa-methodoverride's and
 * every override library's default: an HTML form sends GET or POST, and only POST is overridden); any method when it
 * rewrites whatever the method is.
 */
function methodsRewritten(source: string): readonly string[] {
  const literal = [ ...source.matchAll(METHOD_COMPARED) ].map(match => match[2] ?? match[4]);
  for (const [ , list ] of source.matchAll(METHOD_LISTED)) literal.push(...list.match(new RegExp(`(?<=["'\x60])(?:${METHOD_NAMES})(?=["'\x60])`, 'gi')) ?? []);
  if (literal.length) return [ ...new Set(literal.map(method => method.toUpperCase())) ];
  return METHOD_CHECKED.test(source) ? [ 'POST' ] : REWRITABLE_METHODS;
}

const PREFLIGHT_DETAIL = 'its code lets an OPTIONS request through without a token (koa-jwt2 and express-jwt one whose ' +
  'Access-Control-Request-Headers names authorization, a CORS preflight; `if (ctx.method === \'OPTIONS\') return next()` every one), and egg\'s ' +
  'overrideMethod makes one of a POST with X-HTTP-Method-Override: OPTIONS; register the route for the methods it answers (router.get(), ' +
  'router.post()) instead of router.all() or router.options()';

/**
 * The methods a guard's own code lets through without credentials; with `clientPicks`, the condition of an opening
 * clause that hands on the requests the client shapes to meet it (a header, the query string), of every method; with
 * `pathPicks`, one that hands on requests by their path alone.
 */
type PassedMethods = readonly string[] & { readonly clientPicks?: string; readonly pathPicks?: PathPicks };

/**
 * An opening clause of a guard that hands on requests by their path alone (`if (ctx.path.startsWith('/login')) return
 * next();`, `/\.(css|js|png)$/.test(ctx.path)`): the clause, and its condition asked of a request path.
 */
interface PathPicks {
  clause: string;
  skips: (path: string) => boolean;
  /** A URL test a query string meets (`~ctx.url.indexOf('/public')`): the client's, whatever the path (review of round 42, h6 #3). */
  queryMeets?: true;
}

const NO_METHODS: PassedMethods = Object.freeze([]);

/** ctx, or its request, as a guard's condition reads it. */
const REQUEST_OF = String.raw`(?<![\w$.])(?:ctx|this)(?:\s*\.\s*(?:request|req))?\s*\.\s*`;
/** What the client sends besides the path and method, as ctx's fields: a header, the query string, the Host, content negotiation. */
const CLIENT_FIELDS = 'headers?|query|queries|querystring|search|href|host|hostname|origin|subdomains|acceptJSON';
/** ctx's methods that read what the client sends. */
const CLIENT_CALLS = String.raw`get|accepts|is`;
/**
 * A cookie read unsigned: egg's cookies are signed by default, and `ctx.cookies.get(name)` gives only a value the app
 * signed with config.keys (black-box round 42, h5 F1: a signed `uid` cookie is no client's claim).
 */
const UNSIGNED_COOKIE = String.raw`${REQUEST_OF}cookies\s*\.\s*get\s*\([^()]*\bsigned\s*:\s*false`;
/** The request's body, which the client writes (`ctx.body` is the response's). */
const REQUEST_BODY = String.raw`(?<![\w$.])(?:ctx|this)\s*\.\s*request\s*\.\s*body\b`;

/**
 * The request's fields egg takes from X-Forwarded-* headers, which any client can send, for an app's config: under
 * `proxy`, the protocol (`ctx.protocol`, `ctx.secure`), and the IP (`ctx.ip`, `ctx.ips`) unless maxIpsCount keeps
 * only the entries the app's own proxies add (taken to be their number). Not maxProxyCount: egg keeps one entry more
 * than it says, the one the client wrote (review of round 42, h6 #6).
 */
export function forwardedReads(config: Record<string, unknown>): readonly string[] {
  if (!config.proxy) return [];
  return Number(config.maxIpsCount) > 0 ? [ 'protocol', 'secure' ] : [ 'ip', 'ips', 'protocol', 'secure' ];
}

/** What a condition reads that the client sends (`shaped`), and what it may hold besides literals and operators (`words`), by forwardedReads. */
interface ClientReads { shaped: RegExp; words: RegExp }
const clientReadsBy = new Map<string, ClientReads>();

function clientReads(forwarded: readonly string[]): ClientReads {
  const key = forwarded.join('|');
  let reads = clientReadsBy.get(key);
  if (!reads) {
    const fields = key ? `${CLIENT_FIELDS}|${key}` : CLIENT_FIELDS;
    clientReadsBy.set(key, reads = {
      shaped: new RegExp(String.raw`${REQUEST_OF}(?:(?:${fields})\b|(?:${CLIENT_CALLS})\s*\()|${REQUEST_BODY}|${UNSIGNED_COOKIE}`),
      words: new RegExp(String.raw`${REQUEST_OF}(?:(?:headers?|query|queries)(?:\s*\.\s*[A-Za-z_$][\w$]*)?|${fields}|url|originalUrl|${CLIENT_CALLS}|cookies\s*\.\s*get)\b|` +
        String.raw`\bsigned\s*:\s*false\b|` +
        String.raw`${REQUEST_BODY}(?:\s*\.\s*[A-Za-z_$][\w$]*)?|\.\s*test\b|\.\s*(?:indexOf|lastIndexOf|includes|search|match|startsWith|endsWith|length|${STRING_METHODS}|${LIST_METHODS})\b|` +
        String.raw`\b(?:undefined|null|true|false|typeof)\b`, 'g'),
    });
  }
  return reads;
}
/** The URL as a condition reads it. */
const URL_READ = String.raw`(?<![\w$.])(?:ctx|this)(?:\s*\.\s*(?:request|req))?\s*\.\s*(?:url|originalUrl)`;
/**
 * The URL searched anywhere, where its query string can hold what is looked for: `ctx.url.includes('/login')`,
 * `.endsWith(…)`, `.indexOf('/login') > -1` (not `=== 0`, a prefix), `.match(/login/)` or `/\/login/.test(ctx.url)`
 * with a RegExp that is not anchored at the start. Read as written (RegExp literals intact).
 */
const URL_SEARCHED = new RegExp([
  String.raw`${URL_READ}\s*\.\s*(?:includes|endsWith)\s*\(`,
  String.raw`${URL_READ}\s*\.\s*(?:indexOf|lastIndexOf)\s*\([^()]*\)\s*(?:>\s*-\s*1|!==?\s*-\s*1|>=\s*0)`,
  String.raw`${URL_READ}\s*\.\s*(?:match|search)\s*\(\s*(?:\/|['"\x60])(?!\^)`,
  String.raw`(?<![\\\w$)\]])\/(?!\^)(?:\\.|[^/\\\n])+\/[dgimsuy]*\s*\.\s*test\s*\(\s*${URL_READ}\s*\)`,
].join('|'));
/** How a condition searches a list of literals: `[ '/login', '/public' ].some(item => ctx.url.includes(item))`. */
const LIST_METHODS = 'some|find|findIndex|filter';
/**
 * A literal that looks generated (letters and digits, 12 or more; or 20 characters or more): a key the client must
 * know. Not a path (`'/api/v1/public/healthcheck'`).
 */
const SECRET_LITERAL = /(["'`])(?!\/)(?:(?=[^"'`]*\d)(?=[^"'`]*[A-Za-z])[^"'`\s]{12,}|[^"'`\s]{20,})\1/;

/**
 * Whether an opening clause's condition hands on requests the client can shape to meet it: one of its `||` parts
 * whose every `&&` part reads a header, the query string or the Host, or searches the URL anywhere, and holds nothing
 * else but literals. Not with a value of the app's (a token it compares with) or a literal that looks generated,
 * which make it a check of credentials of its own; not where a part tests the path or method, which narrows it.
 * `context` is the middleware's name for ctx; `reads`, what the client sends as the app's config has egg read it.
 */
function clientPicked(condition: string, context: string, reads: ClientReads): boolean {
  return clientShapedParts(readAsCtx(condition, context), reads).some(Boolean);
}

/**
 * Per `||` part of a condition read as ctx, whether every `&&` part of it is clientShaped; none with a literal that
 * looks generated.
 */
function clientShapedParts(written: string, reads: ClientReads): boolean[] {
  if (SECRET_LITERAL.test(written)) return [];
  const blanked = literalsBlanked(written);
  return topLevelParts(blanked, '||').map(([ from, to ]) => topLevelParts(blanked.slice(from, to), '&&')
    .every(([ start, end ]) => clientShaped(written.slice(from + start, from + end), blanked.slice(from + start, from + end), reads)));
}

/** A condition with the middleware's own name for ctx read as `ctx`. */
function readAsCtx(condition: string, context: string): string {
  return context === 'ctx' ? condition : condition.replace(new RegExp(`(?<![\\w$.])${context.replace(/\$/g, '\\$')}(?=\\s*\\.)`, 'g'), 'ctx');
}

/** A part of a condition (as written, and with its literals blanked) that reads what the client shapes, and nothing else of the app's. */
function clientShaped(written: string, blanked: string, reads: ClientReads): boolean {
  const code = withoutLiterals(blanked);
  if (!reads.shaped.test(code) && !URL_SEARCHED.test(written)) return false;
  return !/[A-Za-z_$]/.test(withoutCallbackParameters(code).replace(reads.words, ''));
}

/** Code without the parameters of the arrow functions it passes (`item => …`) and their uses: the items of a list of literals. */
function withoutCallbackParameters(code: string): string {
  const names = [ ...code.matchAll(/(?:\(\s*([A-Za-z_$][\w$]*)\s*\)|([A-Za-z_$][\w$]*))\s*=>/g) ].map(match => match[1] ?? match[2]).filter(name => name !== 'ctx');
  return names.reduce((text, name) => text.replace(new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g'), ''), code);
}

/**
 * The request's path as a path-only condition reads it; its URL too, which is the path for a request without a query
 * string. A URL test that a query string holding one of the condition's literals meets is the client's (PathPicks.queryMeets).
 */
const PATH_READ = String.raw`(?<![\w$.])ctx(?:\s*\.\s*(?:request|req))?\s*\.\s*(?:path|url|originalUrl)\b`;
/** What a path-only condition may hold besides literals, RegExp literals and operators. */
const PATH_CONDITION_WORDS = new RegExp(String.raw`${PATH_READ}|\.\s*(?:test|indexOf|lastIndexOf|includes|startsWith|endsWith|toLowerCase|toUpperCase|length|${LIST_METHODS})\b|\b(?:undefined|null|true|false)\b`, 'g');

/** The request a path-only condition is asked of, made in its sandbox from `{ path, url }`. */
const SANDBOX_REQUEST = '({ path: input.path, url: input.url, originalUrl: input.url, request: { path: input.path, url: input.url, originalUrl: input.url }, ' +
  'req: { url: input.url, originalUrl: input.url } })';
/** A path no route serves and no prefix test meets, asked with a query string (PathPicks.queryMeets). */
const UNSERVED_PATH = '/\u0000';

/**
 * A condition that reads the request's path and nothing else but literals, asked of a path: compiled from its own
 * text in a sandbox (sandboxedCondition), which then calls nothing but string and RegExp methods. Undefined for any
 * other, or where it does not compile. `asWritten` is the clause as the guard writes it.
 */
function pathPicked(condition: string, context: string, asWritten = condition): PathPicks | undefined {
  const written = readAsCtx(condition, context);
  const code = withoutLiterals(literalsBlanked(written));
  if (!new RegExp(PATH_READ).test(code) || /[A-Za-z_$]/.test(withoutCallbackParameters(code).replace(PATH_CONDITION_WORDS, '')) || /`/.test(written)) return undefined;
  const test = sandboxedCondition('ctx', SANDBOX_REQUEST, written);
  if (!test) return undefined;
  const meets = (path: string, url: string) => {
    try {
      return Boolean(test(JSON.stringify({ path, url })));
    } catch {
      return false;
    }
  };
  const literals = [ ...written.matchAll(/'((?:\\.|[^'\\\n])*)'|"((?:\\.|[^"\\\n])*)"/g) ].map(match => match[1] ?? match[2]);
  const queryMeets = /\b(?:url|originalUrl)\b/.test(code) && !meets(UNSERVED_PATH, UNSERVED_PATH) && literals.some(literal => meets(UNSERVED_PATH, `${UNSERVED_PATH}?${literal}`));
  return { clause: `if (${asWritten.trim()})`, skips: path => meets(path, path), ...(queryMeets && { queryMeets: true as const }) };
}

/** The [start, end) ranges of `code` (literals blanked) between its top-level `operator`s, outside brackets. */
function topLevelParts(code: string, operator: '||' | '&&'): Array<[ number, number ]> {
  const parts: Array<[ number, number ]> = [];
  let depth = 0;
  let from = 0;
  for (let at = 0; at < code.length; at++) {
    const char = code[at];
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) depth--;
    else if (depth === 0 && code.startsWith(operator, at)) {
      parts.push([ from, at ]);
      from = at + 2;
      at++;
    }
  }
  parts.push([ from, code.length ]);
  return parts;
}

/**
 * An opening guard clause that hands requests of some methods on before anything else (`if (ctx.method === 'HEAD')
 * return next();`, `if ([ 'OPTIONS', 'HEAD' ].includes(ctx.method)) return next();`, `/^(GET|HEAD)$/.test(ctx.method)`):
 * its condition, and the call of next it returns.
 */
const METHOD_GUARD_CLAUSE = /\bif\s*\(([^(){}]*(?:\((?:[^()]|\([^()]*\))*\)[^(){}]*)*)\)\s*(?:return\s+(?:await\s+|yield\s+)?next\s*\(\s*\)|\{\s*(?:return\s+(?:await\s+|yield\s+)?next\s*\(\s*\)|(?:await|yield)\s+next\s*\(\s*\)\s*;?\s*return)\s*;?\s*\})/g;
/** What a guard does before such a clause that makes it no opening one: it checked something, and may have refused. */
const CHECKED_BEFORE = /\b(?:return|throw|if|switch|await|yield)\b|\.\s*(?:status|body)\s*=(?!=)|\.throw\s*\(/;
/** The request's method as code reads it: `ctx.method`, `ctx.request.method`, a destructured `method`, in its case or another. */
const METHOD_READ = String.raw`(?:[\w$.]*\.)?method(?:\s*\.\s*to(?:Upper|Lower)Case\(\s*\))?`;
/**
 * One test of the method alone, as such a condition's `||` (or, negated, `&&`) joins them: `===` a name (groups 2, 4),
 * a literal list's includes (5), a RegExp of names (6), a list its module names (7); `!==` a name (9, 11).
 */
const METHOD_TEST = new RegExp(String.raw`^\s*(?:${METHOD_READ}\s*===?\s*(["'\x60])(${METHOD_NAMES})\1|(["'\x60])(${METHOD_NAMES})\3\s*===?\s*${METHOD_READ}|` +
  String.raw`\[([^\]]*)\]\s*\.\s*(?:includes|indexOf)\s*\(\s*[\w$.]*\.method\s*\)(?:\s*(?:!==?|>=?)\s*-?[01])?|\/\^\(?((?:${METHOD_NAMES})(?:\|(?:${METHOD_NAMES}))*)\)?\$\/i?\s*\.\s*test\s*\(\s*[\w$.]*\.method\s*\)|` +
  String.raw`([A-Za-z_$][\w$]*)\s*\.\s*(?:includes|has)\s*\(\s*[\w$.]*\.method\s*\)|` +
  String.raw`${METHOD_READ}\s*!==?\s*(["'\x60])(${METHOD_NAMES})\8|(["'\x60])(${METHOD_NAMES})\10\s*!==?\s*${METHOD_READ})\s*$`, 'i');
/** Methods named as string literals in a list's text. */
const LISTED_METHOD = new RegExp(`(?<=["'\x60])(?:${METHOD_NAMES})(?=["'\x60])`, 'gi');

/** What passedMethods reads a guard's clauses with besides its source. */
export interface GuardReading {
  /** The text of the guard's module: the lists it names. */
  moduleText?: () => string;
  /** Its factory's first parameter and the options egg built it with. */
  factory?: ClauseScope['factory'];
  /** The request's fields the client sets through X-Forwarded-* headers (forwardedReads). */
  forwarded?: readonly string[];
  /** The app's config, whose lists a guard may read (`app.config.auth.whiteList`). */
  config?: ClauseScope['config'];
  /** The text of the app's boot hook files: the config keys they write may change after the check. */
  bootHooks?: string;
}

/**
 * The methods a guard's own code lets through without credentials: koa-jwt2's and express-jwt's CORS preflight
 * pass-through and `if (ctx.method === 'OPTIONS') return next();` (PREFLIGHT_PASS), and an opening-anywhere guard
 * clause whose condition tests only the method (METHOD_GUARD_CLAUSE): a HEAD probe let through reaches every GET
 * route's controller, which egg's router runs for HEAD (black-box round 40, h6 F1).
 */
export function passedMethods(source: string, { moduleText = () => '', factory, forwarded = [], config }: GuardReading = {}): PassedMethods {
  const methods = new Set<string>(PREFLIGHT_PASS.test(source) ? [ 'OPTIONS' ] : []);
  let clientPicks: string | undefined;
  let pathPicks: PathPicks | undefined;
  const bodyAt = bodyStart(source);
  const context = contextName(source);
  // What the body does before each clause, earlier clauses that only hand on left out.
  let before = '';
  let readTo = bodyAt;
  for (const clause of source.matchAll(METHOD_GUARD_CLAUSE)) {
    before += source.slice(readTo, clause.index);
    readTo = clause.index + clause[0].length;
    // Only an opening clause: one after a check of credentials hands on what that check let through (h7 F7).
    if (CHECKED_BEFORE.test(literalsBlanked(before))) break;
    const condition = clause[1];
    // `const url = ctx.url; if (WHITE_LIST.some(item => url.includes(item)))`, read as written on ctx and literals.
    const named = clauseWithNames(condition, context, { before, declarations: () => `${source}\n${moduleText()}`, factory, config });
    const client = clientPicked(named, context, clientReads(forwarded));
    // `if (ctx.path.startsWith('/login')) return next();`: the paths that meet it (black-box round 41, h4 F2).
    const byPath = client ? undefined : pathPicked(named, context, condition);
    // `if (ctx.url.indexOf('/login') > -1) return next();`: any request, shaped so (black-box round 41, h1 F1), also
    // a URL test a query string meets however it is written (`~ctx.url.indexOf('/public')`).
    if (client || byPath?.queryMeets) {
      clientPicks ??= `if (${condition.trim()})`;
      for (const method of REWRITABLE_METHODS) methods.add(method);
      continue;
    }
    if (byPath) {
      pathPicks ??= byPath;
      continue;
    }
    // `ctx.method !== 'POST'` (and such tests joined by &&): every method but those.
    const negated = condition.split('&&').map(part => METHOD_TEST.exec(part));
    if (negated.every(test => test?.[9] ?? test?.[11])) {
      const kept = new Set((negated as RegExpExecArray[]).map(test => (test[9] ?? test[11]).toUpperCase()));
      for (const method of REWRITABLE_METHODS) if (!kept.has(method)) methods.add(method);
      continue;
    }
    const tests = condition.split('||').map(part => METHOD_TEST.exec(part));
    if (!tests.every(test => test && test[9] === undefined && test[11] === undefined)) continue;
    for (const test of tests as RegExpExecArray[]) {
      // A list the function or its module names (`const SKIP = [ 'OPTIONS', 'HEAD' ]`, `new Set([ … ])`).
      const list = test[7] === undefined ? test[5] : new RegExp(`\\b(?:const|let|var)\\s+${test[7].replace(/\$/g, '\\$')}\\s*=\\s*(?:new\\s+Set\\s*\\(\\s*)?\\[([^\\]]*)\\]`)
        .exec(`${source}\n${moduleText()}`)?.[1];
      const listed = list === undefined ? (test[2] ?? test[4] ?? test[6] ?? '').split('|') : list.match(LISTED_METHOD) ?? [];
      for (const method of listed) if (method) methods.add(method.toUpperCase());
    }
  }
  if (!methods.size && !pathPicks) return NO_METHODS;
  return Object.assign([ ...methods ], clientPicks === undefined ? {} : { clientPicks }, pathPicks ? { pathPicks } : {});
}

/** A middleware's name for ctx: its first parameter's. */
function contextName(source: string): string {
  return FIRST_PARAMETER_NAME.exec(source)?.[1] ?? 'ctx';
}

/** Where a middleware's body starts: a down-levelled async's generator's (`return __awaiter(this, …, function* () {`) when compiled so. */
function bodyStart(source: string): number {
  const generator = /function\s*\*\s*\(\s*\)\s*\{/.exec(source);
  return generator ? generator.index + generator[0].length : source.indexOf('{') + 1;
}

/**
 * A guard whose opening clause hands on requests by their path (PathPicks), for the route's request paths that meet it:
 * skipped for them, with every method the route serves; undefined when none does.
 */
function pathPassStep(name: string, level: RouteStep['level'], probes: string[], layer: RouterLayer, picks: PathPicks): RouteStep | undefined {
  const skipped = probes.filter(probe => picks.skips(probe));
  if (!skipped.length) return undefined;
  return {
    name, level, runs: 'partly', byOwnCode: true,
    skippedFor: skipped.flatMap(probe => layer.methods.map(method => ({ path: probe, method }))),
    detail: `its code calls next() before it checks credentials for a path that meets \`${picks.clause}\`; name the public paths exactly ` +
      '(`ctx.path === \'/login\'`, an anchored RegExp ending in `$`), or in its match/ignore or routes.public',
  };
}

/**
 * A guard whose code lets some methods through (passedMethods), for a route that serves one of them: skipped for every
 * request path of the route, with those methods.
 */
function methodPassStep(name: string, level: RouteStep['level'], probes: string[], layer: RouterLayer, methods: PassedMethods): RouteStep {
  const skippedFor = (probes.length ? probes : [ String(layer.path) ]).flatMap(probe => methods.map(method => ({ path: probe, method })));
  return { name, level, runs: 'partly', skippedFor, detail: passDetail(methods), byOwnCode: true };
}

/** Why a guard skips these methods: PREFLIGHT_DETAIL for OPTIONS alone. */
function passDetail(methods: PassedMethods): string {
  if (methods.clientPicks !== undefined) {
    // The IP or protocol under config.proxy: egg takes them from X-Forwarded-* headers (black-box round 42, h5 F6).
    if (/\.\s*(?:ips?|protocol|secure)\b/.test(methods.clientPicks)) {
      return `its code calls next() before it checks credentials for a request that meets \`${methods.clientPicks}\`, whose IP or protocol egg takes from ` +
        'the X-Forwarded-For and X-Forwarded-Proto headers under config.proxy, which any client sends; set config.maxIpsCount to the number of proxies ' +
        'in front of the app (egg then keeps only the entries they add), or check credentials first';
    }
    return `its code calls next() before it checks credentials for a request that meets \`${methods.clientPicks}\`, which reads what the client ` +
      'sends (a header, the query string, the Host), so any request can be shaped to skip it; check credentials first, and name the public paths ' +
      'by path in its match/ignore or in routes.public';
  }
  if (methods.length === 1 && methods[0] === 'OPTIONS') return PREFLIGHT_DETAIL;
  return `its code calls next() for ${methods.join(' and ')} requests before it checks credentials (\`if (ctx.method === '${methods[0]}') return next()\`)` +
    (methods.includes('HEAD') ? ', and egg\'s router answers HEAD with a GET route\'s controller (its side effects run, its headers are sent)' : '') +
    '; let only the requests that need no credentials through (a CORS preflight: OPTIONS with Access-Control-Request-Method), or list such routes in routes.public';
}

/** The methods of `passes` the route serves. */
function servedPasses(passes: PassedMethods | undefined, layer: RouterLayer): PassedMethods {
  return passes?.length ? passesOf(passes, method => layer.methods.includes(method)) : NO_METHODS;
}

/** The methods of `passes` that `keep` keeps, with its clientPicks. */
function passesOf(passes: PassedMethods, keep: (method: string) => boolean): PassedMethods {
  const kept = passes.filter(keep);
  return passes.clientPicks === undefined || !kept.length ? kept : Object.assign(kept, { clientPicks: passes.clientPicks });
}

/**
 * The options a middleware factory reads to let a request without credentials through (koa-jwt2's and express-jwt's
 * `credentialsRequired`, koa-jwt's `passthrough`), as given; undefined when they name neither. Nothing else is kept:
 * the options of a guard hold its secret.
 */
function credentialOptions(options: unknown): RouteStep['given'] {
  if (!options || typeof options !== 'object') return undefined;
  const given: NonNullable<RouteStep['given']> = {};
  for (const key of [ 'credentialsRequired', 'passthrough' ] as const) if (key in options) given[key] = (options as AnyRecord)[key];
  return Object.keys(given).length ? given : undefined;
}

/**
 * Called from the app boot hook's configWillLoad. Records registrations from now on on routers of egg's router class
 * (one an app.js configDidLoad hook makes included), found through the module egg-core loads it from, without touching
 * `app.router`, whose first use queues its place in the chain. Hooks egg's loadRouter: by then app/middleware is
 * loaded and app/router is about to run, so factories can be named, and app.router's own class is wrapped too (an ESM
 * build of egg 4 can load another copy of it).
 */
export function recordRouteRegistrations(app: RecordTarget): void {
  const { loader } = app;
  // Once per loader: the audit command records too, and the audited app may enable egg-sentinel as well.
  if (recording.has(loader)) return;
  recording.add(loader);
  const modules = loadEggModules(loader.eggPaths ?? []);
  watchRouters(app);
  recordJsonpCalls(app);
  recordTeggActions(app);
  recordRegistrations(app, eggRouterPrototype(modules));
  // The functions egg's loader puts into the chain, from coreMiddleware and appMiddleware: only they are those middleware.
  const loadMiddleware = loader.loadMiddleware;
  if (typeof loadMiddleware === 'function') {
    recordedLoads.add(loader);
    loader.loadMiddleware = function loadMiddlewareRecorded(this: unknown, ...args: unknown[]) {
      const before = new Set(app.middleware ?? []);
      const factoryOutputs = recordFactoryOutputs(modules.eggCoreDir);
      let result: unknown;
      try {
        result = loadMiddleware.apply(this, args);
      } finally {
        factoryOutputs.stop();
      }
      // The factories are named as soon as they are loaded: egg-router-plus loads app/router/**/*.js before the
      // loadRouter wrapped below runs, and their `app.middleware.<name>()` calls must be known too.
      const note = () => {
        for (const fn of app.middleware ?? []) {
          if (before.has(fn)) continue;
          loadedByEgg.add(fn);
          const name = (fn as NamedFunction)._name;
          // egg-core's match/ignore wrapper (`authmiddlewareWrapper`), and its debug wrapper around that under DEBUG.
          const made = typeof name === 'string' && WRAPPER_SUFFIX.test(name) ? factoryOutputs.byName.get(name.replace(WRAPPER_SUFFIX, '')) : undefined;
          if (made) wrappedByMatch.set(fn, made);
        }
        nameFactoryOutputs(app);
        const config = app.config as AnyRecord;
        const names = [ ...asStringArray(config.coreMiddleware), ...asStringArray(config.appMiddleware) ];
        optionsAtLoad.set(loader, new Map(names.filter(name => isPlainObject(config[name])).map(name => [ name, snapshotOptions(config[name]) ])));
      };
      // egg 4 loads middleware asynchronously.
      if (result && typeof (result as Promise<unknown>).then === 'function') return (result as Promise<unknown>).then(value => (note(), value));
      note();
      return result;
    };
  }
  const loadRouter = loader.loadRouter;
  loader.loadRouter = function loadRouterRecorded(this: unknown, ...args: unknown[]) {
    nameFactoryOutputs(app);
    recordRegistrations(app, app.router);
    return loadRouter.apply(this, args);
  };
}

/**
 * Called from the app boot hook's constructor, before any other hook of the app runs: routers of the other router
 * packages are noted as they register routes, and every router, egg's class included, as its `routes()` or
 * `middleware()` is asked for: a router built when egg required the app's app.js (before any hook ran) registered its
 * routes unseen, but hands out its dispatch later, in a hook. Its routes are judged then; where no middleware is known
 * to dispatch to it (a `koa-compose` of its routes()), as unverified.
 */
export function watchRouters(app: RecordTarget): void {
  if (unownedOf.has(app)) return;
  noteCompositions();
  loadingApp = app;
  unownedOf.set(app, new Set());
  const eggPrototype = eggRouterPrototype(loadEggModules(app.loader.eggPaths ?? []));
  for (const prototype of otherRouterPrototypes(app.baseDir)) {
    noteUnownedRouters(prototype);
    noteDispatchingRouters(prototype);
  }
  if (eggPrototype) noteDispatchingRouters(eggPrototype);
}

/** Functions given to `app.use()` by code outside egg and its packages: the file of that call. */
const useSites = new WeakMap<object, string>();
const watchedUses = new WeakSet<object>();

/**
 * Called from the app boot hook's constructor: notes the file of every `app.use(fn)` call the app's code makes from
 * then on (an app.js hook), so a function it defines there and puts at the head of the chain, before egg-security,
 * is known as the app's (MiddlewareFact.origin).
 */
export function recordAppUses(app: object): void {
  const target = app as { use?: (...args: unknown[]) => unknown };
  if (watchedUses.has(app) || typeof target.use !== 'function') return;
  watchedUses.add(app);
  const use = target.use;
  const skip = [ __dirname ];
  target.use = function useRecorded(this: unknown, ...args: unknown[]) {
    const site = callerSite(skip);
    const file = site?.replace(/:\d+$/, '');
    if (file && typeof args[0] === 'function' && !file.includes(`${path.sep}node_modules${path.sep}`)) useSites.set(args[0], file);
    return use.apply(this, args);
  };
}

/** The source V8 gives a bound or built-in function. */
const NATIVE_BODY = /\{\s*\[native code\]\s*\}\s*$/;
/** How much of a function's body, without white space, must be found in a file to place it there. */
const USE_BODY_PREFIX = 80;
/** A body shorter than this (`{ await next(); }`) is only placed in the file of its `app.use()` call. */
const PLACEABLE_BODY = 24;

/**
 * The file a function in the chain that egg's loader did not load was defined in: the file of its `app.use()` call
 * when its body is written there (an inline function; compared from its first brace, so TypeScript's parameter
 * types do not hide it), else one of the app's own loaded modules that writes it (a handler in lib/ that app.js
 * requires, or puts into `app.middleware` itself); not when it was made elsewhere (`app.use(compress())`). A bound
 * function, whose body cannot be read, is placed at its `app.use()` call.
 */
function definedAtUse(fn: object, source: string, appFiles: () => ReadonlyMap<string, string>): string | undefined {
  // A bound function (`app.use(handler.answer.bind(handler))`) shows no body: its app.use() call is all there is.
  if (NATIVE_BODY.test(source)) return useSites.get(fn);
  const brace = source.indexOf('{');
  if (brace === -1) return undefined;
  const body = squeeze(source.slice(brace)).slice(0, USE_BODY_PREFIX);
  const site = useSites.get(fn);
  if (site && squeezedText(site)?.includes(body)) return site;
  if (body.length < PLACEABLE_BODY) return undefined;
  for (const [ file, text ] of appFiles()) if (text.includes(body)) return file;
  return undefined;
}

/**
 * The packages a file requires or imports, by name (`koa-static`, `@koa/cors`) or by a path into a node_modules
 * (`require('/srv/app/node_modules/koa-mount')`), as package names.
 */
const REQUIRED_PACKAGE = /(?:\brequire\s*\(\s*|\bfrom\s+|\bimport\s*\(\s*)['"](?:[^'"]*[\\/]node_modules[\\/])?((?:@[\w.-]+\/)?[\w.-]+)[^'"]*['"]/g;

/** A function source shorter than this (`(ctx, next) => next()`) may stand in many packages: none is named for it. */
const PACKAGE_SOURCE = 40;

/**
 * The package whose loaded module writes a function the app gave to app.use() from `site` without writing it itself
 * (`app.use(serve(dir))`): V8 gives a function's source as written in its file. The loaded modules of the packages
 * `site` requires are read. Undefined when none writes it (a package's middleware made by another package).
 */
function packageWriting(source: string, site: string): string | undefined {
  if (source.length < PACKAGE_SOURCE || NATIVE_BODY.test(source)) return undefined;
  // Asked again at each check of a late change: the search reads the loaded modules of the packages `site` names.
  const key = `${site}\0${source}`;
  if (!packagesWriting.has(key)) packagesWriting.set(key, searchPackageWriting(source, site));
  return packagesWriting.get(key);
}

const packagesWriting = new Map<string, string | undefined>();

function searchPackageWriting(source: string, site: string): string | undefined {
  // Only the packages `site` names: reading every loaded package module costs a boot a tenth of a second.
  const required = [ ...new Set([ ...(readText(site) ?? '').matchAll(REQUIRED_PACKAGE) ].map(([ , name ]) => `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`)) ];
  if (!required.length) return undefined;
  for (const file of Object.keys(require.cache)) {
    if (!required.some(dir => file.includes(dir)) || !readText(file)?.includes(source)) continue;
    const name = packageRoot(path.dirname(file))?.json.name;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

function squeeze(text: string): string {
  return text.replace(/\s+/g, '');
}

function squeezedText(file: string): string | undefined {
  try {
    return squeeze(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The app's own modules this process loaded (outside node_modules), each without white space. */
function loadedAppFiles(baseDir: string | undefined): Map<string, string> {
  const files = new Map<string, string>();
  if (!baseDir) return files;
  const root = realPathOrAbsolute(baseDir) + path.sep;
  for (const file of Object.keys(require.cache)) {
    if (!file.startsWith(root) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const text = squeezedText(file);
    if (text !== undefined) files.set(file, text);
  }
  return files;
}

/**
 * The function a factory made, by the wrapper egg-core put into the chain for its match/ignore (its closure hides
 * it). Egg 3 only: egg 4's loader wraps without a helper to record it by, and its wrappers are read as they are.
 */
const wrappedByMatch = new WeakMap<object, object>();

/**
 * While egg 3's loader loads the middleware, the functions the factories return, by their `_name`: egg-core hands
 * each to its utils.middleware() before wrapping it for match/ignore. Not on egg 4, whose loader calls no such helper.
 */
function recordFactoryOutputs(eggCoreDir: string): { byName: Map<string, object>; stop: () => void } {
  const byName = new Map<string, object>();
  let utils: { middleware?: (fn: unknown) => unknown } | undefined;
  try {
    utils = createRequire(path.join(eggCoreDir, 'package.json'))('./lib/utils') as typeof utils;
  } catch {
    return { byName, stop: () => undefined };
  }
  const original = utils?.middleware;
  if (!utils || typeof original !== 'function') return { byName, stop: () => undefined };
  const target = utils;
  target.middleware = function middlewareRecorded(fn: unknown) {
    const made = original.call(target, fn);
    const name = (made as NamedFunction | undefined)?._name ?? (fn as NamedFunction | undefined)?._name;
    if (typeof made === 'function' && typeof name === 'string') byName.set(name, made);
    return made;
  };
  return { byName, stop: () => { target.middleware = original; } };
}

/** Dispatch methods already wrapped, by the prototype that defines them. */
const wrappedDispatch = new WeakSet<object>();

/** The object on `start`'s prototype chain (itself included) that defines `name`: where a class's method is wrapped once for all. */
function definingPrototype(start: object, name: string): Record<string, unknown> | null {
  let holder: object | null = start;
  while (holder && !Object.prototype.hasOwnProperty.call(holder, name)) holder = Object.getPrototypeOf(holder) as object | null;
  return holder as Record<string, unknown> | null;
}

/** Wraps `routes`/`middleware` where a router class defines them, to note a router no recorder owns as it hands out its dispatch. */
function noteDispatchingRouters(prototype: object): void {
  for (const name of [ 'routes', 'middleware' ] as const) {
    const methods = definingPrototype(prototype, name);
    const original = methods?.[name];
    if (!methods || typeof original !== 'function' || wrappedDispatch.has(original)) continue;
    const wrapped = function dispatchNoted(this: RecordedRouter, ...args: unknown[]) {
      if (!this.app || !recorders.has(this.app)) noteUnowned(this);
      const dispatch = (original as (...args: unknown[]) => unknown).apply(this, args);
      if (typeof dispatch === 'function' && Array.isArray(this.stack)) {
        let given = handedOut.get(this.stack);
        if (!given) handedOut.set(this.stack, given = new Set());
        given.add(dispatch);
      }
      return dispatch;
    };
    wrappedDispatch.add(wrapped);
    methods[name] = wrapped;
  }
}

/** The dispatch functions each router (by its stack) handed out: one not in the chain runs inside another middleware. */
const handedOut = new WeakMap<RouterLayer[], Set<unknown>>();

/**
 * Routers no recorder owns, made while an app loads: egg's KoaRouter made without the app, koa-router's and
 * @koa/router's. Their routes are judged too; where no middleware is known to dispatch to them, as unverified.
 */
const unownedOf = new WeakMap<object, Set<RecordedRouter>>();
/** The app whose boot is under way: routers made now without an owner are taken to be its. */
let loadingApp: object | undefined;

/** Router packages besides egg's an app may use: their routers are noted when they register routes. */
const OTHER_ROUTER_PACKAGES = [ '@koa/router', 'koa-router' ];

/**
 * The prototypes of the other router packages the app installed, from the node_modules node searches from the app:
 * never NODE_PATH or a global folder, where a package the app does not install would be code nobody reviewed.
 */
function otherRouterPrototypes(baseDir: string | undefined): object[] {
  if (!baseDir) return [];
  const fromApp = createRequire(path.join(baseDir, 'package.json'));
  return OTHER_ROUTER_PACKAGES.flatMap(name => {
    const installed = nodeModulesDirs(baseDir).map(dir => path.join(dir, name)).find(dir => fs.existsSync(path.join(dir, 'package.json')));
    if (!installed) return [];
    try {
      const exported = fromApp(installed) as { prototype?: object; default?: { prototype?: object } };
      const prototype = exported.prototype ?? exported.default?.prototype;
      return prototype ? [ prototype ] : [];
    } catch {
      return [];
    }
  });
}

/** Wraps `register` where a router class defines it, to note each router of it that registers a route. */
function noteUnownedRouters(prototype: object): void {
  wrapRegister(prototype, (router, args, register) => {
    noteUnowned(router);
    return register.apply(router, args);
  });
}

/** A router no recorder owns, made while an app loads, is taken to be that app's. */
function noteUnowned(router: RecordedRouter): void {
  if (loadingApp) unownedOf.get(loadingApp)?.add(router);
}

/**
 * Wraps `register` once where `start`'s prototype chain defines it (a router or its class's prototype), so the
 * wrapper serves every router of the class; a class already wrapped is left as it is.
 */
function wrapRegister(start: object, around: (router: RecordedRouter, args: unknown[], register: RecordedRouter['register']) => unknown): void {
  const holder = definingPrototype(start, 'register');
  if (!holder || wrappedRegisters.has(holder)) return;
  wrappedRegisters.add(holder);
  const register = holder.register as RecordedRouter['register'];
  holder.register = function registerWrapped(this: RecordedRouter, ...args: unknown[]) {
    return around(this, args, register);
  };
}

/** The prototype of egg's router class, from the @eggjs/router egg-core requires; undefined when it cannot be read. */
function eggRouterPrototype(modules: EggModules): object | undefined {
  try {
    const exported = createRequire(path.join(modules.routerDir, 'package.json'))(modules.routerDir) as { EggRouter?: { prototype?: object } };
    return exported.EggRouter?.prototype;
  } catch {
    return undefined;
  }
}

/**
 * Wraps egg-jsonp's `app.jsonp` on the app (extensions are loaded before any boot hook runs; the audit's stand-in has
 * it too): each middleware it returns is known with the options it was given and the file and line of the call, as a
 * route's own `app.jsonp({ whiteList })` overrides config.jsonp (egg-jsonp: `Object.assign({}, config.jsonp, options)`).
 */
function recordJsonpCalls(app: RecordTarget): void {
  const target = app as { jsonp?: unknown };
  const jsonp = target.jsonp;
  if (!app.plugins?.jsonp || typeof jsonp !== 'function') return;
  const skip = [ __dirname ];
  target.jsonp = function jsonpRecorded(this: unknown, ...args: unknown[]) {
    const created: unknown = jsonp.apply(this, args);
    if (typeof created === 'function') jsonpCalls.set(created, { options: args[0], site: callerSite(skip) });
    return created;
  };
}

/** The factory objects (`app.middlewares`) whose functions already record what they make. */
const namedFactories = new WeakSet<object>();

function nameFactoryOutputs(app: RecordTarget): void {
  const factories = app.middlewares ?? {};
  if (namedFactories.has(factories)) return;
  namedFactories.add(factories);
  for (const [ name, factory ] of Object.entries(factories)) {
    if (typeof factory !== 'function') continue;
    const named = function(this: unknown, ...args: unknown[]) {
      const created: unknown = factory.apply(this, args);
      if (typeof created === 'function') {
        createdBy.set(created, name);
        const given = credentialOptions(args[0]);
        if (given) createdWith.set(created, given);
      }
      return created;
    };
    // Keeps egg's FULLPATH symbol, which names the middleware's file.
    factories[name] = Object.assign(named, factory, { [FACTORY]: { name, factory: (factory as FactoryMark)[FACTORY]?.factory ?? factory } });
  }
}

/** A router that registers routes: egg's, or another of the app's (an egg-router-plus namespace). */
interface RecordedRouter {
  stack: RouterLayer[];
  app?: object;
  register(...args: unknown[]): unknown;
}

type Recorder = (router: RecordedRouter, args: unknown[], register: RecordedRouter['register']) => unknown;

/**
 * The frames a registration's stack keeps (captureStack): from egg-sentinel's wrapper of `register` through egg's
 * router (its `get`, EggRouter's, and a router package's such as egg-router-plus's namespace or redirect) to the
 * app's call; fewer are cheaper to take.
 */
const REGISTRATION_FRAMES = 12;

/** What records a registration, by the object the app's routers hold as `app` (EggRouter's second argument). */
const recorders = new WeakMap<object, Recorder>();
/** The routers of an app that registered routes: egg-router-plus keeps each namespace in a router of its own. */
const routersOf = new WeakMap<object, Set<RecordedRouter>>();
/** `register` methods already wrapped: the router class's prototype is shared by every app in the process. */
const wrappedRegisters = new WeakSet<object>();

/**
 * Records the registrations of the app's routers (those made with the app as their `app`, as EggRouter's second
 * argument), wrapping `register` where `router` (a router, or its class's prototype) finds it.
 */
function recordRegistrations(app: RecordTarget, router: object | undefined): void {
  if (!router) return;
  const FULLPATH = app.loader.FileLoader.FULLPATH;
  const owner = (router as Partial<RecordedRouter>).app ?? app;
  const recorded = routersOf.get(owner) ?? new Set<RecordedRouter>();
  routersOf.set(owner, recorded);
  if (!recorders.has(owner)) recorders.set(owner, function record(target: RecordedRouter, args: unknown[], register: RecordedRouter['register']) {
    // A copy: EggRouter#register pops the controller off the array it is given.
    const handlers = (Array.isArray(args[2]) ? [ ...args[2] ] : [ args[2] ]) as unknown[];
    const before = target.stack.length;
    const result = register.apply(target, args);
    const handler = resolveHandler(app.controller, handlers[handlers.length - 1]);
    const teggAction = handler && teggActions.get(handler);
    const fullPath = teggAction ?? handler?.[FULLPATH];
    const registration: Registration = {
      ...describeRouteFunctions(app, handlers.slice(0, -1), Boolean(teggAction)),
      fullPath: typeof fullPath === 'string' ? fullPath : undefined,
      ...(teggAction && { tegg: true as const }),
      ...(redirecting !== undefined && { redirectsTo: redirecting }),
      handlerName: functionName(handler),
      ...(typeof fullPath !== 'string' && handler && mayPassOn(handler) && { passesOn: describeRouteFunctions(app, [ handler ], Boolean(teggAction)) }),
      // Taken for every route and formatted for the few a finding or the route table names: boot stays as fast.
      ...(!teggAction && { stack: captureStack(record, REGISTRATION_FRAMES) }),
      // router.use(app.jsonp()) registers the function as the layer's handler.
      jsonp: handlers.flatMap(fn => (typeof fn === 'function' && jsonpCalls.get(fn)) || []),
    };
    for (const layer of target.stack.slice(before)) {
      routerOfLayer.set(layer, target as { params?: Record<string, unknown> });
      registrations.set(layer, registration);
      registeredStacks.set(layer, [ ...layer.stack ]);
    }
    recorded.add(target);
    return result;
  });
  wrapRedirect(router);
  // Wrapped where the router class defines it, so every router of the app records, not only app.router.
  wrapRegister(router, (target, args, register) => {
    const record = target.app && recorders.get(target.app);
    if (record) return record(target, args, register);
    // egg's KoaRouter made without the app (or for another app).
    noteUnowned(target);
    return register.apply(target, args);
  });
}

/**
 * The handlers @eggjs/tegg-controller-plugin makes for the methods of decorator controllers (`@HTTPController`), as
 * `<class file>#<Class.method()>`: it registers each on app.router in its didLoad hook with an anonymous function
 * that looks the controller up per request, which says nothing of the class.
 */
const teggActions = new WeakMap<object, string>();
/** The npm package of tegg's controller plugin, and the module of it that makes a route's handler. */
const TEGG_CONTROLLER_PACKAGE = '@eggjs/tegg-controller-plugin';

/**
 * Plugins known to register routes in a boot hook from didLoad on, which `egg-sentinel audit` does not run, by
 * package: what they register there.
 */
const HOOK_ROUTE_PLUGINS: Readonly<Record<string, string>> = {
  [TEGG_CONTROLLER_PACKAGE]: 'the routes of its decorator controllers (@HTTPController, @HTTPMethod), with the functions tegg\'s @Middleware gives them, in its didLoad hook',
};

/** The enabled plugins of HOOK_ROUTE_PLUGINS: `@eggjs/tegg-controller-plugin (plugin teggController)` and what it registers. */
export function hookRoutePlugins(plugins: Iterable<{ name?: unknown; package?: unknown; enable?: unknown }>): Array<{ plugin: string; registers: string }> {
  return [ ...plugins ].flatMap(plugin => {
    const registers = typeof plugin.package === 'string' && plugin.enable !== false && Object.hasOwn(HOOK_ROUTE_PLUGINS, plugin.package) ? HOOK_ROUTE_PLUGINS[plugin.package] : undefined;
    return registers ? [{ plugin: `${plugin.package} (plugin ${String(plugin.name)})`, registers }] : [];
  });
}
const TEGG_METHOD_REGISTER = './lib/impl/http/HTTPMethodRegister';
const wrappedTeggRegisters = new WeakSet<object>();

interface TeggMethodRegister {
  proto?: { filepath?: unknown; clazz?: { name?: unknown } };
  controllerMeta?: { controllerName?: unknown };
}

/**
 * Wraps `createHandler` of the enabled @eggjs/tegg-controller-plugin's HTTPMethodRegister (the module its app.js
 * loaded), so each handler it makes is known by the decorator controller's file, class and method.
 */
function recordTeggActions(app: RecordTarget): void {
  const plugin = Object.values(app.plugins ?? {}).find(entry => entry.enable !== false && entry.package === TEGG_CONTROLLER_PACKAGE);
  if (!plugin || typeof plugin.path !== 'string') return;
  let prototype: Record<string, unknown> | undefined;
  try {
    const exported = createRequire(path.join(pluginPackageDir(plugin.path), 'package.json'))(TEGG_METHOD_REGISTER) as { HTTPMethodRegister?: { prototype?: Record<string, unknown> } };
    prototype = exported.HTTPMethodRegister?.prototype;
  } catch {
    return; // another layout: its routes keep the site of their registration
  }
  const createHandler = prototype?.createHandler;
  // Once per copy of the module: every app of the process that loads it shares it.
  if (!prototype || typeof createHandler !== 'function' || wrappedTeggRegisters.has(prototype)) return;
  wrappedTeggRegisters.add(prototype);
  prototype.createHandler = function createHandlerRecorded(this: TeggMethodRegister, methodMeta: { name?: unknown }, ...rest: unknown[]) {
    const handler: unknown = createHandler.call(this, methodMeta, ...rest);
    const file = this.proto?.filepath;
    const className = this.proto?.clazz?.name || this.controllerMeta?.controllerName;
    if (typeof handler === 'function' && typeof file === 'string' && typeof className === 'string') teggActions.set(handler, `${file}#${className}.${String(methodMeta?.name)}()`);
    return handler;
  };
}

/** The destination of the `router.redirect()` call under way: the route it registers (with `all()`) only redirects there. */
let redirecting: string | undefined;
const wrappedRedirects = new WeakSet<object>();

/** Wraps `redirect` where egg's router class defines it, so the route each call registers is known as a redirect. */
function wrapRedirect(start: object): void {
  const holder = definingPrototype(start, 'redirect');
  const redirect = holder?.redirect;
  if (!holder || typeof redirect !== 'function' || wrappedRedirects.has(holder)) return;
  wrappedRedirects.add(holder);
  holder.redirect = function redirectRecorded(this: unknown, source: unknown, destination: unknown, ...rest: unknown[]) {
    const outer = redirecting;
    redirecting = String(destination);
    try {
      return redirect.call(this, source, destination, ...rest);
    } finally {
      redirecting = outer;
    }
  };
}

/** The route layers of an app when its routes were collected, with how many functions each held, by the app's router owner. */
const collectedLayers = new WeakMap<object, Map<RouterLayer, number>>();

function routerOwner(egg: MiddlewareSource): object {
  return (egg.router as RecordedRouter | undefined)?.app ?? egg;
}

/**
 * `GET /late` for each route registered after the app's routes were collected (in a didReady hook, say), and
 * `GET /admin (its middleware changed)` for one whose functions were added or taken away since, which the check never
 * saw; none when they were never collected.
 */
export function routesChangedAfterCollection(egg: MiddlewareSource): string[] {
  const collected = collectedLayers.get(routerOwner(egg));
  if (!collected) return [];
  // A router nested with router.use() shares its layers with its parent: each is named once.
  return [ ...new Set(routeStacks(egg).flat()) ].filter(layer => layer.methods.length).flatMap(layer => {
    const functions = collected.get(layer);
    if (functions === undefined) return [ layerLabel(layer) ];
    return functions === layer.stack.length ? [] : [ `${layerLabel(layer)} (its middleware changed)` ];
  });
}

/** Array methods that change an array in place. */
const MUTATORS = [ 'push', 'unshift', 'splice', 'pop', 'shift', 'reverse', 'sort', 'fill', 'copyWithin' ] as const;

/**
 * Calls `changed` after each call of one of the array's own mutators (defined on the array itself, so a reader sees a
 * plain array) with the mutator, and the items before the call; the array is returned. `locked` makes the mutators
 * non-configurable and read-only.
 */
export function watchArray<T>(array: T[], changed: (mutate: (...args: never[]) => unknown, before: T[]) => void, locked = false): T[] {
  for (const method of MUTATORS) {
    const original = array[method] as (...args: unknown[]) => unknown;
    Object.defineProperty(array, method, { configurable: !locked, writable: !locked, value: function mutate(this: T[], ...args: unknown[]) {
      if (this !== array) return original.apply(this, args);
      const before = array.slice();
      const result = original.apply(array, args);
      changed(mutate, before);
      return result;
    } });
  }
  return array;
}

/** Layers whose `stack` is watched already (a nested router shares its parent's). */
const watchedLayers = new WeakSet<object>();

/** A koa middleware: what the watch puts in front of a route's functions. */
export type RouteGate = (ctx: never, next: () => Promise<unknown>) => unknown;

/**
 * Calls `changed` whenever a route is added to a router of the app's (those the check judged) or taken out, a
 * route's functions are changed or replaced (`layer.stack = layer.stack.filter(…)`), or its path (`router.prefix()`):
 * egg's router reads each router's stack, each route's and its regexp at every request. Through the arrays' own
 * mutators and each layer's `stack` and `regexp` properties.
 * A route added to a router, or whose functions changed, runs `gate` before its functions from then on (the routes
 * the check judged run as they are).
 */
export function watchRouteStacks(egg: MiddlewareSource, changed: () => void, gate: RouteGate): void {
  const late = new WeakSet<RouterLayer>();
  const routers = appRouters(egg);
  const gateLayer = (layer: RouterLayer) => {
    late.add(layer);
    for (const router of routers) if (router.stack.includes(layer)) gateMatches(router, late, gate);
  };
  const watchLayer = (layer: RouterLayer) => {
    if (watchedLayers.has(layer)) return;
    watchedLayers.add(layer);
    const stackChanged = () => {
      gateLayer(layer);
      changed();
    };
    let stack = watchArray(layer.stack, stackChanged);
    Object.defineProperty(layer, 'stack', { configurable: true, enumerable: true, get: () => stack, set: (value: RouterLayer['stack']) => {
      stack = Array.isArray(value) ? watchArray(value, stackChanged) : value;
      stackChanged();
    } });
    // The paths it answers: `router.prefix('/v2')` gives every route a new regexp (setPrefix), which a match/ignore
    // the check judged against the old path may no longer cover.
    let regexp = layer.regexp;
    Object.defineProperty(layer, 'regexp', { configurable: true, enumerable: true, get: () => regexp, set: (value: RegExp) => {
      regexp = value;
      stackChanged();
    } });
  };
  for (const stack of routeStacks(egg)) {
    stack.forEach(watchLayer);
    // A layer new to this router (a route added, or a nested router's layers put into it) is gated.
    const known = new Set(stack);
    watchArray(stack, () => {
      for (const layer of stack) {
        if (known.has(layer)) continue;
        known.add(layer);
        watchLayer(layer);
        gateLayer(layer);
      }
      changed();
    });
  }
}

/** Routers whose `match` puts the gate in front of the late routes it returns. */
const gatedRouters = new WeakSet<object>();

/**
 * Wraps the router's `match`, which egg's router, koa-router and @koa/router call at each request for the routes
 * whose functions they run: a late route is returned as a view of it whose functions start with `gate`, so the
 * route table the rules read (the router's own layers) never holds it.
 */
function gateMatches(router: { stack: RouterLayer[]; match?: unknown }, late: WeakSet<RouterLayer>, gate: RouteGate): void {
  const match = router.match;
  if (typeof match !== 'function' || gatedRouters.has(router)) return;
  gatedRouters.add(router);
  Object.defineProperty(router, 'match', { configurable: true, writable: true, value(this: unknown, ...args: unknown[]) {
    const matched: unknown = match.apply(this, args);
    const layers = (matched as { pathAndMethod?: unknown } | undefined)?.pathAndMethod;
    // Most requests match only routes judged at boot: their array is left as the router made it.
    if (Array.isArray(layers) && layers.some((layer: RouterLayer) => late.has(layer))) {
      (matched as { pathAndMethod: unknown[] }).pathAndMethod = layers.map((layer: RouterLayer) => (late.has(layer) ?
        Object.create(layer, { stack: { value: [ gate, ...layer.stack ] } }) as RouterLayer : layer));
    }
    return matched;
  } });
}

/** `GET /users` for a route layer (the HEAD egg's router adds to every GET route left out), `ALL /x` for router.all()'s. */
function layerLabel(layer: RouterLayer): string {
  const methods = METHODS.every(method => layer.methods.includes(method)) ? [ 'ALL' ] : layer.methods.filter(method => method !== 'HEAD' || !layer.methods.includes('GET'));
  return `${methods.join(',')} ${String(layer.path)}`;
}

/**
 * The route stacks of an app: egg's router first, then the routers the middleware chain dispatches to (a koa-router's
 * `routes()` given to app.use()) and the other routers of egg's class that registered routes (egg-router-plus
 * namespaces, `new app.router.constructor(…)`), which middleware of their own dispatch, or egg's router when nested.
 */
function routeStacks(egg: MiddlewareSource): RouterLayer[][] {
  return [ ...new Set([ egg.router?.stack ?? [], ...appRouters(egg).map(router => router.stack) ]) ];
}

/** The routers of routeStacks, in its order. */
function appRouters(egg: MiddlewareSource): Array<{ stack: RouterLayer[]; match?: unknown }> {
  const dispatched = (egg.middleware ?? []).map(dispatchedRouter).filter(router => router !== undefined);
  const recorded = [ ...routersOf.get(routerOwner(egg)) ?? [], ...unownedOf.get(routerOwner(egg)) ?? [] ];
  return [ ...new Set([ ...egg.router ? [ egg.router ] : [], ...dispatched, ...recorded ]) ];
}

/** The router a middleware dispatches to: the `routes()`/`middleware()` of koa-router and egg's router carry it. */
function dispatchedRouter(fn: unknown): { stack: RouterLayer[] } | undefined {
  const router = (fn as { router?: unknown } | undefined)?.router;
  return router && typeof router === 'object' && Array.isArray((router as { stack?: unknown }).stack) ? router as { stack: RouterLayer[] } : undefined;
}

/**
 * Where the chain hands requests to each router: egg's router, and a router whose `routes()` is in the chain, at
 * their own entries; any other router of egg's class made with the app (egg-router-plus namespaces, its root one as
 * app.router too) at the first middleware that mounts one (egg-router-plus wraps each namespace in a function calling
 * `router.middleware()(ctx, next)`). A router of another package, or made without the app, that nothing in the chain
 * dispatches by its `routes()` is no namespace a mount is known to serve: undefined (unverified), or after the whole
 * chain in the audit.
 */
function dispatchPositions(egg: MiddlewareSource, middleware: MiddlewareFact[], stacks: RouterLayer[][]): Map<RouterLayer[], number | undefined> {
  const positions = new Map<RouterLayer[], number | undefined>();
  const chain = egg.middleware ?? [];
  chain.forEach((fn, position) => {
    const router = dispatchedRouter(fn);
    if (router && !positions.has(router.stack)) positions.set(router.stack, position);
  });
  const firstMount = mountingFunctions(middleware, chain)[0]?.position ?? undefined;
  const main = egg.router?.stack ?? [];
  // egg's router not in the chain and no mount: its routes are not dispatched at all; every global middleware is kept in scope.
  if (!positions.has(main)) positions.set(main, middleware.find(entry => entry.group === 'router' && !entry.mount)?.position ?? firstMount ?? Infinity);
  const unowned = new Set([ ...unownedOf.get(routerOwner(egg)) ?? [] ].map(router => router.stack));
  const undispatched = stacks.filter(stack => !positions.has(stack));
  const unplaced = undispatched.filter(stack => firstMount === undefined || unowned.has(stack));
  for (const stack of undispatched) if (!unplaced.includes(stack)) positions.set(stack, firstMount);
  // A dispatch function the router handed out that is not in the chain runs inside another middleware (a koa-compose
  // of it given to app.use()): at the earliest function egg did not load before the router's known place, for all
  // that is known, so the globals after that one are not taken to guard its routes.
  for (const [ stack, position ] of positions) {
    const hidden = [ ...handedOut.get(stack) ?? [] ].some(fn => !chain.includes(fn as (typeof chain)[number]));
    const wrapper = hidden ? middleware.find(entry => entry.group === 'other' && !entry.mount && entry.position !== null && entry.position < (position ?? Infinity)) : undefined;
    if (wrapper) positions.set(stack, wrapper.position as number);
  }
  const assumedAfterChain = egg.undispatchedRoutes !== undefined && unplaced.length > 0;
  for (const stack of unplaced) positions.set(stack, assumedAfterChain ? Infinity : undefined);
  if (assumedAfterChain) {
    // Layers a dispatched router shares (a nested router's) are judged there.
    const dispatchedLayers = new Set(stacks.filter(stack => !unplaced.includes(stack)).flat());
    egg.undispatchedRoutes?.(unplaced.flat().filter(layer => layer.methods.length && !dispatchedLayers.has(layer)).map(layerLabel));
  }
  return positions;
}

/** The chain's functions that mount a router (egg-router-plus' namespace wrappers), not a router's own dispatch. */
function mountingFunctions(middleware: MiddlewareFact[], chain: readonly unknown[]): MiddlewareFact[] {
  return middleware.filter(entry => entry.mount && entry.position !== null && !dispatchedRouter(chain[entry.position]));
}

/**
 * Marks the functions that mount a router (`mount`, not a router's own dispatch) when no router egg-sentinel knows is
 * placed at them: the router they hand requests to registered its routes unseen and gives its dispatch only when a
 * request comes (`app.use((ctx, next) => v2.routes()(ctx, next))` in app.js), so none of its routes is judged.
 */
function markUnseenMounts(egg: MiddlewareSource, middleware: MiddlewareFact[], positions: Map<RouterLayer[], number | undefined>): void {
  const mounts = mountingFunctions(middleware, egg.middleware ?? []);
  const placed = new Set(positions.values());
  if (mounts.some(entry => placed.has(entry.position as number))) return;
  for (const entry of mounts) entry.servesUnseenRouter = true;
}

/**
 * What egg's router dispatches by (@eggjs/router: `router.opts.routerPath || ctx.routerPath || ctx.path`) as a
 * middleware writes it: koa's `path` and `url` (ctx's, its request's), node's `req.url`, which koa reads the path
 * from, and `routerPath`. Not `originalUrl`: neither the router nor egg-path-matching reads it.
 */
const ROUTING_MEMBERS = new Set([ '.path', '.url', '.request.path', '.request.url', '.req.url', '.request.req.url', '.routerPath' ]);

/** A middleware's write of the path egg's router dispatches by. */
interface RoutingWrite {
  /** The statement, as written (`ctx.path = ctx.path.slice(3)`). */
  write: string;
  /** It sets `ctx.routerPath`, which the router reads before `ctx.path`: match/ignore still see the path as requested. */
  routerPath: boolean;
  /**
   * The rest of the chain runs with the path written: false when it is set back before next() (koa-mount sets
   * `ctx.path` for the app it mounts, and back to the path it read, `ctx.path = prev`, before calling upstream).
   */
  forTheRest: boolean;
}

/** `const prev = ctx.path;`: a name (1) that holds what a member path (2) was. */
const SAVED = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)+)\s*[;\n]/g;

/**
 * The first write of a middleware's source to the path egg's router dispatches by (ROUTING_MEMBERS) through its
 * request (its first parameter, or `this`; `context` names it when the source is not the middleware's own, as a
 * factory's), a routerPath write and one kept for the rest of the chain first. Read from the text with patterns, as
 * lib/facts/filter-state.ts reads writes: a write it misses goes unseen.
 */
export function routingWrite(source: string, context?: string): RoutingWrite | undefined {
  const blanked = literalsBlanked(source);
  const [ request, next ] = context ? [ context ] : [ ...firstParameters(source) ];
  const target = (match: RegExpMatchArray) => `${match[1]}${match[2].replace(/\s+/g, '')}`;
  const writes = [ ...blanked.matchAll(ASSIGNMENT) ]
    .filter(match => (match[1] === 'this' || match[1] === request) && ROUTING_MEMBERS.has(target(match).slice(match[1].length)));
  if (!writes.length) return undefined;
  const at = (match: RegExpMatchArray) => match.index ?? 0;
  const statement = (match: RegExpMatchArray) => {
    const end = /[;\n]/.exec(blanked.slice(at(match)))?.index;
    return source.slice(at(match), end === undefined ? undefined : at(match) + end).trim();
  };
  const saved = new Set([ ...blanked.matchAll(SAVED) ]
    .filter(match => writes.some(write => target(write) === match[2].replace(/\s+/g, ''))).map(match => match[1]));
  const restores = writes.filter(write => saved.has(statement(write).slice(write[0].length).trim()));
  // Where the rest of the chain may run: each use of next after its parameter.
  const calls = next === undefined ? [] : [ ...blanked.matchAll(new RegExp(`(?<![\\w$.])${next.replace(/[$]/g, '\\$&')}(?![\\w$])`, 'g')) ].slice(1).map(at);
  const kept = writes.filter(write => !restores.includes(write) && (!calls.length ||
    calls.some(call => call > at(write) && !restores.some(restore => at(restore) > at(write) && at(restore) < call))));
  const routerPath = (write: RegExpMatchArray) => write[2].replace(/\s+/g, '') === '.routerPath';
  const shown = kept.find(routerPath) ?? kept[0] ?? writes.find(routerPath) ?? writes[0];
  return { write: statement(shown), routerPath: routerPath(shown), forTheRest: kept.length > 0 };
}

/**
 * The routers whose dispatch function runs inside a middleware of the chain (handed out, not itself in the chain)
 * while the chain holds a function egg did not load that sets the path for what it runs, as koa-mount does
 * (`app.use(mount('/v2', app.router.routes()))`): such a router serves its routes under a prefix nothing tells, which
 * neither the global middleware's match/ignore nor the policy's patterns see.
 */
function pathRewritten(egg: MiddlewareSource, middleware: MiddlewareFact[], stacks: RouterLayer[][]): Set<RouterLayer[]> {
  const chain = egg.middleware ?? [];
  // A router's own dispatch writes ctx.routerPath for the route it found.
  const rewrites = middleware.some(entry => (entry.group !== 'router' || entry.mount) && entry.position !== null && !loadedByEgg.has(chain[entry.position]) &&
    routingWrite(sourceOf(chain[entry.position])));
  if (!rewrites) return new Set();
  return new Set(stacks.filter(stack => [ ...handedOut.get(stack) ?? [] ].some(fn => !chain.includes(fn as (typeof chain)[number]))));
}

/** The controller function for `'home.index'` strings, as egg's router resolves them. */
function resolveHandler(controllers: unknown, handler: unknown): Record<symbol, unknown> | undefined {
  let target = handler;
  if (typeof handler === 'string') {
    target = handler.split('.').reduce<unknown>((node, key) => (node as AnyRecord | undefined)?.[key], controllers);
  }
  return typeof target === 'function' ? target as unknown as Record<symbol, unknown> : undefined;
}

/**
 * A function named like one of the app's middleware factories (`async function auth(ctx, next)`) that no
 * `app.middleware.auth(…)` call made: a stand-in or another module's function, not that middleware.
 */
function imitatesFactory(fn: unknown, factories: Record<string, unknown>, shownName?: string): boolean {
  if (typeof fn !== 'function' || createdBy.has(fn)) return false;
  const name = shownName ?? (fn as NamedFunction)._name ?? fn.name;
  return Object.prototype.hasOwnProperty.call(factories, name) && typeof factories[name] === 'function';
}

function functionName(fn: unknown): string {
  if (typeof fn !== 'function') return '<unknown>';
  return createdBy.get(fn) || (fn as NamedFunction)._name || fn.name || '<anonymous>';
}

/** The audit's stand-in for what an extension getter caches by calling `app.middleware.<name>()` (lib/facts/offline.ts). */
export function madeByFactory(fn: object, name: string): void {
  createdBy.set(fn, name);
}

const madeByOneOfFactories = new WeakMap<object, NonNullable<RouteStep['unidentified']>>();

/**
 * The audit's stand-in for what an extension getter caches when its text calls several factories, or one by a
 * computed name (lib/facts/offline.ts): which middleware it is, only boot can tell.
 */
export function madeByOneOf(fn: object, unidentified: NonNullable<RouteStep['unidentified']>): void {
  madeByOneOfFactories.set(fn, unidentified);
}

/**
 * The audit loads no extension: the stand-in it caches for a getter carries under this key the directory of the
 * plugin, framework or app whose app/extend defines that getter.
 */
export const EXTENDED_BY = Symbol('egg-sentinel.extendedBy');

/**
 * Whether `fn`, cached by the app's `name` getter under `Symbol('Application#<name>')`, comes from the plugin or
 * framework that writes the `name` middleware factory, as egg-jwt writes both `app.jwt` and `jwt`: then it is that
 * middleware's author's. One the app's own app/extend caches, or another plugin's, is not. The getter is compared by
 * identity with those of the extension modules egg's loader required from that plugin's app/extend.
 */
/** The innermost load unit (plugin, framework, app) whose directory holds `file`. */
function loadUnitOf<Unit extends { path: string }>(units: readonly Unit[], file: string): Unit | undefined {
  return units.filter(unit => file.startsWith(unit.path + path.sep)).sort((a, b) => b.path.length - a.path.length)[0];
}

/**
 * A function of the app's that egg runs as a middleware (the one its factory made, inside egg's match/ignore
 * wrapper) and that calls next() for every request and answers none, not even with an error (a 401): as a guard it
 * refuses nothing (a factory's no-op when unconfigured; black-box round 41, h1 F2). Only the live function: the
 * audit's stand-in reads one of its factory's returns, which may not be the one that ran.
 */
function refusesNothing(fn: object, fact: MiddlewareFact, scope: PassScope, built: { factory: unknown; options: unknown }, reading: Pick<GuardReading, 'forwarded' | 'config' | 'bootHooks'>): Pick<MiddlewareFact, 'neverRefuses'> {
  const made = unwrappedMatch(fn);
  // The audit's stand-in, inside egg's match/ignore wrapper too (review of round 41, h4 F4).
  if (fact.file === undefined || fact.neverRefuses || fact.origin !== 'app' || STAND_IN in made || STOOD_IN_SOURCE in fn) return {};
  const does = ownCodeRefusesNothing(Function.prototype.toString.call(made), fact.name, scope, built, reading);
  return does ? { neverRefuses: { file: fact.file, does } } : {};
}

/**
 * What a guard's own code does instead of refusing, when it never refuses (refusesNothing); `built` undefined for a
 * guard given to a route, whose call's options are not known (its opening clause on them is not asked).
 */
function ownCodeRefusesNothing(source: string, name: string, scope: PassScope, built: { factory: unknown; options: unknown } | undefined,
  reading: Pick<GuardReading, 'forwarded' | 'config' | 'bootHooks'>): string | undefined {
  if (passesThrough(source, { ...scope, errorsAnswer: true })) return OWN_CODE_REFUSES_NOTHING;
  const settings = { options: built?.options ?? {}, config: reading.config ?? {}, env: process.env };
  const unconfigured = typeof built?.factory === 'function' ? unconfiguredPass(source, Function.prototype.toString.call(built.factory), settings, reading.bootHooks) : undefined;
  if (unconfigured) return unconfiguredDetail(unconfigured, name);
  // A refusal that falls through to next() is the plainer account of a conditional that tests only the client too.
  const next = GUARD_PARAMETERS.exec(source)?.[2];
  const unreturned = next === undefined ? undefined : fallThroughRefusal(source, bodyStart(source), next);
  if (unreturned && next) return fallThroughDetail(unreturned, next);
  const optional = clientSkippedCheck(source, scope, { ...reading, factory: built && factoryScope(built) });
  return optional ? clientSkippedDetail(optional) : undefined;
}

/**
 * A function given to a route that one of the app's own middleware factories made (`app.middleware.loginRequired()`)
 * and that never refuses a request, read as the global chain's guards are (ownCodeRefusesNothing): its factory's file
 * and what it does; read once per factory and source.
 */
function routeGuardRefusesNothing(app: MiddlewareSource, fn: unknown): RouteStep['refusesNothing'] {
  const name = typeof fn === 'function' ? createdBy.get(fn) : undefined;
  const file = name === undefined ? undefined : factoryFileOf(app, name);
  if (name === undefined || file === undefined || !app.baseDir || STAND_IN in (fn as object) || STOOD_IN_SOURCE in (fn as object)) return undefined;
  let known = routeRefusalsBySource.get(app);
  if (!known) {
    routeRefusalsBySource.set(app, known = Object.assign(new Map(), { origin: originResolver(app),
      contextHas: appContextHas(app.context, app.loader.getLoadUnits?.().map(unit => unit.path) ?? []) }));
  }
  // The app's own, as the global chain's guards are told (a plugin in lib/plugin is a plugin's).
  if (known.origin(file) !== 'app') return undefined;
  const source = Function.prototype.toString.call(fn);
  const key = `${name}\0${source}`;
  if (!known.has(key)) {
    const scope = { moduleText: readText(file), moduleFile: file, contextHas: known.contextHas };
    const does = ownCodeRefusesNothing(source, name, scope, undefined, { forwarded: forwardedReads(app.config), config: app.config });
    known.set(key, does ? { file: toDisplayPath(app.baseDir, file), does } : undefined);
  }
  return known.get(key);
}

/** Per app, routeGuardRefusesNothing's answer per factory name and source, who wrote which factory file, and what ctx has. */
const routeRefusalsBySource = new WeakMap<object, Map<string, RouteStep['refusesNothing']> & { origin: (file: string) => Origin; contextHas: (name: string) => boolean }>();

/** A middleware's `(ctx, next)`: its two parameters. */
const GUARD_PARAMETERS = /^(?:async\s*)?(?:function\b[^(]*)?\(\s*([A-Za-z_$][\w$]*)\s*,\s*([A-Za-z_$][\w$]*)\s*\)/;

/** What a guard whose refusal falls through to next() (fallThroughRefusal) does instead of refusing. */
function fallThroughDetail(clause: string, next: string): string {
  return `its refusal in \`${clause} { … }\` sets the answer but does not return, so \`${next}()\` after it runs for every request: ` +
    'the controller answers an anonymous request in its place (its body replaces the refusal\'s)';
}

/**
 * The conditional of a guard that holds all its refusals, when its condition reads only what the client sends and
 * compares it with literals (`if (ctx.get('authorization')) { …verify… } await next();`, optional authentication:
 * black-box round 42, h1 F2): a request that does not meet it (no such header) is handed on unchecked. The
 * conditional, when the rest of the guard's code refuses nothing.
 */
function clientSkippedCheck(source: string, scope: PassScope, { forwarded = [], config, factory }: Omit<GuardReading, 'moduleText'>): string | undefined {
  const bodyAt = bodyStart(source);
  const context = contextName(source);
  for (const { condition, start, end, otherwise } of topLevelIfs(source, bodyAt)) {
    const before = source.slice(bodyAt, start);
    const named = readAsCtx(clauseWithNames(condition, context, { before, declarations: () => `${source}\n${scope.moduleText ?? ''}`, factory, config }), context);
    const parts = comparesWithValue(named) ? [] : clientShapedParts(named, clientReads(forwarded));
    // Without the conditional: its `else` runs in its place, for the requests that do not meet it.
    if (parts.length && parts.every(Boolean) && passesThrough(`${source.slice(0, start)}${otherwise}\n${source.slice(end)}`, { ...scope, errorsAnswer: true })) return `if (${condition.trim()})`;
  }
  return undefined;
}

/**
 * Whether a condition compares what it reads with a value, a token the client must know (`ctx.get('x-token') !==
 * 'good'`): a string or RegExp literal other than an empty one, besides the names its reads and calls take
 * (`ctx.get('authorization')`, `.startsWith('Bearer ')`).
 */
function comparesWithValue(condition: string): boolean {
  // Call arguments and computed keys of a member (`ctx.headers['x-token']`), not a list's items (review of round 42, h6 #8).
  const withoutArguments = condition.replace(/\(\s*(['"`])[^'"`]*\1\s*\)|(?<=[\w$)\]]\s*)\[\s*(['"`])[^'"`]*\2\s*\]/g, '()');
  return /(['"`])[^'"`]+\1|\/[^/\n]+\//.test(withoutArguments);
}

/** What a guard whose refusals a client skips (clientSkippedCheck) does instead of refusing. */
function clientSkippedDetail(clause: string): string {
  return `its refusals all sit in \`${clause} { … }\`, which tests only what the client sends: a request shaped not to meet it (without that ` +
    'header, or with any value in it) is handed on by next() unchecked, and an anonymous request goes on to the controller';
}

/**
 * The opening clause of a guard that hands every request on when the settings it runs with say so (`if
 * (!options.secret) return next();` with no secret configured, black-box round 41, h4 F3; a token destructured from
 * the options or aliased, `app.config.adminToken` unset, a kill switch `process.env.AUTH_DISABLED === 'true'` left on,
 * round 43, r43h3 F2): the clause, when its condition reads only its factory's options, the app's config and the
 * environment (boot-settings.ts) and holds with the values they have at boot: the options egg built the middleware
 * with, the config, and this process's environment. Compiled from its own text and asked in a sandbox.
 */
function unconfiguredPass(source: string, factorySource: string, settings: Record<SettingRoot, unknown>, bootHooks = ''): string | undefined {
  const clause = [ ...source.matchAll(METHOD_GUARD_CLAUSE) ][0];
  const bodyAt = bodyStart(source);
  if (!clause || CHECKED_BEFORE.test(literalsBlanked(source.slice(bodyAt, clause.index)))) return undefined;
  const reads = settingReads(clause[1], 'settings', { factorySource, guardSource: source, before: source.slice(bodyAt, clause.index), context: contextName(source) });
  // A config key the app's boot hooks write may be set after this check (a secret fetched in willReady; black-box
  // round 44, r44h1 F1): not asked at boot.
  if (reads?.paths.some(path => path[0] === 'config' && writesConfigKey(bootHooks, path.slice(1)))) return undefined;
  const json = reads && settingsJson(reads.paths, settings);
  if (!reads || json === undefined) return undefined;
  const holds = sandboxedCondition('settings', 'input', reads.condition);
  try {
    return holds?.(json) ? `if (${clause[1].trim()})` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether boot hook code (comments and strings blanked) assigns config key `path` (`this.app.config.adminToken = …`,
 * `app.config['adminToken'] = …`) or assigns into its parent wholesale (`Object.assign(app.config, …)`). Hooks that
 * run before the check (configWillLoad) count too: a false skip leaves a clause unread, never a guard refused.
 */
function writesConfigKey(code: string, path: readonly string[]): boolean {
  const chain = path.map(part => String.raw`(?:\s*\.\s*${escaped(part)}|\s*\[\s*['"\`]${escaped(part)}['"\`]\s*\])`);
  const blanked = literalsBlanked(code);
  const parent = chain.slice(0, -1).join('');
  return new RegExp(String.raw`\bconfig${chain.join('')}\s*(?:\|\||\?\?|&&)?=(?![=>])|\bObject\.assign\s*\(\s*[\w$.]*\bconfig${parent}\s*,`).test(blanked);
}

/** The text of the app's own boot hook files (app.js, app.ts at its root), read once per app: '' without them. */
function appBootHooksText(egg: MiddlewareSource): string {
  let text = bootHooksTexts.get(egg);
  if (text === undefined) {
    const { baseDir } = egg;
    bootHooksTexts.set(egg, text = baseDir ? [ 'app.js', 'app.ts' ].map(file => readText(path.join(baseDir, file)) ?? '').join('\n') : '');
  }
  return text;
}
const bootHooksTexts = new WeakMap<object, string>();

/** A function's first parameter: a factory's options (`(options, app) =>`, `function (opts)`, `options =>`), a middleware's ctx. */
const FIRST_PARAMETER_NAME = /^(?:async\s*)?(?:function\b[^(]*)?\(?\s*([A-Za-z_$][\w$]*)/;

/** The factory egg loaded under `name` and the options it built the middleware with (a hook may change app.config since). */
function builtWith(egg: MiddlewareSource, name: string): { factory: unknown; options: unknown } {
  const factory = egg.middlewares?.[name] as FactoryMark | undefined;
  return { factory: factory?.[FACTORY]?.factory ?? factory, options: optionsAtLoad.get(egg.loader)?.get(name) ?? egg.config[name] };
}

/** What a guard's clauses may read of its factory: the name of its first parameter and the options egg built the guard with. */
function factoryScope(built: { factory: unknown; options: unknown }): ClauseScope['factory'] {
  const parameter = typeof built.factory === 'function' ? FIRST_PARAMETER_NAME.exec(Function.prototype.toString.call(built.factory))?.[1] : undefined;
  return parameter === undefined ? undefined : { parameter, options: built.options };
}

/** What a guard whose opening clause holds for the settings it runs with does instead of refusing (values not shown: they may be secrets). */
function unconfiguredDetail(clause: string, name: string): string {
  return `its opening clause \`${clause}\` holds for what it reads at boot (the options egg built it with, config.${name}; the app's config; ` +
    'the environment), so it calls next() for every request and an anonymous one goes on to the controller';
}

/** Whether a middleware's source writes ctx.body (`ctx.body =`, `this.body =`) or hands its ctx to a function it calls. */
function writesBody(source: string): boolean {
  const head = /^(?:async\s*)?(?:function\b[^(]*)?\(\s*([A-Za-z_$][\w$]*)[^)]*\)/.exec(source);
  const context = head?.[1] ?? 'ctx';
  // Its body: the parameter list is no call that hands ctx on.
  const code = literalsBlanked(source.slice(head?.[0].length ?? 0));
  return /\.\s*body\s*=(?!=)/.test(code) || new RegExp(`[\\w$)]\\s*\\([^()]*(?<![\\w$.])${context.replace(/\$/g, '\\$')}\\s*[,)]`).test(code);
}

/** The function a middleware factory made, when `fn` is egg's match/ignore wrapper around it; else `fn`. */
function unwrappedMatch(fn: object): object {
  return wrappedByMatch.get(fn) ?? fn;
}

/** What a guard's own code that calls next() for every request and answers none does instead of refusing. */
const OWN_CODE_REFUSES_NOTHING = 'the function egg runs for it calls next() for every request and answers none (no 401, no ctx.throw()), ' +
  'so an anonymous request goes on to the controller';

/** The file of the middleware factory egg loaded under `name`, as its loader recorded it (FULLPATH). */
function factoryFileOf(app: MiddlewareSource, name: string): string | undefined {
  const file = (app.middlewares?.[name] as Record<symbol, unknown> | undefined)?.[app.loader.FileLoader.FULLPATH];
  return typeof file === 'string' ? file : undefined;
}

/** The text of that factory's module (what a guard's code names from it); '' without one. */
function factoryModuleText(app: MiddlewareSource, name: string): string {
  const file = factoryFileOf(app, name);
  return file === undefined ? '' : readText(file) ?? '';
}

function ownExtension(app: MiddlewareSource, fn: unknown, name: string): boolean {
  const file = factoryFileOf(app, name);
  if (file === undefined) return false;
  const unit = loadUnitOf(app.loader.getLoadUnits?.() ?? [], file);
  if (!unit || unit.type === 'app') return false;
  const extendedBy = (fn as { [EXTENDED_BY]?: unknown })[EXTENDED_BY];
  if (extendedBy !== undefined) return extendedBy === unit.path;
  const getter = Object.getOwnPropertyDescriptor(app, name)?.get;
  if (!getter) return false;
  const extendDir = path.join(realPathOrAbsolute(unit.path), 'app', 'extend') + path.sep;
  return Object.entries(require.cache).some(([ cached, loaded ]) => {
    if (!cached.startsWith(extendDir) || !path.basename(cached).startsWith('application')) return false;
    const exported = loaded?.exports as { __esModule?: boolean; default?: object } | undefined;
    const extension = exported?.__esModule && exported.default ? exported.default : exported;
    return extension !== undefined && Object.getOwnPropertyDescriptor(extension, name)?.get === getter;
  });
}

/**
 * The name of a route function a plugin built once and keeps on the app under `Symbol('Application#<name>')`, egg
 * plugins' convention for what an extension getter caches (egg-jwt's `app.jwt`, a koa-jwt2 middleware named
 * `middleware`, the form its README gives for routes): known by that name, as `app.middleware.jwt()` would be. Own
 * data properties only: no getter runs.
 */
function extensionName(app: object, fn: unknown): string | undefined {
  for (const symbol of Object.getOwnPropertySymbols(app)) {
    if (Object.getOwnPropertyDescriptor(app, symbol)?.value !== fn) continue;
    const name = /^Application#([A-Za-z_$][\w$]*)$/.exec(symbol.description ?? '')?.[1];
    if (name) return name;
  }
  return undefined;
}


export interface MiddlewareFacts {
  middleware: MiddlewareFact[];
  availableMiddleware: string[];
  routes: RouteFact[];
  securityScopes: SecurityScopeFact[];
  siteFileHandlers: string[];
  securityOverrides: SecurityOverrideFact[];
  builtOptions: Record<string, unknown>;
  replacedMiddleware: ReplacedMiddlewareFact[];
  /** Key paths of the app's config a global middleware's or egg-security protection's match/ignore function read while asked (`auth.publicPaths`). */
  configReadByFilters: string[];
}

const WRAPPER_SUFFIX = /(middlewareWrapper|DebugWrapper)+$/;
/** The body of a middleware that hands the request to a router (`router.middleware()(ctx, next)`, egg-router-plus). */
const ROUTER_MOUNT = /\.(?:middleware|routes)\(\)\s*\(/;

/**
 * `pluginRealDirs`: the enabled plugins' package directories with symlinks resolved, when the caller has them (the
 * plugin facts do); read from egg.plugins otherwise.
 */
export function collectMiddlewareFacts(egg: MiddlewareSource, relative: (file: string) => string, pluginRealDirs?: readonly string[]): MiddlewareFacts {
  const modules = loadEggModules(egg.loader.eggPaths ?? [], egg.options.pathToRegexpModule);
  // Read once, when first asked: the chain's placement, the filters' modules and the securityOptions search share it.
  let loaded: Map<string, string> | undefined;
  const appFiles = () => (loaded ??= loadedAppFiles(egg.baseDir));
  const middleware = collectChain(egg, relative, originResolver(egg, pluginRealDirs), appFiles);
  const filters = new Map<string, RequestFilter>();
  // Paths a filter function reads from the app's state (`ctx.app.config.publicPaths.includes(ctx.path)`): each is asked
  // once before the probes are made, so what it reads is tried as a request path too.
  const appPaths = new Set<string>();
  // And the keys of the app's config it reads there: a write to one after the check is judged again (lib/config-watch.ts).
  const configReadByFilters = new Set<string>();
  const definedBy = filterModules(egg, middleware, appFiles);
  for (const entry of middleware) {
    if (entry.position === null || !(entry.match || entry.ignore)) continue;
    const filter = compileFilter(modules, entry, egg, appPaths, configReadByFilters);
    filters.set(entry.name, filter);
    const unseen = definedBy.get(entry.name)?.unseen;
    if (unseen?.length) unseenByFilter.set(filter, unseen);
    if (containsFunction(entry.match || entry.ignore)) {
      filter('/', 'GET');
      // Its own options too, which a function may read through its closure (`ctx => config.auth.publicPaths…`; h7 F4).
      configReadByFilters.add(entry.name);
    }
  }
  const stacks = routeStacks(egg);
  const positions = dispatchPositions(egg, middleware, stacks);
  markUnseenMounts(egg, middleware, positions);
  const routes = collectRoutes(egg, modules, middleware, filters, relative, stacks, positions,
    probeTokens(egg, middleware, stacks, appPaths, definedBy), pathRewritten(egg, middleware, stacks));
  // Routes with the same chain share one array: look at each distinct chain once.
  const chains = [ ...new Set(routes.map(route => route.chain)) ];
  for (const entry of middleware) {
    const filter = filters.get(entry.name);
    if (!filter) continue;
    const kind = entry.match ? 'match' : 'ignore';
    const runsForSomeRoute = chains.some(chain => chain.some(step => step.name === entry.name && step.level === 'global' && step.runs !== 'never'));
    entry.filter = { summary: `${kind}: ${describePattern(entry[kind])}`, skipsEveryPath: !runsForSomeRoute && !mayRunAtRoot(filter) };
  }
  const factories = Object.entries(egg.middlewares ?? {}).filter(([ , factory ]) => typeof factory === 'function');
  return {
    middleware, availableMiddleware: factories.map(([ name ]) => name), routes, securityScopes: collectSecurityScopes(egg, modules, routes, configReadByFilters),
    siteFileHandlers: siteFileHandlers(egg.config.siteFile, middleware), securityOverrides: securityOverridesOf(appFiles(), relative),
    builtOptions: Object.fromEntries(middleware.filter(entry => entry.changedAfterLoad).map(entry => [ entry.name, optionsAtLoad.get(egg.loader)?.get(entry.name) ])),
    replacedMiddleware: replacedMiddleware(egg, relative), configReadByFilters: [ ...configReadByFilters ],
  };
}

/** A middleware file name as egg's loader names the factory (caseStyle `lower`): `body_parser.js` is bodyParser. */
function middlewareName(file: string): string {
  const stem = file.replace(/\.[^.]+$/, '').replace(/[_-][a-z]/gi, part => part.slice(1).toUpperCase());
  return stem.charAt(0).toLowerCase() + stem.slice(1);
}

/**
 * Middleware factories a plugin's app/middleware file replaced: egg's loader reads every load unit's app/middleware
 * with `override`, so a plugin loaded later (one that depends on egg-security) that has a file of the same name
 * silently takes the place of the earlier one's (`securities`, `session`, a guard), keeping its name and its place in
 * the chain. The app and its framework may replace what they like.
 */
function replacedMiddleware(egg: MiddlewareSource, relative: (file: string) => string): ReplacedMiddlewareFact[] {
  const units = egg.loader.getLoadUnits?.() ?? [];
  const FULLPATH = egg.loader.FileLoader.FULLPATH;
  // Each unit's app/middleware files by the name egg gives them, read once, when a plugin's file won a name.
  let byUnit: Map<object, Array<{ name: string; file: string }>> | undefined;
  const middlewareFiles = () => (byUnit ??= new Map(units.map(unit => {
    const dir = path.join(unit.path, 'app', 'middleware');
    return [ unit, safeReaddir(dir).filter(entry => /\.(?:[cm]?js|ts)$/.test(entry) && !entry.endsWith('.d.ts'))
      .map(entry => ({ name: middlewareName(entry), file: path.join(dir, entry) })) ];
  })));
  return Object.entries(egg.middlewares ?? {}).flatMap(([ name, factory ]): ReplacedMiddlewareFact[] => {
    const file = (factory as Record<symbol, unknown> | undefined)?.[FULLPATH];
    if (typeof file !== 'string') return [];
    const winner = loadUnitOf(units, file);
    if (!winner || winner.type !== 'plugin') return [];
    const files = middlewareFiles();
    const replaced = units.filter(unit => unit !== winner).flatMap(unit => (files.get(unit) ?? []).filter(entry => entry.name === name).map(entry => relative(entry.file)));
    const plugin = Object.entries(egg.plugins ?? {}).find(([ , entry ]) => typeof entry.path === 'string' && isInside(file, entry.path as string));
    return replaced.length ? [{ name, file: relative(file), replaced, ...(plugin && { plugin: plugin[0], ...(typeof plugin[1].package === 'string' && { package: plugin[1].package }) }) }] : [];
  });
}

/**
 * The request paths egg's siteFile middleware (in coreMiddleware, ahead of every app middleware) answers with a
 * function of the app's, which may serve anything; a Buffer (robots.txt) or a URL to redirect to serves no data.
 */
function siteFileHandlers(siteFile: unknown, middleware: readonly MiddlewareFact[]): string[] {
  if (!siteFile || typeof siteFile !== 'object' || !middleware.some(entry => entry.name === 'siteFile' && entry.position !== null)) return [];
  return Object.entries(siteFile).filter(([ requestPath, content ]) => requestPath.startsWith('/') && typeof content === 'function').map(([ requestPath ]) => requestPath);
}

/**
 * Skipping every route and `/` is skipping everything: whether the filter may run for `/`. A filter that looks at
 * more than the path is not judged to skip everything.
 */
function mayRunAtRoot(filter: RequestFilter): boolean {
  const root = filter('/', 'GET');
  return root.runs || root.readsMethod || root.otherReads.length > 0 || root.error !== undefined || root.unstable === true;
}

/**
 * egg-security's protections with `match`/`ignore` (egg-security compiles each with egg-path-matching, as egg-core
 * does a middleware's), each judged against every route's probes and `/`.
 */
function collectSecurityScopes(egg: MiddlewareSource, modules: EggModules, routes: RouteFact[], configKeys: Set<string>): SecurityScopeFact[] {
  const security = egg.config.security;
  if (!security || typeof security !== 'object') return [];
  return Object.entries(security as AnyRecord).flatMap(([ name, options ]): SecurityScopeFact[] => {
    if (!options || typeof options !== 'object') return [];
    const { match, ignore } = options as AnyRecord;
    if (!match && !ignore) return [];
    const kind = match ? 'match' : 'ignore';
    let filter: RequestFilter;
    try {
      filter = compileFilter(modules, kind === 'match' ? { match } : { ignore }, egg, new Set(), configKeys);
    } catch {
      // egg-security would have refused it at boot; nothing to judge.
      return [];
    }
    // Only a function reads more than the path: its reads are gathered over every probe, a string or RegExp stops at the first run.
    const asksFunction = containsFunction(kind === 'match' ? match : ignore);
    const clientReads = new Set<string>();
    const outside = new Set<string>();
    const gather = (outcome: FilterOutcome) => {
      for (const read of outcome.otherReads) clientReads.add(read);
      for (const name of outcome.outside ?? []) outside.add(name);
    };
    if (asksFunction) gather(filter('/', 'POST'));
    let runsForSomeRoute = false;
    // csrf checks POST, PUT… and never GET: whether it runs for a route's GET says nothing, so its every request is asked;
    // xframe's are the pages it leaves frameable.
    const skippedRequests = name === 'csrf' || name === 'xframe' ? [] as string[] : undefined;
    const askEvery = asksFunction || skippedRequests !== undefined;
    for (const route of routes) {
      for (const probe of route.probes) {
        for (const method of route.methods) {
          const outcome = filter(probe, method);
          gather(outcome);
          const mayRun = outcome.runs || outcome.otherReads.length > 0 || outcome.error !== undefined || outcome.unstable === true;
          runsForSomeRoute ||= mayRun;
          if (!mayRun) skippedRequests?.push(`${method} ${probe}`);
        }
        if (runsForSomeRoute && !askEvery) break;
      }
      if (runsForSomeRoute && !askEvery) break;
    }
    const [ sticky ] = stickyRegExps(kind === 'match' ? match : ignore);
    return [{
      name, kind, summary: `${kind}: ${describePattern(kind === 'match' ? match : ignore)}`, skipsEveryPath: !runsForSomeRoute && !mayRunAtRoot(filter),
      ...(clientReads.size && { clientReads: [ ...clientReads ] }), ...(outside.size && { outside: [ ...outside ] }), ...(sticky && { sticky: String(sticky) }),
      ...(skippedRequests && { skippedRequests }),
    }];
  });
}

function collectChain(egg: MiddlewareSource, relative: (file: string) => string, origin: (file: string) => Origin, appFiles: () => ReadonlyMap<string, string>): MiddlewareFact[] {
  const config = egg.config;
  const core = asStringArray(config.coreMiddleware);
  const appList = asStringArray(config.appMiddleware);
  const describe = (name: string, position: number | null): MiddlewareFact => {
    const group = core.includes(name) ? 'core' : appList.includes(name) ? 'app' : 'other';
    // egg applies config[name] (enable, match, ignore) only to the middleware it loads from those two lists.
    const configured = group !== 'other' && config[name] && typeof config[name] === 'object';
    // What egg built the middleware with, which a hook may have changed (or replaced) in app.config since.
    const built = group !== 'other' ? optionsAtLoad.get(egg.loader)?.get(name) as AnyRecord | undefined : undefined;
    const options = (built ?? (configured ? config[name] : {})) as AnyRecord;
    const changed = built && position !== null ? changedOptions(fixedAtLoad(name, built), fixedAtLoad(name, config[name])) : [];
    const fullPath = factoryFileOf(egg, name);
    const fact: MiddlewareFact = { name, position, group, enable: options.enable !== false, match: options.match, ignore: options.ignore,
      ...(changed.length && { changedAfterLoad: changed }) };
    if (!fullPath) return fact;
    const neverRefuses = neverRefusing(fullPath);
    return { ...fact, file: relative(fullPath), origin: origin(fullPath), ...(neverRefuses && { neverRefuses }) };
  };
  // A function the app gave to app.use() (or put into the chain itself) is known by the file that writes it.
  let contextHas: ((name: string) => boolean) | undefined;
  const placedAtUse = (fact: MiddlewareFact, fn: object, source: string): MiddlewareFact => {
    const unplaced = fact.group === 'other' && !fact.file;
    const usedAt = unplaced ? definedAtUse(fn, source, appFiles) : undefined;
    // A package's middleware the app put in the chain (`app.use(serve(dir))`) is the app's, placed at that call.
    const site = unplaced && !usedAt ? useSites.get(fn) : undefined;
    const usedPackage = site === undefined ? undefined : packageWriting(source, site);
    const placedAt = usedAt ?? (usedPackage === undefined ? undefined : site);
    const placed = placedAt ? { ...fact, file: relative(placedAt), origin: origin(placedAt), ...(usedPackage !== undefined && { package: usedPackage }) } : fact;
    const known = usedPackage === undefined ? undefined : knownPackageMiddleware(usedPackage);
    if (known?.handsOn) return { ...placed, passesThrough: true };
    const answering = known?.answersOnly ? { ...placed, answersOnly: known.answersOnly } : placed;
    // The module that defines it tells what it closes over (an AsyncLocalStorage it hands next to).
    const file = usedAt ?? factoryFileOf(egg, fact.name);
    const moduleText = file === undefined ? undefined : readText(file);
    contextHas ??= appContextHas(egg.context, egg.loader.getLoadUnits?.().map(unit => unit.path) ?? []);
    const scope = { moduleText, moduleFile: file, contextHas };
    // Its own code: egg's match/ignore wrapper only adds a `return next()` for the requests it skips (round 42, h2 F1).
    const handsOn = passesThrough(sourceOf(unwrappedMatch(fn)), scope);
    // As a guard, whether it refuses nothing: read inside egg's match/ignore wrapper, with the options egg built it with.
    const refusing = refusesNothing(fn, placed, scope, builtWith(egg, fact.name), { forwarded: forwardedReads(config), config, bootHooks: appBootHooksText(egg) });
    if (handsOn) return { ...answering, passesThrough: true, ...refusing };
    // A middleware file that hands on a package's (`module.exports = require('koa-compress')`, as egg's guide shows):
    // what that package's middleware does, as read by hand (black-box round 40, h5 F1).
    const reexported = usedPackage === undefined && file !== undefined && moduleText !== undefined && !moduleText.includes(source) ? packageWriting(source, file) : undefined;
    if (reexported !== undefined && knownPackageMiddleware(reexported)?.handsOn) return { ...answering, passesThrough: true };
    return { ...answering, ...refusing, ...(writesBody(sourceOf(unwrappedMatch(fn))) && { writesBody: true as const }) };
  };
  const entry = (fn: NamedFunction, position: number): MiddlewareFact => {
    const dispatched = dispatchedRouter(fn);
    if (dispatched) return { name: 'router', position, group: 'router', enable: true, ...(dispatched !== egg.router && { mount: true }) };
    const name = (fn._name ?? fn.name).replace(WRAPPER_SUFFIX, '');
    // egg 3 names the router middleware `dispatch` (no _name); egg 4 `routerMiddleware`.
    if (name === 'dispatch' || name === 'routerMiddleware') return { name: 'router', position, group: 'router', enable: true };
    // A function that hands requests to a router: egg-router-plus mounts each namespace with an arrow function, an
    // app may with a named one. A named middleware stays one (it may do more), marked as a mount.
    const source = sourceOf(fn);
    const mounts = ROUTER_MOUNT.test(source);
    if (!name && mounts) return { name: 'router', position, group: 'router', enable: true, mount: true };
    if (!name) return placedAtUse(describe('(anonymous)', position), fn, source);
    // A function named like a factory that egg's loader did not put into the chain and no app.middleware.<name>()
    // made is not that middleware (`async function auth(ctx, next) { await next(); }`, a `_name` set by hand too).
    if (recordedLoads.has(egg.loader) && !loadedByEgg.has(fn) && imitatesFactory(fn, egg.middlewares ?? {}, name)) {
      return { name: imitationName(name), position, group: 'other', enable: true };
    }
    if (mounts) return { ...describe(name, position), mount: true };
    return placedAtUse(describe(name, position), fn, source);
  };
  const chain = (egg.middleware ?? []).map((fn, position): MiddlewareFact => {
    const fact = entry(fn, position);
    // A router's own dispatch (egg's, or another router's routes() given to app.use()) writes ctx.routerPath for the
    // route it found, once it matched it; a function mounting one may rewrite first.
    if (fact.group === 'router' && (!fact.mount || dispatchedRouter(fn))) return fact;
    // egg's match/ignore wrapper (and koa-convert's, for a generator) hides the function its factory returned.
    const factory = fact.group === 'core' || fact.group === 'app' ? egg.middlewares?.[fact.name] : undefined;
    const write = [ routingWrite(sourceOf(fn)), typeof factory === 'function' ? factoryRoutingWrite(factory) : undefined ].find(found => found?.forTheRest);
    return write ? { ...fact, rewritesRoute: { write: write.write, routerPath: write.routerPath } } : fact;
  });
  // egg leaves `enable: false` middleware out of the chain; list them so rules can say why they are missing.
  const absent = [ ...core, ...appList ].filter(name => !chain.some(entry => entry.name === name));
  return [ ...chain, ...absent.map(name => describe(name, null)) ];
}

/**
 * The audit runs no middleware factory (it would run app code): a stand-in takes each one's place, carrying under
 * this key the source of the function its factory returns, as far as the factory's own source shows it (and the
 * stand-in factory, the source of the factory).
 */
export const STOOD_IN_SOURCE = Symbol('egg-sentinel.stoodInSource');
/** Set on each stand-in the audit makes: its own code is no middleware's. */
export const STAND_IN = Symbol('egg-sentinel.standIn');

function sourceOf(fn: object): string {
  return (fn as { [STOOD_IN_SOURCE]?: string })[STOOD_IN_SOURCE] ?? Function.prototype.toString.call(fn);
}

/** The routing write of the function a middleware factory returns, read from the factory's source. */
function factoryRoutingWrite(factory: object): RoutingWrite | undefined {
  // The app's own factory behind egg-sentinel's recording wrappers (of any copy): its source tells what it makes.
  const source = sourceOf((factory as FactoryMark)[FACTORY]?.factory ?? factory);
  const returned = returnedMiddlewareSource(source);
  // No `(ctx, next)` function in it: a generator middleware (`function* (next)`), whose request is `this`.
  return returned === undefined ? routingWrite(source, 'this') : routingWrite(returned);
}

const MIDDLEWARE_HEAD = /(?:async\s*)?(?:function\b[^(]*)?\(\s*[A-Za-z_$][\w$]*\s*,\s*[A-Za-z_$][\w$]*\s*\)\s*(?:=>\s*)?\{/g;

/**
 * The source of the `(ctx, next)` function a middleware factory returns, from the factory's source: from the first
 * two-parameter function head that is not the factory's own (`(options, app) => {`) to the end. Undefined when there
 * is none (a factory that builds its middleware elsewhere).
 */
export function returnedMiddlewareSource(factorySource: string): string | undefined {
  for (const match of factorySource.matchAll(MIDDLEWARE_HEAD)) if (match.index !== 0) return factorySource.slice(match.index);
  return undefined;
}

type Origin = NonNullable<MiddlewareFact['origin']>;

/**
 * Who wrote a factory file: the owner of the innermost directory holding it among the app, the enabled plugins and
 * egg or the framework, since each can sit inside another (a plugin in the app's node_modules or lib/plugin, an app
 * inside a plugin's repository); a file in none of them is the app's (shared code of a monorepo). Real paths: a
 * symlinked node_modules must not make egg's own middleware look like the app's.
 */
function originResolver(egg: MiddlewareSource, pluginRealDirs?: readonly string[]): (file: string) => Origin {
  const realPath = realPathResolver();
  const plugins = pluginRealDirs ??
    Object.values(egg.plugins ?? {}).flatMap(plugin => (typeof plugin.path === 'string' ? [ realPath(pluginPackageDir(plugin.path)) ] : []));
  const owners: Array<{ dir: string; origin: Origin }> = [
    ...(egg.baseDir ? [{ dir: realPath(egg.baseDir), origin: 'app' as const }] : []),
    ...plugins.map(dir => ({ dir, origin: 'plugin' as const })),
    ...(egg.loader.eggPaths ?? []).map(dir => ({ dir: realPath(frameworkPackageDir(dir)), origin: 'framework' as const })),
  ].map(owner => ({ ...owner, dir: owner.dir + path.sep }))
    // Innermost first; the sort is stable, so an app that is also a plugin's directory stays the app.
    .sort((a, b) => b.dir.length - a.dir.length);
  return file => {
    const real = realPath(file);
    return owners.find(owner => real.startsWith(owner.dir))?.origin ?? 'app';
  };
}

/**
 * Real paths for one collection: a directory is resolved once however many middleware files it holds (one lstat
 * per file then tells a symlinked file, which is resolved by itself).
 */
function realPathResolver(): (file: string) => string {
  const dirs = new Map<string, string>();
  const resolveDir = (dir: string) => {
    let real = dirs.get(dir);
    if (real === undefined) dirs.set(dir, real = realPathOrAbsolute(dir));
    return real;
  };
  return file => {
    const absolute = path.resolve(file);
    let stats: fs.Stats | undefined;
    try {
      stats = fs.lstatSync(absolute);
    } catch {
      return absolute;
    }
    if (stats.isDirectory()) return resolveDir(absolute);
    if (stats.isSymbolicLink()) return realPathOrAbsolute(absolute);
    return path.join(resolveDir(path.dirname(absolute)), path.basename(absolute));
  };
}

function asStringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

type SentinelPolicy = { routes?: SentinelRoutesConfig; middleware?: { required?: string[] } };

function sentinelPolicy(egg: MiddlewareSource): SentinelPolicy {
  return (egg.config.sentinel ?? {}) as SentinelPolicy;
}

/** The middleware the policy requires or guards protected routes by. */
function policyGuards(policy: SentinelPolicy): Set<string> {
  return new Set([ ...(policy.routes?.protect ?? []).flatMap(entry => entry.by), ...policy.middleware?.required ?? [] ]);
}

/** passedMethods of a global middleware's own code (inside egg's match/ignore wrapper), once per function: probeTokens and collectRoutes both ask. */
const passesOfGlobal = new WeakMap<object, PassedMethods>();

function globalPasses(egg: MiddlewareSource, name: string, fn: object): PassedMethods {
  let passes = passesOfGlobal.get(fn);
  if (!passes) {
    passes = passedMethods(sourceOf(unwrappedMatch(fn)), { moduleText: () => factoryModuleText(egg, name), factory: factoryScope(builtWith(egg, name)),
      forwarded: forwardedReads(egg.config), config: egg.config });
    passesOfGlobal.set(fn, passes);
  }
  return passes;
}

/**
 * The strings the app's filters single requests out by (lib/facts/filter-tokens.ts). The policy's first: those of its
 * guards' match/ignore (`routes.protect[].by`, `middleware.required`), of router.use() paths, of its protect
 * patterns and its public paths, and the paths a filter function reads from the app's state; and, when a router.use()
 * path has parameters, a sample value its own pattern may refuse (`router.use('/files/:id(\\d+)', auth)` skips
 * GET /files/:id for `sentinel`). Then the other global middleware's and egg-security's match/ignore. A guard's
 * function filter may hide its strings: the last segments of the public paths and of the paths it read then fill
 * string routes' parameters too.
 */
function probeTokens(egg: MiddlewareSource, middleware: MiddlewareFact[], stacks: RouterLayer[][], appPaths: Iterable<string>,
  definedBy: ReadonlyMap<string, ModulePaths>): PreparedTokens {
  const policy = sentinelPolicy(egg);
  const protect = policy.routes?.protect ?? [];
  const guards = policyGuards(policy);
  const inChain = middleware.filter(entry => entry.position !== null);
  // Filters (egg-path-matching reads their strings in any case), and paths the router or the policy names; a guard's
  // own clause on the path is read as a filter function is (`ctx.path.endsWith('.js')` probes `/api/users/x.js` for
  // `/api/users/:id`: black-box round 42, h7 F1).
  const policyPatterns: unknown[] = inChain.filter(entry => guards.has(entry.name)).flatMap(entry => {
    const fn = egg.middleware?.[entry.position as number];
    return [ entry.match || entry.ignore, ...(fn && globalPasses(egg, entry.name, fn).pathPicks ? [ unwrappedMatch(fn) ] : []) ];
  });
  // The paths written in the module of a filter function that uses its values or helpers (lib/facts/filter-module.ts).
  const modulePathsOf = (entries: MiddlewareFact[]) => entries.flatMap(entry => definedBy.get(entry.name)?.paths ?? []);
  const policyPaths: Array<string | undefined> = modulePathsOf(inChain.filter(entry => guards.has(entry.name)));
  // What a percent-encoded request escapes: a match, a router.use() path, a protect pattern (see PreparedTokens).
  const escapable: string[] = [ ...filterTokens(inChain.filter(entry => entry.match).map(entry => entry.match)), ...modulePathsOf(inChain.filter(entry => entry.match)) ];
  for (const layer of stacks.flat()) {
    if (layer.methods.length) continue;
    if (typeof layer.path === 'string') {
      policyPaths.push(layer.path);
      escapable.push(...pathTokens(layer.path));
    } else {
      policyPatterns.push(layer.path);
      escapable.push(...filterTokens(layer.path));
    }
    if (layer.paramNames.length) policyPaths.push(SECOND_SAMPLE);
  }
  // What the policy protects: a route that serves such a path is protected by it (`/:section/export`, `/admin/**`).
  for (const entry of protect) {
    for (const pattern of entry.paths) {
      const token = protectToken(pattern);
      policyPaths.push(token);
      escapable.push(...pathTokens(token));
    }
  }
  // What the policy lets through: a filter that skips the guard for a public path (a function over a list of them)
  // skips it for a parameter that takes the same value (`/api/users/login` served by GET /api/users/:id).
  const publicPaths = (policy.routes?.public ?? []).flatMap(entry => (entry.paths ?? [ entry.path ]).map(protectToken));
  const read = [ ...appPaths ];
  policyPaths.push(...publicPaths, ...read);
  const otherPatterns: unknown[] = inChain.filter(entry => !guards.has(entry.name)).map(entry => entry.match || entry.ignore);
  const security = egg.config.security;
  if (security && typeof security === 'object') {
    for (const options of Object.values(security as AnyRecord)) {
      if (!options || typeof options !== 'object') continue;
      const { match, ignore } = options as AnyRecord;
      otherPatterns.push(match || ignore);
      escapable.push(...filterTokens(match));
    }
  }
  // A guard's function may hold the public paths, or those it read from the app, in a list its source does not show.
  const listed = policyPatterns.some(containsFunction) ? [ ...publicPaths, ...read ].filter(token => token !== undefined) : [];
  const otherPaths = modulePathsOf(inChain.filter(entry => !guards.has(entry.name)));
  return prepareTokens([ ...new Set([ ...filterTokens(policyPatterns), ...policyPaths.flatMap(pathTokens) ]) ], [ ...new Set([ ...filterTokens(otherPatterns), ...otherPaths ]) ],
    escapable, listed);
}

/**
 * What the modules of the global middleware's match/ignore functions show (lib/facts/filter-module.ts), by middleware
 * name: only for a function that takes values or helpers from outside itself.
 */
function filterModules(egg: MiddlewareSource, middleware: readonly MiddlewareFact[], appFiles: () => ReadonlyMap<string, string>): Map<string, ModulePaths> {
  const found = new Map<string, ModulePaths>();
  let helperFiles: string[] | undefined;
  const helpers: Helpers | undefined = egg.Helper && {
    prototype: egg.Helper.prototype,
    files: () => (helperFiles ??= extendFiles(egg.loader.getLoadUnits?.().map(unit => unit.path) ?? [], 'helper')),
  };
  for (const entry of middleware) {
    const kind = entry.match ? 'match' : 'ignore';
    if (entry.position === null || !containsFunction(entry[kind]) || !egg.baseDir) continue;
    // A plugin's or framework's default is theirs: only the app's own files are read.
    const provenance = configProvenance(egg, `${entry.name}.${kind}`);
    if (provenance?.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const functions = [ entry[kind] ].flat(Infinity).filter((item): item is (...args: never[]) => unknown => typeof item === 'function');
    for (const fn of functions) {
      const source = Function.prototype.toString.call(fn);
      if (NATIVE_BODY.test(source)) continue;
      const shown = modulePaths(source, () => definingFile(source, provenance, appFiles), egg.baseDir, helpers);
      if (!shown) continue;
      const before = found.get(entry.name);
      found.set(entry.name, before ? { paths: [ ...before.paths, ...shown.paths ], unseen: [ ...new Set([ ...before.unseen, ...shown.unseen ]) ] } : shown);
    }
  }
  return found;
}

/** The file egg's configMeta names for a config key (`auth.ignore`), when one file set it. */
function configProvenance(egg: MiddlewareSource, keyPath: string): string | undefined {
  let node: unknown = egg.loader.configMeta;
  for (const key of keyPath.split('.')) node = typeof node === 'object' && node ? (node as AnyRecord)[key] : undefined;
  return typeof node === 'string' && path.isAbsolute(node) ? node : undefined;
}

/**
 * The app's file that defines a function whose source is `source`: the config file egg's provenance names for the
 * key that holds it when its text holds the source, else a loaded app module whose text does (a helper module the
 * config file requires); else the provenance's file, whose TypeScript egg-sentinel sees transpiled.
 */
function definingFile(source: string, provenance: string | undefined, appFiles: () => ReadonlyMap<string, string>): string | undefined {
  const squeezed = squeeze(source);
  if (provenance && squeezedText(provenance)?.includes(squeezed)) return provenance;
  for (const [ file, text ] of appFiles()) if (text.includes(squeezed)) return file;
  return provenance;
}

/**
 * The names a filter function takes from outside itself whose values its module does not show (ModulePaths.unseen),
 * by filter: a route whose path takes values is unverified for it.
 */
const unseenByFilter = new WeakMap<RequestFilter, string[]>();

/** A parameter value unlike the first sample (`1`): not a number. */
const SECOND_SAMPLE = 'sentinel';

function collectRoutes(
  egg: MiddlewareSource,
  modules: EggModules,
  middleware: MiddlewareFact[],
  filters: Map<string, RequestFilter>,
  relative: (file: string) => string,
  stacks: RouterLayer[][],
  dispatchedAt: Map<RouterLayer[], number | undefined>,
  tokens: PreparedTokens,
  rewritten: ReadonlySet<RouterLayer[]>,
): RouteFact[] {
  const siteSkipDirs = [ modules.routerDir, modules.eggCoreDir, __dirname ];
  // koa-override (egg's overrideMethod) lets a request of one of its allowedMethods (POST) take another method.
  const overrideAt = middleware.find(entry => entry.name === 'overrideMethod' && entry.position !== null)?.position ?? -1;
  const allowed = (egg.config.overrideMethod as { allowedMethods?: unknown } | undefined)?.allowedMethods;
  const overridable = Array.isArray(allowed) ? allowed.filter((method): method is string => typeof method === 'string') : [ 'POST' ];
  // Where the request's method is rewritten before a router dispatches it: overrideMethod, and any middleware whose
  // code assigns it (koa-methodoverride's `req.method = method`, a hand-written `_method` handler), from any method.
  const chain = egg.middleware ?? [];
  const lastRouterAt = Math.max(-1, ...middleware.filter(entry => entry.group === 'router' && entry.position !== null).map(entry => entry.position as number));
  // egg's match/ignore wrapper hides the function its factory made: the factory's source shows a hand-written one.
  const factoryAt = new Map(middleware.filter(entry => entry.position !== null && (entry.group === 'core' || entry.group === 'app'))
    .map(entry => [ entry.position as number, egg.middlewares?.[entry.name] ]));
  const methodWriters = chain.flatMap((fn, at): Array<{ at: number; from: readonly string[] }> => {
    if (at === overrideAt) return [{ at, from: overridable }];
    if (at >= lastRouterAt) return [];
    const source = [ fn, factoryAt.get(at) ].filter(code => typeof code === 'function').map(code => Function.prototype.toString.call(code)).find(code => METHOD_WRITE.test(code));
    return source === undefined ? [] : [{ at, from: methodsRewritten(source) }];
  });
  const rewrittenAfter = (position: number) => {
    const from = [ ...new Set(methodWriters.filter(writer => writer.at > position).flatMap(writer => writer.from)) ];
    return from.length ? from : undefined;
  };
  // Middleware without match/ignore runs for every route: one shared step each; the others are evaluated per route.
  // Steps that run always or never are shared by every route they describe: most routes allocate no step at all.
  const guards = policyGuards(sentinelPolicy(egg));
  const globals = middleware
    .filter(entry => entry.position !== null && entry.group !== 'router')
    .map((entry): GlobalMiddleware => ({
      name: entry.name,
      position: entry.position as number,
      overriddenFrom: rewrittenAfter(entry.position as number),
      filter: filters.get(entry.name),
      always: { name: entry.name, level: 'global', runs: 'always' },
      never: { name: entry.name, level: 'global', runs: 'never' },
      undispatched: { name: entry.name, level: 'global', runs: 'unverified', detail: UNDISPATCHED },
      rewritten: { name: entry.name, level: 'global', runs: 'unverified', detail: PATH_REWRITTEN },
      // Its own code, also inside egg's match/ignore wrapper.
      passes: globalPasses(egg, entry.name, chain[entry.position as number]),
      guard: guards.has(entry.name),
      readsRequestedUrl: readsRequestedUrl(entry.match || entry.ignore),
      ...unverifiableStep(entry),
    }));
  // A router runs the controller of a route it matches, and no middleware after its dispatching entry in the chain
  // (an app.use() in a late hook) runs before that: those never guard its routes. A router no known middleware
  // dispatches to has every global middleware unverified: nothing says which of them run before its routes.
  const scopes = new Map<number | undefined, RouteScope>();
  const scopeOf = (at: number | undefined): RouteScope => {
    let scope = scopes.get(at);
    if (!scope) {
      const inScope = at === undefined ? globals : globals.filter(entry => entry.position < at);
      scopes.set(at, scope = {
        globals: inScope,
        filtered: at === undefined ? [] : inScope.filter(entry => entry.filter || entry.passes.length || (entry.guard && entry.passes.pathPicks)),
        fixed: at === undefined ? entry => entry.undispatched : entry => entry.always,
        chains: new ChainInterner(),
        beforeRewrite: at === undefined ? new Map() : beforeRewrite(inScope, middleware, at),
      });
    }
    return scope;
  };
  const routes: RouteFact[] = [];
  // A REST resource registers one path for several methods: its probes, and the outcome of every filter that did
  // not read the method, serve each of them.
  // Per path: its sample probes and the probes of the values the app names (lib/facts/filter-tokens.ts); then, per
  // set of the latter that reach the route, the probes and steps its routes share.
  const byPath = new Map<string, PathProbes>();
  // Steps that hold for every route they appear in are shared, so routes with the same chain share one array.
  const known: KnownRouteSteps = { route: new Map(), imitations: new Map() };
  const routerSteps = new Map<RouterLayer, RouteStep>();
  const earlierSteps = new Map<RouterLayer, EarlierRoute>();
  // The boot check's: a later collection (the watch judging a change again) does not make its changes seen.
  if (!collectedLayers.has(routerOwner(egg))) collectedLayers.set(routerOwner(egg), new Map(stacks.flat().map(layer => [ layer, layer.stack.length ])));
  // A router nested with router.use() shares its layers with its parent, which dispatches them after its own
  // router.use() middleware: each route is judged once, where it is first found (egg's router first).
  const judged = new Set<RouterLayer>();
  for (const stack of stacks) {
    const { globals: inScope, filtered, fixed, chains, beforeRewrite: unrewritten } = scopeOf(dispatchedAt.get(stack));
    const underUnknownPrefix = rewritten.has(stack);
    // router.use() layers of this router seen so far, and its routes whose handler may pass a request on: they run
    // before the routes registered after them (egg's router runs the functions of every layer matching a request).
    const runFirst: RouterLayer[] = [];
    // Its routes seen so far whose handler never passes a request on: one of them that matches a request for every
    // method of a later route answers it there.
    const answering: RouterLayer[] = [];
    // Its catch-all routes so far (`router.get('*')`), which answer every request of their methods: a later route of those methods is never reached.
    const catchAlls: Array<{ layer: RouterLayer; route: RouteFact }> = [];
    for (const layer of stack) {
      if (!layer.methods.length) {
        runFirst.push(layer);
        continue;
      }
      if (judged.has(layer)) continue;
      judged.add(layer);
      // RegExp routes are not shared: one that prints like a string route must not take its probes.
      const pathKey = typeof layer.path === 'string' ?
        `${layer.opts?.strict ? 'strict ' : ''}${layer.opts?.end === false ? 'prefix ' : ''}${layer.regexp.flags.includes('i') ? 'any-case ' : ''}${layer.path}` : undefined;
      let path = pathKey === undefined ? undefined : byPath.get(pathKey);
      if (!path) {
        const samples = probePaths(modules, layer);
        const { probes: named, truncated, tooManyStrings } = tokenProbes(layer, samples[0], tokens, samples);
        path = { samples, named, truncated, ...(tooManyStrings && { tooManyStrings }) };
        if (pathKey !== undefined) byPath.set(pathKey, path);
      }
      if (path.truncated) {
        // Past the limit, the paths an earlier route answers are left out before they count (a long list of public routes).
        const again = tokenProbes(layer, path.samples[0], tokens, path.samples, probe => answeredEarlier(answering, layer, probe));
        if (!again.truncated) path = { samples: path.samples, named: again.probes, truncated: false, ...(path.tooManyStrings && { tooManyStrings: true as const }) };
      }
      // A named path (`/health` for `/:slug`) that an earlier route serves never reaches this one.
      const named = path.named.length ? path.named.filter(probe => !answeredEarlier(answering, layer, probe)) : path.named;
      const handler = passingHandler(egg, layer);
      const { probes, steps } = reachingProbes(path, named);
      const registration = registrations.get(layer);
      const functions = currentFunctions(egg, layer);
      const routeLevel = routeLevelNames(layer, functions);
      // Indexed loops: this runs once per route while the code is still cold, where iterators and closures allocate.
      // Only the steps that can differ between routes are gathered (the filtered globals', then router.use() and
      // route-level ones); the whole chain is built once per distinct sequence of them.
      const varying: RouteStep[] = [];
      for (let index = 0; index < filtered.length; index++) {
        const entry = filtered[index];
        let step = !entry.filter ? entry.always : underUnknownPrefix ? entry.rewritten : unrewritten.get(entry) ?? steps.get(entry);
        if (!step && entry.unverifiable) step = entry.unverifiable;
        if (!step && path.tooManyStrings) steps.set(entry, step = unverifiedStep(entry, TOO_MANY_ROUTE_STRINGS, false).step);
        if (!step && path.truncated) steps.set(entry, step = unverifiedStep(entry, TOO_MANY_NAMED_PATHS, false).step);
        if (!step) {
          const outcome = globalStep(entry, entry.filter as RequestFilter, probes, layer.methods, takesValues(layer));
          if (!outcome.perMethod) steps.set(entry, outcome.step);
          step = outcome.step;
        }
        const passed = step.runs === 'always' ? servedPasses(entry.passes, layer) : NO_METHODS;
        if (passed.length) step = methodPassStep(entry.name, 'global', probes, layer, passed);
        // Asked of the policy's guards only: a middleware that serves some paths hands the rest on by design.
        else if (step.runs === 'always' && entry.guard && entry.passes.pathPicks) step = pathPassStep(entry.name, 'global', probes, layer, entry.passes.pathPicks) ?? step;
        varying.push(step);
      }
      // The app.jsonp() calls whose middleware runs for the route, router.use()'s first.
      let jsonp: JsonpCall[] | undefined;
      for (let index = 0; index < runFirst.length; index++) {
        const before = runFirst[index];
        if (before.methods.length) {
          const found = earlierRouteSteps(egg, before, probes, layer.methods, earlierSteps);
          if (found) varying.push(...found);
          continue;
        }
        const step = routerStep(before, probes, routerSteps);
        if (!step) continue;
        varying.push(step);
        const calls = registrations.get(before)?.jsonp;
        if (calls?.length) (jsonp ??= []).push(...calls);
      }
      if (registration?.jsonp.length) (jsonp ??= []).push(...registration.jsonp);
      const answeredBy = routeFunctionSteps(routeLevel, functions, layer, probes, known, guards, varying);
      // A handler that is one of the app's middleware passing requests on (koa-router's guard route,
      // `router.all('/admin/(.*)', app.middleware.adminOnly())`) runs as that middleware: what the route answers, it answers.
      if (handler && Object.hasOwn(egg.middlewares ?? {}, handler.middleware[0]) && !handler.imitations.size) {
        routeFunctionSteps(handler.middleware, handler, layer, probes, known, guards, varying, answeredBy);
      }
      const chain = chains.intern(varying, () => {
        let next = 0;
        return [ ...inScope.map(entry => (filtered.includes(entry) ? varying[next++] : fixed(entry))), ...varying.slice(next) ];
      });
      if (handler) runFirst.push(layer);
      else answering.push(layer);
      const methods = [ ...new Set(layer.methods) ];
      const shadowing = catchAlls.find(({ layer: other }) => layer.methods.every(method => other.methods.includes(method)))?.route;
      routes.push({
        methods: methods.filter(method => method !== 'HEAD' || !methods.includes('GET')),
        allMethods: METHODS.every(method => methods.includes(method)),
        path: String(layer.path),
        name: layer.name ?? undefined,
        middleware: routeLevel,
        controller: registration && controllerFact(registration, relative, siteSkipDirs),
        probes,
        ...(layer.regexp.flags.includes('i') && { ignoresCase: true as const }),
        ...(jsonp && { jsonp: jsonp.map(call => jsonpCallFact(call, relative)) }),
        ...(underUnknownPrefix && { underUnknownPrefix: true as const }),
        ...(shadowing && { shadowedBy: { methods: shadowing.methods, allMethods: shadowing.allMethods, path: shadowing.path } }),
        chain,
      });
      if (!handler && matchesEveryPath(layer)) catchAlls.push({ layer, route: routes[routes.length - 1] });
    }
  }
  return routes;
}

/** A route path that starts with a literal character after its `/` (`/api`, not `/:path`, `/(.*)` or `/*`). */
const LITERAL_START = /^\/[^:(*]/;

/** Request paths no app names: a route that matches them all matches every path (`*`, `/(.*)`, `/:path*`). */
const UNNAMED_PATHS = [ '/', '/sentinel-unnamed', '/sentinel-unnamed/a.b/c-d/e_f/%20/g/h/i/j/k/l/' ];

/**
 * Whether a route matches every request path: with a handler that never calls `next` (passingHandler), egg's
 * router never runs a later route of its methods.
 */
function matchesEveryPath(layer: RouterLayer): boolean {
  // A string path whose first segment starts with literal text never matches `/`: path-to-regexp escapes literal
  // characters, so asking its RegExp (V8 compiles one the first time it runs) would tell nothing new.
  if (typeof layer.path === 'string' && LITERAL_START.test(layer.path)) return false;
  return UNNAMED_PATHS.every(probe => {
    layer.regexp.lastIndex = 0;
    return layer.regexp.test(probe);
  });
}

interface ReachingProbes {
  probes: string[];
  /** The steps these probes decide, by global middleware (lib/facts/middleware.ts globalStep). */
  steps: Map<GlobalMiddleware, RouteStep>;
}

interface PathProbes {
  samples: string[];
  /** Probes with values the app names, which an earlier route may answer instead (answeredEarlier). */
  named: readonly string[];
  /** The policy's values name more request paths of this route than are tried (filter-tokens' MAX_POLICY_TOKEN_PROBES). */
  truncated: boolean;
  /** A RegExp route matches more strings than are tried (filter-tokens' MAX_REGEXP_STRINGS). */
  tooManyStrings?: true;
  /** When every named probe reaches the routes of the path, as for most. */
  all?: ReachingProbes;
  /** Otherwise, by the named probes that do (joined). */
  some?: Map<string, ReachingProbes>;
}

/** The probes of a route of `path` that `named` of its named probes reach, shared with its other routes that they reach. */
function reachingProbes(path: PathProbes, named: readonly string[]): ReachingProbes {
  const build = () => ({ probes: named.length ? [ ...path.samples, ...named ] : path.samples, steps: new Map<GlobalMiddleware, RouteStep>() });
  if (named.length === path.named.length) return path.all ??= build();
  const key = named.join('\n');
  let known = (path.some ??= new Map()).get(key);
  if (!known) path.some.set(key, known = build());
  return known;
}

/**
 * Whether an earlier route of the router whose handler never passes a request on serves `probe` for every method of
 * `route`: egg's router runs its handler, which ends the request, so the later route is never reached with it.
 */
function answeredEarlier(earlier: readonly RouterLayer[], route: RouterLayer, probe: string): boolean {
  return earlier.some(other => {
    if (!route.methods.every(method => other.methods.includes(method))) return false;
    other.regexp.lastIndex = 0;
    return other.regexp.test(probe);
  });
}

/**
 * What a route's handler is taken for as a route function when it may pass a request on to the routes after it (it
 * may call `next`: Registration.passesOn), else undefined. A handler registered unseen, or put in since, is judged by
 * its own code: egg's wrapper of a controller hands `next` on, so an unseen egg route may pass requests on.
 */
function passingHandler(egg: MiddlewareSource, layer: RouterLayer): RouteFunctions | undefined {
  const handler = layer.stack[layer.stack.length - 1];
  const registration = registrations.get(layer);
  const registered = registeredStacks.get(layer);
  if (registration && registered?.[registered.length - 1] === handler) return registration.passesOn;
  return typeof handler !== 'function' || mayPassOn(handler) ? describeRouteFunctions(egg, [ handler ], false) : undefined;
}

/**
 * Whether a route's handler (not an egg controller, which is given ctx alone) may call `next`: it takes a second
 * parameter that its code may call (mayCallSecondParameter); `async (ctx, next) => { ctx.body = … }` answers.
 */
function mayPassOn(handler: object): boolean {
  return ((handler as { length?: number }).length ?? 0) > 1 && mayCallSecondParameter(sourceOf(handler));
}

/** Route-level steps that hold for every route they are on, shared: by name and what it was given, and by imitation. */
interface KnownRouteSteps {
  route: Map<string, RouteStep>;
  imitations: Map<string, RouteStep>;
}

function imitationDetail(imitation: string, name: string): string {
  return `${imitation} which no app.middleware.${name}() call made: it need not be that middleware`;
}

/**
 * Appends to `varying` the steps of a route's own functions (`names`, taken for `functions`); returns the name of the
 * one that answers every request (`answered`, when an earlier list's did), after which none runs. Of the policy's
 * `guards`, an opening clause on the path alone is asked of the route's paths, as of a global guard's.
 */
function routeFunctionSteps(names: string[], functions: RouteFunctions | undefined, layer: RouterLayer, probes: string[], known: KnownRouteSteps,
  guards: ReadonlySet<string>, varying: RouteStep[], answered?: string): string | undefined {
  let answeredBy = answered;
  for (let index = 0; index < names.length; index++) {
    const name = names[index];
    if (answeredBy !== undefined) {
      const detail = `${answeredBy}, given to the route before it, ${ANSWERS_EVERY_REQUEST}`;
      const key = `${name}\n${detail}`;
      let never = known.route.get(key);
      if (!never) known.route.set(key, never = { name, level: 'route', runs: 'never', detail });
      varying.push(never);
      continue;
    }
    if (functions?.answers[index]) answeredBy = name;
    const imitation = functions?.imitations.get(name);
    const given = imitation ? undefined : functions?.given[index];
    const unidentified = functions?.unidentified[index];
    const passed = imitation ? NO_METHODS : servedPasses(functions?.passes[index], layer);
    if (passed.length) {
      varying.push({ ...methodPassStep(name, 'route', probes, layer, passed), ...(given && { given }) });
      continue;
    }
    const pathPicks = imitation || !guards.has(name) ? undefined : functions?.passes[index].pathPicks;
    const skipped = pathPicks && pathPassStep(name, 'route', probes, layer, pathPicks);
    if (skipped) {
      varying.push({ ...skipped, ...(given && { given }) });
      continue;
    }
    const steps = imitation ? known.imitations : known.route;
    const uncalled = functions?.uncalled[index];
    const mayAnswer = functions?.mayAnswer[index] === true;
    const refusesNothing = imitation ? undefined : functions?.refusesNothing[index];
    // A guard made with options that say something about credentials is a step of its own (SEN403 reads them).
    const key = (imitation ?? (given ? `${name}\n${JSON.stringify(given)}` : uncalled ? `${name}\n${uncalled.mayHandOn}` : unidentified ? `${name}\n${unidentified.detail}` :
      mayAnswer ? `${name}\nmay answer` : name)) + (refusesNothing ? `\n${refusesNothing.does}` : '');
    let step = steps.get(key);
    if (!step) {
      steps.set(key, step = imitation ?
        { name, level: 'route', runs: 'unverified', detail: imitationDetail(imitation, name) } :
        { name, level: 'route', runs: 'always', ...(given && { given }), ...(uncalled && { uncalledFactory: uncalled }), ...(unidentified && { unidentified }),
          ...(mayAnswer && { mayAnswer: true as const }), ...(refusesNothing && { refusesNothing }) });
    }
    varying.push(step);
  }
  return answeredBy;
}

/** How a route's step says a function given to the route before it answers every request (SEN404 words its gap from it). */
export const ANSWERS_EVERY_REQUEST = 'answers every request without calling next';

/** An earlier route whose handler may pass requests on, as the routes after it see it (earlierRouteSteps). */
interface EarlierRoute {
  label: string;
  /** Its functions, the handler last. */
  functions: Array<{ name: string; imitation?: string; given?: RouteStep['given']; passes: PassedMethods }>;
  /** Whether one of them lets some methods through (passedMethods): its steps then depend on the later route's methods. */
  passes: boolean;
  /** Its steps for a later route all of whose probes and methods it matches. */
  always?: RouteStep[];
}

const NO_PROBES = 'egg-sentinel cannot build a request path for this route';

/**
 * The steps that an earlier route of the router whose handler may pass requests on (passingHandler) adds to a later
 * route: egg's router runs the functions of every route that matches a request's path and method, in the order
 * registered, so each function of the earlier one runs, for the probes its path matches with the methods it serves,
 * as a router.use() of those methods would. Undefined when it runs for no request of the later route.
 */
function earlierRouteSteps(egg: MiddlewareSource, other: RouterLayer, probes: string[], methods: string[], known: Map<RouterLayer, EarlierRoute>): RouteStep[] | undefined {
  if (!methods.some(method => other.methods.includes(method))) return undefined;
  let earlier = known.get(other);
  if (!earlier) {
    const lists = [ currentFunctions(egg, other), passingHandler(egg, other) ];
    const names = [ routeLevelNames(other, lists[0]), lists[1]?.middleware ?? [] ];
    const functions = names.flatMap((list, at) => list.map((name, index) => {
      const imitation = lists[at]?.imitations.get(name);
      return { name, ...(imitation ? { imitation } : { given: lists[at]?.given[index] }), passes: lists[at]?.passes[index] ?? NO_METHODS };
    }));
    known.set(other, earlier = { label: layerLabel(other), functions, passes: functions.some(fn => fn.passes.length > 0) });
  }
  const earlierRoute = earlier.label;
  if (!probes.length) return earlier.functions.map(({ name }) => ({ name, level: 'router', runs: 'unverified', detail: NO_PROBES, earlierRoute }));
  let skipped: ProbeRequest[] | undefined;
  let matched = false;
  for (let index = 0; index < probes.length; index++) {
    other.regexp.lastIndex = 0;
    if (!other.regexp.test(probes[index])) {
      (skipped ??= []).push({ path: probes[index] });
      continue;
    }
    matched = true;
    for (const method of methods) if (!other.methods.includes(method)) (skipped ??= []).push({ path: probes[index], method });
  }
  if (!matched) return undefined;
  const always = !skipped && !earlier.passes;
  if (always && earlier.always) return earlier.always;
  const steps = earlier.functions.map(({ name, imitation, given, passes }): RouteStep => {
    if (imitation) return { name, level: 'router', runs: 'unverified', detail: imitationDetail(imitation, name), earlierRoute };
    const passed = passesOf(passes, method => methods.includes(method) && other.methods.includes(method));
    const skippedFor = [ ...skipped ?? [], ...probes.flatMap(probe => passed.map(method => ({ path: probe, method }))) ];
    return {
      name, level: 'router', runs: skippedFor.length ? 'partly' : 'always', earlierRoute, ...(skippedFor.length && { skippedFor }),
      ...(passed.length && { detail: passDetail(passed) }), ...(given && { given }),
    };
  });
  if (always) earlier.always = steps;
  return steps;
}

function routeLevelNames(layer: RouterLayer, functions: RouteFunctions | undefined): string[] {
  return functions?.middleware ?? layer.stack.slice(0, -1).map(functionName);
}

/** `skipDirs`: where the frames of egg's router, egg-core and egg-sentinel are, above the app's `router.get(…)`. */
function controllerFact(registration: Registration, relative: (file: string) => string, skipDirs: string[]): ControllerFact {
  const hash = registration.fullPath?.lastIndexOf('#') ?? -1;
  const fact: ControllerFact = registration.fullPath ? {
    file: relative(registration.fullPath.slice(0, hash)), action: registration.fullPath.slice(hash + 1), ...(registration.tegg && { tegg: true as const }),
  } : { action: registration.handlerName, ...(registration.redirectsTo !== undefined && { redirectsTo: registration.redirectsTo }) };
  const { stack } = registration;
  if (!stack) return fact;
  // Formatted when first read, and kept: for the routes a finding names, or whose label the route table gives with it.
  return Object.defineProperty(fact, 'registeredAt', {
    enumerable: true,
    configurable: true,
    get: () => {
      const value = relativeSite(callerSourceSite(skipDirs, stack), relative);
      Object.defineProperty(fact, 'registeredAt', { value, enumerable: true });
      return value;
    },
  });
}

function jsonpCallFact(call: JsonpCall, relative: (file: string) => string): JsonpCallFact {
  const calledAt = relativeSite(call.site, relative);
  return { options: call.options, ...(calledAt && { calledAt }) };
}

/** `app/router.ts:12` for a recorded `<file>:<line>`. */
function relativeSite(site: string | undefined, relative: (file: string) => string): string | undefined {
  const match = site && /^(.*):(\d+)$/.exec(site);
  return match ? `${relative(match[1])}:${match[2]}` : undefined;
}

/** The outcome of a filter that did not read the method holds for every method. */
const ANY_METHOD = [ undefined ];

interface GlobalMiddleware {
  name: string;
  position: number;
  /** Before overrideMethod in the chain: the methods a request has here that it may override (its allowedMethods). */
  overriddenFrom?: string[];
  filter?: RequestFilter;
  always: RouteStep;
  never: RouteStep;
  /** For the routes of a router no known middleware dispatches to. */
  undispatched: RouteStep;
  /** For the routes of a router dispatched inside a middleware that rewrites the path (pathRewritten). */
  rewritten: RouteStep;
  /** For every route, when the probes cannot show what its match/ignore does (unverifiableStep). */
  unverifiable?: RouteStep;
  /** The methods its code lets through without credentials (passedMethods): it skips them. */
  passes: PassedMethods;
  /** The policy requires it or guards protected routes by it. */
  guard: boolean;
  /** Its match/ignore function reads ctx.originalUrl or ctx.URL, which a rewrite of ctx.path leaves as requested. */
  readsRequestedUrl: boolean;
}

/** koa keeps ctx.originalUrl as requested when ctx.path is set, and makes ctx.URL of it (once, memoized). */
// `ctx.URL`, `request.URL`; not `new URL(ctx.url)`.
const REQUESTED_URL_READ = /\boriginalUrl\b|\.URL\b/;

function readsRequestedUrl(pattern: unknown): boolean {
  return [ pattern ].flat(Infinity).some(item => typeof item === 'function' && REQUESTED_URL_READ.test(Function.prototype.toString.call(item)));
}

/**
 * A match/ignore whose outcome the probes cannot show, unverified for every route: one that keeps state from one
 * request to the next and so decides a path by the requests before it (a sticky RegExp, flag `y` without `g`, whose
 * lastIndex egg-path-matching resets for `g` only; a function that writes outside itself, a cache or a counter:
 * lib/facts/filter-state.ts), or a RegExp that is not one as egg-path-matching uses it (its own `test`, a subclass):
 * egg-path-matching calls `test()`, while its probes are made from its source.
 */
function unverifiableStep(entry: MiddlewareFact): { unverifiable?: RouteStep } {
  const key = entry.match ? 'match' : 'ignore';
  const patterns = [ entry.match || entry.ignore ].flat();
  const unverified = (detail: string) => ({ unverifiable: { name: entry.name, level: 'global' as const, runs: 'unverified' as const, detail } });
  const disguised = patterns.find((pattern): pattern is RegExp => pattern instanceof RegExp &&
    (Object.getPrototypeOf(pattern) !== RegExp.prototype || Reflect.ownKeys(pattern).some(property => property !== 'lastIndex')));
  if (disguised) {
    return unverified(`its ${key} holds a RegExp with its own methods or properties (or of a subclass of RegExp), ${describePattern(disguised)}: ` +
      'egg-path-matching calls its test(), which need not do what its pattern says; use a plain RegExp');
  }
  const [ sticky ] = stickyRegExps(patterns);
  if (sticky) {
    return unverified(`its ${key} holds the sticky RegExp ${sticky}, which keeps its lastIndex from one request to the next ` +
      '(egg-path-matching resets it for the g flag only): whether it runs for a path depends on the request before');
  }
  for (const pattern of patterns) {
    const write = typeof pattern === 'function' ? outsideWrite(Function.prototype.toString.call(pattern)) : undefined;
    if (write) {
      return unverified(`its ${key} function writes to state outside itself (\`${write}\`), such as a cache or a counter: what it ` +
        'answers for a path can depend on the requests before; decide from the request alone');
    }
  }
  return {};
}

/** The global middleware that may run before the routes of one router, and the distinct chains of those routes. */
interface RouteScope {
  globals: GlobalMiddleware[];
  /** Those whose match/ignore is evaluated per route. */
  filtered: GlobalMiddleware[];
  /** The step of the others. */
  fixed: (entry: GlobalMiddleware) => RouteStep;
  chains: ChainInterner;
  /** The filtered ones whose match/ignore sees another path than the router (beforeRewrite). */
  beforeRewrite: Map<GlobalMiddleware, RouteStep>;
}

/**
 * The global middleware with match/ignore that see another path than the router dispatching at `at` matches routes
 * by: those up to a middleware before it that rewrites ctx.path (its own wrapper included), for a routerPath write
 * every one before the router, as ctx.path stays as requested, and one after a rewrite whose function reads
 * ctx.originalUrl or ctx.URL, which stay as requested too. Their steps are unverified: what the rewrite makes of a
 * request path is the app's code, which the probes cannot follow.
 */
function beforeRewrite(globals: GlobalMiddleware[], middleware: MiddlewareFact[], at: number): Map<GlobalMiddleware, RouteStep> {
  // A mount rewrites before it dispatches the router placed at it.
  const rewriters = middleware.filter(entry => entry.rewritesRoute && entry.position !== null && (entry.position < at || (entry.mount && entry.position === at)));
  const steps = new Map<GlobalMiddleware, RouteStep>();
  if (!rewriters.length) return steps;
  for (const entry of globals) {
    if (!entry.filter) continue;
    const rewriter = rewriters.find(candidate => candidate.rewritesRoute?.routerPath || entry.position <= (candidate.position as number));
    if (rewriter) steps.set(entry, { name: entry.name, level: 'global', runs: 'unverified', detail: rewriteDetail(entry.name, rewriter) });
    else if (entry.readsRequestedUrl) {
      steps.set(entry, { name: entry.name, level: 'global', runs: 'unverified', detail: requestedUrlDetail(rewriters[0]) });
    }
  }
  return steps;
}

function rewriterName(rewriter: MiddlewareFact): string {
  return `#${(rewriter.position as number) + 1} ${rewriter.name}${rewriter.file ? ` (${rewriter.file})` : ''}`;
}

function requestedUrlDetail(rewriter: MiddlewareFact): string {
  return `${rewriterName(rewriter)} rewrites the path egg's router matches routes by (\`${rewriter.rewritesRoute?.write}\`) before this match/ignore ` +
    'runs, but its function reads ctx.originalUrl (or ctx.URL, which koa makes of it), which keeps the URL as requested, not the path this route ' +
    'is matched with: test ctx.path instead';
}

function rewriteDetail(guard: string, rewriter: MiddlewareFact): string {
  const { write, routerPath } = rewriter.rewritesRoute as NonNullable<MiddlewareFact['rewritesRoute']>;
  const where = rewriterName(rewriter);
  if (routerPath) {
    // Placed after a function that mounts a router, a guard would no longer run for that router's routes.
    const move = rewriter.group === 'router' ? '' : `rewrite ctx.path instead and put ${guard} after ${rewriter.name} in the chain, or `;
    return `${where} sets ctx.routerPath (\`${write}\`), which egg's router matches routes by before ctx.path, while match/ignore see ctx.path ` +
      `as requested, not the path this route is matched with: ${move}give ${guard} to the route`;
  }
  return `${where} rewrites the path egg's router matches routes by (\`${write}\`) after this match/ignore has seen it, so it sees the path as ` +
    `requested, not the one this route is matched with: put ${guard} after ${rewriter.name} in the chain (config.middleware), or give ${guard} to the route`;
}

const TOO_MANY_NAMED_PATHS = 'the policy\'s match/ignore values, router.use() paths and protect patterns name more request paths ' +
  'of this route than egg-sentinel tries (256), so its match/ignore was not evaluated';

const TOO_MANY_ROUTE_STRINGS = 'the route\'s RegExp matches more strings (alternatives, their products) than egg-sentinel tries (64), so its ' +
  'match/ignore was not evaluated for all of them; split the route, or give it its guard (router.get(path, app.middleware.<guard>(), controller))';

const PATH_REWRITTEN = 'this route\'s router is also dispatched inside a middleware that sets ctx.path for it (koa-mount\'s ' +
  'mount(prefix, router.routes())), so it serves request paths under a prefix egg-sentinel cannot know, which its match/ignore sees unstripped';

const UNDISPATCHED = 'egg-sentinel cannot tell where in the middleware chain this route\'s router is dispatched (it knows a ' +
  'router\'s routes() given to app.use(), egg\'s router, routers nested with router.use(), and functions calling ' +
  'router.routes() or router.middleware()), so not which global middleware run before it';

/** Whether a route's path takes values (parameters, a RegExp, `end: false`): a literal one is probed as it is. */
function takesValues(layer: RouterLayer): boolean {
  return layer.path instanceof RegExp || layer.paramNames.length > 0 || layer.opts?.end === false;
}

/**
 * Whether a global middleware's match/ignore lets it run for every request egg dispatches to the route; `perMethod`
 * when the filter read the method, so the step holds only for this route's methods. `valued`: the route's path
 * takes values (takesValues), which a function may single out by what it takes from outside itself.
 */
function globalStep(entry: GlobalMiddleware, filter: RequestFilter, probes: string[], methods: string[], valued: boolean): { step: RouteStep; perMethod: boolean } {
  let perMethod = false;
  if (!probes.length) return unverifiedStep(entry, 'egg-sentinel cannot build a request path for this route, so its match/ignore was not evaluated', perMethod);
  let skipped: ProbeRequest[] | undefined;
  let evaluated = 0;
  for (let probeIndex = 0; probeIndex < probes.length; probeIndex++) {
    const probe = probes[probeIndex];
    const first = filter(probe, methods[0]);
    perMethod ||= first.readsMethod;
    // A filter that read the method is asked again for every method of the route.
    const asked = first.readsMethod ? methods : ANY_METHOD;
    for (let methodIndex = 0; methodIndex < asked.length; methodIndex++) {
      const method = asked[methodIndex];
      const outcome = method === undefined || method === methods[0] ? first : filter(probe, method);
      // Skipped for the plain request is skipped, whatever else the function reads; running for it (or throwing on
      // what the probe cannot serve) proves nothing when the client can change what the function reads.
      if (outcome.otherReads.length && (outcome.runs || outcome.error)) {
        return unverifiedStep(entry, `its match/ignore function reads ${describeClientReads(outcome.otherReads, outcome.outside)}`, perMethod);
      }
      if (outcome.error) return unverifiedStep(entry, `its match/ignore function threw on ${`${method ?? ''} ${probe}`.trim()}: ${outcome.error}`, perMethod);
      if (outcome.unstable) {
        return unverifiedStep(entry, `its match/ignore function answered differently when asked twice about ${`${method ?? ''} ${probe}`.trim()} ` +
          '(it keeps state from one request to the next, such as a RegExp with the g or y flag held outside the function): whether it runs depends on the requests before', perMethod);
      }
      evaluated += 1;
      if (!outcome.runs) (skipped ??= []).push(method === undefined ? { path: probe } : { path: probe, method });
    }
    if (!first.readsMethod || !entry.overriddenFrom) continue;
    // Before overrideMethod (or another middleware rewriting the method), the filter sees the request's own method
    // (POST), while the router dispatches the overriding one (`x-http-method-override: DELETE`): every other method
    // of the route is reached with it too.
    for (const original of entry.overriddenFrom) {
      if (methods.length === 1 && methods[0] === original) continue;
      const outcome = filter(probe, original);
      if (outcome.otherReads.length || outcome.error) continue;
      for (const method of methods) {
        if (method === original) continue;
        evaluated += 1;
        if (!outcome.runs) (skipped ??= []).push({ path: probe, method: `${original} overridden to ${method}` });
      }
    }
  }
  const unseen = valued && !skipped ? unseenByFilter.get(filter) : undefined;
  if (unseen) {
    // Running for every probe proves nothing when the values it skips are not among them; a skipped probe is proof enough.
    return unverifiedStep(entry, `its match/ignore function takes ${unseen.join(', ')} from outside itself, which its module neither declares nor ` +
      'writes the values of (a package\'s code deciding alone, a value of the run such as process.env or a config function\'s parameter): egg-sentinel ' +
      'tried the paths the function and its module write, not the values these hold, so it cannot show that no value of this route\'s path skips ' +
      'the middleware; keep the paths in the function or its module, or give the route its guard', perMethod);
  }
  if (!skipped) return { step: entry.always, perMethod };
  return { step: skipped.length === evaluated ? entry.never : { name: entry.name, level: 'global', runs: 'partly', skippedFor: skipped }, perMethod };
}

function unverifiedStep(entry: GlobalMiddleware, detail: string, perMethod: boolean): { step: RouteStep; perMethod: boolean } {
  return { step: { name: entry.name, level: 'global', runs: 'unverified', detail }, perMethod };
}

/** A `router.use()` middleware registered before the route runs for the probes its path matches, if any. */
function routerStep(use: RouterLayer, probes: string[], always: Map<RouterLayer, RouteStep>): RouteStep | undefined {
  const registration = registrations.get(use);
  const name = registration ? registration.handlerName : functionName(use.stack[use.stack.length - 1]);
  if (!probes.length) return { name, level: 'router', runs: 'unverified', detail: NO_PROBES };
  const skipped = probes.filter(probe => {
    use.regexp.lastIndex = 0;
    return !use.regexp.test(probe);
  });
  if (skipped.length === probes.length) return undefined;
  if (skipped.length) return { name, level: 'router', runs: 'partly', skippedFor: skipped.map(probe => ({ path: probe })) };
  let step = always.get(use);
  if (!step) always.set(use, step = { name, level: 'router', runs: 'always' });
  return step;
}

interface ChainNode {
  next: Map<RouteStep, ChainNode>;
  chain?: RouteStep[];
}

/**
 * One array per distinct chain: a large route table has few (routes of a resource, or of an API, share theirs), and
 * the report then labels each distinct chain once. Chains are told apart by the identity of their steps.
 */
class ChainInterner {
  private readonly root: ChainNode = { next: new Map() };

  /** The chain for a sequence of the steps that tell chains apart; `build` makes it the first time. */
  intern(varying: RouteStep[], build: () => RouteStep[]): RouteStep[] {
    let node = this.root;
    for (let index = 0; index < varying.length; index++) {
      let next = node.next.get(varying[index]);
      if (!next) node.next.set(varying[index], next = { next: new Map() });
      node = next;
    }
    return node.chain ??= build();
  }
}

/** The ctx.securityOptions writes of the app's loaded modules that name it, each read as written (`files` holds them squeezed). */
function securityOverridesOf(files: ReadonlyMap<string, string>, relative: (file: string) => string): SecurityOverrideFact[] {
  const naming = [ ...files ].filter(([ , squeezed ]) => squeezed.includes('securityOptions'))
    .flatMap(([ file ]): Array<[ string, string ]> => {
      const text = readText(file);
      return text === undefined ? [] : [[ file, text ]];
    });
  return collectSecurityOptionWrites(new Map(naming), relative);
}
