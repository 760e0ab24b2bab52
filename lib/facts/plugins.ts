/**
 * Facts for the plugin trust rules (SEN101–SEN111): where each enabled plugin really lives, its package.json install
 * hooks, its lockfile entry, how its files compare with the manifest `sentinel.lock.json`, what EGG_PLUGINS enabled,
 * which config keys a plugin's config file set last, and what the app's node_modules/.bin runs as node, npm, npx or sh.
 * All I/O for those rules happens here; the rules only compare.
 */
import fs from 'node:fs';
import path from 'node:path';
import secureJsonParse from 'secure-json-parse';
import type { SentinelPluginsConfig } from '../config/types';
import { type LockEntry, type Lockfile, LockfileError, findLockfile, installedPackageAt, installingProjectDir, readLockfile, resolvedSources } from '../plugins/lockfile';
import {
  type InstalledPackage, ManifestError, type PluginDrift, type PluginManifest, dependencyClosure, hasDrift, readManifest, readPackageJson, verifyPlugin,
} from '../plugins/manifest';
import { type ConfiguredRegistry, readConfiguredRegistries } from '../plugins/registries';
import { type ShadowedCommandFact, shadowedCommands } from './commands';
import { type ConfigWrite, writeCovers } from '../config-changes';
import type { EarlierConfigChange } from './config-files';
import { isPlainObject } from '../walk';
import { TEST_HARNESS_DIR, frameworkPackageDir } from './egg-version';
import { globalModuleDirs } from './runtime';
import { appOwner, declaresDependency, isAppFile, isInside, nodeModulesDirs, ownershipProblem, readPackageJsonAt, realPathLoose, throughAppModules, untrustedModuleRoots } from './real-path';
import { changedSinceStart, startPluginsChanged } from './start-env';
import type { CollectedPlugin, UnreadPluginKeys } from './plugin-list';
import type { PluginFact } from './types';
import { type WritableCodeFact, findWritableCode } from './writable-code';

/** Where an enabled plugin lives. */
export type PluginLocation =
  /** Installed in a node_modules directory. */
  | 'package'
  /** Any other directory (a `path` plugin). */
  | 'local'
  /**
   * The project itself: the plugin's directory holds the app (a plugin's repository running its test app, as
   * egg-mock does), or it is egg-sentinel's own checkout, which is the code doing the checking.
   */
  | 'project';

/** A plugin directory inside an installed package (a framework's `lib/plugin/x`) is locked as that package. */
export interface EnclosingPackageFact {
  package: string;
  version?: string;
}

export type PluginLockFact =
  | { state: 'locked'; lockfile: string; entry: LockEntry; within?: EnclosingPackageFact }
  | { state: 'not-listed'; lockfile: string; within?: EnclosingPackageFact }
  /** In node_modules without a package name: no install put it there, and no lockfile can list it. */
  | { state: 'nameless'; lockfile: string }
  | { state: 'no-lockfile'; projectDir: string }
  | { state: 'unreadable'; lockfile: string; error: string }
  /** Not an installed package (local or project plugin), or SEN103 is off. */
  | { state: 'not-applicable' };

export type PluginManifestFact =
  /** No usable manifest, a project plugin, or SEN104 is off. */
  | { state: 'not-checked' }
  | { state: 'not-pinned' }
  | { state: 'matches' }
  | { state: 'drift'; drift: PluginDrift }
  /** Its files could not be read (permissions, a file vanishing while hashed). */
  | { state: 'unreadable'; error: string };

export interface InstallScriptFact {
  package: string;
  /** The package directory, relative to the app root where inside it. */
  path: string;
  /** `preinstall`, `install`, `postinstall` with their commands, or `binding.gyp` (npm runs node-gyp for it). */
  hooks: string[];
  /** None left in the package, yet its lockfile entry says (by this field) the install ran one: erased after it ran. */
  erased?: NonNullable<LockEntry['installScript']>;
}

/** A package of a plugin's production dependency closure whose lockfile entry records a URL it was fetched from. */
export interface DependencySourceFact {
  package: string;
  version?: string;
  resolved: string;
  lockfile: string;
}

export interface PluginTrustFact {
  name: string;
  /** The package name in its package.json, else the configured `package`. */
  package?: string;
  /** `package` as configured in a plugin.* file, when it differs from the installed package.json's name. */
  configuredPackage?: string;
  version?: string;
  /** The directory egg loads it from, symlinks resolved. */
  realPath: string;
  /** `realPath` relative to the app root where inside it. */
  displayPath: string;
  /** The file that enabled it. */
  from: string;
  location: PluginLocation;
  lock: PluginLockFact;
  /** Where the lockfile says the packages the plugin pulls in came from (remote URLs only); absent when SEN103 is off. */
  dependencySources?: DependencySourceFact[];
  /** Install hooks of the plugin package and, with `plugins.deep`, of its production dependency closure. */
  installScripts: InstallScriptFact[];
  manifest: PluginManifestFact;
  /** Files and directories in its directory (its node_modules aside) another user can change; absent when none. */
  writableCode?: WritableCodeFact;
  /** A `local` plugin that the lockfile at or above the app records as a workspace link, or one it cannot vouch for. */
  workspace?: WorkspacePackageFact;
}

/**
 * A plugin directory inside a workspace root: the app's lockfile records it as a link (a workspace package npm installed
 * for the app), unless `problem` says why it does not vouch for it.
 */
export interface WorkspacePackageFact {
  /** The lockfile, relative to the app root where inside it. */
  lockfile: string;
  problem?: string;
}

