import path from 'node:path';
import { validateSentinelConfig } from './config/validate';
import type { SentinelConfig } from './config/types';
import { runChecks } from './engine';
import { collectFacts, type EggLike, processType } from './facts/collect';
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

/** Where this process writes its report: the app the configured file, the agent a `.agent.json` sibling. */
export function reportFilePath(egg: BootTarget, config: SentinelConfig, runDir: string): string {
  const file = path.resolve(runDir, config.report?.path || DEFAULT_REPORT_FILE);
  return processType(egg) === 'app' ? file : file.replace(/(\.json)?$/, '.agent.json');
}

/** Collects facts, runs the rules, logs and writes the report; throws SentinelBootError when boot must be refused. */
export function runBootChecks(egg: BootTarget, config: SentinelConfig): SentinelReport {
  const facts = collectFacts(egg);
  const report = runChecks(facts, { config });
  const logger = egg.coreLogger;
  if (config.report?.file !== false) {
    const file = reportFilePath(egg, config, facts.app.runDir);
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

/** The boot hook both processes use: validate config.sentinel early, check once everything is loaded. */
export class SentinelBootHook {
  private config?: SentinelConfig;

  constructor(protected readonly target: BootTarget & { sentinel?: { report?: SentinelReport } }) {}

  configWillLoad(): void {
    this.config = loadSentinelConfig(this.target);
  }

  /** willReady: egg 3 adds the router middleware in a beforeStart task, which has finished by now. */
  async willReady(): Promise<void> {
    const config = this.config ?? loadSentinelConfig(this.target);
    this.target.sentinel = { ...this.target.sentinel, report: runBootChecks(this.target, config) };
  }
}
