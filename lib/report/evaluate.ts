import type { SentinelConfig, WaiverConfig } from '../config/types';
import type { RuleInfo } from '../rules';
import { sentinelRules } from '../rules';
import type { RuleHit } from '../rules/types';
import type { Finding } from './finding';
import { compareSeverity, type Severity, SEVERITIES, type Threshold, meetsThreshold } from './severity';
import { codeUnitOrder } from '../order';
import { closestOption } from '../config/validate';
import { endOf } from '../ipc/keyring';

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
  // As a rotation's `until`: a date lasts through its last millisecond (UTC), a date-time is exact.
  const waivers: WaiverStatus[] = (config.waivers ?? []).map(waiver => ({
    ...waiver,
    state: endOf(waiver.expires) < now.getTime() ? 'expired' : 'unused',
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

  const shadowedBy = new Map<WaiverStatus, Set<WaiverStatus>>();
  const toFindings = ({ rule, hits }: RuleResult): Finding[] => {
    const override = config.rules?.[rule.id];
    if (override === 'off') return [];
    return hits.map(hit => {
      const severity = override ?? hit.severity;
      // The first waiver that matches takes the finding; a later one it shadows is named in its SEN002.
      const [ waiver, ...shadowed ] = waivers.filter(w => w.state !== 'expired' && w.rule === rule.id && (w.target === undefined || waivedTarget(w.target) === hit.target));
      if (waiver) waiver.state = 'active';
      for (const later of shadowed) shadowedBy.set(later, new Set([ ...shadowedBy.get(later) ?? [], waiver ]));
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
    .filter(w => w.state === 'unused' && options.ranRuleIds.has(w.rule) && !pending.has(w.target === undefined ? w.rule : `${w.rule} ${waivedTarget(w.target)}`))
    .map(waiver => ({
      severity: sentinelRules.unusedWaiver.severity,
      target: waiverTarget(waiver),
      source: waiverAt(waiver),
      ...unusedWaiverText(waiver, [ ...shadowedBy.get(waiver) ?? [] ].map(first => `config.sentinel.waivers[${waivers.indexOf(first)}]`),
        [ ...new Set(findings.filter(finding => finding.ruleId === waiver.rule).map(finding => finding.target)) ]),
    }));
  findings.push(...toFindings({ rule: sentinelRules.unusedWaiver, hits: unusedHits }));

  findings.sort((a, b) => compareSeverity(a.severity, b.severity) || codeUnitOrder(a.ruleId, b.ruleId) || codeUnitOrder(a.target, b.target));
  const counts = Object.fromEntries(SEVERITIES.map(s => [ s, findings.filter(f => f.severity === s && !f.waivedBy).length ])) as Record<Severity, number>;
  const rulesOff = Object.keys(config.rules ?? {}).filter(id => config.rules?.[id] === 'off').sort(codeUnitOrder);
  return { threshold, refused: findings.some(f => f.blocking), findings, waivers, counts, rulesOff };
}

/**
 * The finding target a waiver's `target` names: as the report shows it, or as the audit's `where` shows it, with the
 * place copied along (`config.keys at config/config.default.js:4`, `config.keys (from config/config.prod.js)`).
 */
function waivedTarget(target: string): string {
  return /^(.+?)(?: at .+:\d+(?:[, ].*)?| \(from .+\))$/.exec(target)?.[1] ?? target;
}

/**
 * SEN002's message and fix: the waivers that took the findings it matches (`shadowing`), or, for a target that
 * matched none, the rule's finding target it most likely meant among `ruleTargets`, or those targets.
 */
function unusedWaiverText(waiver: WaiverConfig, shadowing: string[], ruleTargets: string[]): { message: string; fix?: string } {
  const named = `the waiver for ${waiver.rule}${waiver.target ? ` on "${waiver.target}"` : ''}`;
  if (shadowing.length) {
    return {
      message: `${named} waives no finding: every ${waiver.rule} finding it matches is already waived by ${shadowing.join(' and ')}, which comes first`,
      fix: `Remove it (the first waiver that matches a finding waives it), or give it the \`target\` of a ${waiver.rule} finding no earlier waiver matches.`,
    };
  }
  if (waiver.target === undefined || !ruleTargets.length) return { message: `${named} matched no finding` };
  const wanted = waivedTarget(waiver.target);
  // `security.ssrf` for `config.security.ssrf`, `/admin/a` and `POST /admin/a` for `route:POST /admin/a` (black-box round 44, r44h4 F6).
  const meant = ruleTargets.find(target => target.endsWith(`.${wanted}`) || target.endsWith(` ${wanted}`) || target.endsWith(`:${wanted}`)) ??
    closestOption(wanted, ruleTargets);
  if (meant) {
    return {
      message: `${named} matched no finding; did you mean "${meant}", the target of a ${waiver.rule} finding?`,
      fix: `Set its \`target\` to "${meant}", the finding's target as the report shows it, or remove the waiver.`,
    };
  }
  const shown = ruleTargets.slice(0, 3).map(target => `"${target}"`).join(', ');
  return { message: `${named} matched no finding; ${waiver.rule} reported ${shown}${ruleTargets.length > 3 ? ` and ${ruleTargets.length - 3} more` : ''}` };
}

function waiverTarget(waiver: WaiverConfig): string {
  return `waiver:${waiver.rule}${waiver.target ? `:${waiver.target}` : ''}`;
}