/** What made egg load a framework: egg-utils' getFrameworkPath for the app's, then each one's Application class. */
export type FrameworkSetter =
  /** package.json's `"egg": { "framework": value }`. */
  | { key: 'package.json'; value: string }
  /** The start options' `framework` (egg-scripts --framework, startCluster({ framework }), mm.app({ framework })). */
  | { key: 'start-options' }
  /** egg, which every app runs on when nothing names another framework. */
  | { key: 'default' }
  /** The framework (its package name, else its path) whose Application extends this one's. */
  | { key: 'framework'; framework: string };

/** Where a framework lives, as SEN101 judges it. */
export type FrameworkPlaceFact =
  /** In `root`, a node_modules egg or the framework above it finds packages in. */
  | { state: 'installed'; root: string }
  /** In `dir`, such a node_modules outside the app that another user could have filled. */
  | { state: 'refused'; dir: string; why: string }
  /** The app's own framework in `root`, but the app's package.json does not declare its package. */
  | { state: 'undeclared'; root: string }
  /** A package of the app's workspace, linked by the lockfile at or above the app (see WorkspacePackageFact). */
  | { state: 'workspace'; workspace: WorkspacePackageFact }
  /** In no node_modules where `require` of its name from the app, or from the framework above it, finds it. */
  | { state: 'elsewhere' };

/**
 * A framework egg loads (`loader.eggPaths`: egg, and each framework built on it), judged as a plugin's location is:
 * its config, extensions, app.js and agent.js run in every process before any plugin's.
 */
export interface FrameworkTrustFact {
  /** The name in its package.json. */
  package?: string;
  version?: string;
  /** Its package directory, symlinks resolved. */
  realPath: string;
  displayPath: string;
  setBy: FrameworkSetter;
  location: PluginLocation;
  place: FrameworkPlaceFact;
  lock: PluginLockFact;
  writableCode?: WritableCodeFact;
}

export type ManifestStateFact =
  | { state: 'absent' }
  | { state: 'invalid'; error: string }
  | { state: 'present'; deep: boolean; envs: string[] };

/** A config key whose value a plugin's config file set last (egg's configMeta). */
export interface PluginSetKeyFact {
  keyPath: string;
  /** The config file, relative to the app root where inside it. */
  file: string;
  plugin: string;
  package?: string;
}

/**
 * A guarded config key (SEN108) that a plugin's code changed while the app booted, after egg loaded the config files
 * and before the check, with the file that wrote it. Writes of the app's own code and its framework are not listed,
 * nor the writes before the last of those.
 */
export interface CodeSetKeyFact {
  keyPath: string;
  /** The file that wrote; '' for a change made before egg-sentinel's hook by code it cannot name. */
  file: string;
  /** Undefined: changed before egg-sentinel's hook, by code it cannot name. */
  plugin?: string;
  package?: string;
  /** Made before egg-sentinel's hook was constructed (lib/facts/config-files.ts), not seen written. */
  earlier?: NonNullable<EarlierConfigChange['by']>['how'] | 'unknown';
  /** `earlier: 'hook'`: the plugins whose boot hooks egg constructed before egg-sentinel's, one of which may have made the change. */
  suspects?: Array<{ plugin: string; package?: string; file: string }>;
}

/** Guarded keys changed by code during boot: after egg-sentinel's hook (with the writes recorded), and before it. */
export interface CodeChanges {
  changed: readonly string[];
  writes: readonly ConfigWrite[];
  earlier?: readonly EarlierConfigChange[];
}

export interface PluginTrustFacts {
  /**
   * Real directories plugins may live in: the node_modules the app and its framework resolve from, and
   * `plugins.localRoots`. `refused`: those outside the app that another user owns or anyone can write (`/tmp/node_modules`
   * planted by another user), with why; they are not trusted.
   */
  trustedRoots: {
    nodeModules: string[]; local: string[]; refused?: Array<{ dir: string; why: string }>;
    /** The `local` roots whose real path lies outside the app root's (symlinks resolved on both sides). */
    localOutsideApp?: string[];
  };
  /** Enabled plugins, in egg's load order. */
  plugins: PluginTrustFact[];
  /** The frameworks egg loads, the app's first, down to egg; test harnesses (egg-mock's) left out. */
  frameworks: FrameworkTrustFact[];
  manifest: ManifestStateFact;
  /** What EGG_PLUGINS turned on and off (names only); `error` when it is not JSON (egg then ignores it). */
  envPlugins: PluginSwitches;
  /**
   * What EGG_PLUGINS turned on and off when the process started, present when process.env's differs now: code in the
   * process deleted, rewrote or set it (the plugin lists were derived again from this).
   */
  envPluginsAtStart?: PluginSwitches;
  /**
   * What egg-cluster's `plugins` start option (egg-scripts `--plugins.<name>.*`, `startCluster({ plugins })`) turned on
   * and off; egg-core merges it over EGG_PLUGINS.
   */
  startPlugins: PluginSwitches;
  /** What the `plugins` start option turned on and off as the worker was forked, present when app.options' differs now. */
  startPluginsAtStart?: PluginSwitches;
  pluginSetKeys: PluginSetKeyFact[];
  /** Absent where no boot was watched (the agent's facts, a unit test's). */
  codeSetKeys?: CodeSetKeyFact[];
  /** Registries the app dir's .npmrc, .yarnrc and .yarnrc.yml name: lockfile URLs there are where the app installs from. */
  configuredRegistries: ConfiguredRegistry[];
  /** Entries of the app's node_modules/.bin that a start would run in place of node, npm, npx or sh (SEN111). */
  shadowedCommands: ShadowedCommandFact[];
  /**
   * Keys of plugin entries egg's loader never reads (`sentinel: { enable, package, failOn }`'s failOn), by the file that
   * set them; absent where no entry has any.
   */
  unreadPluginKeys?: Array<UnreadPluginKeys & { plugin: string; package?: string }>;
}

