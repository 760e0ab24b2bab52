import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CODE_LOADING_KEYS, setsKeyPath } from './code-loading-keys';
import { describeUnsafeEnv, unsafeEnvValues } from './env-name';
import { clusterRequireEntries, eggWorkerRole, resolveClusterRequire } from './facts/cluster-options';
import { collectEnvSources } from './facts/collect';
import { firstPackage, parseEggJson, type PluginLookup, pluginLookup } from './facts/plugin-lookup';
import { commandPackage, EGG_SCRIPTS_START_COMMANDS, isLauncherCommand, shadowedCommandEntry } from './facts/commands';
import { appOwner, changeableByOthers, inWrittenDir, isDeclaredPackage, isInside, nodeModulesDirs, readPackageJsonAt, realPathOrAbsolute, realPathOrUndefined, untrustedModuleRoots } from './facts/real-path';
import { describePathProblem, homeFolderProblems, MODULE_FLAGS, parseNodeFlags, resolveModule, splitNodeOptions } from './facts/runtime';
import { readTsconfig, type TsconfigFacts, tsconfigKeyWhere, tsconfigPathsModuleFile, tsconfigPathsRegisteredBy } from './facts/tsconfig-paths';
import { type TsconfigReader, tsNodeModules } from './facts/ts-node-options';
import type { EnvSource } from './facts/types';
import { describeDrift, MANIFEST_FILE, ManifestError, pinnedPluginDrift, readManifest } from './plugins/manifest';
import { isDeclaredWorkspacePackage } from './plugins/lockfile';
import { isDevelopmentEnv } from './report/severity';

interface LaunchOptions {
  baseDir?: string;
  /** Any JSON value: collectEnvSources judges what egg would make of it. */
  env?: unknown;
  serverScope?: unknown;
  /** egg-cluster's `plugins` option (egg-scripts `--plugins.<name>.*`), which egg-core merges over EGG_PLUGINS. */
  plugins?: unknown;
  /** The framework: a package name the app resolves, or a directory (egg-scripts `--framework`). */
  framework?: unknown;
  /** A module egg-core requires in every process as its path-to-regexp (egg-scripts `--pathToRegexpModule`). */
  pathToRegexpModule?: unknown;
  /** Modules egg-cluster's agent and app workers require before the framework (`startCluster({ require })`). */
  require?: unknown;
}

/**
 * egg-cluster's master and workers receive their options as a JSON argument (egg-scripts passes it the same way);
 * any other entry point is taken to run from its working directory.
 */
export function launchOptions(argv: string[], cwd: string): Required<Pick<LaunchOptions, 'baseDir'>> & LaunchOptions {
  for (const arg of argv.slice(2)) {
    if (!arg.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(arg) as LaunchOptions;
      return {
        baseDir: typeof parsed.baseDir === 'string' ? parsed.baseDir : cwd,
        env: parsed.env,
        serverScope: parsed.serverScope,
        plugins: parsed.plugins,
        framework: parsed.framework,
        pathToRegexpModule: parsed.pathToRegexpModule,
        require: parsed.require,
      };
    } catch {
      // not egg's options argument
    }
  }
  return { baseDir: cwd };
}

/**
 * The refusal message when the process must not start, or undefined: an env or scope egg would build a file name
 * outside the app from (SEN301), or, outside local and unittest, environment variables or start options that would
 * switch egg-sentinel itself off or replace it (EGG_APP_CONFIG's `sentinel`, EGG_PLUGINS' or the `plugins` option's
 * `sentinel`), or run code from outside the app before any check (EGG_APP_CONFIG's code-loading keys, a plugin
 * `path`, a framework directory, a path-to-regexp module, egg-cluster's `require` option), which no check inside the
 * app could then report.
 */
