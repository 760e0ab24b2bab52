/**
 * Process-level facts for the configuration rules: which values came from the environment, the node flags every
 * worker inherits, prototype pollution and what EGG_APP_CONFIG overrides.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import secureJsonParse from 'secure-json-parse';
import { valuesReadFromEnvironment } from '../env';
import { isInside, nodeModulesDirs, projectedRealPath, realPathOrUndefined, untrustedModuleRoots } from './real-path';
import { clusterRequireFlags } from './cluster-options';
import { envConfigKeyPaths } from './plugin-list';
import { environmentSecretValues } from '../secrets';

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
  name: 'Object.prototype' | 'Array.prototype';
  /** Enumerable property names found on it (names only). */
  keys: string[];
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
  pollutedPrototypes: PrototypePollutionFact[];
  /** Key paths of the merged config that EGG_APP_CONFIG set (egg's configMeta), sorted. */
  envConfigKeyPaths: string[];
  /** Set when the EGG_APP_CONFIG JSON carries `__proto__` or `constructor.prototype` keys (egg's merge drops `__proto__`). */
  envConfigPoisoned: boolean;
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

/** Flags whose value may follow as the next argument. */
const VALUE_FLAGS: ReadonlySet<string> = new Set([ ...MODULE_FLAGS, ...CODE_FILE_FLAGS.keys(), '--tls-keylog', '--tls-cipher-list', '--security-revert',
  '--report-directory', '--report-dir', '--report-filename', '--report-signal', '--diagnostic-dir', '--heapsnapshot-signal', '--heapsnapshot-near-heap-limit',
  '--inspect-port', '--debug-port' ]);

/**
 * Variables that describe the process and its machine, not secrets handed to it: a config value equal to one of
 * theirs (`password: 'production'` beside NODE_ENV=production) was not read from them.
 */
const DESCRIPTIVE_VARIABLES = /^(?:NODE_ENV|EGG_SERVER_ENV|EGG_SERVER_SCOPE|PATH|HOME|PWD|OLDPWD|USER|LOGNAME|SHELL|SHLVL|LANG|LANGUAGE|LC_\w+|TERM|TZ|HOSTNAME|_)$/;

export function collectRuntimeFacts(baseDir: string, eggPaths: readonly string[], configMeta: Record<string, unknown>, env: NodeJS.ProcessEnv,
  execArgv: readonly string[] = process.execArgv, cwd = process.cwd()): RuntimeFacts {
  const environmentValues = new Set<string>(valuesReadFromEnvironment());
  for (const [ name, value ] of Object.entries(env)) if (value && !DESCRIPTIVE_VARIABLES.test(name)) environmentValues.add(value);
  const moduleRoots = [ ...new Set([ baseDir, ...[ baseDir, ...eggPaths ].flatMap(nodeModulesDirs) ]) ]
    .map(realPathOrUndefined).filter((dir): dir is string => dir !== undefined);
  const flags = [
    ...parseNodeFlags(splitNodeOptions(env.NODE_OPTIONS ?? ''), 'NODE_OPTIONS'),
    ...parseNodeFlags(execArgv, 'execArgv'),
    ...environmentFlags(env),
    ...clusterRequireFlags(process.argv, baseDir),
  ];
  return {
    environmentValues,
    secretEnvironmentValues: environmentSecretValues(env),
    nodeFlags: flags.map(flag => {
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
    pollutedPrototypes: pollutedPrototypes(),
    envConfigKeyPaths: envConfigKeyPaths(configMeta),
    envConfigPoisoned: isPoisonedJson(env.EGG_APP_CONFIG),
  };
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
      const stat = fs.statSync(at);
      return stat.uid === 0 && (stat.mode & GROUP_OR_OTHER_WRITE) === 0;
    } catch {
      if (path.dirname(at) === at) return false;
    }
  }
}

const GROUP_OR_OTHER_WRITE = 0o022;

/** The variables node (or egg) reads that load a file, change what require() finds or what TLS trusts, as flags of source `environment`. */
function environmentFlags(env: NodeJS.ProcessEnv): NodeFlagFact[] {
  const names = [ ...CODE_FILE_VARIABLES.keys(), ...MODULE_VARIABLES.keys(), ...TRUST_FILE_VARIABLES, 'NODE_TLS_REJECT_UNAUTHORIZED' ];
  const modulePaths = (env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean);
  return [
    ...names.flatMap(name => (env[name] ? [{ source: 'environment' as const, name, value: env[name] }] : [])),
    ...modulePaths.map(dir => ({ source: 'environment' as const, name: 'NODE_PATH', value: dir })),
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

function pollutedPrototypes(): PrototypePollutionFact[] {
  const found: PrototypePollutionFact[] = [];
  const objectKeys: string[] = [];
  // for…in is the point: it sees enumerable properties inherited from the prototype.
  for (const key in {}) objectKeys.push(key);
  if (objectKeys.length) found.push({ name: 'Object.prototype', keys: objectKeys });
  const arrayKeys: string[] = [];
  for (const key in []) if (!objectKeys.includes(key)) arrayKeys.push(key);
  if (arrayKeys.length) found.push({ name: 'Array.prototype', keys: arrayKeys });
  return found;
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
