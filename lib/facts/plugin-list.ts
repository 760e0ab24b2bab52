/**
 * The plugin list and display paths: what both the app worker's facts and the agent's handover (lib/facts/handover.ts)
 * need, kept apart from lib/facts/collect.ts so that the agent does not load every collector at boot.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import type { EggLike } from './collect';
import { compileAgain } from './config-files';
import { isDevelopmentEnv } from '../report/severity';
import { frameworkPackageDir, pluginPackageDir } from './egg-version';
import { baseDirForms, isAppFile, isDeclaredPackage, isInside } from './real-path';
import { isDeclaredWorkspacePackage } from '../plugins/lockfile';
import { changedSinceStart, setEnvVariable, startPluginsChanged } from './start-env';
import { tsconfigPathsModuleFile } from './tsconfig-paths';
import type { PluginFact } from './types';

/** tsc's marks in what it emits: its source map comment, or the CommonJS preamble of a module. */
const COMPILED_BY_TSC = /^\/\/# sourceMappingURL=|Object\.defineProperty\(exports, "__esModule"/m;

/**
 * The file a team edits for one egg loads: a config file tsc compiled in place (config/config.prod.js beside its
 * config.prod.ts, the .js git-ignored as egg's TypeScript boilerplate does) is named by its .ts (black-box round 43,
 * r43h4 F2); any other file as it is.
 */
function editedSource(file: string): string {
  const ts = file.endsWith('.js') ? `${file.slice(0, -3)}.ts` : undefined;
  try {
    return ts !== undefined && fs.existsSync(ts) && COMPILED_BY_TSC.test(fs.readFileSync(file, 'utf8')) ? ts : file;
  } catch {
    // unreadable: named as egg loaded it
    return file;
  }
}

