import type { SentinelConfig, WaiverConfig } from '../config/types';
import type { RuleInfo } from '../rules';
import { sentinelRules } from '../rules';
import type { RuleHit } from '../rules/types';
import type { Finding } from './finding';
import { compareSeverity, type Severity, SEVERITIES, type Threshold, meetsThreshold } from './severity';
import { codeUnitOrder } from '../order';

export interface RuleResult {
  rule: RuleInfo;
  hits: RuleHit[];
  /** Targets the rule would report once the app does what it may still do (Rule.pending): their waivers are not unused. */
  pending?: string[];
}

export type WaiverState = 'active' | 'expired' | 'unused';

export interface WaiverStatus extends WaiverConfig {
  state: WaiverState;
}

export interface Verdict {
  threshold: Threshold;
  refused: boolean;
  /** Most serious first, then by rule id and target. */
  findings: Finding[];
  waivers: WaiverStatus[];
  counts: Record<Severity, number>;
  /** Rules `config.sentinel.rules` switches off: named in the report and the boot log, so silencing one leaves a trace. */
  rulesOff: string[];
}

export interface EvaluateOptions {
  config: SentinelConfig;
  developmentEnv: boolean;
  /** Today, for waiver expiry. */
  now: Date;
  /** Rules that ran in this process; waivers for other rules are not judged unused here. */
  ranRuleIds: ReadonlySet<string>;
}

export function resolveThreshold(failOn: SentinelConfig['failOn'], developmentEnv: boolean): Threshold {
  if (failOn === undefined || failOn === 'auto') return developmentEnv ? 'critical' : 'high';
  return failOn;
}

/** Applies rule overrides, waivers and the threshold to what the rules found. */
export function evaluate(results: RuleResult[], options: EvaluateOptions): Verdict {
  const { config, now } = options;
  const threshold = resolveThreshold(config.failOn, options.developmentEnv);
  const today = now.toISOString().slice(0, 10);
  const waivers: WaiverStatus[] = (config.waivers ?? []).map(waiver => ({
    ...waiver,
    state: waiver.expires < today ? 'expired' : 'unused',
  }));
  // SEN001/SEN002 point at the waiver itself (its `rule:` line in the file), not at the list.
  const waiverAt = (waiver: WaiverStatus) => `config.sentinel.waivers[${waivers.indexOf(waiver)}].rule`;

  const raw: RuleResult[] = [ ...results ];
  for (const waiver of waivers.filter(w => w.state === 'expired')) {
    raw.push({
      rule: sentinelRules.expiredWaiver,
      hits: [{
        severity: sentinelRules.expiredWaiver.severity,
        target: waiverTarget(waiver),
        source: waiverAt(waiver),
        message: `the waiver for ${waiver.rule}${waiver.target ? ` on ${waiver.target}` : ''} expired on ${waiver.expires} ("${waiver.reason}")`,
      }],
    });
  }

  const toFindings = ({ rule, hits }: RuleResult): Finding[] => {
    const override = config.rules?.[rule.id];
    if (override === 'off') return [];
    return hits.map(hit => {
      const severity = override ?? hit.severity;
      const waiver = waivers.find(w => w.state !== 'expired' && w.rule === rule.id && (w.target === undefined || w.target === hit.target));
      if (waiver) waiver.state = 'active';
      return {
        ruleId: rule.id,
        severity,
        title: rule.title,
        message: hit.message,
        target: hit.target,
        source: hit.source,
        fix: hit.fix ?? rule.fix,
        blocking: !waiver && meetsThreshold(severity, threshold),
        waivedBy: waiver && { reason: waiver.reason, expires: waiver.expires },
        ...(override && override !== hit.severity && { ruleSeverity: hit.severity }),
      };
    });
  };
  const findings = raw.flatMap(toFindings);
  const pending = new Set(results.flatMap(({ rule, pending: targets }) => (targets ?? []).flatMap(target => [ rule.id, `${rule.id} ${target}` ])));
  const unusedHits = waivers
    .filter(w => w.state === 'unused' && options.ranRuleIds.has(w.rule) && !pending.has(w.target === undefined ? w.rule : `${w.rule} ${w.target}`))
    .map(waiver => ({
      severity: sentinelRules.unusedWaiver.severity,
      target: waiverTarget(waiver),
      source: waiverAt(waiver),
      message: `the waiver for ${waiver.rule}${waiver.target ? ` on "${waiver.target}"` : ''} matched no finding`,
    }));
  findings.push(...toFindings({ rule: sentinelRules.unusedWaiver, hits: unusedHits }));

  findings.sort((a, b) => compareSeverity(a.severity, b.severity) || codeUnitOrder(a.ruleId, b.ruleId) || codeUnitOrder(a.target, b.target));
  const counts = Object.fromEntries(SEVERITIES.map(s => [ s, findings.filter(f => f.severity === s && !f.waivedBy).length ])) as Record<Severity, number>;
  const rulesOff = Object.keys(config.rules ?? {}).filter(id => config.rules?.[id] === 'off').sort(codeUnitOrder);
  return { threshold, refused: findings.some(f => f.blocking), findings, waivers, counts, rulesOff };
}

function waiverTarget(waiver: WaiverConfig): string {
  return `waiver:${waiver.rule}${waiver.target ? `:${waiver.target}` : ''}`;
}
