import path from 'node:path';
import { validateSentinelConfig } from './config/validate';
import type { SentinelConfig } from './config/types';
import { runChecks } from './engine';
import { extendDumpIgnore, rewriteDumps, rewriteDumpsAfterEgg } from './dumps';
import { collectFacts, eggRunDir, type EggLike } from './facts/collect';
import { recordRouteRegistrations } from './facts/middleware';
import { RULE_IDS } from './rules';
import { SentinelBootError } from './report/boot-error';
import type { SentinelReport } from './report/report';
import { formatChain } from './report/route-table';
import { formatText } from './report/text';
import { writePrivateFile } from './report/write';
import type { Role } from './ipc/envelope';
import type { IpcStats } from './ipc/messenger';
import { type IpcTarget, startIpcGuard } from './ipc/start';
import { handOverManifestResults, receiveManifestResults } from './plugins/handover';

export interface BootLogger {
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

export type BootTarget = EggLike & { coreLogger: BootLogger; messenger: unknown };

export const DEFAULT_REPORT_FILE = 'sentinel-report.json';

/** Validates config.sentinel; throws SentinelConfigError naming every bad key. */
export function loadSentinelConfig(egg: BootTarget): SentinelConfig {
  return validateSentinelConfig(egg.config.sentinel ?? {}, RULE_IDS);
}

export function reportFilePath(config: SentinelConfig, runDir: string): string {
  return path.resolve(runDir, config.report?.path || DEFAULT_REPORT_FILE);
}

/** Collects facts, runs the rules, logs and writes the report; throws SentinelBootError when boot must be refused. */
export function runBootChecks(egg: BootTarget, config: SentinelConfig): SentinelReport {
  const runDir = eggRunDir(egg);
  // Rewrite egg's dumps first: SEN204 then reports only what egg-sentinel could not fix.
  const dumpRewrites = config.dumps?.rewrite === false ? undefined : rewriteDumps(runDir, [ 'application', 'agent' ]);
  const staleReportFile = config.report?.file === false ? reportFilePath(config, runDir) : undefined;
  // The agent verified the plugin manifest for this boot (lib/plugins/handover.ts); without its result the worker does.
  const manifestResults = receiveManifestResults(egg, config, runDir);
  const facts = collectFacts(egg, { dumpRewrites, staleReportFile, manifestResults });
  const report = runChecks(facts, { config });
  const logger = egg.coreLogger;
  if (config.report?.log !== false && facts.middleware.length) {
    logger.info('[egg-sentinel] effective middleware chain (first runs first):\n%s', formatChain(facts.middleware));
  }
  if (config.report?.file !== false) {
    const file = reportFilePath(config, facts.app.runDir);
    try {
      writePrivateFile(file, `${JSON.stringify(report, null, 2)}\n`);
    } catch (error) {
      // The verdict still stands; a missing report file must not hide it or crash boot.
      logger.warn('[egg-sentinel] could not write the report to %s: %s', file, (error as Error).message);
    }
  }
  if (report.refused) throw new SentinelBootError(report);
  if (config.report?.log !== false) {
    const text = formatText(report);
    if (report.findings.some(finding => !finding.waivedBy)) logger.warn('[egg-sentinel] %s', text);
    else logger.info('[egg-sentinel] %s', text);
  }
  return report;
}

/** What egg-sentinel adds to `app.sentinel` / `agent.sentinel`. */
export interface SentinelRuntime {
  report?: SentinelReport;
  ipc?: { stats(): IpcStats };
}

type HookTarget = BootTarget & IpcTarget & { sentinel?: SentinelRuntime };

/**
 * Shared by the agent and app worker hooks: validate config.sentinel and install IPC signing in the constructor,
 * the earliest point a plugin runs (config is loaded; egg's agent captures the messenger's methods later, at
 * configDidLoad). Errors are kept, not thrown: under egg-mock an error from a synchronous hook (or from the agent)
 * escapes as an unhandled 'error' event instead of rejecting `ready()`.
 */
abstract class SentinelBootHook {
  protected config?: SentinelConfig;
  protected startupError?: Error;

  constructor(protected readonly target: HookTarget, role: Role) {
    // Before egg's first dump (right after loading): its own masking then covers token, apiKey, credentials…
    extendDumpIgnore(target.config);
    try {
      this.config = loadSentinelConfig(target);
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
 * The app worker's boot hook. The app worker is where boot is refused: it has every fact (middleware, routes), and
 * under egg-mock an error from the agent escapes as an unhandled 'error' event instead of rejecting `ready()`.
 * Under egg-cluster a refused worker makes the master exit non-zero.
 */
export class SentinelAppBootHook extends SentinelBootHook {
  constructor(app: HookTarget) {
    super(app, 'app');
  }

  /** configWillLoad runs before egg loads app/router: record each route's controller file and method as it registers. */
  configWillLoad(): void {
    recordRouteRegistrations(this.target);
  }

  /** willReady: egg 3 adds the router middleware in a beforeStart task, which has finished by now. */
  async willReady(): Promise<void> {
    if (this.startupError || !this.config) throw this.startupError;
    this.target.sentinel = { ...this.target.sentinel, report: runBootChecks(this.target, this.config) };
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
