/**
 * Evaluates middleware `match`/`ignore` options and route paths with the modules egg itself uses: egg-path-matching
 * as egg-core resolves it, and path-to-regexp as @eggjs/router resolves it (or `app.options.pathToRegexpModule`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import path from 'node:path';
import { eggCoreDir, findEggPackage } from './egg-version';
import { outsideNames } from './filter-state';
import { filterTokens, MAX_REGEXP_STRINGS, regexpStrings } from './filter-tokens';

type AnyFunction = (...args: never[]) => unknown;
type PathMatching = (options: { match?: unknown; ignore?: unknown; pathToRegexpModule?: unknown }) => (ctx: object) => boolean;
type ToPath = (params: Record<string, string>) => string;
type CompilePath = (route: string) => ToPath;

export interface EggModules {
  /** egg-core's directory; frames inside it (and inside the router) are not a route's registration site. */
  eggCoreDir: string;
  routerDir: string;
  pathMatching: PathMatching;
  compilePath: CompilePath;
  pathToRegexpModule?: unknown;
}

/** By framework dirs: a boot asks from its constructor, its configWillLoad and its checks. */
const eggModulesOf = new Map<string, EggModules>();

/** Loads egg-path-matching and path-to-regexp from egg's own dependency tree, so they are the versions egg runs. */
export function loadEggModules(eggPaths: readonly string[], pathToRegexpModule?: unknown): EggModules {
  if (pathToRegexpModule !== undefined) return resolveEggModules(eggPaths, pathToRegexpModule);
  const key = eggPaths.join('\0');
  let modules = eggModulesOf.get(key);
  if (!modules) eggModulesOf.set(key, modules = resolveEggModules(eggPaths, undefined));
  return modules;
}

function resolveEggModules(eggPaths: readonly string[], pathToRegexpModule: unknown): EggModules {
  const egg = findEggPackage(eggPaths);
  if (!egg) throw new Error(`[egg-sentinel] cannot find the egg package among the framework dirs ${JSON.stringify(eggPaths)}`);
  const coreDir = eggCoreDir(egg);
  const fromCore = createRequire(path.join(coreDir, 'package.json'));
  const routerDir = path.dirname(fromCore.resolve('@eggjs/router/package.json'));
  const pathToRegexp = (pathToRegexpModule ?? createRequire(path.join(routerDir, 'package.json'))('path-to-regexp')) as
    { compile?: CompilePath; default?: { compile?: CompilePath } };
  const compilePath = pathToRegexp.compile ?? pathToRegexp.default?.compile;
  if (!compilePath) throw new Error('[egg-sentinel] the path-to-regexp module egg\'s router uses has no compile()');
  // egg-path-matching 1 (egg 3) exports the function itself, 2 (egg 4) exports it as `pathMatching`.
  const matching = fromCore('egg-path-matching') as PathMatching & { pathMatching?: PathMatching };
  return { eggCoreDir: coreDir, routerDir, pathMatching: matching.pathMatching ?? matching, compilePath, pathToRegexpModule };
}

/**
 * ctx properties that hold more of the request than its path: the client writes them freely, so a filter that reads
 * one cannot be judged from the path, and any request can make it come out the way the client wants. The probe serves
 * `url`/`originalUrl`/`req.url` as the path (and the variants compileFilter tries), and `URL` as a URL of them,
 * so the filter still runs; the read alone makes the outcome unverified, unless none of what a request can put around
 * its path decides the function (the URL then decides by its path). `URL.pathname` is the Host header's too. A
 * property that is not listed is reported as read, without the why. `crossSite`: a cross-site form or page writes it
 * (its action URL, its body, its Content-Type) or leaves it out (Referer, Origin), so it cannot protect against CSRF.
 * Reads are matched with their `request.` prefix and the header a call or index names (`get('content-type')`).
 */
