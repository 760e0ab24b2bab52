import type { Severity } from '../report/severity';
import { exposureRules } from './exposure';
import { injectionRules } from './injection';
import { middlewareRules } from './middleware';
import { ipcRules } from './ipc';
import { pluginRules } from './plugins';
import { builtinsRules } from './builtins';
import { sentinelConfigRules } from './sentinel';
import type { Rule, ThreatArea } from './types';
import { codeUnitOrder } from '../order';

/** Documentation of a rule; findings of `sentinel` rules come from the report stage, not from facts. */
export type RuleInfo = Pick<Rule, 'id' | 'area' | 'title' | 'severity' | 'description' | 'fix' | 'liveOnly'>;

/** Findings about egg-sentinel's own configuration (waivers), raised by lib/report. */
export const sentinelRules = {
  expiredWaiver: {
    id: 'SEN001',
    area: 'sentinel' as ThreatArea,
    title: 'Waiver expired',
    severity: 'medium' as Severity,
    description: 'A waiver in config.sentinel.waivers is past its `expires` date. The finding it waived is reported again at its own severity.',
    fix: 'Fix the waived problem, or renew the waiver with a new reason and a later `expires` date.',
  },
  unusedWaiver: {
    id: 'SEN002',
    area: 'sentinel' as ThreatArea,
    title: 'Waiver matches no finding',
    severity: 'low' as Severity,
    description: 'A waiver names a rule (and target) that produced no finding in this process: the problem is gone or the target is misspelled.',
    fix: 'Remove the waiver, or correct its `target` to the one shown in the report.',
  },
  ruleFailed: {
    id: 'SEN003',
    area: 'sentinel' as ThreatArea,
    title: 'Check could not run',
    severity: 'high' as Severity,
    description: 'A rule threw while checking this app, so the problem it looks for may be present. This is a bug in egg-sentinel or an app shape it does not understand.',
    fix: 'Report the message to egg-sentinel. To boot meanwhile, waive SEN003 with the rule id as target and a short expiry.',
  },
} satisfies Record<string, RuleInfo>;

/** Ids are `SEN` + three digits: code-unit order is id order. */
const byId = (a: RuleInfo, b: RuleInfo) => codeUnitOrder(a.id, b.id);

/** Every rule that reads facts, in id order. Adding a rule: add it to its area file's list. */
export const RULES: readonly Rule[] = [ ...sentinelConfigRules, ...pluginRules, ...exposureRules, ...injectionRules, ...middlewareRules, ...ipcRules, ...builtinsRules ]
  .sort(byId);

export const ALL_RULE_INFO: readonly RuleInfo[] = [ ...Object.values(sentinelRules), ...RULES ].sort(byId);

export const RULE_IDS: ReadonlySet<string> = new Set(ALL_RULE_INFO.map(rule => rule.id));

export function ruleInfo(id: string): RuleInfo | undefined {
  return ALL_RULE_INFO.find(rule => rule.id === id);
}