export function preflightProblem(argv: string[], cwd: string, env: NodeJS.ProcessEnv, execArgv: readonly string[] = [], preflightFile?: string): string | undefined {
  const options = launchOptions(argv, cwd);
  const sources = collectEnvSources(options.baseDir, options, env);
  const unsafe = unsafeEnvValues(sources);
  const problems: string[] = [];
  if (unsafe.length) {
    problems.push(
      '[egg-sentinel preflight] refused to start (SEN301 unsafe server env or scope):',
      ...unsafe.map(value => `  - ${describeUnsafeEnv(value)}`),
      'Egg would load and run config/plugin.<env>.js and config/config.<env>.js built from this value, which can point outside the app.',
      'Fix: set the env/scope to letters, digits, "_" and "-" only (for example EGG_SERVER_ENV=prod).',
    );
  }
  // In local and unittest a developer or a test may set them, as boot allows (sentinelKeysSetOutsideTheApp); not
  // under NODE_ENV=production, where a development env is itself the attack (SEN606).
  const development = isDevelopmentEnv(effectiveEnv(sources, env), env.NODE_ENV);
  if (!development && hasOwnKey(env.EGG_APP_CONFIG, 'sentinel')) {
    problems.push(
      '[egg-sentinel preflight] refused to start: EGG_APP_CONFIG sets config.sentinel, which could switch egg-sentinel\'s checks off.',
      'Fix: set egg-sentinel\'s options in the app\'s config files and remove "sentinel" from EGG_APP_CONFIG.',
    );
  }
  const codeLoading = development ? [] : codeLoadingKeys(env.EGG_APP_CONFIG);
  if (codeLoading.length) {
    problems.push(
      `[egg-sentinel preflight] refused to start: EGG_APP_CONFIG sets ${codeLoading.join(', ')}, from which egg and its plugins load and run code while the app loads (or when a template renders), before any check inside it.`,
      'Fix: set these keys in the app\'s config files (config/config.<env>.js) and remove them from EGG_APP_CONFIG.',
    );
  }
  // egg-core requires this module itself, in every process, before any plugin or config file.
  for (const [ given, value ] of [ [ 'EGG_OPTIONS_PATH_TO_REGEXP_MODULE', env.EGG_OPTIONS_PATH_TO_REGEXP_MODULE ], [ 'the start option pathToRegexpModule', options.pathToRegexpModule ] ]) {
    const outside = development || typeof value !== 'string' || !value ? undefined : moduleOutsideApp(value, options.baseDir);
    if (outside) {
      problems.push(
        `[egg-sentinel preflight] refused to start: ${given} makes egg require ${JSON.stringify(value)} in every process before the app (${outside}).`,
        'Fix: install the path-to-regexp version you need as a dependency of the app and name its package, or remove the setting.',
      );
    }
  }
  // A plugin's config files and boot hooks run in every process before any check inside the app could report it.
  const lookup = development ? undefined : pluginLookup(options.baseDir, { framework: options.framework, cwd, env, plugins: options.plugins });
  for (const [ given, plugins ] of [ [ 'EGG_PLUGINS', parseEggJson(env.EGG_PLUGINS) ], [ 'the start options (--plugins.<name>.*)', options.plugins ] ] as const) {
    const outside = lookup ? untrustedPluginPaths(plugins, options.baseDir, lookup) : [];
    if (outside.length) {
      problems.push(
        `[egg-sentinel preflight] refused to start: ${given} enables plugin(s) from outside the app or from a directory it writes at run time or serves: ${outside.join(', ')}; ` +
          'their config and code would run in every process before any check.',
        'Fix: install the plugin as a dependency of the app (or put it under lib/plugin) and enable it in config/plugin.(js|ts), not from the environment or the start command.',
      );
    }
  }
  if (!development && hasOwnKey(env.EGG_PLUGINS, 'sentinel')) {
    problems.push(
      '[egg-sentinel preflight] refused to start: EGG_PLUGINS configures the "sentinel" plugin, which could disable egg-sentinel or load another package in its place.',
      'Fix: enable egg-sentinel in config/plugin.(js|ts) only and remove "sentinel" from EGG_PLUGINS.',
    );
  }
  if (!development && isObject(options.plugins) && Object.prototype.hasOwnProperty.call(options.plugins, 'sentinel')) {
    problems.push(
      '[egg-sentinel preflight] refused to start: the start options configure the "sentinel" plugin (egg-cluster\'s `plugins` option, which egg-scripts --plugins.sentinel.* flags set), which could disable egg-sentinel or load another package in its place.',
      'Fix: enable egg-sentinel in config/plugin.(js|ts) only and remove the --plugins.sentinel.* flags (or `plugins.sentinel` from the startCluster options).',
    );
  }
  // egg-utils takes an absolute `framework` as the directory to load; a name resolves from the app's node_modules.
  const framework = options.framework;
  if (!development && typeof framework === 'string' && path.isAbsolute(framework) && !isDeclaredPackage(framework, options.baseDir) &&
    !isDeclaredWorkspacePackage(framework, options.baseDir)) {
    problems.push(
      `[egg-sentinel preflight] refused to start: the start options load the framework from ${framework}, which is no dependency the app declares and installed (in a node_modules it resolves from, or linked from its workspace as its lockfile records); a framework's config and code run in every process and could switch egg-sentinel off.`,
      'Fix: install the framework as a dependency of the app and name it in package.json ("egg": { "framework": "<package>" }), or pass its package name to --framework.',
    );
  }
  if (!development) problems.push(...clusterRequireProblems(argv, options, env, execArgv, cwd, preflightFile));
  if (!development) problems.push(...tsconfigPathProblems(options.baseDir, env));
  // In every env: the process egg-scripts or npx runs in learns the env only from its arguments (`--env=prod`).
  problems.push(...laterPreloadProblems(options.baseDir, env, execArgv, cwd, preflightFile));
  problems.push(...tsNodeProblems(options.baseDir, env, execArgv, cwd, preflightFile));
  problems.push(...homeFolderPreflightProblems(argv, cwd, env, options.baseDir));
  problems.push(...replacedEntryProblems(argv, execArgv));
  problems.push(...shadowedLauncherProblems(argv));
  // egg-scripts start sets NODE_ENV=production for the master, which no env makes a development one (SEN606).
  problems.push(...masterNodeProblems(argv, cwd, env));
  const start = eggScriptsStart(argv, cwd);
  if (start) {
    // egg-scripts requires its own modules (common-bin -> debug -> ms, egg-utils…) right after this preload, before the
    // master hashes anything, and they may be files of a plugin's pinned dependency closure (`pin --deep`): run, they
    // could rewrite the manifest to match. Checked in every env: the master it spawns runs with NODE_ENV=production.
    const startLookup = pluginLookup(start.baseDir, { framework: start.framework, cwd, env, plugins: start.plugins });
    problems.push(...pinnedPluginProblems(start.baseDir, startedServerEnv(start, env), env.EGG_SENTINEL_REQUIRE_MANIFEST, startLookup));
  } else if (lookup) {
    problems.push(...pinnedPluginProblems(options.baseDir, effectiveEnv(sources, env), env.EGG_SENTINEL_REQUIRE_MANIFEST, lookup));
  }
  return problems.length ? problems.join('\n') : undefined;
}

/**
 * Preloads node would run after the preflight (`--require`, `-r`, `--import`, `--loader`, `--experimental-loader`
 * written after it in NODE_OPTIONS, or on the command line, which node reads after NODE_OPTIONS) from outside the app
 * and the node_modules it resolves from, from a node_modules above it that another user could fill, or from the app's
 * run/, logs/ or app/public (WRITTEN_DIRS): SEN306 refuses such a boot, but only once they ran in every process. Preloads written before the
 * preflight have run already: that is where a team puts one it vouches for (an APM agent installed elsewhere).
 */
