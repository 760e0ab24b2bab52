/**
 * The snapshot every rule reads. Only `lib/facts/` builds it; rules never touch egg objects.
 * Values are read-only views: rules must not mutate them.
 */
import type { FileFacts } from './files';
import type { PluginTrustFacts } from './plugins';
import type { RuntimeFacts } from './runtime';
import type { BuiltinFacts } from './builtins';

export type ProcessType = 'app' | 'agent';

export interface PluginFact {
  name: string;
  enable: boolean;
  /** npm package name when the plugin came from a package. */
  package?: string;
  version?: string;
  /** The plugin's directory: its package root (egg 4 loads the build `eggPlugin.exports` names inside it). */
  path?: string;
  /** File that enabled it (`config/plugin.ts`, egg's own list, `<EGG_PLUGINS>`…). */
  from?: string;
  implicitEnable?: boolean;
  /**
   * The `env` list egg keeps for it (none: every env), and the file that wrote it: a later entry with no list or an
   * empty one (`env: []`) does not replace it.
   */
  env?: { list: string[]; from: string };
}

/** How a middleware's `match`/`ignore` treats requests, evaluated with egg's own egg-path-matching. */
export interface MiddlewareFilterFact {
  /** Readable form for logs and messages, e.g. `ignore: '/public'` or `match: [/^\/api/, [Function: isApi]]`. */
  summary: string;
  /** It skipped every probe request (each route's paths and `/`): the middleware never runs. */
  skipsEveryPath: boolean;
}

/** One egg-security protection with `match`/`ignore`: `name` is its key under config.security (`csrf`). */
export interface SecurityScopeFact extends MiddlewareFilterFact {
  name: string;
  /** `match` or `ignore`: egg-security uses `match` when both are set. */
  kind: 'match' | 'ignore';
  /** What a function in it read of the request besides its path and method (`url`, `get`…): the client decides those. */
  clientReads?: string[];
  /** What a function in it uses from outside its own source when its URL read stood for that (`isPartner`): see FilterOutcome.outside. */
  outside?: string[];
  /** A sticky RegExp in it (flag y without g, `/^\/api/y`), which egg-path-matching never resets: each request starts where the one before left it. */
  sticky?: string;
  /**
   * csrf's and xframe's only: each route request (`POST /api/data`, a probe with each of the route's methods) the scope
   * surely skips; one not listed may run the protection.
   */
  skippedRequests?: string[];
}

/** A write of `ctx.securityOptions.<name>` that switches the protection off or sets its value (see Facts.securityOverrides). */
export interface SecurityOverrideFact {
  /** Its key under ctx.securityOptions (`xframe`; egg-security reads `refererPolicy` there, `referrerPolicy` in config). */
  name: string;
  /**
   * `off`: its `enable` written falsy (egg-security then skips it for the request); `value`: a string written as its
   * `value`; `maxAge`: hsts's max-age written as a number; `reportOnly`: csp's written true (reported, not enforced).
   */
  effect: 'off' | 'value' | 'maxAge' | 'reportOnly';
  /** The string written, for `value`. */
  value?: string;
  /** The number written, for `maxAge`. */
  seconds?: number;
  /** The module that writes it, relative to the app root. */
  file: string;
}

