/**
 * Threat 4: middleware order and route coverage. The policy lives in config.sentinel.middleware and
 * config.sentinel.routes; without one, only SEN405 (egg-security's own middleware) applies.
 */
import type { SentinelConfig, SentinelMiddlewareConfig, SentinelRoutesConfig } from '../config/types';
import { type StaticDirFact, staticDirEntries } from '../facts/files';
import { ANSWERS_EVERY_REQUEST, hookRoutePlugins, middlewareOptions } from '../facts/middleware';
import { type ControllerFact, type Facts, imitationName, type MiddlewareFact, type ProbeRequest, type RouteFact, type RouteStep } from '../facts/types';
import { compileRoutePattern } from '../route-pattern';
import type { Rule, RuleHit } from './types';

export { compileRoutePattern } from '../route-pattern';

/** Routes listed in a message before "and N more". */
const LISTED_ROUTES = 5;
/** Group selectors in `order` constraints. */
const GROUP_SELECTORS: Record<string, (entry: MiddlewareFact) => boolean> = {
  '*core': entry => entry.group === 'core' && !appOwnedOutsideList(entry),
  // An app middleware that hands every request on first (egg's guide's response timer) answers none before the others.
  '*app': entry => (entry.group === 'app' && !entry.passesThrough) || (appOwnedOutsideList(entry) && !answersOnly(entry, [ 'OPTIONS' ])),
};
/** In `order` constraints' before/after: egg's router and every router mounted in the chain (group `router`). */
const ROUTER_SELECTOR = 'router';

/**
 * The app's own middleware that code put into coreMiddleware or the chain (`app.use()`), as SEN405 counts them: an app
 * middleware wherever it sits, unless it hands every request on to next() first and so cannot answer before others.
 */
function appOwnedOutsideList(entry: MiddlewareFact): boolean {
  return entry.group !== 'app' && entry.group !== 'router' && entry.origin === 'app' && !entry.passesThrough;
}

interface Policy {
  middleware: SentinelMiddlewareConfig;
  routes: SentinelRoutesConfig;
  required: string[];
  /** Every middleware named in `routes.protect[].by`. */
  guards: string[];
}

function policyOf(facts: Facts): Policy {
  const sentinel = (facts.config.sentinel ?? {}) as SentinelConfig;
  const middleware = sentinel.middleware ?? {};
  const routes = sentinel.routes ?? {};
  return {
    middleware,
    routes,
    required: middleware.required ?? [],
    guards: [ ...new Set((routes.protect ?? []).flatMap(entry => entry.by)) ],
  };
}

/**
 * Whether a `protect` pattern covers a route: by the path it was registered with, or by a request path it serves
 * (its probes): `/:section/export` serves `/admin/export`, which `'/admin/**'` protects.
 */
function protects(matches: Array<(routePath: string) => boolean>, route: RouteFact): boolean {
  if (matchesAny(matches, route.path)) return true;
  for (let probe = 0; probe < route.probes.length; probe++) if (matchesAny(matches, decodedPath(route.probes[probe]))) return true;
  return false;
}

/** A request path as the router hands it to the controller: `/%61dmin/export` serves `/admin/export`. */
function decodedPath(requestPath: string): string {
  if (!requestPath.includes('%')) return requestPath;
  try {
    return decodeURIComponent(requestPath);
  } catch {
    return requestPath;
  }
}

function matchesAny(matches: Array<(routePath: string) => boolean>, routePath: string): boolean {
  for (let index = 0; index < matches.length; index++) if (matches[index](routePath)) return true;
  return false;
}

/** `GET /users/:id`, `ALL /webhook`, `GET,POST /form`: how findings and the report name a route. */
export function routeLabel(route: Pick<RouteFact, 'methods' | 'allMethods' | 'path'>): string {
  return `${route.allMethods ? 'ALL' : route.methods.join(',')} ${route.path}`;
}

/** `app/controller/admin.ts#AdminController.export()`, or an inline handler and where it was registered. */
export function controllerLabel(controller: ControllerFact | undefined): string {
  if (!controller) return 'controller not recorded (registered before egg-sentinel\'s hook ran, or copied from a nested router)';
  if (controller.file) return `${controller.file}#${controller.action}`;
  const what = controller.redirectsTo === undefined ? `inline handler ${controller.action}` : `redirect to ${controller.redirectsTo}`;
  return `${what}${controller.registeredAt ? ` registered at ${controller.registeredAt}` : ''}`;
}

/**
 * Where a route finding points (its `source`, which the text, JSON and SARIF reports place: lib/cli/locate.ts): the
 * route's `router.get(…)`, where its guard goes, rather than the controller method other routes may share; a tegg
 * route's, or one registered unseen, at its controller's method.
 */
function routeSource(controller: ControllerFact | undefined): string | undefined {
  return controller?.registeredAt ?? (controller?.file ? `${controller.file}#${controller.action}` : undefined);
}

/** `#3 auth (app/middleware/auth.ts)`: a middleware with its 1-based position in the effective chain. */
function positioned(entry: MiddlewareFact): string {
  const where = entry.package ? `${entry.package}'s, app.use() in ${entry.file}` : entry.file;
  return `#${(entry.position ?? 0) + 1} ${entry.name}${where ? ` (${where})` : ''}`;
}

/** Methods egg-security's csrf does not check by default (its supportedRequests list the others). */
const CSRF_UNCHECKED_METHODS = [ 'GET', 'HEAD', 'OPTIONS', 'TRACE' ];

/**
 * A package's middleware that answers only some of `methods` and hands every other request on: a static file server
 * answers no method csrf checks; a CORS middleware only preflights, which carry no credentials and get no data.
 */
function answersOnly(entry: MiddlewareFact, methods: readonly string[]): boolean {
  return entry.answersOnly !== undefined && entry.answersOnly.every(method => methods.includes(method));
}

function inChain(facts: Facts, name: string): MiddlewareFact | undefined {
  return facts.middleware.find(entry => entry.name === name && entry.position !== null && entry.group !== 'router');
}

/** Every name the app knows as a middleware: loaded factories, the chain, and route-level and router.use() ones. */
function knownMiddleware(facts: Facts): Set<string> {
  const known = new Set([ ...facts.availableMiddleware, ...facts.middleware.filter(entry => entry.group !== 'router').map(entry => entry.name) ]);
  for (const route of facts.routes) {
    // A chain lists the global steps first: walk back from its end to the last of them.
    for (let index = route.chain.length - 1; index >= 0 && route.chain[index].level !== 'global'; index--) {
      // A factory given uncalled is listed by its name in availableMiddleware.
      if (!route.chain[index].uncalledFactory) known.add(route.chain[index].name);
    }
  }
  return known;
}

/** A protected route: the guards it needs and the methods not made public. */
interface ProtectedRoute {
  route: RouteFact;
  guards: string[];
  publicMethods: Set<string>;
  /**
   * Guards a pattern requires only for some request paths the route serves (`/:slug` serves `/admin`, which
   * `'/admin/**'` protects), with those paths; a guard not listed is required for every request to the route.
   */
  onlyFor?: Map<string, Set<string>>;
  /**
   * guardGap's answer per guard: SEN403 and SEN404 both ask. Shared by the routes with the same guards, public
   * methods and chain array (lib/facts/middleware.ts), whose answers are the same.
   */
  gaps: Map<string, string | undefined>;
  /** A public entry names its registered path, which a route served where it is registered also has: not applied to this one. */
  publicNotApplied?: true;
}

/**
 * `GET /admin`, `ALL except GET,HEAD /webhook`: a protected route with the methods that are not public, and the
 * request paths that make it protected when its own path does not: `GET /:slug (serving /admin)`.
 */
function protectedLabel(target: ProtectedRoute): string {
  const { route, publicMethods, onlyFor } = target;
  const methods = route.allMethods ? `ALL${publicMethods.size ? ` except ${[ ...publicMethods ].join(',')}` : ''}` :
    route.methods.filter(method => !publicMethods.has(method)).join(',');
  const serving = onlyFor && [ ...new Set([ ...onlyFor.values() ].flatMap(paths => [ ...paths ])) ];
  const mounted = route.underUnknownPrefix ? ' (also served under a prefix egg-sentinel cannot know, through a middleware that rewrites the path such as koa-mount, ' +
    `so every protect pattern may cover it${target.publicNotApplied ? '; the routes.public entry for its path is taken to mean the route of that path that is served ' +
      'where it is registered, not this one: give this one its guards, or waive SEN404 for it with the reason' : ''})` : '';
  return `${methods} ${route.path}${serving?.length ? ` (serving ${serving.join(', ')})` : ''}${mounted}`;
}

/** SEN403 and SEN404 both need the coverage of one facts snapshot. */
const coverage = new WeakMap<Facts, ProtectedRoute[]>();

/** The routes `routes.protect` covers, minus what `routes.public` exempts. */
function protectedRoutes(facts: Facts): ProtectedRoute[] {
  const known = coverage.get(facts);
  if (known) return known;
  const covered = coverRoutes(facts, policyOf(facts));
  coverage.set(facts, covered);
  return covered;
}

/** What the policy says of the routes that match the same protect and public entries. */
interface Coverage {
  guards: string[];
  publicMethods: Set<string>;
  gapsByChain: Map<RouteStep[], Map<string, string | undefined>>;
}

/** The policy's protect and public entries as predicates on route paths; a public entry's methods (GET with HEAD), or undefined for all. */
function compiledRoutePolicy(policy: Policy) {
  return {
    protect: (policy.routes.protect ?? []).map(entry => ({ by: entry.by, matches: entry.paths.map(compileRoutePattern) })),
    exemptions: (policy.routes.public ?? []).map(entry => ({
      methods: entry.methods && !entry.methods.includes('ALL') ? new Set(entry.methods.flatMap(method => (method === 'GET' ? [ 'GET', 'HEAD' ] : [ method ]))) : undefined,
      matches: (entry.paths ?? [ entry.path as string ]).map(compileRoutePattern),
    })),
  };
}

