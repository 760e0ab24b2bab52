/**
 * The installed packages an app loads, for SEN601: walked from the app's production dependencies, its framework
 * (egg) and every enabled plugin, each dependency resolved from the directory of the package that requires it, as
 * node resolves it. Which of them a process really loaded comes from require.cache.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { frameworkPackageDir } from './egg-version';
import { realPathOrUndefined } from './real-path';
import type { PluginFact } from './types';

export interface InstalledPackage {
  /** The name in its package.json (an npm alias such as `urllib4` shows as `urllib`). */
  name: string;
  version: string;
  /** Real path of the package directory. */
  path: string;
  /** What pulled it in, outermost first, e.g. `app my-app`, `egg@3.34.0`, `egg-core@5.5.1`; the package itself excluded. */
  via: string[];
  /** A module of the package was in require.cache when the facts were collected. */
  loaded: boolean;
  /** The app's own package.json lists it in `dependencies`: shipped to be used, whether loaded yet or not. */
  declaredByApp?: true;
  /**
   * Reached only through a fallback its dependent requires on older Node.js lines than this one (egg 3's urllib 3 where
   * urllib 4 loads): what this process never loads, said as the condition it would load under.
   */
  olderNodeFallback?: string;
}

export interface PackageFacts {
  installed: InstalledPackage[];
  /**
   * Whose require.cache `loaded` comes from: the app worker at boot (every plugin, extend and controller is loaded
   * by then), or `egg-sentinel audit`, which loads only part of the app.
   */
  loadedBy: 'boot' | 'audit';
  /** How long the walk took, in ms. */
  walkMs: number;
}

export interface PackageWalkInput {
  baseDir: string;
  appName: string;
  eggPaths: readonly string[];
  plugins: readonly PluginFact[];
}

/**
 * Test tooling that egg-bin injects as a plugin (egg 3: egg-mock; egg 4: @eggjs/mock, whose plugin is still named
 * egg-mock); never part of a deployed app (SEN606 reports it outside tests).
 */
const TEST_HARNESS_PACKAGES: ReadonlySet<string> = new Set([ 'egg-mock', '@eggjs/mock' ]);
/** Where a test harness installs its own dependencies (`node_modules/egg-mock/node_modules/urllib`). */
const TEST_HARNESS_INSTALLS = [ ...TEST_HARNESS_PACKAGES ].map(name => `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`);