export interface MiddlewareFact {
  /** Name as in `coreMiddleware`/`appMiddleware` (wrapper suffixes stripped). */
  name: string;
  /** Position in the composed koa chain (0 = first to run); null when configured but not in the chain (disabled). */
  position: number | null;
  /** The list egg took it from: `coreMiddleware`, `appMiddleware` (config.middleware); `other` for app.use(). */
  group: 'core' | 'app' | 'router' | 'other';
  /** Source file of the middleware factory, when egg recorded it. */
  file?: string;
  /**
   * Who wrote the factory, by its file: egg or the framework (`loader.eggPaths`), an enabled plugin, or the app
   * (anywhere else). An app can put its own middleware into coreMiddleware; the group alone does not say this.
   * Undefined when egg recorded no file.
   */
  origin?: 'framework' | 'plugin' | 'app';
  enable: boolean;
  match?: unknown;
  ignore?: unknown;
  /** Present when the middleware has `match` or `ignore`. */
  filter?: MiddlewareFilterFact;
  /** A `router` entry that hands requests to a router other than egg's (an egg-router-plus namespace). */
  mount?: boolean;
  /** A mount at which no router egg-sentinel knows is dispatched: the routes it serves are not in the route table. */
  servesUnseenRouter?: true;
  /** Its source shows it cannot answer a request itself: it calls next() and writes nothing of the response. */
  passesThrough?: boolean;
  /**
   * Its code (inside egg's match/ignore wrapper too) writes a response body or hands ctx to a function it calls (an
   * endpoint: egg-graphql's, a metrics page); only where it does not pass through.
   */
  writesBody?: true;
  /** The package that wrote a function the app gave to app.use() (`app.use(serve(dir))`); `file` is that call's. */
  package?: string;
  /** The only methods its package's middleware answers (a static file server: GET and HEAD); the rest it hands on. */
  answersOnly?: string[];
  /**
   * Its source writes the path egg's router dispatches by for the rest of the chain (`ctx.path = …`, `ctx.url`, or
   * `ctx.routerPath`, which the router reads first while match/ignore keep seeing ctx.path): the statement as written.
   */
  rewritesRoute?: { write: string; routerPath: boolean };
  /**
   * A middleware a package ships that hands every request on (lib/facts/never-refuses.ts): it loads the user at most
   * and refuses no request, an anonymous one included, so it guards nothing by itself (SEN404). Its package, its file
   * in that package, and what it does instead of refusing. Also the app's own middleware whose live function calls
   * next() for every request and answers none, not even with an error (passesThrough with errorsAnswer).
   */
  neverRefuses?: NeverRefusingFact;
  /**
   * Keys of `config.<name>` (`ignore`, `prefix`) that code changed after egg built the middleware with them: egg
   * keeps enforcing the values it built with, which `match`/`ignore` here are.
   */
  changedAfterLoad?: string[];
}

/** See MiddlewareFact.neverRefuses. */
export interface NeverRefusingFact {
  /** The package that ships it; none for the app's own middleware whose code refuses nothing. */
  package?: string;
  /** The factory's file inside the package (`app/middleware/passport_session.js`), or the app's file. */
  file: string;
  /** `it only loads the user from the session`. */
  does: string;
}

/**
 * How the chain lists an app.use()'d function named like the `name` factory that did not make it: not that
 * middleware, and no policy name (`[A-Za-z_$][\w$]*`) matches it.
 */
export function imitationName(name: string): string {
  return `${name} (imitation)`;
}

/**
 * Whether a middleware runs for the requests egg's router dispatches to a route: for every one, for some, for none,
 * or `unverified` when it depends on more than the path and method (a `match` function reading headers, a RegExp route).
 */
export type StepRuns = 'always' | 'partly' | 'never' | 'unverified';

/** A request to a route: its path, and its method when the outcome depended on it. */
export interface ProbeRequest {
  path: string;
  method?: string;
}

/**
 * A middleware factory that a plugin's app/middleware file replaced: egg's loader lets a later load unit's file of the
 * same name win (`override`), so the chain keeps the name and place while the code is the plugin's.
 */
export interface ReplacedMiddlewareFact {
  name: string;
  /** The file egg loaded (display path), and the plugin it is in. */
  file: string;
  plugin?: string;
  package?: string;
  /** The files of the same name in earlier load units (egg's, other plugins') that it replaced. */
  replaced: string[];
}

