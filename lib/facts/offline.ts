/**
 * Facts for `egg-sentinel audit`: loads an app with egg's own loader, without starting it.
 *
 * What runs, in egg's order: the framework's AppWorkerLoader reads `config/plugin.*` and `config/config.*` of every
 * load unit (egg config is code: these files run); the boot hooks of `app.js`/`app.ts` of every unit are constructed
 * and their `configWillLoad`/`configDidLoad` run (function-style `app.js` runs at configDidLoad, as in egg); the
 * modules in `app/middleware` and `app/controller` are required (top-level code runs) and `app/router.js` runs.
 * What never runs: `didLoad`, `willReady`, `didReady`, `serverDidReady`, `beforeStart`/`ready` callbacks, middleware
 * factories, services, extends, `agent.js`, the agent, the messenger and cluster clients; nothing listens.
 * Hooks run against an "audit app": egg's config, loader, plugins, router and middleware list are real, every other
 * property (messenger, cluster, loggers, context…) is an inert stand-in that accepts any use and does nothing.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import util from 'node:util';
import { isProtectableClusterClient } from '../ipc/cluster-client';
import { markAuditing } from '../process-marks';
import { isSafeEnvName, quoteForMessage } from '../env-name';
import { collectFacts, type EggLike } from './collect';
import { loadPluginListsAgain, SENTINEL_ROOT, toDisplayPath } from './plugin-list';
import { isInside } from './real-path';
import { eggRunDir } from './run-dir';
import type { TlsParts } from './builtins';
import { checkGitignore } from './files';
import { EXTENDED_BY, hookRoutePlugins, madeByFactory, madeByOneOf, recordAppUses, recordRouteRegistrations, type RecordTarget, returnedMiddlewareSource, STAND_IN, STOOD_IN_SOURCE, watchRouters } from './middleware';
import { loadEggModules } from './path-matching';
import { changedKeyPaths, recordConfigWrites } from '../config-changes';
import { CODE_GUARDED_ROOTS, guardedLeaves } from '../rules/plugins';
import type { Facts } from './types';

export interface OfflineLoadOptions {
  baseDir: string;
  /** Server env to load (`--env`); egg's own sources (config/env, EGG_SERVER_ENV, NODE_ENV) when omitted. */
  env?: string;
  /** Server scope (`--scope`); EGG_SERVER_SCOPE when omitted. */
  scope?: string;
  /** Where egg's loader warnings go (the loader's info messages are dropped). */
  warn(message: string): void;
  /** Where the audit's own warnings go (a boot hook that failed on the stand-in app); `warn` when omitted. */
  notice?(message: string): void;
  /** Called once plugins and config are loaded, before any boot hook runs or any fact is collected. */
  configLoaded?(loaded: { baseDir: string; loader: { config: AnyRecord; configMeta: AnyRecord; serverEnv: string; eggPaths?: string[]; allPlugins?: Record<string, { path?: unknown }> } }): void;
}

/** The app could not be loaded; the message says why and what to do. */
export class AppLoadError extends Error {
  override name = 'AppLoadError';
}

type AnyRecord = Record<string, unknown>;
type BootHookClass = new (app: unknown) => { configWillLoad?(): void; configDidLoad?(): void };

/** The parts of egg's AppWorkerLoader the audit drives (egg 3: egg-core's, synchronous; egg 4: @eggjs/core's, async). */
interface AuditLoader {
  options: { app: object } & AnyRecord;
  pkg: AnyRecord;
  serverEnv: string;
  serverScope: string;
  config: AnyRecord;
  configMeta: AnyRecord;
  plugins: Record<string, AnyRecord>;
  allPlugins: Record<string, AnyRecord>;
  /** The plugin configs as written, merged into allPlugins in this order: egg's and its frameworks', the app's, the start options'. */
  eggPlugins?: Record<string, AnyRecord>;
  appPlugins?: Record<string, AnyRecord>;
  customPlugins?: Record<string, AnyRecord>;
  eggPaths: string[];
  getLoadUnits(): Array<{ path: string }>;
  FileLoader: { FULLPATH: symbol };
  loadConfig(): void | Promise<void>;
  loadCustomApp(): void | Promise<void>;
  loadMiddleware(options: { initializer(exports: unknown, file: { path: string; pathName: string }): unknown }): void | Promise<void>;
  loadController(): void | Promise<void>;
  loadRouter(): void | Promise<void>;
}

type LoaderClass = new (options: AnyRecord) => AuditLoader;

interface Framework {
  Application: { prototype: object };
  Controller?: unknown;
  Service?: unknown;
  BaseContextClass?: unknown;
}

const EGG_LOADER = Symbol.for('egg#loader');
const TS_NODE_INSTANCE = Symbol.for('ts-node.register.instance');

