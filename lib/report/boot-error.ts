import { quoteForMessage } from '../env-name';
import { dropStack } from '../quiet-error';
import { formatFinding } from './text';
import type { SentinelReport } from './report';

/** The one error that refuses boot; it lists every blocking finding. */
export class SentinelBootError extends Error {
  declare readonly findings: SentinelReport['findings'];

  constructor(report: SentinelReport) {
    const blocking = report.findings.filter(f => f.blocking);
    super(`[egg-sentinel] boot refused by the ${report.process}: ${blocking.length} finding(s) at or above "${report.threshold}" in env ${quoteForMessage(report.app.env)} ` +
      `(${blocking.map(f => f.ruleId).join(', ')})\n${blocking.map(formatFinding).join('\n')}\n` +
      'Fix them, or accept one with config.sentinel.waivers: [{ rule, target, reason, expires }] (see the README, "Waivers").');
    this.name = 'SentinelBootError';
    // Not enumerable: egg's logger prints enumerable error properties, which would repeat the whole message.
    Object.defineProperty(this, 'findings', { value: blocking, enumerable: false });
    dropStack(this);
  }
}
