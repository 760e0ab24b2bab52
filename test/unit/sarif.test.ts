import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { findKeyLine, findMethodLine, locateFinding, unlocatedNote } from '../../lib/cli/locate';
import { runChecks } from '../../lib/engine';
import { lookupProvenance } from '../../lib/facts/collect';
import type { Finding } from '../../lib/report/finding';
import { formatSarif, type SarifLocation } from '../../lib/report/sarif';
import { ALL_RULE_INFO } from '../../lib/rules';
import type { Rule } from '../../lib/rules/types';
import { fakeFacts } from './fake-facts';
import { validateSarif } from './schemas';
import { tempDir } from '../temp-dir';

/** A rule whose hits the test chooses, so results of every kind can be produced. */
function scriptedRule(id: string, hits: ReturnType<Rule['check']>): Rule {
  return { id, area: 'exposure', title: `Scripted ${id}`, severity: 'high', description: 'A rule for tests.', fix: 'Fix it.', check: () => hits };
}

function sarifFor(rules: Rule[], config = {}, locations?: SarifLocation[], facts = fakeFacts()) {
  const report = runChecks(facts, { config, rules, now: new Date('2026-01-01T00:00:00Z') });
  return { report, log: formatSarif({ report, rules: ALL_RULE_INFO, locations: locations ?? report.findings.map(() => ({ uri: 'config/config.default.ts', line: 3 })) }) };
}

describe('SARIF output (lib/report/sarif)', () => {
  it('is valid SARIF 2.1.0 with a blocking, a waived and an approximately located result', () => {
    const rule = scriptedRule('SEN201', [
      { severity: 'critical', target: 'config.keys', message: 'weak', source: 'config/config.default.ts' },
      { severity: 'low', target: 'config.other', message: 'minor' },
    ]);
    const { log } = sarifFor([ rule ], { waivers: [{ rule: 'SEN201', target: 'config.other', reason: 'accepted for the demo', expires: '2999-01-01' }] },
      [{ uri: 'app/config/config.default.ts', line: 3 }, { uri: 'file:///srv/app/package.json', line: 1, note: 'set by EGG_SERVER_ENV; package.json line 1 shown' }]);
    const validation = validateSarif(log);
    assert.ok(validation.valid, !validation.valid ? validation.errors : '');
    const [ blocking, waived ] = log.runs[0].results!;
    assert.equal(blocking.level, 'error');
    assert.deepEqual(blocking.locations![0].physicalLocation!.artifactLocation, { uri: 'app/config/config.default.ts', uriBaseId: '%SRCROOT%' });
    assert.equal(blocking.properties!.blocking, true);
    assert.equal(waived.level, 'note');
    assert.deepEqual(waived.suppressions, [{ kind: 'external', status: 'accepted', justification: 'accepted for the demo (waived until 2999-01-01)' }]);
    assert.deepEqual(waived.locations![0].physicalLocation!.artifactLocation, { uri: 'file:///srv/app/package.json' }, 'absolute URIs carry no base id');
    assert.match(waived.message.text!, /^minor\. Fix: Fix it\. Location: set by EGG_SERVER_ENV; package\.json line 1 shown\.$/);
  });

  it('lists every rule with help and a security-severity in GitHub\'s band for its severity', () => {
    const { log } = sarifFor([]);
    const bands = { critical: [ 9.1, 10 ], high: [ 7, 8.9 ], medium: [ 4, 6.9 ], low: [ 0.1, 3.9 ] };
    const rules = log.runs[0].tool.driver.rules!;
    assert.deepEqual(rules.map(rule => rule.id), ALL_RULE_INFO.map(rule => rule.id));
    for (const [ index, info ] of ALL_RULE_INFO.entries()) {
      const score = Number(rules[index].properties!['security-severity']);
      const [ low, high ] = bands[info.severity];
      assert.ok(score >= low && score <= high, `${info.id} ${info.severity} → ${score}`);
      assert.ok(rules[index].help!.text.includes(info.fix));
      assert.match(rules[index].name!, /^[A-Z][A-Za-z0-9]+$/);
    }
  });

  it('fingerprints depend on rule and target only: stable when lines or messages change', () => {
    const fingerprint = (hit: { target: string; message: string }, line: number) =>
      sarifFor([ scriptedRule('SEN201', [{ severity: 'high', ...hit }]) ], {}, [{ uri: 'config/config.ts', line }]).log.runs[0].results![0].partialFingerprints;
    const original = fingerprint({ target: 'config.keys', message: 'one' }, 3);
    assert.deepEqual(fingerprint({ target: 'config.keys', message: 'reworded' }, 9), original);
    assert.notDeepEqual(fingerprint({ target: 'config.secret', message: 'one' }, 3), original);
  });

  it('keeps the report\'s redaction: a rule that echoes a secret cannot leak it into SARIF', () => {
    const secret = 'hunter2-database-password';
    const leaky = scriptedRule('SEN202', [{ severity: 'high', target: 'config.mysql.password', message: `the password is ${secret}` }]);
    const { log } = sarifFor([ leaky ], {}, undefined, fakeFacts({ config: { keys: 'k', mysql: { password: secret } } }));
    const text = JSON.stringify(log);
    assert.ok(!text.includes(secret));
    assert.match(text, /the password is \[REDACTED\]/);
  });
});

