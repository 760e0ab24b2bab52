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

/** A file of Linux's /proc/self, which keeps how the process was started; undefined off Linux and in a worker thread, which shares its process's. */
function startRecord(name: 'environ' | 'cmdline'): string | undefined {
  if (!isMainThread) return undefined;
  try {
    return fs.readFileSync(`/proc/self/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

let startEnv: NodeJS.ProcessEnv | null | undefined;

/** The start environment, read once per process; undefined where /proc/self/environ cannot be read (not Linux) or in a worker thread. */
export function startEnvironment(): NodeJS.ProcessEnv | undefined {
  if (startEnv === undefined) {
    const text = startRecord('environ');
    startEnv = text === undefined ? null : parseEnviron(text);
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

let startArgs: Record<string, unknown> | null | undefined;

/**
 * egg-cluster's start options as this worker or agent was started with them: egg-cluster forks each with them as
 * JSON after its entry script (`app_worker.js '{"plugins":…}'`), and Linux keeps those arguments in
 * /proc/self/cmdline, which editing `app.options` (an object any plugin can reach) does not change. Undefined in a
 * process egg-cluster did not fork (egg.start(), egg-mock's mm.app()), in a worker thread, or off Linux.
 */
export function startOptions(): Record<string, unknown> | undefined {
  if (startArgs === undefined) {
    startArgs = null;
    const args = startRecord('cmdline')?.split('\0') ?? [];
    const entry = args.findIndex(arg => /[\\/](?:app|agent)_worker\.js$/.test(arg));
    try {
      const parsed: unknown = entry > 0 ? JSON.parse(args[entry + 1]) : undefined;
      if (parsed && typeof parsed === 'object') startArgs = parsed as Record<string, unknown>;
    } catch {
      // not egg-cluster's arguments
    }
  }
  return startArgs ?? undefined;
}

/** egg-cluster's `plugins` start option at start when `current` (app.options.plugins now) differs from it. */
export function startPluginsChanged(current: unknown, start = startOptions()): { atStart: unknown } | undefined {
  if (!start) return undefined;
  return JSON.stringify(start.plugins ?? null) === JSON.stringify(current ?? null) ? undefined : { atStart: start.plugins };
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
