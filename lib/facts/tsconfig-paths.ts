/**
 * The `paths` (and `baseUrl`) of the app's tsconfig.json that every require() follows in a TypeScript egg app: egg-core
 * (egg 3's, and @eggjs/core) registers tsconfig-paths when `EGG_TYPESCRIPT=true` or package.json has
 * `"egg": { "typescript": true }` and a tsconfig.json is in the app root, which patches Module._resolveFilename in the
 * agent and every worker: a request a pattern matches is looked up at its targets before node_modules.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { toDisplayPath } from './plugin-list';
import { eggCoreDir, findEggPackage } from './egg-version';
import { appOwner, projectedRealPath, readPackageJsonAt, realPathOrAbsolute, realPathOrUndefined } from './real-path';
import { folderProblem, type PathProblem } from './runtime';
import { setEnvVariable } from './start-env';

export interface TsconfigPathFact {
  /** The tsconfig file tsconfig-paths read (`tsconfig.json`; TS_NODE_PROJECT may name another), relative to the app when inside it. */
  file: string;
  /**
   * What sets the target: `compilerOptions.paths["*"][0]`, or for the match-all tsconfig-paths adds under a `baseUrl`
   * when `paths` has no `*`, `compilerOptions.baseUrl` (`TS_NODE_BASEURL` when that variable sets it).
   */
  key: string;
  /** The file of the `extends` chain whose own compilerOptions write the key, when it is not `file` (a monorepo's base config). */
  setIn?: string;
  /** The request pattern (`*`: every bare require). */
  pattern: string;
  /** The target as tsconfig-paths resolves it (absolute, with its `*`). */
  target: string;
  /** The real path of the directory (or, without a `*`, the file) the target looks in; projected when it does not exist yet. */
  modulePath: string;
  /** Why egg-core registers tsconfig-paths: `EGG_TYPESCRIPT=true` or package.json's `egg.typescript`. */
  registeredBy: string;
}

/** Where a mapping is written: `tsconfig.json compilerOptions.baseUrl`, or `../../tsconfig.base.json compilerOptions.baseUrl (extended by tsconfig.json)`. */
export function tsconfigKeyWhere(entry: Pick<TsconfigPathFact, 'file' | 'key' | 'setIn'>): string {
  return entry.setIn ? `${entry.setIn} ${entry.key} (extended by ${entry.file})` : `${entry.file} ${entry.key}`;
}

/** A file tsconfig-paths reads the paths from: the tsconfig, or a file of its `extends` chain. */
export interface TsconfigFileFact {
  /** The file, relative to the app when inside it. */
  file: string;
  /** The tsconfig tsconfig-paths starts from (`tsconfig.json`; TS_NODE_PROJECT may name another); undefined for that one itself. */
  extendedFrom?: string;
  /** Who other than the app's user and root can change it (or, missing, create it): they can add paths to it at any later fork. */
  problem?: PathProblem;
  /** As TsconfigPathFact's. */
  registeredBy: string;
}

/** What tsconfig-paths reads for the app: the tsconfig and its `extends` chain in the order it looks at them, and the targets of their paths. */
export interface TsconfigFacts {
  files: TsconfigFileFact[];
  paths: TsconfigPathFact[];
}

interface TsconfigPathsModule {
  loadConfig(cwd: string): { resultType: 'success' | 'failed'; configFileAbsolutePath?: string; absoluteBaseUrl?: string; paths?: unknown; addMatchAll?: boolean };
}

/** tsconfig-paths' own loader (lib/tsconfig-loader.js beside its lib/index.js in 4.x), which follows `extends` with the file functions it is given. */
interface TsconfigLoaderModule {
  loadTsconfig(file: string, existsSync: (file: string) => boolean, readFileSync: (file: string) => string): unknown;
}

/** The variables tsconfig-paths reads (from process.env): the tsconfig file (or its directory) and a baseUrl over the file's. */
const TSCONFIG_PATHS_VARIABLES = [ 'TS_NODE_PROJECT', 'TS_NODE_BASEURL' ] as const;

/**
 * Why egg-core registers tsconfig-paths for the app: `EGG_TYPESCRIPT=true` in `env` or package.json's `egg.typescript`,
 * with a tsconfig.json in the app root; undefined when it does not.
 */
