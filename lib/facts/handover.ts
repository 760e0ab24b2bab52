/**
 * Facts that depend only on the installed files (where each plugin lives, its lockfile entry and install hooks, what
 * in it other users can change, the plugin manifest hashes, the installed packages, git's ignore rules) are the same for
 * every app worker of a boot, and the slowest to collect; with them travels what only the agent knows: its own dumps and
 * the cluster-client copies it loaded (a plugin's own leader runs there). egg starts the agent first and once (egg-cluster forks the
 * app workers when the agent is ready; egg-mock readies the agent before it creates the app), so the agent collects
 * them once, after its ready, while the master forks the workers, and leaves them in a 0600 file in run/.
 *
 * The file is keyed by what the facts depend on that can differ between processes or boots: the enabled plugins with
 * their configured and real paths, the options that change the result, the manifest's SHA-256, egg-sentinel's
 * version and the cluster master's pid. The files themselves (plugin code, lockfiles, node_modules) are what the agent
 * has just read: so the facts serve only the boot they were collected for. The agent removes the file once the
 * cluster is ready (egg-ready), and a worker ignores a file older than HANDOVER_MAX_AGE_MS: a worker forked again
 * later (a crash, a reload) collects by itself. Each app worker, which is where boot is refused (lib/boot-app.ts),
 * uses the facts when the key matches its own and the file is a regular file that this user owns and nobody else can
 * write (checked on the open descriptor, symlinks refused), waits while the agent says they are coming, and collects
 * them itself otherwise: a missing or refused file only costs time.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SentinelConfig } from '../config/types';
import { version as SENTINEL_VERSION } from '../../package.json';
import { type LoadedClusterClient, loadedClusterClients } from '../ipc/cluster-client';
import { MANIFEST_FILE } from '../plugins/manifest-file';
import { readPrivateFile, writePrivateFile } from '../report/write';
import type { EggLike } from './collect';
import type { DumpRewrite, GitignoreFact } from './files';
import type { PackageWalkInput, WalkedPackages } from './packages';
import { TEST_HARNESS_DIR, launchedFramework } from './egg-version';
import { collectPlugins, type PluginLists, toDisplayPath } from './plugin-list';
import type { InstalledPluginFacts, InstalledPluginInput } from './plugins';
import { realPathOrAbsolute } from './real-path';
import { eggRunDir } from './run-dir';

export const HANDOVER_FILE = 'sentinel-boot-facts.json';
/** Bumped when the shape of PreparedFacts changes, so a worker never reads an older egg-sentinel's file. */
const HANDOVER_FORMAT = 7;
/** A worker forked again later than this after the agent collected (a crash, a reload) collects by itself. */
export const HANDOVER_MAX_AGE_MS = 120_000;
/** How long a worker waits for facts the agent announced before it collects them itself. */
const WAIT_MS = 10_000;
const POLL_MS = 5;

export interface PreparedFacts {
  pluginTrust: InstalledPluginFacts;
  packages: WalkedPackages;
  gitignore: GitignoreFact;
  /** The agent validated the advisory database shipped with egg-sentinel (the worker then only reads it). */
  shippedAdvisoriesChecked: true;
  /** The agent's own dumps as it rewrote them after its ready; absent when `dumps.rewrite` is off. */
  agentDumps?: DumpRewrite[];
  /** The cluster-client copies the agent loaded by its ready, where a plugin's own leader runs (SEN503). */
  agentClusterClients: LoadedClusterClient[];
}

type Handover =
  | { key: string; state: 'pending' }
  | { key: string; state: 'ready'; facts: PreparedFacts }
  | { key: string; state: 'failed'; error: string };

export interface SharedFactsInput {
  plugins: InstalledPluginInput;
  packages: PackageWalkInput;
  runDir: string;
}

