/**
 * Process-level facts for the configuration rules: which values came from the environment, the node flags every
 * worker inherits, prototype pollution and what EGG_APP_CONFIG overrides.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import secureJsonParse from 'secure-json-parse';
import { valuesReadFromEnvironment } from '../env';
import { DESCRIPTIVE_VARIABLES } from '../secrets';
import { isPreflightLoaded } from '../process-marks';
import { appOwner, inWrittenDir, isInside, nodeModulesDirs, ownershipProblem, projectedRealPath, readPackageJsonAt, realPathOrAbsolute, realPathOrUndefined, safeReaddir, statProblem, untrustedModuleRoots } from './real-path';
import { clusterRequireFlags } from './cluster-options';
import { envConfigKeyPaths } from './plugin-list';
import { escapeRegExp } from '../regexp';
import { environmentSecretValues } from '../secrets';
import { registeredTsconfig, type TsconfigFileFact, type TsconfigPathFact } from './tsconfig-paths';

export interface NodeFlagFact {
  /**
   * `NODE_OPTIONS`, `execArgv` (the command line; egg-cluster forks workers with the master's) or `environment` (a
   * variable node reads: CODE_FILE_VARIABLES, TRUST_FILE_VARIABLES, NODE_TLS_REJECT_UNAUTHORIZED, and NODE_PATH, one
   * fact per directory it lists; `name` is the variable's), or `start options`: an entry of egg-cluster's `require`
   * option in an agent or app worker's options argument (`name` is `require`), which the worker requires before egg.
   */
  source: 'NODE_OPTIONS' | 'execArgv' | 'environment' | 'start options';
  /** The flag without its value, as node reads it (`--inspect_brk` is `--inspect-brk`): `--inspect`, `--require`, `-r`. */
  name: string;
  value?: string;
  /**
   * For module-loading flags: the real path the module resolves to from the working directory, when it resolves; for
   * the flags and variables of a file or directory node reads (CODE_FILE_FLAGS, CODE_FILE_VARIABLES,
   * TRUST_FILE_VARIABLES, NODE_PATH), its real path.
   */
  modulePath?: string;
  /**
   * A file or directory of the system's own for its kind (an OpenSSL config, a CA bundle, a global node_modules: in
   * SYSTEM_DIRS, owned by root, writable by root only).
   */
  systemOwned?: boolean;
  /**
   * For the flags that make node dump a diagnostic report or a heap snapshot (DIAGNOSTIC_DUMPS): the file it writes,
   * its directory's real path (projected, when missing) and its name (`--report-filename`, or node's pattern, as
   * `Heap.<date>.<time>.<pid>.<thread>.<seq>.heapsnapshot`). Undefined for a report node prints (`--report-filename stdout`).
   */
  dumpFile?: string;
  /**
   * For the dynamic loader's variables (LOADER_VARIABLES): the library or directory as it is judged (its real path, or
   * where it would be; a bare library name, where ld.so finds it) and who can change it: `system`, root alone, in a
   * system library dir (SYSTEM_LIBRARY_DIRS, the dirs /etc/ld.so.conf lists); `root`, root alone, elsewhere (a vendor's
   * SDK under /opt); `user`, this process's user or the app's owner (`missing`: it does not exist, or a bare name is
   * found nowhere, and that owner alone could create it); else where and why another user can (describePathProblem;
   * for a directory, also a library in it another user can change).
   * Not judged (`unjudged`): `relative`, a relative path or an empty LD_LIBRARY_PATH entry, which ld.so resolves
   * against each process's own working directory (every program the app runs, wherever it runs it), not the app's;
   * `token`, a value with a dynamic string token (`$ORIGIN`, `$LIB`, `$PLATFORM`), which ld.so expands per program.
   */
  loaded?: LoadedLibrary;
}

export type LoadedLibrary = { path: string; owner: 'system' | 'root' | 'user'; missing?: true } | { path: string; problem: PathProblem } | { unjudged: 'relative' | 'token' };

/**
 * glibc's `/etc/ld.so.preload` (PreloadFileFact), and the `/etc/ld.so.conf` root's ld.so.cache is built from: the
 * dirs it lists (and those of the files it includes) are where ld.so finds a bare library name no LD_LIBRARY_PATH dir
 * holds. Tests point them elsewhere (mm), as they cannot write /etc.
 */
export interface LoaderFiles { preload: string; conf: string }
export const LOADER_FILES: LoaderFiles = { preload: '/etc/ld.so.preload', conf: '/etc/ld.so.conf' };

/**
 * glibc's ld.so loads the libraries `/etc/ld.so.preload` names into every process on the machine, as if LD_PRELOAD
 * named them, whatever the environment: the file when another user can change or create it (folderProblem), and each
 * library it names, judged as an LD_PRELOAD entry is (NodeFlagFact.loaded).
 */
export interface PreloadFileFact {
  file: string;
  problem?: PathProblem;
  libraries: Array<{ value: string; modulePath?: string; loaded: LoadedLibrary }>;
}

/** Where systems keep OpenSSL's configuration (Debian, RHEL's crypto policies, a source build). */
const SYSTEM_OPENSSL_DIRS = [ '/etc/ssl', '/etc/pki', '/usr/lib/ssl', '/usr/local/ssl', '/etc/crypto-policies', '/usr/share/crypto-policies' ];
/** Where systems keep CA certificates, besides OpenSSL's dirs (update-ca-certificates' sources and output). */
const SYSTEM_CA_DIRS = [ ...SYSTEM_OPENSSL_DIRS, '/etc/ca-certificates', '/usr/share/ca-certificates', '/usr/local/share/ca-certificates' ];
/** Where node's installers put global modules. */
const SYSTEM_MODULE_DIRS = [ '/usr/lib/node_modules', '/usr/local/lib/node_modules', '/opt/nodejs/lib/node_modules' ];
/** The system's own places for what each variable or flag names. */
const SYSTEM_DIRS: ReadonlyMap<string, readonly string[]> = new Map([
  [ '--openssl-config', SYSTEM_OPENSSL_DIRS ], [ 'OPENSSL_CONF', SYSTEM_OPENSSL_DIRS ],
  [ 'NODE_EXTRA_CA_CERTS', SYSTEM_CA_DIRS ], [ 'SSL_CERT_FILE', SYSTEM_CA_DIRS ], [ 'SSL_CERT_DIR', SYSTEM_CA_DIRS ],
  [ 'NODE_PATH', SYSTEM_MODULE_DIRS ],
]);