export function tsconfigPathsRegisteredBy(baseDir: string, env: NodeJS.ProcessEnv): string | undefined {
  const registeredBy = env.EGG_TYPESCRIPT === 'true' ? 'EGG_TYPESCRIPT=true' :
    (readPackageJsonAt(baseDir)?.egg as { typescript?: unknown } | undefined)?.typescript ? 'package.json\'s "egg": { "typescript": true }' : undefined;
  return registeredBy && fs.existsSync(path.join(baseDir, 'tsconfig.json')) ? registeredBy : undefined;
}

/**
 * The real path of the tsconfig-paths module egg-core requires: the one beside the egg-core (@eggjs/core) of the egg
 * among the framework dirs `eggPaths`; undefined when any of them cannot be found.
 */
export function tsconfigPathsModuleFile(eggPaths: readonly string[]): string | undefined {
  const egg = findEggPackage(eggPaths);
  if (!egg) return undefined;
  try {
    return realPathOrUndefined(createRequire(path.join(eggCoreDir(egg), 'package.json')).resolve('tsconfig-paths'));
  } catch {
    return undefined;
  }
}

/**
 * What tsconfig-paths reads in this app, with the tsconfig-paths module at `moduleFile` (the one egg-core requires:
 * its own `extends`, JSON5 and TS_NODE_PROJECT/TS_NODE_BASEURL handling), which it runs: the files and every mapping
 * target; none when egg-core does not register it. `env` is the environment egg-core and tsconfig-paths read their
 * variables from (tsconfig-paths reads process.env, set to `env`'s values while it loads). Throws what tsconfig-paths
 * throws (a malformed tsconfig, a TS_NODE_PROJECT that does not exist), on which egg-core's register throws too.
 */
export function readTsconfig(baseDir: string, moduleFile: string, env: NodeJS.ProcessEnv): TsconfigFacts {
  const registeredBy = tsconfigPathsRegisteredBy(baseDir, env);
  if (!registeredBy) return { files: [], paths: [] };
  const loaded = withVariables(env, TSCONFIG_PATHS_VARIABLES, () => (createRequire(moduleFile)(moduleFile) as TsconfigPathsModule).loadConfig(baseDir));
  const { configFileAbsolutePath: configFile, absoluteBaseUrl, addMatchAll } = loaded;
  if (loaded.resultType !== 'success' || !configFile || !absoluteBaseUrl) return { files: [], paths: [] };
  const file = toDisplayPath(baseDir, configFile);
  const owner = appOwner(realPathOrAbsolute(baseDir));
  const chain = extendsChain(moduleFile, configFile);
  const files = chain.map((looked, index) => {
    const problem = folderProblem(looked, owner);
    return { file: toDisplayPath(baseDir, looked), ...(index > 0 && { extendedFrom: file }), ...(problem && { problem }), registeredBy };
  });
  const paths = loaded.paths && typeof loaded.paths === 'object' ? loaded.paths as Record<string, unknown> : {};
  const entries = Object.entries(paths).flatMap(([ pattern, targets ]) => (Array.isArray(targets) ? targets : []).flatMap((target, index) =>
    (typeof target === 'string' ? [{ key: `compilerOptions.paths[${JSON.stringify(pattern)}][${index}]`, pattern, target: path.resolve(absoluteBaseUrl, target) }] : [])));
  // tsconfig-paths' own match-all under a baseUrl (TypeScript's module resolution).
  if (addMatchAll && !Object.prototype.hasOwnProperty.call(paths, '*')) {
    entries.push({ key: env.TS_NODE_BASEURL ? 'TS_NODE_BASEURL' : 'compilerOptions.baseUrl', pattern: '*', target: `${absoluteBaseUrl.replace(/\/$/, '')}/*` });
  }
  const writers = entries.length ? optionWriters(moduleFile, chain) : {};
  return { files, paths: entries.map(entry => {
    const writer = entry.key === 'TS_NODE_BASEURL' ? undefined : writers[entry.key === 'compilerOptions.baseUrl' ? 'baseUrl' : 'paths'];
    return { file, ...(writer && writer !== configFile && { setIn: toDisplayPath(baseDir, writer) }), ...entry,
      modulePath: projectedRealPath(lookupPath(entry.target)), registeredBy };
  }) };
}

