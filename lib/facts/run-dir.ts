import path from 'node:path';

/** Where egg writes its run files (`config.rundir`, default `<baseDir>/run`). */
export function eggRunDir(egg: { baseDir: string; config: Readonly<Record<string, unknown>> }): string {
  return typeof egg.config.rundir === 'string' ? egg.config.rundir : path.join(egg.baseDir, 'run');
}
