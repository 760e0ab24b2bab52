/**
 * Set while `egg-sentinel audit` loads an app in this process: the app's own egg-sentinel hooks, which the audit
 * runs up to configDidLoad, then leave the app's run dir as it is (the report of its last boot included). On
 * globalThis, so that a copy of egg-sentinel the app installs sees the mark of the copy that audits.
 */
const AUDITING = Symbol.for('egg-sentinel.auditing');

export function markAuditing(): void {
  (globalThis as Record<symbol, unknown>)[AUDITING] = true;
}

export function isAuditing(): boolean {
  return (globalThis as Record<symbol, unknown>)[AUDITING] === true;
}