/** egg's loader for the app, on an audit app, with plugins and config loaded. */
async function openLoader(options: OfflineLoadOptions) {
  const baseDir = path.resolve(options.baseDir);
  const pkg = readPackageJson(baseDir);
  // Modules the app itself would get: its framework, its TypeScript hook.
  const appRequire = createRequire(path.join(baseDir, 'package.json'));
  const framework = requireFramework(appRequire, baseDir, pkg);
  enableTypeScript(appRequire, baseDir, pkg);

  const app = createAuditApp(framework, { baseDir, type: 'application', env: options.env, serverScope: options.scope }, options.notice ?? options.warn);
  const Loader = Reflect.get(framework.Application.prototype, EGG_LOADER) as LoaderClass;
  // egg's loader logs printf-style: `plugin %s has been defined that is %j, …`.
  const relay = (format: string, ...args: unknown[]) => options.warn(util.format(format, ...args));
  const logger = { info() {}, debug() {}, warn: relay, error: relay };
  const loader = await step('preparing egg\'s loader', () => new Loader({ baseDir, app: app.proxy, logger, env: options.env, serverScope: options.scope }));
  app.set('loader', loader);
  refuseUnsafeEnv(loader);
  // egg 4: egg-core's `router` getter keeps the router in a private field, which a stand-in app cannot hold; egg 3
  // creates the same EggRouter. The audit app gets its own, from the router package egg-core uses.
  const { EggRouter } = createRequire(path.join(loadEggModules(loader.eggPaths).routerDir, 'package.json'))('.') as { EggRouter: RouterClass };
  app.set('router', new EggRouter({ sensitive: true }, app.proxy));
  // egg 4's loader is asynchronous (each step returns a promise); egg 3's returns nothing.
  await step('loading plugins and config', () => loader.loadConfig());
  options.configLoaded?.({ baseDir, loader });
  return { baseDir, app, loader };
}

/**
 * Only the enabled plugins and the merged config of the app in an env, for `egg-sentinel pin`: egg's loadConfig runs
 * the plugin.* and config.* files of every load unit, no boot hook, middleware, controller or router.
 */
export async function loadConfigOffline(options: OfflineLoadOptions): Promise<{
  serverEnv: string; plugins: Record<string, AnyRecord>; config: AnyRecord; foundByName: Set<string>;
}> {
  const { loader } = await openLoader(options);
  return { serverEnv: loader.serverEnv, plugins: loader.plugins, config: loader.config, foundByName: pluginsFoundByName(loader) };
}

/**
 * The enabled plugins egg-core looked up by package name: the last config that set their `path` or `package` gave no
 * `path` (egg-core's merge drops both when a later config sets either). One with a `path` is loaded from there,
 * whatever a node_modules holds under its name.
 */
function pluginsFoundByName(loader: AuditLoader): Set<string> {
  const hasPath = new Map<string, boolean>();
  for (const configs of [ loader.eggPlugins, loader.appPlugins, loader.customPlugins ]) {
    for (const [ name, plugin ] of Object.entries(configs ?? {})) {
      if (plugin.path || plugin.package) hasPath.set(name, Boolean(plugin.path));
    }
  }
  return new Set(Object.keys(loader.plugins).filter(name => hasPath.get(name) !== true));
}

/** Where egg loads the app's own code from: a `.js` compiled next to a `.ts` is loaded instead of it. */
const APP_CODE_DIRS = [ 'config', 'app', 'lib' ];
/** Stale files named in the notice; the rest are counted. */
const MAX_LISTED_STALE = 5;

/**
 * The app's `.ts` files (under config/, app/ and lib/) with a compiled `.js` beside them that is older: egg's
 * loader, and so the audit, reads the `.js`, which no longer says what the source says.
 */
function staleCompiledFiles(baseDir: string): string[] {
  const stale: string[] = [];
  const visit = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // no such directory
    }
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) visit(file);
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
      const compiled = `${file.slice(0, -'.ts'.length)}.js`;
      try {
        if (fs.statSync(compiled).mtimeMs < fs.statSync(file).mtimeMs) stale.push(path.relative(baseDir, file));
      } catch {
        // not compiled: egg loads the .ts itself (ts-node)
      }
    }
  };
  APP_CODE_DIRS.forEach(dir => visit(path.join(baseDir, dir)));
  return stale.sort();
}

