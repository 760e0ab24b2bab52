import fs from 'node:fs';
import path from 'node:path';

/** The path with symlinks resolved, or the absolute path when it cannot be resolved (missing, no permission). */
export function realPathOrAbsolute(file: string): string {
  try {
    return fs.realpathSync.native(file);
  } catch {
    return path.resolve(file);
  }
}
