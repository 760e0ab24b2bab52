/**
 * Boot glue shared by the agent and the app worker, and the agent's hook. The app worker's hook (every rule) is in
 * lib/boot-app.ts: the agent never loads the rules, facts collection or the advisory database, which keeps its boot
 * (which every app worker waits for) short.
 */
import type { SentinelConfig } from './config/types';
import { validateSentinelConfig } from './config/validate';
import { extendDumpIgnore, rewriteDumpsAfterEgg } from './dumps';
import type { EggLike } from './facts/collect';
import { eggRunDir } from './facts/run-dir';
import type { Role } from './ipc/envelope';
import type { IpcStats } from './ipc/messenger';
import { type IpcTarget, startIpcGuard } from './ipc/start';
import { handOverManifestResults } from './plugins/handover';
import type { SentinelReport } from './report/report';

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
}

export type HookTarget = BootTarget & IpcTarget & { sentinel?: SentinelRuntime };

/**
 * Shared by the agent and app worker hooks: validate config.sentinel and install IPC signing in the constructor,
 * the earliest point a plugin runs (config is loaded; egg's agent captures the messenger's methods later, at
 * configDidLoad). Errors are kept, not thrown: under egg-mock an error from a synchronous hook (or from the agent)
 * escapes as an unhandled 'error' event instead of rejecting `ready()`.
 */
export abstract class SentinelBootHook {
  protected config?: SentinelConfig;
  protected startupError?: Error;

  /** `knownRuleIds`: the app worker checks rule ids in overrides and waivers; the agent, which runs no rule, does not. */
  constructor(protected readonly target: HookTarget, role: Role, knownRuleIds?: ReadonlySet<string>) {
    // Before egg's first dump (right after loading): its own masking then covers token, apiKey, credentials…
    extendDumpIgnore(target.config);
    try {
      this.config = validateSentinelConfig(target.config.sentinel ?? {}, knownRuleIds);
      const ipc = startIpcGuard(target, role, this.config.ipc ?? {});
      target.sentinel = { ...target.sentinel, ipc };
    } catch (error) {
      this.startupError = error as Error;
    }
  }

  /** egg writes its dumps again after ready; rewrite them once it has (see lib/dumps.ts for when egg writes). */
  async didReady(): Promise<void> {
    if (this.config && this.config.dumps?.rewrite !== false) rewriteDumpsAfterEgg(eggRunDir(this.target), this.target.type, this.target.coreLogger);
  }
}

/**
 * The agent's boot hook: IPC signing, and the plugin manifest verification, done once here for every app worker;
 * problems are logged here and refused by every app worker.
 */
export class SentinelAgentBootHook extends SentinelBootHook {
  constructor(agent: HookTarget) {
    super(agent, 'agent');
    if (this.startupError) agent.coreLogger.error(this.startupError);
  }

  /** didLoad: egg-cluster forks the app workers only once the agent is ready, so they find the result. */
  async didLoad(): Promise<void> {
    if (!this.config) return;
    try {
      const verified = handOverManifestResults(this.target, this.config, eggRunDir(this.target));
      if (verified) this.target.coreLogger.info('[egg-sentinel] verified %d plugin(s) against sentinel.lock.json in %s ms', verified.plugins, verified.ms.toFixed(1));
    } catch (error) {
      // Each worker then verifies by itself: slower, never less safe.
      this.target.coreLogger.warn('[egg-sentinel] could not verify plugins for the app workers: %s', (error as Error).message);
    }
  }
}