/** Loads the app as egg's app worker would, up to its routes, and returns the facts every rule reads. */
export async function loadAppOffline(options: OfflineLoadOptions): Promise<Facts> {
  const stale = staleCompiledFiles(options.baseDir);
  if (stale.length) {
    (options.notice ?? options.warn)(`${stale.length} TypeScript file(s) changed after the .js compiled beside them (${stale.slice(0, MAX_LISTED_STALE).join(', ')}` +
      `${stale.length > MAX_LISTED_STALE ? ', …' : ''}): egg loads the .js, and so does this audit, which therefore checks the older code; compile again (tsc) and rerun`);
  }
  markAuditing();
  const { baseDir, app, loader } = await openLoader(options);
  const gitignore = checkGitignore(baseDir, eggRunDir({ baseDir, config: loader.config }));
  watchRouters(app.proxy as RecordTarget);
  recordAppUses(app.proxy);
  // As at boot (lib/boot-app.ts): SEN108's keys the boot hooks change, and who wrote them.
  const guardedAtLoad = guardedLeaves(loader.config);
  const configWrites = recordConfigWrites(loader.config, CODE_GUARDED_ROOTS);
  await step('running boot hooks up to configDidLoad', () => loader.loadCustomApp());
  configWrites.stop();
  const codeChanges = { changed: changedKeyPaths(guardedAtLoad, guardedLeaves(loader.config)), writes: configWrites.writes };
  // What the plugin's own hook does at configWillLoad, so routes know their controllers whether or not the app enables it.
  recordRouteRegistrations(app.proxy as RecordTarget);
  // Egg would call each factory with its config here; the audit records the chain and calls none of them.
  await step('listing middleware', () => loader.loadMiddleware({ initializer: (exports, file) => standInFactory(exports, file.pathName) }));
  await step('loading controllers', () => loader.loadController());
  await step('loading app/router', () => loader.loadRouter());
  for (const { plugin, registers } of hookRoutePlugins(Object.values(loader.plugins))) {
    (options.notice ?? options.warn)(`${plugin} registers ${registers}, which the audit does not run: those routes were not checked (neither their guards nor ` +
      'the policy\'s patterns and public entries for them); the boot check judges every route, theirs included');
  }

  const router = app.get('router') as NonNullable<EggLike['router']> & { middleware(): NamedFunction };
  // egg 4 appends the router's middleware (`routerMiddleware`) at the end of loadMiddleware; egg 3 in a beforeStart
  // task, which the audit does not run.
  const middleware = app.get('middleware') as NamedFunction[];
  const chain = middleware.some(fn => fn._name === 'routerMiddleware') ? middleware : [ ...middleware, router.middleware() ];
  const facts = collectFacts({
    type: 'application',
    baseDir,
    name: String(loader.pkg.name),
    config: loader.config,
    options: { env: options.env, serverScope: options.scope },
    plugins: loader.plugins,
    middleware: chain,
    middlewares: app.get('middlewares') as AnyRecord | undefined,
    // The audit app has no egg-session extension: a hook's `app.sessionStore = …` is its own property, and reading
    // one it did not set gives an inert stand-in. A plugin whose app.js sets one (egg-session-redis) whose hook did
    // not run on the stand-in app still keeps sessions outside the cookie at boot.
    sessionStore: Object.hasOwn(app.proxy, 'sessionStore') ? app.get('sessionStore') : storeSettingPlugin(loader.plugins),
    router,
    loader,
    undispatchedRoutes: routes => (options.notice ?? options.warn)(`${routes.length} route(s) of routers that no middleware the audit saw dispatches ` +
      `to (${routes.slice(0, 5).join(', ')}${routes.length > 5 ? ', …' : ''}) are judged as if dispatched after the global chain, where ` +
      'egg-router-plus mounts its namespaces in a beforeStart task, which the audit does not run; the boot check judges them where they are mounted'),
  }, { gitignore: await gitignore, workingDir: baseDir, codeChanges, pluginLists: await loadPluginListsAgain(loader) });
  // No process of the app exists, so there are no node flags to read (this process's are egg-sentinel's own).
  // Rules that need them declare `liveOnly` and the audit skips them.
  // Which packages are loaded is known only for the part of the app the audit loaded (SEN601 says so).
  // Nor start options, but for the TLS egg-scripts serves with from package.json (`--https.key`, eggScriptsConfig): SEN608
  // asks whether egg sees requests as HTTPS (black-box round 44, r44h2 F4).
  const startTls = startScriptTls(readPackageJson(baseDir));
  const builtins = { ...facts.builtins, packages: { ...facts.builtins.packages, loadedBy: 'audit' as const }, ...(startTls && { startOptionsHttps: startTls }) };
  // Nor an ancestry or a home directory of its own: the .npmrc the app ships is what the audit judges of SEN307 and SEN308.
  const runtime = { ...facts.runtime, nodeFlags: [], homeModuleFolders: [], droppedPreflight: undefined,
    untrustedScriptShells: facts.runtime.untrustedScriptShells.filter(shell => shell.source === '.npmrc') };
  // Nor IPC protection (it needs the agent's key): a cluster-client copy the app loads is judged by whether boot patches it.
  const clusterClientCopies = facts.ipc.clusterClientCopies.map(copy => ({ ...copy, protected: isProtectableClusterClient(copy.version) }));
  return { ...facts, env: { ...facts.env, nodeOptions: '', execArgv: [] }, runtime, builtins, ipc: { ...facts.ipc, clusterClientCopies } };
}

