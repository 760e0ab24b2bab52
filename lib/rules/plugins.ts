/** Threat 1: malicious, misplaced, typosquatted, unlocked or tampered plugins. */
import type { SentinelPluginsConfig } from '../config/types';
import { type ConfigLeaves, EARLIER_UNKNOWN, configLeaves, earlierHooks } from '../config-changes';
import { toDisplayPath } from '../facts/collect';
import { WRITTEN_DIR_KEYS } from '../facts/files';
import { isInside } from '../facts/real-path';
import { type FrameworkSetter, type FrameworkTrustFact, MOCK_PACKAGES, type PluginSwitches, type PluginTrustFact } from '../facts/plugins';
import type { Facts, PluginFact } from '../facts/types';
import { CODE_WALK_LIMIT, type WritableCodeFact } from '../facts/writable-code';
import { describePathProblem } from '../facts/runtime';
import { MANIFEST_FILE, describeDrift, listFiles } from '../plugins/manifest';
import { resolvedSources } from '../plugins/lockfile';
import { findTyposquat, firstMatchingPattern, KNOWN_NAMES } from '../plugins/names';
import { type ConfiguredRegistry, DEFAULT_REGISTRIES, displayUrl, registryOf } from '../plugins/registries';
import type { Rule, RuleHit } from './types';

function pluginOptions(facts: Facts): SentinelPluginsConfig {
  return (facts.config.sentinel as { plugins?: SentinelPluginsConfig } | undefined)?.plugins ?? {};
}

function isFramework(unit: PluginTrustFact | FrameworkTrustFact): unit is FrameworkTrustFact {
  return 'setBy' in unit;
}

function label(unit: PluginTrustFact | FrameworkTrustFact): string {
  if (isFramework(unit)) return `framework ${unit.package ?? unit.realPath}`;
  return `plugin ${unit.name}${unit.package && unit.package !== unit.name ? ` (${unit.package})` : ''}`;
}

function target(unit: PluginTrustFact | FrameworkTrustFact): string {
  return isFramework(unit) ? `framework:${unit.package ?? unit.realPath}` : `plugin:${unit.name}`;
}

/** Every enabled plugin except the project itself (see PluginLocation). */
function judgedPlugins(facts: Facts): PluginTrustFact[] {
  return facts.pluginTrust.plugins.filter(plugin => plugin.location !== 'project');
}

/** Every framework egg loads except the project itself (a framework's repository running its test app). */
function judgedFrameworks(facts: Facts): FrameworkTrustFact[] {
  return facts.pluginTrust.frameworks.filter(framework => framework.location !== 'project');
}

/** What made egg load a framework, as a finding names it. */
function frameworkSetter(setBy: FrameworkSetter): string {
  switch (setBy.key) {
    case 'package.json': return `package.json's "egg": { "framework": ${JSON.stringify(setBy.value)} }`;
    case 'start-options': return 'the start options\' `framework` (egg-scripts --framework, startCluster({ framework }))';
    case 'default': return 'egg\'s default (no framework named)';
    default: return `the framework ${setBy.framework}, whose Application extends it`;
  }
}

const FRAMEWORK_FIX = 'Install the framework as a dependency of the app (declared in its package.json and pinned by its lockfile: `npm install <package>`, ' +
  'then `npm ci` where the app is deployed) and name that package in package.json ("egg": { "framework": "<package>" }) or pass its name to --framework, ' +
  'not a path; a framework it builds on is installed as that framework\'s dependency.';

/** SEN101's finding for a framework egg loads from a place nothing installed it in, or undefined. */
function frameworkPlaceHit(facts: Facts, framework: FrameworkTrustFact): RuleHit | undefined {
  const { place } = framework;
  const shown = (dir: string) => toDisplayPath(facts.app.baseDir, dir);
  const loaded = `${label(framework)} (set by ${frameworkSetter(framework.setBy)}) is loaded from ${framework.realPath}`;
  const hit = { severity: 'high' as const, target: target(framework), source: framework.setBy.key === 'package.json' ? 'package.json' : framework.displayPath };
  const runs = 'its config, extensions, app.js and agent.js run in every process before any plugin\'s, and could switch egg-sentinel off';
  switch (place.state) {
    case 'installed': return undefined;
    case 'refused': return { ...hit,
      message: `${loaded}, in ${place.dir}, a node_modules outside the app ${place.why}: whoever can write there chose the framework's code, and ${runs}`,
      fix: `Install the framework in the app's own node_modules (npm ci in the app), or make ${place.dir} this user's or root's and writable by no one else (chown, chmod go-w).` };
    case 'undeclared': return { ...hit,
      message: `${loaded}, in ${shown(place.root)}, but the app's package.json declares no dependency ${framework.package ?? '(it has no package name)'}: ` +
        `no install of the app put it there, and ${runs}`,
      fix: FRAMEWORK_FIX };
    case 'workspace': return place.workspace.problem === undefined ? undefined : { ...hit,
      message: `${loaded}, outside every node_modules; it lies below ${place.workspace.lockfile}, which does not vouch for it as a workspace package: ${place.workspace.problem}`,
      fix: FRAMEWORK_FIX };
    default: return { ...hit,
      message: `${loaded}, outside every node_modules egg finds it in (those the app resolves from, the working directory's and node's global folders): ` +
        `no install of the app put it there, and ${runs}`,
      fix: FRAMEWORK_FIX };
  }
}