export type PluginSwitches = { set: false } | {
  set: true;
  enabled: string[];
  disabled: string[];
  error?: string;
  /** Plugins whose `enable` is a string (egg-scripts passes `--plugins.x.enable=false` as "false"), which egg reads as enabled. */
  stringEnable?: string[];
};

export const DEFAULT_LOCAL_ROOTS: readonly string[] = [ 'lib/plugin', 'app/plugin' ];

/** egg-sentinel's own package directory (this file is lib/facts/plugins.{ts,js}). */
const SELF_DIR = realPathLoose(path.resolve(__dirname, '../..'));

/** The part of the plugin trust facts read from the installed files alone, which the agent prepares for the workers. */
export type InstalledPluginFacts = Pick<PluginTrustFacts, 'plugins' | 'frameworks' | 'manifest'>;

export interface InstalledPluginInput {
  baseDir: string;
  eggPaths: readonly string[];
  /** The framework directory egg-utils' getFrameworkPath gave egg (its `options.framework`), when known. */
  framework?: string;
  /** Every plugin egg knows; only the enabled ones are judged. */
  plugins: readonly CollectedPlugin[];
  options: SentinelPluginsConfig;
  /** `config.sentinel.rules`: the work of a rule that is off is skipped. */
  ruleOverrides: Readonly<Record<string, string>>;
  display(file: string): string;
}

export interface PluginTrustInput extends InstalledPluginInput {
  /** Real node_modules directories the app and its framework resolve from (runtime facts' appModuleRoots). */
  moduleRoots: readonly string[];
  /** Those above the app another user may have filled (runtime facts' untrustedModuleRoots). */
  untrustedModuleRoots?: ReadonlyArray<{ dir: string; why: string }>;
  configMeta: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  /** The environment the process started with (lib/facts/start-env.ts); absent where unknown (not Linux). */
  startEnv?: NodeJS.ProcessEnv;
  /** egg's `options.plugins` now (any JSON value). */
  startPlugins?: unknown;
  /** egg-cluster's start options as the worker was forked with them (lib/facts/start-env.ts); absent where unknown. */
  startOptions?: Record<string, unknown>;
  /** The merged config: a configMeta leaf over a non-empty object is looked up in `configFiles`. */
  config?: Record<string, unknown>;
  /** The config files egg loaded, in its order, with what each exported (read on demand). */
  configFiles?(): ReadonlyArray<{ file: string; config: unknown }>;
  /** Guarded keys changed by code during boot, and the recorded writes (lib/boot-app.ts). */
  codeChanges?: CodeChanges;
}

/** What manifest verification found: the manifest's state and each enabled plugin's result. */
interface ManifestResults {
  manifest: ManifestStateFact;
  plugins: Record<string, PluginManifestFact>;
}

/** An enabled plugin with its real directory and where that is. */
interface LocatedPlugin {
  fact: PluginFact;
  realPath: string;
  location: PluginLocation;
}

function locatePlugins(plugins: readonly PluginFact[], baseDir: string): LocatedPlugin[] {
  const realBaseDir = realPathLoose(baseDir);
  return plugins.filter(plugin => plugin.enable && plugin.path).map(fact => {
    const realPath = realPathLoose(fact.path as string);
    return { fact, realPath, location: locationOf(realPath, realBaseDir) };
  });
}

function locationOf(realPath: string, realBaseDir: string): PluginLocation {
  const installedBy = installingProjectDir(realPath);
  return isInside(realBaseDir, realPath) || (realPath === SELF_DIR && !installedBy) ? 'project' : installedBy ? 'package' : 'local';
}

/** `installed`: what the agent prepared for this boot (lib/facts/handover.ts); collected here when absent. */
export function collectPluginTrustFacts(input: PluginTrustInput, installed = collectInstalledPluginFacts(input)): PluginTrustFacts {
  const eggPluginsChange = changedSinceStart('EGG_PLUGINS', input.env, input.startEnv);
  const startPluginsChange = startPluginsChanged(input.startPlugins, input.startOptions);
  const unreadPluginKeys = input.plugins.flatMap(plugin => (plugin.unreadKeys ?? []).map(unread => ({ plugin: plugin.name, package: plugin.package, ...unread })));
  return {
    ...installed,
    // This process's own: egg-mock gives the app a framework dir (and so module roots) the agent does not have.
    trustedRoots: moduleRootsTrust(input, installed.plugins),
    envPlugins: envPluginsFact(input.env.EGG_PLUGINS),
    ...(eggPluginsChange && { envPluginsAtStart: envPluginsFact(eggPluginsChange.atStart) }),
    startPlugins: startOptionPlugins(input.startPlugins),
    ...(startPluginsChange && { startPluginsAtStart: startOptionPlugins(startPluginsChange.atStart) }),
    pluginSetKeys: input.ruleOverrides.SEN108 !== 'off' ? pluginSetKeys(input) : [],
    ...(input.codeChanges && input.ruleOverrides.SEN108 !== 'off' && { codeSetKeys: codeSetKeys(input, input.codeChanges) }),
    configuredRegistries: input.ruleOverrides.SEN103 !== 'off' ? readConfiguredRegistries(input.baseDir, input.env) : [],
    shadowedCommands: input.ruleOverrides.SEN111 !== 'off' ? shadowedCommands(input.baseDir, input.env.PATH ?? '') : [],
    ...(unreadPluginKeys.length && { unreadPluginKeys }),
  };
}

