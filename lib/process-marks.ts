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