export const pluginOutsideTrustedRoots: Rule = {
  id: 'SEN101',
  area: 'plugins',
  title: 'Plugin or framework loaded from outside trusted directories',
  severity: 'high',
  description: 'egg runs every enabled plugin\'s app.js, agent.js, config and extensions with full privileges, from whatever ' +
    'directory its `path` (or a symlink under node_modules) leads to. A plugin whose real path (symlinks resolved) is not ' +
    'inside a node_modules directory the app or its framework resolves packages from (one above the app only when it is ' +
    'owned by this process\'s user or root and not writable by every user, unlike a `/tmp/node_modules` another user made), nor inside ' +
    'the app\'s installed framework (its `lib/plugin`, also for a framework of the app\'s workspace that node_modules links to), nor inside ' +
    '`config.sentinel.plugins.localRoots` (default: the app\'s `lib/plugin` and `app/plugin`), runs code nobody installed ' +
    'or reviewed with the app: a temp dir, another user\'s home, a shared mount. A local root that holds the app root ' +
    '(`/`, `../..`) is reported too: it would trust every such place; so is the app root itself (`.`), which would trust ' +
    'run/, logs/ and upload directories; and so is a local root inside or around a directory the app writes at run time ' +
    '(`rundir`, `logger.dir`, `multipart.tmpdir`). High in every env. Any other local root whose real path lies outside the ' +
    'app root (`../shared-plugins`, `/opt/plugins`, a symlink out of the app) is medium: what it holds is trusted without being ' +
    'the app\'s source or locked by its lockfile. A package of the app\'s workspace (a plugin directory inside the directory of ' +
    'the lockfile at or above the app, which that lockfile, this user\'s or root\'s and writable by no one else, records as a link: npm\'s `"link": true`, ' +
    'pnpm\'s `link:` under `importers`, yarn 2+\'s `workspace:`; yarn 1 records none) ' +
    'and which the app\'s package.json, or its framework\'s, declares as a dependency) is the project\'s own source, installed by its lockfile, and is trusted ' +
    'like the app\'s node_modules; one neither declares, or whose lockfile does not vouch, is reported with the reason. The plugin whose ' +
    'directory holds the app (a plugin repository running its own test app) is the project itself and is not judged. ' +
    'The framework the app runs on (package.json\'s `egg.framework`, or the start options\' `framework`: egg-scripts --framework, startCluster({ framework })) ' +
    'and each framework it builds on are judged too: their config, extensions, app.js and agent.js run in every process before any plugin\'s. ' +
    'A framework must be the package that `require` of its name finds in a node_modules (those the app resolves from, the working directory\'s, ' +
    'node\'s global folders and, for a framework another builds on, that one\'s own; one outside the app only while no other user owns it or can write it), ' +
    'and the app\'s own framework a dependency its package.json declares (egg, the default, need not be): a path (`"framework": "../../fw"`, ' +
    '`--framework=/opt/fw`) to a directory no install put there is reported as `framework:<package>`, naming the key that set it.',
  fix: 'Install the plugin as a dependency of the app (`package` in config/plugin.*; a package of the app\'s workspace counts once the app ' +
    'declares it and the workspace root\'s lockfile records its link: package-lock.json, pnpm-lock.yaml or yarn 2+\'s yarn.lock), or move it into lib/plugin; ' +
    'if it must live elsewhere, add that directory to `config.sentinel.plugins.localRoots` (a root outside the app is reported as medium: pin its plugins and waive that finding).',
  check(facts) {
    const { nodeModules, local } = facts.pluginTrust.trustedRoots;
    // A root around the app root (`/`, `../..`) trusts every directory a plugin could come from; the app root itself
    // (`.`) every directory in it, run/, logs/ and upload directories included.
    const tooBroad = local.flatMap((root, index): RuleHit[] => (isInside(facts.app.baseDir, root) ? [{
      severity: 'high',
      target: `config.sentinel.plugins.localRoots[${index}]`,
      source: facts.provenance('sentinel.plugins.localRoots'),
      message: isInside(root, facts.app.baseDir) ?
        `config.sentinel.plugins.localRoots[${index}] is the app root itself: every directory in the app (run/, logs/, upload directories) becomes a trusted plugin location` :
        `config.sentinel.plugins.localRoots[${index}] is ${root}, which holds the app root itself: every directory around the app becomes a trusted plugin location`,
    }] : []));
    const written = facts.files.configPaths.filter(entry => WRITTEN_DIR_KEYS.has(entry.keyPath));
    const overWritten = local.flatMap((root, index): RuleHit[] => {
      if (isInside(facts.app.baseDir, root)) return [];
      const dir = written.find(entry => isInside(root, entry.realPath) || isInside(entry.realPath, root));
      if (!dir) return [];
      const shown = (file: string) => toDisplayPath(facts.app.baseDir, file);
      const where = isInside(root, dir.realPath) ? 'inside' : 'around';
      return [{
        severity: 'high',
        target: `config.sentinel.plugins.localRoots[${index}]`,
        source: facts.provenance('sentinel.plugins.localRoots'),
        message: `config.sentinel.plugins.localRoots[${index}] is ${shown(root)}, ${where} ${dir.keyPath} (${shown(dir.realPath)}), which the app ` +
          'writes at run time: what a request or a log line leaves there would load as a trusted plugin',
      }];
    });
    // Any other root outside the app trusts plugins that are neither the app's source nor installed from its lockfile.
    const reported = new Set([ ...tooBroad, ...overWritten ].map(hit => hit.target));
    const outside = local.flatMap((root, index): RuleHit[] => {
      const at = `config.sentinel.plugins.localRoots[${index}]`;
      if (reported.has(at) || !facts.pluginTrust.trustedRoots.localOutsideApp?.includes(root)) return [];
      return [{
        severity: 'medium',
        target: at,
        source: facts.provenance('sentinel.plugins.localRoots'),
        message: `${at} is ${root}, outside the app root: a plugin there is trusted though it is neither part of the app's source nor installed from its lockfile, ` +
          'so whatever that directory holds when the app starts runs as the app',
        fix: 'Move the plugins into the app (lib/plugin) or install them as packages the lockfile pins (a package of the app\'s workspace: declare it ' +
          'in the app\'s package.json dependencies, install at the workspace root), and drop the entry; if the directory must ' +
          `stay outside, keep it this user's or root's and writable by no one else, pin its plugins with \`npx egg-sentinel pin\`, and waive SEN101 for ${at} with the reason.`,
      }];
    });
    const frameworks = judgedFrameworks(facts).flatMap(framework => frameworkPlaceHit(facts, framework) ?? []);
    // A framework the app installed ships its plugins (its lib/plugin) with it, also one of the app's workspace, which
    // node_modules only links to.
    const installedFrameworks = judgedFrameworks(facts).filter(framework => framework.place.state === 'installed' ||
      (framework.place.state === 'workspace' && framework.place.workspace.problem === undefined)).map(framework => framework.realPath);
    return [ ...tooBroad, ...overWritten, ...outside, ...frameworks, ...judgedPlugins(facts).flatMap(plugin => {
      const refused = facts.pluginTrust.trustedRoots.refused?.find(root => isInside(plugin.realPath, root.dir));
      const { workspace } = plugin;
      const workspacePackage = workspace !== undefined && workspace.problem === undefined;
      if (!refused && (workspacePackage || [ ...nodeModules, ...local, ...installedFrameworks ].some(root => isInside(plugin.realPath, root)))) return [];
      const configured = facts.plugins.find(entry => entry.name === plugin.name)?.path;
      const via = configured && configured !== plugin.realPath ? ` (through ${toDisplayPath(facts.app.baseDir, configured)}, a symlink)` : '';
      const roots = [ 'the node_modules of the app and its framework', ...local.map(root => toDisplayPath(facts.app.baseDir, root)) ].join(', ');
      const loaded = `${label(plugin)} is loaded from ${plugin.realPath}${via}`;
      if (refused) {
        return [{
          severity: 'high' as const, target: target(plugin), source: plugin.from,
          message: `${loaded}, ${refused.dir === plugin.realPath ? 'a directory outside the app' : `in ${refused.dir}, a node_modules outside the app`} ${refused.why}: whoever can write there chose the plugin's code`,
          fix: `Install the plugin in the app's own node_modules (npm ci in the app), or make ${refused.dir} this user's or root's and writable by no one else (chown, chmod go-w).`,
        }];
      }
      return [{
        severity: 'high' as const, target: target(plugin), source: plugin.from,
        message: workspace ?
          `${loaded}, outside the trusted directories (${roots}); it lies below ${workspace.lockfile}, which does not vouch for it as a workspace package: ${workspace.problem}` :
          `${loaded}, outside the trusted directories (${roots})`,
        ...(workspace && { fix: `Make it a workspace package the app installs: declare ${plugin.package ?? 'its package'} in the app's package.json dependencies and run the install at the workspace root (\`npm install\`, \`pnpm install\`, \`yarn install\`) so ${workspace.lockfile} records the link (commit it); ` +
          'or add its directory to `config.sentinel.plugins.localRoots` (a root outside the app is reported as medium: pin its plugins and waive that finding).' }),
      }];
    }) ];
  },
};

export const typosquattedPlugin: Rule = {
  id: 'SEN102',
  area: 'plugins',
  title: 'Plugin name imitates a well-known egg package',
  severity: 'high',
  description: 'The package of an enabled plugin, or of a framework egg loads (package.json\'s `egg.framework`, `--framework`, and those it builds on), ' +
    'is a small edit away from a well-known egg plugin or package ' +
    '(egg\'s built-in plugins and popular community ones, `egg-*` and `@eggjs/*` names, shipped in ' +
    '`lib/data/known-plugins.json`), such as `egg-securty` for `egg-security`, or is one with a variation of egg\'s prefix ' +
    '(`eggjs-cors`, `egg.js-cors`, `egg_cors` for `egg-cors`), or sits in a scope that imitates ' +
    '`@eggjs` (`@egg/…`, `@eggs/…`). Typosquatted packages are a common way to get malicious code installed. ' +
    'The listed names themselves never fire, nor the app\'s own `path` plugins (`lib/plugin/egg-trace`), which no registry installs. ' +
    'Also a plugin whose package, as egg looks it up (`egg-jsonp` for egg\'s jsonp), holds another package: an npm alias ' +
    '(`"egg-jsonp": "npm:egg-cors@3"`) installs any package under a trusted name. High in every env.',
  fix: 'Check the package name in config/plugin.* and package.json against the real plugin\'s name, uninstall the look-alike ' +
    'and install the real one; if the name is legitimate, waive SEN102 for `plugin:<name>` with the reason.',
  check(facts) {
    const squats = (unit: PluginTrustFact | FrameworkTrustFact, names: Array<string | undefined>, source: string | undefined): RuleHit[] =>
      [ ...new Set(names.filter((name): name is string => Boolean(name))) ].flatMap(name => {
        const squat = findTyposquat(name);
        if (!squat) return [];
        const how = squat.kind === 'scope' ? `is published under a scope that imitates ${squat.imitates}` : `is a look-alike of ${squat.imitates}`;
        return [{ severity: 'high' as const, target: target(unit), source, message: `${label(unit)}: the package "${name}" ${how}` }];
      });
    // A framework's code runs in every process before any plugin's: its name is judged as a plugin package's.
    const frameworks = judgedFrameworks(facts).flatMap(framework => squats(framework,
      [ framework.package, framework.setBy.key === 'package.json' ? framework.setBy.value : undefined ],
      framework.setBy.key === 'package.json' ? 'package.json' : framework.displayPath));
    const plugins = facts.pluginTrust.plugins.filter(plugin => plugin.location === 'package');
    // npm's alias (`"egg-jsonp": "npm:egg-cors@3"`) installs one package under another's name, which egg looks up.
    // A look-alike name egg looks up is said as such, below.
    // High where the alias borrows a well-known name's trust (egg's own plugins, popular ones); a fork under its own
    // project's name is medium, said so the review sees it.
    const aliased = plugins.filter(plugin => plugin.configuredPackage !== undefined && plugin.package !== undefined && !findTyposquat(plugin.configuredPackage)).map(plugin => ({
      severity: KNOWN_NAMES.names.includes(plugin.configuredPackage as string) ? 'high' as const : 'medium' as const, target: target(plugin), source: plugin.from,
      message: `${label(plugin)}: egg looks the plugin up as "${plugin.configuredPackage}", and ${plugin.displayPath} holds the package "${plugin.package}" ` +
        `installed under that name (an npm alias such as "${plugin.configuredPackage}": "npm:${plugin.package}@…"): another package's code runs as the plugin`,
      fix: `Install "${plugin.configuredPackage}" itself; if "${plugin.package}" is the package you mean to run (a fork), name it in config/plugin.* ` +
        `(\`package: '${plugin.package}'\`) and install it under its own name.`,
    }));
    return [ ...frameworks, ...aliased, ...plugins.flatMap(plugin => squats(plugin, [ plugin.package, plugin.configuredPackage ], plugin.from)) ];
  },
};