type NamedFunction = ((...args: unknown[]) => unknown) & { _name?: string };
type RouterClass = new (options: { sensitive: boolean }, app: object) => NonNullable<EggLike['router']> & { middleware(): NamedFunction };

/** The parts of TLS egg-scripts is given by the app's package.json: its `start` script's `--https.key`/`--https.cert`, or eggScriptsConfig.https. */
function startScriptTls(pkg: AnyRecord): TlsParts | undefined {
  const start = typeof (pkg.scripts as AnyRecord | undefined)?.start === 'string' ? (pkg.scripts as { start: string }).start : '';
  const configured = ((pkg.eggScriptsConfig as AnyRecord | undefined)?.https ?? {}) as AnyRecord;
  const parts = { key: /--https\.key[=\s]\S/.test(start) || Boolean(configured.key), cert: /--https\.cert[=\s]\S/.test(start) || Boolean(configured.cert) };
  return parts.key || parts.cert ? parts : undefined;
}

function readPackageJson(baseDir: string): AnyRecord {
  const file = path.join(baseDir, 'package.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new AppLoadError(`${file} not found: --base-dir must be the root of an egg app (the directory with its package.json)`);
  }
  try {
    return JSON.parse(text) as AnyRecord;
  } catch (error) {
    throw new AppLoadError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function eggSection(pkg: AnyRecord): AnyRecord {
  return pkg.egg && typeof pkg.egg === 'object' ? pkg.egg as AnyRecord : {};
}

/** The framework the app runs on (`egg.framework` in package.json, egg by default), from the app's own dependencies. */
function requireFramework(appRequire: NodeJS.Require, baseDir: string, pkg: AnyRecord): Framework {
  const name = typeof eggSection(pkg).framework === 'string' ? String(eggSection(pkg).framework) : 'egg';
  let framework: Partial<Framework>;
  try {
    framework = appRequire(name) as Partial<Framework>;
  } catch (error) {
    throw new AppLoadError(`cannot load the framework "${name}" from ${baseDir} (${firstLine(error)}): install the app's dependencies (npm ci) before auditing it`);
  }
  if (!framework.Application || !Reflect.get(framework.Application.prototype, EGG_LOADER)) {
    throw new AppLoadError(`"${name}" does not export an egg Application with a loader; egg-sentinel audits egg 3 and egg 4 apps`);
  }
  return framework as Framework;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];
}

/** The config files in TypeScript, and those of them without a compiled .js next to them. */
function typeScriptConfigFiles(baseDir: string): { all: string[]; uncompiled: string[] } {
  const configDir = path.join(baseDir, 'config');
  const names = fs.existsSync(configDir) ? fs.readdirSync(configDir) : [];
  const all = names.filter(name => name.endsWith('.ts') && !name.endsWith('.d.ts'));
  return {
    all: all.map(name => `config/${name}`),
    uncompiled: all.filter(name => !names.includes(name.replace(/\.ts$/, '.js'))).map(name => `config/${name}`),
  };
}

/**
 * Egg loads `.ts` files only with EGG_TYPESCRIPT=true and a require hook. For a TypeScript app the audit registers
 * the app's own compiler hook (`egg.tscompiler` in package.json, ts-node by default) from the app's node_modules.
 * An app compiled in place (`tsc`: a .js next to every config .ts) is audited as egg-scripts runs it in production,
 * from its .js files: with the hook, egg would load both and refuse the duplicates. EGG_TYPESCRIPT=true or false
 * decides either way.
 */
function enableTypeScript(appRequire: NodeJS.Require, baseDir: string, pkg: AnyRecord): void {
  const configs = typeScriptConfigFiles(baseDir);
  const tsOnly = configs.uncompiled;
  const compiled = configs.all.length > 0 && !tsOnly.length;
  const declared = process.env.EGG_TYPESCRIPT === 'true' || (eggSection(pkg).typescript === true && !compiled);
  if (process.env.EGG_TYPESCRIPT === 'false' || (!tsOnly.length && !declared)) return;
  process.env.EGG_TYPESCRIPT = 'true';
  if ((process as unknown as Record<symbol, unknown>)[TS_NODE_INSTANCE]) return;
  const compiler = typeof eggSection(pkg).tscompiler === 'string' ? String(eggSection(pkg).tscompiler) : undefined;
  try {
    if (compiler) {
      appRequire(compiler);
    } else {
      const tsNode = appRequire('ts-node') as { register(options: AnyRecord): unknown };
      tsNode.register({ transpileOnly: true, projectSearchDir: baseDir });
    }
  } catch (error) {
    const needed = compiler ?? 'ts-node';
    throw new AppLoadError(`the app is TypeScript (${tsOnly.length ? tsOnly.join(', ') : 'package.json egg.typescript'}) and its compiler hook ` +
      `"${needed}" could not be loaded from ${baseDir} (${firstLine(error)}): install it in the app ` +
      '(npm i -D ts-node typescript@5: TypeScript 7 has no compiler API for ts-node), or compile the app with tsc and audit the JavaScript output');
  }
}

/** egg builds file names from the env and scope and runs them: check them before any file is loaded. */
function refuseUnsafeEnv(loader: AuditLoader): void {
  for (const [ kind, value ] of [ [ 'env', loader.serverEnv ], [ 'scope', loader.serverScope ] ] as const) {
    if (value && !isSafeEnvName(value)) {
      throw new AppLoadError(`refused (SEN301): the server ${kind} ${quoteForMessage(value)} contains characters outside ` +
        `[A-Za-z0-9_-], and egg would run config/config.<${kind}> files built from it, possibly outside the app. ` +
        `Fix EGG_SERVER_${kind === 'env' ? 'ENV' : 'SCOPE'} / config/env, or pass --${kind} with a plain name`);
    }
  }
}

/** Runs one loader step; an error from app or egg code becomes an AppLoadError naming the step and the app file. */
async function step<T>(what: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppLoadError) throw error;
    const err = error instanceof Error ? error : new Error(String(error));
    const at = err.stack?.split('\n').find(line => /^\s+at /.test(line) && !line.includes('node_modules') && !line.includes('node:'));
    throw new AppLoadError(`${what} failed: ${err.message}${at ? `\n    ${at.trim()}` : ''}`);
  }
}