/** A path relative to baseDir when inside it, absolute otherwise; markers such as `<process.env.EGG_APP_CONFIG>` unchanged. */
export function toDisplayPath(baseDir: string, file: string): string {
  if (!path.isAbsolute(file)) return file;
  for (const base of baseDirForms(baseDir)) {
    const rel = path.relative(base, file);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return file;
}

type AnyRecord = Record<string, unknown>;

/** egg's plugin lists: every plugin configured (`allPlugins`) and the enabled ones (`plugins`). */
export interface PluginLists {
  allPlugins: Record<string, AnyRecord>;
  plugins: Record<string, AnyRecord>;
}

/** The parts of egg's loader (egg-core's, or @eggjs/core's with an async loadPlugin) that derive the plugin lists. */
interface PluginListLoader {
  options: AnyRecord & { app: object };
  serverEnv: string;
  serverScope: string;
}

/**
 * The plugin lists derived again from what egg derived them from (the framework's and the app's config/plugin.*
 * files, EGG_PLUGINS as the process started with it, the start options), by a loader of egg's own class. egg's lists on the app's loader are
 * plain objects any plugin's boot code can edit (a plugin removing itself from `orderPlugins`, `allPlugins` and
 * `plugins` in its constructor): what egg-sentinel judges must not be what a judged plugin may have written.
 * Same loader class, options, env and scope, so an untouched app gives the same lists. The stand-in app has the
 * app's prototype (egg finds the framework dirs along it) and none of its state (timing, lifecycle).
 */
export async function loadPluginListsAgain(loader: PluginListLoader & { eggPaths?: string[] }): Promise<PluginLists | undefined> {
  // egg's loader walks the config/plugin.* exports with for…in and writes what it finds back into them: with
  // Object.prototype polluted, the inherited keys would become plugins. SEN302 reports it (critical; a waiver of it is
  // the app's choice): egg's own lists are judged then.
  if (Object.keys(Object.prototype).length) return undefined;
  const Loader = loader.constructor as new (options: AnyRecord) => PluginLists & { loadPlugin(): unknown; resolveModule(request: string): string | undefined };
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  // The start option `plugins` as the worker was forked with it: any plugin's code can edit app.options.plugins.
  const startPlugins = startPluginsChanged(loader.options.plugins);
  const again = withoutTsconfigPathsRegister(loader.eggPaths ?? [], () => new Loader({ ...loader.options, ...(startPlugins && { plugins: startPlugins.atStart }),
    app: Object.create(Object.getPrototypeOf(loader.options.app) as object) as object, logger: quiet, env: loader.serverEnv, serverScope: loader.serverScope }));
  // The config/plugin.* exports require cached are objects any plugin's code can edit too (delete its own entry, set
  // its `enable` false): the loader reads the files compiled afresh. In loadPlugin, egg resolves only those files; a
  // file not in require's cache (an ES module egg 4 imported) is read as egg reads it.
  const cached = new Map<string, NodeJS.Module>();
  const resolve = again.resolveModule.bind(again);
  again.resolveModule = request => {
    const file = resolve(request);
    const module = file === undefined ? undefined : require.cache[file];
    if (file === undefined || !module || cached.has(file)) return file;
    cached.set(file, module);
    try {
      require.cache[file] = compileAgain(file);
    } catch (error) {
      throw new Error(`${file} threw when compiled again: ${(error as Error).message}`);
    }
    return file;
  };
  // egg 3's loader reads each plugin's package.json (its eggPlugin: env, dependencies) through require's cache too, an
  // object the plugin can edit (`eggPlugin.env = ['nowhere']` disables it): read from the file for the derivation.
  const again3 = again as { mergePluginConfig?: (plugin: AnyRecord) => unknown };
  const merge = again3.mergePluginConfig;
  if (typeof merge === 'function') {
    again3.mergePluginConfig = function(this: unknown, plugin: AnyRecord) {
      const file = typeof plugin.path === 'string' ? path.join(plugin.path, 'package.json') : undefined;
      const kept = file === undefined ? undefined : require.cache[file];
      if (file !== undefined && kept) delete require.cache[file];
      try {
        return merge.call(this, plugin);
      } finally {
        if (file !== undefined && kept) require.cache[file] = kept;
      }
    };
  }
  // EGG_PLUGINS as the process started with it: code in the process (a plugin EGG_PLUGINS brought in, which also took
  // itself off egg's lists) may have deleted or rewritten process.env's since. SEN107 reports the change.
  const eggPlugins = changedSinceStart('EGG_PLUGINS');
  const current = process.env.EGG_PLUGINS;
  if (eggPlugins) setEnvVariable('EGG_PLUGINS', eggPlugins.atStart);
  try {
    await again.loadPlugin();
  } finally {
    for (const [ file, module ] of cached) require.cache[file] = module;
    if (eggPlugins) setEnvVariable('EGG_PLUGINS', current);
  }
  return { allPlugins: again.allPlugins, plugins: again.plugins };
}

/**
 * `construct()` with the register() of the tsconfig-paths egg-core requires made a no-op: egg-core's loader
 * constructor registers it for a TypeScript app, and egg's own loader has done so for this process already (each
 * register wraps module resolution once more, for good).
 */
function withoutTsconfigPathsRegister<T>(eggPaths: readonly string[], construct: () => T): T {
  const moduleFile = tsconfigPathsModuleFile(eggPaths);
  let registering: { register?: unknown } | undefined;
  try {
    // tsconfig-paths 3 and 4: lib/index.js reads register from lib/register.js's exports at each call.
    registering = moduleFile ? createRequire(moduleFile)('./register.js') as { register?: unknown } : undefined;
  } catch {
    registering = undefined;
  }
  const original = registering?.register;
  if (!registering || typeof original !== 'function') return construct();
  registering.register = () => () => undefined;
  try {
    return construct();
  } finally {
    registering.register = original;
  }
}

/** `relative` of the file a team edits for each file egg loads (editedSource), each file read once. */
export function editedDisplay(relative: (file: string) => string): (file: string) => string {
  const shown = new Map<string, string>();
  return file => {
    let display = shown.get(file);
    if (display === undefined) shown.set(file, display = relative(editedSource(file)));
    return display;
  };
}

/**
 * The keys of a plugin entry egg's loader reads or writes (egg-core 4 to 6 and @eggjs/core alike): `dep` is the old
 * name of `dependencies`; `name`, `from`, `version`, `implicitEnable` and `dependents` it writes itself. egg keeps
 * any other key on the entry (`app.plugins.<name>`) and nothing reads it.
 */
const EGG_PLUGIN_ENTRY_KEYS: ReadonlySet<string> = new Set([ 'enable', 'package', 'path', 'env', 'dependencies', 'optionalDependencies', 'dep',
  'name', 'from', 'version', 'implicitEnable', 'dependents' ]);

/** Keys of a plugin entry that egg's loader does not read, with the config file whose entry set them. */
export interface UnreadPluginKeys {
  keys: string[];
  file: string;
}

/** A plugin as collectPlugins gives it: what the rules read of it (PluginFact) and the keys of its entry egg never reads. */
export interface CollectedPlugin extends PluginFact {
  unreadKeys?: UnreadPluginKeys[];
}

/**
 * Every plugin egg's loader holds, and every one `loaded` (loadPluginListsAgain) holds, which egg's lists may no
 * longer show; a plugin enabled in either is judged enabled.
 */
export function collectPlugins(egg: Pick<EggLike, 'plugins' | 'loader'>, relative: (file: string) => string, loaded?: PluginLists): CollectedPlugin[] {
  const all = { ...egg.loader.allPlugins ?? egg.plugins, ...loaded?.allPlugins };
  // config/plugin.ts for the config/plugin.js tsc compiled from it.
  const shown = editedDisplay(relative);
  const from = (plugin: AnyRecord) => plugin.from === undefined ? '<EGG_PLUGINS or options.plugins>' : shown(String(plugin.from));
  return Object.entries(all).map(([ name, plugin ]) => {
    const env = stringList(plugin.env);
    const unreadKeys = unreadEntryKeys(egg.loader, name, plugin, from);
    return {
      name,
      // allPlugins keeps the configured `enable`; implicitly enabled dependencies appear only in `plugins`.
      enable: Boolean(loaded?.plugins[name] || egg.plugins[name]),
      package: optionalString(plugin.package),
      version: optionalString(plugin.version),
      path: typeof plugin.path === 'string' ? pluginPackageDir(plugin.path) : undefined,
      from: from(plugin),
      implicitEnable: plugin.implicitEnable === true || undefined,
      ...(env.length && { env: { list: env, from: entryWriter(egg.loader, name, entry => stringList(entry.env).join('\0') === env.join('\0'), from) ?? from(plugin) } }),
      ...(unreadKeys.length && { unreadKeys }),
    };
  });
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * The file whose entry for plugin `name` last `wrote` what egg kept (its `env` list, a key): egg-core merges egg's and
 * the frameworks' entries, the app's, then the start options' (EGG_PLUGINS). Undefined when egg's loader does not keep
 * those lists.
 */
function entryWriter(loader: EggLike['loader'], name: string, wrote: (entry: AnyRecord) => boolean, from: (plugin: AnyRecord) => string): string | undefined {
  let writer: string | undefined;
  for (const configs of [ loader.eggPlugins, loader.appPlugins, loader.customPlugins ]) {
    const entry = configs?.[name];
    if (entry && wrote(entry)) writer = from(entry);
  }
  return writer;
}

/** The keys of a plugin's entry egg's loader never reads (EGG_PLUGIN_ENTRY_KEYS), grouped by the file that set them. */
function unreadEntryKeys(loader: EggLike['loader'], name: string, plugin: AnyRecord, from: (plugin: AnyRecord) => string): UnreadPluginKeys[] {
  const byFile = new Map<string, string[]>();
  for (const key of Object.keys(plugin).filter(key => !EGG_PLUGIN_ENTRY_KEYS.has(key))) {
    const file = entryWriter(loader, name, entry => Object.hasOwn(entry, key), from) ?? from(plugin);
    byFile.set(file, [ ...byFile.get(file) ?? [], key ]);
  }
  return [ ...byFile ].map(([ file, keys ]) => ({ keys, file }));
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** What egg's configMeta records as the "file" of a key set by EGG_APP_CONFIG (egg-core lib/loader/mixin/config.js). */
export const EGG_APP_CONFIG_MARKER = '<process.env.EGG_APP_CONFIG>';

/** Dotted paths of the keys EGG_APP_CONFIG set, from egg's configMeta mirror. */
export function envConfigKeyPaths(meta: Record<string, unknown>): string[] {
  return leafFiles(meta, '').filter(leaf => leaf.file === EGG_APP_CONFIG_MARKER).map(leaf => leaf.keyPath);
}

/** egg-sentinel's package root: its own config.default sets config.sentinel's defaults. */
export const SENTINEL_ROOT = path.resolve(__dirname, '../..');

export interface SentinelKeySetter {
  /** `sentinel.failOn`. */
  keyPath: string;
  /** `EGG_APP_CONFIG`, or the file that set it (a plugin's config), relative to the app when inside it. */
  by: string;
}

/**
 * The keys of config.sentinel set by something other than the app's own config files, its framework or
 * egg-sentinel's defaults: EGG_APP_CONFIG, a plugin's config (one EGG_PLUGINS brought in, say), a framework from
 * outside the app's install (egg-scripts `--framework=/elsewhere`). Outside local and
 * unittest (where a developer or a test may use EGG_APP_CONFIG) validateSentinelConfig refuses them: whoever sets
 * the environment or ships a plugin could otherwise switch the checks off.
 */
export function sentinelKeysSetOutsideTheApp(egg: {
  baseDir: string;
  loader: { configMeta: Record<string, unknown>; serverEnv: string; eggPaths?: string[]; allPlugins?: Record<string, { path?: unknown }> };
}): SentinelKeySetter[] {
  if (isDevelopmentEnv(egg.loader.serverEnv, process.env.NODE_ENV)) return [];
  // egg-sentinel's defaults: this copy's, and the enabled plugin's (the audit may run from another copy than the app loads).
  const pluginPath = egg.loader.allPlugins?.sentinel?.path;
  // A framework counts as the app's when the app declares and installed it (or links it from its workspace); one the
  // start command names from elsewhere, or one planted in a node_modules, does not.
  const frameworks = (egg.loader.eggPaths ?? []).map(frameworkPackageDir).filter(dir => isDeclaredPackage(dir, egg.baseDir) || isDeclaredWorkspacePackage(dir, egg.baseDir));
  const trustedRoots = [ SENTINEL_ROOT, ...(typeof pluginPath === 'string' ? [ pluginPath ] : []), ...frameworks ];
  return leafFiles(egg.loader.configMeta.sentinel, 'sentinel').flatMap(({ keyPath, file }) => {
    if (file === EGG_APP_CONFIG_MARKER) return [{ keyPath, by: 'EGG_APP_CONFIG' }];
    if (!path.isAbsolute(file) || isAppFile(egg.baseDir, file) || trustedRoots.some(root => isInside(file, root))) return [];
    return [{ keyPath, by: toDisplayPath(egg.baseDir, file) }];
  });
}

/**
 * The leaves of a configMeta subtree (the mirror of the config whose leaves name the file that set them), each with
 * its dotted key path under `keyPath` and its file, sorted. Iterative: a config nested thousands deep, which egg
 * merges, must not overflow the stack.
 */
function leafFiles(meta: unknown, keyPath: string): Array<{ keyPath: string; file: string }> {
  const found: Array<{ keyPath: string; file: string }> = [];
  const pending: Array<[ unknown, string ]> = [[ meta, keyPath ]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [ node, at ] = next;
    if (typeof node === 'string') found.push({ keyPath: at, file: node });
    else if (node && typeof node === 'object') for (const [ key, child ] of Object.entries(node)) pending.push([ child, at ? `${at}.${key}` : key ]);
  }
  return found.sort((a, b) => (a.keyPath < b.keyPath ? -1 : a.keyPath > b.keyPath ? 1 : 0));
}


/**
 * The app's own files (not its plugins' or framework's defaults) that egg recorded as setting a key at or under
 * `keyPath`, relative to the app root: where the user would change it.
 */
export function appProvenanceFiles(egg: { baseDir: string; loader: { configMeta: Record<string, unknown> } }, keyPath: string): string[] {
  return appFilesIn(egg.baseDir, keyPath.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], egg.loader.configMeta));
}

/** The app's own files among the values of a configMeta node (a file, or an object of them), relative to the app root. */
function appFilesIn(baseDir: string, meta: unknown): string[] {
  const files = new Set<string>();
  const collect = (node: unknown): void => {
    if (typeof node === 'string' && path.isAbsolute(node) && isAppFile(baseDir, node)) files.add(toDisplayPath(baseDir, node));
    else if (node && typeof node === 'object') Object.values(node).forEach(collect);
  };
  collect(meta);
  return [ ...files ];
}

/**
 * The app's file egg recorded for `keyPath` (`sentinel.waivers[0].reason`: egg records an array as one value, so the
 * file of `sentinel.waivers`), relative to the app root; undefined when no app file set it alone.
 */
export function appProvenanceFile(egg: { baseDir: string; loader: { configMeta: Record<string, unknown> } }, keyPath: string): string | undefined {
  let node: unknown = egg.loader.configMeta;
  for (const key of keyPath.replace(/\[\d+\]/g, '').split('.')) {
    if (typeof node === 'string') break;
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  const files = appFilesIn(egg.baseDir, node);
  return files.length === 1 ? files[0] : undefined;
}