/** tsconfig-paths' loader beside `moduleFile`; undefined for a tsconfig-paths without one. */
function tsconfigLoader(moduleFile: string): TsconfigLoaderModule | undefined {
  try {
    return createRequire(moduleFile)('./tsconfig-loader') as TsconfigLoaderModule;
  } catch {
    return undefined;
  }
}

/**
 * For `paths` and `baseUrl`, the file of the `extends` chain (tsconfig first) whose own compilerOptions write it: the
 * nearest one whose value, as tsconfig-paths' loader merges it with what it extends, differs from the next file's. A
 * `baseUrl` is compared resolved (the loader rewrites an extended one relative to the extending file). None without the loader.
 */
function optionWriters(moduleFile: string, chain: string[]): Partial<Record<'paths' | 'baseUrl', string>> {
  const loader = tsconfigLoader(moduleFile);
  if (!loader) return {};
  // Each file of the chain read once, for both options.
  const merged = chain.filter(file => fs.existsSync(file)).map(file => {
    try {
      const options = (loader.loadTsconfig(file, fs.existsSync, read => fs.readFileSync(read, 'utf8')) as { compilerOptions?: Record<string, unknown> } | undefined)?.compilerOptions ?? {};
      return { file, options };
    } catch {
      return { file, options: undefined };
    }
  });
  const writer = (option: 'paths' | 'baseUrl') => {
    const values = merged.map(({ file, options }) => {
      const value = options?.[option];
      return options && JSON.stringify(option === 'baseUrl' && typeof value === 'string' ? path.resolve(path.dirname(file), value) : value);
    });
    return merged.find((_, index) => index === merged.length - 1 || values[index] !== values[index + 1])?.file;
  };
  return { paths: writer('paths'), baseUrl: writer('baseUrl') };
}

/**
 * readTsconfig with the tsconfig-paths of the egg-core the framework dirs' egg requires (egg-core loaded it already
 * when it registered it); none when that cannot be found, or the tsconfig no longer reads (egg-core read it at start).
 */
export function registeredTsconfig(baseDir: string, eggPaths: readonly string[], env: NodeJS.ProcessEnv): TsconfigFacts {
  const moduleFile = tsconfigPathsModuleFile(eggPaths);
  try {
    return moduleFile === undefined ? { files: [], paths: [] } : readTsconfig(baseDir, moduleFile, env);
  } catch {
    return { files: [], paths: [] };
  }
}

/**
 * The files tsconfig-paths' loader beside `moduleFile` looks at when it reads `configFile` and follows its `extends`,
 * in that order, `configFile` first: each one it reads, and each one it looks for and does not find (another user
 * who can create it there adds it to the chain). Only `configFile` from a tsconfig-paths without that loader.
 */
function extendsChain(moduleFile: string, configFile: string): string[] {
  const looked = new Set([ configFile ]);
  const exists = (file: string) => {
    looked.add(path.resolve(file));
    return fs.existsSync(file);
  };
  try {
    tsconfigLoader(moduleFile)?.loadTsconfig(configFile, exists, file => fs.readFileSync(file, 'utf8'));
  } catch {
    // No such loader, or a file changed since loadConfig read the chain: what it looked at until then.
  }
  return [ ...looked ];
}

/** `run()` with process.env's `names` set as in `env` (deleted where `env` has none), restored after. */
function withVariables<T>(env: NodeJS.ProcessEnv, names: readonly string[], run: () => T): T {
  const saved = names.map(name => [ name, process.env[name] ] as const);
  for (const name of names) setEnvVariable(name, env[name]);
  try {
    return run();
  } finally {
    for (const [ name, value ] of saved) setEnvVariable(name, value);
  }
}

/** Where a target looks: the directory its `*` is in (`/srv/shared/*` → `/srv/shared`, `/srv/lib-*` → `/srv`), or the target itself. */
function lookupPath(target: string): string {
  const star = target.indexOf('*');
  return star === -1 ? target : path.dirname(`${target.slice(0, star)}_`);
}
