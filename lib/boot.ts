/**
 * Boot glue shared by the agent and the app worker, and the agent's hook. The app worker's hook (every rule) is in
 * lib/boot-app.ts: the agent never loads the rules, and loads the collectors of the facts it shares with the workers
 * (lib/facts/handover.ts) only after its ready, which keeps its boot (which every app worker waits for) short.
 */
import { isAuditing, markHooked } from './process-marks';
import type { SentinelConfig } from './config/types';
import { validateSentinelConfig } from './config/validate';
import { type ConfigLeaves, configLeaves } from './config-changes';
import { extendDumpIgnore, maskDumpsAtSource, rewriteDumpsAfterEgg, rewriteDumpsAfterFailedBoot } from './dumps';
import { collectSecretValues, environmentSecretValues } from './secrets';
import type { EggLike } from './facts/collect';
import { type Preparation, type SharedFactsSummary, announcePreparedFacts, discardPreparedFacts } from './facts/handover';
import { appProvenanceFile, appProvenanceFiles, sentinelKeysSetOutsideTheApp } from './facts/plugin-list';
import { eggRunDir } from './facts/run-dir';
import type { Role } from './ipc/envelope';
import type { IpcStats } from './ipc/messenger';
import { type IpcTarget, startIpcGuard } from './ipc/start';
import type { SentinelReport } from './report/report';
import { bootReportFile, removeEarlierReport } from './report/write';

export interface BootLogger {
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

export type BootTarget = EggLike & { coreLogger: BootLogger; messenger: unknown };
/** What egg-sentinel adds to `app.sentinel` / `agent.sentinel`. */
export interface SentinelRuntime {
  report?: SentinelReport;
  ipc?: { stats(): IpcStats };
  /** Agent: the facts it collected for the app workers at this boot (lib/facts/handover.ts), once collected. */
  sharedFacts?: SharedFactsSummary;
}

export type HookTarget = BootTarget & IpcTarget & {
  sentinel?: SentinelRuntime;
  /** egg's ready callbacks: called once boot ends, with its error when it failed. */
  ready?(callback: (error?: Error) => void): unknown;
};

/**
 * Shared by the agent and app worker hooks: validate config.sentinel and install IPC signing in the constructor,
 * the earliest point a plugin runs (config is loaded; egg's agent captures the messenger's methods later, at
 * configDidLoad). Errors are kept, not thrown: under egg-mock an error from a synchronous hook (or from the agent)
 * escapes as an unhandled 'error' event instead of rejecting `ready()`.
 */
export abstract class SentinelBootHook {
  protected config?: SentinelConfig;
  /** config.sentinel as validated, from the files egg loaded: a boot hook that changes it later is told (boot-app.ts). */
  protected sentinelAtLoad?: ConfigLeaves;
  protected startupError?: Error;
  private secretValues?: ReadonlySet<string>;

  /** `knownRuleIds`: the app worker checks rule ids in overrides and waivers; the agent, which runs no rule, does not. */
  constructor(protected readonly target: HookTarget, role: Role, knownRuleIds?: ReadonlySet<string>) {
    markHooked();
    // Before egg's first dump (right after loading): its own masking then covers token, apiKey, credentials…
    extendDumpIgnore(target.config);
    try {
      this.config = validateSentinelConfig(target.config.sentinel === undefined ? {} : target.config.sentinel, knownRuleIds, appProvenanceFiles(target, 'sentinel'),
        sentinelKeysSetOutsideTheApp(target), keyPath => appProvenanceFile(target, keyPath));
      this.sentinelAtLoad = configLeaves(target.config.sentinel, 'sentinel');
      const ipc = startIpcGuard(target, role, this.config.ipc ?? {});
      target.sentinel = { ...target.sentinel, ipc };
    } catch (error) {
      this.startupError = error as Error;
    }
    // The agent starts first: a boot that fails in it (an invalid config.sentinel, which egg-scripts sees on stderr
    // and stops the master for) or before any worker checks must not leave an earlier boot's report standing.
    if (!isAuditing()) this.removeEarlierReport({ unlessLive: true });
    if (this.config?.dumps?.rewrite !== false) maskDumpsAtSource(target, () => this.dumpSecrets);
    // didReady masks egg's after-ready dump; a failed boot (refused, or any other error) never reaches it. egg
    // registered its dump's ready callback in its constructor, before any plugin's hook: this one runs after it.
    target.ready?.(error => {
      if (error && this.config?.dumps?.rewrite !== false) rewriteDumpsAfterFailedBoot(eggRunDir(target), target.type, target.coreLogger, this.dumpSecrets);
    });
  }