/** A middleware factory that egg may "call" during the audit: it returns a named no-op instead of running app code. */
function standInFactory(exports: unknown, pathName: string): unknown {
  if (typeof exports !== 'function') return exports;
  // pathName is `middleware.<name>`; the name is what a route-level `app.middleware.<name>()` shows in the route facts.
  const name = pathName.replace(/^middleware\./, '');
  // What the boot judges by the real function's source (a middleware that only passes requests on, a router mount).
  const source = Function.prototype.toString.call(exports);
  const returned = returnedMiddlewareSource(source);
  // One per call, as the factory's: each call's options are recorded on what it returned (a strict and an optional
  // app.middleware.jwt() kept in variables; black-box round 42, h2 F2).
  const standIn = () => {
    const made = { [name]: (_ctx: unknown, next: () => unknown) => next() }[name];
    Object.defineProperty(made, STAND_IN, { value: true });
    return returned === undefined ? made : Object.defineProperty(made, STOOD_IN_SOURCE, { value: returned });
  };
  return Object.defineProperty(standIn, STOOD_IN_SOURCE, { value: source });
}

/** Accepts any property access, call, construction or assignment and does nothing; `await` on it does not hang. */
const INERT: unknown = new Proxy(function inert() {}, {
  get: (_target, key) => {
    if (key === Symbol.toPrimitive) return () => '';
    return typeof key === 'symbol' || key === 'then' ? undefined : INERT;
  },
  apply: () => INERT,
  construct: () => INERT as object,
  set: () => true,
  defineProperty: () => true,
  deleteProperty: () => true,
  has: () => false,
});

/** Words that open a block like a method does (`if (…) {`), which are no method names. */
const NOT_METHODS = new Set([ 'if', 'for', 'while', 'switch', 'catch', 'function', 'return', 'with' ]);

/**
 * The getters (egg-jwt's `get jwt()`, with the directory of the plugin, framework or app whose extension defines it:
 * the last, as egg merges them, and whether that extension calls the app's factory of the same name,
 * `this.middleware.opsOnly()`) and methods (egg-jsonp's `jsonp(options) {`) the app's and its plugins'
 * `app/extend/application` files define, read from their text: the audit loads no extension, which would run plugin code.
 */