function moduleRootsTrust(input: PluginTrustInput, plugins: readonly PluginTrustFact[]): PluginTrustFacts['trustedRoots'] {
  const baseDir = realPathLoose(input.baseDir);
  const owner = appOwner(baseDir);
  // Inside the app: the app's own. Above it (a monorepo's root, a test runner's checkout): only as trusted as its
  // owner, and so is each plugin directory there (one another user made in a node_modules this user keeps).
  const refused = [ ...input.untrustedModuleRoots ?? [], ...plugins.flatMap(plugin => {
    const why = isInside(plugin.realPath, baseDir) ? undefined : ownershipProblem(plugin.realPath, owner);
    return why ? [{ dir: plugin.realPath, why }] : [];
  }) ];
  const local = (input.options.localRoots ?? DEFAULT_LOCAL_ROOTS).map(dir => realPathLoose(path.resolve(input.baseDir, dir)));
  const localOutsideApp = local.filter(dir => !isInside(dir, baseDir));
  return {
    nodeModules: input.moduleRoots.filter(dir => dir !== baseDir && !refused.some(root => root.dir === dir)),
    local,
    ...(refused.length && { refused }),
    ...(localOutsideApp.length && { localOutsideApp }),
  };
}

/** Locations, lockfile entries, install hooks, manifest results and writable code: file reads and hashing, no config. */
export function collectInstalledPluginFacts(input: InstalledPluginInput): InstalledPluginFacts {
  const ruleOn = (id: string) => input.ruleOverrides[id] !== 'off';
  const located = locatePlugins(input.plugins, input.baseDir);
  const manifestResults = !ruleOn('SEN104') ? { manifest: { state: 'absent' as const }, plugins: {} } :
    verifyManifest(input.baseDir, located);
  const lockfiles = new Map<string, Lockfile | LockfileError>();
  const owner = appOwner(input.baseDir);
  return {
    plugins: located.map(({ fact, realPath, location }) => {
      const pkg = readPackageJson(realPath);
      const packageName = pkg?.name ?? fact.package;
      const installed = location === 'package';
      const workspace = location === 'local' && ruleOn('SEN101') ? workspacePackage(realPath, packageName, lockfiles, input, owner) : undefined;
      const closure = (installed && ruleOn('SEN103')) || (location !== 'project' && ruleOn('SEN105') && input.options.deep === true) ?
        dependencyClosure(realPath) : [];
      // SEN105 asks the lockfile too: an install script the package erased once it ran is still recorded there.
      const lock = installed && (ruleOn('SEN103') || ruleOn('SEN105')) ? lockFact(realPath, packageName, pkg?.version, lockfiles, input, owner) : undefined;
      const lockedScript = (dir: string, name: string | undefined, version: string | undefined) =>
        (dir !== realPath ? lockedEntry(dir, name, version, lockfiles, input, owner)?.entry :
          lock?.state === 'locked' && !lock.within ? lock.entry : undefined)?.installScript;
      return {
        name: fact.name,
        package: packageName,
        configuredPackage: fact.package !== undefined && fact.package !== packageName ? fact.package : undefined,
        version: pkg?.version ?? fact.version,
        realPath,
        displayPath: input.display(realPath),
        from: fact.from ?? '<unknown>',
        location,
        lock: lock && ruleOn('SEN103') ? lock : { state: 'not-applicable' },
        ...(installed && ruleOn('SEN103') && { dependencySources: dependencySources(closure, lockfiles, input, owner) }),
        installScripts: location !== 'project' && ruleOn('SEN105') ? installScripts(realPath, input.options.deep === true ? closure : [], input.display, lockedScript) : [],
        manifest: manifestResults.plugins[fact.name] ?? { state: 'not-checked' },
        writableCode: location !== 'project' && ruleOn('SEN110') ? findWritableCode(realPath, { display: input.display, appOwnerUid: owner }) : undefined,
        ...workspace && { workspace },
      };
    }),
    frameworks: frameworkFacts(input, lockfiles, owner),
    manifest: manifestResults.manifest,
  };
}

/**
 * Each framework egg loads, the app's first: where it lives, its lockfile entry and what of it other users can change.
 * The app's is the directory egg-utils' getFrameworkPath gave egg (`input.framework`), which joins a name to a
 * node_modules path (`"../../fw"` leaves it) and takes an absolute one as it is; below it, each framework whose
 * Application class the one above extends (egg-core's eggPaths), which that one required from its node_modules.
 */
