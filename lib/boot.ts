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

export interface BootLogger {
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

export type BootTarget = EggLike & { coreLogger: BootLogger };

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

/**
 * The app worker's boot hook. The app worker is where boot is refused: it has every fact (middleware, routes), and
 * under egg-mock an error from the agent escapes as an unhandled 'error' event instead of rejecting `ready()`.
 * Under egg-cluster a refused worker makes the master exit non-zero.
 */
export class SentinelAppBootHook {
  private config?: SentinelConfig;
  private configError?: Error;

  constructor(protected readonly app: BootTarget & { sentinel?: { report?: SentinelReport } }) {}

  /** Validate as soon as config is loaded; the refusal itself waits for willReady so `ready()` rejects cleanly. */
  configWillLoad(): void {
    try {
      this.config = loadSentinelConfig(this.app);
    } catch (error) {
      this.configError = error as Error;
    }
  }

  /** willReady: egg 3 adds the router middleware in a beforeStart task, which has finished by now. */
  async willReady(): Promise<void> {
    if (this.configError) throw this.configError;
    const config = this.config ?? loadSentinelConfig(this.app);
    this.app.sentinel = { ...this.app.sentinel, report: runBootChecks(this.app, config) };
  }
}