  /** egg writes its dumps again after ready; rewrite them once it has (see lib/dumps.ts for when egg writes). */
  async didReady(): Promise<void> {
    if (this.config && this.config.dumps?.rewrite !== false) void rewriteDumpsAfterEgg(eggRunDir(this.target), this.target.type, this.target.coreLogger, this.dumpSecrets);
  }

  /**
   * Removes the report an earlier boot left; `unlessLive` keeps it while the process that wrote it runs (a sibling
   * worker of this boot, or the workers of a cluster whose agent restarted).
   */
  protected removeEarlierReport(options: { unlessLive: boolean }): void {
    const file = bootReportFile(this.target.config.sentinel, eggRunDir(this.target));
    if (!file) return;
    try {
      if (removeEarlierReport(file, options)) this.target.coreLogger.info('[egg-sentinel] removed the report an earlier boot left at %s: its verdict is not this boot\'s', file);
    } catch (error) {
      this.target.coreLogger.warn('[egg-sentinel] could not remove the report of an earlier boot at %s: %s', file, (error as Error).message);
    }
  }

  /**
   * The config's secret values and those of secret-named environment variables, masked in egg's dumps (lib/dumps.ts)
   * and in boot log lines; the config is walked once.
   */
  protected get dumpSecrets(): ReadonlySet<string> {
    return this.secretValues ??= collectSecretValues(this.target.config, undefined, environmentSecretValues(process.env));
  }
}

/**
 * The agent's boot hook: IPC signing, and the facts every app worker would otherwise collect alike (plugin files and
 * manifest hashes, installed packages: lib/facts/handover.ts), collected once after the agent's ready, while the master
 * forks the workers. Problems are refused by every app worker.
 */
export class SentinelAgentBootHook extends SentinelBootHook {
  private preparation?: Preparation;

  constructor(agent: HookTarget) {
    super(agent, 'agent');
    if (this.startupError) agent.coreLogger.error(this.startupError);
  }

  /** didLoad: egg-cluster forks the app workers only once the agent is ready, so they find the announcement. */
  async didLoad(): Promise<void> {
    try {
      discardPreparedFacts(this.target);
      if (!this.config) return;
      // Keyed by egg's lists on the agent's loader, not derived again as each worker does (lib/boot-app.ts): the key
      // holds the plugins the facts are collected for, so a worker whose lists differ (a plugin that took itself off
      // the agent's) collects by itself.
      const preparation = this.preparation = announcePreparedFacts(this.target, this.config);
      // Every worker is ready: the facts served this boot; a worker forked later collects by itself.
      (this.target.messenger as { once?(action: string, listener: () => void): unknown }).once?.('egg-ready', () => preparation.end());
    } catch (error) {
      // Each worker then collects by itself: slower, never less safe.
      this.target.coreLogger.warn('[egg-sentinel] could not prepare facts for the app workers: %s', (error as Error).message);
    }
  }

  /**
   * After egg's last dump and after egg-cluster hears the agent is ready: the dumps, then the workers' facts. Not
   * awaited: egg runs the didReady hooks one after another, and the others need not wait for this.
   */
  override async didReady(error?: Error): Promise<void> {
    if (!this.config || error) return;
    void this.prepareForWorkers(this.config, this.preparation);
  }

  async beforeClose(): Promise<void> {
    this.preparation?.end();
  }

  private async prepareForWorkers(config: SentinelConfig, preparation?: Preparation): Promise<void> {
    const logger = this.target.coreLogger;
    try {
      const agentDumps = config.dumps?.rewrite === false ? undefined : await rewriteDumpsAfterEgg(eggRunDir(this.target), 'agent', logger, this.dumpSecrets);
      const done = await preparation?.run(agentDumps);
      if (done) {
        this.target.sentinel = { ...this.target.sentinel, sharedFacts: done };
        logger.info('[egg-sentinel] collected facts for the app workers in %s ms: %d plugin(s), %d verified against sentinel.lock.json; %d installed package(s)',
          done.ms.toFixed(1), done.plugins, done.verified, done.packages);
      }
    } catch (error) {
      logger.warn('[egg-sentinel] could not prepare facts for the app workers: %s', (error as Error).message);
    }
  }
}
