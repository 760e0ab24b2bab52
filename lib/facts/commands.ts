/**
 * Commands a start runs by name, found first in the app's node_modules/.bin: egg-scripts builds the master's PATH as
 * `<app>/node_modules/.bin:<app>/.node/bin:$PATH` and spawns `node`, and npm puts the same directory first for the
 * scripts it runs (`sh`, and the `node`, `npm` or `npx` they call). npm links any dependency's `bin` entry there
 * under the name it chooses, so a package with `"bin": { "node": "x.sh" }` runs as the master without being required.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readText } from './pass-through';
import { isDeclaredPackage, isInside, nodeModulesDirs, readPackageJsonAt, realPathOrAbsolute, realPathOrUndefined, safeReaddir } from './real-path';

/** The launchers an app's npm scripts run (`"start": "egg-scripts start --daemon"`), egg-sentinel's CLI, and their packages. */
const LAUNCHER_COMMANDS: ReadonlyMap<string, readonly string[]> = new Map([ [ 'egg-scripts', [ 'egg-scripts', '@eggjs/scripts' ] ],
  [ 'eggctl', [ 'egg-scripts', '@eggjs/scripts' ] ], [ 'egg-bin', [ 'egg-bin', '@eggjs/bin' ] ], [ 'egg-sentinel', [ 'egg-sentinel' ] ] ]);

/** Each command judged, with the packages whose bin may stand in for it when the app declares them (node ships npm). */
const SHADOWED_COMMANDS: ReadonlyMap<string, readonly string[]> = new Map([ [ 'node', [ 'node' ] ], [ 'npm', [ 'npm', 'node' ] ], [ 'npx', [ 'npm', 'node' ] ], [ 'sh', [] ],
  // egg-scripts itself runs these along the same PATH: `head` and `tail` of stderr when a start fails, `ps` to stop.
  ...[ 'head', 'tail', 'ps' ].map((command): [ string, readonly string[] ] => [ command, [] ]),
  ...LAUNCHER_COMMANDS ]);

/** What egg-scripts start runs by name besides the master's node: the stderr of a failed start, through head and tail. */
export const EGG_SCRIPTS_START_COMMANDS: readonly string[] = [ 'head', 'tail' ];

export interface ShadowedCommandFact {
  /** The command it stands in for (`node`). */
  command: string;
  /** The entry in the app's node_modules/.bin (absolute). */
  link: string;
  /** What it runs: its real path (the link itself when that cannot be resolved). */
  target: string;
  /** The name of the package the target is a file of, when it is in one. */
  package?: string;
  /** A launcher npm scripts run by name (egg-scripts), not a command egg-scripts itself runs. */
  launcher?: true;
  /** Another command of the system it hides from the app's code (`/usr/bin/git`), further along the PATH. */
  hides?: string;
}

/**
 * What `real` (the real path of what runs as `command`) is a file of: the nearest package above it, and whether that
 * is inside a package the app declares for the command (`node`: the npm package `node`, which links the binary it
 * installs as node_modules/.bin/node, or node_modules/node from egg's nodeinstall, which `engines["install-node"]` asks
 * for). A launcher (egg-scripts) is its own package wherever npm installed it: a framework may bring it.
 */
export function commandPackage(real: string, command: string, baseDir: string): { package?: string; declared: boolean } {
  const nodeinstall = typeof (readPackageJsonAt(baseDir)?.engines as Record<string, unknown> | undefined)?.['install-node'] === 'string';
  const declared = (SHADOWED_COMMANDS.get(command) ?? []).some(expected => nodeModulesDirs(baseDir).some(modules => {
    const dir = path.join(modules, expected);
    const declaredByApp = LAUNCHER_COMMANDS.has(command) || isDeclaredPackage(dir, baseDir) ||
      (expected === 'node' && nodeinstall && modules === path.join(path.resolve(baseDir), 'node_modules'));
    return readPackageJsonAt(dir)?.name === expected && declaredByApp && isInside(real, realPathOrAbsolute(dir));
  }));
  const name = owningPackage(real);
  return { ...(name !== undefined && { package: name }), declared };
}

/**
 * The entries of the app's node_modules/.bin that stand in for a command a start runs, other than the declared
 * package's; and those named like a command on the rest of `searchPath` (`git`), which the app's code then runs in
 * its place (egg-scripts puts node_modules/.bin first on the PATH of the master, agent and workers), unless a package
 * the app declares, or the package of that very name, links it.
 */
