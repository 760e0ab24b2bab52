/**
 * The plugin manifest `sentinel.lock.json` (Grafana-style): for each enabled plugin, per-file SHA-256 of its package
 * directory (its own node_modules left out) and, when pinned deep, of every package in its production dependency
 * closure. Written by `egg-sentinel pin`, verified at boot (SEN104) and by `pin --check`.
 * Output is deterministic (sorted, no timestamps) so a change shows as a small diff in review.
 */
import crypto from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import { type PluginLookup, shadowingCopy } from '../facts/plugin-lookup';
import { gitWorkTreeRoot, isInside, readPackageJsonAt, realPathOrAbsolute, throughAppModules } from '../facts/real-path';
import { findLockfile } from './lockfile';
import * as generated from '../validators/plugin-manifest.generated';
import { storeCopies, withoutStoreHash } from './linked-store';
import { MANIFEST_FILE } from './manifest-file';

export { MANIFEST_FILE };

const MANIFEST_VERSION = 1;

/**
 * Relative file path (posix) → lowercase hex SHA-256 of its bytes, or `symlink:<target>` for a symbolic link (with
 * ` sha256:<hex>` of the file it leads to; a linked directory's files are listed below the link's path).
 */
export type FileHashes = Record<string, string>;

export interface PinnedPackage {
  package?: string;
  version?: string;
  /** The package directory relative to the app root (posix). */
  path: string;
  files: FileHashes;
}

export interface PinnedPlugin extends PinnedPackage {
  /** The server envs it was enabled in when pinned. */
  envs: string[];
  /** Pinned deep: every package of its production dependency closure, by path relative to the app root. */
  dependencies?: Record<string, PinnedPackage>;
  /**
   * egg-core looked it up by package name (its config gives no `path`), so a copy found first in that lookup would
   * load instead. A manifest pinned before egg-sentinel recorded it has none: lookupName infers it from the path.
   */
  byName?: boolean;
  /**
   * Pinned as the project's source (isProjectSource, decided when pinned and kept, so that what lies around the app
   * where it is checked, a `.git` planted or gone, changes nothing): tsc's outputs beside its `.ts` sources are not
   * pinned nor compared. false: every file is. A manifest pinned before egg-sentinel recorded it has none: then a
   * directory in no node_modules is one (isSourceTree).
   */
  sourceTree?: boolean;
}

export interface PluginManifest {
  version: typeof MANIFEST_VERSION;
  /** Whether dependency closures were pinned (`--deep` or `config.sentinel.plugins.deep`). */
  deep: boolean;
  envs: string[];
  plugins: Record<string, PinnedPlugin>;
}

