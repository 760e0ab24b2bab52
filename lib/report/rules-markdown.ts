import type { RuleInfo } from '../rules';

export const AREA_TITLES: Record<RuleInfo['area'], string> = {
  sentinel: 'egg-sentinel itself',
  plugins: 'Threat 1: malicious plugins',
  exposure: 'Threat 2: exposure of sensitive configuration',
  injection: 'Threat 3: configuration injection',
  middleware: 'Threat 4: middleware order',
  ipc: 'Threat 5: agent ↔ app IPC',
  builtins: "Threat 6: egg's built-ins",
};

/** docs/rules.md, generated from the rule registry (a test keeps the committed file in sync). */
export function renderRulesMarkdown(rules: readonly RuleInfo[]): string {
  const lines = [
    '# egg-sentinel rules',
    '',
    '<!-- Generated from lib/rules by `npm run docs`; do not edit by hand. -->',
    '',
    'Ids are stable: a rule is never renumbered or reused. Severity is the one used outside `local`/`unittest`;',
    'a rule may rate the same problem lower on a developer machine, as its description says.',
    '',
    '| id | severity | title |',
    '| --- | --- | --- |',
    ...rules.map(rule => `| [${rule.id}](#${rule.id.toLowerCase()}) | ${rule.severity} | ${rule.title} |`),
  ];
  for (const area of Object.keys(AREA_TITLES) as Array<RuleInfo['area']>) {
    const inArea = rules.filter(rule => rule.area === area);
    if (!inArea.length) continue;
    lines.push('', `## ${AREA_TITLES[area]}`);
    for (const rule of inArea) {
      lines.push('', `### ${rule.id}`, '', `**${rule.title}** (${rule.severity})`, '', rule.description, '', `Fix: ${rule.fix}`);
      if (rule.liveOnly) lines.push('', `Checked at boot only, not by \`egg-sentinel audit\`: it ${rule.liveOnly}.`);
    }
  }
  return `${lines.join('\n')}\n`;
}
