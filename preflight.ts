/**
 * `node --require egg-sentinel/preflight …` (or egg-scripts `--require=egg-sentinel/preflight`):
 * refuses to start when the server env or scope could make egg run a file outside the app (SEN301), or when options
 * or variables would run code from outside it or switch egg-sentinel off, before egg has loaded anything; and, in
 * egg's agent and app workers, when egg-sentinel's boot hook has not run by the time the process reports itself started,
 * or when a worker listens although egg-sentinel refused its boot.
 */
import net from 'node:net';
import { isHooked, isRefused, markPreflightLoaded, REFUSAL_SWALLOWED } from './lib/process-marks';
import { patchModulesAsLoaded } from './lib/module-load-hook';
import { notHookedProblem, preflightProblem, startedCheckFor } from './lib/preflight';

/** A module of egg-core (egg 3) or @eggjs/core (egg 4): loaded before egg reads its env variables. */
const EGG_CORE_MODULE = /[\\/]node_modules[\\/](?:egg-core|@eggjs[\\/]core)[\\/]/;

function refuse(problem: string): never {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

markPreflightLoaded();
const problem = preflightProblem(process.argv, process.cwd(), process.env, process.execArgv, __filename);
if (problem) refuse(problem);

// A module preloaded after this one (dotenv/config, egg-cluster's `require` option) may set the variables judged above
// (EGG_SERVER_ENV, EGG_PLUGINS…) before egg reads them: once egg-core loads, an environment that changed is judged again.
const judgedEnv = { ...process.env };
let judgedAgain = false;
patchModulesAsLoaded(file => {
  if (judgedAgain || !EGG_CORE_MODULE.test(file)) return;
  judgedAgain = true;
  const names = new Set([ ...Object.keys(judgedEnv), ...Object.keys(process.env) ]);
  if ([ ...names ].every(name => process.env[name] === judgedEnv[name])) return;
  const again = preflightProblem(process.argv, process.cwd(), process.env, process.execArgv, __filename);
  if (again) refuse(`${again}\n(The environment changed after the preflight ran, before egg loaded: a module preloaded after it set these variables.)`);
});

const startedCheck = startedCheckFor(process.argv, process.cwd(), process.env);
if (startedCheck?.role === 'agent' && process.send) {
  // egg-cluster's agent tells the master it started with this message, after every boot hook ran.
  const send = process.send;
  process.send = function sendOnceSentinelRan(this: unknown, message: unknown, ...rest: unknown[]) {
    if ((message as { action?: unknown } | null)?.action === 'agent-start' && !isHooked()) refuse(notHookedProblem('agent', startedCheck.serverEnv));
    return (send as (...args: unknown[]) => boolean).apply(process, [ message, ...rest ]);
  } as typeof process.send;
} else if (startedCheck?.role === 'app') {
  // An app worker listens once egg's ready callbacks ran: the master counts it started when it does. Judged a turn
  // later: a plugin's boot hook made before egg-sentinel's may open a server of its own, and egg makes every hook in
  // one go, while a cluster worker's listen() binds through the master, turns later still.
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function listenOnceSentinelRan(this: net.Server, ...args: unknown[]) {
    if (isRefused()) refuse(REFUSAL_SWALLOWED);
    if (!isHooked()) setImmediate(() => isHooked() || refuse(notHookedProblem('app', startedCheck.serverEnv)));
    return (listen as (...args: unknown[]) => net.Server).apply(this, args);
  } as typeof listen;
}
