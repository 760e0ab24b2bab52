import { ALL_RULE_INFO, ruleInfo } from '../rules';
import { AREA_TITLES, renderRulesMarkdown } from '../report/rules-markdown';
import { type Command, EXIT, oneOf, parseCommandArgs, UsageError } from './command';

const rulesUsage = `Usage: egg-sentinel rules [--format text|markdown]

Lists every rule: id, severity (outside local/unittest), threat area and title. Rules marked "boot only" need a
running app and are not checked by \`egg-sentinel audit\`.

Options:
  --format FORMAT  text (default) | markdown (docs/rules.md, generated from the same registry)
  -h, --help       show this help`;

export const rulesCommand: Command = {
  name: 'rules',
  summary: 'list every rule',
  usage: rulesUsage,
  run(args, io) {
    const { values } = parseCommandArgs({ args, strict: true, options: { format: { type: 'string', default: 'text' } } });
    if (oneOf('format', values.format, [ 'text', 'markdown' ] as const) === 'markdown') {
      io.stdout.write(renderRulesMarkdown(ALL_RULE_INFO));
      return EXIT.clean;
    }
    const rows = ALL_RULE_INFO.map(rule => [ rule.id, rule.severity, rule.area, `${rule.title}${rule.liveOnly ? ' (boot only)' : ''}` ]);
    const table = [ [ 'ID', 'SEVERITY', 'AREA', 'TITLE' ], ...rows ];
    const widths = table[0].map((_, column) => Math.max(...table.map(row => row[column].length)));
    io.stdout.write(table.map(row => row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column]) : cell)).join('  ')).join('\n'));
    io.stdout.write(`\n\n${ALL_RULE_INFO.length} rules. \`egg-sentinel explain <id>\` prints one rule's documentation.\n`);
    return EXIT.clean;
  },
};

const explainUsage = `Usage: egg-sentinel explain <rule id>

Prints the documentation of one rule: what it checks, why it matters, its severity and how to fix a finding.
Example: egg-sentinel explain SEN201

Options:
  -h, --help  show this help`;

export const explainCommand: Command = {
  name: 'explain',
  summary: 'print the documentation of one rule',
  usage: explainUsage,
  run(args, io) {
    const { positionals } = parseCommandArgs({ args, strict: true, allowPositionals: true, options: {} });
    if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one rule id, got ${positionals.length}` : 'which rule? give its id, e.g. SEN201');
    const rule = ruleInfo(positionals[0].toUpperCase());
    if (!rule) throw new UsageError(`no rule has the id ${JSON.stringify(positionals[0])}; \`egg-sentinel rules\` lists them`);
    io.stdout.write([
      `${rule.id}  ${rule.title}`,
      `severity: ${rule.severity} (outside local/unittest)`,
      `area:     ${AREA_TITLES[rule.area]}`,
      ...(rule.liveOnly ? [ `checked:  at boot only, not by \`egg-sentinel audit\` (${rule.liveOnly})` ] : []),
      '',
      rule.description,
      '',
      `Fix: ${rule.fix}`,
      '',
    ].join('\n'));
    return EXIT.clean;
  },
};
