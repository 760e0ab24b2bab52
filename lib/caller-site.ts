import path from 'node:path';

/**
 * `<file>:<line>` of the first stack frame outside `skipDirs` (the router, egg-core, egg-sentinel) and outside
 * node_modules, else the first outside `skipDirs`: the app's file that made the call, or the package's.
 */
export function callerSite(skipDirs: string[]): string | undefined {
  // A router package between the app and egg's router (egg-router-plus's redirect) adds frames.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = CALLER_FRAMES;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  let first: string | undefined;
  for (const line of stack.split('\n').slice(1)) {
    const frame = /\(?([^\s()]+):(\d+):\d+\)?$/.exec(line.trim());
    // This function's own frame is never the caller.
    if (!frame || !path.isAbsolute(frame[1]) || frame[1] === __filename) continue;
    if (skipDirs.some(dir => frame[1].startsWith(dir + path.sep))) continue;
    const site = `${frame[1]}:${frame[2]}`;
    // The app's own file rather than a router package's; a plugin's routes have no frame outside node_modules.
    if (!frame[1].includes(`${path.sep}node_modules${path.sep}`)) return site;
    first ??= site;
  }
  return first;
}

const CALLER_FRAMES = 30;

/** The files of the stack frames outside `skipDirs`, innermost first (at most CALLER_FRAMES). */
export function callerFiles(skipDirs: string[]): string[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = CALLER_FRAMES;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack.split('\n').slice(1).flatMap(line => {
    const file = /\(?([^\s()]+):\d+:\d+\)?$/.exec(line.trim())?.[1];
    return file && path.isAbsolute(file) && file !== __filename && !skipDirs.some(dir => file.startsWith(dir + path.sep)) ? [ file ] : [];
  });
}