function extensionMembers(loader: AuditLoader): { getters: ReadonlyMap<string, ExtensionGetter>; methods: ReadonlySet<string> } {
  const getters = new Map<string, ExtensionGetter>();
  const methods = new Set<string>();
  for (const unit of loader.getLoadUnits()) {
    for (const extension of [ 'js', 'ts' ]) {
      let text: string;
      try {
        text = fs.readFileSync(path.join(unit.path, `app/extend/application.${extension}`), 'utf8');
      } catch {
        continue; // no such extension
      }
      for (const match of text.matchAll(/\bget\s+([A-Za-z_$][\w$]*)\s*\(/g)) {
        const name = match[1];
        const body = getterBody(text, (match.index ?? 0) + match[0].length);
        const called = calledFactories(body);
        // A getter that calls none itself may call its namesake through a helper of the file.
        const fileCalls = text.includes(`.middleware.${name}(`) || text.includes(`.middlewares.${name}(`);
        const factories = called.length ? called : fileCalls ? [ name ] : [];
        getters.set(name, { extendedBy: unit.path, file: path.join(unit.path, `app/extend/application.${extension}`), factories, credentialOptions: CREDENTIAL_OPTIONS.test(body) });
      }
      for (const match of text.matchAll(/^[ \t]*(?:async[ \t]+)?([A-Za-z_$][\w$]*)[ \t]*\([^)]*\)[ \t]*(?::[^{\n]*)?\{/gm)) {
        if (!NOT_METHODS.has(match[1])) methods.add(match[1]);
      }
    }
  }
  return { getters, methods };
}

/** Where an extension getter is defined, and the middleware factories its text calls (extensionMembers). */
interface ExtensionGetter {
  extendedBy: string;
  file: string;
  /** `adminOnly` for `this.middleware.adminOnly()`; `[]` inside for a factory by a computed name (`this.middleware[name]()`). */
  factories: string[];
  /** The getter names `credentialsRequired` or `passthrough` (`this.middleware.jwt({ credentialsRequired: false })`), which boot reads from what the call was given. */
  credentialOptions: boolean;
}

/** The text of a getter from after its `get name(` to its closing brace, by counting braces; the rest of the file when none closes. */
function getterBody(text: string, from: number): string {
  const open = text.indexOf('{', from);
  if (open < 0) return '';
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === '{') depth++;
    else if (text[index] === '}' && --depth === 0) return text.slice(open, index + 1);
  }
  return text.slice(open);
}

/**
 * What lets a request without credentials through (credentialOptions at boot), named anywhere in a getter: in the
 * options of its factory call, nested or not, or in a variable it passes.
 */
const CREDENTIAL_OPTIONS = /\b(?:credentialsRequired|passthrough)\b/;

