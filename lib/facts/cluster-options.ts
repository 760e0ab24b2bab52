/**
 * egg-cluster's `require` start option (`startCluster({ require })`, or the options JSON egg-scripts' start-cluster is
 * given): modules the agent and every app worker load before the framework. It is not node's `--require`: egg-cluster
 * (egg 3) passes the option to each process in its options argument, whose agent_worker.js and app_worker.js then
 * `require()` every entry; @eggjs/cluster (egg 4) imports each from the app's baseDir.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { realPathOrAbsolute, realPathOrUndefined } from './real-path';
import type { NodeFlagFact } from './runtime';

/** egg-cluster's (egg 4: @eggjs/cluster's) agent and app worker entry scripts, which it forks with the options as JSON. */
export const EGG_WORKER_SCRIPT = /[\\/](egg-cluster|@eggjs[\\/]cluster)[\\/](?:[^\\/]+[\\/])*(agent|app)_worker\.js$/;

/** The role of an egg worker process by its entry script (`process.argv[1]`), or undefined for any other process. */
export function eggWorkerRole(script: string | undefined): 'agent' | 'app' | undefined {
  return EGG_WORKER_SCRIPT.exec(script ?? '')?.[2] as 'agent' | 'app' | undefined;
}

/**
 * The entries of the `require` option as egg-cluster reads them (a string is one entry). Anything else but a
 * non-empty string makes its require() throw, and load nothing.
 */
export function clusterRequireEntries(value: unknown): string[] {
  return (Array.isArray(value) ? value : [ value ]).filter((entry): entry is string => typeof entry === 'string' && entry !== '');
}

/**
 * The real path of the file an entry of the `require` option loads: in an egg-cluster (egg 3) worker as its
 * `require()` resolves it from the worker script; else (@eggjs/cluster's workers, and the master, which has not
 * forked them yet) from the app's baseDir. Undefined when it does not resolve.
 */
export function resolveClusterRequire(specifier: string, baseDir: string, workerScript?: string): string | undefined {
  const worker = EGG_WORKER_SCRIPT.exec(workerScript ?? '');
  try {
    const from = worker?.[1] === 'egg-cluster' ? realPathOrAbsolute(workerScript as string) : path.join(baseDir, 'noop.js');
    return realPathOrUndefined(createRequire(from).resolve(specifier));
  } catch {
    return undefined;
  }
}

/**
 * In an egg agent or app worker (`argv[1]` its entry script), each entry of the `require` option of its options
 * argument (`argv[2]`, as egg-cluster reads it) as a SEN306 fact, with the real path of the file it loads.
 */
export function clusterRequireFlags(argv: readonly string[], baseDir: string): NodeFlagFact[] {
  if (!eggWorkerRole(argv[1])) return [];
  let options: { require?: unknown; baseDir?: unknown } | null;
  try {
    options = JSON.parse(argv[2] ?? '');
  } catch {
    return [];
  }
  const from = typeof options?.baseDir === 'string' ? options.baseDir : baseDir;
  return clusterRequireEntries(options?.require).map(value => ({ source: 'start options' as const, name: 'require', value,
    modulePath: resolveClusterRequire(value, from, argv[1]) }));
}
