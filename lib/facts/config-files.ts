/**
 * The config files egg-core's loadConfig merged, read again: as egg required them (what SEN108 and SEN202 read where
 * configMeta cannot tell), and as they were before any code changed them (freshConfig).
 *
 * egg hands every plugin's and framework's config function the app's config.default and config.<env> merged
 * (`appConfig`), whose arrays are the very arrays the app's files export: a plugin that pushes to
 * `appConfig.security.domainWhiteList` changes what egg merges next, credited to the app's file. And a boot hook
 * constructed before egg-sentinel's changes app.config before egg-sentinel's write recorder exists.
 */
import Module from 'node:module';
import path from 'node:path';
import { changedKeyPaths, type ConfigLeaves, configLeaves, isSentinelKey, writeCovers } from '../config-changes';
import { isAppFile, isInside } from './real-path';
import { MAX_WALK_DEPTH, isPlainData, isPlainObject, walkPlainData } from '../walk';

/** What of egg-core's loader the config files are found with. */
export interface ConfigLoader {
  serverEnv: string;
  eggPaths?: string[];
  allPlugins?: Record<string, { path?: unknown; from?: unknown }>;
  appInfo?: unknown;
  getTypeFiles?(type: string): string[];
  getLoadUnits?(): Array<{ path: string; type?: string }>;
  resolveModule?(file: string): string | undefined;
}

/** A config file egg loaded, with the module egg required (undefined when not in require's cache: egg 4 imports ES modules). */
interface ConfigEntry {
  file: string;
  name: string;
  /** One of the app's own config files (not egg's, the framework's or a plugin's). */
  app: boolean;
  module: unknown;
}

function configEntries(loader: ConfigLoader): ConfigEntry[] {
  if (!loader.getTypeFiles || !loader.getLoadUnits || !loader.resolveModule) return [];
  const resolve = loader.resolveModule.bind(loader);
  return loader.getTypeFiles('config').flatMap(name => (loader.getLoadUnits?.() ?? []).flatMap(unit => {
    const file = resolve(path.join(unit.path, 'config', name)) ?? (name === 'config.default' ? resolve(path.join(unit.path, 'config/config')) : undefined);
    return file === undefined ? [] : [{ file, name, app: unit.type === 'app', module: moduleValue(require.cache[file]?.exports) }];
  }));
}

function moduleValue(exported: unknown): unknown {
  return exported && (exported as { __esModule?: boolean }).__esModule && 'default' in (exported as object) ? (exported as { default: unknown }).default : exported;
}

/** Whether the file is one egg preloads and hands to the plugins' config functions (egg-core's _preloadAppConfig). */
function preloaded(entry: ConfigEntry, loader: ConfigLoader): boolean {
  return entry.app && (entry.name === 'config.default' || entry.name === `config.${loader.serverEnv}`);
}

/** A config module's value: a function called as egg calls it (with appInfo, and the app's config for a plugin or framework). */
function configOf(module: unknown, loader: ConfigLoader, appConfig?: Record<string, unknown>): unknown {
  try {
    return typeof module === 'function' ? module(loader.appInfo, appConfig) : module;
  } catch {
    return undefined;
  }
}

export interface LoadedConfigFile {
  file: string;
  config: unknown;
  /** One of the app's own config files (not egg's, the framework's or a plugin's). */
  app: boolean;
}

/**
 * The config files egg-core's loadConfig merged, in its order, with what each gave: the module egg required (from
 * require's cache), a function called again as egg called it. A plugin's function gets a copy of the app's config:
 * one that pushes to its arrays must not change the running app's again. A file not in the cache or whose function
 * throws is left out.
 */