const LOCKFILE_NAMES = 'package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml or yarn.lock';

/** What is wrong with a locked entry, or undefined. */
/**
 * Subresource integrity (`sha512-<base64>`, several separated by spaces), or yarn berry's hex checksum: `<cache
 * key>/<hex>` from yarn 4, the bare hex in yarn 2 and 3 lockfiles.
 */
const INTEGRITY = /^(?:(?:sha1|sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}(?:\s+|$))+$|^(?:[0-9a-z]+\/)?[0-9a-f]+$/;

const NO_REGISTRY = 'which is no registry the app installs from';

/**
 * What is wrong with where a lockfile says a package came from, or undefined: a URL that is not https (a local
 * tarball, `file:`, is as pinned as a registry one: install checks it against the integrity hash), or an https URL
 * on no registry the app installs from.
 */
function sourceProblem(resolved: string | undefined, registries: readonly string[]): string | undefined {
  if (!resolved || !/^[a-z+]+:/i.test(resolved) || resolved.startsWith('file:')) return undefined;
  if (!resolved.startsWith('https:')) return `was resolved from ${displayUrl(resolved)}, not over https`;
  if (registryOf(resolved, registries)) return undefined;
  return `was resolved from ${displayUrl(resolved)}, on host ${new URL(resolved).host}, ${NO_REGISTRY}`;
}

/**
 * The registries lockfile URLs may point into: npm's and yarn's, the app's .npmrc / .yarnrc ones and `plugins.registries`,
 * and, unless `appOnly`, those of the user's or the environment's npm config.
 */
function allowedRegistries(facts: Facts, appOnly = false): string[] {
  const configured = facts.pluginTrust.configuredRegistries.filter(entry => !appOnly || !entry.user);
  return [ ...DEFAULT_REGISTRIES, ...configured.map(entry => entry.url), ...pluginOptions(facts).registries ?? [] ];
}

/**
 * In the audit: the registries of the user's or the environment's npm config (~/.npmrc, npm_config_registry, which npx
 * and npm run set from the user's npmrc, NPM_CONFIG_USERCONFIG and the global npmrc) that alone accepted lockfile URLs
 * of plugins, each with the plugins whose URLs lie there and how many packages. A CI machine has that config; the app's
 * boot, in a production image without it, refuses those plugins (SEN103).
 */
function acceptedThroughUserConfig(facts: Facts): Array<{ registry: ConfiguredRegistry; plugins: string[]; packages: number }> {
  const user = facts.pluginTrust.configuredRegistries.filter(entry => entry.user);
  if (facts.builtins.packages.loadedBy !== 'audit' || !user.length) return [];
  const appRegistries = allowedRegistries(facts, true);
  const found = new Map<ConfiguredRegistry, { plugins: Set<string>; packages: Set<string> }>();
  for (const plugin of judgedPlugins(facts)) {
    const own = plugin.lock.state === 'locked' ? resolvedSources(plugin.lock.entry).map(resolved => ({ package: plugin.package ?? plugin.name, resolved })) : [];
    for (const source of [ ...own, ...plugin.dependencySources ?? [] ]) {
      if (!source.resolved.startsWith('https:') || registryOf(source.resolved, appRegistries)) continue;
      const registry = user.find(entry => registryOf(source.resolved, [ entry.url ]));
      if (!registry) continue;
      const seen = found.get(registry) ?? { plugins: new Set<string>(), packages: new Set<string>() };
      found.set(registry, seen);
      seen.plugins.add(plugin.name);
      seen.packages.add(source.package);
    }
  }
  return [ ...found ].map(([ registry, seen ]) => ({ registry, plugins: [ ...seen.plugins ], packages: seen.packages.size }));
}

const REGISTRY_FIX = 'If the host is a registry of yours, add its URL to `config.sentinel.plugins.registries` (or `registry=` in the ' +
  'app\'s .npmrc); otherwise reinstall the package from the registry (delete its lockfile entry, `npm install`) and commit the lockfile.';

function lockProblem(plugin: PluginTrustFact | FrameworkTrustFact, baseDir: string, registries: readonly string[]): string | undefined {
  const { lock } = plugin;
  if (lock.state === 'not-listed') {
    return lock.within ? `lies inside ${lock.within.package}${lock.within.version === undefined ? '' : `@${lock.within.version}`}, which ${toDisplayPath(baseDir, lock.lockfile)} does not list` :
      `is installed but ${toDisplayPath(baseDir, lock.lockfile)} does not list it`;
  }
  if (lock.state === 'nameless') return `lies in node_modules with no package name (its \`path\` leads there): no install put it there, and ${toDisplayPath(baseDir, lock.lockfile)} cannot pin it`;
  if (lock.state === 'unreadable') return `cannot be checked: ${lock.error}`;
  if (lock.state !== 'locked' || lock.entry.link) return undefined;
  if (lock.entry.ambiguous) {
    const stored = lock.within ? `${lock.within.package}@${lock.within.version ?? '?'}, which holds it,` : `${plugin.package ?? '?'}@${plugin.version ?? '?'}`;
    const listed = lock.entry.listed ?? [];
    return `is installed in npm's linked store (node_modules/.store), and ${toDisplayPath(baseDir, lock.lockfile)} lists ${stored} ` +
      `${listed.length} times with different contents (${listed.map(entry => entry.key).join(', ')}): which one the store copy ` +
      'was installed from cannot be told, so none vouches for it; install that version from one source (the registry) everywhere';
  }
  if (lock.entry.linkedTo !== undefined) {
    return `is a directory of its own where ${toDisplayPath(baseDir, lock.lockfile)} records a link to ${lock.entry.linkedTo}: what is installed is not what was locked`;
  }
  const source = resolvedSources(lock.entry).map(resolved => sourceProblem(resolved, registries)).find(Boolean);
  // A plugin inside a package (a framework's lib/plugin) is locked as that package, at that package's version.
  const installed = lock.within ? lock.within.version : plugin.version;
  const problems = [
    ...(lock.entry.version !== undefined && installed !== undefined && lock.entry.version !== installed ?
      [ `installed version ${installed}${lock.within ? ` of ${lock.within.package}, which holds it,` : ''} differs from the locked ${lock.entry.version}` ] : []),
    ...(!lock.entry.integrity ? [ 'its lockfile entry has no integrity hash' ] :
      !INTEGRITY.test(lock.entry.integrity) ? [ 'its lockfile entry\'s integrity is no hash an install can check (npm\'s `sha512-…`, yarn berry\'s checksum)' ] : []),
    ...(source ? [ source ] : []),
  ];
  return problems.length ? `${problems.join('; ')} (${toDisplayPath(baseDir, lock.lockfile)})` : undefined;
}

/** The packages a plugin pulls in that its lockfile says came from elsewhere than https and the allowed registries. */
function dependencySourceProblems(plugin: PluginTrustFact, baseDir: string, registries: readonly string[]): string[] {
  return (plugin.dependencySources ?? []).flatMap(dependency => {
    const problem = sourceProblem(dependency.resolved, registries);
    return problem ? [ `${dependency.package}@${dependency.version ?? '?'} ${problem} (${toDisplayPath(baseDir, dependency.lockfile)})` ] : [];
  });
}

