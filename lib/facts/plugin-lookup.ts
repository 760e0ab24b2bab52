/**
 * Where egg-core's plugin loader will find a package plugin, worked out before egg loads anything (the preflight,
 * `pin --check`): only stats, no module of the app, its framework or a plugin is required.
 */
import fs from 'node:fs';
import path from 'node:path';
import { nodeModulesDirs, readPackageJsonAt, realPathOrAbsolute } from './real-path';
import { globalModuleDirs } from './runtime';

export interface PluginLookup {
  /** The node_modules directories egg-core's `require.resolve('<name>/package.json', { paths })` searches, in order. */
  dirs: string[];
  /** How many of `dirs` come first whatever the framework chain (the app's and node's global folders). */
  certain: number;
  /**
   * The plugins EGG_PLUGINS or the `plugins` start option give a `package` and no `path`, with that package and which
   * of the two gave it: egg-core merges them over the config files, so it looks these up by that name whatever the
   * config files say (and whatever `byName` the manifest recorded from them).
   */
  customPackages: ReadonlyMap<string, { package: string; given: string }>;
  /** The plugins they give a `path` (as given, relative to the app root), egg-core loads from there whatever was pinned. */
  customPaths: ReadonlyMap<string, { path: string; given: string }>;
}

/**
 * egg-core resolves a plugin's package with the paths: the app's baseDir, the framework dirs (the app's framework
 * first, egg last) and the working directory. Node searches the node_modules up from the first, then its global
 * folders (globalModuleDirs), then the node_modules up from the others not searched yet. The framework dirs are
 * found as egg-utils' getFrameworkPath finds the app's (`framework` start option, package.json `egg.framework`,
 * else egg) and egg as that framework requires it; a chain of more frameworks is known only once they are loaded.
 */
export function pluginLookup(baseDir: string, options: { framework?: unknown; cwd: string; env: NodeJS.ProcessEnv; plugins?: unknown }): PluginLookup {
  const certain = [ ...new Set([ ...nodeModulesDirs(baseDir), ...globalModuleDirs(options.env) ]) ];
  const frameworks = frameworkDirs(baseDir, options.framework, options.cwd);
  return {
    dirs: [ ...new Set([ ...certain, ...frameworks.flatMap(nodeModulesDirs), ...nodeModulesDirs(options.cwd) ]) ],
    certain: certain.length,
    ...customPlugins(parseEggJson(options.env.EGG_PLUGINS), options.plugins),
  };
}

/**
 * egg-core's customPlugins, `Object.assign({}, EGG_PLUGINS, options.plugins)` (a start option's entry replaces
 * EGG_PLUGINS' whole entry of that name), reduced to the enabled entries that name a `package` and no `path`, and
 * those that name a `path`.
 */
function customPlugins(envPlugins: unknown, startPlugins: unknown): Pick<PluginLookup, 'customPackages' | 'customPaths'> {
  const customPackages = new Map<string, { package: string; given: string }>();
  const customPaths = new Map<string, { path: string; given: string }>();
  for (const [ given, plugins ] of [ [ 'EGG_PLUGINS', envPlugins ], [ 'the start options (--plugins.<name>.*)', startPlugins ] ] as const) {
    if (!plugins || typeof plugins !== 'object') continue;
    for (const [ name, entry ] of Object.entries(plugins)) {
      customPackages.delete(name);
      customPaths.delete(name);
      const { path: dir, package: packageName, enable } = (entry && typeof entry === 'object' ? entry : {}) as { path?: unknown; package?: unknown; enable?: unknown };
      if (enable === false) continue;
      if (typeof dir === 'string' && dir) customPaths.set(name, { path: dir, given });
      else if (!dir && typeof packageName === 'string' && packageName) customPackages.set(name, { package: packageName, given });
    }
  }
  return { customPackages, customPaths };
}

/** A JSON variable as egg reads EGG_PLUGINS and EGG_APP_CONFIG: undefined when unset or not JSON, which egg ignores. */
export function parseEggJson(json: string | undefined): unknown {
  if (!json) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** The app's framework (real path) and, when it is not egg, the egg it finds; none when it is not installed. */
function frameworkDirs(baseDir: string, framework: unknown, cwd: string): string[] {
  const egg = readPackageJsonAt(baseDir)?.egg as { framework?: unknown } | undefined;
  const name = [ framework, egg?.framework ].find((value): value is string => typeof value === 'string' && value !== '') ?? 'egg';
  const found = path.isAbsolute(name) ? name : firstPackage(name, [ path.join(baseDir, 'node_modules'), path.join(cwd, 'node_modules'), ...nodeModulesDirs(baseDir) ]);
  if (found === undefined) return [];
  const dir = realPathOrAbsolute(found);
  if (readPackageJsonAt(dir)?.name === 'egg') return [ dir ];
  const below = firstPackage('egg', nodeModulesDirs(dir));
  return below === undefined ? [ dir ] : [ dir, realPathOrAbsolute(below) ];
}

/** `<dir>/<name>` of the first of `dirs` that holds the package (its package.json), as node finds it. */
export function firstPackage(name: string, dirs: readonly string[]): string | undefined {
  return dirs.map(dir => path.join(dir, name)).find(dir => fs.existsSync(path.join(dir, 'package.json')));
}

/**
 * The real directory egg will load the package `name` from when the pinned copy (`pinnedDir`) is not the one it
 * finds first, or undefined when it is (or cannot be told). A copy found in the app's or node's global folders comes
 * first whatever the framework chain; one found past them only when the pinned copy is found later in the same order
 * (the framework chain may have more frameworks than pluginLookup infers).
 */
export function shadowingCopy(name: string, pinnedDir: string, lookup: PluginLookup): string | undefined {
  const pinned = realPathOrAbsolute(pinnedDir);
  const found = lookup.dirs.map(dir => path.join(dir, name)).map(dir => (fs.existsSync(path.join(dir, 'package.json')) ? realPathOrAbsolute(dir) : undefined));
  const first = found.findIndex(dir => dir !== undefined);
  if (first === -1 || found[first] === pinned) return undefined;
  return first < lookup.certain || found.includes(pinned) ? found[first] : undefined;
}
