import { quoteForMessage } from '../env-name';
import { dropStack } from '../quiet-error';
import { formatFinding } from './text';
import type { SentinelReport } from './report';

/** SEN001 (a waiver expired) and SEN002 (a waiver matched no finding). */
const WAIVER_RULES = new Set([ 'SEN001', 'SEN002' ]);

/** The one error that refuses boot; it lists every blocking finding, and the waivers that did not apply. */
export class SentinelBootError extends Error {
  declare readonly findings: SentinelReport['findings'];

  constructor(report: SentinelReport) {
    const blocking = report.findings.filter(f => f.blocking);
    // A waiver the team wrote that did not apply (expired, or naming no finding) is why a finding blocks, and a rule
    // switched off is what did not check: both said here.
    const notes = report.findings.filter(f => !f.blocking && WAIVER_RULES.has(f.ruleId)).map(f => `  note: ${f.ruleId} ${f.message}`);
    if (report.rulesOff.length) notes.push(`  note: switched off by config.sentinel.rules: ${report.rulesOff.join(', ')}`);
    super(`[egg-sentinel] boot refused by the ${report.process}: ${blocking.length} finding(s) at or above "${report.threshold}" in env ${quoteForMessage(report.app.env)} ` +
      `(${[ ...new Set(blocking.map(f => f.ruleId)) ].join(', ')})\n${blocking.map(formatFinding).join('\n')}\n${notes.length ? `${notes.join('\n')}\n` : ''}` +
      'Fix them, or accept one with config.sentinel.waivers: [{ rule, target, reason, expires }] (see the README, "Waivers").');
    this.name = 'SentinelBootError';
    // Not enumerable: egg's logger prints enumerable error properties, which would repeat the whole message.
    Object.defineProperty(this, 'findings', { value: blocking, enumerable: false });
    dropStack(this);
  }
}