export const pluginNotLocked: Rule = {
  id: 'SEN103',
  area: 'plugins',
  title: 'Plugin or framework package not locked',
  severity: 'high',
  description: `An enabled plugin installed in node_modules must be pinned by the lockfile of the project that installed it (${LOCKFILE_NAMES}, ` +
    'found at or above that project\'s directory; npm lockfiles are matched by install path, pnpm and yarn ones by name and version): ' +
    'the lockfile must list it under the name it is installed as, at the installed version, as what is installed (not a link ' +
    'where a directory of its own stands; a copy in npm\'s linked store, `node_modules/.store`, is matched by name and version, which ' +
    'the lockfile must not list twice with different contents, a registry tarball and a git commit say (one `integrity` from two registry URLs is one content; ' +
    'a copy bundled inside another package, `inBundle`, is none of its own)), with an `integrity` hash an install can check and, when it records where the package ' +
    'came from, an https URL or a local tarball (`file:`, which install checks against the hash). Otherwise the next install may fetch something else. ' +
    'A plugin directory inside an installed package (a framework package\'s `lib/plugin/x`) is locked as that package, at its version. ' +
    'An https URL, of the plugin or of a package of its production dependency closure, must lie on a registry the app installs from ' +
    '(compared as parsed URLs: the same origin and a path below the registry\'s, so `registry.npmjs.org.evil.net` is none): ' +
    'https://registry.npmjs.org/, https://registry.yarnpkg.com/, the public mirrors of npm (registry.npmmirror.com, cnpm, Tencent\'s, Huawei\'s), ' +
    'the `registry` and `@scope:registry` of the app\'s .npmrc and of the user\'s ~/.npmrc, `npm_config_registry`, ' +
    '`registry` of its .yarnrc, `npmRegistryServer` of its .yarnrc.yml, and `config.sentinel.plugins.registries`; a tarball ' +
    'from any other host is whatever that host served when the lockfile was written. `egg-sentinel audit` also reports (medium; low ' +
    'in local/unittest) a registry it accepted only because the user\'s or the environment\'s npm config names it (~/.npmrc, ' +
    '`npm_config_registry`, which npx and npm run set from the user\'s and the global npmrc, as on a CI machine): a boot started without ' +
    'that config, as in a production image, refuses those plugins; `plugins.registries` makes the boot agree. ' +
    'A plugin directory in node_modules with no package name (enabled by `path`) is a finding too: no install put it there. A lockfile above the app (a ' +
    'workspace root) vouches only when it is this user\'s or root\'s and no other user can write it. No lockfile at all is one finding for ' +
    'every plugin it leaves unlocked. The frameworks egg loads (the app\'s, those it builds on, egg itself) are judged as plugins ' +
    'are when installed in node_modules (`framework:<package>`). High outside local/unittest; low on a developer machine.',
  fix: 'Commit the lockfile and install with `npm ci` (or `pnpm install --frozen-lockfile`, `yarn install --immutable`); ' +
    'after a deliberate upgrade run `npm install` so the lockfile matches node_modules again.',
  check(facts, { developmentEnv }) {
    const severity = developmentEnv ? 'low' : 'high';
    const registries = allowedRegistries(facts);
    const hits: RuleHit[] = [];
    const unlockedByProject = new Map<string, Array<PluginTrustFact | FrameworkTrustFact>>();
    for (const plugin of [ ...judgedFrameworks(facts), ...judgedPlugins(facts) ]) {
      if (plugin.lock.state === 'no-lockfile') {
        unlockedByProject.set(plugin.lock.projectDir, [ ...(unlockedByProject.get(plugin.lock.projectDir) ?? []), plugin ]);
        continue;
      }
      const problem = lockProblem(plugin, facts.app.baseDir, registries);
      if (problem) {
        hits.push({ severity, target: target(plugin), source: plugin.displayPath, message: `${label(plugin)}@${plugin.version ?? '?'} ${problem}`,
          ...(problem.includes(NO_REGISTRY) && { fix: REGISTRY_FIX }) });
      }
      // A framework's dependencies are SEN601's walk (lib/facts/packages.ts).
      if (isFramework(plugin)) continue;
      const dependencies = dependencySourceProblems(plugin, facts.app.baseDir, registries);
      if (dependencies.length) {
        hits.push({
          severity, target: target(plugin), source: plugin.displayPath, fix: REGISTRY_FIX,
          message: `${label(plugin)}@${plugin.version ?? '?'} pulls in packages its lockfile does not pin to a registry the app installs from: ` +
            `${dependencies.slice(0, 5).join('; ')}${dependencies.length > 5 ? `; and ${dependencies.length - 5} more` : ''}`,
        });
      }
    }
    for (const [ projectDir, units ] of unlockedByProject) {
      const shown = projectDir === facts.app.baseDir ? '.' : toDisplayPath(facts.app.baseDir, projectDir);
      const dir = shown === '.' ? 'the app root' : shown;
      const listed = (kind: 'framework' | 'plugin') => {
        const names = units.filter(unit => isFramework(unit) === (kind === 'framework')).map(unit => unit.package ?? (isFramework(unit) ? unit.realPath : unit.name));
        return names.length ? [ `the ${kind} package(s) ${names.join(', ')}` ] : [];
      };
      hits.push({
        severity, target: `lockfile:${shown}`, source: shown,
        message: `no lockfile (${LOCKFILE_NAMES}) at or above ${dir}, which installed ${[ ...listed('framework'), ...listed('plugin') ].join(' and ')}: nothing pins their versions or contents`,
      });
    }
    for (const { registry, plugins, packages } of acceptedThroughUserConfig(facts)) {
      const url = displayUrl(registry.url);
      hits.push({
        severity: developmentEnv ? 'low' : 'medium', target: `registry:${url}`, source: registry.from,
        message: `this audit accepts ${url} only because ${registry.from} names it, the user's or the environment's npm config ` +
          `(npx and npm run set npm_config_registry from ~/.npmrc, NPM_CONFIG_USERCONFIG and the global npmrc): the lockfile URLs of ${packages} ` +
          `package(s) of ${plugins.length} plugin(s) (${plugins.slice(0, 5).join(', ')}${plugins.length > 5 ? ', …' : ''}) lie there, and a boot ` +
          'started without that config (a production image without the .npmrc) refuses each of those plugins (SEN103)',
        fix: `Add it to config.sentinel.plugins.registries (\`sentinel: { plugins: { registries: [ '${url}' ] } }\`), or \`registry=${url}\` ` +
          'to the app\'s own .npmrc, so that the boot accepts it as this audit does.',
      });
    }
    return hits;
  },
};

export const pluginFilesChanged: Rule = {
  id: 'SEN104',
  area: 'plugins',
  title: 'Plugin files differ from the manifest',
  severity: 'critical',
  description: `When the app has a plugin manifest \`${MANIFEST_FILE}\` (written by \`npx egg-sentinel pin\`), every enabled ` +
    'plugin\'s files (its package directory without its own node_modules and, with `plugins.deep`, its production dependency ' +
    'closure) must hash to the recorded SHA-256 values: a changed, added or removed file means the code egg is about to run ' +
    'is not the code that was reviewed and pinned. An unreadable manifest, or plugin files that cannot be read, are findings too. With `plugins.requireManifest` ' +
    '(default: on outside local/unittest when a manifest exists) a plugin the manifest does not list, or a missing manifest, ' +
    'is a finding, and so is `plugins.deep` with a manifest pinned without `--deep` (the plugins are then verified at the ' +
    'pinned depth). Critical outside local/unittest; high on a developer machine, where plugins under development change.',
  fix: 'Find out why the files changed (reinstall with `npm ci` to restore the package); if the change is intended, ' +
    'review it and run `npx egg-sentinel pin` again, then commit the new sentinel.lock.json.',
  check(facts, { developmentEnv }) {
    const severity: RuleHit['severity'] = developmentEnv ? 'high' : 'critical';
    const { manifest } = facts.pluginTrust;
    const requireManifest = pluginOptions(facts).requireManifest ?? (!developmentEnv && manifest.state === 'present');
    if (manifest.state === 'invalid') return [{ severity, target: MANIFEST_FILE, source: MANIFEST_FILE, message: manifest.error }];
    if (manifest.state === 'absent') {
      return requireManifest ? [{ severity, target: MANIFEST_FILE, source: 'config.sentinel.plugins.requireManifest',
        message: `plugins.requireManifest is on but the app has no ${MANIFEST_FILE}: no plugin's files are verified` }] : [];
    }
    const shallow: RuleHit[] = pluginOptions(facts).deep === true && !manifest.deep ? [{
      severity, target: MANIFEST_FILE, source: 'config.sentinel.plugins.deep',
      message: `plugins.deep is on but ${MANIFEST_FILE} was pinned without the plugins' dependency closures: their dependencies are not verified (run \`npx egg-sentinel pin --deep\`)`,
    }] : [];
    return [ ...shallow, ...judgedPlugins(facts).flatMap(plugin => {
      const result = plugin.manifest;
      if (result.state === 'drift') {
        return [{ severity, target: target(plugin), source: plugin.displayPath, message: `${label(plugin)} differs from ${MANIFEST_FILE}: ${describeDrift(result.drift)}`, fix: driftFix(plugin) }];
      }
      if (result.state === 'unreadable') {
        return [{ severity, target: target(plugin), source: plugin.displayPath, message: `${label(plugin)} cannot be verified against ${MANIFEST_FILE}: ${result.error}` }];
      }
      if (result.state === 'not-pinned' && requireManifest && !isTestHarness(facts, plugin)) {
        return [{
          severity, target: target(plugin), source: plugin.from, message: `${label(plugin)} is enabled but ${MANIFEST_FILE} does not list it: its files are not verified`,
          fix: `Review the plugin, then run \`npx egg-sentinel pin\` to add it to ${MANIFEST_FILE} and commit that file; disable the plugin if it was not meant to be enabled.`,
        }];
      }
      return [];
    }) ];
  },
};

/**
 * egg-mock (or @eggjs/mock) as the plugin it adds to every app it boots, `mm.env('prod')` tests included: the test
 * runner's, which `pin` never sees, so not asked to be pinned; loaded under NODE_ENV=production it is SEN606's.
 */
function isTestHarness(facts: Facts, plugin: PluginTrustFact): boolean {
  return plugin.name === 'egg-mock' && MOCK_PACKAGES.includes(plugin.package ?? '') && facts.builtins.nodeEnv !== 'production';
}

/** How to restore a plugin that differs from the manifest, by where it comes from. */
function driftFix(plugin: PluginTrustFact): string {
  const repin = `if the change is intended, review it and run \`npx egg-sentinel pin\` again, then commit the new ${MANIFEST_FILE}`;
  if (plugin.location === 'local') return `This is the app's own plugin: ${repin}; otherwise restore its files from version control.`;
  // pnpm links node_modules files to its store: a file changed there is changed in the store too.
  if (/[\\/]\.pnpm[\\/]/.test(plugin.realPath)) {
    return `Find out why the files changed; pnpm links them to its store, so check it with \`pnpm store status\` and reinstall with \`pnpm install --force\`; ${repin}.`;
  }
  return `Find out why the files changed (reinstall with \`npm ci\` to restore the package); ${repin}.`;
}

