/**
 * Marks one copy of egg-sentinel leaves for another in the same process, on globalThis: the app may install its own
 * copy beside the one that audits, and the preflight is loaded from wherever NODE_OPTIONS resolves it.
 */
const marks = globalThis as Record<symbol, unknown>;

/**
 * Set while `egg-sentinel audit` loads an app in this process: the app's own egg-sentinel hooks, which the audit
 * runs up to configDidLoad, then leave the app's run dir as it is (the report of its last boot included).
 */
const AUDITING = Symbol.for('egg-sentinel.auditing');

export function markAuditing(): void {
  marks[AUDITING] = true;
}

export function isAuditing(): boolean {
  return marks[AUDITING] === true;
}

/** Set when egg-sentinel's boot hook is made in this process: the preflight's check that it runs (lib/preflight.ts). */
const HOOKED = Symbol.for('egg-sentinel.hooked');

export function markHooked(): void {
  marks[HOOKED] = true;
}

export function isHooked(): boolean {
  return marks[HOOKED] === true;
}

/**
 * Set when the preflight is loaded in this process (through NODE_OPTIONS or `--require`): the boot check's way to
 * tell that a launcher between the deploy and this process dropped it (SEN307).
 */
const PREFLIGHT = Symbol.for('egg-sentinel.preflight');

export function markPreflightLoaded(): void {
  marks[PREFLIGHT] = true;
}

export function isPreflightLoaded(): boolean {
  return marks[PREFLIGHT] === true;
}

/**
 * Set when egg-sentinel's check refused a worker's boot in this process: the preflight's listen() then knows that code
 * in the process swallowed the refusal (an egg-cluster worker runs one app; egg-mock, which runs many, loads no preflight).
 */
const REFUSED = Symbol.for('egg-sentinel.refused');

export function markRefused(): void {
  marks[REFUSED] = true;
}

export function isRefused(): boolean {
  return marks[REFUSED] === true;
}

/** What a worker that goes on after its refusal says before it exits (the worker's ready callback, the preflight's listen()). */
export const REFUSAL_SWALLOWED = '[egg-sentinel] refused to start: egg-sentinel refused this worker\'s boot (its findings are logged above and in ' +
  'run/sentinel-report.json), yet egg reported the worker ready: code in this process (a plugin\'s boot hook wrapping app.ready or ' +
  'app.lifecycle) swallowed the refusal. The worker exits instead of serving.\nFix: fix the findings, and remove the plugin that swallowed ' +
  'the error (the plugins enabled before egg-sentinel in config/plugin.(js|ts) and their boot hooks are where to look).';