function laterPreloadProblems(baseDir: string, env: NodeJS.ProcessEnv, execArgv: readonly string[], cwd: string, preflightFile: string | undefined): string[] {
  const { preloads, at } = preflightAmongPreloads(env, execArgv, cwd, preflightFile);
  if (at === -1) return [];
  const refused = preloads.slice(at + 1).flatMap(flag => {
    const why = moduleFileWhy(flag.file, baseDir, 'it does not resolve from the working directory (or is a data: URL)');
    return why ? [ `  - ${flag.source} has ${flag.name} ${JSON.stringify(flag.value)}: ${why}` ] : [];
  });
  if (!refused.length) return [];
  return [
    '[egg-sentinel preflight] refused to start (SEN306): preloads after the preflight would run code nobody reviewed with the app, in every process, before any check:',
    ...refused,
    'Fix: install the module as a dependency of the app and preload it from its node_modules, or remove it; a preload you vouch for from elsewhere goes before --require egg-sentinel/preflight in NODE_OPTIONS, ' +
      'and SEN306 at boot is waived for its own target (`NODE_OPTIONS --require <the module as written>`).',
  ];
}

/**
 * A ts-node preload after the preflight (`--require ts-node/register`) loads the modules its environment and tsconfig
 * name (tsNodeModules) in every process, before any check: refused when one is not the app's own or of a node_modules
 * it may trust, as a preload would be. The tsconfig is read with the compiler ts-node would load, once that passes as
 * a preload would.
 */
function tsNodeProblems(baseDir: string, env: NodeJS.ProcessEnv, execArgv: readonly string[], cwd: string, preflightFile: string | undefined): string[] {
  // One before the preflight has run, and loaded what it loads, already: vouched for, as any preload there.
  const { preloads, at } = preflightAmongPreloads(env, execArgv, cwd, preflightFile);
  const tsNode = at === -1 ? undefined : preloads.slice(at + 1).find(flag => flag.file?.split(path.sep).join('/').includes('/node_modules/ts-node/'));
  if (!tsNode?.file) return [];
  const tsNodeDir = path.dirname(tsNode.file);
  // The compiler is loaded to read the tsconfig only once it passes as a preload would (ts-node loads it all the same).
  // A compiler without TypeScript 5's API (TypeScript 7 has none, nor does ts-node work with it) reads no tsconfig here.
  const trusted = (file: string) => {
    const compiler = moduleFileWhy(file, baseDir, '') ? undefined : createRequire(file)(file) as Partial<TsconfigReader> | undefined;
    return typeof compiler?.readConfigFile === 'function' ? compiler as TsconfigReader : undefined;
  };
  const refused = tsNodeModules(env, cwd, tsNodeDir, trusted).flatMap(entry => {
    const why = moduleFileWhy(entry.file, baseDir, 'it does not resolve');
    return why ? [ `  - ${entry.given}: ${why}` ] : [];
  });
  if (!refused.length) return [];
  return [
    `[egg-sentinel preflight] refused to start (SEN306): ${tsNode.source} has ${tsNode.name} ${JSON.stringify(tsNode.value)}, and ts-node would load modules its environment or tsconfig names from outside the app, in every process, before any check:`,
    ...refused,
    'Fix: install the module as a dependency of the app and name it from the app\'s tsconfig.json, or unset the variable (TS_NODE_COMPILER, TS_NODE_PROJECT, TS_NODE_CWD/TS_NODE_DIR).',
  ];
}

/**
 * The preloads node runs in this process (`--require`, `--import`… of NODE_OPTIONS, then of the command line) with the
 * real path each resolves to from the working directory, and the index of the preflight among them (-1 when it is
 * not one, or `preflightFile` is not given).
 */
function preflightAmongPreloads(env: NodeJS.ProcessEnv, execArgv: readonly string[], cwd: string, preflightFile: string | undefined) {
  const preloads = [ ...parseNodeFlags(splitNodeOptions(env.NODE_OPTIONS ?? ''), 'NODE_OPTIONS'), ...parseNodeFlags(execArgv, 'execArgv') ]
    .filter(flag => MODULE_FLAGS.has(flag.name) && flag.value !== undefined)
    .map(flag => ({ ...flag, value: flag.value as string, file: resolveModule(flag.value as string, cwd) }));
  const own = preflightFile === undefined ? undefined : realPathOrAbsolute(preflightFile);
  return { preloads, own, at: own === undefined ? -1 : preloads.findIndex(flag => flag.file === own) };
}

/** Why a module at the real path `file` (undefined: `unresolved`) must not run before the app, or undefined when it may. */
function moduleFileWhy(file: string | undefined, baseDir: string, unresolved: string): string | undefined {
  if (file === undefined) return unresolved;
  return inWrittenDir(file, baseDir) ? `${file} is in a directory the app writes at run time or serves` : outsideApp(file, baseDir);
}

/**
 * egg-cluster's own `require` option (`startCluster({ require })`, or start-cluster's options JSON): egg-cluster passes
 * it in the options argument of the agent and every app worker, each of which requires every entry before it loads
 * the framework. Judged as preloads after the preflight are: refused outside the app and the node_modules it
 * resolves from and may trust, in its run/, logs/ or app/public, or when it does not resolve. In the master nothing of it has run
 * yet (a custom launcher's master has no options argument: its agent and workers do); in the agent and a worker, as
 * egg-cluster resolves it there, before it runs. What ran before the preflight in this process is let be: a preload
 * written before it (egg-scripts' and a team's own), and the entries before it when egg-cluster required the
 * preflight itself.
 */