/** The app's middleware factories a getter's text calls: `.middleware.adminOnly(`, and `[]` for a computed name (`.middleware[name](`). */
function calledFactories(body: string): string[] {
  const names = [ ...body.matchAll(/\.middlewares?\.([A-Za-z_$][\w$]*)\s*\(/g) ].map(match => match[1]);
  return [ ...new Set([ ...names, ...(/\.middlewares?\s*\[/.test(body) ? [ '[]' ] : []) ]) ];
}

/**
 * Object.prototype's methods, which plugin code calls on what an extension getter gives as on any object (egg-socket.io's
 * loader: `app.io.__defineGetter__('middlewares', …)`).
 */
const OBJECT_METHODS: ReadonlySet<PropertyKey> = new Set(Object.getOwnPropertyNames(Object.prototype).filter(key => key !== 'constructor' && key !== '__proto__'));

/**
 * An inert function known by `name`, as the real extension's middleware is (`route:jsonp` in a route's chain); under
 * EXTENDED_BY, the directory whose extension gave it, when a getter did. It has no `router`, as no middleware does:
 * koa-router's use() takes a function that has one for a nested router.
 */
function namedStandIn(name: string, extendedBy?: string): object {
  return new Proxy({ [name]: function() {} }[name], {
    get: (_fn, key) => (key === 'name' ? name : key === EXTENDED_BY ? extendedBy : OBJECT_METHODS.has(key) ? Reflect.get(Object.prototype, key) :
      typeof key === 'symbol' || key.startsWith('_') || key === 'router' ? undefined : INERT),
    apply: () => INERT,
  });
}

/**
 * What an extension getter gives on the audit app: an inert stand-in kept under `Symbol('Application#<name>')`, as
 * egg plugins cache what their getter builds, so a route guard `app.jwt` is known by its name as at boot.
 */
function cachedExtension(app: AnyRecord, name: string, { extendedBy, file, factories, credentialOptions }: ExtensionGetter, warn: (message: string) => void): unknown {
  const symbol = Symbol.for(`Application#${name}`);
  if (!Object.hasOwn(app, symbol)) {
    const standIn = namedStandIn(name, extendedBy);
    const known = factories.length === 1 && factories[0] !== '[]';
    // What `this.middleware.<factory>()` makes, as far as the text shows: at boot, what the getter caches tells.
    if (known && !credentialOptions) madeByFactory(standIn, factories[0]);
    if ((!known && factories.length > 0) || (known && credentialOptions)) {
      const calls = factories.map(factory => (factory === '[]' ? 'app.middleware[…]()' : `app.middleware.${factory}()`)).join(' and ');
      const detail = `app.${name}, whose getter in ${toDisplayPath(String((app.options as AnyRecord).baseDir), file)} calls ${calls}` + (known ?
        ' with options naming credentialsRequired or passthrough: the audit runs no extension and cannot tell whether it lets a request without credentials through' :
        ': the audit runs no extension and cannot tell which middleware it gives');
      madeByOneOf(standIn, { factories: factories.filter(factory => factory !== '[]'), computed: factories.includes('[]'), detail });
      warn(`${detail}; a guard missing from a route given app.${name} is reported one level lower (boot checks it)`);
    }
    Object.defineProperty(app, symbol, { value: standIn, configurable: true });
  }
  return app[symbol as unknown as string];
}

/**
 * What an extension method gives on the audit app: a function returning a stand-in named after the method, as a
 * middleware factory extension returns its middleware (egg-jsonp's `app.jsonp()` returns `async function jsonp`), so
 * the route facts know a route-level `app.jsonp()` (SEN602) as at boot.
 */
function extensionMethod(name: string): unknown {
  return { [name]: () => namedStandIn(name) }[name];
}

/**
 * What the constructors of egg's, egg-core's and koa's Application (egg 3 and egg 4) set on every app: egg's boot
 * hooks may use them from their constructor on (`app.messenger.on(…)`).
 */
const CONSTRUCTED_MEMBERS = new Set<PropertyKey>([
  'BaseContextClass', 'BaseHookClass', 'Boot', 'ContextClass', 'ContextCookies', 'ContextHttpClient', 'ContextLogger', 'Controller',
  'FetchFactory', 'HttpClient', 'HttpClientNext', 'RequestClass', 'ResponseClass', 'Service', 'Subscription', 'agent', 'application',
  'cluster', 'console', 'context', 'ctxStorage', 'env', 'fetch', 'lifecycle', 'loader', 'maxIpsCount', 'messenger', 'middleware',
  'options', 'proxy', 'proxyIpHeader', 'request', 'response', 'safeFetch', 'server', 'silent', 'subdomainOffset', 'timing',
]);

/**
 * egg-core's shorthands that hand their arguments to `this.router` (egg 3's `utils.methods` plus all, resources,
 * register, redirect, and del; egg 4's the same): an `app.get('/admin/export', …)` in app/router.js is a route at boot.
 */
const ROUTER_SHORTHANDS = [ 'head', 'options', 'get', 'put', 'patch', 'post', 'delete', 'del', 'all', 'resources', 'register', 'redirect', 'url' ];

/** egg-core members that read only the real parts of the audit app (config, loader, options, middleware list, router). */
const REAL_PROTOTYPE_MEMBERS = new Set<PropertyKey>([ 'config', 'plugins', 'name', 'baseDir', 'type', 'use', 'router', ...ROUTER_SHORTHANDS ]);

/**
 * An object that egg's loader and the app's boot hooks see as `app`: its prototype is the framework's Application
 * (egg finds its framework dirs through it), its own properties are real, what egg gives every app is INERT, and
 * nothing else is there.
 */
function createAuditApp(framework: Framework, options: AnyRecord, warn: (message: string) => void) {
  const proto = framework.Application.prototype;
  const target = Object.create(proto) as AnyRecord;
  const own = (key: PropertyKey, value: unknown) => Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: true });
  own('options', options);
  own('middleware', []);
  own('lifecycle', configPhaseLifecycle(() => proxy, String(options.baseDir), warn));
  own('timing', undefined);
  own('Controller', framework.Controller);
  own('Service', framework.Service);
  own('BaseContextClass', framework.BaseContextClass);
  let members: ReturnType<typeof extensionMembers> | undefined;
  const proxy: object = new Proxy(target, {
    get(obj, key, receiver) {
      if (Object.hasOwn(obj, key)) return obj[key as string];
      if (REAL_PROTOTYPE_MEMBERS.has(key)) return Reflect.get(proto, key, receiver);
      // Symbols and `_private` members are egg's internals, which the audit app does not have.
      if (typeof key === 'symbol' || key === 'then' || key.startsWith('_')) return undefined;
      members ??= obj.loader ? extensionMembers(obj.loader as AuditLoader) : undefined;
      const getter = members?.getters.get(key);
      if (getter) return cachedExtension(obj, key, getter, warn);
      if (members?.methods.has(key)) return extensionMethod(key);
      // What egg's own code gives every app is inert here; anything else no app has before its plugins' didLoad
      // (egg-sequelize throws when `app.model` exists before it defines it).
      return key in proto || CONSTRUCTED_MEMBERS.has(key) ? INERT : undefined;
    },
    // Assignments land on the object itself, never in a framework setter.
    set(_obj, key, value) {
      own(key, value);
      return true;
    },
  });
  return { proxy, get: (key: string): unknown => Reflect.get(proxy, key), set: own };
}

