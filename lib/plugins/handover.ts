/**
 * Verifying plugins against sentinel.lock.json hashes every plugin file, so it happens once per boot, in the agent:
 * egg starts the agent first and once (egg-cluster forks the app workers only when the agent is ready; egg-mock
 * readies the agent before it creates the app). The agent writes its result to a 0600 file in run/, keyed by the
 * manifest's SHA-256, the enabled plugins' real paths, the options that change the result, and the cluster master's
 * pid. Each app worker, which is where boot is refused (lib/boot.ts), uses the result when the key matches its own,
 * and verifies by itself otherwise (no agent result, a stale one, another user's file), so a missing or old file
 * never hides a change, it only costs the worker the hashing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SentinelConfig } from '../config/types';
import { pluginPackageDir } from '../facts/egg-version';
import { type LocatedPlugin, type ManifestResults, locatePlugins, verifyManifest } from '../facts/plugins';
import type { PluginFact } from '../facts/types';
import { writePrivateFile } from '../report/write';
import { MANIFEST_FILE, manifestDigest } from './manifest';

const HANDOVER_FILE = 'sentinel-plugin-verification.json';
/** Bumped when the shape of ManifestResults changes, so a worker never reads an older egg-sentinel's file. */
const HANDOVER_FORMAT = 1;

export interface HandoverTarget {
  baseDir: string;
  plugins: Record<string, { path?: unknown }>;
}

interface Prepared {
  key: string;
  located: LocatedPlugin[];
  deep: boolean;
}

/** Everything the result depends on; undefined when SEN104 is off or the app has no manifest (nothing to hash). */
function prepare(target: HandoverTarget, config: SentinelConfig): Prepared | undefined {
  if (config.rules?.SEN104 === 'off') return undefined;
  let text: string;
  try {
    text = fs.readFileSync(path.join(target.baseDir, MANIFEST_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const plugins: PluginFact[] = Object.entries(target.plugins)
    .map(([ name, plugin ]) => ({ name, enable: true, path: typeof plugin.path === 'string' ? pluginPackageDir(plugin.path) : undefined }));
  const located = locatePlugins(plugins, target.baseDir);
  const deep = config.plugins?.deep === true;
  const key = manifestDigest(JSON.stringify({
    format: HANDOVER_FORMAT, manifest: manifestDigest(text), deep, master: process.ppid,
    plugins: located.map(plugin => [ plugin.fact.name, plugin.realPath ]),
  }));
  return { key, located, deep };
}

/** Agent: verifies the plugins once and leaves the result for the workers; returns how many were verified, in how long. */
export function handOverManifestResults(target: HandoverTarget, config: SentinelConfig, runDir: string): { plugins: number; ms: number } | undefined {
  const file = path.join(runDir, HANDOVER_FILE);
  // A result of an earlier boot must not outlive this one, even when this boot writes none.
  fs.rmSync(file, { force: true });
  const prepared = prepare(target, config);
  if (!prepared) return undefined;
  const started = process.hrtime.bigint();
  const results = verifyManifest(target.baseDir, prepared.located, prepared.deep);
  writePrivateFile(file, `${JSON.stringify({ key: prepared.key, results })}\n`);
  return { plugins: Object.keys(results.plugins).length, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** App worker: the agent's result for exactly this boot's manifest, plugins and options, or undefined. */
export function receiveManifestResults(target: HandoverTarget, config: SentinelConfig, runDir: string): ManifestResults | undefined {
  const prepared = prepare(target, config);
  if (!prepared) return undefined;
  const file = path.join(runDir, HANDOVER_FILE);
  try {
    // Only a file this user wrote and nobody else can change.
    const stat = fs.statSync(file);
    if ((process.getuid && stat.uid !== process.getuid()) || (stat.mode & 0o077) !== 0) return undefined;
    const handover = JSON.parse(fs.readFileSync(file, 'utf8')) as { key?: unknown; results?: ManifestResults };
    return handover.key === prepared.key ? handover.results : undefined;
  } catch {
    return undefined;
  }
}