function clusterRequireProblems(argv: readonly string[], options: LaunchOptions & { baseDir: string }, env: NodeJS.ProcessEnv, execArgv: readonly string[],
  cwd: string, preflightFile: string | undefined): string[] {
  const entries = clusterRequireEntries(options.require);
  if (!entries.length) return [];
  const workerScript = eggWorkerRole(argv[1]) ? argv[1] : undefined;
  const files = entries.map(entry => resolveClusterRequire(entry, options.baseDir, workerScript));
  const { preloads, own, at } = preflightAmongPreloads(env, execArgv, cwd, preflightFile);
  const ran = new Set<string | undefined>([ own, ...preloads.slice(0, at === -1 ? preloads.length : at).map(flag => flag.file) ]);
  const requiredAt = workerScript && at === -1 && own !== undefined ? files.indexOf(own) : -1;
  const refused = entries.flatMap((entry, index) => {
    const file = files[index];
    if (index < requiredAt || (file !== undefined && ran.has(file))) return [];
    const why = moduleFileWhy(file, options.baseDir, workerScript ? 'it does not resolve as egg-cluster requires it' : 'it does not resolve from the app');
    return why ? [ `  - ${JSON.stringify(entry)}: ${why}` ] : [];
  });
  if (!refused.length) return [];
  return [
    '[egg-sentinel preflight] refused to start (SEN306): egg-cluster\'s `require` start option (startCluster({ require }), or the options JSON start-cluster is given) ' +
      'names modules the agent and every app worker require before egg loads the app, which would run code nobody reviewed with the app before any check:',
    ...refused,
    'Fix: install the module as a dependency of the app and name its package in `require`, or remove it from the start options; a module you vouch for from elsewhere goes before --require egg-sentinel/preflight in NODE_OPTIONS.',
  ];
}

/**
 * tsconfig.json `paths` targets outside the app and the node_modules it resolves from (or in its run/, logs/ or
 * app/public), in a TypeScript app for which egg-core registers tsconfig-paths: every process would load what a bare
 * require() maps to from there, egg's own modules included, before any check (SEN306). Also the tsconfig or a file
 * of its `extends` chain another user can change: they could add such a path after this check, for the boot or any
 * worker egg-cluster forks later; and a tsconfig tsconfig-paths cannot read, on which egg would not start. Read with
 * the tsconfig-paths of the egg-core the app's egg requires, which the preflight runs only from where a preload may
 * run (the app, or a node_modules it resolves from that no other user can fill), else refuses; an app whose egg does
 * not resolve from its root is left to the boot check.
 */
function tsconfigPathProblems(baseDir: string, env: NodeJS.ProcessEnv): string[] {
  const registeredBy = tsconfigPathsRegisteredBy(baseDir, env);
  if (!registeredBy) return [];
  let moduleFile: string | undefined;
  try {
    moduleFile = tsconfigPathsModuleFile([ path.dirname(createRequire(path.join(baseDir, 'package.json')).resolve('egg/package.json')) ]);
  } catch {
    return [];
  }
  if (moduleFile === undefined) return [];
  const registers = `egg-core registers tsconfig-paths for this TypeScript app (${registeredBy}, a tsconfig.json in the app root)`;
  const untrusted = moduleFileWhy(moduleFile, baseDir, 'it does not resolve');
  if (untrusted) {
    return [
      `[egg-sentinel preflight] refused to start (SEN306): ${registers}, and every process would run the tsconfig-paths it requires before any check: ${untrusted} ` +
        '(the preflight did not run it to read the paths).',
      'Fix: install egg in the app\'s own node_modules (run the install in the app), so egg-core and its tsconfig-paths come from there, or make the node_modules it comes from writable by the app\'s user and root only.',
    ];
  }
  let tsconfig: TsconfigFacts;
  try {
    tsconfig = readTsconfig(baseDir, moduleFile, env);
  } catch (error) {
    return [
      `[egg-sentinel preflight] refused to start (SEN306): ${registers}, and tsconfig-paths cannot read the tsconfig: ${(error as Error).message}. ` +
        'egg-core\'s register would throw the same, and egg would not start.',
      'Fix: correct the file (tsconfig-paths reads it as JSON5, with its `extends`), or point TS_NODE_PROJECT at a tsconfig that exists.',
    ];
  }
  const problems: string[] = [];
  const writable = tsconfig.files.flatMap(entry => (entry.problem ? [ `  - ${describePathProblem(entry.file, entry.problem)}` ] : []));
  if (writable.length) {
    problems.push(
      `[egg-sentinel preflight] refused to start (SEN306): ${registers}, and another user can change the tsconfig or a file of its \`extends\` chain it reads the paths from: ` +
        'they could map every bare require() to their own code after this check, and every process egg forks later would run it:',
      ...writable,
      'Fix: make each file, and the directories above it, owned by the app\'s user or root and writable by them only, or copy a shared base config into the app and extend that.',
    );
  }
  const refused = tsconfig.paths.flatMap(entry => {
    const why = moduleFileWhy(entry.modulePath, baseDir, 'it does not resolve');
    return why ? [ `  - ${tsconfigKeyWhere(entry)} maps ${entry.pattern === '*' ? 'every bare require()' : JSON.stringify(entry.pattern)} to ${JSON.stringify(entry.target)}: ${why}` ] : [];
  });
  if (refused.length) {
    problems.push(
      `[egg-sentinel preflight] refused to start (SEN306): ${registers}, ` +
        'and every process would look up the requests its paths map at targets outside the app, before node_modules, and run code nobody reviewed with the app before any check:',
      ...refused,
      'Fix: point the paths into the app or its node_modules (install shared code as a dependency); a mapping only the type checker needs belongs in a tsconfig egg-core does not read (`tsc -p tsconfig.types.json`).',
    );
  }
  return problems;
}

/**
 * node's home folders (`$HOME/.node_modules`, `$HOME/.node_libraries`) that another user can fill, create or swap:
 * node searches them for any module no node_modules holds, so an optional require() of egg, a plugin or a driver
 * would run what that user put there, in every process, before any check (SEN306). In egg-scripts' process also
 * those under MOCK_HOME_DIR, from which egg-scripts sets the master's HOME. Not judged on Windows.
 */
