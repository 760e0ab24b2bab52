/**
 * Reads egg 3 internals into a Facts snapshot. This file (with lib/ipc) is the only place that knows
 * egg's private fields; rules see only the plain snapshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SentinelConfig, SentinelIpcConfig } from '../config/types';
import { lastWriterOf } from '../config-changes';
import { collectBuiltinFacts } from './builtins';
import { type LoadedConfigFile, loadedConfigFiles } from './config-files';
import { collectIpcFacts } from './ipc';
import { eggRunDir } from './run-dir';
import { collectFileFacts, type DumpRewrite, type GitignoreFact } from './files';
import type { PreparedFacts } from './handover';
import { collectMiddlewareFacts, middlewareOptions, type RouterLayer } from './middleware';
import { collectPlugins, editedDisplay, type PluginLists, toDisplayPath } from './plugin-list';
import { type CodeChanges, collectPluginTrustFacts } from './plugins';
import { findEggPackage, launchedFramework } from './egg-version';
import { collectRuntimeFacts } from './runtime';
import { startEnvironment, startOptions } from './start-env';
import { type Timings, timed } from '../timing';
import { isPlainObject, valueAt } from '../walk';
import type { EnvFacts, EnvSource, Facts, ProcessType } from './types';

export { toDisplayPath } from './plugin-list';

type AnyRecord = Record<string, unknown>;
type NamedFunction = ((...args: unknown[]) => unknown) & { _name?: string };

/** The parts of an egg Application/Agent that facts are read from. */
export interface EggLike {
  /** egg calls the app worker `application`. */
  type: 'application' | 'agent';
  baseDir: string;
  name: string;
  config: AnyRecord;
  /** What the launcher passed: egg-scripts' JSON options can hold any JSON value (a repeated option is an array). */
  options: { env?: unknown; serverScope?: unknown; pathToRegexpModule?: unknown; plugins?: unknown; framework?: unknown };
  plugins: Record<string, AnyRecord>;
  middleware?: NamedFunction[];
  middlewares?: Record<string, unknown>;
  router?: { stack: RouterLayer[]; register(...args: unknown[]): unknown };
  loader: {
    /** What egg constructed the loader with (lib/facts/plugin-list.ts loadPluginListsAgain builds another from them). */
    options: { app: object } & AnyRecord;
    serverEnv: string;
    serverScope: string;
    configMeta: AnyRecord;
    allPlugins?: Record<string, AnyRecord>;
    /** The plugin configs as written, merged into allPlugins in this order (egg-core 4 to 6). */
    eggPlugins?: Record<string, AnyRecord>;
    appPlugins?: Record<string, AnyRecord>;
    customPlugins?: Record<string, AnyRecord>;
    eggPaths?: string[];
    FileLoader: { FULLPATH: symbol };
    loadRouter(...args: unknown[]): unknown;
    /** egg-core's: what loadConfig walked (lib/facts/plugins.ts reads the config files again where configMeta cannot tell). */
    appInfo?: unknown;
    getTypeFiles?(type: string): string[];
    getLoadUnits?(): Array<{ path: string; type?: string }>;
    resolveModule?(file: string): string | undefined;
  };
  /**
   * egg-session's external session store (`app.sessionStore = { get, set, destroy }`, as egg-session-redis sets it):
   * at boot egg-session's getter, which reads config.session.store; the audit's is what a boot hook assigned.
   */
  sessionStore?: unknown;
  /**
   * app.context: koa's context prototype with the context extensions egg loaded (egg-security's isSafeDomain); the
   * audit gives none, as it loads no extension.
   */
  context?: object;
  /** The audit only: routes of routers no middleware is known to dispatch to (lib/facts/middleware.ts). */
  undispatchedRoutes?(routes: string[]): void;
}

export function processType(egg: Pick<EggLike, 'type'>): ProcessType {
  return egg.type === 'agent' ? 'agent' : 'app';
}

export interface CollectOptions {
  /** What lib/dumps.ts rewrote in this process before facts were collected. */
  dumpRewrites?: DumpRewrite[];
  /** A report file this boot will not rewrite (`report.file: false`), whose mode is then worth checking. */
  staleReportFile?: string;
  /** What the agent collected for this boot (lib/facts/handover.ts); collected here when absent. */
  prepared?: PreparedFacts;
  /** checkGitignore (lib/facts/files.ts), awaited by the caller. */
  gitignore: GitignoreFact;
  /**
   * The directory relative paths of config resolve against (a static dir, as egg-static resolves it): this process's
   * at boot; the audit's is the app root, where `npm start` runs it.
   */
  workingDir?: string;
  /** Filled with the ms each collector took (`facts.plugins`, `facts.middleware`…), when given. */
  timings?: Timings;
  /** SEN108's keys changed by code during boot, and the writes recorded (lib/boot-app.ts). */
  codeChanges?: CodeChanges;
  /** egg's plugin lists derived again from the files (loadPluginListsAgain): judged with those on egg's loader. */
  pluginLists?: PluginLists;
}