export const pluginInstallScripts: Rule = {
  id: 'SEN105',
  area: 'plugins',
  title: 'Plugin runs install scripts',
  severity: 'medium',
  description: 'The plugin package (or, with `plugins.deep`, a package of its production dependency closure) declares a ' +
    '`preinstall`, `install` or `postinstall` script, or has a `binding.gyp` (npm then runs node-gyp): code that runs ' +
    'on every install with the installing user\'s rights, the usual way malicious packages strike before the app ever ' +
    'starts. Packages listed in `config.sentinel.plugins.allowScripts` are accepted. Medium in every env. ' +
    'Also a package whose lockfile entry records that its install ran a script (npm\'s `hasInstallScript`, pnpm\'s ' +
    '`requiresBuild`) while its installed package.json declares none: the script erased itself after it ran, as malware ' +
    'does to hide; high for npm\'s field, medium for pnpm\'s (which pnpm also sets for a package it built otherwise), and ' +
    'allowScripts does not accept it.',
  fix: 'Check what the script does; install with `npm ci --ignore-scripts` where possible, and list the packages whose ' +
    'scripts you have reviewed in `config.sentinel.plugins.allowScripts`.',
  check(facts) {
    const allowed = pluginOptions(facts).allowScripts ?? [];
    return judgedPlugins(facts).flatMap(plugin => {
      const scripts = plugin.installScripts.filter(entry => entry.erased || !firstMatchingPattern(allowed, [ entry.package ]));
      if (!scripts.length) return [];
      const listed = scripts.map(entry => `${entry.package}${entry.path === plugin.displayPath ? '' : ` (${entry.path})`}: ` +
        (entry.erased ? `its lockfile entry says the install ran a script (${entry.erased}), which its installed package.json no longer declares (erased after it ran)` :
          entry.hooks.join(', ')));
      const erased = scripts.filter(entry => entry.erased).map(entry => entry.package);
      return [{
        severity: scripts.some(entry => entry.erased === 'hasInstallScript') ? 'high' as const : 'medium' as const, target: target(plugin), source: plugin.displayPath,
        message: `${label(plugin)} runs install hooks: ${listed.join('; ')}`,
        ...(erased.length && { fix: `A package that hides its install script is likely malicious: remove ${erased.join(' and ')} (and what depends on it), ` +
          'check the machines that installed it for what the script did, and reinstall with `npm ci --ignore-scripts`.' }),
      }];
    });
  },
};

export const pluginNotAllowed: Rule = {
  id: 'SEN106',
  area: 'plugins',
  title: 'Plugin not allowed',
  severity: 'high',
  description: 'With `config.sentinel.plugins.deny`, an enabled plugin whose name or package (as configured or as ' +
    'installed) matches a pattern is refused; with a non-empty `plugins.allow`, every enabled plugin\'s installed package ' +
    'name (what its package.json says; the plugin\'s name when it has none) must match one of its patterns: neither a ' +
    'plugin name nor an npm alias (`package: \'egg-good\'` installing another package) lets a package through ' +
    '(glob-style: `*` for any characters except `/`, `?` for one: `egg-*`, `@eggjs/*`). High in every env.',
  fix: 'Disable the plugin in config/plugin.*, or change `plugins.allow` / `plugins.deny` if the policy is wrong.',
  check(facts) {
    const { allow = [], deny = [] } = pluginOptions(facts);
    if (!allow.length && !deny.length) return [];
    return facts.pluginTrust.plugins.flatMap(plugin => {
      const denied = firstMatchingPattern(deny, [ plugin.name, plugin.package, plugin.configuredPackage ]);
      const allowedBy = [ plugin.package ?? plugin.name ];
      const message = denied ? `${label(plugin)} matches plugins.deny pattern "${denied}"` :
        allow.length && !firstMatchingPattern(allow, allowedBy) ? `${label(plugin)} matches no plugins.allow pattern (${allow.join(', ')})` : undefined;
      return message ? [{ severity: 'high' as const, target: target(plugin), source: plugin.from, message }] : [];
    });
  },
};

export const pluginsFromEnvironment: Rule = {
  id: 'SEN107',
  area: 'plugins',
  title: 'Plugins enabled from the environment or the start command',
  severity: 'high',
  description: 'egg-core merges the JSON in `EGG_PLUGINS`, then egg-cluster\'s `plugins` start option (egg-scripts ' +
    '`--plugins.<name>.*` flags, `startCluster({ plugins })`), into the plugin list: whoever can set an environment ' +
    'variable of the app or change its start command can enable a plugin from any `path` and have its code run in every ' +
    'process, or disable one. The finding lists what each turned on and off. Also reported: `process.env.EGG_PLUGINS` ' +
    'no longer what the process started with (on Linux, from /proc/self/environ, which editing process.env does not change): ' +
    'a plugin EGG_PLUGINS brought in that deletes or rewrites it, and takes itself off egg\'s plugin lists, would ' +
    'otherwise be judged by nothing; the plugins the value at start enabled are judged too. A value a start script or ' +
    'dotenv sets in the process itself counts as changed. So are the start options\' plugins no longer what egg-cluster forked ' +
    'the worker with (on Linux, from /proc/self/cmdline). High outside local/unittest; low on a developer machine.',
  fix: 'Unset EGG_PLUGINS in the environment of the app and drop `--plugins.*` from its start command (start scripts, ' +
    'container and service definitions); enable plugins in config/plugin.*, which is reviewed with the code. Remove ' +
    'the code that changes process.env.EGG_PLUGINS or app.options.plugins (a plugin\'s module or boot hook, a start script setting it in the process).',
  check(facts, { developmentEnv }) {
    const { envPlugins, envPluginsAtStart, startPlugins, startPluginsAtStart } = facts.pluginTrust;
    const severity = developmentEnv ? 'low' : 'high';
    const hits: RuleHit[] = [];
    if (envPlugins.set) {
      const what = envPlugins.error ? `is set but is not JSON (${envPlugins.error}); egg ignores it, but whoever set it meant to inject plugins` :
        `is set and ${switchedPlugins(envPlugins)}`;
      hits.push({ severity, target: 'EGG_PLUGINS', source: 'EGG_PLUGINS', message: `EGG_PLUGINS ${what}` });
    }
    if (envPluginsAtStart) hits.push(changedSinceStart(severity, 'EGG_PLUGINS', 'process.env.EGG_PLUGINS is not what the process started with', envPluginsAtStart, envPlugins));
    if (startPlugins.set) {
      hits.push({ severity, target: 'options.plugins', source: 'options.plugins',
        message: `the start options' plugins (egg-scripts --plugins.* flags, or startCluster({ plugins })) ${switchedPlugins(startPlugins)}` });
    }
    if (startPluginsAtStart) {
      hits.push(changedSinceStart(severity, 'options.plugins', 'the start options\' plugins are not what egg-cluster started this process with', startPluginsAtStart, startPlugins));
    }
    return hits;
  },
};

/** SEN107's finding for a plugin list that code in the process changed since it started (`source`: EGG_PLUGINS, options.plugins). */
function changedSinceStart(severity: RuleHit['severity'], source: string, notAsStarted: string, atStart: PluginSwitches, now: PluginSwitches): RuleHit {
  return { severity, target: `${source}:changed`, source, message: `${notAsStarted} (${envPluginsState(atStart)} at start, ${envPluginsState(now)} now): ` +
    'code in the process changed which plugins egg was told to load; the plugins the value at start enabled are judged too' };
}

function envPluginsState(switches: PluginSwitches): string {
  return !switches.set ? 'unset' : switches.error ? 'not JSON' : `set and ${switchedPlugins(switches)}`;
}

function switchedPlugins({ enabled, disabled, stringEnable = [] }: { enabled: readonly string[]; disabled: readonly string[]; stringEnable?: readonly string[] }): string {
  const strings = stringEnable.length ? ` (the \`enable\` of ${stringEnable.join(', ')} is a string, "false" included, which egg reads as enabled)` : '';
  return `enables ${enabled.length ? enabled.join(', ') : 'nothing'}${disabled.length ? `, disables ${disabled.join(', ')}` : ''}${strings}`;
}

/**
 * Security-relevant config and the packages that own it. Keys without owners belong to the app and the framework
 * alone; a plugin's config file that sets them, or another plugin's keys, changes the app's security behind its back.
 */
