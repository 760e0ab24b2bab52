import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { ALL_RULE_INFO } from '../../lib/rules';
import { renderRulesMarkdown } from '../../lib/report/rules-markdown';

const DOC = path.join(__dirname, '../../docs/rules.md');

describe('docs/rules.md', () => {
  it('is generated from the rule registry and up to date (regenerate with `npm run docs`)', () => {
    const expected = renderRulesMarkdown(ALL_RULE_INFO);
    assert.equal(fs.readFileSync(DOC, 'utf8'), expected, 'docs/rules.md is out of date: run `npm run docs`');
    for (const rule of ALL_RULE_INFO) assert.ok(expected.includes(`### ${rule.id}`));
  });
});