interface Manifest {
  name?: unknown;
  version?: unknown;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

interface Pending {
  dir: string;
  via: string[];
  olderNodeFallback?: string;
}

/**
 * Dependencies a package requires only where another of its dependencies cannot load, which Node.js decides: egg 3
 * requires `urllib4` (urllib 4) on Node.js 20 and later and falls back to `urllib-next` (urllib 3) only where that
 * fails (egg 3.34's lib/core/httpclient_next.js; its fetch_factory.js needs urllib4 alone).
 */
const NODE_FALLBACKS: ReadonlyArray<{ dependent: string; fallback: string; preferred: string; fromNodeMajor: number }> = [
  { dependent: 'egg', fallback: 'urllib-next', preferred: 'urllib4', fromNodeMajor: 20 },
];

/** The dependencies of `manifest` this Node.js never loads, each with the condition it would load under. */
function unusedFallbacks(dir: string, manifest: Manifest, exists: (file: string) => boolean, nodeMajor: number): Map<string, string> {
  const unused = new Map<string, string>();
  const dependencies = { ...manifest.dependencies, ...manifest.optionalDependencies };
  for (const { dependent, fallback, preferred, fromNodeMajor } of NODE_FALLBACKS) {
    if (manifest.name !== dependent || nodeMajor < fromNodeMajor || !Object.hasOwn(dependencies, fallback) || !resolvePackageDir(dir, preferred, exists)) continue;
    unused.set(fallback, `${dependent}@${String(manifest.version)} loads it only on Node.js below ${fromNodeMajor}, where ${preferred} cannot load`);
  }
  return unused;
}

/** The installed packages without `loaded`: the part the agent can prepare for the workers (lib/facts/handover.ts). */
export interface WalkedPackages {
  installed: Array<Omit<InstalledPackage, 'loaded'>>;
  walkMs: number;
}

export function walkInstalledPackages(input: PackageWalkInput): WalkedPackages {
  const started = performance.now();
  const installed = walkPackages(input);
  return { installed, walkMs: Math.round((performance.now() - started) * 10) / 10 };
}

/**
 * `walked`: the walk the agent prepared for this boot; walked here when absent. Loaded packages are this process's,
 * and so are the packages of the app's own node_modules that it loaded without the walk reaching them (a
 * devDependency or an undeclared one that app code requires).
 */
export function collectPackageFacts(input: PackageWalkInput, loadedFiles: readonly string[] = Object.keys(require.cache),
  walked = walkInstalledPackages(input)): PackageFacts {
  const loadedDirs = loadedPackageDirs(loadedFiles);
  const isLoaded = loadedPackageTest(loadedDirs, loadedFiles);
  return {
    installed: [
      ...walked.installed.map(entry => ({ ...entry, loaded: isLoaded(entry.path) })),
      ...loadedOutsideTheWalk(input, loadedDirs, new Set(walked.installed.map(entry => entry.path))),
    ],
    loadedBy: 'boot',
    walkMs: walked.walkMs,
  };
}

/** What `via` says of a package the app loads from its node_modules that no production dependency leads to. */
const LOADED_OUTSIDE_THE_WALK = 'loaded from it, yet no production dependency of the app, its framework or plugins';

/**
 * Packages under the app's own node_modules whose modules are loaded but that the walk did not reach: a
 * devDependency, or a package the app requires without declaring it. Packages further up (a test runner's, a
 * monorepo's hoisted ones) are not the app's install and are left out, and so are the test harness and what it
 * installs below itself.
 */
function loadedOutsideTheWalk(input: PackageWalkInput, loadedDirs: ReadonlySet<string>, walked: ReadonlySet<string>): InstalledPackage[] {
  const appModules = `${realPathOrUndefined(input.baseDir) ?? input.baseDir}${path.sep}node_modules${path.sep}`;
  const found: InstalledPackage[] = [];
  for (const dir of loadedDirs) {
    if (!dir.startsWith(appModules) || walked.has(dir) || TEST_HARNESS_INSTALLS.some(install => dir.includes(install))) continue;
    const manifest = readManifest(dir);
    if (typeof manifest?.name !== 'string' || typeof manifest.version !== 'string' || TEST_HARNESS_PACKAGES.has(manifest.name)) continue;
    found.push({ name: manifest.name, version: manifest.version, path: dir, via: [ `app ${input.appName} (${LOADED_OUTSIDE_THE_WALK})` ], loaded: true });
  }
  return found;
}

/** Breadth first, so each package keeps its shortest dependency path; one entry per real directory. */
function walkPackages(input: PackageWalkInput): Array<Omit<InstalledPackage, 'loaded'>> {
  const found: Array<Omit<InstalledPackage, 'loaded'>> = [];
  const visited = new Set<string>();
  // Most packages have no nested node_modules, and a popular dependency is looked up, and resolves to the same
  // directory, from many dependents: each existence check and realpath once per walk.
  const exists = remembered(file => fs.existsSync(file));
  const realPathOnce = remembered(realPathOrUndefined);
  const declared = new Set(dependencyDirs(input.baseDir, readManifest(input.baseDir), exists).map(realPathOnce));
  const queue: Pending[] = [
    // egg 4 reports its build dir as the framework path; the package and its dependencies are the framework's.
    ...input.eggPaths.map(dir => ({ dir: frameworkPackageDir(dir), via: [ 'framework' ] })),
    ...input.plugins.filter(plugin => plugin.enable && plugin.path).map(plugin => ({ dir: String(plugin.path), via: [ `plugin ${plugin.name}` ] })),
    ...[ ...declared ].filter((dir): dir is string => dir !== undefined).map(dir => ({ dir, via: [ `app ${input.appName}` ] })),
  ];
  // Walked after everything else: a package that any other path reaches is loaded as usual.
  const fallbacks: Pending[] = [];
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  for (let next = queue.shift() ?? fallbacks.shift(); next; next = queue.shift() ?? fallbacks.shift()) {
    const dir = realPathOnce(next.dir);
    if (!dir || visited.has(dir)) continue;
    visited.add(dir);
    const manifest = readManifest(dir);
    if (typeof manifest?.name !== 'string' || typeof manifest.version !== 'string' || TEST_HARNESS_PACKAGES.has(manifest.name)) continue;
    const { olderNodeFallback } = next;
    found.push({ name: manifest.name, version: manifest.version, path: dir, via: next.via, ...(declared.has(dir) && { declaredByApp: true as const }),
      ...(olderNodeFallback && { olderNodeFallback }) });
    const via = [ ...next.via, `${manifest.name}@${manifest.version}` ];
    const unused = unusedFallbacks(dir, manifest, exists, nodeMajor);
    for (const [ name, child ] of dependencyEntries(dir, manifest, exists)) {
      const fallback = olderNodeFallback ?? unused.get(name);
      (fallback && !olderNodeFallback ? fallbacks : queue).push({ dir: child, via, ...(fallback && { olderNodeFallback: fallback }) });
    }
  }
  return found;
}

/**
 * The jsonwebtoken copies (real dirs) koa-jwt2 verifies tokens with: resolved, as node resolves them, from the app and
 * from each enabled plugin that lists koa-jwt2 among its dependencies (egg-jwt, a scoped fork of it, or an app-level
 * fork under lib/plugin, which uses the app's), then from that koa-jwt2. A package reached first by another path (the
 * app's own dependency on jsonwebtoken, to sign tokens) can still be the copy that verifies them.
 */
export function koaJwt2Verifiers(input: PackageWalkInput): string[] {
  const exists = (file: string) => fs.existsSync(file);
  const resolveReal = (fromDir: string, name: string) => {
    const dir = resolvePackageDir(fromDir, name, exists);
    return dir && realPathOrUndefined(dir);
  };
  const users = [ input.baseDir, ...input.plugins.filter(plugin => plugin.enable && plugin.path).map(plugin => String(plugin.path)) ];
  const copies = new Set<string>();
  for (const user of users) {
    const dir = realPathOrUndefined(user);
    const manifest = dir && readManifest(dir);
    if (!dir || !manifest || !Object.hasOwn({ ...manifest.dependencies, ...manifest.optionalDependencies }, 'koa-jwt2')) continue;
    const koaJwt2 = resolveReal(dir, 'koa-jwt2');
    const jsonwebtoken = koaJwt2 && resolveReal(koaJwt2, 'jsonwebtoken');
    if (jsonwebtoken) copies.add(jsonwebtoken);
  }
  return [ ...copies ];
}

function dependencyDirs(fromDir: string, manifest: Manifest | undefined, exists: (file: string) => boolean): string[] {
  return dependencyEntries(fromDir, manifest, exists).map(([ , dir ]) => dir);
}

/** Each installed dependency as [ the name it is required by, its directory ]. */
function dependencyEntries(fromDir: string, manifest: Manifest | undefined, exists: (file: string) => boolean): Array<[ string, string ]> {
  const names = Object.keys({ ...manifest?.dependencies, ...manifest?.optionalDependencies });
  return names.flatMap((name): Array<[ string, string ]> => {
    const dir = resolvePackageDir(fromDir, name, exists);
    return dir === undefined ? [] : [[ name, dir ]];
  });
}

/** Node's lookup for a bare package name: `node_modules/<name>` in the directory and each parent. */
function resolvePackageDir(fromDir: string, name: string, exists: (file: string) => boolean): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules' && exists(path.join(dir, 'node_modules'))) {
      const candidate = path.join(dir, 'node_modules', name);
      if (exists(path.join(candidate, 'package.json'))) return candidate;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `lookup` with each answer remembered (for one walk). */
function remembered<T>(lookup: (file: string) => T): (file: string) => T {
  const known = new Map<string, T>();
  return file => {
    if (!known.has(file)) known.set(file, lookup(file));
    return known.get(file) as T;
  };
}

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
  } catch {
    return undefined; // no package.json (a plugin given by path) or an unreadable one: nothing to walk
  }
}


const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** The package directories under a node_modules that hold a loaded module; require.cache keys are real paths. */
function loadedPackageDirs(files: readonly string[]): Set<string> {
  const packageDirs = new Set<string>();
  for (const file of files) {
    const at = file.lastIndexOf(NODE_MODULES);
    if (at === -1) continue;
    const [ first, second ] = file.slice(at + NODE_MODULES.length).split(path.sep);
    packageDirs.add(file.slice(0, at + NODE_MODULES.length) + (first.startsWith('@') ? `${first}${path.sep}${second}` : first));
  }
  return packageDirs;
}

/** Whether a package directory holds a loaded module; a package outside node_modules (a linked or path plugin) by prefix. */
function loadedPackageTest(packageDirs: ReadonlySet<string>, files: readonly string[]): (dir: string) => boolean {
  return dir => packageDirs.has(dir) || (!dir.includes(NODE_MODULES) && files.some(file => file.startsWith(`${dir}${path.sep}`) && !file.includes(NODE_MODULES, dir.length)));
}