function coverRoutes(facts: Facts, policy: Policy): ProtectedRoute[] {
  const { protect, exemptions } = compiledRoutePolicy(policy);
  // Keyed by the entries a route matches; null when an exception without methods makes such routes wholly public.
  const coverages = new Map<string, Coverage | null>();
  const coverage = (protectedBy: number[], exemptBy: number[]): Coverage | null => {
    if (exemptBy.some(index => !exemptions[index].methods)) return null;
    return {
      guards: [ ...new Set(protectedBy.flatMap(index => protect[index].by)) ],
      publicMethods: new Set(exemptBy.flatMap(index => [ ...exemptions[index].methods ?? [] ])),
      gapsByChain: new Map(),
    };
  };
  const covered: ProtectedRoute[] = [];
  // Indexed loops and no per-route sets: this runs once per route while the code is still cold, where every
  // iterator, closure and collection allocates.
  for (let index = 0; index < facts.routes.length; index++) {
    const route = facts.routes[index];
    // A router.redirect() route answers with a 30x and the destination, which is a route of its own: it serves no data.
    if (route.controller?.redirectsTo !== undefined) continue;
    const protectedBy: number[] = [];
    // Entries that cover the route only through some request paths it serves, with those paths.
    let partly: Map<number, string[]> | undefined;
    for (let entry = 0; entry < protect.length; entry++) {
      // Served under a prefix nothing tells (koa-mount): any pattern may cover the paths it serves.
      if (route.underUnknownPrefix || matchesAny(protect[entry].matches, route.path)) {
        protectedBy.push(entry);
        continue;
      }
      let served = route.probes.filter(probe => matchesAny(protect[entry].matches, decodedPath(probe)));
      if (!served.length) continue;
      // `/admin/panel` protected, a route that ignores case serves the same to `/ADMIN/panel`; one whose own parameter
      // pattern spells a case variant out (`/:area(admin|Admin)/export`) serves the same area under it.
      served = sameIgnoringCase(route.probes, served, route.ignoresCase ? undefined : route.path);
      protectedBy.push(entry);
      (partly ??= new Map()).set(entry, served);
    }
    if (!protectedBy.length) continue;
    const exemptBy: number[] = [];
    let publicNotApplied: true | undefined;
    for (let entry = 0; entry < exemptions.length; entry++) {
      if (!matchesAny(exemptions[entry].matches, route.path)) continue;
      // A mounted router's route is served under a prefix nothing tells: an entry that also names a route served where
      // it is registered (the root's `/status`) is that route's, not a second one's at `/ops/status`.
      if (route.underUnknownPrefix && namesUnmountedRoute(facts, exemptions[entry].matches)) publicNotApplied = true;
      else exemptBy.push(entry);
    }
    const key = `${protectedBy.join(',')}|${exemptBy.join(',')}`;
    let shared = coverages.get(key);
    if (shared === undefined) coverages.set(key, shared = coverage(protectedBy, exemptBy));
    if (!shared) continue;
    const { publicMethods } = shared;
    if (!route.allMethods && route.methods.every(method => publicMethods.has(method))) continue;
    const onlyFor = partly && guardsOnlyFor(protect, protectedBy, partly);
    // The gaps of a route whose guards hold only for some of its paths are its own.
    let gaps = onlyFor ? new Map<string, string | undefined>() : shared.gapsByChain.get(route.chain);
    if (!gaps) shared.gapsByChain.set(route.chain, gaps = new Map());
    covered.push({ route, guards: shared.guards, publicMethods, gaps, onlyFor, ...(publicNotApplied && { publicNotApplied }) });
  }
  return covered;
}

function namesUnmountedRoute(facts: Facts, matches: Array<(routePath: string) => boolean>): boolean {
  return facts.routes.some(route => !route.underUnknownPrefix && matchesAny(matches, route.path));
}

/**
 * The probes equal to one of `served` but for case; with `spelledIn`, only those whose segments that differ from it
 * that text names as a whole word (the route's path, whose parameter pattern lists `Admin` beside `admin`; a sample
 * value `a` is not named by every path holding the letter).
 */
function sameIgnoringCase(probes: string[], served: string[], spelledIn?: string): string[] {
  const folded = new Map(served.map(probe => [ decodedPath(probe).toLowerCase(), decodedPath(probe).split('/') ]));
  const words = spelledIn === undefined ? undefined : new Set(spelledIn.split(/[/:()|?*+{}[\]^]+/));
  return probes.filter(probe => {
    const path = decodedPath(probe);
    const same = folded.get(path.toLowerCase());
    return same !== undefined && (words === undefined || path.split('/').every((segment, index) => segment === same[index] || words.has(segment)));
  });
}

/**
 * The guards required only for some request paths of a route: those that no entry covering the route's own path
 * names, with the paths of the entries that cover it through them. Undefined when there is none.
 */
function guardsOnlyFor(protect: Array<{ by: string[] }>, protectedBy: number[], partly: Map<number, string[]>): Map<string, Set<string>> | undefined {
  const everywhere = new Set(protectedBy.filter(entry => !partly.has(entry)).flatMap(entry => protect[entry].by));
  let onlyFor: Map<string, Set<string>> | undefined;
  for (const [ entry, served ] of partly) {
    for (const guard of protect[entry].by) {
      if (everywhere.has(guard)) continue;
      let paths = (onlyFor ??= new Map()).get(guard);
      if (!paths) onlyFor.set(guard, paths = new Set<string>());
      served.forEach(path => paths?.add(path));
    }
  }
  return onlyFor;
}

/** Why `guard` does not run for every non-public request to the route, or undefined when it does. */
function guardGap(facts: Facts, target: ProtectedRoute, guard: string): string | undefined {
  if (!target.gaps.has(guard)) target.gaps.set(guard, findGuardGap(facts, target, guard));
  return target.gaps.get(guard);
}

/** `counts`: the steps of the guard that may guard the route (all of them, unless SEN403 leaves some out). */
function findGuardGap(facts: Facts, target: ProtectedRoute, guard: string, counts: (step: RouteStep) => boolean = () => true): string | undefined {
  const only = target.onlyFor?.get(guard);
  const steps = target.route.chain.filter(step => step.name === guard && counts(step)).map(step => (only ? narrowedTo(step, only) : step));
  if (steps.some(step => !stepGap(step, target.publicMethods)) || runTogether(steps, target.publicMethods)) return undefined;
  const global = steps.find(step => step.level === 'global');
  const entry = facts.middleware.find(item => item.name === guard && item.group !== 'router');
  // A skip by the guard's own code (koa-jwt2's preflight pass-through, a clause the client can meet) is not its match/ignore's.
  if (global) return `${guard}${(entry?.filter && !global.byOwnCode) || global.runs !== 'partly' ? `'s ${entry?.filter?.summary ?? 'match/ignore'}` : ''} ${stepGap(global, target.publicMethods)}`;
  const partial = steps.find(step => step.level === 'router');
  if (partial) return `the ${partial.earlierRoute ? `${guard} of ${partial.earlierRoute}, registered earlier,` : `router.use() ${guard}`} ${stepGap(partial, target.publicMethods)}`;
  const given = steps.find(step => step.level === 'route');
  // A function given to the route before the guard answers every request: neither the guard nor the controller runs.
  if (given?.runs === 'never' && given.detail?.endsWith(ANSWERS_EVERY_REQUEST)) return `${ANSWERED_BEFORE_GUARD}: ${given.detail}, so the ${guard} given to the route never runs`;
  if (given) return `the ${guard} given to the route ${stepGap(given, target.publicMethods)}`;
  const factory = target.route.chain.find(step => step.uncalledFactory?.factory === guard);
  if (factory) {
    return `app.middleware.${guard} given to the route uncalled ${UNVERIFIED}: egg's router runs the factory in the middleware's place, with ` +
      'ctx and next for its options and app, and its code may call next';
  }
  if (entry && entry.position === null) return `${guard} is disabled (enable: false${sourceSuffix(facts.provenance(`${guard}.enable`))})`;
  // In the chain, yet not in the route's: placed after the router that answers the route.
  const at = entry?.position;
  const router = at === null || at === undefined ? undefined : facts.middleware.find(item => item.group === 'router' && item.position !== null && item.position < at);
  if (entry && router) return `${positioned(entry)} comes after ${positioned(router)}, which answers the route first, so ${guard} never runs before its controller`;
  return `${guard} is neither in the global chain nor on this route`;
}

/**
 * Whether a guard's steps together run for every non-public request to the route, though none does alone: a global
 * `ignore` that skips /x/secret beside a router.use() of the same guard that runs for it, and the other way round for
 * /X/SECRET on a router that ignores case. A request is open when every step skips it; a skip naming no method counts
 * for every method, and one the step cannot vouch for (unverified) leaves nothing proven.
 */
function runTogether(steps: readonly RouteStep[], publicMethods: Set<string>): boolean {
  const partly = steps.filter(step => step.runs === 'partly');
  if (steps.length < 2 || !partly.length || steps.some(step => step.runs === 'unverified')) return false;
  const skips = (step: RouteStep, request: ProbeRequest) => step.runs === 'never' ||
    (step.skippedFor ?? []).some(other => other.path === request.path && (!other.method || !request.method || other.method === request.method));
  return (partly[0].skippedFor ?? [])
    .filter(request => !request.method || !publicMethods.has(request.method))
    .every(request => steps.some(step => !skips(step, request)));
}

/** A step as it stands for the request paths a guard is required for: what it skips elsewhere does not count. */
function narrowedTo(step: RouteStep, paths: Set<string>): RouteStep {
  if (step.runs !== 'partly') return step;
  const skippedFor = (step.skippedFor ?? []).filter(request => paths.has(request.path));
  return skippedFor.length ? { ...step, skippedFor } : { ...step, runs: 'always', skippedFor: undefined };
}

/** What is wrong with a step for the non-public requests, or undefined when it always runs for them. */
const UNVERIFIED = 'cannot be verified';
/** A gap where a function given to the route before the guard answers: the request never reaches the controller. */
const ANSWERED_BEFORE_GUARD = 'answered before the guard';

function stepGap(step: RouteStep, publicMethods: Set<string>): string | undefined {
  if (step.runs === 'always') return undefined;
  if (step.runs === 'never') return `skips this route${step.detail ? ` (${step.detail})` : ''}`;
  if (step.runs === 'unverified') return `${UNVERIFIED}: ${step.detail}`;
  const open = (step.skippedFor ?? []).filter(request => !request.method || !publicMethods.has(request.method));
  // egg's router adds HEAD to every GET route: `GET /x` says it, `HEAD /x` beside it is noise.
  const shown = open.filter(request => request.method !== 'HEAD' || !open.some(other => other.method === 'GET' && other.path === request.path));
  return shown.length ? `skips ${shown.map(request => `${request.method ?? ''} ${request.path}`.trim()).join(', ')}${step.detail ? ` (${step.detail})` : ''}` : undefined;
}

function sourceSuffix(source: string | undefined): string {
  return source ? ` in ${source}` : '';
}

export function listed(items: string[]): string {
  const shown = items.slice(0, LISTED_ROUTES).join('; ');
  return items.length > LISTED_ROUTES ? `${shown}; and ${items.length - LISTED_ROUTES} more (see the route table in the report)` : shown;
}

function appOnly(check: Rule['check']): Rule['check'] {
  // The agent has no middleware or router; only app workers (and the offline audit of one) are judged.
  return (facts, context) => (facts.process === 'app' ? check(facts, context) : []);
}