/** One middleware in a route's effective chain. */
export interface RouteStep {
  name: string;
  /**
   * `global`: the app's middleware chain; `router`: `router.use()` middleware, or a function of an earlier route of the
   * router whose handler may pass the request on (`earlierRoute`); `route`: given to the route itself.
   */
  level: 'global' | 'router' | 'route';
  /**
   * A `router` step of an earlier route that matches some of the route's requests and whose handler takes `next`
   * (koa-router's guard route, `router.all('/admin/(.*)', app.middleware.adminOnly())`): egg's router runs the
   * functions of every route matching a request in the order registered. That route, as `ALL /admin/(.*)`.
   */
  earlierRoute?: string;
  runs: StepRuns;
  /** The requests it is skipped for, when it runs `partly`. */
  skippedFor?: ProbeRequest[];
  /**
   * Why it could not be verified, when `unverified` (e.g. `its match function reads ctx.get`); why it is skipped, when
   * it runs `partly` for a reason of its own code (koa-jwt2's CORS preflight pass-through).
   */
  detail?: string;
  /** It runs `partly` because its own code hands some requests on (passedMethods), not because of its match/ignore. */
  byOwnCode?: true;
  /**
   * A route-level step one of the app's own middleware factories made whose code never refuses a request (read as
   * MiddlewareFact.neverRefuses is): its factory's file and what it does instead.
   */
  refusesNothing?: { file: string; does: string };
  /**
   * A route-level step made by `app.middleware.<name>(options)`: what those options say about requests without
   * credentials (`credentialsRequired`, `passthrough`), when they name either; nothing else of them is kept.
   */
  given?: { credentialsRequired?: unknown; passthrough?: unknown };
  /**
   * A middleware factory given to the route uncalled (`router.get(path, app.middleware.adminOnly, controller)`): egg's
   * router runs the factory in the middleware's place, with ctx and next for its options and app. `mayHandOn` when its
   * code may call that second argument (next); otherwise no request to the route reaches its controller.
   */
  uncalledFactory?: { factory: string; mayHandOn: boolean };
  /**
   * The audit's stand-in for an extension getter whose text calls several middleware factories, or one by a computed
   * name (`computed`): the ones it names, and what the audit could not tell. Which it gives is known at boot only.
   */
  unidentified?: { factories: string[]; computed: boolean; detail: string };
  /**
   * A route-level function of the app's own (not made by a middleware factory or extension; a router.param() handler,
   * `param:<name>`) that may answer some requests without calling next: a response cache, a record loader that
   * answers 404. SEN402 judges it against a constraint `before: ['*app']` of a guard given to the route after it.
   */
  mayAnswer?: true;
}

/** How a route's chain names a middleware factory given to it uncalled: no policy name (`[A-Za-z_$][\w$]*`) matches it. */
export function uncalledFactoryName(factory: string): string {
  return `${factory} (factory, not called)`;
}

/** The code a route runs in the end. */
export interface ControllerFact {
  /** `HomeController.index()`, `home.index()` for an object controller, or an inline handler's function name. */
  action: string;
  /** The controller file relative to baseDir, for actions egg's loader loaded from app/controller. */
  file?: string;
  /**
   * `app/router.ts:12`: where the route was registered (the line of its `router.get(…)`, in the `.ts` of an app compiled
   * in place); none for a tegg route. A getter that formats it when first read (lib/facts/middleware.ts).
   */
  readonly registeredAt?: string;
  /**
   * A method of a tegg decorator controller (`@HTTPController`), which @eggjs/tegg-controller-plugin registered: its
   * route middleware is what tegg's `@Middleware()` gives the class or the method.
   */
  tegg?: true;
  /** Registered by `router.redirect(path, destination)`: it answers with a 30x to the destination (as given) and serves no data. */
  redirectsTo?: string;
}

/** An `app.jsonp(options)` call (egg-jsonp) whose middleware runs for a route: egg-jsonp merges its options over config.jsonp. */
export interface JsonpCallFact {
  /** The argument as the app gave it (a live reference; undefined when it gave none). */
  options: unknown;
  /** `app/router.js:9`: where the app called app.jsonp(). */
  calledAt?: string;
}

