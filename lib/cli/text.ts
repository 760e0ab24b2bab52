import { inspect } from 'node:util';
import { quoteForMessage } from '../env-name';
import type { AuditReport } from '../report/json';
import { SEVERITIES, type Severity } from '../report/severity';
import { rerated } from '../report/text';

type Style = keyof typeof inspect.colors;
export type Paint = (style: Style, text: string) => string;

/** ANSI colours from node's own table (`util.inspect.colors`), or plain text. */
export function painter(enabled: boolean): Paint {
  return (style, text) => {
    const codes = inspect.colors[style];
    return enabled && codes ? `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m` : text;
  };
}

/**
 * Colour when writing to a terminal that supports it; `NO_COLOR` (https://no-color.org) turns it off and
 * `FORCE_COLOR` on, as in node itself.
 */
export function colourWanted(stream: NodeJS.WritableStream & { isTTY?: boolean; hasColors?: () => boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY && stream.hasColors?.());
}

const SEVERITY_STYLE: Record<Severity, Style> = { critical: 'red', high: 'red', medium: 'yellow', low: 'cyan' };

/** The audit for a person: findings grouped by severity, most serious first, then the verdict. */
export function formatAuditText(report: AuditReport, paint: Paint): string {
  const blocking = report.findings.filter(finding => finding.blocking);
  const waived = report.findings.filter(finding => finding.waivedBy).length;
  const failsAt = report.threshold === 'never' ? 'never fails (threshold "never")' : `fails at ${report.threshold} or above`;
  const out = [
    `egg-sentinel ${report.tool.version} audit of ${report.app.name} (${report.app.baseDir}), env ${quoteForMessage(report.app.env)}` +
      `${report.app.scope ? `, scope ${quoteForMessage(report.app.scope)}` : ''}: ${failsAt}`,
  ];
  for (const severity of SEVERITIES) {
    const group = report.findings.filter(finding => finding.severity === severity);
    if (!group.length) continue;
    out.push('', paint('bold', paint(SEVERITY_STYLE[severity], `${severity.toUpperCase()} (${group.length})`)));
    for (const finding of group) {
      const mark = finding.blocking ? paint('red', '✘') : finding.waivedBy ? paint('gray', '○') : paint('yellow', '!');
      const details: Array<[string, string]> = [
        [ 'what', finding.message ],
        [ 'where', describeWhere(finding) ],
        [ 'fix', finding.fix ],
      ];
      if (finding.waivedBy) details.push([ 'waived', `until ${finding.waivedBy.expires}: ${finding.waivedBy.reason}` ]);
      if (finding.ruleSeverity) details.push([ 'rated', rerated(finding) ]);
      out.push(`  ${mark} ${paint('bold', finding.ruleId)}  ${finding.title}`, ...details.map(([ label, text ]) => `      ${paint('gray', `${label}:`.padEnd(6))} ${text}`));
    }
  }
  if (report.audit.warnings.length) {
    out.push('', 'Partial: the audit could not see all that boot would do:', ...report.audit.warnings.map(warning => `  - ${warning}`));
  }
  const skipped = report.audit.skippedRules;
  if (skipped.length) out.push('', `Not checked by an audit (need a running app): ${skipped.map(rule => rule.ruleId).join(', ')}; they run at boot.`);
  const counts = SEVERITIES.map(severity => `${report.counts[severity]} ${severity}`).join(', ');
  out.push('', `${report.findings.length} finding(s) (${counts}; ${waived} waived).`);
  out.push(blocking.length
    ? paint('red', `FAIL: ${blocking.length} finding(s) at or above ${report.threshold} (${[ ...new Set(blocking.map(f => f.ruleId)) ].join(', ')}).`)
    : paint('green', `PASS: no unwaived finding at or above ${report.threshold === 'never' ? 'the threshold' : report.threshold}.`));
  return `${out.join('\n')}\n`;
}

function describeWhere(finding: AuditReport['findings'][number]): string {
  const { location } = finding;
  if (!location) return `${finding.target}${finding.source ? ` (from ${finding.source})` : ''}`;
  if (location.lines) {
    const lines = location.lines.map(line => `:${line}`);
    return `${finding.target} at ${location.file}${lines.slice(0, -1).join(', ')} or ${lines[lines.length - 1]} (the file sets it more than once; which one took effect is not known)`;
  }
  const approximate = location.exact ? '' : ' (approximate line)';
  return `${finding.target} at ${location.file}:${location.line}${approximate}`;
}