export function loadedConfigFiles(loader: ConfigLoader): LoadedConfigFile[] {
  const entries = configEntries(loader).filter(entry => entry.module !== undefined);
  const appConfig: Record<string, unknown> = {};
  for (const entry of entries) if (preloaded(entry, loader)) mergeConfig(appConfig, configOf(entry.module, loader));
  return entries.flatMap(entry => {
    const config = configOf(entry.module, loader, entry.app ? undefined : copyPlainData(appConfig) as Record<string, unknown>);
    return config === undefined ? [] : [{ file: entry.file, config, app: entry.app }];
  });
}

/** Merges plain objects deeply as egg's extend2 does (other values, arrays included, replace; undefined sets nothing). */
export function mergeConfig(target: Record<string, unknown>, source: unknown): void {
  if (!isPlainObject(source)) return;
  for (const [ key, value ] of Object.entries(source)) {
    if (key === '__proto__' || value === undefined) continue;
    if (isPlainObject(value)) {
      if (!isPlainObject(target[key])) target[key] = {};
      mergeConfig(target[key] as Record<string, unknown>, value);
    } else target[key] = value;
  }
}

/** Plain objects and arrays copied (bounded in depth), anything else shared. */
function copyPlainData(value: unknown, depth = 0): unknown {
  if (!isPlainData(value) || depth >= MAX_WALK_DEPTH) return value;
  if (Array.isArray(value)) return value.map(item => copyPlainData(item, depth + 1));
  const copy: Record<string, unknown> = Object.create(Object.getPrototypeOf(value));
  for (const [ key, item ] of Object.entries(value)) copy[key] = copyPlainData(item, depth + 1);
  return copy;
}

/** Loads a file into `module`, outside require's cache, through the hooks require uses (ts-node's included). */
function loadThroughRequireHooks(module: Module, file: string): void {
  module.filename = file;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  // Deprecated, but the one way to compile a file with the hooks require uses (ts-node's), outside its cache.
  const extensions = require.extensions;
  (extensions[path.extname(file)] ?? extensions['.js'])(module, file);
}

/** A config file's module compiled anew, not from require's cache (loaded, as require caches a module). */
export function compileAgain(file: string): NodeJS.Module {
  const fresh = new Module(file);
  loadThroughRequireHooks(fresh, file);
  fresh.loaded = true;
  return fresh;
}

/**
 * Whether `fn` is one the file's code defines: its source is in the code require's hooks make of the file (what
 * ts-node transpiles it to), which is not run. A function put in require's cache in its place is not.
 */
function definedIn(fn: unknown, file: string): boolean {
  const probe = new Module(file) as Module & { _compile(code: string): void };
  let code = '';
  probe._compile = content => {
    code = content;
  };
  try {
    loadThroughRequireHooks(probe, file);
  } catch {
    return false;
  }
  return code.includes(Function.prototype.toString.call(fn));
}

/**
 * What a config file gives, as before any code changed it, running as little of it again as that takes: egg's
 * merge (extend2) hands on its arrays (and the Sets and objects in them) as they are, so code pushing to
 * app.config's or appConfig's arrays changes the file's own. The function an app's file defines is called again (its
 * top-level code does not run twice: a dotenv override, a connection, a process.on handler) unless two calls share
 * such objects (`() => config`, a module-level array): those, an exported object (egg's very object), and a function
 * code put in require's cache in place of the file's are compiled afresh. A file that does not compile again is
 * taken from the cache.
 */
function freshConfig(entry: ConfigEntry, loader: ConfigLoader, handed?: Record<string, unknown>): unknown {
  // Only the app's own: a plugin's or framework's function may keep state (a module-level flag) so that only its first
  // call, egg's, writes to the appConfig it is handed, which is what is measured: their files are compiled afresh.
  if (entry.app && typeof entry.module === 'function' && definedIn(entry.module, entry.file)) {
    const first = configOf(entry.module, loader, handed && copyPlainData(handed) as Record<string, unknown>);
    const config = configOf(entry.module, loader, handed);
    if (!sharesContainers(first, config)) return config;
  }
  let module = entry.module;
  try {
    module = moduleValue(compileAgain(entry.file).exports);
  } catch {
    // Taken from the cache.
  }
  return configOf(module, loader, handed);
}

