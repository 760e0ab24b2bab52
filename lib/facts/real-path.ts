import fs from 'node:fs';
import path from 'node:path';

/** The path with symlinks resolved, or undefined when it cannot be resolved (missing, no permission). */
export function realPathOrUndefined(file: string): string | undefined {
  try {
    return fs.realpathSync.native(file);
  } catch {
    return undefined;
  }
}

/** The path with symlinks resolved, or the absolute path when it cannot be resolved. */
export function realPathOrAbsolute(file: string): string {
  return realPathOrUndefined(file) ?? path.resolve(file);
}

/** True when `file` is `dir` or below it. */
export function isInside(file: string, dir: string): boolean {
  // A prefix test on resolved paths: path.relative gives the same answer, at several times the cost, and the facts
  // ask this for every plugin, package and file they place.
  let inner = path.resolve(file);
  let outer = path.resolve(dir);
  if (process.platform === 'win32') {
    inner = inner.toLowerCase();
    outer = outer.toLowerCase();
  }
  return inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : `${outer}${path.sep}`);
}

/**
 * Whether `dir` (symlinks resolved) is part of the app's install: inside the app root, or inside a node_modules
 * directory node searches from it (its own, or an ancestor's, as in a monorepo or a test runner's checkout).
 */
export function isAppInstalled(dir: string, baseDir: string): boolean {
  const real = realPathOrAbsolute(dir);
  const base = realPathOrAbsolute(baseDir);
  if (isInside(real, base)) return true;
  for (let current = base; ; current = path.dirname(current)) {
    if (path.basename(current) !== 'node_modules' && isInside(real, path.join(current, 'node_modules'))) return true;
    if (path.dirname(current) === current) return false;
  }
}