export interface RouteFact {
  /** HTTP methods; HEAD is left out when GET is there (egg's router adds it to every GET route). */
  methods: string[];
  /** Registered with `router.all()`: every HTTP method reaches it. */
  allMethods: boolean;
  /** The path as egg's router holds it (prefixes applied); a RegExp route as its source, e.g. `/^\/legacy/`. */
  path: string;
  name?: string;
  /** Names of route-level middleware, in order, without the controller. */
  middleware: string[];
  /** Recorded when the route was registered; absent for routes registered before egg-sentinel was loaded. */
  controller?: ControllerFact;
  /** Request paths egg's router dispatches to the route (parameters filled with samples); empty for a RegExp route. */
  probes: string[];
  /**
   * The route matches paths in any case (a router made without `sensitive`, a RegExp route with the i flag): a
   * request path it serves in one case it serves in every case.
   */
  ignoresCase?: true;
  /**
   * The recorded `app.jsonp(…)` calls whose middleware runs for the route (given to `router.use()` before it, then to
   * the route), in the order they run; absent when none was recorded.
   */
  jsonp?: JsonpCallFact[];
  /**
   * Its router is also dispatched inside a middleware that rewrites the path (koa-mount): it serves request paths under
   * a prefix egg-sentinel cannot know, which any `routes.protect` pattern may cover.
   */
  underUnknownPrefix?: true;
  /**
   * A catch-all route of its router registered earlier for its methods (`router.get('*', …)`), whose handler answers
   * every such request: egg's router never reaches this one.
   */
  shadowedBy?: Pick<RouteFact, 'methods' | 'allMethods' | 'path'>;
  /**
   * The effective chain before the controller: the global chain (each with whether its match/ignore lets it run for
   * this route), then `router.use()` middleware registered before the route, then route-level middleware.
   */
  chain: RouteStep[];
}

export interface EnvSource {
  /** Where the value came from, e.g. `EGG_SERVER_ENV` or `config/env file`. */
  source: string;
  /** `env` or `scope`. */
  kind: 'env' | 'scope';
  value: string;
}

export interface EnvFacts {
  serverEnv: string;
  serverScope: string;
  /** Every place egg reads the env and scope from that holds a value. */
  sources: EnvSource[];
  nodeOptions: string;
  execArgv: string[];
  /** Whether `EGG_APP_CONFIG` / `EGG_PLUGINS` are set (values are not kept). */
  eggAppConfigSet: boolean;
  eggPluginsSet: boolean;
}

export interface AppInfoFacts {
  name: string;
  baseDir: string;
  /** Directory egg writes its run files to (`config.rundir`). */
  runDir: string;
  eggVersion?: string;
}

export interface IpcFacts {
  mode: 'enforce' | 'report' | 'off';
  /** cluster-client channel: protected, off by config, or a version egg-sentinel was not built for. */
  clusterClient: { state: 'protected' | 'unsupported' | 'not-found' | 'off'; version?: string; /** egg's copy. */ path?: string };
  /**
   * The copies of cluster-client other than egg's that this app worker, and the agent (when it handed its facts over,
   * lib/facts/handover.ts), loaded: a plugin's nested node_modules/cluster-client runs its own leader on its own port.
   */
  clusterClientCopies: Array<{ path: string; version: string; process: ProcessType; protected: boolean }>;
  /** Where the signing secret comes from; the value itself is not kept here. */
  secretSource: 'config' | 'environment' | 'generated';
  /** Estimated strength of a configured or environment secret, in bits (generated secrets are 256). */
  secretBits: number;
  /** Why secretBits is lower than the secret's characters carry (`it is mostly … words`), never quoting it. */
  secretWeakness?: string;
  /** Where `sentinel.ipc.secret` was set, when configured. */
  secretProvenance?: string;
  /**
   * `sentinel.ipc.previousSecrets`, in order: each still verifies messages until its date, so each is judged too. Where a
   * configured secret comes from is judged on the config (SEN502), as SEN202 judges other secrets.
   */
  previousSecrets: Array<{ bits: number; weakness?: string; until: string; daysLeft: number }>;
}