export const requiredMiddlewareMissing: Rule = {
  id: 'SEN401',
  area: 'middleware',
  title: 'Required middleware missing or disabled',
  severity: 'high',
  description: 'A middleware listed in `config.sentinel.middleware.required` is not in the effective global chain: ' +
    '`enable: false` in some config file (often one env), or not in `config.middleware` / `coreMiddleware`. Every request ' +
    'then skips it. Also a guard named in `routes.protect[].by` that is listed globally but disabled, when a protected ' +
    'route does not get it otherwise (a guard a plugin lists disabled for route use, as egg-jwt lists `jwt`, and the app ' +
    'gives to every protected route is fine).',
  fix: 'Remove the `enable: false` (check every config.<env> file), or add the middleware to `config.middleware` in config/config.default.ts.',
  check: appOnly(facts => {
    const policy = policyOf(facts);
    const hits: RuleHit[] = [];
    for (const name of new Set([ ...policy.required, ...policy.guards ])) {
      if (inChain(facts, name)) continue;
      const required = policy.required.includes(name);
      const configured = facts.middleware.find(entry => entry.name === name && entry.group !== 'router');
      // A guard the app gives to its routes (egg-jwt lists jwt in appMiddleware with enable: false for that use) is
      // missing globally only where a protected route does not get it otherwise.
      if (configured && (required || protectedRoutes(facts).some(target => target.guards.includes(name) && guardGap(facts, target, name)))) {
        const source = facts.provenance(`${name}.enable`);
        const inPackage = source !== undefined && /(?:^|\/)node_modules\//.test(source);
        hits.push({
          severity: 'high',
          target: `middleware:${name}`,
          source,
          message: `${name} is ${required ? 'required' : 'a guard of protected routes'} but disabled: enable: false${sourceSuffix(source)}, so egg leaves it out of the chain`,
          // Set to true, not removed: a plugin's own config may disable it too (egg-jwt's does; black-box round 41, h2 F2).
          fix: `Set \`${name}: { enable: true }\` ${inPackage || source === undefined ? 'in the app\'s config' : `in ${source} in place of \`enable: false\``} ` +
            `(it then runs for every request its match/ignore allows)${required ? '' : `, or give ${name} to each protected route (\`router.get(path, ${guardCall(facts, name)}, controller)\`)`}, ` +
            `or drop ${name} from the policy if it is no longer needed.`,
        });
      } else if (policy.required.includes(name) && knownMiddleware(facts).has(name)) {
        hits.push({
          severity: 'high',
          target: `middleware:${name}`,
          source: facts.provenance('middleware'),
          message: `${name} is required in the global chain but is not in config.middleware or coreMiddleware` +
            `${facts.routes.some(route => route.middleware.includes(name)) ? ' (it is only given to some routes)' : ''}` +
            `${inChain(facts, imitationName(name)) ? `; the chain's function named ${name} was app.use()'d without app.middleware.${name}() making it, so it need not be that middleware` : ''}`,
          fix: `Add '${name}' to config.middleware in config/config.default.ts.`,
        });
      }
    }
    return hits;
  }),
};

/**
 * The fix when app middleware that must run later (`early`) was put into the app middleware by a plugin (egg-jwt's
 * app.js unshifts `jwt`): reordering config.middleware cannot move it (egg refuses a name listed twice), so the app
 * middleware that must run first move into coreMiddleware.
 */
function placedByPlugin(early: MiddlewareFact[], late: MiddlewareFact[]): { fix?: string } {
  const plugins = early.filter(entry => entry.group === 'app' && entry.origin !== undefined && entry.origin !== 'app');
  const movable = late.filter(entry => entry.group === 'app');
  if (!plugins.length || !movable.length) return {};
  const names = movable.map(entry => `'${entry.name}'`).join(', ');
  return {
    fix: `${plugins.map(positioned).join(', ')} ${plugins.length > 1 ? 'come' : 'comes'} from a plugin, which may put it into the app middleware itself ` +
      `(egg then refuses the name in config.middleware): move ${movable.map(entry => entry.name).join(', ')} into coreMiddleware instead, ` +
      `which runs before every app middleware: in app.js, \`configWillLoad() { this.app.config.coreMiddleware.push(${names}); }\` and remove ` +
      `${movable.length > 1 ? 'them' : 'it'} from config.middleware; then check the chain logged at boot.`,
  };
}

export const middlewareOrderBroken: Rule = {
  id: 'SEN402',
  area: 'middleware',
  title: 'Middleware order constraint broken',
  severity: 'high',
  description: 'A constraint in `config.sentinel.middleware.order` does not hold in the effective chain: e.g. `auth` must run ' +
    'before `dataApi`, but `dataApi` comes first and can answer a request before `auth` sees it. The message gives both ' +
    'positions. `*core` / `*app` stand for every core / app middleware in the chain (the app\'s own middleware that code puts ' +
    'into coreMiddleware or the chain counts as app middleware, as for SEN405, and so does a package\'s middleware the app gives to ' +
    '`app.use()`: a static file server\'s (koa-static, koa-static-cache) serves its files to whoever asks (high); another package\'s, ' +
    'whose code egg-sentinel does not read (`app.use(mount(\'/reports\', serve(dir)))`, koa-ratelimit), is medium, asking to check what it answers; an app middleware that hands every ' +
    'request on to next() first, such as a response timer, or a CORS package\'s, which answers only preflights, is not one of `*app`), `router` for egg\'s router (and any router ' +
    'mounted in the chain: a middleware after it never runs before its routes\' controllers); a constrained middleware that is not in ' +
    'the chain at all breaks its constraint too. `before: [\'*app\']` also holds on each route\'s own chain: a guard given to routes ' +
    '(and not run for them earlier, by the chain or a router.use() before them) must not run after a function of the app\'s given to the ' +
    'route before it, or a router.param() handler, which egg\'s router runs first for every route whose path names its parameter ' +
    '(`param:<name>` in the route table), that may answer without calling next: a response cache serving an earlier authenticated answer, ' +
    'a record loader answering for some values. One finding per such function, naming its routes.',
  fix: 'Reorder `config.middleware` (app middleware run in its order, after every core middleware), or move the middleware ' +
    'between coreMiddleware and config.middleware; then check the chain logged at boot.',
  check: appOnly(facts => {
    const hits: RuleHit[] = [];
    (policyOf(facts).middleware.order ?? []).forEach((constraint, index) => {
      const subject = inChain(facts, constraint.name);
      const rule = `config.sentinel.middleware.order[${index}]`;
      for (const side of [ 'before', 'after' ] as const) {
        for (const selector of constraint[side] ?? []) {
          if (side === 'before' && selector === '*app') hits.push(...answeringBeforeRouteGuard(facts, constraint.name, rule));
          const inGroup = GROUP_SELECTORS[selector];
          const others = facts.middleware.filter(entry => entry.position !== null && entry.name !== constraint.name &&
            (inGroup ? inGroup(entry) : entry.name === selector || (selector === ROUTER_SELECTOR && entry.group === 'router')));
          if (!subject) {
            if (others.length) {
              hits.push({
                severity: 'high',
                target: `order:${constraint.name} ${side} ${selector}`,
                // The file that disabled it, when that is why it is missing (egg lists it, out of the chain); else the list it is not in.
                source: (facts.middleware.some(entry => entry.name === constraint.name && entry.position === null) && facts.provenance(`${constraint.name}.enable`)) ||
                  facts.provenance('middleware'),
                message: `${rule} says ${constraint.name} runs ${side} ${selector}, but ${constraint.name} is not in the effective chain ` +
                  `(disabled, or not in config.middleware), while ${others.map(positioned).join(', ')} ${others.length > 1 ? 'are' : 'is'}`,
              });
            }
            continue;
          }
          const position = subject.position as number;
          const wrong = others.filter(other => (side === 'before' ? (other.position as number) < position : (other.position as number) > position));
          if (!wrong.length) continue;
          const [ early, late ] = side === 'before' ? [ wrong, [ subject ] ] : [[ subject ], wrong ];
          // Packages' middleware egg-sentinel does not read (koa-ratelimit, koa-favicon, a koa-mount of anything) may
          // answer nothing the constraint guards: said, medium; a static file server ahead of a guard serves its files.
          const unread = wrong.every(entry => entry.package !== undefined && !entry.answersOnly?.includes('GET'));
          hits.push({
            severity: unread ? 'medium' : 'high',
            target: `order:${constraint.name} ${side} ${selector}`,
            source: facts.provenance('middleware'),
            message: `${positioned(subject)} runs ${side === 'before' ? 'after' : 'before'} ${wrong.map(positioned).join(', ')}, but ${rule} says ` +
              `${constraint.name} runs ${side} ${selector}` +
              (unread ? `: check that ${[ ...new Set(wrong.map(entry => entry.package)) ].join(', ')} answers no request ${constraint.name} is there to guard` : ''),
            ...placedByPlugin(early, late),
          });
        }
      }
    });
    return hits;
  }),
};

/**
 * `before: ['*app']` on a route's own chain: a guard given to routes runs after a function of the app's given to
 * them before it (or a router.param() handler) that may answer without calling next, a response cache serving
 * what an earlier, authenticated request got. One hit per such function, naming its routes.
 */
function answeringBeforeRouteGuard(facts: Facts, name: string, rule: string): RuleHit[] {
  const byFunction = new Map<string, RouteFact[]>();
  for (const route of facts.routes) {
    // Where the guard first runs for every request of the route: given to the router before it (router.use) counts.
    const at = route.chain.findIndex(step => step.name === name && step.runs === 'always');
    const early = at > 0 ? route.chain.slice(0, at).find(step => step.level === 'route' && step.mayAnswer) : undefined;
    if (early) byFunction.set(early.name, [ ...byFunction.get(early.name) ?? [], route ]);
  }
  return [ ...byFunction ].map(([ early, routes ]) => ({
    severity: 'high' as const,
    target: `order:${name} before *app route:${early}`,
    source: routeSource(routes[0].controller),
    message: `${name}, given to ${routes.length} route(s), runs after route:${early}, ${early.startsWith('param:') ?
      `a router.param('${early.slice('param:'.length)}') handler egg's router runs first for every route whose path names :${early.slice('param:'.length)}` :
      'a function of the app\'s given to the route before it'}, which may answer a request without calling next, but ${rule} says ${name} runs before *app: ` +
      listed(routes.map(route => `${routeLabel(route)} (${controllerLabel(route.controller)})`)),
    fix: early.startsWith('param:') ?
      `Give ${name} to the router before the routes (\`router.use(${name})\`, which runs before router.param() handlers) or put it in config.middleware, ` +
        `or make the handler only load the record and call next, answering nothing itself.` :
      `Give ${name} to the route before route:${early} (\`router.get(path, ${name}, ${early}, controller)\`), or put ${name} in config.middleware.`,
  }));
}

export const guardWeakened: Rule = {
  id: 'SEN403',
  area: 'middleware',
  title: 'Security middleware weakened by match/ignore or its own options',
  severity: 'high',
  description: 'A required or guarding middleware has a `match`/`ignore` option that skips protected routes, or skips every ' +
    'path (an `ignore` such as `/`), or its own config lets requests without credentials through: `credentialsRequired: false` ' +
    '(egg-jwt\'s koa-jwt2, express-jwt) or `passthrough: true` (koa-jwt), with which it calls next() for a request that sends no token; so does a guard ' +
    'given to a route with those options (`app.middleware.jwt({ ...app.config.jwt, credentialsRequired: false })`) when the route gets that guard ' +
    'nowhere else. The real option values (string, RegExp, function, array) are evaluated with egg\'s own ' +
    'egg-path-matching against request paths egg\'s router sends to each protected route, including the trailing-slash form. ' +
    'A `match`/`ignore` function is called with a stand-in ctx that has only the path and method: one that reads anything ' +
    'else cannot be verified and is reported, naming what it read, since the client controls that data: ctx.url and ' +
    'ctx.originalUrl carry the query string and the fragment, and an absolute-form request (`GET http://x/login`) puts a scheme and host ' +
    'before the path (`ctx.url.includes(\'/login\')` lets `/account/profile?from=/login` skip; one that no query string, fragment or ' +
    'absolute form makes skip, such as an ignore of `ctx.url.startsWith(\'/login\')`, is judged by its path, unless its answer ' +
    'rests on a helper or value from outside its own source, `ctx => isPartner(ctx.request)`, whose query string egg-sentinel cannot know), ' +
    'as do href, querystring, search and query, node\'s ctx.req.url (judged as ctx.url) and koa\'s ctx.URL.search/searchParams; ' +
    'headers, cookies and the host (ctx.URL.hostname, href, and ctx.URL.pathname, which a Host of `x/health?` makes /health) too. A function that uses a value or helper ' +
    'of its module (`ctx => ctx.path.startsWith(DOCS_PREFIX)`, `ctx => isPublic(ctx.path)`) is also probed with the paths that module and ' +
    'the app files it requires write (`const DOCS_PREFIX = \'/docs/\'` lets `/docs/export` reach `/:team/export`), and one that calls ' +
    'egg\'s helper (`ctx => ctx.helper.isPublicPath(ctx.path)`: server code, run with the stand-in as its ctx) with the paths of the ' +
    'app/extend/helper files that define the method; one that uses a name ' +
    'whose values its module does not show (process.env, a config function\'s parameter, a package\'s helper deciding alone) is unverified ' +
    'for routes whose path takes values. egg-path-matching compares a string ' +
    'in any case and as a prefix (`\'/health\'` also skips `/HEALTH` and `/health/x`), while egg\'s router compares case. ' +
    'egg compiles `match`/`ignore` (and a factory reads its options) when it loads the middleware: the values it built with are the ones judged, ' +
    'and code that changed `config.<name>` after that (a `didLoad` hook narrowing `auth.ignore`, moving `static.prefix`) is reported, high for a ' +
    'guard of the policy, medium for another middleware.',
  fix: 'Narrow the `match`/`ignore` so it no longer covers protected routes (an exact RegExp such as `/^\\/health$/` ' +
    'instead of the string `\'/health\'`, which egg-path-matching compares as a prefix and in any case: it also skips `/health/x` and `/HEALTH`, ' +
    'and the string `\'/\'` skips every path), use a string or RegExp instead of a function ' +
    'that reads request data, or list the routes that really are public in `config.sentinel.routes.public` with a reason.',
  check: appOnly(facts => {
    const policy = policyOf(facts);
    const covered = protectedRoutes(facts);
    const hits: RuleHit[] = [];
    for (const name of new Set([ ...policy.required, ...policy.guards ])) {
      const anonymous = anonymousAllowed(facts.config[name]);
      if (anonymous) {
        hits.push({ severity: 'high', target: `middleware:${name}`, source: facts.provenance(`${name}.${anonymous}`),
          message: `${name} lets requests without credentials through: config.${name}.${anonymous} is ${anonymous === 'passthrough' ? 'true' : 'false'}, ` +
            'so it calls next() for a request that sends no token, and every route it guards serves anonymous callers',
          fix: `Remove \`${anonymous}\` from config.${name} (a route that must also serve anonymous callers belongs in \`config.sentinel.routes.public\`, ` +
            'or behind a middleware of its own that reads the optional user).' });
      }
      const entry = inChain(facts, name);
      if (!entry?.filter) continue;
      const base = { severity: 'high' as const, target: `middleware:${name}`, source: facts.provenance(`${name}.${entry.match ? 'match' : 'ignore'}`) };
      if (entry.filter.skipsEveryPath) {
        hits.push({ ...base, message: `${name} never runs: its ${entry.filter.summary} skips every route of the app and /` });
        continue;
      }
      const open: string[] = [];
      for (let index = 0; index < covered.length; index++) {
        const target = covered[index];
        if (!target.guards.includes(name) || !guardGap(facts, target, name)) continue;
        const global = target.route.chain.find(step => step.name === name && step.level === 'global');
        const only = target.onlyFor?.get(name);
        // A skip by the guard's own code is SEN404's; this rule's are its match/ignore's.
        const gap = global && !global.byOwnCode && stepGap(only ? narrowedTo(global, only) : global, target.publicMethods);
        if (gap) open.push(`${protectedLabel(target)} (${gap})`);
      }
      if (open.length) {
        hits.push({ ...base, message: `${name}'s ${entry.filter.summary} leaves ${open.length} protected route(s) without it: ${listed(open)}` });
      }
    }
    return [ ...hits, ...anonymousRouteGuards(facts, covered), ...optionsChangedAfterLoad(facts, policy) ];
  }),
};

/**
 * Middleware whose config code changed after egg built them with it (a `didLoad` hook narrowing `auth.ignore`,
 * moving `static.prefix`): egg enforces what it was built with, which SEN403 and SEN404 judge, while app.config and
 * whatever reads it say otherwise. High for a guard of the policy; only where there is a policy.
 */
function optionsChangedAfterLoad(facts: Facts, policy: Policy): RuleHit[] {
  if (!policy.required.length && !policy.guards.length) return [];
  return facts.middleware.flatMap((entry): RuleHit[] => {
    if (!entry.changedAfterLoad || entry.position === null) return [];
    const guarding = policy.required.includes(entry.name) || policy.guards.includes(entry.name);
    const keys = entry.changedAfterLoad.map(key => `config.${entry.name}.${key}`);
    return [{
      severity: guarding ? 'high' : 'medium', target: `middleware:${entry.name}`, source: entry.file,
      message: `${listed(keys)} changed after egg built ${entry.name} with ${keys.length > 1 ? 'them' : 'it'} (egg decides enable and compiles ` +
        `match/ignore when it loads the middleware${entry.name === 'static' ? ', and egg-static reads its prefix and dirs then' : ''}): ${entry.name} keeps running ` +
        'with the values it had then, which the chain and route table judge, while app.config, and what reads it, says otherwise',
      fix: `Set config.${entry.name} in the config files, or in a configWillLoad/configDidLoad hook, before egg loads the middleware; not in didLoad, willReady or later.`,
    }];
  });
}

/**
 * Protected routes whose guard runs only as given to the route, made by `app.middleware.<guard>(options)` with options
 * that let a request without credentials through (`{ ...app.config.jwt, credentialsRequired: false }`): judged as
 * the guard's own config is.
 */
function anonymousRouteGuards(facts: Facts, covered: readonly ProtectedRoute[]): RuleHit[] {
  const hits: RuleHit[] = [];
  // Options are kept for the functions given to a route: this one's, or an earlier route's that passes requests on.
  const admitsAnonymous = (step: RouteStep) => anonymousAllowed(step.given) !== undefined;
  for (let index = 0; index < covered.length; index++) {
    const target = covered[index];
    for (const guard of target.guards) {
      const weak = target.route.chain.find(step => step.name === guard && admitsAnonymous(step));
      if (!weak || !findGuardGap(facts, target, guard, step => !admitsAnonymous(step))) continue;
      const option = anonymousAllowed(weak.given) as 'credentialsRequired' | 'passthrough';
      const { controller } = target.route;
      hits.push({
        severity: 'high',
        target: `route:${routeLabel(target.route)}`,
        source: routeSource(controller),
        message: `${protectedLabel(target)} → ${controllerLabel(controller)} is guarded by ${guard} only as given to ` +
          `${weak.earlierRoute ? `${weak.earlierRoute}, registered earlier,` : 'the route'}, made with ` +
          `app.middleware.${guard}({ …, ${option}: ${option === 'passthrough' ? 'true' : 'false'} }): it calls next() for a request that sends no token, ` +
          'so the controller serves anonymous callers',
        fix: `Remove \`${option}\` from the options given to app.middleware.${guard}() on ${weak.earlierRoute ?? 'this route'} (a route that must also serve anonymous callers ` +
          'belongs in `config.sentinel.routes.public`, or behind a middleware of its own that reads the optional user).',
      });
    }
  }
  return hits;
}

/** The option of a guard's config that lets a request without credentials through, if set so. */
function anonymousAllowed(options: unknown): 'credentialsRequired' | 'passthrough' | undefined {
  if (!options || typeof options !== 'object') return undefined;
  const { credentialsRequired, passthrough } = options as { credentialsRequired?: unknown; passthrough?: unknown };
  return credentialsRequired === false ? 'credentialsRequired' : passthrough === true ? 'passthrough' : undefined;
}

export const unprotectedRoute: Rule = {
  id: 'SEN404',
  area: 'middleware',
  title: 'Protected route reachable without its guard',
  severity: 'high',
  description: 'A route covered by `config.sentinel.routes.protect` and not listed in `routes.public` reaches its controller ' +
    'without one of its guards: the guard is not in the global chain that applies to the route\'s path (after match/ignore), ' +
    'not given to the route, not a `router.use()` before it, and not given to an earlier route of its router whose handler passes ' +
    'requests on (koa-router\'s guard route, `router.all(\'/admin/(.*)\', app.middleware.adminOnly())`, for the paths and methods it ' +
    'matches; egg\'s router runs every matching route in order). Each finding names the method, path and controller (file and ' +
    'method, recorded when the route was registered; for a tegg decorator controller that @eggjs/tegg-controller-plugin registers, ' +
    'its class file and method) and why the guard does not run, and points at where the route was registered (the line of its ' +
    '`router.get(…)`, where the guard goes, in the `.ts` of an app compiled in place) rather than at the controller method other routes ' +
    'may share; a tegg route at its method, and the fix gives tegg\'s `@Middleware(<guard>)`. A ' +
    '`router.redirect()` route, which answers with a 30x to its destination (a route judged by itself), serves no data and is not reported. ' +
    'A function in the chain that hands requests to a router egg-sentinel never saw (made before its hook ran, its routes() asked ' +
    'for only when a request comes) is reported too: none of that router\'s routes is in the route table. ' +
    'A guard given to a route after a function that answers every request itself (one no middleware factory or extension made whose ' +
    'code never calls its second parameter, `router.get(path, async ctx => { ctx.body = … }, app.middleware.adminOnly())`) never runs. ' +
    'A middleware factory given to a route uncalled (`app.middleware.adminOnly` without `()`) runs in the middleware\'s place with ctx and ' +
    'next for its options and app: when its code never calls that second argument the route never reaches its controller (medium, the ' +
    'fix calls the factory); when it may, it cannot be shown to guard the route. A protected path that egg\'s siteFile ' +
    'answers with a function of `config.siteFile` (it runs in coreMiddleware, before every app middleware) is reported too, and so is an ' +
    'egg-static prefix that a protect pattern other than `**` covers (`/admin/files/` under `/admin/**`), and, for a prefix above the protected paths, a file ' +
    'or directory of the static dir whose served path such a pattern names (`prefix: \'/\'` serves app/public/admin/report.csv at `/admin/report.csv`). A guard, given to a route or in the global chain, whose own code lets ' +
    'CORS preflights through without a token (koa-jwt2, egg-jwt 3\'s engine, and express-jwt pass any OPTIONS request whose ' +
    'Access-Control-Request-Headers names authorization) skips OPTIONS on a route that serves it (`router.all()`, `router.options()`); one whose code ' +
    'opens a guard clause that hands requests of some methods on (`if (ctx.method === \'HEAD\') return next();`, a list of methods, its module\'s ' +
    '`const SKIP = [ … ]` included) skips those methods, and egg\'s router answers HEAD with every GET route\'s controller; one whose ' +
    'condition reads what the client sends besides the path and compares it with literals only (a header, the query string, the Host, ' +
    'content negotiation, the request\'s body, and under config.proxy the IP and protocol egg takes from X-Forwarded-* headers, ' +
    'or the URL searched anywhere: `if (ctx.url.indexOf(\'/login\') > -1)`, which `?next=/login` meets) skips every request; one that ' +
    'tests the path alone (`ctx.path.startsWith(\'/login\')`) is asked of each protected route\'s paths. Such clauses are read through the names ' +
    'they test: an alias of the request\'s reads declared before them (`const url = ctx.url`), a list of literals the guard\'s module declares or ' +
    'the options egg built it with hold (`whiteList.some(item => url.includes(item))`). A route ' +
    'whose router is dispatched inside a middleware that rewrites the path (koa-mount) is served under a prefix egg-sentinel cannot know: ' +
    'every protect pattern covers it and no global match/ignore is taken to run for it. A global match/ignore is not taken to run for a route ' +
    'either when a middleware between it and the router rewrites the path the router matches routes by (`ctx.path`, `ctx.url`, ' +
    '`ctx.request.url`, `ctx.req.url`; `ctx.routerPath`, which the router reads first, for every match/ignore before the router): it sees ' +
    'the path as requested, not the route\'s (`/v1/admin/export` for `/admin/export`). A route whose guards all run but never refuse a ' +
    'request is reported too: egg-passport\'s `passportInitialize` and `passportSession` (known by the package and the file in it, so an ' +
    'app\'s own middleware of the same name is judged as the app\'s) only load the user and call next() for an anonymous request; beside ' +
    'a guard that can refuse (`by: [\'passportSession\', \'auth\']`) they are fine. So is a global guard of the app\'s own whose function, ' +
    'as egg runs it, calls next() for every request and answers none, not even with a 401 (a factory that returns `(ctx, next) => next()` ' +
    'when its token is not configured), or whose opening clause on the settings it runs with holds at boot: its factory\'s options as egg ' +
    'built it with, also destructured or aliased (`if (!options.secret) return next();`, `({ token }) => … if (!token) return next();`, no ' +
    'secret set), the app\'s config (`ctx.app.config.adminToken`, or aliased in the factory) and the environment (`if (process.env.AUTH_DISABLED ' +
    '=== \'true\')` with it set), or whose refusals all sit in an `if` on what the client sends alone ' +
    '(`if (ctx.get(\'authorization\')) { …verify… } await next();`: optional authentication, which a request without the header skips), ' +
    'or that writes its refusal without returning (`if (!ok) { ctx.status = 401; } await next();`, a redirect to the login the same way, or a ' +
    '`catch` that sets the 401 after a `try` that verifies: the controller answers in its place), when its body is declarations that read ' +
    'the request, such statements, then next(); a guard given to a route that one of the app\'s own factories made is read the same way; ' +
    'a guard that decides otherwise in a try/catch or in a function it calls is not judged so. With `protect: [{ paths: [\'**\'], by: ' +
    '[...] }]` every new route is covered unless it is explicitly public (secure by default); an app middleware before such a guard whose ' +
    'code writes a response body (or hands ctx to a function) and does not hand every request on answers what no route shows (an endpoint such ' +
    'as egg-graphql\'s): medium, unless an `order` constraint already puts the guard before it.',
  fix: 'Give the route its guard (`router.get(path, app.middleware.auth(), controller)`, or a global middleware whose ' +
    'match covers it), or list it in `config.sentinel.routes.public` with the methods and a reason. For a guard of your own that never ' +
    'refuses, make it answer 401 (also when unconfigured); for a package\'s, add one that does: an auth middleware of your own that answers 401 unless `ctx.isAuthenticated()`, or egg-passport\'s ' +
    '`app.passport.authenticate(<strategy>)` on the route.',
  check: appOnly(facts => {
    const hits: RuleHit[] = [];
    const covered = protectedRoutes(facts);
    for (let index = 0; index < covered.length; index++) {
      const target = covered[index];
      const missing = target.guards.filter(guard => guardGap(facts, target, guard) !== undefined);
      if (!missing.length) {
        const refuseless = refuselessGuards(facts, target);
        if (refuseless) hits.push(guardedByName(target, refuseless));
        continue;
      }
      const gaps = missing.map(guard => guardGap(facts, target, guard) as string);
      const { controller } = target.route;
      const broken = target.route.chain.find(step => step.uncalledFactory && !step.uncalledFactory.mayHandOn)?.uncalledFactory?.factory;
      if (broken) {
        hits.push(unreachableController(facts, target, broken, missing));
        continue;
      }
      // The audit's stand-in for an extension getter that may give any of the missing guards: boot tells.
      const unidentified = target.route.chain.flatMap(({ unidentified: made }) => (made && (made.computed || missing.every(guard => made.factories.includes(guard))) ? [ made ] : []));
      if (unidentified.length) gaps.push(...unidentified.map(made => `${made.detail} (boot checks it)`));
      const unknown = unknownGuards(facts, missing);
      hits.push({
        severity: unidentified.length ? 'medium' : 'high',
        target: `route:${routeLabel(target.route)}`,
        source: routeSource(controller),
        // A guard egg-sentinel could not evaluate is not shown to be skipped: say so, rather than claim a hole.
        message: `${protectedLabel(target)} → ${controllerLabel(controller)} is protected but ` +
          `${gaps.every(gap => gap.includes(UNVERIFIED)) ? 'cannot be shown to run its guard before the controller' :
            gaps.every(gap => gap.startsWith(ANSWERED_BEFORE_GUARD)) ? 'is answered without its guard' : 'reaches the controller without its guard'}: ` +
          gaps.map(gap => gap.replace(`${ANSWERED_BEFORE_GUARD}: `, '')).join('; '),
        fix: unknown.length ?
          // A guard the app has no middleware of is a misspelled policy (SEN406), not a middleware to add to routes.
          `${unknown.map(guard => `"${guard}"`).join(' and ')} is no middleware of this app: correct config.sentinel.routes.protect[].by first (SEN406 names the one meant).` :
          `Give the route ${missing.join(' and ')} (${routeGuardFix(facts, target.route, missing)}, ` +
          'or a global middleware whose match covers it), or list it in `config.sentinel.routes.public` with the methods and a reason.',
      });
    }
    return [ ...hits, ...siteFileGaps(facts), ...staticPrefixGaps(facts), ...unseenRouterGaps(facts), ...answeringBeforeGuards(facts) ];
  }),
};

/** The guards among `names` the app knows no middleware of (a misspelled `by`, which SEN406 reports). */
function unknownGuards(facts: Facts, names: readonly string[]): string[] {
  const known = knownMiddleware(facts);
  return names.filter(name => !known.has(name));
}

/**
 * The guards of a protected route that run for it but never refuse a request (MiddlewareFact.neverRefuses), when no
 * guard that can refuse is required for every request path they are required for: the route is guarded in name only.
 */
function refuselessGuards(facts: Facts, target: ProtectedRoute): Refuseless | undefined {
  const never = target.guards.flatMap(guard => {
    const neverRefuses = guardRefusesNothing(facts, target.route, guard);
    return neverRefuses ? [{ name: guard, neverRefuses }] : [];
  });
  if (!never.length) return undefined;
  const refusing = target.guards.filter(guard => !never.some(entry => entry.name === guard));
  const { onlyFor } = target;
  if (refusing.some(guard => !onlyFor?.has(guard))) return undefined;
  // The refusing guards are each required only for some request paths of the route: those paths are guarded.
  const guarded = new Set(refusing.flatMap(guard => [ ...onlyFor?.get(guard) ?? [] ]));
  const open = never.filter(entry => {
    const paths = onlyFor?.get(entry.name);
    return !paths || [ ...paths ].some(served => !guarded.has(served));
  });
  return open.length ? { never: open, refusing } : undefined;
}

/**
 * What a guard of the route does instead of refusing, when no step of it that runs for the route refuses: the global
 * chain's entry of that name (MiddlewareFact.neverRefuses) for its global and router steps, each route-level step's
 * own reading (RouteStep.refusesNothing) for those given to the route.
 */
function guardRefusesNothing(facts: Facts, route: RouteFact, guard: string): MiddlewareFact['neverRefuses'] {
  const chained = facts.middleware.find(entry => entry.name === guard && entry.group !== 'router')?.neverRefuses;
  const running = route.chain.filter(step => step.name === guard && step.runs !== 'never');
  const given = running.filter(step => step.level === 'route');
  if ((given.length < running.length || !running.length) && !chained) return undefined;
  if (given.some(step => !step.refusesNothing)) return undefined;
  return chained ?? given[0]?.refusesNothing;
}

interface Refuseless {
  /** The guards that never refuse, as the chain lists them. */
  never: Array<Pick<MiddlewareFact, 'name' | 'neverRefuses'>>;
  /** The route's other guards, each required only for some of its request paths. */
  refusing: string[];
}

/** How the guards that refuse nothing can: the app's own refuses itself; a package's needs a guard after it. */
function refuseFix(never: ReadonlyArray<Pick<MiddlewareFact, 'name' | 'neverRefuses'>>, verb: string): string {
  const own = never.filter(entry => !entry.neverRefuses?.package).map(entry => entry.name);
  const shipped = never.filter(entry => entry.neverRefuses?.package).map(entry => entry.name).join(' and ');
  return [
    ...own.length ? [ `Make ${own.join(' and ')} refuse a request without valid credentials (\`ctx.status = 401\` and return, or \`ctx.throw(401)\`) ` +
      'instead of calling next(), also when it is not configured: a missing token or secret should stop the boot, not open the routes' ] : [],
    ...shipped ? [ `Refuse anonymous requests in a guard that can: an auth middleware of your own that runs after ${shipped} and answers 401 ` +
      `unless ctx.isAuthenticated(), named in routes.protect[].by (it needs ${shipped} to run first), or egg-passport's ` +
      `authenticate given to the route (\`router.${verb}(path, app.passport.authenticate('<strategy>'), controller)\`)` ] : [],
  ].join('; ');
}

/**
 * A protected route whose guards all hand every request on: anonymous callers reach its controller. The fix names
 * egg-passport's API (the only package lib/facts/never-refuses.ts knows), and for the app's own guard, what it should do.
 */
function guardedByName(target: ProtectedRoute, { never, refusing }: Refuseless): RuleHit {
  const { controller } = target.route;
  const described = never.map(entry => {
    const { package: shipped, file, does } = entry.neverRefuses as NonNullable<MiddlewareFact['neverRefuses']>;
    return `its guard ${entry.name} (${shipped ? `${shipped}'s ${file}` : file}) never refuses a request: ${does}`;
  });
  const others = refusing.map(guard => `${guard} is required only for ${[ ...target.onlyFor?.get(guard) ?? [] ].join(', ')}`);
  return {
    severity: 'high',
    target: `route:${routeLabel(target.route)}`,
    source: routeSource(controller),
    message: `${protectedLabel(target)} → ${controllerLabel(controller)} is protected but no guard of it refuses an anonymous request: ` +
      `${described.join('; ')}${others.length ? ` (${others.join('; ')})` : ''}`,
    fix: `${refuseFix(never, routeVerb(target.route))}; or list the route in \`config.sentinel.routes.public\` with the methods and a reason.`,
  };
}

/**
 * A protected route given a middleware factory uncalled whose code never calls its second argument: egg's router runs
 * the factory as the route's middleware, and no request reaches the controller (404, or 500 when the factory throws
 * on next as its app). Broken, not open: medium, with the call the route needs.
 */
function unreachableController(facts: Facts, target: ProtectedRoute, factory: string, missing: string[]): RuleHit {
  const { route } = target;
  const others = missing.filter(guard => guard !== factory);
  return {
    severity: 'medium',
    target: `route:${routeLabel(route)}`,
    source: routeSource(route.controller),
    message: `${protectedLabel(target)} → ${controllerLabel(route.controller)} is protected but never reaches its controller as written: ` +
      `app.middleware.${factory} is given to the route uncalled, the factory instead of the middleware it makes; egg's router runs it in the ` +
      'middleware\'s place, with ctx and next for its options and app, and its code never calls next, so every request ends there (404)',
    fix: `Call the factory: ${routeGuardFix(facts, route, [ factory ])}` +
      `${others.length ? `; the route also needs ${others.join(' and ')} (${routeGuardFix(facts, route, others)}, or a global middleware whose match covers it)` : ''}.`,
  };
}

/**
 * The guards the policy gives a GET of `requestPath` (none when it is public) that do not run before `answering`, a
 * core middleware that serves it without calling next.
 */
function guardsAfter(facts: Facts, { protect, exemptions }: ReturnType<typeof compiledRoutePolicy>, requestPath: string, answering: MiddlewareFact): string[] {
  if (exemptions.some(entry => (!entry.methods || entry.methods.has('GET')) && matchesAny(entry.matches, requestPath))) return [];
  const guards = [ ...new Set(protect.filter(entry => matchesAny(entry.matches, requestPath)).flatMap(entry => entry.by)) ];
  return guards.filter(guard => !((inChain(facts, guard)?.position ?? Infinity) < (answering.position as number)));
}

/**
 * Protected request paths egg's siteFile answers with a function of the app's config: it runs in coreMiddleware, so
 * no guard after it in the chain (every app middleware, the router's) sees the request.
 */
function siteFileGaps(facts: Facts): RuleHit[] {
  const siteFile = inChain(facts, 'siteFile');
  if (!siteFile || !facts.siteFileHandlers.length) return [];
  const compiled = compiledRoutePolicy(policyOf(facts));
  return facts.siteFileHandlers.flatMap(requestPath => {
    const missing = guardsAfter(facts, compiled, requestPath, siteFile);
    if (!missing.length) return [];
    return [{
      severity: 'high' as const,
      target: `siteFile:${requestPath}`,
      source: facts.provenance('siteFile'),
      message: `GET ${requestPath} is protected but answered by a function in config.siteFile: egg's siteFile middleware (${positioned(siteFile)}) runs it ` +
        `before ${listed(missing)}, and the request never reaches them`,
      fix: `Serve ${requestPath} from a route (\`router.get('${requestPath}', controller)\`), where its guards run, or list it in \`config.sentinel.routes.public\` with a reason.`,
    }];
  });
}

/**
 * Under a protect entry for every route (`'**'`), the app's middleware before its guards that can answer a request
 * itself (an endpoint: egg-graphql's /graphql, a metrics page): what it answers is no route, so the route table cannot
 * show it, and the guards never see those requests (black-box round 41, h1 F3, h4 F6). Medium: it may answer only
 * public requests (a health check). Not where an `order` constraint already puts the guard before it (SEN402's).
 */
function answeringBeforeGuards(facts: Facts): RuleHit[] {
  const policy = policyOf(facts);
  const guards = [ ...new Set((policy.routes.protect ?? []).filter(entry => entry.paths.includes('**')).flatMap(entry => entry.by)) ]
    .flatMap(name => inChain(facts, name) ?? []);
  if (!guards.length) return [];
  const first = Math.min(...guards.map(guard => guard.position as number));
  const names = guards.map(guard => guard.name).join(' and ');
  const ordered = (entry: MiddlewareFact) => (policy.middleware.order ?? []).some(rule => guards.some(guard => guard.name === rule.name) &&
    (rule.before ?? []).some(other => other === entry.name || (GROUP_SELECTORS[other]?.(entry) ?? false)));
  // A package's middleware app.use()'d (koa-mount's router, koa-static's files) is SEN405's, and its routes or files are judged.
  return facts.middleware.filter(entry => entry.position !== null && entry.position < first && entry.writesBody && entry.package === undefined && GROUP_SELECTORS['*app'](entry) &&
    !policy.guards.includes(entry.name) && !policy.required.includes(entry.name) && !ordered(entry)).map(entry => ({
    severity: 'medium' as const,
    target: `middleware:${entry.name}`,
    source: entry.file,
    message: `${positioned(entry)} runs before ${names}, which routes.protect '**' requires for every route, and its code may answer a request itself ` +
      `(it writes a response body or hands ctx to a function, and does not hand every request on): what it answers is no route, so the route table ` +
      `cannot show it, and ${names} never see those requests`,
    fix: `Put ${names} before it in config.middleware (\`middleware: { order: [{ name: '${guards[0].name}', before: [ '*app' ] }] }\` in config.sentinel ` +
      'makes that a rule), or make sure it answers only requests that need no credentials.',
  }));
}

/**
 * Functions in the chain that hand requests to a router no route of which egg-sentinel saw (markUnseenMounts): under a
 * protect policy, nothing shows that the guards run for what that router serves.
 */
function unseenRouterGaps(facts: Facts): RuleHit[] {
  const { guards } = policyOf(facts);
  if (!guards.length) return [];
  return facts.middleware.filter(entry => entry.servesUnseenRouter).map(entry => ({
    severity: 'high' as const,
    target: `router-mount:#${(entry.position ?? 0) + 1}`,
    message: `${positioned(entry)}, a function egg did not load, hands requests to a router egg-sentinel never saw (made before its hook ran, ` +
      `and its routes() or middleware() is asked for only when a request comes): none of its routes is in the route table, so nothing shows ` +
      `that ${guards.join(' and ')} run before their controllers`,
    fix: 'Give the router\'s routes() to app.use() where its guards have run (`app.use(v2.routes())`, its path in the router\'s `prefix`), ' +
      'or make it with the app (egg-router-plus, `app.router.namespace()`), so its routes are checked; or give the router its guards ' +
      '(`v2.use(app.middleware.auth())`) and waive this finding with the reason.',
  }));
}

/** egg-static's default prefix, and each directory's own (`dir: [ { prefix: '/admin/files/', dir } ]`), by key path. */
function staticPrefixes(config: unknown): Array<{ keyPath: string; prefix: string; file: string }> {
  // A request path of a file it serves there.
  return staticDirEntries(config).map(({ prefix, prefixKeyPath }) => ({ keyPath: prefixKeyPath, prefix, file: `${prefix.endsWith('/') ? prefix : `${prefix}/`}file` }));
}

/**
 * Files egg-static serves under a prefix that a protect pattern names (`/admin/files/` under `/admin/**`): it runs
 * in coreMiddleware, before every app middleware. Only patterns that name an area count: with `'**'` alone every
 * app's `/public/` would be covered, and a static dir is public by nature unless the policy names its path.
 */
function staticPrefixGaps(facts: Facts): RuleHit[] {
  const served = inChain(facts, 'static');
  if (!served) return [];
  const policy = policyOf(facts);
  const named = (policy.routes.protect ?? []).map(entry => ({ ...entry, paths: entry.paths.filter(pattern => pattern !== '**') })).filter(entry => entry.paths.length);
  const compiled = compiledRoutePolicy({ ...policy, routes: { ...policy.routes, protect: named } });
  const seen = new Set<string>();
  const covered = new Set<string>();
  const prefixHits = staticPrefixes(middlewareOptions(facts, 'static')).flatMap(({ keyPath, prefix, file }) => {
    if (seen.has(prefix)) return [];
    seen.add(prefix);
    const missing = guardsAfter(facts, compiled, file, served);
    if (!missing.length) return [];
    covered.add(prefix);
    return [{
      severity: 'high' as const,
      target: `static:${prefix}`,
      source: facts.provenance(keyPath),
      message: `GET ${prefix}* is protected but egg-static serves files there (config.${keyPath} is ${JSON.stringify(prefix)}): it runs in coreMiddleware (${positioned(served)}), ` +
        `before ${listed(missing)}`,
      fix: `Serve those files from a controller behind ${listed(missing)} (\`ctx.body = fs.createReadStream(…)\` after a check), or give the static dir a prefix outside the protected paths, or list \`${prefix}**\` in \`config.sentinel.routes.public\` with a reason.`,
    }];
  });
  return [ ...prefixHits, ...facts.files.staticDirs.flatMap(dir => (covered.has(dir.prefix) ? [] : staticEntryGaps(facts, compiled, served, dir))) ];
}

/** Files named in a message before "and N more". */
const LISTED_FILES = 3;

/**
 * Files (and directories, by what is put in them) a static dir serves under a protected path though its prefix lies
 * above it (`prefix: '/'` serves app/public/admin/report.csv at `/admin/report.csv`, under `/admin/**`).
 */
function staticEntryGaps(facts: Facts, compiled: ReturnType<typeof compiledRoutePolicy>, served: MiddlewareFact, dir: StaticDirFact): RuleHit[] {
  const entries = dir.protectedEntries;
  // A directory is named only when nothing in it is: its files speak for it.
  const holding = new Set<string>();
  for (const { requestPath } of entries) {
    for (let at = requestPath.lastIndexOf('/'); at > 0; at = requestPath.lastIndexOf('/', at - 1)) holding.add(requestPath.slice(0, at));
  }
  const exposed = entries.filter(entry => !entry.directory || !holding.has(entry.requestPath))
    .map(entry => ({ entry, missing: guardsAfter(facts, compiled, staticRequestPath(entry), served) }))
    .filter(({ missing }) => missing.length);
  if (!exposed.length) return [];
  const missing = [ ...new Set(exposed.flatMap(gap => gap.missing)) ];
  const prefixKeyPath = staticDirEntries(middlewareOptions(facts, 'static')).find(entry => entry.keyPath === dir.keyPath)?.prefixKeyPath ?? 'static.prefix';
  const named = exposed.slice(0, LISTED_FILES).map(({ entry }) => (entry.directory ?
    `GET ${entry.requestPath}/… (${entry.file}, a directory: what is put there is served)` : `GET ${entry.requestPath} (${entry.file})`));
  const more = exposed.length > LISTED_FILES ? ` and ${exposed.length - LISTED_FILES} more` : '';
  return [{
    severity: 'high',
    target: `static:${dir.keyPath}`,
    source: facts.provenance(prefixKeyPath),
    message: `${named.join(', ')}${more} ${exposed.length > 1 ? 'are' : 'is'} protected but egg-static serves ${exposed.length > 1 ? 'them' : 'it'} from config.${dir.keyPath} ` +
      `(config.${prefixKeyPath} is ${JSON.stringify(dir.prefix)}): it runs in coreMiddleware (${positioned(served)}), before ${listed(missing)}`,
    fix: `Move ${exposed.length > 1 ? 'those files' : 'that file'} out of the static dir (serve them from a controller behind ${listed(missing)} if they are needed), ` +
      `or give the dir a prefix outside the protected paths (config.${prefixKeyPath}), or list their paths in \`config.sentinel.routes.public\` with a reason.`,
  }];
}

/** The request path that stands for a static entry: a directory's is that of a file put in it. */
function staticRequestPath(entry: StaticDirFact['protectedEntries'][number]): string {
  return entry.directory ? `${entry.requestPath}/file` : entry.requestPath;
}

/**
 * How to give a route its guards where it is registered: on egg's router, `router.get(path, app.middleware.auth(),
 * controller)`; for a tegg decorator controller's method, tegg's `@Middleware(auth)` on its class or the method.
 */
function routeGuardFix(facts: Facts, route: RouteFact, guards: string[]): string {
  const { controller } = route;
  if (!controller?.tegg) return `\`router.${routeVerb(route)}(path, ${guards.map(guard => guardCall(facts, guard)).join(', ')}, controller)\``;
  const [ className, method ] = controller.action.replace(/\(\)$/, '').split('.');
  return `tegg's \`@Middleware(${guards.join(', ')})\` on the class ${className} or on its method ${method} in ${controller.file}, with a function of that name`;
}

/**
 * How a route is given the guard: egg-jwt's `app.jwt` (its factory, called without options, throws "secret should be
 * set"; black-box round 41, h2 F2); a factory with config of its own given that config, which egg passes only to the
 * global chain's; else the factory called.
 */
function guardCall(facts: Facts, guard: string): string {
  if (guard === 'jwt' && facts.plugins.some(plugin => plugin.enable && plugin.package === 'egg-jwt')) return 'app.jwt';
  const options = facts.config[guard];
  return options && typeof options === 'object' && !Array.isArray(options) ? `app.middleware.${guard}(app.config.${guard})` : `app.middleware.${guard}()`;
}

/** The router method that registers a route like this one, for fix texts: `get`, `post`, `all`. */
function routeVerb(route: RouteFact): string {
  return route.allMethods ? 'all' : (route.methods[0] ?? 'get').toLowerCase();
}

const SECURITIES = 'securities';

export const securityMiddlewareMisplaced: Rule = {
  id: 'SEN405',
  area: 'middleware',
  title: "egg-security's middleware removed or behind app middleware",
  severity: 'high',
  description: 'egg-security puts one middleware, `securities`, into coreMiddleware; it composes csrf, xframe, nosniff, noopen, ' +
    'xssProtection, methodnoallow, dta (and hsts/csp when enabled). This rule fires while the security plugin is enabled and ' +
    '`securities` is not in the chain (removed from coreMiddleware or `securities: { enable: false }`), runs after an app ' +
    'middleware (any koa middleware can answer a request by setting the body without calling next, so egg-sentinel treats ' +
    'every app middleware as able to, unless its own source shows every request goes on to `securities`: it calls next() ' +
    'before any branch, return, other await or use of its ctx (but setting and reading headers, reading the request as `ctx.method` ' +
    'or `const { method, path } = ctx`, `ctx.state`, `ctx.logger` and plain properties of ctx such as `ctx.requestId`), awaits it or ' +
    'returns it, also as `next().then(() => { … })` (koa\'s promise style; no rejection handler), directly or through an AsyncLocalStorage its module ' +
    'makes (`als.run(store, next)`) or OpenTelemetry\'s `context.with(otelContext, next)` from `@opentelemetry/api`, and catches nothing but around that call, as egg\'s guide\'s request-timing ' +
    '`report` middleware (TypeScript\'s down-levelled `__awaiter` form too), its error handler and an access log with ' +
    '`try { await next(); } finally { … }` do; an opening guard clause that only hands the request on, ' +
    '`if (!ctx.path.startsWith(\'/api/\')) return next();`, counts as such a call on its way, and so does a clause that answers only with an error ' +
    '(a rate limiter\'s `if (count > LIMIT) { ctx.status = 429; ctx.body = { error: \'…\' }; return; }`, `ctx.throw(503)`: no data, no controller), or is skipped for some routes by `config.securities.match/ignore`. An app middleware ' +
    'is one in `config.middleware`, one whose factory file is the app\'s own (not egg\'s, the framework\'s or an enabled ' +
    'plugin\'s) wherever it sits in the chain (egg\'s middleware guide shows `app.config.coreMiddleware.unshift(name)`, ' +
    'which runs it before `securities`), or a function the app puts into the chain itself (`app.use()` in app.js, which runs ' +
    'before egg loads the chain, or `app.middleware.unshift()`) with its body written in the app\'s own code or in a package\'s ' +
    '(`app.use(serve(dir))`; the middleware of koa-compress, koa-helmet, koa-logger, koa-bodyparser, koa-body, koa-etag and ' +
    'a few more, read by hand, hand every request on; koa-static\'s and koa-static-cache\'s answer only GET and HEAD, and ' +
    '@koa/cors\'s and koa2-cors\'s only OPTIONS, which csrf does not check, so they are not reported here; another package\'s ' +
    'is reported medium: a static server mounted with koa-mount answers no request csrf checks, a proxy does). Switching off the security plugin or single protections is a different problem ' +
    '(threat 6) and not reported here.',
  fix: "Leave `securities` in coreMiddleware, where egg-security puts it (every core middleware runs before every app " +
    'middleware); remove code that splices it out or moves it, and any `securities: { enable, match, ignore }` config. ' +
    'Keep in front of it (unshifted into coreMiddleware, as egg\'s guide does for timing and tracing) only middleware ' +
    'that never answers ahead of `securities`; put middleware that answers requests itself in `config.middleware`. ' +
    'Scope single protections with their own options instead, e.g. `security.csrf.ignore`.',
  check: appOnly(facts => {
    if (!facts.plugins.some(plugin => plugin.name === 'security' && plugin.enable)) return [];
    const entry = facts.middleware.find(item => item.name === SECURITIES);
    if (!entry || entry.position === null) {
      const source = entry && facts.provenance(`${SECURITIES}.enable`);
      return [{
        severity: 'high',
        target: `middleware:${SECURITIES}`,
        source,
        message: entry ?
          `egg-security's securities middleware is disabled (enable: false${sourceSuffix(source)}): no csrf, xframe or other protection runs` :
          "egg-security's securities middleware is not in coreMiddleware (removed at boot): no csrf, xframe or other protection runs",
      }];
    }
    const hits: RuleHit[] = facts.middleware
      .filter(item => (item.group === 'app' || item.origin === 'app') && !item.passesThrough && !answersOnly(item, CSRF_UNCHECKED_METHODS) &&
        item.position !== null && item.position < (entry.position as number))
      .map(item => {
        // The app's own factory in coreMiddleware (or app.use()): code put it there, so point at the middleware's file.
        const listed = item.group === 'app';
        const used = item.group === 'other';
        // A package's code is not read (it may be a static server or a proxy): what it answers is the package's to say.
        return {
          severity: item.package ? 'medium' as const : 'high' as const,
          target: `order:${SECURITIES} before ${item.name}`,
          source: listed ? facts.provenance('middleware') : item.file,
          message: `${positioned(entry)} runs after the app middleware ${positioned(item)}, which ` +
            `${listed ? '' : `the app put ${item.group === 'core' ? 'into coreMiddleware' : 'in the chain itself (app.use(), app.middleware)'} and which `}` +
            (item.package ? `may answer a request before csrf and the other protections run: check that ${item.package} answers no POST, PUT, PATCH or DELETE` :
              'can answer a request before csrf and the other protections run'),
          ...(used && { fix: `Put it after egg-security: make it a middleware file (app/middleware/) listed in config.middleware instead of app.use() in ${item.file ?? 'app.js'}, ` +
            'or let it hand every request on to next() before it does anything else.' }),
        };
      });
    if (entry.filter) {
      const skipped = facts.routes.flatMap(route => {
        const step = route.chain.find(item => item.name === SECURITIES && item.level === 'global');
        const gap = step && stepGap(step, new Set());
        return gap ? [ `${routeLabel(route)} (${gap})` ] : [];
      });
      if (skipped.length || entry.filter.skipsEveryPath) {
        hits.push({
          severity: 'high',
          target: `middleware:${SECURITIES}`,
          source: facts.provenance(`${SECURITIES}.${entry.match ? 'match' : 'ignore'}`),
          message: `egg-security's securities middleware has ${entry.filter.summary}, which skips ` +
            `${entry.filter.skipsEveryPath ? 'every path' : `${skipped.length} route(s): ${listed(skipped)}`}`,
        });
      }
    }
    return hits;
  }),
};

/** A middleware name without case and `_`: `api_key_auth`, `ApiKeyAuth` and `apiKeyAuth` are one. */
function looseName(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

export const unmatchedPolicyEntry: Rule = {
  id: 'SEN406',
  area: 'middleware',
  title: 'Middleware or route policy entry matches nothing',
  severity: 'high',
  description: 'A name in `config.sentinel.middleware` or `routes.protect[].by` that is no middleware of this app (a typo, or ' +
    'a middleware that was renamed, or a file name such as `api_key_auth` where egg names the middleware `apiKeyAuth`), or ' +
    'a `routes.protect` path pattern that matches no route: the policy then checks ' +
    'nothing, silently. High. A `routes.public` entry that matches no route (or none of its methods) is a stale exception ' +
    'that would make a future route public without review: medium. Names and routes are only known once the app is loaded, ' +
    'so this is a finding rather than a config validation error. `egg-sentinel audit` sees only the routes registered up ' +
    'to app/router (no later boot hook, such as the didLoad hook in which @eggjs/tegg-controller-plugin registers tegg\'s decorator ' +
    'controllers; plugins\' extensions as stand-ins): there a pattern that matches no route, and a `protect[].by` name that is ' +
    'no middleware and no function given to a route it saw (a guard tegg\'s `@Middleware` gives), is one level lower (medium, low), ' +
    'since boot judges it in full; a `by` name that differs from a known middleware only in case or `_` stays high.',
  fix: 'Correct the name or pattern (the report lists the middleware chain and the route table), or remove the entry.',
  check: appOnly(facts => {
    const policy = policyOf(facts);
    const names = [ ...policy.required, ...(policy.middleware.order ?? []).map(constraint => constraint.name), ...policy.guards ];
    if (!names.length && !policy.routes.public?.length) return [];
    const known = knownMiddleware(facts);
    const hits: RuleHit[] = [];
    // egg records a list's file for the list as a whole: `sentinel.routes.protect` for `…protect[1].by[0]`.
    const sourceOf = (at: string) => facts.provenance(at.replace(/^config\./, '').replace(/\[.*$/, ''));
    // The audit sees the routes registered up to app/router: one a later boot hook (didLoad) or a plugin's extension adds
    // is seen at boot only, so there a pattern matching nothing is one level lower (boot judges it in full).
    const audit = facts.builtins.packages.loadedBy === 'audit';
    const hookRoutes = audit ? hookRoutePlugins(facts.plugins).map(({ plugin }) => plugin) : [];
    const unseen = `the audit runs no didLoad or later hook${hookRoutes.length ? `, where ${listed(hookRoutes)} registers routes` : ''}, and a plugin's app/extend code, ` +
      'such as egg-passport\'s app.passport.mount(), only as a stand-in that registers nothing; boot checks every route';
    // What to do with an entry only such routes may need: keep it, rather than delete a guard the boot enforces.
    const keepIfLater = (entry: string, what: string) => `If only routes registered in a boot hook (such as tegg's decorator controllers) ${what}, keep the entry: ` +
      `the boot checks every route and reports ${entry} that nothing matches there. Otherwise correct it (the report lists the middleware chain and the route table).`;
    const routerInChain = facts.middleware.some(entry => entry.group === 'router' && entry.position !== null);
    const name = (at: string, value: string, givenToRoutes = false, selector = false) => {
      if (known.has(value) || (selector && GROUP_SELECTORS[value])) return;
      // The router's dispatch is a place in the chain (the effective chain logs it), no middleware a route can be guarded by.
      if (value === ROUTER_SELECTOR && routerInChain) {
        if (selector) return;
        hits.push({
          severity: 'high', target: at, source: sourceOf(at),
          message: `"${ROUTER_SELECTOR}" is egg's router (where the chain dispatches to the routes' controllers), not a middleware that can be ` +
            `required, constrained or guard a route; only an order constraint's before/after can name it: { name: 'auth', before: [ '${ROUTER_SELECTOR}' ] }`,
        });
        return;
      }
      const similar = [ ...known ].find(other => looseName(other) === looseName(value));
      // egg names app/middleware/api_key_auth.js `apiKeyAuth`: a policy written with the file name needs saying why.
      const fileName = similar && value.includes('_') ? ` egg names a middleware after its camel-cased file name: ${value} → ${similar}` : '';
      // A guard may be a function given only to routes the audit cannot see (tegg's @Middleware): one level lower there,
      // unless the name is a misspelling of a known one.
      const unseenGuard = audit && givenToRoutes && !similar;
      hits.push({
        severity: unseenGuard ? 'medium' : 'high',
        target: at,
        source: sourceOf(at),
        message: `"${value}" is no middleware ${unseenGuard ? 'the audit saw, nor given to a route it saw' : 'of this app'}${similar ? ` (did you mean "${similar}"?${fileName})` : ''}; ` +
          `known: ${[ ...known ].sort().join(', ')}${unseenGuard ? `; a guard given only to routes registered later is seen at boot only (${unseen})` : ''}`,
        ...(unseenGuard && { fix: keepIfLater('a name', `get ${value} (\`@Middleware(${value})\`)`) }),
      });
    };
    policy.required.forEach((value, index) => name(`config.sentinel.middleware.required[${index}]`, value));
    (policy.middleware.order ?? []).forEach((constraint, index) => {
      const at = `config.sentinel.middleware.order[${index}]`;
      name(`${at}.name`, constraint.name);
      for (const side of [ 'before', 'after' ] as const) constraint[side]?.forEach((value, item) => name(`${at}.${side}[${item}]`, value, false, true));
    });
    // As coverRoutes matches them: protect patterns also by the request paths a route serves, public ones by its path.
    // A path egg's siteFile answers with a function counts as a route (GET and HEAD) here: the policy judges it (SEN404).
    const protectsRoute = (pattern: string) => {
      const match = compileRoutePattern(pattern);
      return facts.routes.some(route => protects([ match ], route)) || facts.siteFileHandlers.some(match) ||
        staticPrefixes(middlewareOptions(facts, 'static')).some(({ file }) => match(file)) ||
        facts.files.staticDirs.some(dir => dir.protectedEntries.some(entry => match(staticRequestPath(entry))));
    };
    const exemptsRoutes = (pattern: string) => {
      const match = compileRoutePattern(pattern);
      return facts.routes.filter(route => match(route.path));
    };
    const noRoute = audit ? `matches no route the audit saw (${unseen})` : 'matches no route of this app';
    (policy.routes.protect ?? []).forEach((entry, index) => {
      const at = `config.sentinel.routes.protect[${index}]`;
      entry.by.forEach((value, item) => name(`${at}.by[${item}]`, value, true));
      entry.paths.forEach((pattern, item) => {
        if (pattern !== '**' && !protectsRoute(pattern)) {
          hits.push({
            severity: audit ? 'medium' : 'high', target: `${at}.paths[${item}]`, source: sourceOf(at), message: `"${pattern}" ${noRoute}, so it protects nothing`,
            ...(audit && { fix: keepIfLater('a pattern', 'match it') }),
          });
        }
      });
    });
    (policy.routes.public ?? []).forEach((entry, index) => {
      const at = `config.sentinel.routes.public[${index}]`;
      const patterns: Array<[ string, string ]> = entry.paths ? entry.paths.map((pattern, item) => [ `${at}.paths[${item}]`, pattern ]) : [[ `${at}.path`, entry.path as string ]];
      for (const [ where, pattern ] of patterns) {
        const matched = exemptsRoutes(pattern);
        // A route a catch-all registered earlier answers is never reached: an entry only it uses is stale.
        const routes = matched.filter(route => !route.shadowedBy);
        const shadowed = matched.flatMap(route => (route.shadowedBy ? [ `${routeLabel(route)}, which ${routeLabel(route.shadowedBy)} registered earlier answers` ] : []));
        const methods = entry.methods?.includes('ALL') ? [] : entry.methods ?? [];
        // egg's router answers HEAD on every GET route (the route lists GET only).
        const withMethod = routes.filter(route => route.allMethods || !methods.length ||
          methods.some(method => route.methods.includes(method) || (method === 'HEAD' && route.methods.includes('GET'))));
        if (withMethod.length) continue;
        const servedBeforeRoutes = [ ...facts.siteFileHandlers, ...staticPrefixes(middlewareOptions(facts, 'static')).map(({ file }) => file),
          ...facts.files.staticDirs.flatMap(dir => dir.protectedEntries.map(staticRequestPath)) ];
        if ((!methods.length || methods.some(method => method === 'GET' || method === 'HEAD')) && servedBeforeRoutes.some(compileRoutePattern(pattern))) continue;
        hits.push({
          severity: audit && !routes.length ? 'low' : 'medium',
          target: where,
          source: sourceOf(where),
          ...(audit && !routes.length && { fix: keepIfLater('an entry', 'match it') }),
          message: routes.length ?
            `"${pattern}" matches ${routes.map(routeLabel).join(', ')}, none of which answers ${methods.join(', ')}: the exception is stale` :
            shadowed.length ?
              `"${pattern}" matches only ${shadowed.join('; ')}: ` +
              'egg never reaches it, and a stale exception would make a future route with this path public without review' :
              `"${pattern}" ${noRoute}: a stale exception would make a future route with this path public without review`,
        });
      }
    });
    return hits;
  }),
};

export const middlewareRules: Rule[] = [
  requiredMiddlewareMissing,
  middlewareOrderBroken,
  guardWeakened,
  unprotectedRoute,
  securityMiddlewareMisplaced,
  unmatchedPolicyEntry,
];
