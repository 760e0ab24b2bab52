/**
 * Which egg line an app runs on, and the module layout that differs between them. egg 4 renamed its core packages
 * under the `@eggjs` scope (egg-core → @eggjs/core) and ships dual ESM/CommonJS builds, so the framework dirs egg
 * reports in `loader.eggPaths` are `egg/dist/commonjs` or `egg/dist/esm` rather than the package root.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { readPackageJsonAt } from './real-path';

export interface EggPackage {
  /** The package root (the directory of egg's package.json). */
  dir: string;
  version?: string;
  /** 3 or 4; undefined when the version is unreadable. */
  major?: number;
}

/** The `egg` package among the framework dirs (`app.loader.eggPaths`). */
export function findEggPackage(eggPaths: readonly string[]): EggPackage | undefined {
  for (const eggPath of eggPaths) {
    const pkg = packageRoot(eggPath);
    if (pkg?.json.name !== 'egg') continue;
    const version = typeof pkg.json.version === 'string' ? pkg.json.version : undefined;
    const major = version ? Number.parseInt(version, 10) : Number.NaN;
    return { dir: pkg.dir, version, major: Number.isNaN(major) ? undefined : major };
  }
  return undefined;
}

/** The package egg loads its loader, lifecycle and middleware matching from. */
export function eggCorePackageName(egg: EggPackage): string {
  return (egg.major ?? 3) >= 4 ? '@eggjs/core' : 'egg-core';
}

/** The directory of the egg-core (@eggjs/core) that `egg` requires; throws when it does not resolve. */
export function eggCoreDir(egg: EggPackage): string {
  return path.dirname(createRequire(path.join(egg.dir, 'package.json')).resolve(`${eggCorePackageName(egg)}/package.json`));
}

/**
 * The package directory of a plugin egg loads from `dir`. egg 4 plugins name a build inside their package in
 * `package.json#eggPlugin.exports` (`{ require: './dist/commonjs', import: './dist/esm', typescript: './src' }`) and
 * egg loads that; the package itself (its package.json, lockfile entry, install scripts, every file) is the parent.
 */
export function pluginPackageDir(dir: string): string {
  const pkg = packageRoot(dir);
  const exported = pkg?.json.eggPlugin?.exports;
  if (!pkg || pkg.dir === path.resolve(dir) || !exported || typeof exported !== 'object') return dir;
  const loadsDir = Object.values(exported).some(target => typeof target === 'string' && path.resolve(pkg.dir, target) === path.resolve(dir));
  return loadsDir ? pkg.dir : dir;
}

/**
 * The framework directory egg-utils resolved for the launcher (egg-cluster, egg-mock), which egg keeps in its options.
 * egg's single-process `start()` keeps the package name it `require()`d instead (package.json's `egg.framework`):
 * that is the framework egg loaded, found among its eggPaths by that name.
 */
export function launchedFramework(egg: { options: { framework?: unknown }; loader?: { eggPaths?: string[] } }): string | undefined {
  const framework = egg.options.framework;
  if (typeof framework !== 'string' || !framework) return undefined;
  if (path.isAbsolute(framework)) return framework;
  return (egg.loader?.eggPaths ?? []).map(frameworkPackageDir).find(dir => readPackageJson(dir)?.name === framework) ?? framework;
}

/** A framework dir inside a test harness package (egg-mock, @eggjs/mock: lib/facts/packages.ts TEST_HARNESS_PACKAGES). */
export const TEST_HARNESS_DIR = /[\\/]node_modules[\\/](?:egg-mock|@eggjs[\\/]mock)(?:[\\/]|$)/;

/**
 * The package directory of a framework dir egg reports in `loader.eggPaths`: egg 4's frameworks report their build
 * dir (`dist/commonjs`, `dist/esm`), marked by a package.json without a name; any other dir is its own.
 */
export function frameworkPackageDir(eggPath: string): string {
  const marker = readPackageJson(eggPath);
  return marker && marker.name === undefined ? packageRoot(eggPath)?.dir ?? eggPath : eggPath;
}

type PackageJson = { name?: unknown; version?: unknown; eggPlugin?: { exports?: unknown } };

function readPackageJson(dir: string): PackageJson | undefined {
  return readPackageJsonAt(dir) as PackageJson | undefined;
}

/**
 * The root of the package `dir` belongs to, with its package.json: `dir` itself, or for egg 4's builds the outermost
 * directory with a package.json of the same name. Their `dist/commonjs/package.json` only says `{ "type": "commonjs" }`
 * and `dist/package.json` repeats the name and version, so the first named package.json is not always the root.
 */
export function packageRoot(dir: string): { dir: string; json: PackageJson } | undefined {
  let found: { dir: string; json: PackageJson } | undefined;
  for (let current = path.resolve(dir); path.basename(current) !== 'node_modules'; current = path.dirname(current)) {
    const json = readPackageJson(current);
    if (json?.name !== undefined) {
      if (found && json.name !== found.json.name) break;
      found = { dir: current, json };
    }
    if (path.dirname(current) === current) break;
  }
  return found;
}