function homeFolderPreflightProblems(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv, baseDir: string): string[] {
  if (process.platform === 'win32') return [];
  const homes = new Map<string, string>();
  if (env.MOCK_HOME_DIR && eggScriptsStart(argv, cwd)) homes.set(path.resolve(env.MOCK_HOME_DIR), `MOCK_HOME_DIR=${env.MOCK_HOME_DIR}, from which egg-scripts sets the master's HOME`);
  if (env.HOME && !homes.has(path.resolve(env.HOME))) homes.set(path.resolve(env.HOME), `HOME=${env.HOME}`);
  const refused = [ ...homes ].flatMap(([ home, given ]) => homeFolderProblems(home, baseDir).map(problem => `  - ${given}: ${describePathProblem(problem.folder, problem)}`));
  if (!refused.length) return [];
  return [
    '[egg-sentinel preflight] refused to start (SEN306): node looks in the home folders $HOME/.node_modules and $HOME/.node_libraries for every module ' +
      'no node_modules holds, and another user can put one there: a require() of a module the app does not install (an optional dependency) would run it in every process:',
    ...refused,
    'Fix: point HOME (for egg-scripts: MOCK_HOME_DIR) at a directory only the app\'s user can write, or create the folder owned by the app\'s user with mode 0755 in a directory others cannot rename it in.',
  ];
}

/** node's options that run code of their own in place of the entry script (`-pe` is `-p` and `-e`). */
const ENTRY_REPLACING_FLAGS: ReadonlySet<string> = new Set([ '--eval', '--print', '--interactive', '--test', '--run', '--watch', '--watch-path' ]);
const ENTRY_REPLACING_SHORT = /^-[a-z]*[epi][a-z]*$/i;

/**
 * In a process egg started (the master egg-scripts spawns, an agent, a worker: egg's options are its JSON argument),
 * node options that run other code instead of egg's entry script: egg-scripts passes any `--node-options--<flag>` (and
 * package.json's `eggScriptsConfig["node-options--<flag>"]`) to the master, so `--node-options--eval=require('/tmp/x')`
 * would run that code as the master, which can start egg without this preflight or egg-sentinel.
 */
function replacedEntryProblems(argv: readonly string[], execArgv: readonly string[]): string[] {
  if (!argv.slice(2).some(arg => arg.startsWith('{'))) return [];
  const replacing = execArgv.filter(arg => {
    const name = arg.split('=', 1)[0];
    return name.startsWith('--') ? ENTRY_REPLACING_FLAGS.has(name.replace(/_/g, '-')) : ENTRY_REPLACING_SHORT.test(name);
  });
  if (!replacing.length) return [];
  return [
    `[egg-sentinel preflight] refused to start (SEN306): node was started with ${replacing.map(arg => arg.split('=', 1)[0]).join(', ')}, which runs code of its own instead of egg's ` +
      `entry script (${argv[1] ?? 'none'}): that code would be this egg process, and could start the app without this preflight or egg-sentinel.`,
    'Fix: remove the option (egg-scripts passes every --node-options--<flag> start option, and package.json\'s eggScriptsConfig "node-options--<flag>" keys, to the master\'s node).',
  ];
}

/**
 * This process is a launcher npm ran by name from the app's node_modules/.bin (`"start": "egg-scripts start"`) that is
 * no file of the launcher's own package: a dependency linked its bin there, and it runs in egg-scripts' place, where it
 * could start egg without this preflight (SEN111).
 */
