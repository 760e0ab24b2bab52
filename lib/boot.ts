import path from 'node:path';
import { validateSentinelConfig } from './config/validate';
import type { SentinelConfig } from './config/types';
import { runChecks } from './engine';
import { collectFacts, type EggLike } from './facts/collect';
import { RULE_IDS } from './rules';
import { SentinelBootError } from './report/boot-error';
import type { SentinelReport } from './report/report';
import { formatText } from './report/text';
import { writePrivateFile } from './report/write';
import type { Role } from './ipc/envelope';
import type { IpcStats } from './ipc/messenger';
import { type IpcTarget, startIpcGuard } from './ipc/start';

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
  const facts = collectFacts(egg);
  const report = runChecks(facts, { config });
  const logger = egg.coreLogger;
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
    try {
      this.config = loadSentinelConfig(target);
      const ipc = startIpcGuard(target, role, this.config.ipc ?? {});
      target.sentinel = { ...target.sentinel, ipc };
    } catch (error) {
      this.startupError = error as Error;
    }
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

  /** willReady: egg 3 adds the router middleware in a beforeStart task, which has finished by now. */
  async willReady(): Promise<void> {
    if (this.startupError || !this.config) throw this.startupError;
    this.target.sentinel = { ...this.target.sentinel, report: runBootChecks(this.target, this.config) };
  }
}

/** The agent's boot hook: IPC signing; problems are logged here and refused by every app worker. */
export class SentinelAgentBootHook extends SentinelBootHook {
  constructor(agent: HookTarget) {
    super(agent, 'agent');
    if (this.startupError) agent.coreLogger.error(this.startupError);
  }
}