interface Inputs extends SharedFactsInput {
  key: string;
  file: string;
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/**
 * `loaded` (a worker's): egg's plugin lists derived again (loadPluginListsAgain), judged with those on egg's loader.
 * The agent keys by egg's lists alone: the key holds the plugins, so its facts serve only workers that judge the same.
 */
function inputsOf(egg: EggLike, config: SentinelConfig, loaded?: PluginLists): Inputs {
  const { baseDir, name: appName } = egg;
  const eggPaths = egg.loader.eggPaths ?? [];
  const display = (file: string) => toDisplayPath(baseDir, file);
  const plugins = collectPlugins(egg, display, loaded);
  const options = config.plugins ?? {};
  const ruleOverrides = config.rules ?? {};
  let manifest: string | null = null;
  try {
    manifest = sha256(fs.readFileSync(path.join(baseDir, MANIFEST_FILE), 'utf8'));
  } catch {
    // no manifest: the plugins are not hashed
  }
  const runDir = eggRunDir(egg);
  // Real paths too: a re-pointed symlink (pnpm, a linked plugin) is another plugin.
  const realPaths = plugins.map(plugin => (plugin.path ? realPathOrAbsolute(plugin.path) : null));
  // egg-mock gives the app (not the agent) its own framework dir; the package walk skips test harness packages, so
  // that dir changes nothing the agent collects.
  const frameworks = eggPaths.filter(dir => !TEST_HARNESS_DIR.test(dir));
  const framework = launchedFramework(egg);
  const key = sha256(JSON.stringify({
    format: HANDOVER_FORMAT, version: SENTINEL_VERSION, master: process.ppid, baseDir, appName, frameworks, framework, runDir, plugins, realPaths, options,
    rules: ruleOverrides, manifest, dumps: config.dumps?.rewrite !== false,
  }));
  return {
    key, file: path.join(runDir, HANDOVER_FILE), runDir,
    plugins: { baseDir, eggPaths, framework, plugins, options, ruleOverrides, display }, packages: { baseDir, appName, eggPaths, plugins },
  };
}

/** Removes an earlier boot's file: its facts must not outlive that boot, even when this one prepares none. */
export function discardPreparedFacts(egg: EggLike): void {
  fs.rmSync(path.join(eggRunDir(egg), HANDOVER_FILE), { force: true });
}

/** Manifest states of a plugin whose files were hashed against sentinel.lock.json. */
const HASHED: ReadonlySet<string> = new Set([ 'matches', 'drift', 'unreadable' ]);

export interface SharedFactsSummary {
  /** How long collecting took, in ms. */
  ms: number;
  plugins: number;
  /** Plugins verified against sentinel.lock.json. */
  verified: number;
  /** Installed packages walked. */
  packages: number;
}

export interface Preparation {
  /**
   * Collects the facts and writes them for the workers; `agentDumps`: what the agent's dump rewrite did. Undefined
   * when the preparation was ended first.
   */
  run(agentDumps?: DumpRewrite[]): Promise<SharedFactsSummary | undefined>;
  /** The cluster is ready (or the agent closes): removes the file, and a run still going writes none. */
  end(): void;
}

/** Agent, at didLoad: tells the workers the facts are coming (they wait instead of collecting) and returns the job. */
export function announcePreparedFacts(egg: EggLike, config: SentinelConfig): Preparation {
  const inputs = inputsOf(egg, config);
  let ended = false;
  const write = (handover: Handover) => {
    if (!ended) writePrivateFile(inputs.file, `${JSON.stringify(handover)}\n`);
  };
  write({ key: inputs.key, state: 'pending' });
  return {
    end() {
      ended = true;
      fs.rmSync(inputs.file, { force: true });
    },
    async run(agentDumps) {
      const started = process.hrtime.bigint();
      try {
        // Loaded here, after the agent's ready: the agent's own boot does not load the collectors.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { collectSharedFacts } = require('./shared-facts') as typeof import('./shared-facts');
        const facts = { ...await collectSharedFacts(inputs), agentDumps, agentClusterClients: loadedClusterClients() };
        if (ended) return undefined;
        write({ key: inputs.key, state: 'ready', facts });
        return {
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          plugins: facts.pluginTrust.plugins.length,
          verified: facts.pluginTrust.plugins.filter(plugin => HASHED.has(plugin.manifest.state)).length,
          packages: facts.packages.installed.length,
        };
      } catch (error) {
        // The workers then collect by themselves, and meet the same error where boot is refused.
        write({ key: inputs.key, state: 'failed', error: (error as Error).message });
        throw error;
      }
    },
  };
}

/** Only a private file of this user (readPrivateFile), written recently. */
function readHandover(file: string): Handover | undefined {
  const text = readPrivateFile(file, stat => Date.now() - stat.mtimeMs <= HANDOVER_MAX_AGE_MS);
  try {
    return text === undefined ? undefined : JSON.parse(text) as Handover;
  } catch {
    return undefined;
  }
}

/** App worker: the agent's facts for exactly this boot's plugins, options and manifest, or undefined (collect them). */
export async function receivePreparedFacts(egg: EggLike, config: SentinelConfig, loaded?: PluginLists, waitMs = WAIT_MS): Promise<PreparedFacts | undefined> {
  const { key, file } = inputsOf(egg, config, loaded);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const handover = readHandover(file);
    if (handover?.key !== key) return undefined;
    if (handover.state === 'ready') return handover.facts;
    if (handover.state === 'failed' || Date.now() >= deadline) return undefined;
    await sleep(POLL_MS);
  }
}