/** Whether two config values hold the same array, plain object, Set or Map: what code can change in place. */
function sharesContainers(one: unknown, other: unknown): boolean {
  const containers = (value: unknown) => {
    const found = new Set<unknown>();
    walkPlainData(value, node => {
      if (isPlainData(node) || node instanceof Set || node instanceof Map) found.add(node);
    });
    return found;
  };
  const held = containers(one);
  return [ ...containers(other) ].some(node => held.has(node));
}

/** A plugin's or framework's config file that changed the app's config egg handed it, and the key paths it changed. */
export interface AppConfigChange {
  file: string;
  keyPaths: string[];
}

export interface ConfigFromFiles {
  config: Record<string, unknown>;
  appConfigChanges: AppConfigChange[];
}

/**
 * The config as egg's loadConfig merges it from the files as they were before any code changed them (freshConfig),
 * the plugins' and frameworks' functions each given a copy of the app's config (what they change in it is in
 * `appConfigChanges`), EGG_APP_CONFIG last. Undefined when a file egg loaded is not in require's cache (egg 4's ES
 * modules): what egg merged is then unknown.
 */
export function configFromFiles(loader: ConfigLoader): ConfigFromFiles | undefined {
  const entries = configEntries(loader);
  if (!entries.length || entries.some(entry => entry.module === undefined)) return undefined;
  const appConfig: Record<string, unknown> = {};
  const appFiles = new Map<number, unknown>();
  entries.forEach((entry, index) => {
    if (!entry.app) return;
    const config = freshConfig(entry, loader);
    appFiles.set(index, config);
    if (preloaded(entry, loader)) mergeConfig(appConfig, config);
  });
  const appLeaves = topLevelLeaves(appConfig);
  const config: Record<string, unknown> = {};
  const appConfigChanges: AppConfigChange[] = [];
  entries.forEach((entry, index) => {
    if (entry.app) return mergeConfig(config, appFiles.get(index));
    const handed = copyPlainData(appConfig) as Record<string, unknown>;
    mergeConfig(config, freshConfig(entry, loader, handed));
    const keyPaths = changedKeyPaths(appLeaves, topLevelLeaves(handed));
    if (keyPaths.length) appConfigChanges.push({ file: entry.file, keyPaths });
  });
  try {
    if (process.env.EGG_APP_CONFIG) mergeConfig(config, JSON.parse(process.env.EGG_APP_CONFIG));
  } catch {
    // egg ignores EGG_APP_CONFIG that is not JSON.
  }
  return { config, appConfigChanges };
}

function topLevelLeaves(config: Record<string, unknown>): ConfigLeaves {
  const leaves = new Map<string, string>();
  for (const key of Object.keys(config)) for (const [ keyPath, text ] of configLeaves(config[key], key)) leaves.set(keyPath, text);
  return leaves;
}

/** A config key whose value differs from what the config files say, and the files of the code that may have changed it. */
export interface EarlierConfigChange {
  keyPath: string;
  /**
   * `appConfig`: a plugin's or framework's config file that changed it in the app's config egg handed its function;
   * `hook`: the plugins' boot hooks egg constructed before egg-sentinel's, one of which may have (no config function
   * did; code a plugin ran earlier, an extend file, may have too); none when neither is known.
   */
  by?: { how: 'appConfig' | 'hook'; files: string[] };
}

/**
 * The keys (of those `leaves` gives) whose values differ from what the config files say, when egg constructs `hook`:
 * changed by the plugins' config functions through the app's config egg hands them, or by the boot hooks constructed
 * before it, none of which egg-sentinel's write recorder sees. A value the files give differently each time they are
 * read again (made of Date.now(), a random secret) is no change.
 */
