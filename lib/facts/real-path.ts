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