const GUARDED_KEYS: ReadonlyArray<{ prefix: string; owners: readonly string[] }> = [
  { prefix: 'security', owners: [ 'egg-security', '@eggjs/security' ] },
  { prefix: 'sentinel', owners: [ 'egg-sentinel' ] },
  { prefix: 'static', owners: [ 'egg-static', '@eggjs/static' ] },
  { prefix: 'session', owners: [ 'egg-session', '@eggjs/session' ] },
  { prefix: 'multipart', owners: [ 'egg-multipart', '@eggjs/multipart' ] },
  { prefix: 'keys', owners: [] },
  { prefix: 'coreMiddleware', owners: [] },
  { prefix: 'cluster', owners: [] },
  { prefix: 'bodyParser', owners: [] },
  // TLS certificate checks of every request the app sends (ctx.curl, app.httpclient).
  { prefix: 'httpclient.request.rejectUnauthorized', owners: [] },
  { prefix: 'httpclient.httpsAgent.rejectUnauthorized', owners: [] },
  // Paths egg and its plugins load code from while the app loads: a plugin pointing them elsewhere runs unpinned code.
  { prefix: 'customLoader', owners: [] },
  { prefix: 'schedule.directory', owners: [ 'egg-schedule', '@eggjs/schedule' ] },
  { prefix: 'i18n.dirs', owners: [ 'egg-i18n', '@eggjs/i18n' ] },
  { prefix: 'i18n.dir', owners: [ 'egg-i18n', '@eggjs/i18n' ] },
  { prefix: 'watcher.eventSources', owners: [ 'egg-watcher', '@eggjs/watcher' ] },
  { prefix: 'view.root', owners: [ 'egg-view', '@eggjs/view' ] },
  // Who the client is (ctx.ip, ctx.protocol from headers), what the dumps mask, what errors show, what answers first.
  ...[ 'proxy', 'maxProxyCount', 'maxIpsCount', 'ipHeaders', 'hostHeaders', 'protocolHeaders', 'dump', 'rundir', 'logger.dir', 'siteFile', 'notfound' ]
    .map(prefix => ({ prefix, owners: [] })),
  { prefix: 'onerror', owners: [ 'egg-onerror', '@eggjs/onerror' ] },
  { prefix: 'jsonp', owners: [ 'egg-jsonp', '@eggjs/jsonp' ] },
  { prefix: 'logrotator', owners: [ 'egg-logrotator', '@eggjs/logrotator' ] },
  // What ctx.helper.shtml() keeps of user markup, and whether templates escape their values (SEN611).
  { prefix: 'helper.shtml', owners: [ 'egg-security', '@eggjs/security' ] },
  { prefix: 'nunjucks.autoescape', owners: [ 'egg-view-nunjucks', '@eggjs/view-nunjucks' ] },
  // Who may read the app's responses from another site, and who is taken for a signed-in user.
  { prefix: 'cors', owners: [ 'egg-cors', '@eggjs/cors' ] },
  { prefix: 'jwt', owners: [ 'egg-jwt' ] },
  { prefix: 'passport', owners: [ 'egg-passport' ] },
  { prefix: 'cookies', owners: [] },
];

function guardOf(keyPath: string) {
  return GUARDED_KEYS.find(({ prefix }) => keyPath === prefix || keyPath.startsWith(`${prefix}.`) || keyPath.startsWith(`${prefix}[`));
}

/**
 * The top-level keys whose guarded leaves boot code is watched changing (lib/boot-app.ts): not coreMiddleware, where
 * plugins push their own middleware in app.js as egg means them to (the middleware rules judge the chain), nor
 * sentinel, a change of which by code refuses boot by itself.
 */
export const CODE_GUARDED_ROOTS: readonly string[] = [ ...new Set(GUARDED_KEYS.map(({ prefix }) => prefix.split('.')[0])) ]
  .filter(root => root !== 'coreMiddleware' && root !== 'sentinel');

/**
 * The guarded leaves of the config under CODE_GUARDED_ROOTS, by key path; not dump.ignore, which every copy of
 * egg-sentinel's hook extends (lib/dumps.ts: the audit's and the app's differ) and whose dumps it masks regardless.
 */
export function guardedLeaves(config: Record<string, unknown>): ConfigLeaves {
  const leaves = new Map<string, string>();
  for (const root of CODE_GUARDED_ROOTS) {
    if (config[root] === undefined) continue;
    for (const [ keyPath, text ] of configLeaves(config[root], root)) if (guardOf(keyPath) && !keyPath.startsWith('dump.ignore')) leaves.set(keyPath, text);
  }
  return leaves;
}

export const securityConfigByPlugin: Rule = {
  id: 'SEN108',
  area: 'plugins',
  title: 'Security settings changed by a third-party plugin',
  severity: 'high',
  description: 'egg\'s config provenance (`configMeta`) shows that a security-relevant key was last set by a plugin\'s ' +
    'config file that does not own it: `security.*` belongs to egg-security, `sentinel.*` to egg-sentinel, `static.*`, ' +
    '`session.*`, `multipart.*`, `schedule.directory`, `i18n.dirs`/`i18n.dir`, `watcher.eventSources`, `view.root`, `onerror.*`, ' +
    '`jsonp.*`, `logrotator.*`, `helper.shtml.*` (egg-security), `nunjucks.autoescape` (egg-view-nunjucks), `cors.*` (egg-cors), `jwt.*` (egg-jwt) and ' +
    '`passport.*` (egg-passport) to their plugins; `keys`, `cookies.*`, `coreMiddleware`, `cluster.*`, `bodyParser.*`, ' +
    '`httpclient`\'s `rejectUnauthorized` (TLS certificate checks of outgoing requests), `customLoader` (egg loads code from its ' +
    'directories), the proxy settings (`proxy`, `maxProxyCount`, `maxIpsCount`, `ipHeaders`, `hostHeaders`, `protocolHeaders`), ' +
    '`dump`, `rundir`, `logger.dir`, `siteFile` and `notfound` to the app and the framework, which may set anything. A plugin that turns off CSRF or widens body limits in its config.default.js ' +
    'changes the app\'s security without the app\'s code saying so. An empty object in the app\'s config (`security: { csrf: {} }`), ' +
    'which egg records as setting the key, does not hide the plugin keys under it. A plugin\'s code changing these keys while the ' +
    'app boots (a `configDidLoad` hook adding to `security.csrf.ignore`), which no config file shows, is reported too, with the file ' +
    'that wrote; the app\'s own hooks and its framework may. So is a change made before egg-sentinel\'s hook is constructed, found by ' +
    'compiling the config files again and comparing: a plugin\'s config function pushing to the arrays of the app config egg hands it ' +
    '(the app\'s own arrays, so egg credits the app\'s file), named with its file, and a change no config function made, in one finding ' +
    'on the key that names the plugins whose boot hooks egg constructs before egg-sentinel\'s (a plugin listed before it; egg\'s own plugins ' +
    'aside) as those that may have made it (the app\'s own earlier hooks, a plugin in its `lib/plugin`, may). A value the files give ' +
    'differently each time (made of `Date.now()`) is not compared. A plugin whose app/middleware file has the name of a middleware egg or an ' +
    'earlier plugin provides (`securities.js`, `session.js`, a guard) replaces it, since egg loads app/middleware with override: the chain ' +
    'keeps the name and place while the code is the plugin\'s (a `securities` that only calls next switches CSRF and every security header ' +
    'off); that is reported too, naming both files (the app and its framework may replace what they like). High in every env.',
  fix: 'Set the key in the app\'s own config/config.*.js (the app loads last, so its value wins and is reviewed with the ' +
    'app), or remove the plugin; if the plugin\'s value is wanted, waive SEN108 for `plugin:<name>` (for a change no one is named for, ' +
    '`config.<key>`) with the reason.',
  check(facts) {
    const byFile = new Map<string, { plugin: string; pkg?: string; keys: string[] }>();
    for (const entry of facts.pluginTrust.pluginSetKeys) {
      const guard = guardOf(entry.keyPath);
      if (!guard || (entry.package && guard.owners.includes(entry.package))) continue;
      const seen = byFile.get(entry.file) ?? { plugin: entry.plugin, pkg: entry.package, keys: [] };
      seen.keys.push(entry.keyPath);
      byFile.set(entry.file, seen);
    }
    const ownersOf = (keys: readonly string[]) => [ ...new Set(keys.map(key => guardOf(key)?.owners[0] ?? 'the app and its framework')) ].join(', ');
    return [ ...[ ...byFile ].map(([ file, { plugin, pkg, keys } ]): RuleHit => {
      const owners = ownersOf(keys);
      return {
        severity: 'high' as const,
        target: `plugin:${plugin}`,
        // The first key leads the location to its line in the plugin's file (not to the plugin's own `exports.<name>`).
        source: `config.${keys[0]}, ${file}`,
        message: `${pluginLabel(plugin, pkg)} sets ${listFiles(keys.map(key => `config.${key}`))} in ${file}; ` +
          `these belong to ${owners}`,
      };
    }), ...codeSetHits(facts, ownersOf), ...replacedMiddlewareHits(facts) ];
  },
};

/**
 * SEN108 for middleware a plugin's app/middleware file replaced: egg loads every load unit's app/middleware with
 * `override`, so a plugin's `securities.js` takes egg-security's place under its name and in its place in the chain.
 */
function replacedMiddlewareHits(facts: Facts): RuleHit[] {
  return facts.replacedMiddleware.map(({ name, file, plugin, package: pkg, replaced }) => ({
    severity: 'high' as const,
    target: `plugin:${plugin ?? file}`,
    source: file,
    message: `${plugin ? pluginLabel(plugin, pkg) : 'a plugin'} replaces the ${name} middleware with its own ${file} in place of ${listFiles(replaced)}: ` +
      `egg's loader lets a later plugin's app/middleware file of the same name win, so the chain keeps the name ${name} and its place while the code is the plugin's`,
    fix: `Remove the plugin, or its app/middleware file named like ${name}; a plugin adds middleware of its own under a name no other unit uses. If the ` +
      `replacement is wanted, waive SEN108 for \`plugin:${plugin ?? file}\` with the reason.`,
  }));
}

