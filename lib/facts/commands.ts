/**
 * Commands a start runs by name, found first in the app's node_modules/.bin: egg-scripts builds the master's PATH as
 * `<app>/node_modules/.bin:<app>/.node/bin:$PATH` and spawns `node`, and npm puts the same directory first for the
 * scripts it runs (`sh`, and the `node`, `npm` or `npx` they call). npm links any dependency's `bin` entry there
 * under the name it chooses, so a package with `"bin": { "node": "x.sh" }` runs as the master without being required.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDeclaredPackage, isInside, nodeModulesDirs, readPackageJsonAt, realPathOrAbsolute, realPathOrUndefined } from './real-path';

/** Each command judged, with the packages whose bin may stand in for it when the app declares them (node ships npm). */
const SHADOWED_COMMANDS: ReadonlyMap<string, readonly string[]> = new Map([ [ 'node', [ 'node' ] ], [ 'npm', [ 'npm', 'node' ] ], [ 'npx', [ 'npm', 'node' ] ], [ 'sh', [] ] ]);

export interface ShadowedCommandFact {
  /** The command it stands in for (`node`). */
  command: string;
  /** The entry in the app's node_modules/.bin (absolute). */
  link: string;
  /** What it runs: its real path (the link itself when that cannot be resolved). */
  target: string;
  /** The name of the package the target is a file of, when it is in one. */
  package?: string;
}

/**
 * What `real` (the real path of what runs as `command`) is a file of: the nearest package above it, and whether that
 * is inside a package the app declares for the command (`node`: the npm package `node`, which links the binary it
 * installs as node_modules/.bin/node, or node_modules/node from egg's nodeinstall, which `engines["install-node"]` asks for).
 */
export function commandPackage(real: string, command: string, baseDir: string): { package?: string; declared: boolean } {
  const nodeinstall = typeof (readPackageJsonAt(baseDir)?.engines as Record<string, unknown> | undefined)?.['install-node'] === 'string';
  const declared = (SHADOWED_COMMANDS.get(command) ?? []).some(expected => nodeModulesDirs(baseDir).some(modules => {
    const dir = path.join(modules, expected);
    const declaredByApp = isDeclaredPackage(dir, baseDir) || (expected === 'node' && nodeinstall && modules === path.join(path.resolve(baseDir), 'node_modules'));
    return readPackageJsonAt(dir)?.name === expected && declaredByApp && isInside(real, realPathOrAbsolute(dir));
  }));
  const name = owningPackage(real);
  return { ...(name !== undefined && { package: name }), declared };
}

/** The entries of the app's node_modules/.bin that stand in for a command a start runs, other than the declared package's. */
export function shadowedCommands(baseDir: string): ShadowedCommandFact[] {
  // npm writes .cmd and .ps1 shims there on Windows, which name no package by their real path: not judged there.
  if (process.platform === 'win32') return [];
  const bin = path.join(baseDir, 'node_modules', '.bin');
  return [ ...SHADOWED_COMMANDS.keys() ].flatMap(command => {
    const link = path.join(bin, command);
    try {
      fs.lstatSync(link);
    } catch {
      return [];
    }
    const target = realPathOrUndefined(link) ?? link;
    const owner = commandPackage(target, command, baseDir);
    return owner.declared ? [] : [{ command, link, target, ...(owner.package !== undefined && { package: owner.package }) }];
  });
}

/** The `name` of the nearest package.json above `file`, not looking past the node_modules it is in. */
function owningPackage(file: string): string | undefined {
  for (let dir = path.dirname(file); path.basename(dir) !== 'node_modules' && path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const name = readPackageJsonAt(dir)?.name;
    if (typeof name === 'string') return name;
  }
  return undefined;
}