/** A manifest that cannot be used; the message names the file and how to fix it. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

// lib/plugins/manifest.schema.json, compiled ahead of time.
const validateManifest = generated.pluginManifest as unknown as ValidateFunction<PluginManifest>;

const REPIN = 'regenerate it with `npx egg-sentinel pin` in the app (after checking that the installed plugins are the ones you expect)';

/** Parses and validates a manifest's text; throws ManifestError naming the file, the problem and the fix. */
export function parseManifest(text: string, file: string): PluginManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${file} is not valid JSON (${(error as Error).message}): ${REPIN}`);
  }
  if (!validateManifest(data)) {
    const problems = (validateManifest.errors ?? []).slice(0, 3).map(error => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
    throw new ManifestError(`${file} is not an egg-sentinel plugin manifest (${problems.join('; ')}): ${REPIN}`);
  }
  return data as unknown as PluginManifest;
}

/** Reads the manifest of an app: undefined when there is none, ManifestError when it is unusable. */
export function readManifest(baseDir: string): { manifest: PluginManifest; text: string } | undefined {
  const file = path.join(baseDir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ManifestError(`${file} cannot be read (${(error as Error).message})`);
  }
  return { manifest: parseManifest(text, MANIFEST_FILE), text };
}

export function serializeManifest(manifest: PluginManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** More files than this under one plugin (a symlink to a large tree, say) stop pinning with an error naming it. */
const MAX_HASHED_FILES = 50_000;

/**
 * SHA-256 of every file under `dir`, sorted by path. Only `dir`'s own node_modules is left out (the package's
 * dependencies, pinned with --deep): egg's loader globs every file below a plugin's app/ directories, a
 * `node_modules` among them included. It follows symbolic links too: a link is recorded with its target and, for a
 * file, the SHA-256 of what it leads to; a linked directory's files are hashed as the plugin's own (each real
 * directory once), so changing what a link points at is drift, not only re-pointing it.
 */
export function hashFiles(dir: string): FileHashes {
  const found: Array<[ string, string ]> = [];
  // Real directories walked, so a link into one already walked (or to an ancestor) is not walked again.
  const visited = new Set<string>();
  const walk = (current: string, prefix: string, real: string): void => {
    visited.add(real);
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const relative = `${prefix}${entry.name}`;
      if (found.length > MAX_HASHED_FILES) throw new ManifestError(`${dir} holds more than ${MAX_HASHED_FILES} files (through ${relative}); is a symbolic link leading out of the plugin?`);
      if (entry.isSymbolicLink()) {
        const linked = statOrUndefined(full);
        found.push([ relative, `symlink:${fs.readlinkSync(full)}${linked?.isFile() ? ` sha256:${sha256Of(full)}` : ''}` ]);
        const target = linked?.isDirectory() ? fs.realpathSync(full) : undefined;
        if (target !== undefined && !visited.has(target)) walk(full, `${relative}/`, target);
      } else if (entry.isDirectory()) {
        if (prefix !== '' || entry.name !== 'node_modules') walk(full, `${relative}/`, path.join(real, entry.name));
      } else if (entry.isFile()) found.push([ relative, sha256Of(full) ]);
    }
  };
  walk(dir, '', fs.realpathSync(dir));
  return Object.fromEntries(found.sort(([ a ], [ b ]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sha256Of(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** What a path leads to, following links; undefined for a dangling link. */
function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

export interface PackageJsonFacts {
  name?: string;
  version?: string;
  scripts: Record<string, string>;
  /** `dependencies` and `optionalDependencies` names: what npm installs for production. */
  productionDependencies: string[];
  /** `peerDependencies` names: npm 7+ and pnpm install them, and the package requires them as any other. */
  peerDependencies: string[];
}

/** The parts of `<dir>/package.json` the plugin rules read; undefined when it is missing or not JSON. */
export function readPackageJson(dir: string): PackageJsonFacts | undefined {
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const stringRecord = (value: unknown): Record<string, string> => (value && typeof value === 'object' && !Array.isArray(value) ?
    Object.fromEntries(Object.entries(value).filter((entry): entry is [ string, string ] => typeof entry[1] === 'string')) : {});
  return {
    name: typeof pkg.name === 'string' ? pkg.name : undefined,
    version: typeof pkg.version === 'string' ? pkg.version : undefined,
    scripts: stringRecord(pkg.scripts),
    productionDependencies: [ ...new Set([ ...Object.keys(stringRecord(pkg.dependencies)), ...Object.keys(stringRecord(pkg.optionalDependencies)) ]) ],
    peerDependencies: Object.keys(stringRecord(pkg.peerDependencies)),
  };
}

/** What node's LOAD_AS_FILE tries for `require('x')` in a node_modules before the package directory x/ (LOAD_AS_DIRECTORY). */
const LOADED_AS_FILE = [ '', '.js', '.json', '.node' ];

/**
 * Where node would find package `name` from `fromDir`: the first `node_modules/<name>` up the tree (real path), and
 * the file node loads in its place when one sits in a node_modules on the way (`node_modules/x.js` beside or above a
 * package without `exports`: node tries it first).
 */
function findInstalledPackage(name: string, fromDir: string): { dir: string; shadowedBy?: string } | undefined {
  let shadowedBy: string | undefined;
  for (let current = fromDir; ; current = path.dirname(current)) {
    if (path.basename(current) !== 'node_modules') {
      const candidate = path.join(current, 'node_modules', name);
      const pkg = readPackageJsonAt(candidate);
      // A package's `exports` is read before any file beside it.
      if (pkg?.exports !== undefined) return { dir: fs.realpathSync.native(candidate), ...(shadowedBy && { shadowedBy }) };
      shadowedBy ??= LOADED_AS_FILE.map(extension => candidate + extension).find(file => statOrUndefined(file)?.isFile());
      if (pkg) return { dir: fs.realpathSync.native(candidate), ...(shadowedBy && { shadowedBy }) };
    }
    if (path.dirname(current) === current) return undefined;
  }
}

export interface InstalledPackage {
  /** Real directory. */
  dir: string;
  pkg: PackageJsonFacts;
  /** A file node loads in its place for the package that requires it (findInstalledPackage). */
  shadowedBy?: string;
}

/** A peer on egg itself (egg-mock's, many plugins'): the framework every plugin runs in, not a dependency of the plugin's to pin under it. */
const FRAMEWORK_PEER = /^(?:egg|@eggjs\/.+)$/;

/**
 * The production dependency closure of the package in `dir` (itself excluded), as node resolves it, peer dependencies
 * included but egg's own (a plugin requires its driver, declared as a peer, like any dependency); a dependency that is not installed
 * (an optional one that failed to build, a peer the app does not install) is left out, as node would fail on it anyway.
 */
export function dependencyClosure(dir: string): InstalledPackage[] {
  const root = fs.realpathSync.native(dir);
  const seen = new Map<string, InstalledPackage>();
  const queue = [ root ];
  while (queue.length) {
    const current = queue.shift() as string;
    const pkg = readPackageJson(current);
    for (const name of pkg ? [ ...pkg.productionDependencies, ...pkg.peerDependencies.filter(peer => !FRAMEWORK_PEER.test(peer)) ] : []) {
      const found = findInstalledPackage(name, current);
      if (!found || found.dir === root) continue;
      const known = seen.get(found.dir);
      if (known) {
        known.shadowedBy ??= found.shadowedBy;
        continue;
      }
      const installed = readPackageJson(found.dir);
      if (!installed) continue;
      seen.set(found.dir, { dir: found.dir, pkg: installed, ...(found.shadowedBy && { shadowedBy: found.shadowedBy }) });
      queue.push(found.dir);
    }
  }
  return [ ...seen.values() ].sort((a, b) => (a.dir < b.dir ? -1 : 1));
}

/**
 * A path relative to the app root, posix, as the manifest stores it: the real path of `dir` against the app root's, so
 * pin, the preflight and the boot check name a directory alike wherever the app is reached from (a release symlink
 * such as `/srv/app/current`, which egg-scripts gives egg as its baseDir, or the real directory pin runs in). A
 * package outside the app found through its node_modules, a symlink to a directory the releases share (Capistrano's
 * `shared/node_modules`), is named through that link (`node_modules/egg-foo`), as pinned in a checkout that installs
 * its own: where the deploy keeps its packages is no change to the code egg loads.
 */
export function manifestPath(baseDir: string, dir: string): string {
  const root = realPathOrAbsolute(baseDir);
  return path.relative(root, throughAppModules(root, realPathOrAbsolute(dir))).split(path.sep).join('/') || '.';
}

/**
 * A package as pinned: its files, without tsc's outputs beside its sources when it is a source tree; and a file node
 * loads in its place (`shadowedBy`), named by its path from the package directory, as a file of the package.
 */
function pinPackage(baseDir: string, dir: string, pkg: PackageJsonFacts | undefined, sourceTree?: boolean, shadowedBy?: string): PinnedPackage {
  const pinnedPath = manifestPath(baseDir, dir);
  const files = hashFiles(dir);
  if (shadowedBy !== undefined) files[path.relative(dir, shadowedBy).split(path.sep).join('/')] = sha256Of(shadowedBy);
  return { package: pkg?.name, version: pkg?.version, path: pinnedPath, files: sourceTree ?? isSourceTree(pinnedPath) ? withoutBuildOutputs(files) : files };
}

/**
 * A directory in no node_modules (the app's lib/plugin/x, a monorepo's packages/x given by `path` or linked as a
 * workspace): the rule for a dependency pinned deep, and for a plugin of a manifest that recorded no `sourceTree`.
 */
function isSourceTree(pinnedPath: string): boolean {
  return !pinnedPath.split('/').includes('node_modules');
}

/** A plugin the app holds in its own tree (lib/plugin/x), not installed into a node_modules: the app's source. */
function isAppHeld(pinnedPath: string): boolean {
  return pinnedPath.split('/')[0] !== '..' && isSourceTree(pinnedPath);
}

/**
 * A plugin directory that is the project's source, which its build compiles in place, unlike a package installed as
 * published: in no node_modules, and in the app (lib/plugin/x), the git work tree it is in or under the directory of
 * the lockfile at or above it (a monorepo's packages/x given by `path` or linked as a workspace). A directory
 * elsewhere (`path: '/opt/plugins/x'`) is no project's: the `.js` egg loads from it is built by no one the manifest
 * answers for, and is pinned. Decided when pinning and recorded (PinnedPlugin.sourceTree).
 */
function isProjectSource(baseDir: string, pinnedPath: string): boolean {
  if (isAppHeld(pinnedPath)) return true;
  if (!isSourceTree(pinnedPath)) return false;
  const root = realPathOrAbsolute(baseDir);
  const dir = path.resolve(root, pinnedPath);
  const lockfile = findLockfile(root);
  return [ gitWorkTreeRoot(root), lockfile && path.dirname(lockfile.file) ].some(top => top !== undefined && isInside(dir, top));
}

/** Whether an entry's files leave out tsc's outputs: as recorded when pinned, or by its path for an earlier manifest. */
function pinnedAsSourceTree(entry: PinnedPlugin): boolean {
  return entry.sourceTree ?? isSourceTree(entry.path);
}

/** What tsc writes beside a source: `x.js`, `x.js.map`, `x.d.ts` next to `x.ts`. */
const BUILD_OUTPUT = /^(.*)\.(?:js|js\.map|d\.ts)$/;

/**
 * A source-tree plugin without tsc's outputs beside its TypeScript sources: egg's TypeScript deploy compiles in place
 * (`tsc` writes `app.js` beside `app.ts`), and one manifest must serve the source tree it was pinned in and the build.
 * Those outputs are the project's build, as app/'s are, not files the manifest vouches for; a `.js` with no `.ts`
 * beside it is pinned.
 */
function withoutBuildOutputs(files: FileHashes): FileHashes {
  return Object.fromEntries(Object.entries(files).filter(([ file ]) => {
    const stem = BUILD_OUTPUT.exec(file)?.[1];
    return stem === undefined || !Object.hasOwn(files, `${stem}.ts`);
  }));
}

/**
 * What the manifest records for a plugin in `dir` (a real path) as it is now; `sourceTree`: as a pinned entry recorded
 * it (verification), else decided now (isProjectSource).
 */
export function pinPlugin(baseDir: string, dir: string, envs: string[], deep: boolean, sourceTree = isProjectSource(baseDir, manifestPath(baseDir, dir))): PinnedPlugin {
  const pinned: PinnedPlugin = { ...pinPackage(baseDir, dir, readPackageJson(dir), sourceTree), envs, sourceTree };
  if (deep) pinned.dependencies = Object.fromEntries(dependencyClosure(dir).map(dep => [ manifestPath(baseDir, dep.dir), pinPackage(baseDir, dep.dir, dep.pkg, undefined, dep.shadowedBy) ]));
  return pinned;
}

/** An enabled plugin as pin and verification see it. */
export interface PluginToPin {
  name: string;
  /** Real directory. */
  dir: string;
  /** egg-core found it by package name: no config of it gives a `path`. */
  byName: boolean;
}

export interface PinInput {
  baseDir: string;
  deep: boolean;
  /** The enabled plugins of each env pinned. */
  envs: Array<{ env: string; plugins: PluginToPin[] }>;
  /** A manifest being checked: a plugin it holds is pinned with the source-tree decision it recorded. */
  recorded?: PluginManifest;
}

/**
 * Builds the manifest for the enabled plugins of every env. A plugin whose directory holds the app (a plugin's own
 * repository running its test app) is the project itself, not a dependency: it is left out.
 */
export function buildManifest(input: PinInput): PluginManifest {
  const pinnedByPlugin = new Map<string, { dir: string; envs: string[]; foundByName: boolean }>();
  const realBaseDir = realPathOrAbsolute(input.baseDir);
  for (const { env, plugins } of input.envs) {
    for (const plugin of plugins) {
      if (isInside(realBaseDir, plugin.dir)) continue;
      const seen = pinnedByPlugin.get(plugin.name);
      if (seen && seen.dir !== plugin.dir) {
        throw new ManifestError(`plugin ${plugin.name} loads from ${seen.dir} in env ${seen.envs.join('/')} and from ${plugin.dir} in env ${env}; ` +
          'the manifest holds one directory per plugin name: pin those envs separately (--env) or give the plugins different names');
      }
      // Found by name in any env: a copy found first in egg-core's lookup would load there.
      pinnedByPlugin.set(plugin.name, { dir: plugin.dir, envs: [ ...(seen?.envs ?? []), env ], foundByName: Boolean(seen?.foundByName) || plugin.byName });
    }
  }
  const plugins: Record<string, PinnedPlugin> = {};
  for (const [ name, { dir, envs, foundByName } ] of [ ...pinnedByPlugin ].sort(([ a ], [ b ]) => (a < b ? -1 : 1))) {
    const recorded = input.recorded && Object.hasOwn(input.recorded.plugins, name) ? input.recorded.plugins[name] : undefined;
    plugins[name] = { ...pinPlugin(input.baseDir, dir, envs, input.deep, recorded && pinnedAsSourceTree(recorded)), byName: foundByName };
  }
  return { version: MANIFEST_VERSION, deep: input.deep, envs: input.envs.map(entry => entry.env), plugins };
}

export interface FileDrift {
  changed: string[];
  added: string[];
  removed: string[];
}

export function diffFiles(pinned: FileHashes, current: FileHashes): FileDrift {
  const drift: FileDrift = { changed: [], added: [], removed: [] };
  for (const [ file, hash ] of Object.entries(current)) {
    if (!Object.hasOwn(pinned, file)) drift.added.push(file);
    else if (pinned[file] !== hash) drift.changed.push(file);
  }
  drift.removed = Object.keys(pinned).filter(file => !Object.hasOwn(current, file));
  return drift;
}

export interface PluginDrift extends FileDrift {
  /** The plugin now loads from another directory than the pinned one (paths relative to the app root). */
  moved?: { pinned: string; current: string };
  /** Nothing is at the pinned path under the app root checked (relative, as the manifest holds it). */
  missing?: string;
  /** Pinned in npm's linked store, where several directories of its name and version are now (relative paths). */
  storeCopies?: { package: string; dirs: string[] };
  /**
   * Egg will load another copy of the package, found before the pinned one in its plugin lookup (pinnedPluginDrift):
   * its real path, and whether it lies outside the app root.
   */
  shadowed?: {
    pinned: string; current: string; outsideApp: boolean; byNameUnrecorded?: boolean;
    /** EGG_PLUGINS or the start options (`given`) make egg look it up by `package` (PluginLookup's customPackages). */
    custom?: { package: string; given: string };
  };
  /**
   * egg now finds it by package name (true) or loads the `path` its config gives (false), unlike when pinned
   * (diffManifests): the preflight's lookup follows what was pinned until it is pinned again.
   */
  nowByName?: boolean;
}

/** A dependency of a pinned plugin: its path relative to the app root, and what is pinned of it. */
type DependencyEntry = [ string, PinnedPackage ];

/**
 * A plugin as pinned against the same plugin now. Plugin files are named relative to the plugin directory; dependency
 * files relative to the app root, and a dependency that appeared or vanished as `<path>/`.
 */
export function comparePinned(pinned: PinnedPlugin, current: PinnedPlugin): PluginDrift {
  // A manifest pinned in a built tree lists the outputs beside a source-tree plugin's sources; they are not compared.
  // Each side as the pinned entry says: `pin --check` builds the current one with a decision of its own.
  const compared = (files: FileHashes) => (pinnedAsSourceTree(pinned) ? withoutBuildOutputs(files) : files);
  const drift: PluginDrift = diffFiles(compared(pinned.files), compared(current.files));
  if (withoutStoreHash(current.path) !== withoutStoreHash(pinned.path)) drift.moved = { pinned: pinned.path, current: current.path };
  // Dependencies are matched by their paths without store hashes, which another install of the lockfile changes; two
  // store copies of one name and version share such a path, so each pinned one is matched once: the same path first,
  // then the same files, then the only one left.
  const pinnedDeps = new Map<string, DependencyEntry[]>();
  for (const entry of Object.entries(pinned.dependencies ?? {})) {
    const key = withoutStoreHash(entry[0]);
    pinnedDeps.set(key, [ ...(pinnedDeps.get(key) ?? []), entry ]);
  }
  const currentDeps = Object.entries(current.dependencies ?? {});
  const matched = new Map<string, PinnedPackage>();
  /** One pass over the current dependencies not matched yet: each takes the first pinned one left that `fits` it. */
  const matchOnce = (fits: (dependency: DependencyEntry, candidate: DependencyEntry, left: number) => boolean) => {
    for (const dependency of currentDeps) {
      const candidates = matched.has(dependency[0]) ? [] : pinnedDeps.get(withoutStoreHash(dependency[0])) ?? [];
      const index = candidates.findIndex(candidate => fits(dependency, candidate, candidates.length));
      if (index !== -1) matched.set(dependency[0], candidates.splice(index, 1)[0][1]);
    }
  };
  matchOnce(([ depPath ], [ pinnedPath ]) => pinnedPath === depPath);
  matchOnce(([ , dep ], [ , pinnedDep ]) => !hasDrift(diffFiles(pinnedDep.files, dep.files)));
  matchOnce((_dependency, _candidate, left) => left === 1);
  for (const [ depPath, dep ] of currentDeps) {
    const pinnedDep = matched.get(depPath);
    if (!pinnedDep) {
      drift.added.push(`${depPath}/`);
      continue;
    }
    const depDrift = diffFiles(pinnedDep.files, dep.files);
    // A file loaded in a dependency's place is named by its own path (`node_modules/x.js`, not `node_modules/x/../x.js`).
    const named = (file: string) => path.posix.join(depPath, file);
    drift.changed.push(...depDrift.changed.map(named));
    drift.added.push(...depDrift.added.map(named));
    drift.removed.push(...depDrift.removed.map(named));
  }
  if (current.dependencies) drift.removed.push(...[ ...pinnedDeps.values() ].flat().map(([ depPath ]) => `${depPath}/`));
  return drift;
}

/** Checks one enabled plugin in `dir` against its manifest entry, hashing its files (and its closure when `deep`). */
export function verifyPlugin(entry: PinnedPlugin, dir: string, baseDir: string, deep: boolean): PluginDrift {
  return comparePinned(entry, pinPlugin(baseDir, dir, entry.envs, deep, pinnedAsSourceTree(entry)));
}

export function hasDrift(drift: PluginDrift): boolean {
  return Boolean(drift.moved || drift.missing || drift.shadowed || drift.nowByName !== undefined || drift.changed.length || drift.added.length || drift.removed.length);
}

/** Files listed per kind of change before "and N more". */
const LISTED_FILES = 5;

export function listFiles(files: string[]): string {
  return files.length > LISTED_FILES ? `${files.slice(0, LISTED_FILES).join(', ')} and ${files.length - LISTED_FILES} more` : files.join(', ');
}

/** `changed: app.js; added: lib/x.js`: the first files of each kind of change. */
export function describeDrift(drift: PluginDrift): string {
  return [
    ...(drift.storeCopies ? [ `was pinned at ${drift.missing}, and there are several copies of ${drift.storeCopies.package} in node_modules/.store ` +
      `(${drift.storeCopies.dirs.join(', ')}): which one is the copy pinned cannot be told; reinstall (\`npm ci\`) and check again, or pin again` ] :
      drift.missing ? [ `was pinned at ${drift.missing}, and nothing is there: the manifest's paths are relative to the app root it was pinned in ` +
      '(a build copied into dist/ with the manifest but not node_modules/ has none of them); pin where the app runs' ] : []),
    ...(drift.shadowed ? [ `egg would load it from ${drift.shadowed.current}${drift.shadowed.outsideApp ? ', outside the app root,' : ''} and not from ${drift.shadowed.pinned} ` +
      'where it was pinned: that copy comes first in egg\'s plugin lookup (the node_modules up from the app, node\'s global folders, the framework\'s, the working ' +
      'directory\'s) and the manifest does not vouch for its files; remove it, or pin again if it is the copy you mean to run' +
      (drift.shadowed.custom ? ` (its \`package: ${JSON.stringify(drift.shadowed.custom.package)}\` in ${drift.shadowed.custom.given} makes egg look it up by that ` +
        'name, whatever path it was pinned at; remove that setting to load the pinned copy)' : '') +
      (drift.shadowed.byNameUnrecorded ? ` (${MANIFEST_FILE} was pinned before egg-sentinel recorded which plugins egg looks up by name: ` +
        'a plugin whose config gives a `path` is loaded from there, and pinning again records it)' : '') ] : []),
    ...(drift.nowByName === false ? [ 'egg now loads it from the `path` its config gives, but it was pinned as found by package name: the preflight and ' +
      '`pin --check` still look that name up, and refuse a copy found first by it, until it is pinned again' ] : []),
    ...(drift.nowByName ? [ 'egg now finds it by package name, but it was pinned as given by `path`: the preflight and `pin --check` do not look ' +
      'for a copy egg would find first until it is pinned again' ] : []),
    ...(drift.moved ? [ `loads from ${drift.moved.current} but was pinned at ${drift.moved.pinned}` ] : []),
    ...(drift.changed.length ? [ `changed: ${listFiles(drift.changed)}` ] : []),
    ...(drift.added.length ? [ `added: ${listFiles(drift.added)}` ] : []),
    ...(drift.removed.length ? [ `removed: ${listFiles(drift.removed)}` ] : []),
  ].join('; ');
}