/** `plugin jwt`, `plugin widget (egg-widget)`: its package when the name does not say it. */
function pluginLabel(plugin: string, pkg: string | undefined): string {
  return `plugin ${plugin}${pkg && pkg !== plugin ? ` (${pkg})` : ''}`;
}

/**
 * SEN108 for keys code changed at boot: one finding per plugin and way, its keys listed; the keys changed before
 * egg-sentinel's hook by code it cannot name in one more, naming the plugins whose earlier boot hooks may have.
 */
function codeSetHits(facts: Facts, ownersOf: (keys: readonly string[]) => string): RuleHit[] {
  const groups = new Map<string, { plugin?: string; pkg?: string; file: string; earlier?: string; suspects?: string; keys: string[] }>();
  for (const entry of facts.pluginTrust.codeSetKeys ?? []) {
    const guard = guardOf(entry.keyPath);
    if (!guard || (entry.package && guard.owners.includes(entry.package))) continue;
    // The key's owner may change it: a change only its hook and no other may have made is no finding.
    const suspects = entry.suspects?.filter(suspect => !suspect.package || !guard.owners.includes(suspect.package));
    if (suspects && !suspects.length) continue;
    const named = suspects?.map(suspect => `${pluginLabel(suspect.plugin, suspect.package)} (${suspect.file})`).join(', ');
    const group = `${entry.plugin ?? ''} ${entry.earlier ?? ''} ${named ?? ''}`;
    const seen = groups.get(group) ?? { plugin: entry.plugin, pkg: entry.package, file: entry.file, earlier: entry.earlier, suspects: named, keys: [] };
    seen.keys.push(entry.keyPath);
    groups.set(group, seen);
  }
  return [ ...groups.values() ].map(({ plugin, pkg, file, earlier, suspects, keys }): RuleHit => {
    const listed = listFiles(keys.map(key => `config.${key}`));
    const owners = `these belong to ${ownersOf(keys)}`;
    if (plugin === undefined) {
      return {
        severity: 'high' as const, target: `config.${keys[0]}`, source: `config.${keys[0]}`,
        message: `${listed} ${keys.length > 1 ? 'are' : 'is'} not what the config files say: changed before egg-sentinel's hook was constructed, by code it ` +
          `cannot name (${suspects ? earlierHooks(suspects) : EARLIER_UNKNOWN}); ${owners}`,
        fix: `Find the plugin that changes it (${suspects ? 'the constructor of its boot hook, or code it runs when egg loads it' : 'its config/config.*.js, its app.js'}) ` +
          'and remove it; set what the app wants in its own config files. Until then the value is not the one the app\'s files say. If the change is ' +
          `wanted, waive SEN108 for \`config.${keys[0]}\` with the reason.`,
      };
    }
    const who = pluginLabel(plugin, pkg);
    return {
      severity: 'high' as const,
      target: `plugin:${plugin}`,
      source: file,
      message: earlier === 'appConfig' ? `${who} changes ${listed} from its config file (${file}) through the app's config egg hands its config function: ` +
          `the app's arrays are shared with it, so egg merges the change and credits the app's file; ${owners}` :
        `${who} changes ${listed} from its code (${file}) while the app booted, after egg loaded the config files (no config file says so); ${owners}`,
      fix: `Remove the plugin, or find its code that changes app.config (${earlier === 'appConfig' ? 'its config function writing to the app config it is handed' : 'a boot hook, app.js'}); ` +
        `set what the app wants in its own config files or its own app.js. If the change is wanted, waive SEN108 for \`plugin:${plugin}\` with the reason.`,
    };
  });
}

/** The plugin entries that load egg-sentinel: named `sentinel`, or any name given its package. */
function sentinelEntries(facts: Facts): PluginFact[] {
  return facts.plugins.filter(plugin => plugin.name === 'sentinel' || plugin.package === 'egg-sentinel');
}

export const sentinelDisabled: Rule = {
  id: 'SEN109',
  area: 'plugins',
  title: 'egg-sentinel switched off in this env',
  severity: 'high',
  description: 'The app configures the egg-sentinel plugin, but not for this env: `sentinel: false` or `enable: false` in a ' +
    '`config/plugin.<env>` file, or an `env` list without it. A boot in this env then runs none of egg-sentinel\'s checks, ' +
    'signs no IPC message and masks no config dump, and nothing says so; found by `egg-sentinel audit --env <env>` (at boot egg-sentinel ' +
    'runs only where it is on). Outside local/unittest.',
  fix: 'Enable egg-sentinel for every env in `config/plugin.(js|ts)` (`sentinel: { enable: true, package: \'egg-sentinel\' }`, no `env` ' +
    'list) and remove the override that disables it; tune what it refuses with `config.sentinel` (failOn, rules, waivers) instead. An `env` ' +
    'list a framework\'s config/plugin sets stays when the app\'s entry has none (or `env: []`): list the envs in the app\'s entry then.',
  check(facts, { developmentEnv }) {
    const entries = sentinelEntries(facts);
    if (developmentEnv || !entries.length || entries.some(entry => entry.enable)) return [];
    const serverEnv = facts.env.serverEnv;
    return entries.map(entry => {
      const env = entry.env && !entry.env.list.includes(serverEnv) ? entry.env : undefined;
      const shown = (list: string[]) => `[ ${list.map(name => `'${name}'`).join(', ')} ]`;
      return {
        severity: 'high' as const,
        target: `plugin:${entry.name}`,
        source: env?.from ?? entry.from,
        message: `the ${entry.name} plugin (egg-sentinel) is configured${entry.from ? ` in ${entry.from}` : ''} but not enabled in env ${serverEnv}` +
          `${env ? `: its \`env\` list ${shown(env.list)}, from ${env.from}, leaves ${serverEnv} out, so` : ':'} ` +
          'a boot in it runs none of egg-sentinel\'s checks, IPC signing or dump masking',
        // A list another file wrote (a framework's config/plugin) stays when the app's entry has none or `env: []`.
        ...(env && env.from !== entry.from && {
          fix: `The \`env\` list comes from ${env.from}, and egg keeps it: an entry with no \`env\` or \`env: []\` does not replace it. List every env the app ` +
            `runs in, in the app's entry: \`${entry.name}: { enable: true, package: 'egg-sentinel', env: ${shown([ ...new Set([ ...env.list, serverEnv ]) ])} }\` ` +
            `(or have ${env.from} drop its list).`,
        }),
      };
    });
  },
};

export const writableCode: Rule = {
  id: 'SEN110',
  area: 'plugins',
  title: 'Plugin, framework or app code other users can change',
  severity: 'high',
  description: 'egg runs the code of every enabled plugin and of the app itself in every process. A file or directory ' +
    'of it that every user can write, that a group other than this process\'s can write, or that a user other than this ' +
    'process\'s, root and the app root\'s owner (who deployed it) owns lets that user put code into the app (in a directory, by adding or renaming files). ' +
    'Checked: each enabled plugin\'s directory and each framework\'s (egg\'s, the app\'s framework and those it builds on) ' +
    'and everything below them except their own node_modules (a plugin or framework that is the project itself aside); the app root and its node_modules directory themselves; everything below the app\'s ' +
    '`app/` and `lib/` (plugins enabled there are judged as plugins); `app.js`, `agent.js`, `app.ts` and `agent.ts`; ' +
    '`package.json` (egg reads the framework from it, egg-scripts its `eggScriptsConfig`: `node`, `require`, `framework`); ' +
    'with egg-view enabled and a view engine mapped, everything below each `view.root` dir app/ and lib/ do not hold (templates are code: ejs compiles them to JavaScript). ' +
    `\`config/\` is SEN205's. A symlink that leads out of the walked directory is judged by its target and each directory above it (egg loads through it), and a linked directory is walked. At most ${CODE_WALK_LIMIT} entries are walked per ` +
    'plugin and per app directory (the finding says when a walk stopped there). Also every module the app\'s own files required (as ' +
    'require\'s cache holds them when the check runs), directly or through other such modules, outside those paths and outside any ' +
    'node_modules: a config file\'s `require(\'../../shared/cfg.js\')`, the app\'s `shared/db.js`; the file, and each directory above it ' +
    '(up to the app root inside the app) where another user could swap it; one finding per module, naming the file that required it. ' +
    'egg\'s, the framework\'s and the plugins\' own modules are not judged this way, nor ES modules egg 4 import()s (no trace in ' +
    'require\'s cache). Not checked on Windows. High outside ' +
    'local/unittest; low on a developer machine.',
  fix: 'Remove the write bits for group and others (`chmod -R go-w <path>`) and give what another user owns to this ' +
    'process\'s user or root (`chown -R`), e.g. with a deploy step or a stricter umask (022 or 027); reinstall a plugin ' +
    'package someone else could write (`npm ci`).',
  check(facts, { developmentEnv }) {
    const severity = developmentEnv ? 'low' : 'high';
    const plugins = [ ...judgedFrameworks(facts), ...judgedPlugins(facts) ].flatMap((plugin): RuleHit[] => {
      // A plugin directory outside the app that SEN101 refuses for the same reason is reported there.
      const refused = !isFramework(plugin) && facts.pluginTrust.trustedRoots.refused?.some(root => root.dir === plugin.realPath);
      const entries = plugin.writableCode?.entries.filter(entry => !refused || entry.path !== plugin.displayPath) ?? [];
      if (!plugin.writableCode || !entries.length) return [];
      const fact = { ...plugin.writableCode, entries, count: plugin.writableCode.count - (plugin.writableCode.entries.length - entries.length) };
      return [{
        severity, target: target(plugin), source: plugin.displayPath,
        message: `${label(plugin)} has code other users can change: ${describeWritable(fact)}`,
        fix: `${writableFix(fact, plugin.displayPath)}${plugin.location === 'package' ? ', and reinstall the package (`npm ci`): its files may have been changed already' : ''}.`,
      }];
    });
    const app = facts.files.writableCode.map((fact): RuleHit => ({
      severity, target: fact.root, source: fact.entries[0].path,
      message: fact.templatesOf ?
        `templates other users can change in ${fact.root} (config.${fact.templatesOf}), which egg-view renders as code: ${describeWritable(fact)}` :
        `app code other users can change in ${fact.root === '.' ? 'the app root' : fact.root}: ${describeWritable(fact)}`,
      fix: `${writableFix(fact, fact.root)}.`,
    }));
    const modules = facts.files.writableModules.map((fact): RuleHit => ({
      severity, target: fact.path, source: fact.requiredBy ?? fact.path,
      message: `a module the app loaded, ${fact.path}${fact.requiredBy ? ` (required by ${fact.requiredBy})` : ''}, is code other users can change: ` +
        `${describePathProblem(fact.path, fact.problem)}; that user's code runs in every process egg starts, each worker egg-cluster forks again included`,
      fix: `Make ${fact.problem.at}${fact.problem.where === 'folder' ? '' : ` and ${fact.path}`} owned by this process's user or root (\`chown\`) and writable by ` +
        'them only (`chmod go-w`) where the app is deployed, or move the module into the app\'s own code (`lib/`) or a package in its node_modules.',
    }));
    return [ ...plugins, ...app, ...modules ];
  },
};