describe('finding locations (lib/cli/locate)', () => {
  it('finds a key as an object key or an assignment, skipping comments', () => {
    assert.deepEqual(findKeyLine("export default {\n  // keys: set below\n  keys: 'x',\n};\n", 'keys'), { line: 3, exact: true });
    assert.deepEqual(findKeyLine("module.exports = appInfo => {\n  const config = {};\n  config.keys = appInfo.name + '_1';\n  return config;\n};\n", 'keys'), { line: 3, exact: true });
    assert.deepEqual(findKeyLine("exports['keys'] = 'x';\n", 'keys'), { line: 1, exact: true });
    assert.deepEqual(findKeyLine("const a = { 'keys': 1 };\n", 'keys'), { line: 1, exact: true });
  });

  it('finds a nested key under its parents, not an earlier key of the same name', () => {
    const text = 'export default {\n  session: { enable: true },\n  security: {\n    csrf: {\n      enable: false,\n    },\n  },\n};\n';
    assert.deepEqual(findKeyLine(text, 'security.csrf.enable'), { line: 5, exact: true });
    assert.deepEqual(findKeyLine(text, 'security.xframe.enable'), { line: 3, exact: false }, 'nearest parent, flagged approximate');
    assert.deepEqual(findKeyLine(text, 'logger'), { line: 1, exact: false });
    assert.deepEqual(findKeyLine(text, 'GET /admin'), { line: 1, exact: false }, 'not a key path');
  });

  it('findKeyLine: a key set in more than one branch gives every line; one parent with two children is no second setting (black-box round 28, h101 F4)', () => {
    const text = [
      'module.exports = () => {',
      '  const c = {};',
      '  if (X.includes(\'s\')) c.security = {',
      "    csrf: { headerName: 'x-csrf-token', ignore: '/api' },",
      '    xframe: { enable: true },',
      '  };',
      '  if (X.includes(\'c\')) c.security = { csrf: { enable: false } };',
      '  if (X.includes(\'i\')) c.security = { csrf: { ignore: () => true } };',
      '  return c;',
      '};',
    ].join('\n');
    assert.deepEqual(findKeyLine(text, 'security.csrf.ignore'), { line: 4, exact: true, lines: [ 4, 8 ] });
    assert.deepEqual(findKeyLine(text, 'security.xframe.enable'), { line: 5, exact: true }, 'xframe is set once');
  });

  it('findKeyLine: several segments on one line, and the n-th item of an array', () => {
    const text = [
      'module.exports = {',
      "  keys: 'k',",
      "  sentinel: { ipc: { secret: 'x' } },",
      '  routes: {',
      '    public: [',
      "      { path: '/health', reason: 'probe' },",
      "      { path: '/status', reason: 'old' },",
      '    ],',
      '  },',
      '};',
    ].join('\n');
    assert.deepEqual(findKeyLine(text, 'sentinel.ipc.secret'), { line: 3, exact: true });
    assert.deepEqual(findKeyLine(text, 'routes.public[1].path'), { line: 7, exact: true });
    assert.deepEqual(findKeyLine(text, 'routes.public[0].reason'), { line: 6, exact: true });
    assert.deepEqual(findKeyLine(text, 'routes.public[1]'), { line: 5, exact: true }, 'an item itself: its array');
    assert.deepEqual(findKeyLine(text, 'routes.public[2].path'), { line: 5, exact: false }, 'no such item: the array, approximate');
  });

  it('findKeyLine: the items of an array written on one line are told apart (black-box round 43, r43h7 F2)', () => {
    const text = "// waivers\nexports.sentinel = { waivers: [{ rule: 'SEN201', reason: 'a', expires: '2027-01-01' }, { rule:'SEN201', reason: 'b', expires: '2027-01-01' }] };\n";
    assert.deepEqual(findKeyLine(text, 'sentinel.waivers[0].rule'), { line: 2, exact: true });
    assert.deepEqual(findKeyLine(text, 'sentinel.waivers[1].rule'), { line: 2, exact: true });
    assert.deepEqual(findKeyLine(text, 'sentinel.waivers[2].rule'), { line: 2, exact: false }, 'no third item');
  });

  it('findMethodLine: class methods with modifiers, and functions set on an object or exports', () => {
    assert.deepEqual(findMethodLine('class A {\n  async show() {\n    await this.index();\n  }\n  public async index(): Promise<void> {}\n}\n', 'index'), { line: 5, exact: true });
    assert.deepEqual(findMethodLine("exports.index = async ctx => {};\nexports.show = function(ctx) {};\n", 'show'), { line: 2, exact: true });
    assert.deepEqual(findMethodLine('module.exports = {\n  index: async ctx => {},\n  *legacy() {},\n};\n', 'legacy'), { line: 3, exact: true });
    assert.deepEqual(findMethodLine('const indexed = 1;\n// index() is generated\n', 'index'), { line: 1, exact: false });
  });

  describe('locateFinding', () => {
    let baseDir: string;
    before(() => {
      baseDir = tempDir('locate');
      fs.mkdirSync(path.join(baseDir, 'config'));
      fs.writeFileSync(path.join(baseDir, 'config/config.prod.js'), "module.exports = {\n  keys: 'k',\n  sentinel: {\n    waivers: [],\n  },\n  auth: { ignore: '/api' },\n};\n");
      fs.mkdirSync(path.join(baseDir, 'app/controller'), { recursive: true });
      fs.writeFileSync(path.join(baseDir, 'app/controller/admin.js'), "'use strict';\nclass AdminController {\n  // export() is below\n  async list() {}\n  async export() {}\n}\nmodule.exports = AdminController;\n");
      fs.writeFileSync(path.join(baseDir, 'app/router.js'), "'use strict';\nmodule.exports = app => {\n  app.router.post('/inline', async ctx => {});\n};\n");
      fs.writeFileSync(path.join(baseDir, 'config/plugin.js'), "'use strict';\n\nexports.static = true;\nexports.jwt = { enable: true, package: 'egg-jwt' };\n");
    });
    after(() => fs.rmSync(baseDir, { recursive: true, force: true }));

    const facts = () => ({ ...fakeFacts({ meta: { 'sentinel.waivers': 'config/config.prod.js' } }), app: { name: 'x', baseDir, runDir: path.join(baseDir, 'run') } });
    const finding = (target: string, source?: string): Finding => ({ ruleId: 'SEN201', severity: 'high', title: 't', message: 'm', target, source, fix: 'f', blocking: true });
    const file = () => path.join(baseDir, 'config/config.prod.js');

    it('a config key in the file its source names', () => {
      assert.deepEqual(locateFinding(finding('config.keys', 'config/config.prod.js'), facts()), { file: file(), key: 'keys', line: 2, exact: true });
    });

    it('a source that is a config key: the file that set it (provenance)', () => {
      assert.deepEqual(locateFinding(finding('waiver:SEN301', 'config.sentinel.waivers'), facts()), { file: file(), key: 'sentinel.waivers', line: 4, exact: true });
      // A waiver's own entry: the `rule:` of the n-th item below `waivers:` (egg's configMeta holds the array whole).
      const withWaivers = path.join(baseDir, 'config/config.waivers.js');
      fs.writeFileSync(withWaivers, "module.exports = {\n  sentinel: {\n    waivers: [\n      { rule: 'SEN201', reason: 'r', expires: '2999-01-01' },\n      {\n        rule: 'SEN301',\n" +
        "        reason: 'r', expires: '2999-01-01',\n      },\n    ],\n  },\n};\n");
      const waiverFacts = { ...facts(), provenance: (key: string) => lookupProvenance({ sentinel: { waivers: 'config/config.waivers.js' } }, key) };
      assert.deepEqual(locateFinding(finding('waiver:SEN301', 'config.sentinel.waivers[1].rule'), waiverFacts), { file: withWaivers, key: 'sentinel.waivers[1].rule', line: 6, exact: true });
    });

    it('a plugin or middleware finding: the line of its name in the file its source names', () => {
      assert.deepEqual(locateFinding(finding('plugin:jwt', 'config/plugin.js'), facts()), { file: path.join(baseDir, 'config/plugin.js'), key: 'jwt', line: 4, exact: true });
      assert.deepEqual(locateFinding(finding('middleware:auth', 'config/config.prod.js'), facts()), { file: file(), key: 'auth', line: 6, exact: true });
    });

    it('an order constraint: the line of the policy\'s order in the file its source names (black-box round 42, h2 F3)', () => {
      const policy = path.join(baseDir, 'config/config.order.js');
      fs.writeFileSync(policy, "module.exports = {\n  middleware: [ 'errorHandler', 'auth' ],\n  sentinel: {\n    middleware: {\n      order: [{ name: 'auth', before: [ '*app' ] }],\n    },\n  },\n};\n");
      assert.deepEqual(locateFinding(finding('order:auth before *app', 'config/config.order.js'), facts()), { file: policy, key: 'sentinel.middleware.order', line: 5, exact: true });
    });

    it('a route finding: its controller method, or the line that registered an inline handler', () => {
      const controller = path.join(baseDir, 'app/controller/admin.js');
      assert.deepEqual(locateFinding(finding('route:GET /admin/export', 'app/controller/admin.js#AdminController.export()'), facts()), { file: controller, line: 5, exact: true });
      assert.deepEqual(locateFinding(finding('route:GET /admin/gone', 'app/controller/admin.js#AdminController.gone()'), facts()), { file: controller, line: 1, exact: false });
      assert.deepEqual(locateFinding(finding('route:POST /inline', 'app/router.js:3'), facts()), { file: path.join(baseDir, 'app/router.js'), line: 3, exact: true });
    });

    it('egg-sentinel\'s own options are config keys though named without the prefix (sentinel.ipc.secret)', () => {
      assert.deepEqual(locateFinding(finding('sentinel.waivers', 'config/config.prod.js'), facts()), { file: file(), key: 'sentinel.waivers', line: 4, exact: true });
    });

    it('an object key egg records by its leaves: the app\'s file that sets one; none: the SARIF note names the defaults, not egg-sentinel (black-box round 43, r43h7 F2)', () => {
      const ssrf = finding('config.security.ssrf');
      const defaults = 'node_modules/egg-security/config/config.default.js';
      const withMeta = (meta: Record<string, string>) => ({ ...facts(), config: { security: { ssrf: { ipBlackList: [ '10.0.0.0/8' ], checkAddress: null } } }, provenance: (key: string) => meta[key] });
      const byDefaults = withMeta({ 'security.ssrf.ipBlackList': defaults, 'security.ssrf.checkAddress': defaults });
      assert.equal(locateFinding(ssrf, byDefaults), undefined, 'egg-security\'s own file is not the app\'s');
      assert.equal(unlocatedNote(ssrf, byDefaults), `no file of the app sets \`security.ssrf\` (it holds the defaults of ${defaults})`);
      assert.equal(unlocatedNote(ssrf, withMeta({})), 'no file of the app sets `security.ssrf` (a default of egg or a plugin, or unset)');
      assert.equal(unlocatedNote(finding('serverEnv', 'EGG_SERVER_ENV'), facts()), 'from EGG_SERVER_ENV, not from a file of the app');
      const ssrfFile = path.join(baseDir, 'config/config.ssrf.js');
      fs.writeFileSync(ssrfFile, "module.exports = {\n  security: {\n    ssrf: { ipBlackList: [ '10.0.0.0/8' ] },\n  },\n};\n");
      assert.deepEqual(locateFinding(ssrf, withMeta({ 'security.ssrf.ipBlackList': 'config/config.ssrf.js', 'security.ssrf.checkAddress': defaults })),
        { file: ssrfFile, key: 'security.ssrf', line: 3, exact: true });
    });

    it('a finding about a file is at its line 1; an environment variable has no file', () => {
      assert.deepEqual(locateFinding(finding('config/config.prod.js'), facts()), { file: file(), line: 1, exact: true });
      assert.equal(locateFinding(finding('serverEnv', 'EGG_SERVER_ENV'), facts()), undefined);
    });
  });
});