/** Plugins of two manifests that differ: `not-pinned` (only in `current`), `not-enabled` (only in `pinned`), or their drift. */
export interface ManifestDifference {
  plugin: string;
  difference: 'not-pinned' | 'not-enabled' | PluginDrift;
}

export function diffManifests(pinned: PluginManifest, current: PluginManifest): ManifestDifference[] {
  const names = [ ...new Set([ ...Object.keys(pinned.plugins), ...Object.keys(current.plugins) ]) ].sort();
  return names.flatMap((plugin): ManifestDifference[] => {
    const was = Object.hasOwn(pinned.plugins, plugin) ? pinned.plugins[plugin] : undefined;
    const now = Object.hasOwn(current.plugins, plugin) ? current.plugins[plugin] : undefined;
    if (!was) return [{ plugin, difference: 'not-pinned' }];
    if (!now) return [{ plugin, difference: 'not-enabled' }];
    const drift = comparePinned(was, now);
    // Either way the preflight would follow the stale record: skip a lookup egg now makes, or refuse a copy it now ignores.
    if (was.byName !== undefined && now.byName !== undefined && was.byName !== now.byName) drift.nowByName = now.byName;
    return hasDrift(drift) ? [{ plugin, difference: drift }] : [];
  });
}

/**
 * The plugins pinned for any of `envs` whose files at their pinned paths differ, or that egg would load from another
 * copy found first in its plugin lookup, found by hashing and stats alone: no config is loaded, so no plugin's code
 * runs (`pin --check` and the preflight ask this first; a changed config file of a plugin could otherwise rewrite the
 * manifest before anything compared it).
 */