const CLIENT_PARTS: ReadonlyArray<{ reads: RegExp; why: string; crossSite?: true }> = [
  { reads: /^(?:request\.)?(?:url|originalUrl|href)$|^req\.url$/, crossSite: true, why: 'it carries the query string and the fragment after the path, and an absolute-form request (GET http://host/path) puts a scheme and host before it, so any request can add the text the function looks for (for example /account/profile?from=/login); test ctx.path instead' },
  { reads: /^(?:request\.)?URL\.(?:href|toString|toJSON)$/, crossSite: true, why: 'it carries the Host header and the query string the request sends; test ctx.path instead' },
  // koa builds ctx.URL from `${protocol}://${host}${originalUrl}`: the Host header can end the authority early.
  { reads: /^(?:request\.)?URL\.pathname$/, why: 'koa builds ctx.URL from the Host header and the URL the request sends, so a Host of x/health? makes its pathname /health whatever the path; test ctx.path instead' },
  { reads: /^(?:request\.)?(?:querystring|search|query|queries|URL\.search|URL\.searchParams)$/, crossSite: true, why: 'the query string is whatever the request sends' },
  // egg's bodyParser (and egg-multipart in file mode) read the body before egg-security's middleware runs.
  { reads: /^request\.(?:body|rawBody|files)$/, crossSite: true, why: 'a cross-site form writes the request body' },
  // koa's ctx.type is the response's; ctx.is() is the request's.
  { reads: /^(?:request\.)?is\(|^request\.(?:type|mimetype|charset)$|^(?:request\.)?(?:get|header|headers)[([]'content-type'/i, crossSite: true,
    why: 'a cross-site form chooses its Content-Type (application/x-www-form-urlencoded, multipart/form-data or text/plain)' },
  { reads: /^(?:request\.|req\.)?(?:get|header|headers)[([]'(?:referer|referrer|origin)'/i, crossSite: true,
    why: 'a cross-site page sends no Referer when it asks for none (referrerpolicy="no-referrer"), and Origin: null from a sandboxed frame' },
  // CORS-safelisted request headers: fetch() with mode 'no-cors' sends them from any site without a preflight.
  { reads: /^(?:request\.)?(?:acceptJSON|accepts|acceptsLanguages|accept)$|^(?:request\.|req\.)?(?:get|header|headers)[([]'(?:accept|accept-language|content-language)'/i, crossSite: true,
    why: 'a cross-site page sends the Accept, Accept-Language and Content-Language it likes (fetch() with mode "no-cors" needs no preflight for them)' },
  { reads: /^(?:request\.|req\.)?(?:get|header|headers)(?:$|[([])/, why: 'request headers are whatever the request sends' },
  { reads: /^(?:request\.)?cookies$/, why: 'cookies are whatever the request sends' },
  { reads: /^(?:request\.)?(?:URL\.)?(?:host|hostname|origin)$|^(?:request\.)?URL\.port$/, why: 'it comes from the Host (or X-Forwarded-Host) header the request sends' },
];

/** Why reading `read` (`url`, `request.headers`…) lets the client decide a filter, for messages: `ctx.url, which the client controls: …`. */
export function describeClientRead(read: string): string {
  const part = CLIENT_PARTS.find(entry => entry.reads.test(read));
  return `ctx.${read}, which the client controls${part ? `: ${part.why}` : ''}`;
}

/**
 * The reads of a filter's outcome for messages (`ctx.url, which the client controls: …`), and, when the function's
 * URL read stood because its answer rests on code outside it (`outside`, see FilterOutcome), that reason.
 */
export function describeClientReads(reads: readonly string[], outside?: readonly string[]): string {
  const described = reads.map(describeClientRead).join('; ');
  if (!outside?.length) return described;
  return `${described} (its answer also rests on ${outside.join(', ')}, from outside the function: egg-sentinel cannot read what that looks for ` +
    'in the query string, so it cannot show that no query string decides the function)';
}

/** Whether a cross-site form or page decides `read` (a filter reading it decides by what a forged request sends). */
export function crossSiteWritten(read: string): boolean {
  return CLIENT_PARTS.some(entry => entry.crossSite && entry.reads.test(read));
}

export interface FilterOutcome {
  runs: boolean;
  /** ctx properties read besides the path and method (a function filter that looks at the url, headers, query, ip…). */
  otherReads: string[];
  /** The request method was read: the outcome may differ per method. */
  readsMethod: boolean;
  /** A filter function threw on the probe request. */
  error?: string;
  /** A filter function answered differently when asked twice about the same request: it keeps state between requests. */
  unstable?: true;
  /**
   * What the function uses from outside its own source (`isPartner`, a helper of its module: see outsideNames), when
   * its URL read stands for it: the query strings tried are those its own source names, not what such code looks for.
   */
  outside?: string[];
}

/** A middleware's `match`/`ignore`, compiled by egg-path-matching exactly as egg-core's loader does. */
export type RequestFilter = (requestPath: string, method: string) => FilterOutcome;

const NO_READS: readonly string[] = Object.freeze([]);
const RUNS: FilterOutcome = Object.freeze({ runs: true, otherReads: NO_READS as string[], readsMethod: false });
const SKIPS: FilterOutcome = Object.freeze({ runs: false, otherReads: NO_READS as string[], readsMethod: false });
const RUNS_BY_METHOD: FilterOutcome = Object.freeze({ runs: true, otherReads: NO_READS as string[], readsMethod: true });
const SKIPS_BY_METHOD: FilterOutcome = Object.freeze({ runs: false, otherReads: NO_READS as string[], readsMethod: true });

/** Whether a match/ignore value is, or holds, a function (which only the recording stand-in ctx can ask). */
export function containsFunction(pattern: unknown): boolean {
  return typeof pattern === 'function' || (Array.isArray(pattern) && pattern.some(containsFunction));
}

/** The source of a native or bound function (`function () { [native code] }`), which shows none of its code. */
const NATIVE_CODE = /\{\s*\[native code\]\s*\}\s*$/;

/** What the functions of a match/ignore value use from outside their own source (outsideNames); a bound or native one by its name. */
function outsideCode(pattern: unknown): string[] {
  const functions = [ pattern ].flat(Infinity).filter((item): item is AnyFunction => typeof item === 'function');
  return [ ...new Set(functions.flatMap(item => {
    const source = Function.prototype.toString.call(item);
    return NATIVE_CODE.test(source) ? [ item.name || 'a bound function' ] : outsideNames(source);
  })) ];
}

/**
 * The sticky RegExps (flag y without g) of a match/ignore value: egg-path-matching resets a g one's lastIndex before
 * each test, never theirs, so each request starts where the one before left it.
 */
export function stickyRegExps(pattern: unknown): RegExp[] {
  return [ pattern ].flat(Infinity).filter((item): item is RegExp => item instanceof RegExp && item.sticky && !item.global);
}

/**
 * `app`: what a function's `ctx.app` gives (the app's own state, such as a list of public paths in its config); with
 * `appPaths`, the paths (strings that start with `/`) a function reads from it, in its config's plain data, are added
 * there, so they can be tried as request paths.
 * A function that reads the URL (`ctx.url`, `ctx.originalUrl`, `ctx.req.url`, `ctx.URL`'s query) and nothing else of the client's is asked again with
 * what a request can put around its path (see `urlVariants`): query strings and fragments after it, an absolute-form
 * request-target's scheme and host before it. When none makes it skip a request it runs for, nor makes it read
 * more, the path decides it (`ctx.url.split(/[?#]/)[0] === '/health'`) and the URL read is not reported;
 * `ctx.url.includes('/webhooks/')` skips `/transfer?/webhooks/`, a `match` of `ctx.url.startsWith('/api/')` skips
 * `GET http://x/api/orders`, and an `ignore` of `ctx.url.split('?')[0].endsWith('.json')` skips `/orders/1#.json`:
 * those stay reported, and so
 * does one whose answer rests on code or values from outside its source (`ctx => isPartner(ctx.request)`), which may
 * look for a query string its source does not name (FilterOutcome.outside).
 */
export function compileFilter(modules: EggModules, options: { match?: unknown; ignore?: unknown }, app?: object, appPaths?: Set<string>, configKeys?: Set<string>): RequestFilter {
  const matches = modules.pathMatching({ match: options.match, ignore: options.ignore, pathToRegexpModule: modules.pathToRegexpModule });
  // A filter is asked about thousands of probes in a large app, by code that is still cold: the probe's state is
  // reused, and outcomes are shared constants unless something was read besides the path and method.
  // egg-path-matching tests strings and RegExps against ctx.path alone; only functions need the recording stand-in.
  // egg-path-matching takes `match` when it is truthy, else `ignore`.
  if (!containsFunction(options.match || options.ignore)) {
    const probe = { path: '' };
    // A sticky RegExp is the app's state: each probe is asked as a first request, and its lastIndex is put back after.
    const sticky = stickyRegExps(options.match || options.ignore);
    if (!sticky.length) {
      return requestPath => {
        probe.path = requestPath;
        return matches(probe) ? RUNS : SKIPS;
      };
    }
    return requestPath => {
      probe.path = requestPath;
      const saved = sticky.map(pattern => pattern.lastIndex);
      for (const pattern of sticky) pattern.lastIndex = 0;
      try {
        return matches(probe) ? RUNS : SKIPS;
      } finally {
        sticky.forEach((pattern, index) => { pattern.lastIndex = saved[index]; });
      }
    };
  }
  const request: ProbeRequestState = { path: '', before: '', search: '', method: '', otherReads: [], readsMethod: false, app: app && appPaths ? pathRecordingView(app, appPaths, configKeys) : app };
  const queries = attackerQueries(options.match || options.ignore, appPaths);
  let outside: string[] | undefined;
  // egg serves each request inside app.ctxStorage, where app.currentContext finds it: the stand-in is that request
  // while the function runs, so what it reads there (`app.currentContext.get('x-internal-call')`) is recorded too.
  const storage = (app as { ctxStorage?: unknown } | undefined)?.ctxStorage;
  const ask = storage instanceof AsyncLocalStorage ?
    (ctx: object) => Boolean(storage.run(ctx, matches, ctx)) :
    (ctx: object) => Boolean(matches(ctx));
  return (requestPath, method) => {
    request.path = requestPath;
    request.method = method;
    request.readsMethod = false;
    request.otherReads.length = 0;
    request.requestView = undefined;
    request.reqView = undefined;
    request.search = '';
    let runs = false;
    let unstable: true | undefined;
    let error: string | undefined;
    let outsideRead: string[] | undefined;
    asked = request;
    try {
      // A new ctx per probe, as per request: a function may remember its answer by ctx (a WeakMap). Asked twice: a
      // function that keeps state between requests (a RegExp with the g flag held outside it, whose test() starts
      // where its last match ended) answers the next request otherwise.
      runs = ask(Object.create(CTX));
      if (ask(Object.create(CTX)) !== runs) unstable = true;
      // A request the path makes it skip is skipped by the path: a query string only decides one it runs for. The
      // query strings tried are those the function's source names: code from outside it may look for any other.
      if (!unstable && request.otherReads.length && request.otherReads.every(read => URL_READ.test(read))) {
        outside ??= outsideCode(options.match || options.ignore);
        if (runs && outside.length) outsideRead = outside;
        else if (!(runs && urlDecides(ask, request, queries(), app))) request.otherReads.length = 0;
      }
    } catch (thrown) {
      error = thrown instanceof Error ? thrown.message : String(thrown);
    } finally {
      asked = undefined;
    }
    if (error !== undefined || unstable || request.otherReads.length) {
      return { runs, otherReads: [ ...request.otherReads ], readsMethod: request.readsMethod, error, ...(unstable && { unstable }), ...(outsideRead && { outside: outsideRead }) };
    }
    if (request.readsMethod) return runs ? RUNS_BY_METHOD : SKIPS_BY_METHOD;
    return runs ? RUNS : SKIPS;
  };
}

/** Paths a URL-reading function read from the app that are tried as query strings: they play one part in its code, so a few show whether a query decides it. */
const MAX_QUERY_APP_PATHS = 4;
/** Strings a URL-reading function names that are tried as query parameter names, and as their values. */
const MAX_QUERY_NAMES = 8;
/** What can be a query parameter's name (`skip`, `debug`), not a path. */
const QUERY_NAME = /^[\w.-]+$/;

/** Reads of the request's URL (koa's, node's raw `req.url`, ctx.URL's query): its path, then the query string the request appends. */
const URL_READ = /^(?:request\.)?(?:url|originalUrl|URL\.search|URL\.searchParams)$|^req\.url$/;

/** What an absolute-form request-target (`GET http://x/api/orders HTTP/1.1`) puts before the path in koa's ctx.url. */
const ABSOLUTE_FORM = 'http://app.invalid';

/**
 * What a request can put around any path, for a function that reads the URL: each query string (`?…`), each as a
 * fragment (`#…`: node passes it on in req.url, koa's ctx.path leaves it out), and the absolute form, bare and with a
 * bare `?`.
 */
function urlVariants(queries: readonly string[]): Array<{ before: string; search: string }> {
  return [ ...queries.flatMap(query => [ { before: '', search: `?${query}` }, { before: '', search: `#${query}` } ]),
    { before: ABSOLUTE_FORM, search: '' }, { before: ABSOLUTE_FORM, search: '?' } ];
}

/**
 * Query strings a request can append to any path, for a function that reads the URL: a bare `?`; each string the
 * filter names (its literals, what its RegExps match) and the first paths it read from the app, as the whole query
 * (`?/webhooks/` holds, ends with and is the string); the names among them with each as value, and `1` (`?skip=1` for
 * a function that parses the query out of the URL); and a long one made of path segments (a test of the URL's length
 * or its number of slashes). A function of the app's paths is given those it has read so far.
 */
function attackerQueries(pattern: unknown, appPaths: ReadonlySet<string> | undefined): () => string[] {
  let tokens: string[] | undefined;
  let queries: string[] = [];
  let known = -1;
  return () => {
    if (!tokens || known !== (appPaths?.size ?? 0)) {
      tokens ??= filterTokens(pattern);
      known = appPaths?.size ?? 0;
      const names = tokens.filter(token => QUERY_NAME.test(token)).slice(0, MAX_QUERY_NAMES);
      const values = [ ...new Set([ ...tokens.slice(0, MAX_QUERY_NAMES), '1' ]) ];
      queries = [ ...new Set([ '', ...tokens, ...[ ...appPaths ?? [] ].slice(0, MAX_QUERY_APP_PATHS),
        ...names.flatMap(name => values.map(value => `${name}=${value}`)), `x=${'/a'.repeat(4096)}` ]) ];
    }
    return queries;
  };
}

/**
 * Whether what a request puts around its path decides the function for the probe `request`, which it runs for with
 * the bare path: one of the urlVariants of `queries` makes it skip the request, or read more than the URL. `ctx.app`
 * is the app itself meanwhile: the paths it reads were recorded when it was asked with the bare path.
 */
function urlDecides(ask: (ctx: object) => boolean, request: ProbeRequestState, queries: readonly string[], app: object | undefined): boolean {
  const reads = request.otherReads.length;
  const view = request.app;
  request.app = app;
  try {
    return urlVariants(queries).some(({ before, search }) => {
      request.before = before;
      request.search = search;
      let skips = false;
      try {
        skips = !ask(Object.create(CTX));
      } catch {
        // egg answers a request the function throws on with an error: it reaches nothing.
      }
      return skips || request.otherReads.length > reads;
    });
  } finally {
    request.before = '';
    request.search = '';
    request.app = view;
  }
}

/** The probe request a stand-in ctx serves, and what was read from it. */
interface ProbeRequestState extends Omit<FilterOutcome, 'runs' | 'error'> {
  path: string;
  /** What the probe puts before its path in `ctx.url` (an absolute-form request's scheme and host); empty for the bare path. */
  before: string;
  /** The query string or fragment the probe appends to its path (`?x=…`, `#…`), as `ctx.url` carries it; empty for the bare path. */
  search: string;
  method: string;
  /** The stand-in for ctx.request, made on first use. */
  requestView?: object;
  /** The stand-in for node's request (ctx.req), made on first use. */
  reqView?: object;
  /** The real app, for `ctx.app`: the server's state, not the request's. */
  app?: object;
}

/** The probe a match/ignore function is being asked about, for the length of that synchronous call. */
let asked: ProbeRequestState | undefined;

function recordRead(read: string): void {
  if (asked && !asked.otherReads.includes(read)) asked.otherReads.push(read);
}

function quoteArgument(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/** ctx.headers for a probe: records each header read (`headers['content-type']`), and `headers` when listed whole. */
function headersView(read: string): object {
  const field = (name: string | symbol): void => {
    if (typeof name === 'string') recordRead(`${read}[${quoteArgument(name)}]`);
  };
  return new Proxy({}, {
    get: (_target, name) => field(name),
    has: (_target, name) => {
      field(name);
      return false;
    },
    ownKeys: () => {
      recordRead(read);
      return [];
    },
  });
}

/**
 * A stand-in for koa's ctx (and ctx.request) that knows only the path and method and records every other property
 * read, so a `match` function that looks at anything else (url with its query string, headers, cookies…) is seen to
 * depend on data the client controls (`ctx.app`, the server's own state, is the real app, and `ctx.helper` its
 * helper). Each probe gets a new empty object whose prototype answers: path and method (and request) as accessors,
 * every other read through a Proxy at the end of the chain, which records it.
 */
function standIn(prefix: string, own: PropertyDescriptorMap): object {
  const recorder = new Proxy({}, {
    get(_target, key) {
      if (typeof key !== 'string' || !asked) return undefined;
      // koa's get() and is(), and the headers object: which header is read decides who can write it. They answer as
      // for a request without it ('' and false, as koa does), so the function runs on.
      if (key === 'get' || key === 'is') {
        return (...args: unknown[]) => {
          recordRead(`${prefix}${key}(${args.flat().map(quoteArgument).join(', ')})`);
          return key === 'is' ? false : '';
        };
      }
      if (key === 'headers' || key === 'header') return headersView(prefix + key);
      if (key === 'URL') return urlView(prefix + key);
      if (key === 'req') return asked.reqView ??= Object.create(REQ);
      recordRead(prefix + key);
      // The path and the probe's query string, so `ctx.url.includes(…)` runs instead of throwing; the recorded read is
      // what gets reported unless no query string decides the function.
      return key === 'url' || key === 'originalUrl' ? asked.before + asked.path + asked.search : undefined;
    },
  });
  return Object.create(recorder, {
    path: { get: () => asked?.path },
    method: {
      get: () => {
        if (!asked) return undefined;
        asked.readsMethod = true;
        return asked.method;
      },
    },
    ...own,
  });
}

/** The Host of a probe request, for koa's ctx.URL (made from it and originalUrl); a read of the host is recorded. */
const PROBE_ORIGIN = 'http://app.invalid';

/**
 * koa's ctx.URL for the probe: a real URL of the request, made as koa makes it (origin, then ctx.originalUrl); every
 * property read (search, searchParams, host, href, and pathname, which the Host header can end early) is recorded as
 * `URL.<property>`.
 */
function urlView(read: string): object | undefined {
  if (!asked) return undefined;
  let url: URL;
  try {
    url = new URL(`${PROBE_ORIGIN}${asked.before}${asked.path}${asked.search}`);
  } catch {
    // As koa answers a URL it cannot parse.
    return Object.create(null) as object;
  }
  return new Proxy(url, {
    get(target, key) {
      if (typeof key === 'string') recordRead(`${read}.${key}`);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const REQUEST = standIn('request.', {});
// node's IncomingMessage (ctx.req, ctx.request.req): its raw url is the path and query string, as koa's. It has none
// of Express's path, originalUrl, query and body: `ctx.req.originalUrl || ctx.path` decides by the path.
const REQ = standIn('req.', Object.fromEntries([ 'path', 'originalUrl', 'query', 'body' ].map(key => [ key, { value: undefined } ])));
// koa's ctx.request carries the same path and method.
const CTX = standIn('', {
  request: { get: () => asked && (asked.requestView ??= Object.create(REQUEST)) },
  app: { get: () => asked?.app },
  helper: {
    get(this: object) {
      return helperOf(this);
    },
  },
});

/** The helper of each probe's ctx, made once per ctx as egg's context extension does. */
const helpers = new WeakMap<object, object>();

/**
 * `ctx.helper` for a probe: egg's server-side helper (`new app.Helper(ctx)`, whose methods app/extend/helper of the
 * app, its plugins and framework define), server code as `ctx.app` is, given the stand-in as its ctx so that what a
 * helper reads of the request (`this.ctx.get('x-internal')`) is recorded. The audit's app has no Helper: the
 * function cannot be run, which is no read of the client's.
 */
function helperOf(ctx: object): object | undefined {
  if (!asked) return undefined;
  const Helper = (asked.app as { Helper?: unknown } | undefined)?.Helper;
  if (typeof Helper !== 'function') throw new Error('egg\'s helper (ctx.helper) is not loaded: egg-sentinel audit runs no app/extend code, the boot check calls it');
  let helper = helpers.get(ctx);
  if (!helper) {
    // egg-core's BaseContextClass reads ctx.app and ctx.service as it is made: egg's reads, not the function's.
    const reads = asked.otherReads.length;
    helper = Reflect.construct(Helper, [ ctx ]) as object;
    asked.otherReads.length = reads;
    helpers.set(ctx, helper);
  }
  return helper;
}

/** The most paths one app view records: a function reading a large list still gives a bounded set of probes. */
const MAX_RECORDED_APP_PATHS = 256;
/** The most config keys the app views of one collection record (each is watched after the check). */
const MAX_RECORDED_CONFIG_KEYS = 256;
/** The reads of one app view whose key paths are recorded: the first asks (`/`, the first probes) read what the rest do. */
const MAX_CONFIG_KEY_READS = 512;

/**
 * `target` as a function reads it, recording into `found` every string starting with `/` it reads, in plain data
 * (objects, arrays, Sets and Maps' keys, as a config holds them) below it, and into `configKeys` the key path of each
 * own key of the app's config it reads (`auth.publicPaths` for `ctx.app.config.auth.publicPaths`: a write there after
 * the check changes what the function answers). Other objects (the app's services, a class instance) are handed out
 * as they are, so their methods run on themselves.
 */
function pathRecordingView(target: object, found: Set<string>, configKeys?: Set<string>): object {
  let keyReads = MAX_CONFIG_KEY_READS;
  const record = (value: unknown): void => {
    if (typeof value === 'string' && value.startsWith('/') && found.size < MAX_RECORDED_APP_PATHS) found.add(value);
  };
  // `at`: the key path below app.config of the value (undefined outside it).
  const view = (value: unknown, at: string | undefined): unknown => {
    if (typeof value === 'string') record(value);
    if (value instanceof Set) value.forEach(record);
    if (value instanceof Map) value.forEach((_item, key) => record(key));
    if (!value || typeof value !== 'object') return value;
    if (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
    if (Array.isArray(value)) value.forEach(record);
    return wrap(value, at);
  };
  const wrap = (object: object, at: string | undefined): object => new Proxy(object, {
    get: (inner, key) => {
      const value = Reflect.get(inner, key, inner);
      // app.config is egg-core's getter; below it, the config's own keys. An array's items and length are the array's:
      // it is watched whole, and a long list must not crowd the other keys out.
      // Keys are recorded for the first reads only: a filter asked about thousands of probes reads the same keys at each.
      const keyPath = !configKeys || keyReads-- <= 0 || typeof key !== 'string' ? undefined : at === undefined ? (object === target && key === 'config' ? '' : undefined) :
        Array.isArray(inner) || !Object.prototype.hasOwnProperty.call(inner, key) ? undefined : at ? `${at}.${key}` : key;
      if (keyPath !== undefined && keyPath && (configKeys as Set<string>).size < MAX_RECORDED_CONFIG_KEYS) (configKeys as Set<string>).add(keyPath);
      // A frozen data property must read as itself (a Proxy's invariant): recorded, not wrapped. Not an accessor, such
      // as the locked ones lib/config-watch.ts makes of watched keys, whose getter may return anything.
      const descriptor = Reflect.getOwnPropertyDescriptor(inner, key);
      if (descriptor && 'value' in descriptor && !descriptor.configurable && !descriptor.writable) {
        view(value, keyPath);
        return value;
      }
      return view(value, keyPath);
    },
  });
  return wrap(target, undefined);
}

/** A path-to-regexp key: 1.x says `optional`, 6.x and later give a `modifier` ('?', '*'). */
interface PathKey {
  name: string | number;
  optional?: boolean;
  modifier?: string;
  /** The parameter's own pattern, e.g. `\d+` (path-to-regexp 1.x and 6.x). */
  pattern?: string;
}

/** The fields of an @eggjs/router Layer that say which request paths reach it. */
export interface RouteLayer {
  path: string | RegExp;
  regexp: RegExp;
  /** path-to-regexp keys of the route's parameters. */
  paramNames: PathKey[];
  /** `end: false`: the route also serves every path below its own (a prefix). */
  opts?: { strict?: boolean; end?: boolean };
}

/** Sample parameter values, tried in turn until one satisfies the parameter's pattern. */
export const SAMPLE_PARAMS = [ '1', 'sentinel', 'a' ];

/**
 * Request paths egg's router dispatches to a route, for evaluating `match`/`ignore` against it: the route path with
 * its parameters filled in by path-to-regexp's own compile() (which checks each value against its parameter's
 * pattern, so the path matches the route by construction), also with its optional parameters left out, and each
 * with a trailing slash, which a router that is not strict (egg's default) sends to the same route, and in upper case
 * when the route ignores case.
 * Empty for a RegExp route or a parameter no sample satisfies.
 */
export function probePaths(modules: EggModules, route: RouteLayer): string[] {
  if (typeof route.path !== 'string') return [];
  const plain = plainProbes(route.path);
  if (plain !== undefined) return requestForms(route, plain);
  const toPath = modules.compilePath(route.path);
  const optional = (key: PathKey) => key.optional === true || key.modifier === '?' || key.modifier === '*';
  const variants = route.paramNames.some(optional) ? [ route.paramNames, route.paramNames.filter(key => !optional(key)) ] : [ route.paramNames ];
  const bases: string[] = [];
  for (const keys of variants) {
    const base = fillParams(toPath, keys);
    if (base === undefined) return [];
    // A request path starts with `/`: a catch-all registered as `*` fills to `1`.
    bases.push(base.startsWith('/') ? base : `/${base}`);
  }
  return requestForms(route, bases);
}

/**
 * A path as it is, in lower case, in upper case, and in mixed case: the forms a route that ignores case serves alike
 * (a route registered as `/Admin/Reports` serves `/admin/reports`, which a protect pattern `/admin/**` names). No repeats.
 */
export function caseForms(text: string): string[] {
  return [ ...new Set([ text, text.toLowerCase(), text.toUpperCase(), mixedCase(text) ]) ];
}

/** Letters alternately upper and lower case (`/ApI/UsErS`): a filter that knows only the lower and upper forms misses it. */
function mixedCase(text: string): string {
  let upper = true;
  return text.replace(/[a-z]/gi, letter => {
    const out = upper ? letter.toUpperCase() : letter.toLowerCase();
    upper = !upper;
    return out;
  });
}

/**
 * Each path, its trailing-slash form when the router is not strict (egg's default), and, when the route ignores case
 * (a router made without `sensitive: true`, as koa-router's default is; egg's own router is case-sensitive), its
 * upper-case and mixed-case forms, which a case-sensitive RegExp or function filter may not recognise; no repeats.
 */
function requestForms(route: RouteLayer, bases: string[]): string[] {
  const paths = new Set<string>();
  const anyCase = route.regexp.flags.includes('i');
  for (const base of bases) {
    for (const form of anyCase ? caseForms(base) : [ base ]) {
      paths.add(form);
      if (!route.opts?.strict && !form.endsWith('/')) paths.add(`${form}/`);
    }
  }
  return [ ...paths ];
}

/**
 * What compile() has to handle in a path once its plain parameters are filled in: syntax of some path-to-regexp
 * version, a `:` or `"` left over (a parameter name that is not `\w+`, such as path-to-regexp 8's Unicode and quoted
 * names), `$` and anything but printable ASCII (where such a name could end).
 */
const PATTERN_SYNTAX = /[()*?+\\{}[\]!:"$]|[^ -~]/;
/**
 * Parameter patterns whose text path-to-regexp 1.x rewrites before compiling (it escapes `=!:$/()`), or which anchor
 * (`^`): what they accept is not what their text says, so compile() fills them.
 */
const REWRITTEN_PATTERN = /[=!:$/()^]/;
/** `:name`, or `:name(pattern)` with a pattern without groups (path-to-regexp 1.x and 6.x). */
export const ROUTE_PARAMETER = /:\w+(?:\(((?:[^()\\]|\\.)*)\))?/g;

/**
 * The probes of a route made of literal text and parameters (`:id`, `:id(\\d+)`), built without compile(): each
 * parameter becomes the first sample its pattern accepts (any sample for the default pattern, one path segment), as
 * compile() does, and the rest of the path must be literal; then, for a parameter whose pattern lists several strings
 * (`:area(admin|Admin)`), each of them, as a RegExp route's strings are, up to MAX_REGEXP_STRINGS probes: a filter may
 * know one and miss the others. Not checked against the route's RegExp: V8 compiles a RegExp on its first use, and
 * that, for every route, was the costliest step of a large route table (the property tests check that every probe
 * reaches its route). Undefined when compile() has to build the probe.
 */
function plainProbes(routePath: string): string[] | undefined {
  let unsatisfied = false;
  let several = false;
  const valuesOf = (pattern: string | undefined) => {
    const values = pattern === undefined ? [ SAMPLE_PARAMS[0] ] : REWRITTEN_PATTERN.test(pattern) ? [] : parameterValues(pattern);
    if (!values.length) unsatisfied = true;
    if (values.length > 1) several = true;
    return values;
  };
  const probe = routePath.replace(ROUTE_PARAMETER, (_parameter: string, pattern: string | undefined) => valuesOf(pattern)[0] ?? '');
  if (unsatisfied || PATTERN_SYNTAX.test(probe)) return undefined;
  if (!several) return [ probe ];
  // Every combination, the first sample's first: the route's base probe stays what it was.
  let probes = [ '' ];
  let end = 0;
  for (const parameter of routePath.matchAll(ROUTE_PARAMETER)) {
    const literal = routePath.slice(end, parameter.index);
    const values = valuesOf(parameter[1]);
    probes = probes.flatMap(start => values.map(value => start + literal + value)).slice(0, MAX_REGEXP_STRINGS);
    end = (parameter.index as number) + parameter[0].length;
  }
  return [ probe, ...probes.map(start => start + routePath.slice(end)).filter(other => other !== probe && !PATTERN_SYNTAX.test(other)) ];
}

/** Values by parameter pattern: a large route table repeats a few patterns (`\\d+`) hundreds of times. */
const parameterValuesOf = new Map<string, string[]>();

/**
 * The first sample that satisfies a parameter's own pattern, else the first string the pattern itself names that does
 * and stays in one path segment (`:oid([0-9a-f]{24})`, `:lang(en|zh-CN)`); then, when the pattern names several such
 * strings (`en|zh-CN`), the others. Empty when there is none.
 */
function parameterValues(pattern: string): string[] {
  let values = parameterValuesOf.get(pattern);
  if (values === undefined) {
    try {
      const own = new RegExp(`^(?:${pattern})$`);
      const named = regexpStrings(pattern).filter(candidate => !candidate.includes('/') && own.test(candidate));
      const sample = SAMPLE_PARAMS.find(candidate => own.test(candidate));
      // One named string (`\\d+` names `0`) adds nothing a sample does not.
      values = [ ...new Set([ ...(sample === undefined ? [] : [ sample ]), ...(named.length > 1 || sample === undefined ? named : []) ]) ];
    } catch {
      values = [];
    }
    parameterValuesOf.set(pattern, values);
  }
  return values;
}

/** The first value of parameterValues, or undefined when there is none. */
function sampleFor(pattern: string): string | undefined {
  return parameterValues(pattern)[0];
}

function fillParams(toPath: ToPath, keys: PathKey[]): string | undefined {
  // Each parameter's own sample first (`/:id(\d+)/:tab([a-z]+)` needs two different ones), then one sample for all.
  const perKey = Object.fromEntries(keys.map(key => [ String(key.name), (key.pattern ? sampleFor(key.pattern) : undefined) ?? SAMPLE_PARAMS[0] ]));
  for (const params of [ perKey, ...SAMPLE_PARAMS.map(sample => Object.fromEntries(keys.map(key => [ String(key.name), sample ]))) ]) {
    try {
      return toPath(params);
    } catch {
      // compile() refuses a value that does not satisfy the parameter's pattern: try the next sample
    }
  }
  return undefined;
}

/** A readable form of a `match`/`ignore` value for logs and messages, e.g. `'/api'`, `/^\/admin/`, `[Function: isPublic]`. */
export function describePattern(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describePattern).join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'function') return `[Function: ${(value as AnyFunction).name || '(anonymous)'}]`;
  return String(value);
}
