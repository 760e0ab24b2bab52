/**
 * The `paths` (and `baseUrl`) of the app's tsconfig.json that every require() follows in a TypeScript egg app: egg-core
 * (egg 3's, and @eggjs/core) registers tsconfig-paths when `EGG_TYPESCRIPT=true` or package.json has
 * `"egg": { "typescript": true }` and a tsconfig.json is in the app root, which patches Module._resolveFilename in the
 * agent and every worker: a request a pattern matches is looked up at its targets before node_modules.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { toDisplayPath } from './plugin-list';
import { projectedRealPath, readPackageJsonAt } from './real-path';

export interface TsconfigPathFact {
  /** The tsconfig file tsconfig-paths read (`tsconfig.json`; TS_NODE_PROJECT may name another), relative to the app when inside it. */
  file: string;
  /**
   * What sets the target: `compilerOptions.paths["*"][0]`, or for the match-all tsconfig-paths adds under a `baseUrl`
   * when `paths` has no `*`, `compilerOptions.baseUrl` (`TS_NODE_BASEURL` when that variable sets it).
   */
  key: string;
  /** The request pattern (`*`: every bare require). */
  pattern: string;
  /** The target as tsconfig-paths resolves it (absolute, with its `*`). */
  target: string;
  /** The real path of the directory (or, without a `*`, the file) the target looks in; projected when it does not exist yet. */
  modulePath: string;
  /** Why egg-core registers tsconfig-paths: `EGG_TYPESCRIPT=true` or package.json's `egg.typescript`. */
  registeredBy: string;
}

interface TsconfigPathsModule {
  loadConfig(cwd: string): { resultType: 'success' | 'failed'; configFileAbsolutePath?: string; absoluteBaseUrl?: string; paths?: unknown; addMatchAll?: boolean };
}

/**
 * Every mapping target tsconfig-paths uses in this app, read with the tsconfig-paths egg-core requires (its own
 * `extends`, JSON5 and TS_NODE_PROJECT/TS_NODE_BASEURL handling); none when egg-core does not register it. `env` is
 * the environment egg-core reads EGG_TYPESCRIPT from; tsconfig-paths reads its variables from process.env.
 */
export function tsconfigPathTargets(baseDir: string, coreDir: string, env: NodeJS.ProcessEnv): TsconfigPathFact[] {
  const registeredBy = env.EGG_TYPESCRIPT === 'true' ? 'EGG_TYPESCRIPT=true' :
    (readPackageJsonAt(baseDir)?.egg as { typescript?: unknown } | undefined)?.typescript ? 'package.json\'s "egg": { "typescript": true }' : undefined;
  if (!registeredBy || !fs.existsSync(path.join(baseDir, 'tsconfig.json'))) return [];
  let loaded: ReturnType<TsconfigPathsModule['loadConfig']>;
  try {
    loaded = (createRequire(path.join(coreDir, 'package.json'))('tsconfig-paths') as TsconfigPathsModule).loadConfig(baseDir);
  } catch {
    return []; // no tsconfig-paths beside egg-core, or a malformed tsconfig, on which egg-core's register throws and egg does not start
  }
  const { configFileAbsolutePath: configFile, absoluteBaseUrl, addMatchAll } = loaded;
  if (loaded.resultType !== 'success' || !configFile || !absoluteBaseUrl) return [];
  const file = toDisplayPath(baseDir, configFile);
  const paths = loaded.paths && typeof loaded.paths === 'object' ? loaded.paths as Record<string, unknown> : {};
  const entries = Object.entries(paths).flatMap(([ pattern, targets ]) => (Array.isArray(targets) ? targets : []).flatMap((target, index) =>
    (typeof target === 'string' ? [{ key: `compilerOptions.paths[${JSON.stringify(pattern)}][${index}]`, pattern, target: path.resolve(absoluteBaseUrl, target) }] : [])));
  // tsconfig-paths' own match-all under a baseUrl (TypeScript's module resolution).
  if (addMatchAll && !Object.prototype.hasOwnProperty.call(paths, '*')) {
    entries.push({ key: process.env.TS_NODE_BASEURL ? 'TS_NODE_BASEURL' : 'compilerOptions.baseUrl', pattern: '*', target: `${absoluteBaseUrl.replace(/\/$/, '')}/*` });
  }
  return entries.map(entry => ({ file, ...entry, modulePath: projectedRealPath(lookupPath(entry.target)), registeredBy }));
}

/** Where a target looks: the directory its `*` is in (`/srv/shared/*` → `/srv/shared`, `/srv/lib-*` → `/srv`), or the target itself. */
function lookupPath(target: string): string {
  const star = target.indexOf('*');
  return star === -1 ? target : path.dirname(`${target.slice(0, star)}_`);
}
