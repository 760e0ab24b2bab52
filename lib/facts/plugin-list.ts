/**
 * The plugin list and display paths: what both the app worker's facts and the agent's handover (lib/facts/handover.ts)
 * need, kept apart from lib/facts/collect.ts so that the agent does not load every collector at boot.
 */
import path from 'node:path';
import type { EggLike } from './collect';
import { isDevelopmentEnv } from '../report/severity';
import { pluginPackageDir } from './egg-version';
import type { PluginFact } from './types';

/** A path relative to baseDir when inside it, absolute otherwise; markers such as `<process.env.EGG_APP_CONFIG>` unchanged. */
export function toDisplayPath(baseDir: string, file: string): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(baseDir, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

export function collectPlugins(egg: Pick<EggLike, 'plugins' | 'loader'>, relative: (file: string) => string): PluginFact[] {
  const all = egg.loader.allPlugins ?? egg.plugins;
  return Object.entries(all).map(([ name, plugin ]) => ({
    name,
    // allPlugins keeps the configured `enable`; implicitly enabled dependencies appear only in `plugins`.
    enable: Boolean(egg.plugins[name]),
    package: optionalString(plugin.package),
    version: optionalString(plugin.version),
    path: typeof plugin.path === 'string' ? pluginPackageDir(plugin.path) : undefined,
    from: plugin.from === undefined ? '<EGG_PLUGINS or options.plugins>' : relative(String(plugin.from)),
    implicitEnable: plugin.implicitEnable === true || undefined,
  }));
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** What egg's configMeta records as the "file" of a key set by EGG_APP_CONFIG (egg-core lib/loader/mixin/config.js). */
export const EGG_APP_CONFIG_MARKER = '<process.env.EGG_APP_CONFIG>';

/**
 * Dotted paths of the leaves of egg's configMeta mirror that hold `marker` (by default, the keys EGG_APP_CONFIG set),
 * at or under `keyPath` when given. Iterative: a config nested thousands deep, which egg merges, must not overflow.
 */
export function leafPathsWith(meta: Record<string, unknown>, marker = EGG_APP_CONFIG_MARKER, keyPath = ''): string[] {
  const found: string[] = [];
  const root = keyPath ? keyPath.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], meta) : meta;
  const pending: Array<[ unknown, string ]> = [[ root, keyPath ]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [ node, at ] = next;
    if (node === marker) found.push(at);
    else if (node && typeof node === 'object') {
      for (const [ key, child ] of Object.entries(node)) pending.push([ child, at ? `${at}.${key}` : key ]);
    }
  }
  return found.sort();
}

/**
 * The keys of config.sentinel that EGG_APP_CONFIG set, outside local and unittest (where a developer or a test may
 * use it): validateSentinelConfig refuses them, since whoever sets the environment could switch the checks off.
 */
export function sentinelKeysSetByEnvironment(egg: { loader: { configMeta: Record<string, unknown>; serverEnv: string } }): string[] {
  return isDevelopmentEnv(egg.loader.serverEnv) ? [] : leafPathsWith(egg.loader.configMeta, EGG_APP_CONFIG_MARKER, 'sentinel');
}

/**
 * The app's own files (not its plugins' or framework's defaults) that egg recorded as setting a key at or under
 * `keyPath`, relative to the app root: where the user would change it.
 */
export function appProvenanceFiles(egg: { baseDir: string; loader: { configMeta: Record<string, unknown> } }, keyPath: string): string[] {
  const files = new Set<string>();
  const collect = (node: unknown): void => {
    if (typeof node === 'string' && path.isAbsolute(node) && !path.relative(egg.baseDir, node).split(path.sep).some(part => part === '..' || part === 'node_modules')) {
      files.add(toDisplayPath(egg.baseDir, node));
    }
    else if (node && typeof node === 'object') Object.values(node).forEach(collect);
  };
  collect(keyPath.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], egg.loader.configMeta));
  return [ ...files ];
}