export function collectFacts(egg: EggLike, options: CollectOptions): Facts {
  const isApp = processType(egg) === 'app';
  const baseDir = egg.baseDir;
  const config = egg.config;
  // Asked again and again (each config key's provenance, each controller of the route table, each file a collector
  // shows): path.relative once per file.
  const displayPaths = new Map<string, string>();
  const relative = (file: string) => {
    let shown = displayPaths.get(file);
    if (shown === undefined) displayPaths.set(file, shown = toDisplayPath(baseDir, file));
    return shown;
  };
  const runDir = eggRunDir(egg);
  const plugins = collectPlugins(egg, relative, options.pluginLists);
  // A key a boot hook changed (the app's `app.config.security.csrf.enable = false` in app.js) was set by that hook's file.
  const { changed = [], writes = [] } = options.codeChanges ?? {};
  const provenanceFile = (keyPath: string) => lastWriterOf(keyPath, changed, writes) ?? lookupProvenance(egg.loader.configMeta, keyPath);
  // Asked per key: config/config.prod.ts for the config/config.prod.js tsc compiled from it.
  const edited = editedDisplay(relative);
  const provenance = (keyPath: string) => {
    const file = provenanceFile(keyPath);
    return file === undefined ? undefined : edited(file);
  };
  // Called again only when something asks (SEN108's plugin keys, SEN202's kept defaults), and then once.
  let configFiles: LoadedConfigFile[] | undefined;
  const loadedConfigs = () => (configFiles ??= loadedConfigFiles(egg.loader));
  const time = <T>(name: string, work: () => T) => timed(options.timings, name, work);
  const runtime = time('facts.runtime', () => collectRuntimeFacts(baseDir, egg.loader.eggPaths ?? [], egg.loader.configMeta, process.env));
  const sentinel = (config.sentinel ?? {}) as SentinelConfig;
  const pluginTrust = time('facts.plugins', () => collectPluginTrustFacts({
    baseDir, eggPaths: egg.loader.eggPaths ?? [], framework: launchedFramework(egg), plugins, moduleRoots: runtime.appModuleRoots, untrustedModuleRoots: runtime.untrustedModuleRoots, options: sentinel.plugins ?? {},
    ruleOverrides: sentinel.rules ?? {}, configMeta: egg.loader.configMeta, env: process.env, startEnv: startEnvironment(), startPlugins: egg.options.plugins, startOptions: startOptions(), display: relative,
    config, configFiles: loadedConfigs, codeChanges: options.codeChanges,
  }, options.prepared?.pluginTrust));
  const middleware = isApp ? time('facts.middleware', () => collectMiddlewareFacts(egg, relative, pluginTrust.plugins.map(plugin => plugin.realPath))) :
    { middleware: [], availableMiddleware: [], routes: [], securityScopes: [], siteFileHandlers: [], securityOverrides: [], builtOptions: {}, replacedMiddleware: [], configReadByFilters: [] };
  return {
    process: processType(egg),
    app: {
      name: egg.name,
      baseDir,
      runDir,
      eggVersion: findEggPackage(egg.loader.eggPaths ?? [])?.version,
    },
    env: collectEnv(egg, process.env),
    config,
    provenance,
    keptDefaultIn: (keyPath, value) => {
      const kept = keptDefaultFile(loadedConfigs(), keyPath, value);
      return kept && { file: relative(kept.file), ...(kept.over && { over: relative(kept.over) }) };
    },
    plugins,
    pluginTrust,
    ...middleware,
    files: time('facts.files', () => collectFileFacts({
      baseDir, runDir, config, staticOptions: middlewareOptions({ config, builtOptions: middleware.builtOptions }, 'static'), plugins, eggPaths: egg.loader.eggPaths ?? [], display: relative,
      provenanceFile,
      dumpRewrites: options.dumpRewrites, staleReportFile: options.staleReportFile, gitignore: options.gitignore,
      workingDir: options.workingDir ?? process.cwd(), timings: options.timings,
    })),
    runtime,
    builtins: time('facts.builtins', () => collectBuiltinFacts({
      baseDir, appName: egg.name, eggPaths: egg.loader.eggPaths ?? [], plugins,
      ssrf: (config.security as { ssrf?: unknown } | undefined)?.ssrf, session: config.session, sessionStore: egg.sessionStore,
      context: egg.context, app: egg,
      // Only a config file's allowRequest is the app's: socket.io's attach() writes its own there, which egg's configMeta
      // has no leaf for (it names the file of egg-socket.io's `init: {}` for any key under it).
      socketIoAllowRequest: typeof valueAt(egg.loader.configMeta, 'io.init.allowRequest') === 'string' ? valueAt(config, 'io.init.allowRequest') : undefined,
      overrideFile: sentinel.advisories?.file, walked: options.prepared?.packages, shippedAdvisoriesChecked: options.prepared?.shippedAdvisoriesChecked,
    })),
    ipc: time('facts.ipc', () => collectIpcFacts((config.sentinel as { ipc?: SentinelIpcConfig } | undefined)?.ipc ?? {}, process.env, provenance, egg.loader.eggPaths ?? [],
      { agent: options.prepared?.agentClusterClients, display: relative }, { appName: egg.name })),
  };
}