function shadowedLauncherProblems(argv: readonly string[]): string[] {
  const script = argv[1] ? path.resolve(argv[1]) : undefined;
  if (!script || path.basename(path.dirname(script)) !== '.bin' || !isLauncherCommand(path.basename(script))) return [];
  const shadowed = shadowedCommandEntry(path.dirname(path.dirname(path.dirname(script))), path.basename(script));
  if (!shadowed) return [];
  return [
    `[egg-sentinel preflight] refused to start (SEN111): ${script} is ${shadowed.target}${shadowed.package === undefined ? '' : `, a file of the package ${shadowed.package}`}, ` +
      `not ${shadowed.command} itself: a dependency linked its bin there, and it runs in ${shadowed.command}'s place, where it could start egg without this preflight.`,
    `Fix: remove the dependency that links it${shadowed.package === undefined ? '' : ` (\`npm ls ${shadowed.package}\`)`}, reinstall (\`npm ci\`) and report the package; \`npx egg-sentinel audit\` reports it as SEN111.`,
  ];
}


/** egg-scripts' (egg 3) command line script. */
const EGG_SCRIPTS_BIN = /[\\/]egg-scripts[\\/]bin[\\/]egg-scripts\.js$/;
/** @eggjs/scripts' (egg 4: `eggctl`, also linked as `egg-scripts`): the same start, spawning `--node` along the same PATH. */
const EGGJS_SCRIPTS_BIN = /[\\/]@eggjs[\\/]scripts[\\/]bin[\\/]run\.js$/;
/** egg-scripts start's options that take no value (`--daemon /srv/app` names the app). */
const EGG_SCRIPTS_FLAGS: ReadonlySet<string> = new Set([ 'daemon', 'ignore-stderr', 'sourcemap', 'ts', 'typescript', 'help', 'h', 'version', 'v' ]);

interface EggScriptsStart {
  baseDir: string;
  node?: string;
  nodeFromPackageJson?: true;
  /** `--env`, which egg-scripts gives the master as EGG_SERVER_ENV. */
  env?: string;
  /** `--framework` and `--plugins.<name>.<key>`, which egg-scripts passes in the master's options argument. */
  framework?: string;
  plugins?: Record<string, Record<string, unknown>>;
}

/**
 * `egg-scripts start [options] [baseDir]` (or @eggjs/scripts') in the egg-scripts process: the app, `--node` and the
 * options that decide where egg looks plugins up and which env it runs in, as its option parser reads them.
 */
export function eggScriptsStart(argv: readonly string[], cwd: string): EggScriptsStart | undefined {
  const script = realPathOrUndefined(argv[1] ?? '');
  const eggjsScripts = script !== undefined && EGGJS_SCRIPTS_BIN.test(script);
  if (!script || !(eggjsScripts || EGG_SCRIPTS_BIN.test(script))) return undefined;
  const positional: string[] = [];
  const found: Omit<EggScriptsStart, 'baseDir'> = {};
  const args = argv.slice(2);
  for (let at = 0; at < args.length; at++) {
    const arg = args[at];
    if (arg === '--') {
      positional.push(...args.slice(at + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.slice(arg.startsWith('--') ? 2 : 1, equals === -1 ? undefined : equals);
    const takesNext = equals === -1 && !EGG_SCRIPTS_FLAGS.has(name) && !name.startsWith('no-') && at + 1 < args.length && !args[at + 1].startsWith('-');
    const value = equals !== -1 ? arg.slice(equals + 1) : takesNext ? args[++at] : undefined;
    // egg-scripts spawns `argv.node || 'node'` and sets EGG_SERVER_ENV from `argv.env` when given: an empty one is none.
    if ((name === 'node' || name === 'env' || name === 'framework') && value) found[name] = value;
    const [ , plugin, key ] = /^plugins\.([^.]+)\.([^.]+)$/.exec(name) ?? [];
    if (plugin) {
      // Its option parser reads a bare flag and `true`/`false` as booleans (`--plugins.x.enable=false`).
      const parsed = value === undefined || value === 'true' ? true : value === 'false' ? false : value;
      found.plugins = { ...found.plugins, [plugin]: { ...found.plugins?.[plugin], [key]: parsed } };
    }
  }
  if (positional[0] !== 'start') return undefined;
  const baseDir = path.resolve(cwd, positional[1] ?? '');
  // @eggjs/scripts' --node defaults to 'node', so its eggScriptsConfig.node never applies.
  if (found.node !== undefined || eggjsScripts) return { baseDir, ...found };
  // egg-scripts takes an option the command line leaves out from package.json's eggScriptsConfig.
  const configured = (readPackageJsonAt(baseDir)?.eggScriptsConfig as { node?: unknown } | undefined)?.node;
  return typeof configured === 'string' && configured ? { baseDir, ...found, node: configured, nodeFromPackageJson: true } : { baseDir, ...found };
}

/** The env egg runs the master egg-scripts starts in: config/env, else `--env` (EGG_SERVER_ENV by default), else prod. */
function startedServerEnv(start: EggScriptsStart, env: NodeJS.ProcessEnv): string {
  return effectiveEnv(collectEnvSources(start.baseDir, {}, { EGG_SERVER_ENV: start.env ?? env.EGG_SERVER_ENV }), { NODE_ENV: 'production' });
}

/**
 * egg-scripts start spawns the master as `--node`, else `node` looked up along the PATH it builds:
 * `<app>/node_modules/.bin`, `<app>/.node/bin`, then the PATH it was given. Whatever that file is runs with the app's
 * environment before any check, and can drop this preflight from NODE_OPTIONS. Refused: a file in a node_modules that
 * is not the `node` package the app declares (any dependency's `"bin": { "node": … }` is linked there), one in the
 * app's run/, logs/ or app/public, one outside the app that another user can change, or none.
 */
function masterNodeProblems(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): string[] {
  const start = eggScriptsStart(argv, cwd);
  // Windows finds a command by PATHEXT, where npm links .cmd shims that name no package by their real path.
  if (!start || process.platform === 'win32') return [];
  const command = start.node ?? 'node';
  const searched = [ path.join(start.baseDir, 'node_modules/.bin'), path.join(start.baseDir, '.node/bin'), env.PATH || env.Path ].filter(Boolean).join(path.delimiter);
  const file = command.includes('/') || command.includes(path.sep) ? path.resolve(cwd, command) : findExecutable(command, searched, cwd);
  const given = start.node === undefined ? '`node`, found first on the PATH egg-scripts builds (the app\'s node_modules/.bin, then .node/bin, then PATH)' :
    start.nodeFromPackageJson ? `package.json's eggScriptsConfig.node ${JSON.stringify(start.node)}` : `--node=${start.node}`;
  // A failed start shows the master's stderr through `head` and `tail`, looked up along the same PATH.
  const helpers = EGG_SCRIPTS_START_COMMANDS.flatMap(name => shadowedCommandEntry(start.baseDir, name) ?? []).map(entry =>
    `[egg-sentinel preflight] refused to start (SEN111): egg-scripts start runs \`${entry.command}\` by name when a start fails, and the app's ${entry.link} ` +
      `is ${entry.target}${entry.package === undefined ? '' : `, a file of the package ${entry.package}`}: it would run with this user's rights. ` +
      `Fix: remove the dependency that links it${entry.package === undefined ? '' : ` (\`npm ls ${entry.package}\`)`} and reinstall (\`npm ci\`).`);
  const refused = file === undefined ? { why: `no executable ${command} is on the PATH egg-scripts builds (${searched})` } : masterNodeWhy(file, start.baseDir);
  if (!refused) return helpers;
  return [ ...helpers,
    `[egg-sentinel preflight] refused to start (SEN111): egg-scripts start would run ${given} as the master: ${refused.why}. ` +
      'It would run with the app\'s environment before any check, and could start the app without this preflight.',
    refused.installed ?
      'Fix: remove the dependency that links it (`npm ls <package>` names who pulls it in) and report the package; to run node from node_modules, declare the npm package `node` in the app\'s package.json. `npx egg-sentinel audit` reports it as SEN111.' :
      'Fix: pass --node (or eggScriptsConfig.node in package.json) a node outside the app that no other user can change (/usr/local/bin/node, one under your home), or leave it out.',
  ];
}

/** The first executable regular file named `command` in the directories of `searched` (an empty entry is `cwd`), as execvp finds it. */
function findExecutable(command: string, searched: string, cwd: string): string | undefined {
  for (const dir of searched.split(path.delimiter)) {
    const file = path.resolve(cwd, dir, command);
    try {
      if (!fs.statSync(file).isFile()) continue;
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // missing, or not executable: execvp goes on to the next directory
    }
  }
  return undefined;
}

/** Why `file` must not run as the master, or undefined when it is node this user may trust. */
function masterNodeWhy(file: string, baseDir: string): { why: string; installed?: true } | undefined {
  const real = realPathOrUndefined(file);
  if (real === undefined) return { why: `${file} does not exist` };
  // The node that runs egg-scripts itself is trusted already.
  if (real === realPathOrUndefined(process.execPath)) return undefined;
  if (inWrittenDir(real, baseDir)) return { why: `${real} is in a directory the app writes at run time or serves` };
  if (real.split(path.sep).includes('node_modules')) {
    const owner = commandPackage(real, 'node', baseDir);
    if (owner.declared) return undefined;
    const what = owner.package !== undefined ? `a file of the package ${owner.package}` : 'in a node_modules';
    return { why: `${file} is ${real}, ${what}, not of the node the app declares (the npm package \`node\`, or nodeinstall's node_modules/node); npm links any dependency's bin named "node" there`, installed: true };
  }
  // In the app (its .node/bin/node, a --node of its own), as outside it: a file another user can change is theirs.
  const base = realPathOrAbsolute(baseDir);
  const inside = isInside(real, base);
  const why = changeableByOthers(real, inside ? base : path.parse(real).root, appOwner(base));
  return why === undefined ? undefined : { why: `${real} is ${inside ? 'in' : 'outside'} the app, and ${why}` };
}

/**
 * In egg-cluster's agent and app worker processes outside local and unittest, the moment the process would report
 * itself started at which egg-sentinel's boot hook must have run in it: loading the preflight says the deploy runs
 * egg-sentinel, and a plugin file that switches it off for the env (`sentinel: false` in config/plugin.prod.js, an
 * `env` list without it) would otherwise start the app without a word (the audit reports it as SEN109).
 */
export function startedCheckFor(argv: string[], cwd: string, env: NodeJS.ProcessEnv): { role: 'agent' | 'app'; serverEnv: string } | undefined {
  const role = eggWorkerRole(argv[1]);
  if (!role) return undefined;
  const options = launchOptions(argv, cwd);
  const serverEnv = effectiveEnv(collectEnvSources(options.baseDir, options, env), env);
  return isDevelopmentEnv(serverEnv, env.NODE_ENV) ? undefined : { role, serverEnv };
}

export function notHookedProblem(role: 'agent' | 'app', serverEnv: string): string {
  return [
    `[egg-sentinel preflight] refused to start: egg-sentinel did not run in the ${role === 'agent' ? 'agent' : 'app worker'} (env ${serverEnv}), ` +
      'though NODE_OPTIONS loads its preflight: the sentinel plugin is not enabled for this env (`sentinel: false` in a config/plugin.<env> file, ' +
      'an `env` list that leaves it out, or no `sentinel` entry), so none of its boot checks, IPC signing or dump masking would run. ' +
      'An `env` list a framework\'s config/plugin sets stays when the app\'s entry has none or `env: []`: list the envs in the app\'s entry.',
    `Fix: enable egg-sentinel for env ${serverEnv} in config/plugin.(js|ts) (\`npx egg-sentinel audit --env ${serverEnv}\` reports it as SEN109), ` +
      'or remove --require egg-sentinel/preflight from NODE_OPTIONS to run this app without it.',
  ].join('\n');
}

/**
 * EGG_SENTINEL_REQUIRE_MANIFEST: set by the deploy, outside the app's files, so that deleting sentinel.lock.json does
 * not turn the preflight's check off (`plugins.requireManifest` says the same at boot, after the plugins' code ran).
 */
const REQUIRE_MANIFEST_VALUES: ReadonlyMap<string, boolean> = new Map([ [ '', false ], [ '0', false ], [ 'false', false ], [ '1', true ], [ 'true', true ] ]);

/**
 * Every plugin sentinel.lock.json pins, hashed before egg runs any of their code: a changed config file of
 * a plugin would otherwise run, and could rewrite the manifest, before SEN104 compares. A package plugin is also
 * looked up as egg-core will look it up (`lookup`): another copy found before the pinned one (in the app's own
 * node_modules when the pinned one is hoisted, in a node_modules above the app) is what egg would run. In every process the preflight
 * is loaded in (egg-scripts start, the master, the agent, each worker, a worker egg-cluster forks again): a mark one
 * process passed to the next could be forged, and the files may change between two forks.
 */
function pinnedPluginProblems(baseDir: string, serverEnv: string, requireManifest: string | undefined, lookup: PluginLookup): string[] {
  const required = REQUIRE_MANIFEST_VALUES.get((requireManifest ?? '').trim().toLowerCase());
  if (required === undefined) {
    return [ `[egg-sentinel preflight] refused to start: EGG_SENTINEL_REQUIRE_MANIFEST is ${JSON.stringify(requireManifest)}; set it to 1 (or true) to require ${MANIFEST_FILE}, or 0 (or false, or unset it) not to.` ];
  }
  let read;
  try {
    read = readManifest(baseDir);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return [ `[egg-sentinel preflight] refused to start (SEN104): ${error.message}` ];
  }
  if (!read && required) {
    return [
      `[egg-sentinel preflight] refused to start (SEN104) in env ${serverEnv}: EGG_SENTINEL_REQUIRE_MANIFEST is set, and ${path.join(baseDir, MANIFEST_FILE)} is missing: ` +
        'without it no plugin file is checked before egg runs the plugins\' code.',
      `Fix: restore ${MANIFEST_FILE} (it is committed with the app), or run \`npx egg-sentinel pin\` after checking the installed plugins, and commit it.`,
    ];
  }
  if (!read) return [];
  // Every pinned plugin, whatever env it was pinned for: a plugin's files are the same in every env (one pinned for
  // prod started as staging runs the same code), and a change to any of them is what the manifest is for.
  const differences = pinnedPluginDrift(baseDir, read.manifest, read.manifest.envs, lookup);
  if (!differences.length) return [];
  return [
    `[egg-sentinel preflight] refused to start (SEN104) in env ${serverEnv}: ${differences.length} plugin(s) pinned in ${MANIFEST_FILE} differ from it, before any of their code ran:`,
    ...differences.map(({ plugin, difference }) => `  - ${plugin}: ${typeof difference === 'string' ? difference : describeDrift(difference)}`),
    'Fix: find out why the files changed or where the other copy came from (reinstall with `npm ci` to restore the packages); if the change is intended, review it, run `npx egg-sentinel pin` and commit the manifest.',
  ];
}

/** The env egg would run in: the first of its sources (egg-core getServerEnv's order), else what NODE_ENV maps to. */
function effectiveEnv(sources: EnvSource[], env: NodeJS.ProcessEnv): string {
  const first = sources.find(source => source.kind === 'env');
  if (first) return first.value;
  return env.NODE_ENV === 'test' ? 'unittest' : env.NODE_ENV === 'production' ? 'prod' : 'local';
}

/** The code-loading keys (CODE_LOADING_KEYS) EGG_APP_CONFIG's JSON sets. */
function codeLoadingKeys(json: string | undefined): string[] {
  const parsed = parseEggJson(json);
  return CODE_LOADING_KEYS.filter(keyPath => setsKeyPath(parsed, keyPath));
}

/** Why the module `specifier` (a name or path) is not the app's own, or undefined when it resolves inside the app or a node_modules it may trust. */
function moduleOutsideApp(specifier: string, baseDir: string): string | undefined {
  let file: string;
  try {
    file = fs.realpathSync(createRequire(path.join(baseDir, 'noop.js')).resolve(specifier));
  } catch {
    return 'it does not resolve from the app';
  }
  return outsideApp(file, baseDir);
}

/**
 * Each plugin entry of EGG_PLUGINS or the `plugins` start option whose `path`, or whose `package` (its name without
 * one) as egg-core resolves it (pluginLookup: node's global folders, NODE_PATH, `$HOME/.node_modules`…, and the
 * working directory's node_modules, which need not be the app's, among them), lies outside the app or in a directory
 * it writes at run time or serves (a plugin dropped into run/ or an upload dir), with why.
 */
function untrustedPluginPaths(plugins: unknown, baseDir: string, lookup: PluginLookup): string[] {
  if (!isObject(plugins)) return [];
  return Object.entries(plugins).flatMap(([ name, entry ]) => {
    const { path: dir, package: packageName, enable } = (isObject(entry) ? entry : {}) as { path?: unknown; package?: unknown; enable?: unknown };
    if (entry === false || enable === false) return [];
    const location = typeof dir === 'string' && dir ? path.resolve(baseDir, dir) :
      firstPackage(typeof packageName === 'string' && packageName ? packageName : name, lookup.dirs);
    const why = location === undefined ? undefined : moduleFileWhy(realPathOrAbsolute(location), baseDir, 'it does not resolve');
    return why ? [ `${name} (${why})` ] : [];
  });
}

/** Why the real path `file` is not the app's own, or undefined when it is inside the app or a node_modules it may trust. */
function outsideApp(file: string, baseDir: string): string | undefined {
  const base = realPathOrAbsolute(baseDir);
  const roots = [ base, ...nodeModulesDirs(base).map(realPathOrAbsolute) ];
  const root = roots.find(dir => isInside(file, dir));
  if (!root) return `${file} is outside the app and the node_modules it resolves from`;
  if (root === base) {
    // The app's own file runs as the app's code only while no other user can change it (SEN110 at boot comes too late),
    // nor the app's modules it requires by a relative path, which run with it (review of round 40, h7 F9).
    const owner = appOwner(base);
    for (const module of [ file, ...relativeRequires(file, base) ]) {
      const changeable = changeableByOthers(module, base, owner);
      if (changeable) return module === file ? `${file} is in the app, and ${changeable}` : `${file} requires ${module}, and ${changeable}`;
    }
    return undefined;
  }
  const why = untrustedModuleRoots([ root ], base)[0]?.why;
  return why ? `${file} is in ${root}, a node_modules outside the app ${why}` : undefined;
}

/** How deep the app's modules a preload requires by relative paths are followed (each file read once). */
const REQUIRE_DEPTH = 3;

/**
 * The app's own modules `file` requires by a relative path (`require('./otel-setup')`, `import './x'`), and theirs,
 * REQUIRE_DEPTH deep, as they resolve; none that leave the app root or lie in a node_modules.
 */
function relativeRequires(file: string, base: string): string[] {
  const found = new Set<string>();
  const visit = (module: string, depth: number) => {
    let text: string;
    try {
      text = fs.readFileSync(module, 'utf8');
    } catch {
      return;
    }
    for (const [ , specifier ] of text.matchAll(/(?:\brequire\s*\(\s*|\bfrom\s+|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      let required: string;
      try {
        required = fs.realpathSync(createRequire(module).resolve(specifier));
      } catch {
        continue;
      }
      if (found.has(required) || !isInside(required, base) || required.split(path.sep).includes('node_modules')) continue;
      found.add(required);
      if (depth > 1) visit(required, depth - 1);
    }
  };
  visit(file, REQUIRE_DEPTH);
  return [ ...found ];
}

/** Whether `json` is a JSON object with `key` of its own (egg parses EGG_APP_CONFIG and EGG_PLUGINS with JSON.parse). */
function hasOwnKey(json: string | undefined, key: string): boolean {
  const parsed = parseEggJson(json);
  return isObject(parsed) && Object.prototype.hasOwnProperty.call(parsed, key);
}

function isObject(value: unknown): value is object {
  return Boolean(value) && typeof value === 'object';
}