export interface PrototypePollutionFact {
  name: `${string}.prototype`;
  /**
   * Property names code added to it (the own ones a fresh realm's lacks, symbols as `Symbol(description)`; names
   * only): values, the shape a pollution payload takes (`isAdmin: true`).
   */
  keys: string[];
  /** Added accessors (should.js's `Object.prototype.should`, colors' `String.prototype.red`, core-js's `Array.prototype.lastItem`). */
  getters: string[];
  /** Added methods (core-js proposals, sugar). */
  methods: string[];
}

export interface RuntimeFacts {
  /**
   * Every process.env value and every value read through egg-sentinel's env helpers, to tell a value that came from
   * the environment from a literal. Held in memory only: never log, report or write it.
   */
  environmentValues: ReadonlySet<string>;
  /** Values of secret-named variables (lib/secrets.ts environmentSecretValues), redacted in the report. Never log them. */
  secretEnvironmentValues: readonly string[];
  nodeFlags: NodeFlagFact[];
  /**
   * Real paths a preloaded module may live in: the app root, and each node_modules directory node searches from the app
   * or from its framework (egg itself; the same tree in a deployed app, the test runner's when an app sits elsewhere).
   */
  appModuleRoots: string[];
  /** Those of appModuleRoots above the app that another user may have filled (ownershipProblem), with why. */
  untrustedModuleRoots: Array<{ dir: string; why: string }>;
  /** The tsconfig `paths` targets every require() follows when egg-core registers tsconfig-paths (SEN306). */
  tsconfigPaths: TsconfigPathFact[];
  /** The tsconfig and its `extends` chain tsconfig-paths reads them from, and who else can change each (SEN306). */
  tsconfigFiles: TsconfigFileFact[];
  pollutedPrototypes: PrototypePollutionFact[];
  /** Key paths of the merged config that EGG_APP_CONFIG set (egg's configMeta), sorted. */
  envConfigKeyPaths: string[];
  /** Set when the EGG_APP_CONFIG JSON carries `__proto__` or `constructor.prototype` keys (egg's merge drops `__proto__`). */
  envConfigPoisoned: boolean;
  /**
   * node's global folders under the home directory (`$HOME/.node_modules`, `$HOME/.node_libraries`) that another user
   * can fill, create or swap (SEN306); empty on Windows.
   */
  homeModuleFolders: HomeFolderProblem[];
  /**
   * Set when the preflight is not loaded in this process although an ancestor process was started with NODE_OPTIONS
   * loading it (SEN307): something between the deploy and this process dropped it. Read from /proc: Linux only.
   */
  droppedPreflight?: DroppedPreflightFact;
  /** The `node-options` of the app's `.npmrc`, which npm sets as NODE_OPTIONS for every script and npx command it runs (SEN307). */
  npmrcNodeOptions?: { value: string; loadsPreflight: boolean };
  /** npm's `script-shell` settings that name a shell another user or a dependency controls (SEN308). */
  untrustedScriptShells: ScriptShellFact[];
  /** `/etc/ld.so.preload`, when it names a library or another user can change or create it (SEN306); Linux only. */
  preloadFile?: PreloadFileFact;
}

/** An npm `script-shell` setting: npm runs every script (`npm start`) and npx command through it, before node. */
export interface ScriptShellFact {
  /** Where it is set: `.npmrc` (the app's), `~/.npmrc`, or `npm_config_script_shell`. */
  source: string;
  value: string;
  /** Why it is not a shell this user may trust. */
  why: string;
}

/** Who other than the app's user has a hold on a file or directory (pathProblem). */
export interface PathProblem {
  /**
   * Where: `folder`, the path itself (its real path); `above`, a directory above it where they can swap it;
   * `missing`, the nearest directory above a path that does not exist, where they can create it; `entry`, a file in
   * the directory (a library in an LD_LIBRARY_PATH dir).
   */
  where: 'folder' | 'above' | 'missing' | 'entry';
  /** That file or directory. */
  at: string;
  why: string;
}

/** A home folder node searches for modules (homeModuleFolders), and who other than the app's user controls it. */
export interface HomeFolderProblem extends PathProblem {
  /** `$HOME` as the process has it (egg-scripts sets the master's from MOCK_HOME_DIR, when set). */
  home: string;
  /** Set when MOCK_HOME_DIR names the same directory: egg-scripts took HOME from it. */
  fromMockHome?: true;
  folder: string;
}

export interface DroppedPreflightFact {
  /** The nearest ancestor whose NODE_OPTIONS loads the preflight (its pid and /proc name; its NODE_OPTIONS is not kept). */
  ancestor: { pid: number; name: string };
  /**
   * npm's `node-options`, when npm started this process's tree (npm_lifecycle_event or npm_command is set) with it:
   * npm sets NODE_OPTIONS to it, in place of the one it was given.
   */
  npmNodeOptions?: string;
}

/** Flags that make node load a module before the app. */
export const MODULE_FLAGS: ReadonlySet<string> = new Set([ '--require', '-r', '--import', '--loader', '--experimental-loader' ]);

/**
 * Flags naming a file node loads at start, with what the file can do: an OpenSSL config names engines and providers
 * (native libraries loaded into every process), a startup snapshot is code, an env file can set NODE_OPTIONS.
 */