export interface Facts {
  process: ProcessType;
  app: AppInfoFacts;
  env: EnvFacts;
  /** The merged config (a live reference; treat as read-only). */
  config: Readonly<Record<string, unknown>>;
  /** Returns the file that last set `keyPath` (dotted), relative to baseDir where possible. */
  provenance(keyPath: string): string | undefined;
  /**
   * The config file of egg, the framework or a plugin (relative to baseDir where possible) whose literal `value` a key
   * still holds although the app's config sets it: to undefined, as `secret: process.env.JWT_SECRET` does when the
   * variable is unset, which egg's merge skips. `over` is the app's file that names the key so: egg's provenance names
   * it only when nothing else is set beside the key (`jwt: { secret, enable }` leaves the plugin's file recorded).
   * Undefined otherwise.
   */
  keptDefaultIn(keyPath: string, value: string): { file: string; over?: string } | undefined;
  /**
   * The key path code wrote after the boot check, when the config is judged with that write (lib/boot-app.ts): its
   * value is the writer's, not one a config file computed or fell back on.
   */
  writtenAfterCheck?: string;
  plugins: PluginFact[];
  /** Where enabled plugins live, their lockfile entries, install hooks, manifest results, EGG_PLUGINS (lib/facts/plugins.ts). */
  pluginTrust: PluginTrustFacts;
  /** Empty in the agent, which has no middleware or router. */
  middleware: MiddlewareFact[];
  /** Every middleware egg loaded (the `app/middleware` of plugins, framework and app), in the chain or not. */
  availableMiddleware: string[];
  routes: RouteFact[];
  /**
   * egg-security's protections (`config.security.csrf`, `.xframe`…) scoped with `match`/`ignore`, judged like a
   * global middleware's filter against every route and `/`. Empty in the agent.
   */
  securityScopes: SecurityScopeFact[];
  /** Request paths egg's siteFile middleware answers (GET, HEAD) with a function of the app's, before every app middleware. Empty in the agent. */
  siteFileHandlers: string[];
  /** Middleware factories a plugin's app/middleware file took the place of (SEN108). Empty in the agent. */
  replacedMiddleware: ReplacedMiddlewareFact[];
  /**
   * Key paths of the app's config a global middleware's or egg-security protection's match/ignore function read when asked (`auth.publicPaths` of
   * `ctx.app.config.auth.publicPaths.includes(ctx.path)`): watched after the check as security-relevant. Empty in the agent.
   */
  configReadByFilters: string[];
  /**
   * App code (its modules this process loaded, outside node_modules) that switches an egg-security header off for the
   * requests it picks: `ctx.securityOptions.xframe = { enable: false }`, which egg-security merges over config.security
   * for that request. Empty in the agent.
   */
  securityOverrides: SecurityOverrideFact[];
  /**
   * The options egg built a middleware with, by name, for each one whose `config.<name>` code changed since
   * (MiddlewareFact.changedAfterLoad): what it enforces. Empty in the agent; read through middlewareOptions.
   */
  builtOptions: Record<string, unknown>;
  ipc: IpcFacts;
  /** Files that hold or shape config: modes, egg's config dumps, static dirs, path-valued config, .gitignore (lib/facts/files.ts). */
  files: FileFacts;
  /** Process state the config rules read: environment values, node flags, prototypes, EGG_APP_CONFIG (lib/facts/runtime.ts). */
  runtime: RuntimeFacts;
  /** Installed packages, the advisory database, Node.js and NODE_ENV for threat 6 (lib/facts/builtins.ts). */
  builtins: BuiltinFacts;
}