/**
 * The file of egg, the framework or a plugin whose value for `keyPath` (dotted) is the one in effect, `value`, when no
 * file after it sets the key: the app's files then set it to undefined at most (`secret: process.env.JWT_SECRET` with
 * the variable unset), which egg's merge skips; `over` is the last of the app's files that does.
 */
function keptDefaultFile(files: readonly LoadedConfigFile[], keyPath: string, value: string): { file: string; over?: string } | undefined {
  const keys = keyPath.split('.');
  const leaf = keys.pop() as string;
  let over: string | undefined;
  for (let index = files.length - 1; index >= 0; index--) {
    const parent = keys.reduce<unknown>((node, key) => (isPlainObject(node) ? node[key] : undefined), files[index].config);
    const own = isPlainObject(parent) ? parent[leaf] : undefined;
    if (own === undefined) {
      if (files[index].app && over === undefined && isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, leaf)) over = files[index].file;
      continue;
    }
    return !files[index].app && own === value ? { file: files[index].file, ...(over && { over }) } : undefined;
  }
  return undefined;
}

export function collectEnv(egg: Pick<EggLike, 'baseDir' | 'options' | 'loader'>, env: NodeJS.ProcessEnv): EnvFacts {
  return {
    serverEnv: egg.loader.serverEnv,
    serverScope: egg.loader.serverScope,
    sources: collectEnvSources(egg.baseDir, egg.options, env),
    nodeOptions: env.NODE_OPTIONS ?? '',
    execArgv: [ ...process.execArgv ],
    eggAppConfigSet: Boolean(env.EGG_APP_CONFIG),
    eggPluginsSet: Boolean(env.EGG_PLUGINS),
  };
}

/**
 * Every source egg builds the server env and scope from (egg-core EggLoader#getServerEnv/getServerScope). NODE_ENV is
 * not one: egg maps `test` and `production` to unittest and prod, and anything else to local, never to a file name.
 */
export function collectEnvSources(baseDir: string, options: EggLike['options'], env: NodeJS.ProcessEnv): EnvSource[] {
  const sources: EnvSource[] = [];
  const add = (kind: EnvSource['kind'], source: string, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    // egg trims the env but not the scope, and puts any truthy scope in a file name as a template string would
    // (a repeated `--serverScope` arrives as an array: `a,b`).
    const text = typeof value === 'string' ? value : String(value);
    const used = kind === 'env' ? text.trim() : text;
    if (used !== '') sources.push({ kind, source, value: used });
  };
  add('env', 'options.env', options.env);
  add('env', 'config/env file', readEnvFile(baseDir));
  add('env', 'EGG_SERVER_ENV', env.EGG_SERVER_ENV);
  add('scope', 'options.serverScope', options.serverScope);
  add('scope', 'EGG_SERVER_SCOPE', env.EGG_SERVER_SCOPE);
  return sources;
}

function readEnvFile(baseDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(baseDir, 'config/env'), 'utf8');
  } catch {
    return undefined;
  }
}

const ARRAY_INDEX = /\[\d+\]$/;

/** Walks egg's configMeta (a mirror of the config whose leaves are the file that set them). */
export function lookupProvenance(meta: AnyRecord, keyPath: string): string | undefined {
  let node: unknown = meta;
  for (const segment of keyPath.split('.')) {
    if (typeof node === 'string') return node;
    // An array is one leaf of egg's configMeta: `waivers[2]` was set by the file that set `waivers`.
    const name = segment.replace(ARRAY_INDEX, '');
    if (!node || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, name)) return undefined;
    node = (node as AnyRecord)[name];
  }
  return typeof node === 'string' ? node : undefined;
}