export const CODE_FILE_FLAGS: ReadonlyMap<string, string> = new Map([
  [ '--openssl-config', 'an OpenSSL config (its engines and providers are native libraries loaded into the process)' ],
  [ '--snapshot-blob', 'a V8 startup snapshot (code that runs before the app)' ],
  [ '--env-file', 'an env file (which can set NODE_OPTIONS and any other variable)' ],
  [ '--env-file-if-exists', 'an env file (which can set NODE_OPTIONS and any other variable)' ],
  [ '--experimental-policy', 'a policy manifest (its redirects make require() load other modules)' ],
]);

/** Environment variables naming such a file (OPENSSL_CONF is read as --openssl-config is). */
export const CODE_FILE_VARIABLES: ReadonlyMap<string, string> = new Map([
  [ 'OPENSSL_CONF', CODE_FILE_FLAGS.get('--openssl-config') as string ],
]);

/**
 * Environment variables naming a module egg itself requires in every process, before any plugin or config file:
 * egg-core's path-to-regexp replacement (also the `pathToRegexpModule` start option, which the preflight judges).
 */
export const MODULE_VARIABLES: ReadonlyMap<string, string> = new Map([
  [ 'EGG_OPTIONS_PATH_TO_REGEXP_MODULE', 'egg-core requires it as the path-to-regexp of its router and of every match/ignore' ],
]);

/**
 * Variables naming certificates every TLS connection the app opens trusts (SSL_CERT_* as node reads them with
 * `--use-openssl-ca`): a CA from there lets its owner pose as any server the app calls.
 */
