import type { SentinelConfig } from './config/types';
import type { Facts } from './facts/types';
import { RULES, sentinelRules } from './rules';
import type { Rule } from './rules/types';
import { evaluate, type RuleResult } from './report/evaluate';
import { Redactor } from './report/redact';
import { buildReport, type SentinelReport } from './report/report';
import { isDevelopmentEnv } from './report/severity';
import { collectSecretValues, configSecrets } from './secrets';
import { type Timings, timed } from './timing';

export interface CheckOptions {
  config: SentinelConfig;
  now?: Date;
  rules?: readonly Rule[];
  /** Filled with the ms the rules took per area (`rules.<area>`) and the report took (`report`), when given. */
  timings?: Timings;
}

/** Runs every rule that applies to the facts' process and returns the redacted report. Pure apart from the clock. */
export function runChecks(facts: Facts, options: CheckOptions): SentinelReport {
  const now = options.now ?? new Date();
  const developmentEnv = isDevelopmentEnv(facts.env.serverEnv, facts.builtins.nodeEnv);
  const rules = options.rules ?? RULES;
  const results: RuleResult[] = rules.map(rule => timed(options.timings, `rules.${rule.area}`, () => runRule(rule, facts, developmentEnv)));
  const verdict = timed(options.timings, 'evaluate', () => evaluate(results, {
    config: options.config,
    developmentEnv,
    now,
    ranRuleIds: new Set(rules.map(rule => rule.id)),
  }));
  return timed(options.timings, 'report', () => buildReport(facts, verdict, now, new Redactor(collectSecretValues(facts.config, configSecrets(facts).inherited, facts.runtime.secretEnvironmentValues))));
}

/** A rule that throws is a bug in egg-sentinel; it becomes a finding instead of an unexplained crash. */
function runRule(rule: Rule, facts: Facts, developmentEnv: boolean): RuleResult {
  try {
    return { rule, hits: rule.check(facts, { developmentEnv }), pending: rule.pending?.(facts) };
  } catch (error) {
    const info = sentinelRules.ruleFailed;
    return {
      rule: info,
      hits: [{
        severity: info.severity,
        target: rule.id,
        message: `rule ${rule.id} (${rule.title}) could not run: ${error instanceof Error ? error.message : String(error)}`,
      }],
    };
  }
}
