/**
 * The environment this process was started with. Linux keeps it in /proc/self/environ, which editing process.env (a
 * copy) does not change; egg-cluster forks the agent and each worker with the master's environment, so each has its
 * own. A plugin can delete or rewrite process.env.EGG_PLUGINS before egg-sentinel reads it: this is what egg was told
 * at start. Not proof against code that sets out to defeat it (a write to /proc/self/mem, a wrapped fs), as no check
 * inside the process is. A worker thread (egg-cluster's worker_threads mode) shares the process's start environment
 * while its process.env is the master's at the time: there it is unknown.
 */
import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';

let startEnv: NodeJS.ProcessEnv | null | undefined;

/** The start environment, read once per process; undefined where /proc/self/environ cannot be read (not Linux) or in a worker thread. */
export function startEnvironment(): NodeJS.ProcessEnv | undefined {
  if (startEnv === undefined) {
    if (!isMainThread) return undefined;
    try {
      startEnv = parseEnviron(fs.readFileSync('/proc/self/environ', 'utf8'));
    } catch {
      startEnv = null;
    }
  }
  return startEnv ?? undefined;
}

/** `NAME=value` entries separated by NUL; the first of a repeated name wins, as for getenv(), which process.env reads. */
function parseEnviron(text: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.create(null);
  for (const entry of text.split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0 && !(entry.slice(0, equals) in env)) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}

/**
 * `name`'s value at start when process.env's differs from it now (deleted, rewritten, set since); undefined when they
 * agree or the start environment is unknown. Empty counts as unset, as egg reads EGG_PLUGINS and EGG_APP_CONFIG.
 */
export function changedSinceStart(name: string, env: NodeJS.ProcessEnv = process.env, start = startEnvironment()): { atStart: string | undefined } | undefined {
  if (!start) return undefined;
  const atStart = start[name] || undefined;
  return atStart === (env[name] || undefined) ? undefined : { atStart };
}

/** Sets process.env's `name`, deleting it for undefined (assigning undefined would store the string "undefined"). */
export function setEnvVariable(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
