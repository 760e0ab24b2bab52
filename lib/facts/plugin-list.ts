/**
 * The plugin list and display paths: what both the app worker's facts and the agent's handover (lib/facts/handover.ts)
 * need, kept apart from lib/facts/collect.ts so that the agent does not load every collector at boot.
 */
import path from 'node:path';
import type { EggLike } from './collect';
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