export const TRUST_FILE_VARIABLES: ReadonlySet<string> = new Set([ 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR' ]);

/**
 * Flags that make node write its environment (a diagnostic report) or its memory (a heap snapshot) to files. Node 20
 * writes a report to `--report-directory` (`--report-dir`), a heap snapshot to `--diagnostic-dir`; CPU and heap
 * profiles (`--cpu-prof`, `--heap-prof`) hold call stacks and sizes, no values.
 */
export const DIAGNOSTIC_DUMPS: ReadonlyMap<string, { what: string; report: boolean }> = new Map([
  [ '--report-on-signal', { what: 'a diagnostic report (every environment variable, secrets included) on the report signal', report: true } ],
  [ '--report-uncaught-exception', { what: 'a diagnostic report (every environment variable, secrets included) on any uncaught exception', report: true } ],
  [ '--report-on-fatalerror', { what: 'a diagnostic report (every environment variable, secrets included) on a fatal error', report: true } ],
  [ '--heapsnapshot-signal', { what: 'a heap snapshot (all of its memory: config, keys, sessions) on that signal', report: false } ],
  [ '--heapsnapshot-near-heap-limit', { what: 'heap snapshots (all of its memory: config, keys, sessions) near its heap limit', report: false } ],
]);

/**
 * The dynamic loader's variables (glibc's and musl's ld.so), with how each separates its entries. It loads LD_PRELOAD's
 * and LD_AUDIT's libraries into every process it starts (egg-scripts, the master, the agent, each worker, every
 * program they run) before node's own code, and searches LD_LIBRARY_PATH's directories first for every library a
 * process loads (an empty entry is the working directory: each process's own).
 */
export const LOADER_VARIABLES: ReadonlyMap<string, RegExp> = new Map([ [ 'LD_PRELOAD', /[ :]+/ ], [ 'LD_AUDIT', /:+/ ], [ 'LD_LIBRARY_PATH', /[:;]/ ] ]);

/** Where the dynamic loader looks by default, and /usr/local/lib, which ld.so.conf adds on most systems. */
export const SYSTEM_LIBRARY_DIRS: readonly string[] = [ '/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/local/lib' ];
/** Debian's multiarch directories in them (`x86_64-linux-gnu`, `aarch64-linux-gnu`, `arm-linux-gnueabihf`). */
const MULTIARCH_DIR = /^[a-z0-9_]+-linux-[a-z0-9_]+$/;

/** Flags whose value may follow as the next argument. */
const VALUE_FLAGS: ReadonlySet<string> = new Set([ ...MODULE_FLAGS, ...CODE_FILE_FLAGS.keys(), '--tls-keylog', '--tls-cipher-list', '--security-revert',
  '--report-directory', '--report-dir', '--report-filename', '--report-signal', '--diagnostic-dir', '--heapsnapshot-signal', '--heapsnapshot-near-heap-limit',
  '--inspect-port', '--debug-port' ]);

export function collectRuntimeFacts(baseDir: string, eggPaths: readonly string[], configMeta: Record<string, unknown>, env: NodeJS.ProcessEnv,
  execArgv: readonly string[] = process.execArgv, cwd = process.cwd(),
  ancestry: { preflightLoaded: boolean; parentPid: number | undefined } = { preflightLoaded: isPreflightLoaded(), parentPid: process.ppid },
  loaderFiles: LoaderFiles = LOADER_FILES): RuntimeFacts {
  const environmentValues = new Set<string>(valuesReadFromEnvironment());
  for (const [ name, value ] of Object.entries(env)) if (value && !DESCRIPTIVE_VARIABLES.test(name)) environmentValues.add(value);
  const moduleRoots = [ ...new Set([ baseDir, ...[ baseDir, ...eggPaths ].flatMap(nodeModulesDirs) ]) ]
    .map(realPathOrUndefined).filter((dir): dir is string => dir !== undefined);
  const owner = appOwner(realPathOrAbsolute(baseDir));
  const search = librarySearch(loaderEntries(env, 'LD_LIBRARY_PATH'), loaderFiles.conf, owner);
  const flags = [
    ...parseNodeFlags(splitNodeOptions(env.NODE_OPTIONS ?? ''), 'NODE_OPTIONS'),
    ...parseNodeFlags(execArgv, 'execArgv'),
    ...environmentFlags(env),
    ...clusterRequireFlags(process.argv, baseDir),
  ];
  const tsconfig = registeredTsconfig(baseDir, eggPaths, env);
  return {
    environmentValues,
    secretEnvironmentValues: environmentSecretValues(env),
    nodeFlags: flags.map(flag => {
      const dump = DIAGNOSTIC_DUMPS.get(flag.name);
      if (dump) return { ...flag, dumpFile: dumpFile(dump.report, flags, cwd) };
      if (flag.source === 'environment' && LOADER_VARIABLES.has(flag.name)) return { ...flag, ...loadedLibrary(flag.name, flag.value ?? '', search) };
      if (!flag.value) return flag;
      if (MODULE_FLAGS.has(flag.name) || (flag.source === 'environment' && MODULE_VARIABLES.has(flag.name))) return { ...flag, modulePath: resolveModule(flag.value, cwd) };
      if (!CODE_FILE_FLAGS.has(flag.name) && !CODE_FILE_VARIABLES.has(flag.name) && !TRUST_FILE_VARIABLES.has(flag.name) && flag.name !== 'NODE_PATH') return flag;
      let file = realPathOrUndefined(path.resolve(cwd, flag.value));
      // A NODE_PATH dir not created yet inside the app or a node_modules it resolves from (pnpm's bin shims name such
      // dirs under node_modules/.pnpm, a workspace's at its root) is judged where it would be.
      if (file === undefined && flag.name === 'NODE_PATH') {
        const projected = projectedRealPath(path.resolve(cwd, flag.value));
        if (moduleRoots.some(root => isInside(projected, root))) file = projected;
      }
      const systemDirs = SYSTEM_DIRS.get(flag.name);
      // A global node_modules a base image names that this machine lacks: only root could create it.
      const judged = file ?? (flag.name === 'NODE_PATH' ? path.resolve(cwd, flag.value) : undefined);
      return { ...flag, modulePath: file, ...(systemDirs && judged && isSystemFile(judged, systemDirs) && { systemOwned: true }) };
    }),
    appModuleRoots: moduleRoots,
    untrustedModuleRoots: untrustedModuleRoots(moduleRoots, baseDir),
    tsconfigPaths: tsconfig.paths,
    tsconfigFiles: tsconfig.files,
    pollutedPrototypes: pollutedPrototypes(),
    envConfigKeyPaths: envConfigKeyPaths(configMeta),
    envConfigPoisoned: isPoisonedJson(env.EGG_APP_CONFIG),
    homeModuleFolders: env.HOME && process.platform !== 'win32' ? homeFolderProblems(env.HOME, baseDir, env.MOCK_HOME_DIR) : [],
    droppedPreflight: ancestry.preflightLoaded ? undefined : droppedPreflight(env, ancestry.parentPid),
    npmrcNodeOptions: npmrcNodeOptions(baseDir),
    untrustedScriptShells: process.platform === 'win32' ? [] : untrustedScriptShells(baseDir, env),
    preloadFile: process.platform === 'linux' ? preloadFile(loaderFiles.preload, search) : undefined,
  };
}

/**
 * Where node writes a report (`report`) or a heap snapshot: a report in `--report-directory` (`--report-dir`), named
 * `--report-filename` (which node joins to that directory, `../` and all); a heap snapshot in `--diagnostic-dir`,
 * which reports do not heed; else in the working directory. The last of each flag wins (the command line's over
 * NODE_OPTIONS'). Undefined when the report goes to stdout or stderr.
 */
function dumpFile(report: boolean, flags: readonly NodeFlagFact[], cwd: string): string | undefined {
  const last = (names: readonly string[]) => flags.filter(flag => names.includes(flag.name) && flag.value).pop()?.value;
  const dir = path.resolve(cwd, last(report ? [ '--report-directory', '--report-dir' ] : [ '--diagnostic-dir' ]) ?? '');
  if (!report) return path.join(projectedRealPath(dir), 'Heap.<date>.<time>.<pid>.<thread>.<seq>.heapsnapshot');
  const name = last([ '--report-filename' ]) ?? 'report.<date>.<time>.<pid>.<thread>.<seq>.json';
  return name === 'stdout' || name === 'stderr' ? undefined : path.join(projectedRealPath(path.dirname(path.join(dir, name))), path.basename(name));
}

/** The entries of a LOADER_VARIABLES variable as ld.so splits it; an empty directory of LD_LIBRARY_PATH (the working directory) is kept as ''. */
function loaderEntries(env: NodeJS.ProcessEnv, name: string): string[] {
  const entries = (env[name] ?? '').split(LOADER_VARIABLES.get(name) as RegExp);
  return name === 'LD_LIBRARY_PATH' ? (env[name] ? entries : []) : entries.filter(Boolean);
}

/** Where ld.so looks for a library (loadedLibrary), and who the app's own user is (appOwner). */
interface LibrarySearch {
  /** LD_LIBRARY_PATH's entries, searched first for a bare name. */
  libraryDirs: readonly string[];
  /** The dirs of root's ld.so.cache (/etc/ld.so.conf's, their real paths too) and the loader's defaults (SYSTEM_LIBRARY_DIRS); read once, when first asked. */
  systemDirs: () => readonly string[];
  owner: number | undefined;
}

function librarySearch(libraryDirs: readonly string[], confFile: string, owner: number | undefined): LibrarySearch {
  let systemDirs: string[] | undefined;
  return { libraryDirs, owner, systemDirs: () => (systemDirs ??= [ ...new Set([ ...ldSoConfDirs(confFile), ...SYSTEM_LIBRARY_DIRS ].flatMap(dir => [ dir, realPathOrAbsolute(dir) ])) ]) };
}

/**
 * What the dynamic loader loads for an entry of a LOADER_VARIABLES variable (`name`) and who can change it
 * (NodeFlagFact.loaded): an absolute path is judged on disk; a bare library name is looked for in LD_LIBRARY_PATH's
 * absolute directories, then in root's ld.so.cache dirs and the loader's defaults, as ld.so looks. A relative path
 * (or an empty entry) and a value with a `$` token name no one file: ld.so resolves them per process.
 */
function loadedLibrary(name: string, value: string, search: LibrarySearch): Pick<NodeFlagFact, 'modulePath'> & { loaded: LoadedLibrary } {
  if (value.includes('$')) return { loaded: { unjudged: 'token' } };
  const isPath = value.includes('/') || name === 'LD_LIBRARY_PATH';
  if (isPath && !path.isAbsolute(value)) return { loaded: { unjudged: 'relative' } };
  // A relative or token dir is its own finding; what a bare name finds there differs per process.
  const file = isPath ? path.resolve(value) : [ ...search.libraryDirs.filter(dir => path.isAbsolute(dir) && !dir.includes('$')), ...search.systemDirs() ]
    .map(dir => path.join(dir, value)).find(candidate => fs.existsSync(candidate));
  if (file === undefined) return { loaded: { path: value, owner: 'system', missing: true } };
  const real = realPathOrUndefined(file);
  const judged = real ?? projectedRealPath(file);
  const dir = name === 'LD_LIBRARY_PATH' ? judged : path.dirname(judged);
  const systemDir = search.systemDirs().includes(dir) || (SYSTEM_LIBRARY_DIRS.includes(path.dirname(dir)) && MULTIARCH_DIR.test(path.basename(dir)));
  // In a directory of LD_LIBRARY_PATH, a library another user can change is loaded in place of the system's (not
  // judged in the system's dirs, which hold the system's libraries whatever LD_LIBRARY_PATH says).
  const problem = folderProblem(file, search.owner) ?? (name === 'LD_LIBRARY_PATH' && real !== undefined && !systemDir ? libraryProblem(real, search.owner) : undefined);
  return {
    ...(real !== undefined && { modulePath: real }),
    loaded: problem ? { path: judged, problem } : { path: judged, owner: !rootAlone(judged) ? 'user' : systemDir ? 'system' : 'root', ...(real === undefined && { missing: true as const }) },
  };
}

/**
 * The dirs `/etc/ld.so.conf` lists, in order, with those of the files its `include` lines name (a glob, relative to
 * the file's dir; ldconfig's syntax: one dir per line, `#` comments, `hwcap` lines): where ldconfig finds the
 * libraries root's ld.so.cache names.
 */
function ldSoConfDirs(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap(raw => {
    const line = raw.replace(/#.*/, '').trim();
    const include = /^include\s+(.*)$/.exec(line);
    if (include) return include[1].split(/\s+/).flatMap(pattern => expandGlob(path.resolve(path.dirname(file), pattern)).flatMap(included => ldSoConfDirs(included, seen)));
    if (!line || /^hwcap\s/i.test(line)) return [];
    return [ path.resolve(line.replace(/=[^/]*$/, '')) ]; // `dir=libc6`, an old type suffix
  });
}

/** The files an absolute glob (`*`, `?` within a name; no hidden names) matches, sorted, as glob(3) gives them to ldconfig. */
function expandGlob(pattern: string): string[] {
  let found = [ '/' ];
  for (const part of pattern.split('/').filter(Boolean)) {
    const match = /[*?]/.test(part) ? new RegExp(`^${escapeRegExp(part).replace(/\\\*/g, '[^/]*').replace(/\\\?/g, '[^/]')}$`) : undefined;
    found = found.flatMap(dir => (match ? safeReaddir(dir).filter(name => !name.startsWith('.') && match.test(name)).sort() : [ part ]).map(name => path.join(dir, name)));
  }
  return found.filter(file => fs.existsSync(file));
}

/**
 * PreloadFileFact of `file`, parsed as glibc's ld.so parses it (names separated by white space or `:`, `#` comments);
 * undefined when it names nothing and only root could change or create it. One ld.so cannot read preloads nothing.
 */
function preloadFile(file: string, search: LibrarySearch): PreloadFileFact | undefined {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // absent or unreadable: ld.so reads it only when it can (access R_OK)
  }
  const values = text.replace(/#[^\n]*/g, ' ').split(/[: \t\n]+/).filter(Boolean);
  const problem = folderProblem(file, search.owner);
  if (!problem && !values.length) return undefined;
  return { file, ...(problem && { problem }), libraries: values.map(value => ({ value, ...loadedLibrary('LD_PRELOAD', value, search) })) };
}

/** The first library (`*.so*`) in `dir` that another user can change (statProblem of the file, its link followed). */
function libraryProblem(dir: string, owner: number | undefined): PathProblem | undefined {
  for (const name of safeReaddir(dir)) {
    if (!/\.so(?:\.|$)/.test(name)) continue;
    const why = statWhy(path.join(dir, name), owner, false);
    if (why) return { where: 'entry', at: path.join(dir, name), why };
  }
  return undefined;
}

/** Whether root alone can change `file` (or, missing, create it): it and every directory above it owned by root and writable by root only. */
function rootAlone(file: string): boolean {
  return ancestors(file).every(at => {
    try {
      return rootOnly(fs.statSync(at));
    } catch {
      return true; // not created yet: the directories above decide
    }
  });
}

/** node's global folders under the home directory, searched after NODE_PATH for what no node_modules holds (Module.globalPaths). */
const HOME_MODULE_FOLDERS: readonly string[] = [ '.node_modules', '.node_libraries' ];

/**
 * The directories node searches after every node_modules (its `Module.globalPaths`, as it builds them at start from
 * this environment): NODE_PATH's, `$HOME/.node_modules`, `$HOME/.node_libraries` (`%USERPROFILE%` on Windows) and
 * `<prefix>/lib/node`. A `require.resolve(…, { paths })`, as egg-core's plugin lookup makes, searches them too.
 */
export function globalModuleDirs(env: NodeJS.ProcessEnv): string[] {
  const home = process.platform === 'win32' ? env.USERPROFILE : env.HOME;
  const prefix = process.platform === 'win32' ? path.resolve(process.execPath, '..') : path.resolve(process.execPath, '..', '..');
  return [
    ...(env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean).map(dir => path.resolve(dir)),
    ...(home ? HOME_MODULE_FOLDERS.map(folder => path.resolve(home, folder)) : []),
    path.join(prefix, 'lib', 'node'),
  ];
}

/**
 * The home folders node searches for modules (HOME_MODULE_FOLDERS of `home`) that another user than the app's
 * (this process's user, root, or the app root's owner) can put a module into: one that user owns or can write, one in
 * a directory above it that user can rename entries of (a sticky one keeps them from renaming this user's), or, when
 * the folder does not exist, the nearest directory above it where that user can create it (a sticky bit does not
 * stop that). A missing folder only this user could create is fine.
 */
export function homeFolderProblems(home: string, baseDir: string, mockHome?: string): HomeFolderProblem[] {
  const owner = appOwner(realPathOrAbsolute(baseDir));
  const fromMockHome = mockHome && path.resolve(mockHome) === path.resolve(home) ? { fromMockHome: true as const } : {};
  return HOME_MODULE_FOLDERS.flatMap(name => {
    const folder = path.resolve(home, name);
    const found = folderProblem(folder, owner);
    return found ? [{ home, ...fromMockHome, folder, ...found }] : [];
  });
}

/** `/home/x/.node_modules is writable by every user (mode 0777)`, and the like, for a PathProblem of `file`. */
export function describePathProblem(file: string, problem: PathProblem): string {
  if (problem.where === 'folder') return `${file}${problem.at === file ? '' : ` (${problem.at})`} is ${problem.why}`;
  if (problem.where === 'above') return `${problem.at}, above ${file}, is ${problem.why}`;
  if (problem.where === 'entry') return `${problem.at}, in ${file}, is ${problem.why}`;
  return `${file} does not exist, and ${problem.at}, where it would be created, is ${problem.why}`;
}

/** How folderProblem walks up, when it judges many files: SEN110's modules the app loaded. */
export interface FolderWalk {
  /** A directory judged elsewhere (the app root, SEN110's `.`): the walk up stops below it. */
  stopAt?: string;
  /** Directories already stat'ed above a file, with why (undefined: fine), kept across calls: one stat per directory. */
  seen?: Map<string, string | undefined>;
}

/** Who other than this process's user, root and the app's owner (`owner`) can change, swap or create `folder` (a file or directory). */
export function folderProblem(folder: string, owner: number | undefined, { stopAt, seen }: FolderWalk = {}): PathProblem | undefined {
  const above = (dirs: string[]): PathProblem | undefined => {
    for (const dir of dirs) {
      if (dir === stopAt) return undefined;
      const why = seen?.has(dir) ? seen.get(dir) : statWhy(dir, owner, true);
      seen?.set(dir, why);
      if (why) return { where: 'above', at: dir, why };
    }
    return undefined;
  };
  const real = realPathOrUndefined(folder);
  if (real !== undefined) {
    const own = statWhy(real, owner, false);
    if (own) return { where: 'folder', at: real, why: own };
    // Above the link (when it is one) and above its target: whoever can rename an entry there can swap the folder.
    return above(ancestors(path.dirname(folder))) ?? (real === folder ? undefined : above(ancestors(path.dirname(real))));
  }
  let at = path.dirname(folder);
  while (realPathOrUndefined(at) === undefined && path.dirname(at) !== at) at = path.dirname(at);
  const creatable = statWhy(at, owner, false);
  if (creatable) return { where: 'missing', at, why: creatable };
  return above(ancestors(path.dirname(realPathOrAbsolute(at))));
}

/** `dir` and every directory above it. */
function ancestors(dir: string): string[] {
  const found: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    found.push(at);
    if (path.dirname(at) === at) return found;
  }
}

/** statProblem of `file`; `aboveOnly`: a sticky directory's write bits do not count (others cannot rename this user's entries). */
function statWhy(file: string, owner: number | undefined, aboveOnly: boolean): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  const problem = statProblem(stat, owner);
  if (!problem || (aboveOnly && !problem.owner && stat.mode & STICKY)) return undefined;
  return problem.why;
}

const STICKY = 0o1000;

/** How far up the process tree the boot check looks for the NODE_OPTIONS the deploy gave (a shell, npm, sh, egg-scripts, the master). */
const MAX_ANCESTORS = 32;

/**
 * In a process that runs without the preflight: the nearest ancestor process (Linux: /proc/<pid>/environ, the
 * environment it was started with; only its NODE_OPTIONS is read) whose NODE_OPTIONS loads it, and npm's node-options
 * when npm started the tree. npm sets NODE_OPTIONS to its `node-options` config (from the app's .npmrc, ~/.npmrc,
 * the global npmrc or npm_config_node_options) for every script and npx command, in place of the one it was given.
 */
export function droppedPreflight(env: NodeJS.ProcessEnv, parentPid: number | undefined): DroppedPreflightFact | undefined {
  if (process.platform !== 'linux') return undefined;
  let pid = parentPid;
  for (let depth = 0; pid !== undefined && pid > 1 && depth < MAX_ANCESTORS; depth++) {
    const nodeOptions = procEnvironValue(pid, 'NODE_OPTIONS');
    if (nodeOptions && loadsPreflight(nodeOptions, procCwd(pid))) {
      const underNpm = Boolean(env.npm_lifecycle_event || env.npm_command) && Boolean(env.npm_config_node_options);
      return { ancestor: { pid, name: procName(pid) }, ...(underNpm && { npmNodeOptions: env.npm_config_node_options }) };
    }
    pid = procParent(pid);
  }
  return undefined;
}

function procEnvironValue(pid: number, name: string): string | undefined {
  let environ: string;
  try {
    environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined; // gone, or another user's
  }
  const prefix = `${name}=`;
  const entry = environ.split('\0').find(item => item.startsWith(prefix));
  return entry === undefined ? undefined : Buffer.from(entry.slice(prefix.length), 'latin1').toString('utf8');
}

function procCwd(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

function procName(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** The parent of `pid`: the field after the state in /proc/<pid>/stat (after the last ")", which closes the name). */
function procParent(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/)[1]);
    return Number.isInteger(parent) ? parent : undefined;
  } catch {
    return undefined;
  }
}