function frameworkFacts(input: InstalledPluginInput, lockfiles: Map<string, Lockfile | LockfileError>, owner: number | undefined): FrameworkTrustFact[] {
  const ruleOn = (id: string) => input.ruleOverrides[id] !== 'off';
  const realBaseDir = realPathLoose(input.baseDir);
  const app = readPackageJsonAt(input.baseDir);
  const egg = app?.egg && typeof app.egg === 'object' ? app.egg as Record<string, unknown> : {};
  const named = typeof egg.framework === 'string' && egg.framework ? egg.framework : undefined;
  // Where node, and egg-utils for the app's framework, find a package: the node_modules up from the app, the working
  // directory's, and node's global folders (NODE_PATH, which SEN306 judges).
  const appModules = [ ...nodeModulesDirs(input.baseDir), path.join(process.cwd(), 'node_modules'), ...globalModuleDirs(process.env) ];
  // egg-core lists egg first and the framework whose Application the app runs last.
  const chain = input.eggPaths.filter(dir => !TEST_HARNESS_DIR.test(dir)).map(dir => realPathLoose(frameworkPackageDir(dir))).reverse();
  const dirs = [ ...new Set([ ...input.framework ? [ realPathLoose(input.framework) ] : [], ...chain ]) ];
  return dirs.map((realPath, index): FrameworkTrustFact => {
    const pkg = readPackageJson(realPath);
    const above = index ? dirs[index - 1] : undefined;
    const setBy: FrameworkSetter = above ? { key: 'framework', framework: readPackageJson(above)?.name ?? input.display(above) } :
      named !== undefined && appModules.some(dir => realPathLoose(path.join(dir, named)) === realPath) ? { key: 'package.json', value: named } :
        named === undefined && pkg?.name === 'egg' ? { key: 'default' } : { key: 'start-options' };
    const location = locationOf(realPath, realBaseDir);
    // The node_modules in which `require(<its name>)` from the app, or from the framework above, finds this directory.
    const searched = [ ...new Set([ ...appModules, ...above ? nodeModulesDirs(above) : [] ]) ];
    const root = pkg?.name === undefined ? undefined : searched.find(dir => realPathLoose(path.join(dir, pkg.name as string)) === realPath);
    const refused = root === undefined ? undefined : untrustedModuleRoots([ realPathLoose(root) ], input.baseDir)[0];
    const workspace = root === undefined && location === 'local' && ruleOn('SEN101') ? workspacePackage(realPath, pkg?.name, lockfiles, input, owner) : undefined;
    // The app names its own framework: a package it does not declare is whatever that node_modules holds.
    const undeclared = !above && setBy.key !== 'default' && !(pkg?.name && declaresDependency(app, pkg.name));
    const place: FrameworkPlaceFact = root === undefined ? (workspace ? { state: 'workspace', workspace } : { state: 'elsewhere' }) :
      refused ? { state: 'refused', ...refused } : undeclared ? { state: 'undeclared', root } : { state: 'installed', root };
    return {
      package: pkg?.name,
      version: pkg?.version,
      realPath,
      displayPath: input.display(realPath),
      setBy,
      location,
      place,
      lock: location === 'package' && ruleOn('SEN103') ? lockFact(realPath, pkg?.name, pkg?.version, lockfiles, input, owner) : { state: 'not-applicable' },
      writableCode: location !== 'project' && ruleOn('SEN110') ? findWritableCode(realPath, { display: input.display, appOwnerUid: owner }) : undefined,
    };
  });
}

/** Compares every enabled plugin (project plugins aside) with the app's manifest; the expensive part: hashing. */
function verifyManifest(baseDir: string, plugins: readonly LocatedPlugin[]): ManifestResults {
  let manifest: PluginManifest;
  try {
    const read = readManifest(baseDir);
    if (!read) return { manifest: { state: 'absent' }, plugins: {} };
    manifest = read.manifest;
  } catch (error) {
    if (error instanceof ManifestError) return { manifest: { state: 'invalid', error: error.message }, plugins: {} };
    throw error;
  }
  const results: Record<string, PluginManifestFact> = {};
  for (const { fact, realPath, location } of plugins) {
    if (location === 'project') continue;
    const entry = Object.hasOwn(manifest.plugins, fact.name) ? manifest.plugins[fact.name] : undefined;
    if (!entry) {
      results[fact.name] = { state: 'not-pinned' };
      continue;
    }
    try {
      // At the depth it was pinned: closures a shallow manifest never recorded would all read as added (SEN104 says so once).
      const drift = verifyPlugin(entry, realPath, baseDir, manifest.deep);
      results[fact.name] = hasDrift(drift) ? { state: 'drift', drift } : { state: 'matches' };
    } catch (error) {
      results[fact.name] = { state: 'unreadable', error: (error as Error).message };
    }
  }
  return { manifest: { state: 'present', deep: manifest.deep, envs: manifest.envs }, plugins: results };
}

/**
 * The project that installed the package in `realDir` and the lockfile at or above it: where the package really is
 * or, with no lockfile there, where the app reaches it, through its node_modules link to a directory the releases
 * share (Capistrano's `shared/node_modules`), whose release's lockfile pins it.
 */
function installingLockfile(baseDir: string, realDir: string): { projectDir?: string; found?: ReturnType<typeof findLockfile> } {
  const projectDir = installingProjectDir(realDir);
  const found = projectDir === undefined ? undefined : findLockfile(projectDir);
  if (found) return { projectDir, found };
  const linkedDir = installingProjectDir(throughAppModules(realPathLoose(baseDir), realDir));
  const linked = linkedDir === undefined || linkedDir === projectDir ? undefined : findLockfile(linkedDir);
  return linked ? { projectDir: linkedDir, found: linked } : { projectDir };
}

function lockFact(realPath: string, packageName: string | undefined, version: string | undefined, cache: Map<string, Lockfile | LockfileError>,
  input: InstalledPluginInput, appOwnerUid: number | undefined): PluginLockFact {
  const { projectDir, found } = installingLockfile(input.baseDir, realPath);
  if (!found) return { state: 'no-lockfile', projectDir: projectDir as string };
  const lockfile = governingLockfile(found, cache, input, appOwnerUid);
  if (lockfile instanceof LockfileError) return { state: 'unreadable', lockfile: found.file, error: lockfile.message };
  const enclosing = installedPackageAt(realPath);
  const inside = enclosing !== undefined && enclosing.dir !== realPath;
  const outer = inside ? readPackageJson(enclosing.dir) : undefined;
  // Inside a directory of node_modules that no package names, as in one no install made: its own name vouches for nothing.
  if (inside && !outer?.name) return { state: 'nameless', lockfile: found.file };
  if (enclosing && outer?.name) {
    // The install put the enclosing package there, with the plugin's files in it: its entry pins them.
    const within = { package: outer.name, ...(outer.version !== undefined && { version: outer.version }) };
    const entry = lockfile.find(within.package, enclosing.dir, within.version);
    return entry ? { state: 'locked', lockfile: found.file, entry, within } : { state: 'not-listed', lockfile: found.file, within };
  }
  if (!packageName) return { state: 'nameless', lockfile: found.file };
  const entry = lockfile.find(packageName, realPath, version);
  return entry ? { state: 'locked', lockfile: found.file, entry } : { state: 'not-listed', lockfile: found.file };
}

