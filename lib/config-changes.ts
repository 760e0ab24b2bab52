/**
 * Config changed by code after egg loaded it. egg-sentinel judges config from the files egg loaded (their provenance
 * says who set each key), but a boot hook can still assign to `app.config` (a plugin's `configDidLoad` setting
 * `config.sentinel.failOn = 'never'`), and egg-security reads `app.config.security` at every request, so a change
 * after the check (`serverDidReady`) takes effect unseen. These snapshots tell such changes by key path.
 */
import { isPlainData, walkPlainData } from './walk';

/** The leaves of config data by key path (`sentinel.rules.SEN103`), each as text; empty objects and arrays count. */
export type ConfigLeaves = ReadonlyMap<string, string>;

export function configLeaves(root: unknown, prefix: string): ConfigLeaves {
  const leaves = new Map<string, string>();
  walkPlainData(root, (value, keyPath) => {
    const at = keyPath ? (keyPath.startsWith('[') ? `${prefix}${keyPath}` : `${prefix}.${keyPath}`) : prefix;
    if (!isPlainData(value)) leaves.set(at, leafText(value));
    else if (!Object.keys(value).length) leaves.set(at, Array.isArray(value) ? '[]' : '{}');
  });
  return leaves;
}

function leafText(value: unknown): string {
  if (typeof value === 'function' || value instanceof RegExp) return String(value);
  if (value instanceof Set || value instanceof Map) return `${value.constructor.name}(${JSON.stringify([ ...value ])})`;
  return value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
}

/** The key paths whose value differs between two snapshots (set, changed or removed), sorted. */
export function changedKeyPaths(before: ConfigLeaves, after: ConfigLeaves): string[] {
  const changed = new Set<string>();
  for (const [ keyPath, text ] of after) if (before.get(keyPath) !== text) changed.add(keyPath);
  for (const keyPath of before.keys()) if (!after.has(keyPath)) changed.add(keyPath);
  return [ ...changed ].sort();
}

/** What to say of config.sentinel keys a boot hook changed (lib/boot-app.ts refuses the boot; the audit fails). */
export function sentinelChangedProblems(changed: readonly string[]): string[] {
  return changed.map(keyPath => `config.${keyPath}: changed after egg loaded the config files, by code in a boot hook (a plugin's or the app's app.js or agent.js)`);
}

export const SENTINEL_CHANGED_FIX = 'Set egg-sentinel\'s options in the app\'s config files (config/config.<env>.js or .ts), where they are reviewed, and ' +
  'remove the code that assigns to app.config.sentinel; a plugin that does is not to be trusted.';