export function shadowedCommands(baseDir: string, searchPath = ''): ShadowedCommandFact[] {
  const started = [ ...SHADOWED_COMMANDS.keys() ].flatMap(command => shadowedCommandEntry(baseDir, command) ?? []);
  if (process.platform === 'win32') return started;
  const bin = path.join(baseDir, 'node_modules', '.bin');
  const entries = safeReaddir(bin).filter(command => !SHADOWED_COMMANDS.has(command));
  if (!entries.length) return started;
  const system = systemCommands(searchPath, baseDir);
  const hidden = entries.filter(command => system.has(command)).flatMap(command => {
    const link = path.join(bin, command);
    const target = binTarget(link) ?? link;
    // The package is the one node_modules holds the file in, by its place: a package.json anywhere below it can say any
    // name. It counts only where the app resolves that name (not a copy a package bundles under its own node_modules).
    const installed = installedPackageOf(target);
    const resolved = installed !== undefined && nodeModulesDirs(baseDir).some(modules => realPathOrAbsolute(path.join(modules, installed.name)) === realPathOrAbsolute(installed.dir));
    if (resolved && isDeclaredPackage(installed.dir, baseDir)) return [];
    // The package of the command's own name is its npm namesake (`which`, which egg's dependencies bring), not a stand-in.
    if (resolved && installed.name === command) return [];
    return [{ command, link, target, ...(installed && { package: installed.name }), hides: system.get(command) as string }];
  });
  return [ ...started, ...hidden ];
}

/** The package directory node_modules holds `file` in (`<…>/node_modules/<name>` or `@scope/<name>`), with that name; the innermost node_modules counts. */
function installedPackageOf(file: string): { dir: string; name: string } | undefined {
  const match = /^(.*[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/@.][^\\/]*))(?:[\\/]|$)/.exec(file);
  return match ? { dir: match[1], name: match[2].replace(/\\/g, '/') } : undefined;
}

/** Each command name on the PATH past the node_modules/.bin and .node/bin directories (egg-scripts' and npm's), with the first file of that name. */
function systemCommands(searchPath: string, baseDir: string): Map<string, string> {
  const commands = new Map<string, string>();
  const appDir = realPathOrAbsolute(baseDir);
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir || /[\\/](?:node_modules[\\/]\.bin|\.node[\\/]bin)[\\/]?$/.test(dir) || isInside(realPathOrAbsolute(dir), appDir)) continue;
    for (const name of safeReaddir(dir)) if (!commands.has(name)) commands.set(name, path.join(dir, name));
  }
  return commands;
}


/** The app's node_modules/.bin entry for `command` when something other than the declared package's stands there. */
export function shadowedCommandEntry(baseDir: string, command: string): ShadowedCommandFact | undefined {
  // npm writes .cmd and .ps1 shims there on Windows, which name no package by their real path: not judged there.
  if (process.platform === 'win32' || !SHADOWED_COMMANDS.has(command)) return undefined;
  const link = path.join(baseDir, 'node_modules', '.bin', command);
  const target = binTarget(link);
  if (target === undefined) return undefined;
  const owner = commandPackage(target, command, baseDir);
  if (owner.declared) return undefined;
  return { command, link, target, ...(owner.package !== undefined && { package: owner.package }), ...(LAUNCHER_COMMANDS.has(command) && { launcher: true as const }) };
}

/** Whether `command` is a launcher npm scripts run by name (egg-scripts, egg-bin, egg-sentinel). */
export function isLauncherCommand(command: string): boolean {
  return LAUNCHER_COMMANDS.has(command);
}

/** What `node <file>` runs from a pnpm bin shim: `exec node "$basedir/../…/bin/x.js" "$@"`. */
const PNPM_SHIM_TARGET = /exec\s+(?:"\$basedir\/node"|node)\s+"\$basedir\/([^"$`]+)"\s+"\$@"/;

/**
 * What a node_modules/.bin entry runs, as a real path: the file npm's symlink leads to, or the script a pnpm shim (a
 * small sh file, not a link) hands to node; the entry itself otherwise. Undefined when there is no entry.
 */
export function binTarget(link: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(link);
  } catch {
    return undefined;
  }
  if (stat.isFile() && stat.size < 64 * 1024) {
    const shimmed = PNPM_SHIM_TARGET.exec(readText(link) ?? '')?.[1];
    const real = shimmed === undefined ? undefined : realPathOrUndefined(path.resolve(path.dirname(link), shimmed));
    if (real !== undefined) return real;
  }
  return realPathOrUndefined(link) ?? link;
}

/** The `name` of the nearest package.json above `file`, not looking past the node_modules it is in. */
function owningPackage(file: string): string | undefined {
  for (let dir = path.dirname(file); path.basename(dir) !== 'node_modules' && path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const name = readPackageJsonAt(dir)?.name;
    if (typeof name === 'string') return name;
  }
  return undefined;
}