/**
 * Whether the lockfile at or above the app vouches for a `local` plugin as a package of its workspace: the plugin lies
 * inside the lockfile's directory (the workspace root), the lockfile, read as SEN103 reads it, records that directory as
 * a link (npm's `"link": true`: the project's own source), and the app's package.json declares its package as a
 * dependency. Undefined for a plugin that is no package the lockfile links, or with no lockfile above the app.
 */
function workspacePackage(realPath: string, packageName: string | undefined, cache: Map<string, Lockfile | LockfileError>,
  input: InstalledPluginInput, appOwnerUid: number | undefined): WorkspacePackageFact | undefined {
  const found = findLockfile(input.baseDir);
  if (!found || !isInside(realPath, realPathLoose(path.dirname(found.file)))) return undefined;
  const lockfile = input.display(found.file);
  const governing = governingLockfile(found, cache, input, appOwnerUid);
  if (governing instanceof LockfileError) return { lockfile, problem: governing.message };
  if (!packageName || !governing.find(packageName, realPath)?.link) return undefined;
  // Declared by the app, or by its framework (a workspace framework enables the workspace plugins it depends on).
  const declaring = [ input.baseDir, ...input.eggPaths.map(frameworkPackageDir) ];
  return declaring.some(dir => readPackageJson(dir)?.productionDependencies.includes(packageName)) ? { lockfile } :
    { lockfile, problem: `neither the app's package.json nor its framework's declares ${packageName} in its dependencies` };
}

/**
 * The remote URLs the lockfile of each package in `closure` records for it. Packages without a lockfile, or whose
 * lockfile cannot be read or vouch (reported for the plugin itself), have no entry to judge.
 */
function dependencySources(closure: readonly InstalledPackage[], cache: Map<string, Lockfile | LockfileError>, input: InstalledPluginInput,
  appOwnerUid: number | undefined): DependencySourceFact[] {
  return closure.flatMap(({ dir, pkg: { name, version } }) => {
    const found = lockedEntry(dir, name, version, cache, input, appOwnerUid);
    if (!found?.entry || !name) return [];
    // A store copy several entries may stand for: each of their sources is judged (each once).
    return resolvedSources(found.entry).flatMap(resolved => (/^[a-z][a-z0-9+.-]*:/i.test(resolved) && !resolved.startsWith('file:') ?
      [{ package: name, version, resolved, lockfile: found.lockfile }] : []));
  });
}

/** The entry of the lockfile that installed the package in `dir`, with that lockfile, when one lists it. */
function lockedEntry(dir: string, name: string | undefined, version: string | undefined, cache: Map<string, Lockfile | LockfileError>,
  input: InstalledPluginInput, appOwnerUid: number | undefined): { entry: LockEntry; lockfile: string } | undefined {
  const { found } = installingLockfile(input.baseDir, dir);
  const lockfile = found && governingLockfile(found, cache, input, appOwnerUid);
  const entry = !found || !lockfile || lockfile instanceof LockfileError || !name ? undefined : lockfile.find(name, dir, version);
  return entry && found && { entry, lockfile: found.file };
}

function governingLockfile(found: { file: string; kind: Parameters<typeof readLockfile>[1] }, cache: Map<string, Lockfile | LockfileError>,
  input: InstalledPluginInput, appOwnerUid: number | undefined): Lockfile | LockfileError {
  let lockfile = cache.get(found.file);
  if (!lockfile) {
    // Above the app (a workspace root), a lockfile another user can write vouches for what that user installed.
    const why = isInside(realPathLoose(found.file), realPathLoose(input.baseDir)) ? undefined : ownershipProblem(found.file, appOwnerUid);
    lockfile = why ? new LockfileError(`${input.display(found.file)}, outside the app, is ${why}: it vouches for whatever ` +
      'that user installed. Keep the lockfile this user\'s or root\'s and writable by no one else (chown, chmod go-w)') : readLockfileOrError(found);
    cache.set(found.file, lockfile);
  }
  return lockfile;
}

function readLockfileOrError(found: { file: string; kind: Parameters<typeof readLockfile>[1] }): Lockfile | LockfileError {
  try {
    return readLockfile(found.file, found.kind);
  } catch (error) {
    if (error instanceof LockfileError) return error;
    throw error;
  }
}

const INSTALL_HOOKS = [ 'preinstall', 'install', 'postinstall' ];