/** egg-sentinel's preflight as a preload names it: `egg-sentinel/preflight`, or a path into an egg-sentinel package. */
const PREFLIGHT_SPECIFIER = /(?:^|[\\/])egg-sentinel[\\/]preflight(?:\.[cm]?[jt]s)?$/;

/**
 * Whether NODE_OPTIONS-style `options` preload egg-sentinel's preflight: named so, or resolving from `cwd` to the
 * `preflight` file beside the package.json of a package named egg-sentinel.
 */
export function loadsPreflight(options: string, cwd: string | undefined): boolean {
  return parseNodeFlags(splitNodeOptions(options), 'NODE_OPTIONS').some(flag => {
    if (!MODULE_FLAGS.has(flag.name) || !flag.value) return false;
    if (PREFLIGHT_SPECIFIER.test(flag.value.replace(/^file:\/\//, ''))) return true;
    // A relative name resolves from the process's working directory, which a gone process no longer shows.
    const from = cwd ?? (path.isAbsolute(flag.value) ? path.dirname(flag.value) : undefined);
    const file = from === undefined ? undefined : resolveModule(flag.value, from);
    return file !== undefined && /^preflight\.[cm]?[jt]s$/.test(path.basename(file)) && readPackageJsonAt(path.dirname(file))?.name === 'egg-sentinel';
  });
}

/**
 * The `node-options` the app's `.npmrc` sets (npm reads it for every command run in the app; an empty value leaves
 * NODE_OPTIONS alone).
 */
function npmrcNodeOptions(baseDir: string): RuntimeFacts['npmrcNodeOptions'] {
  const value = npmrcSetting(path.join(baseDir, '.npmrc'), 'node-options');
  return value ? { value, loadsPreflight: loadsPreflight(value, baseDir) } : undefined;
}

/** A setting of an npmrc file as npm's ini reader takes it: the last top-level `key = …`, quotes stripped. */
function npmrcSetting(file: string, key: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let value: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*\[/.test(line)) break; // keys below a [section] are not npm's top-level config
    const match = /^\s*([\w-]+)\s*=(.*)$/.exec(line);
    if (match?.[1] === key) value = match[2].trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return value;
}

/**
 * npm's `script-shell` from the app's .npmrc, ~/.npmrc and npm_config_script_shell, when it names a file another user
 * can change (or in a directory they can), one of a dependency, or none: npm runs `npm start` through it, before node
 * and any check. A bare name is found on the PATH past node_modules/.bin (SEN111 judges what stands there).
 */
function untrustedScriptShells(baseDir: string, env: NodeJS.ProcessEnv): ScriptShellFact[] {
  const appNpmrc = path.join(baseDir, '.npmrc');
  // The same file when HOME is the app's directory (egg-mock's), said once.
  const userNpmrc = env.HOME && realPathOrAbsolute(path.join(env.HOME, '.npmrc')) !== realPathOrAbsolute(appNpmrc) ? path.join(env.HOME, '.npmrc') : undefined;
  const settings = [
    { source: '.npmrc', value: npmrcSetting(appNpmrc, 'script-shell') },
    { source: '~/.npmrc', value: userNpmrc && npmrcSetting(userNpmrc, 'script-shell') },
    { source: 'npm_config_script_shell', value: env.npm_config_script_shell },
  ];
  return settings.flatMap(({ source, value }) => {
    if (!value) return [];
    const why = scriptShellProblem(value, baseDir, env.PATH ?? '');
    return why ? [{ source, value, why }] : [];
  });
}

function scriptShellProblem(value: string, baseDir: string, searchPath: string): string | undefined {
  const file = value.includes('/') ? path.resolve(baseDir, value) :
    searchPath.split(path.delimiter).filter(dir => dir && !/node_modules[\\/]\.bin[\\/]?$/.test(dir)).map(dir => path.join(dir, value)).find(candidate => fs.existsSync(candidate));
  const real = file === undefined ? undefined : realPathOrUndefined(file);
  if (real === undefined) return `names no file (${file ?? `no ${value} on the PATH`})`;
  if (real.split(path.sep).includes('node_modules')) return `is ${real}, a file in a node_modules: a dependency's`;
  if (inWrittenDir(real, baseDir)) return `is ${real}, in a directory the app writes at run time or serves (run/, logs/, app/public)`;
  const base = realPathOrAbsolute(baseDir);
  if (isInside(real, base)) return undefined;
  const owner = appOwner(base);
  for (let dir = real; ; dir = path.dirname(dir)) {
    const why = ownershipProblem(dir, owner);
    if (why) return `is ${real}, outside the app, and ${dir === real ? 'it' : `its directory ${dir}`} is ${why}`;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** NODE_OPTIONS is split on spaces; double quotes group, and a backslash escapes inside them (node's own rules). */
export function splitNodeOptions(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (let index = 0; index < text.length; index++) {
    const ch = text[index];
    if (quoted && ch === '\\' && index + 1 < text.length) {
      current += text[++index];
    } else if (ch === '"') {
      quoted = !quoted;
      started = true;
    } else if (ch === ' ' && !quoted) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

/** Flags with their values; `--flag=value` and `--flag value` (for the module-loading flags) both count. */
export function parseNodeFlags(args: readonly string[], source: NodeFlagFact['source']): NodeFlagFact[] {
  const flags: NodeFlagFact[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (!arg.startsWith('-')) continue;
    const eq = arg.indexOf('=');
    const written = eq === -1 ? arg : arg.slice(0, eq);
    // node reads `_` in a long option's name as `-`: `--inspect_brk` opens a debugger like `--inspect-brk`.
    const name = written.startsWith('--') ? written.replace(/_/g, '-') : written;
    let value = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined && VALUE_FLAGS.has(name) && index + 1 < args.length) value = args[++index];
    flags.push(value === undefined ? { source, name } : { source, name, value });
  }
  return flags;
}

/**
 * A file in one of `dirs`, owned by root and writable by root only (or, not there, whose nearest existing parent is):
 * the system's own, as an image or a distribution sets it up.
 */
function isSystemFile(file: string, dirs: readonly string[]): boolean {
  if (!dirs.some(dir => file === dir || file.startsWith(`${dir}/`))) return false;
  // What does not exist yet is judged by the nearest directory above it that does: who can create it there.
  for (let at = file; ; at = path.dirname(at)) {
    try {
      return rootOnly(fs.statSync(at));
    } catch {
      if (path.dirname(at) === at) return false;
    }
  }
}

const GROUP_OR_OTHER_WRITE = 0o022;

/** Owned by root and writable by root only. */
function rootOnly(stat: fs.Stats): boolean {
  return stat.uid === 0 && (stat.mode & GROUP_OR_OTHER_WRITE) === 0;
}

/** The variables node (or egg) reads that load a file, change what require() finds or what TLS trusts, as flags of source `environment`. */
function environmentFlags(env: NodeJS.ProcessEnv): NodeFlagFact[] {
  const names = [ ...CODE_FILE_VARIABLES.keys(), ...MODULE_VARIABLES.keys(), ...TRUST_FILE_VARIABLES, 'NODE_TLS_REJECT_UNAUTHORIZED' ];
  const modulePaths = (env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean);
  return [
    ...names.flatMap(name => (env[name] ? [{ source: 'environment' as const, name, value: env[name] }] : [])),
    ...modulePaths.map(dir => ({ source: 'environment' as const, name: 'NODE_PATH', value: dir })),
    ...[ ...LOADER_VARIABLES.keys() ].flatMap(name => loaderEntries(env, name).map(value => ({ source: 'environment' as const, name, value }))),
  ];
}

/** Where node would load a preloaded module from (resolved from the working directory, as node does). */
export function resolveModule(specifier: string, cwd: string): string | undefined {
  if (specifier.startsWith('data:')) return undefined;
  try {
    const request = specifier.startsWith('file:') ? new URL(specifier).pathname : specifier;
    return realPathOrUndefined(createRequire(path.join(cwd, 'noop.js')).resolve(request));
  } catch {
    return undefined;
  }
}

/**
 * The prototypes ordinary values read from: every object, function, array, string, number, boolean, symbol, bigint,
 * regular expression, date, promise, error, map and set (and the values that inherit these) sees what code adds here.
 */
const INHERITED_PROTOTYPES = [ 'Object', 'Function', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'BigInt', 'RegExp', 'Date', 'Promise', 'Error', 'Map', 'Set' ] as const;

/**
 * Symbol.iterator, Symbol.metadata…: the symbols the Symbol constructor holds now (a polyfill the app loads after
 * egg-sentinel adds its newer ones there too).
 */
function wellKnownSymbols(): ReadonlySet<PropertyKey> {
  return new Set(Reflect.ownKeys(Symbol).map(key => (Symbol as unknown as Record<PropertyKey, unknown>)[key]).filter((value): value is symbol => typeof value === 'symbol'));
}

function pollutedPrototypes(): PrototypePollutionFact[] {
  // One fresh realm (a V8 context costs a millisecond or two) for what each prototype has before any code runs; its
  // symbols are this realm's too (well-known ones and Symbol.for's registry are shared by every realm).
  const fresh = vm.runInNewContext(`${JSON.stringify(INHERITED_PROTOTYPES)}.map(name => Reflect.ownKeys(globalThis[name].prototype))`) as PropertyKey[][];
  const wellKnown = wellKnownSymbols();
  return INHERITED_PROTOTYPES.flatMap((name, index) => {
    const prototype = (globalThis as unknown as Record<string, { prototype: object }>)[name].prototype;
    const added: Omit<PrototypePollutionFact, 'name'> = { keys: [], getters: [], methods: [] };
    for (const key of addedProperties(prototype, fresh[index])) {
      // A well-known symbol's slot (core-js sets Function.prototype[Symbol.metadata] = null): the standard's, no name code reads.
      if (wellKnown.has(key)) continue;
      const property = Object.getOwnPropertyDescriptor(prototype, key) as PropertyDescriptor;
      const kind = 'value' in property ? (typeof property.value === 'function' ? 'methods' : 'keys') : 'getters';
      added[kind].push(String(key));
    }
    return added.keys.length || added.getters.length || added.methods.length ? [{ name: `${name}.prototype` as const, ...added }] : [];
  });
}

/**
 * Own properties of a prototype that the same prototype of a fresh realm (`freshKeys`) lacks: added by code, enumerable
 * or not (`Object.defineProperty(Object.prototype, 'isAdmin', { value: true })`, which for…in does not see; every
 * object still reads it), symbols too (`Symbol(description)`).
 */
function addedProperties(prototype: object, freshKeys: readonly PropertyKey[]): PropertyKey[] {
  const standard = new Set(freshKeys);
  return Reflect.ownKeys(prototype).filter(key => !standard.has(key));
}

function isPoisonedJson(text: string | undefined): boolean {
  if (!text) return false;
  try {
    JSON.parse(text);
  } catch {
    return false; // not JSON at all: egg ignores it with a warning
  }
  return secureJsonParse(text, null, { protoAction: 'error', constructorAction: 'error', safe: true }) === null;
}