export function pinnedPluginDrift(baseDir: string, manifest: PluginManifest, envs: readonly string[], lookup: PluginLookup): ManifestDifference[] {
  // The manifest's paths are relative to the app root's real path (manifestPath): `../x` from a release symlink is elsewhere.
  const realBaseDir = realPathOrAbsolute(baseDir);
  return Object.keys(manifest.plugins).sort().flatMap((plugin): ManifestDifference[] => {
    const entry = manifest.plugins[plugin];
    if (!entry.envs.some(env => envs.includes(env))) return [];
    const pinnedDir = path.resolve(realBaseDir, entry.path);
    const [ dir, ...more ] = fs.existsSync(pinnedDir) ? [ pinnedDir ] : storeCopies(realBaseDir, entry.path);
    if (dir === undefined || more.length) {
      const several = more.length ? { storeCopies: { package: `${entry.package ?? '?'}@${entry.version ?? '?'}`, dirs: [ dir, ...more ].map(copy => manifestPath(baseDir, copy)) } } : {};
      return [{ plugin, difference: { changed: [], added: [], removed: [], missing: entry.path, ...several } }];
    }
    const drift = verifyPlugin(entry, dir, baseDir, manifest.deep);
    // EGG_PLUGINS and the start options are merged last: a `path` they give is where egg loads it from.
    const customPath = lookup.customPaths.get(plugin);
    const customDir = customPath && realPathOrAbsolute(path.resolve(realBaseDir, customPath.path));
    if (customDir !== undefined && customDir !== realPathOrAbsolute(dir)) drift.moved = { pinned: entry.path, current: `${manifestPath(baseDir, customDir)} (${customPath?.given}'s path)` };
    // What they name by package is looked up, whatever was pinned.
    const custom = lookup.customPackages.get(plugin);
    const name = custom?.package ?? lookupName(entry);
    const shadow = name === undefined ? undefined : shadowingCopy(name, dir, lookup);
    if (shadow !== undefined) {
      drift.shadowed = { pinned: entry.path, current: shadow, outsideApp: !isInside(shadow, realBaseDir),
        ...(custom ? { custom } : entry.byName === undefined && { byNameUnrecorded: true }) };
    }
    return hasDrift(drift) ? [{ plugin, difference: drift }] : [];
  });
}

/**
 * The package name egg-core looks a pinned plugin up by: the `node_modules/<name>` its directory was found as, or the
 * package.json name of a workspace package linked there (its real path lies outside the app and any node_modules).
 * Undefined for a plugin whose config gives a `path` (`byName: false`): egg-core loads it from there. A manifest
 * pinned before `byName` was recorded has no such plugin: then also undefined for one the app holds (lib/plugin/x)
 * or one inside a package, which a config can only reach by `path`.
 */
function lookupName(entry: PinnedPlugin): string | undefined {
  if (entry.byName === false) return undefined;
  const segments = entry.path.split('/');
  const at = segments.lastIndexOf('node_modules');
  if (at === -1) return isAppHeld(entry.path) ? undefined : entry.package;
  const name = segments.slice(at + 1);
  return name.length === 1 || (name.length === 2 && name[0].startsWith('@')) ? name.join('/') : undefined;
}