function describeWritable(fact: WritableCodeFact): string {
  const more = fact.count - fact.entries.length;
  return fact.entries.map(entry => `${entry.path} is ${entry.why}`).join('; ') + (more > 0 ? `; and ${more} more` : '') +
    (fact.capped ? ` (the check stopped after ${CODE_WALK_LIMIT} entries: there may be more)` : '');
}

function writableFix(fact: WritableCodeFact, where: string): string {
  // Every entry found is named: change those; otherwise all below `where`.
  const all = fact.count === fact.entries.length && !fact.capped;
  const paths = (owner: boolean) => fact.entries.filter(entry => Boolean(entry.owner) === owner).map(entry => entry.path).join(' ');
  const steps = [
    ...(fact.entries.some(entry => !entry.owner) ? [ all ? `\`chmod go-w ${paths(false)}\`` : `\`chmod -R go-w ${where}\`` ] : []),
    ...(fact.entries.some(entry => entry.owner) ? [ `give ${all ? paths(true) : `what another user owns in ${where}`} to this process's user or root (\`chown\`)` ] : []),
  ];
  return `${steps.join(' and ').replace(/^\w/, letter => letter.toUpperCase())} where the app is deployed`;
}

/**
 * Commands an app's code or scripts commonly run by name (child_process): a dependency's bin of that name hiding the
 * system's is high; one hiding another command of the system, which the app is less likely to run, medium.
 */
const COMMANDS_APPS_RUN: ReadonlySet<string> = new Set([
  'git', 'curl', 'wget', 'ssh', 'scp', 'rsync', 'tar', 'zip', 'unzip', 'gzip', 'gunzip', 'openssl', 'convert', 'magick', 'identify', 'gm',
  'ffmpeg', 'ffprobe', 'python', 'python3', 'java', 'ruby', 'perl', 'php', 'bash', 'mysql', 'mysqldump', 'psql', 'pg_dump', 'redis-cli',
  'mongodump', 'mongorestore', 'docker', 'kubectl', 'aws', 'sendmail', 'pandoc', 'wkhtmltopdf', 'gs', 'pdftotext', 'soffice', 'libreoffice',
  'tesseract', 'chromium', 'google-chrome', 'kill', 'pkill', 'rm', 'cp', 'mv', 'cat', 'grep', 'sed', 'awk', 'find', 'xargs', 'env',
  'hostname', 'whoami', 'uname', 'date', 'lsof', 'df', 'du', 'nc', 'dig', 'ping', 'sudo', 'crontab', 'systemctl',
]);

export const shadowedCommand: Rule = {
  id: 'SEN111',
  area: 'plugins',
  title: 'Dependency stands in for node, npm, sh, a launcher or a command of the system',
  severity: 'high',
  description: 'egg-scripts starts the master by running `node` along a PATH that begins with the app\'s ' +
    '`node_modules/.bin`, and npm puts that directory first for the scripts it runs (`sh`, and the `node`, `npm` or `npx` ' +
    'they call). npm links a dependency\'s `bin` entry there under whatever name the package gives it: a package with ' +
    '`"bin": { "node": "x.sh" }` runs as the master on every start, with the app\'s environment, before any check, without ' +
    'an install script and without being required (it can drop `--require egg-sentinel/preflight` from NODE_OPTIONS and then ' +
    'run the real node). The same goes for the launchers an app\'s npm scripts run by name (`"start": "egg-scripts start"`): ' +
    'a package linked as `node_modules/.bin/egg-scripts` runs in its place, before the preflight has a start to judge. ' +
    'egg-scripts also runs `head` and `tail` (a failed start\'s stderr) and `ps` (stop) along that PATH. ' +
    'Reported: `node_modules/.bin/node`, `npm`, `npx`, `sh`, `head`, `tail`, `ps`, `egg-scripts`, `eggctl`, `egg-bin` and `egg-sentinel` of the app, unless `node` is a file of the ' +
    'npm package `node` (or egg\'s nodeinstall\'s `node_modules/node`, which `engines["install-node"]` asks for) and `npm`/`npx` ' +
    'of the package `npm` or the npm that node ships, declared by the app, and a launcher is a file of its own package (`egg-scripts` or ' +
    '`@eggjs/scripts`, `egg-bin` or `@eggjs/bin`, `egg-sentinel`) in the app\'s node_modules. pnpm\'s `.bin` shims are read for the script ' +
    'they hand to node. Also any other entry there named like a command further along the PATH (`git`, `curl`, `convert`), which ' +
    'the app\'s own `execSync(\'git rev-parse HEAD\')` then runs in its place, with the app\'s environment, unless a package the app ' +
    'declares links it, or the npm package of that very name (`which`): high for commands apps commonly run (git, curl, tar, openssl, ImageMagick, ffmpeg, database clients, python…), ' +
    'medium for other commands of the system (`which`). Not checked on Windows. High outside local/unittest; low on a developer machine.',
  fix: 'Remove the dependency that links it (`npm ls <package>` shows who pulls it in) and report the package to its ' +
    'registry; to run node from node_modules, declare the npm package `node` (`"node": "^20"`) instead. The preflight ' +
    '(`--require egg-sentinel/preflight`) refuses such an `egg-scripts start` before it spawns the master.',
  check(facts, { developmentEnv }) {
    return facts.pluginTrust.shadowedCommands.map(entry => {
      const link = toDisplayPath(facts.app.baseDir, entry.link);
      const what = entry.package !== undefined ? `a file of the package ${entry.package} (${toDisplayPath(facts.app.baseDir, entry.target)})` :
        toDisplayPath(facts.app.baseDir, entry.target);
      const severity = developmentEnv ? 'low' : entry.hides !== undefined && !COMMANDS_APPS_RUN.has(entry.command) ? 'medium' : 'high';
      return {
        severity, target: link, source: link,
        message: entry.hides !== undefined ?
          `${link} runs ${what} wherever the app's code or a script runs \`${entry.command}\` by name: egg-scripts puts node_modules/.bin first on the ` +
            `PATH of the master, agent and workers, so it runs in place of ${entry.hides}, with the app's environment` :
          entry.launcher ?
          `${link} runs ${what} wherever an npm script runs \`${entry.command}\` by name (\`npm start\`): it runs in place of ${entry.command}, ` +
            'before the preflight has a start to judge, and can start egg without it' :
          `${link} runs ${what} wherever a start runs \`${entry.command}\` by name: egg-scripts runs it as the master, ` +
            `npm scripts in place of ${entry.command}`,
        ...(entry.package !== undefined && {
          fix: `Remove the dependency that installs ${entry.package} (\`npm ls ${entry.package}\`) and report the package; reinstall (\`npm ci\`) once it is gone.`,
        }),
      };
    });
  },
};

export const pluginRules: Rule[] = [
  pluginOutsideTrustedRoots, typosquattedPlugin, pluginNotLocked, pluginFilesChanged, pluginInstallScripts, pluginNotAllowed,
  pluginsFromEnvironment, securityConfigByPlugin, sentinelDisabled, writableCode, shadowedCommand,
];
