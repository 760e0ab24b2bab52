import { quoteForMessage } from '../env-name';
import type { Finding } from './finding';
import type { SentinelReport } from './report';

/** One finding as an indented block: what, where, fix. */
export function formatFinding(finding: Finding): string {
  const mark = finding.blocking ? '✘' : finding.waivedBy ? '○' : '!';
  const lines = [ `${mark} ${finding.severity.padEnd(8)} ${finding.ruleId}  ${finding.title}${finding.blocking ? '  [blocks boot]' : ''}` ];
  lines.push(`    what:  ${finding.message}`);
  lines.push(`    where: ${finding.target}${finding.source ? ` (from ${finding.source})` : ''}`);
  lines.push(`    fix:   ${finding.fix}`);
  if (finding.waivedBy) lines.push(`    waived until ${finding.waivedBy.expires}: ${finding.waivedBy.reason}`);
  if (finding.ruleSeverity) lines.push(`    ${rerated(finding)}`);
  return lines.join('\n');
}

export function summaryLine(report: SentinelReport): string {
  const { counts } = report;
  const total = report.findings.length;
  const blocking = report.findings.filter(f => f.blocking).length;
  const waived = report.findings.filter(f => f.waivedBy).length;
  const bySeverity = (Object.keys(counts) as Array<keyof typeof counts>).map(s => `${counts[s]} ${s}`).join(', ');
  const threshold = report.threshold === 'never' ? 'never refuses boot (failOn: never)' : `refuses boot at ${report.threshold} or above`;
  const off = report.rulesOff.length ? `; switched off by config.sentinel.rules: ${report.rulesOff.join(', ')}` : '';
  return `egg-sentinel ${report.tool.version} [${report.process}] env ${quoteForMessage(report.app.env)}: ${total} finding(s) (${bySeverity}; ` +
    `${waived} waived, ${blocking} blocking); ${threshold}${off}`;
}

/** The readable report logged at boot. */
export function formatText(report: SentinelReport): string {
  const blocks = report.findings.map(formatFinding);
  return [ summaryLine(report), ...blocks ].join('\n');
}

/** How a re-rated finding says so: its rule's own severity and where the new one comes from. */
export function rerated(finding: Finding): string {
  return `re-rated from ${finding.ruleSeverity} to ${finding.severity} by config.sentinel.rules.${finding.ruleId}`;
}