/**
 * Stands in for egg-core's Lifecycle during the audit: constructs every boot hook and runs configWillLoad and then
 * configDidLoad, as egg does, and stops there (egg's own Lifecycle goes straight on to didLoad). A hook that throws
 * is reported through `warn` and the audit goes on: on the stand-in app a plugin can fail where it would not at boot
 * (what egg gives every app is inert here: a hook that iterates `app.messenger.eventNames()` throws), and one plugin
 * must not keep the rest of the app from its audit.
 */
function configPhaseLifecycle(app: () => object, baseDir: string, warn: (message: string) => void) {
  const hooks: BootHookClass[] = [];
  let boots: Array<InstanceType<BootHookClass>> = [];
  const guarded = (phase: string, run: () => void): boolean => {
    try {
      run();
      return true;
    } catch (error) {
      warn(`a boot hook${hookFile(error, baseDir)} failed at ${phase} on the audit's stand-in app (which can fail where the real app ` +
        `does not): ${firstLine(error)}. The audit goes on without what it would have done from ${phase} on.`);
      return false;
    }
  };
  return {
    addBootHook(hook: BootHookClass) {
      hooks.push(hook);
    },
    addFunctionAsBootHook(hook: (app: unknown) => void) {
      hooks.push(class FunctionBootHook {
        constructor(private readonly target: unknown) {}
        configDidLoad() {
          hook(this.target);
        }
      });
    },
    init() {
      boots = [];
      for (const Hook of hooks) guarded('its constructor', () => boots.push(new Hook(app())));
      // Routes a later phase registers (the app's `didLoad() { this.app.router.get(…) }`) are the boot's to judge:
      // the audit says so rather than pass them in silence (black-box round 44, r44h4 F3).
      for (const Hook of hooks) {
        const source = Function.prototype.toString.call(Hook);
        const phases = [ ...new Set([ ...source.matchAll(LATER_PHASE) ].map(match => match[1])) ];
        if (phases.length && REGISTERS_ROUTES.test(source)) {
          warn(`a boot hook${Hook.name ? ` (class ${Hook.name})` : ''} registers routes in ${phases.join(', ')}, which the audit does not run: ` +
            'those routes are not in this audit\'s route table; the boot check judges them (or register them in app/router.js)');
        }
      }
    },
    triggerConfigWillLoad() {
      const failed = new Set<object>();
      for (const boot of boots) if (!guarded('configWillLoad', () => boot.configWillLoad?.())) failed.add(boot);
      for (const boot of boots) if (!failed.has(boot)) guarded('configDidLoad', () => boot.configDidLoad?.());
    },
  };
}

/** The boot hook phases after configDidLoad, which the audit does not run, as a class writes them. */
const LATER_PHASE = /\b(didLoad|willReady|didReady|serverDidReady)\s*\(/g;
/** A route registered on egg's router or through the app's shorthands (`router.get(`, `app.post(`, `.resources(`). */
const REGISTERS_ROUTES = /\b(?:router|app)\s*\.\s*(?:get|post|put|patch|del|delete|all|head|options|redirect|resources|register)\s*\(/;

/** ` in <file>`: the first file of the error's stack outside egg-sentinel, relative to the app, when there is one. */
function hookFile(error: unknown, baseDir: string): string {
  const stack = error instanceof Error ? error.stack ?? '' : '';
  for (const match of stack.matchAll(/\(?((?:\/|[A-Za-z]:\\)[^():]+):\d+:\d+\)?/g)) {
    // egg-sentinel's own frames say nothing about the hook.
    if (!isInside(match[1], SENTINEL_ROOT)) return ` in ${toDisplayPath(baseDir, match[1])}`;
  }
  return '';
}

/** The first enabled plugin whose app.js (or app.ts) assigns `app.sessionStore`, as egg-session-redis does; undefined when none. */
function storeSettingPlugin(plugins: Record<string, { enable?: unknown; path?: unknown }> | undefined): string | undefined {
  return Object.entries(plugins ?? {}).find(([ , plugin ]) => plugin.enable !== false && typeof plugin.path === 'string' &&
    [ 'app.js', 'app.ts' ].some(file => SETS_SESSION_STORE.test(readOrEmpty(path.join(plugin.path as string, file)))))?.[0];
}

const SETS_SESSION_STORE = /\bsessionStore\s*=(?!=)/;

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