export function changesBeforeHook(app: { baseDir: string; config: Record<string, unknown>; loader: ConfigLoader; lifecycle?: unknown }, hook: unknown,
  leaves: (config: Record<string, unknown>) => ConfigLeaves): EarlierConfigChange[] {
  const first = configFromFiles(app.loader);
  if (!first) return [];
  const expected = leaves(first.config);
  const differ = changedKeyPaths(expected, leaves(app.config));
  if (!differ.length) return [];
  // Read again in a later millisecond: a value made of Date.now() then differs, and is told from a change.
  for (const started = Date.now(); Date.now() === started;);
  const again = leaves(configFromFiles(app.loader)?.config ?? {});
  // An array is told as a whole (`sentinel.waivers`, not each leaf of each item pushed).
  const arrayOf = (keyPath: string) => keyPath.replace(/\[.*$/, '');
  const changed = [ ...new Set(differ.filter(keyPath => expected.get(keyPath) === again.get(keyPath)).map(arrayOf)) ];
  if (!changed.length) return [];
  // The app's own code (a plugin in its lib/plugin) and its framework may change config, as after egg-sentinel's hook.
  const appsOwn = (file: string) => isAppFile(app.baseDir, file) || (app.loader.eggPaths ?? []).some(dir => isInside(file, dir));
  const hooks = bootHookFilesBefore(app.lifecycle, hook, frameworkPluginDirs(app.loader));
  const pluginHooks = (hooks ?? []).filter(file => !appsOwn(file));
  return changed.flatMap((keyPath): EarlierConfigChange[] => {
    const writers = first.appConfigChanges.filter(change => change.keyPaths.some(written => writeCovers(arrayOf(written), keyPath))).map(change => change.file);
    const foreign = writers.filter(file => !appsOwn(file));
    if (writers.length) return foreign.length ? [{ keyPath, by: { how: 'appConfig', files: foreign } }] : [];
    if (pluginHooks.length) return [{ keyPath, by: { how: 'hook', files: pluginHooks } }];
    // config.sentinel is always said, whatever hooks came first (no framework plugin writes it): a plugin's extend file
    // can patch egg's Lifecycle to change it before any hook is constructed.
    if (isSentinelKey(keyPath)) return [{ keyPath }];
    // Other keys the app's own hooks (a plugin in its lib/plugin) may set; and where egg's boot hooks cannot be read
    // (egg 4), a framework plugin's hook (@eggjs/i18n adding its dirs) cannot be told from another's.
    return hooks === undefined || hooks.length > pluginHooks.length ? [] : [{ keyPath }];
  });
}

/** The directories of the plugins the framework enables (egg's own: egg-security, egg-multipart…), which count as the framework's. */
function frameworkPluginDirs(loader: ConfigLoader): string[] {
  const frameworks = loader.eggPaths ?? [];
  return Object.values(loader.allPlugins ?? {}).flatMap(plugin => (typeof plugin.path === 'string' && typeof plugin.from === 'string' &&
    frameworks.some(dir => isInside(String(plugin.from), dir)) ? [ plugin.path ] : []));
}

/**
 * The files of the boot hook classes egg-core constructed before `hook` (egg 3's lifecycle; undefined where it is not
 * readable), but those of the framework's own plugins.
 */
function bootHookFilesBefore(lifecycle: unknown, hook: unknown, frameworkPlugins: readonly string[]): string[] | undefined {
  if (!lifecycle || typeof lifecycle !== 'object') return undefined;
  const key = Object.getOwnPropertySymbols(lifecycle).find(symbol => symbol.description === 'Lifecycle#bootHooks');
  const hooks: unknown = key && (lifecycle as Record<symbol, unknown>)[key];
  if (!Array.isArray(hooks) || !hooks.includes(hook)) return undefined;
  const before = new Set(hooks.slice(0, hooks.indexOf(hook)));
  return Object.values(require.cache).flatMap(module => (module && (before.has(module.exports) || before.has(moduleValue(module.exports))) &&
    !frameworkPlugins.some(dir => isInside(module.filename, dir)) ? [ module.filename ] : []));
}
