import type { Facts } from '../facts/types';
import type { Severity } from '../report/severity';

/** Threat areas from the threat model; the first digit of a rule id. */
export type ThreatArea = 'plugins' | 'exposure' | 'injection' | 'middleware' | 'ipc' | 'builtins' | 'sentinel';

/** What a rule returns for one problem; the engine turns it into a Finding. */
export interface RuleHit {
  severity: Severity;
  /** What is wrong. Must never contain a secret value. */
  message: string;
  /** Stable thing the finding is about (config key path, plugin name, route); waivers match on it. */
  target: string;
  /** Where the problem comes from (file path relative to baseDir, env var name…). */
  source?: string;
  /** A more specific fix than the rule's own, when the rule knows one. */
  fix?: string;
}

export interface RuleContext {
  /** True in `local` and `unittest`, where rules may rate a problem lower. */
  developmentEnv: boolean;
}

export interface Rule {
  /** Stable public id: `SEN` + threat digit + two digits. Never reuse or renumber. */
  id: string;
  area: ThreatArea;
  title: string;
  /** The severity outside development envs; a hit may differ (documented per rule). */
  severity: Severity;
  description: string;
  fix: string;
  /**
   * Set, to the reason, when the rule reads what only a running app has (IPC traffic, the process's own flags).
   * `egg-sentinel audit` loads the app without starting it: it skips these rules and lists them as skipped.
   */
  liveOnly?: string;
  check(facts: Facts, context: RuleContext): RuleHit[];
  /**
   * Targets the rule does not report now but would once the running app does what it may still do (require a
   * package lazily): a waiver naming one is not reported as matching nothing (SEN002).
   */
  pending?(facts: Facts): string[];
}