/** `closure`: the plugin's production dependency closure with `plugins.deep`, else none. */
function installScripts(realPath: string, closure: readonly InstalledPackage[], display: (file: string) => string,
  lockedScript: (dir: string, name: string | undefined, version: string | undefined) => LockEntry['installScript']): InstallScriptFact[] {
  const packages = [ { dir: realPath, pkg: readPackageJson(realPath) }, ...closure ];
  return packages.flatMap(({ dir, pkg }) => {
    const hooks = INSTALL_HOOKS.filter(hook => pkg?.scripts[hook]).map(hook => `${hook}: ${pkg?.scripts[hook]}`);
    if (fs.existsSync(path.join(dir, 'binding.gyp'))) hooks.push('binding.gyp');
    // A script that ran at install, then rewrote package.json without it (and deleted itself), as malware does.
    const erased = hooks.length ? undefined : lockedScript(dir, pkg?.name, pkg?.version);
    return hooks.length || erased ? [{ package: pkg?.name ?? path.basename(dir), path: display(dir), hooks, ...(erased && { erased }) }] : [];
  });
}

function envPluginsFact(value: string | undefined): PluginSwitches {
  if (!value) return { set: false };
  let parsed: unknown;
  try {
    // As egg: JSON.parse; `__proto__` keys are dropped, not merged.
    parsed = secureJsonParse(value, null, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (error) {
    return { set: true, enabled: [], disabled: [], error: (error as Error).message };
  }
  return pluginSwitches(parsed);
}

export const MOCK_PACKAGES: readonly string[] = [ 'egg-mock', '@eggjs/mock' ];

const pathOf = (entry: unknown) => (entry && typeof entry === 'object' ? (entry as { path?: unknown }).path : undefined);

/** The entry egg-mock (and @eggjs/mock) adds to the start options' plugins of every app it boots: itself, as `egg-mock`. */
function isMockEntry([ name, entry ]: [ string, unknown ]): boolean {
  const dir = pathOf(entry);
  return name === 'egg-mock' && typeof dir === 'string' && MOCK_PACKAGES.includes(readPackageJson(realPathLoose(dir))?.name ?? '');
}

/**
 * Whether egg-mock booted the app (mm.app(), mm.cluster(): egg-bin test), as its enabled entry in the start options'
 * plugins says, as egg-cluster forked the process with them where it did (code can edit app.options.plugins); a
 * production launcher (egg-scripts) passes none.
 */
export function bootedByEggMock(current: unknown): boolean {
  const plugins = startPluginsChanged(current)?.atStart ?? current;
  return Boolean(plugins) && typeof plugins === 'object' && Object.entries(plugins as Record<string, unknown>)
    .some(entry => isMockEntry(entry) && (entry[1] as { enable?: unknown }).enable !== false);
}

/**
 * The start options' plugins, without what egg-mock (and @eggjs/mock) add to every app they boot: themselves as
 * `egg-mock`, and the plugin under test (the working directory's package). egg-mock loaded in production is SEN606's.
 */
function startOptionPlugins(plugins: unknown): PluginSwitches {
  if (!plugins || typeof plugins !== 'object') return { set: false };
  const entries = Object.entries(plugins as Record<string, unknown>);
  const own = entries.some(isMockEntry) ? entries.filter(([ name, entry ]) => name !== 'egg-mock' && pathOf(entry) !== process.cwd()) : entries;
  return own.length ? pluginSwitches(Object.fromEntries(own)) : { set: false };
}

/** The plugins a `{ name: true | false | { enable, path, package } }` list turns on and off, as egg-core merges it. */
function pluginSwitches(parsed: unknown): PluginSwitches {
  const entries = parsed && typeof parsed === 'object' ? Object.entries(parsed as Record<string, unknown>) : [];
  const enabled = (entry: unknown) => entry === true || (Boolean(entry) && typeof entry === 'object' && (entry as { enable?: unknown }).enable !== false);
  const stringEnable = entries.filter(([ , entry ]) => Boolean(entry) && typeof (entry as { enable?: unknown }).enable === 'string').map(([ name ]) => name);
  return {
    set: true,
    enabled: entries.filter(([ , entry ]) => enabled(entry)).map(([ name ]) => name),
    disabled: entries.filter(([ , entry ]) => !enabled(entry)).map(([ name ]) => name),
    ...(stringEnable.length && { stringEnable }),
  };
}

type PluginOwner = { name: string; package?: string } | undefined;

/**
 * Who owns a file: the enabled plugin whose directory holds it (the innermost load unit wins), or undefined for the
 * app and its framework. The app's own local plugins (inside the app root, not in node_modules) count as the app.
 */
function fileOwners(input: PluginTrustInput): (file: string) => PluginOwner {
  const pluginUnits = input.plugins.filter(plugin => plugin.enable && plugin.path && !isAppFile(input.baseDir, path.resolve(plugin.path))).flatMap(plugin => {
    const dirs = new Set([ path.resolve(plugin.path as string), realPathLoose(plugin.path as string) ]);
    const owner = { name: plugin.name, package: readPackageJson(plugin.path as string)?.name ?? plugin.package };
    return [ ...dirs ].map(dir => ({ dir, plugin: owner }));
  });
  // The app root also by its real path, which egg records files by when it is started through a symlink (`current`).
  const units = [
    ...pluginUnits,
    ...[ input.baseDir, realPathLoose(input.baseDir), ...input.eggPaths ].map(dir => ({ dir: path.resolve(dir), plugin: undefined })),
  ].sort((a, b) => b.dir.length - a.dir.length);
  // configMeta names the same few files for thousands of keys: place each file once.
  const ownerOfFile = new Map<string, PluginOwner>();
  return file => {
    if (!ownerOfFile.has(file)) ownerOfFile.set(file, units.find(unit => isInside(file, unit.dir))?.plugin);
    return ownerOfFile.get(file);
  };
}

/**
 * Every config leaf whose file (egg's configMeta) lies in an enabled plugin's directory. configMeta records an empty
 * object as a leaf (egg-core's setConfig): the app's `security: { csrf: {} }` claims `security.csrf` while a plugin's
 * `csrf.ignore` stays in the value. Under such a leaf the files egg loaded say who set what.
 */
function pluginSetKeys(input: PluginTrustInput): PluginSetKeyFact[] {
  const ownerOf = fileOwners(input);
  const found: PluginSetKeyFact[] = [];
  const add = (keyPath: string, file: string) => {
    const plugin = ownerOf(file);
    if (plugin) found.push({ keyPath, file: input.display(file), plugin: plugin.name, package: plugin.package });
  };
  let files: ReadonlyArray<{ file: string; config: unknown }> | undefined;
  const walk = (node: unknown, value: unknown, keyPath: string): void => {
    if (typeof node === 'string') {
      if (!path.isAbsolute(node)) return;
      if (isPlainObject(value) && Object.keys(value).length) {
        files ??= input.configFiles?.() ?? [];
        const setters = lastSetters(files, keyPath);
        // No file to read (egg 4 imports ES modules egg-sentinel cannot see): what configMeta says.
        if (!setters.size) add(keyPath, node);
        for (const [ leaf, file ] of setters) add(leaf, file);
      } else add(keyPath, node);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [ key, child ] of Object.entries(node)) walk(child, isPlainObject(value) ? value[key] : undefined, keyPath ? `${keyPath}.${key}` : key);
  };
  walk(input.configMeta, input.config, '');
  return found;
}

/** The file that last set each leaf under `keyPath`, merging the files' exports as egg does (extend2: undefined sets nothing). */
function lastSetters(files: ReadonlyArray<{ file: string; config: unknown }>, keyPath: string): Map<string, string> {
  const setters = new Map<string, string>();
  const merge = (node: Record<string, unknown>, at: string, file: string) => {
    for (const [ key, value ] of Object.entries(node)) {
      const leaf = `${at}.${key}`;
      if (value === undefined) continue;
      if (isPlainObject(value)) {
        merge(value, leaf, file);
        continue;
      }
      for (const set of setters.keys()) if (set.startsWith(`${leaf}.`)) setters.delete(set);
      setters.set(leaf, file);
    }
  };
  for (const { file, config } of files) {
    const node = keyPath.split('.').reduce<unknown>((parent, key) => (isPlainObject(parent) ? parent[key] : undefined), config);
    if (isPlainObject(node)) merge(node, keyPath, file);
  }
  return setters;
}

/**
 * The plugins' writes that changed each guarded key during boot, after the last write of the app's own code or its
 * framework (which may set anything, and wins) covering it.
 */
function codeSetKeys(input: PluginTrustInput, changes: CodeChanges): CodeSetKeyFact[] {
  const ownerOf = fileOwners(input);
  // Stack frames name real paths; the app root may be reached through a symlink.
  const appRoots = [ ...new Set([ path.resolve(input.baseDir), realPathLoose(input.baseDir) ]) ];
  const frameworks = input.eggPaths.flatMap(dir => [ path.resolve(dir), realPathLoose(dir) ]);
  const appsOwn = (file: string) => appRoots.some(root => isInside(file, root) && !path.relative(root, file).split(path.sep).includes('node_modules')) ||
    frameworks.some(dir => isInside(file, dir));
  // The innermost frame of the app, its framework or a plugin: the library it called to write (koa-session filling
  // in its options) acts for it. Not egg-sentinel's: another copy's recording proxy (the app's, under the audit's) passes writes on.
  const writer = (write: ConfigWrite) => write.stack.find(file => {
    const plugin = ownerOf(file);
    return plugin ? plugin.package !== 'egg-sentinel' : appsOwn(file);
  }) ?? write.file;
  // Only a write a plugin's own code made: a change no recorded write explains (code holding the object from before
  // egg-sentinel's hook) and a write whose stack names no plugin (egg 4's ES module frames, a library the framework
  // calls) say nothing of who made them, and egg 4's own plugins make such changes to their keys at every boot.
  const writersOf = (keyPath: string) => changes.writes.filter(write => writeCovers(write.keyPath, keyPath)).map(writer);
  const lastOwn = (writers: ReadonlyArray<string | undefined>) => writers.reduce((last, file, index) => (file !== undefined && appsOwn(file) ? index : last), -1);
  const seen = changes.changed.flatMap(keyPath => {
    const writers = writersOf(keyPath);
    return [ ...new Set(writers.slice(lastOwn(writers) + 1)) ].flatMap(file => {
      const plugin = file === undefined ? undefined : ownerOf(file);
      return file !== undefined && plugin ? [{ keyPath, file: input.display(file), plugin: plugin.name, package: plugin.package }] : [];
    });
  });
  // A change before egg-sentinel's hook stands unless the app's own code wrote the key since. A plugin whose config
  // function made it is named; a change only boot hooks may have made is the key's, with those hooks' plugins as suspects.
  const earlier = (changes.earlier ?? []).filter(change => lastOwn(writersOf(change.keyPath)) < 0).flatMap((change): CodeSetKeyFact[] => {
    const plugins = (change.by?.files ?? []).flatMap(file => {
      const plugin = ownerOf(file);
      return plugin ? [{ plugin: plugin.name, package: plugin.package, file: input.display(file) }] : [];
    });
    if (!plugins.length) return [{ keyPath: change.keyPath, file: '', earlier: 'unknown' }];
    if (change.by?.how === 'hook') return [{ keyPath: change.keyPath, file: '', earlier: 'hook', suspects: plugins }];
    return plugins.map(plugin => ({ keyPath: change.keyPath, ...plugin, earlier: change.by?.how }));
  });
  return [ ...seen, ...earlier ];
}
