/** Checks of the middleware and route policy that the JSON schema cannot express; each names the key and the fix. */
import type { SentinelConfig } from './types';

export function policyProblems(config: SentinelConfig): string[] {
  const problems: string[] = [];
  (config.middleware?.order ?? []).forEach((constraint, index) => {
    const at = `config.sentinel.middleware.order[${index}]`;
    if (!constraint.before && !constraint.after) {
      problems.push(`${at}: constrains nothing; add \`before: [...]\` and/or \`after: [...]\` with middleware names or "*core" / "*app"`);
    }
    for (const side of [ 'before', 'after' ] as const) {
      if (constraint[side]?.includes(constraint.name)) problems.push(`${at}.${side}: "${constraint.name}" cannot run ${side} itself; remove it from the list`);
    }
  });
  const patterns: Array<[ string, string ]> = [];
  (config.routes?.protect ?? []).forEach((entry, index) => {
    entry.paths.forEach((pattern, item) => patterns.push([ `config.sentinel.routes.protect[${index}].paths[${item}]`, pattern ]));
  });
  (config.routes?.public ?? []).forEach((entry, index) => {
    const at = `config.sentinel.routes.public[${index}]`;
    if ((entry.path === undefined) === (entry.paths === undefined)) {
      problems.push(`${at}: give exactly one of \`path\` (one route path) or \`paths\` (a list)${entry.path === undefined ? '' : ', not both'}`);
    }
    if (entry.path !== undefined) patterns.push([ `${at}.path`, entry.path ]);
    entry.paths?.forEach((pattern, item) => patterns.push([ `${at}.paths[${item}]`, pattern ]));
  });
  for (const [ at, pattern ] of patterns) {
    if (pattern.split('/').some(segment => segment.includes('**') && segment !== '**')) {
      problems.push(`${at}: "${pattern}" uses ** inside a path segment; ** stands for whole segments, as in "/api/**" (use * within a segment)`);
    }
  }
  return problems;
}
