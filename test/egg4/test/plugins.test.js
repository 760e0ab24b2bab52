'use strict';
/**
 * Plugin trust (SEN101–SEN108) and `egg-sentinel pin` on egg 4, with the egg 3 suite's plugin-* fixtures: egg 4 loads
 * their plugins, and its own from the @eggjs/* packages' dist/ builds, which are judged by their package directories.
 */
const assert = require('node:assert');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { mm } = require('@eggjs/mock');
const { egg3Fixture } = require('./egg3-fixtures');
const { bootApp, expectRefused, itRefuses, reportFindings, sentinelCli, withApp } = require('./helpers');

const tempDirs = [];
function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sentinel-egg4-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** A minimal egg plugin package in `dir`. */
function writePlugin(dir, name) {
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `egg-${name}`, version: '1.0.0', eggPlugin: { name } }));
  fs.writeFileSync(path.join(dir, 'app.js'), "'use strict';\nmodule.exports = () => {};\n");
}

/** The SEN1xx rule ids and targets of the report the last boot of `baseDir` wrote. */
const pluginHits = (baseDir, prefix = 'SEN1') => reportFindings(baseDir, prefix).map(hit => `${hit.ruleId} ${hit.target}`).sort();

describe('egg 4: plugin trust (mm.app)', function() {
  this.timeout(60000);
  afterEach(mm.restore);
  after(() => tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

  itRefuses([
    {
      rule: 'SEN101', title: 'a plugin loaded by `path` from a temp dir refuses boot, naming it and its directory', env: 'prod',
      setup() {
        const outside = tempDir('outside-plugin');
        writePlugin(outside, 'outside');
        mm(process.env, 'SENTINEL_FIXTURE_OUTSIDE_PLUGIN', outside);
      },
      app: () => egg3Fixture('plugin-outside'),
      expect: [ /plugin outside \(egg-outside\) is loaded from .*sentinel-egg4-outside-plugin-.* outside the trusted directories/, /config\/plugin\.js/ ],
    },
    {
      rule: 'SEN101', title: 'a symlink out of node_modules refuses boot, named with its real directory', env: 'prod',
      app() {
        const target = tempDir('linked-plugin');
        writePlugin(target, 'linked');
        const baseDir = egg3Fixture('plugin-symlink', { fresh: true });
        fs.mkdirSync(path.join(baseDir, 'node_modules'));
        fs.symlinkSync(target, path.join(baseDir, 'node_modules/egg-linked'));
        return baseDir;
      },
      expect: [ /plugin linked \(egg-linked\) is loaded from \/.*sentinel-egg4-linked-plugin-\w+ \(through node_modules\/egg-linked, a symlink\)/ ],
    },
    {
      rule: 'SEN102', title: "egg-securty refuses boot; egg 4's real @eggjs/security, loaded too, does not fire", env: 'prod',
      app: () => egg3Fixture('plugin-typosquat'),
      expect: [ /plugin securty \(egg-securty\): the package "egg-securty" is a look-alike of egg-security/ ],
      then: ({ baseDir }) => assert.deepEqual(pluginHits(baseDir), [ 'SEN102 plugin:securty' ]),
    },
    {
      rule: 'SEN103', title: 'a plugin missing from the lockfile and one at another version refuse boot in prod', env: 'prod',
      app: () => egg3Fixture('plugin-unlocked'),
      expect: [
        /plugin ledger \(egg-ledger\)@1\.3\.0 installed version 1\.3\.0 differs from the locked 1\.2\.0/,
        /plugin stamp \(egg-stamp\)@0\.4\.0 is installed but package-lock\.json does not list it/,
        /plugin noname@\? lies in node_modules with no package name/,
      ],
      then: ({ baseDir }) => assert.deepEqual(pluginHits(baseDir), [ 'SEN103 plugin:ledger', 'SEN103 plugin:noname', 'SEN103 plugin:stamp' ]),
    },
    {
      rule: 'SEN103', title: 'without any lockfile, one finding lists the packages it leaves unlocked', env: 'prod',
      app() {
        const baseDir = egg3Fixture('plugin-unlocked', { fresh: true });
        fs.rmSync(path.join(baseDir, 'package-lock.json'));
        return baseDir;
      },
      expect: [ /no lockfile .* at or above the app root, which installed the plugin package\(s\) egg-ledger, egg-stamp/ ],
    },
    {
      rule: 'SEN105', title: 'a plugin with a postinstall script refuses boot where failOn is medium', env: 'prod', ids: [ 'SEN105', 'SEN604', 'SEN608' ],
      // SEN607 (medium too) judges the Node.js running the tests, which is not what this fixture is about.
      setup: () => mm(process, 'version', 'v24.17.0'),
      app: () => egg3Fixture('plugin-scripts'),
      expect: [ /plugin hooked \(egg-hooked\) runs install hooks: egg-hooked: postinstall: node \.\/collect\.js/ ],
    },
    {
      rule: 'SEN106', title: "a plugin outside plugins.allow and one in plugins.deny refuse boot (egg 4's own plugins are @eggjs/*)", env: 'prod',
      ids: [ 'SEN106' ],
      // The fixture allows `egg-*` (egg 3's plugin packages) and `@eggjs/*` (egg 4's).
      app: () => egg3Fixture('plugin-policy'),
      expect: [ /plugin reports matches no plugins\.allow pattern \(egg-\*, @eggjs\/\*, sentinel\)/, /plugin jsonp \(@eggjs\/jsonp\) matches plugins\.deny pattern "jsonp"/ ],
      // Security keys set by the app's own local plugin count as the app's: no SEN108.
      then: ({ baseDir }) => assert.deepEqual(pluginHits(baseDir), [ 'SEN106 plugin:jsonp', 'SEN106 plugin:reports' ]),
    },
    {
      rule: 'SEN107', title: 'EGG_PLUGINS refuses boot in prod and lists what it enabled', env: 'prod',
      setup: () => mm(process.env, 'EGG_PLUGINS', JSON.stringify({ extra: { enable: true, path: path.join(egg3Fixture('plugin-secure'), 'lib/plugin/extra') }, jsonp: false })),
      app: () => egg3Fixture('plugin-secure'),
      expect: [ /EGG_PLUGINS is set and enables extra, disables jsonp/ ],
    },
    {
      rule: 'SEN108', title: "a plugin's config.default.js turning CSRF off refuses boot, naming its file; @eggjs/security setting its own keys does not",
      env: 'prod', ids: [ 'SEN108', 'SEN602' ],
      app: () => egg3Fixture('plugin-lax-security'),
      expect: [ /plugin lax \(egg-lax\) sets config\.security\.csrf\.enable in node_modules\/egg-lax\/config\/config\.default\.js; these belong to egg-security/ ],
      then: ({ baseDir }) => assert.deepEqual(pluginHits(baseDir), [ 'SEN108 plugin:lax' ]),
    },
  ]);

  it('the secure fixture boots clean in prod: lib/plugin, the app\'s node_modules and egg 4\'s @eggjs plugins are trusted and locked', async () => {
    mm.env('prod');
    const baseDir = egg3Fixture('plugin-secure');
    await withApp(baseDir, async app => {
      assert.deepEqual(pluginHits(baseDir), []);
      assert.equal(app.config.tidyLoaded, true, 'the installed plugin really ran');
      assert.equal(app.config.auditLogLoaded, true, 'the local plugin really ran');
    });
  });
});

describe('egg 4: SEN104 and `egg-sentinel pin` (mm.app)', function() {
  this.timeout(60000);
  afterEach(mm.restore);
  let dir;
  before(async () => {
    dir = egg3Fixture('plugin-secure', { fresh: true });
    const pinned = await sentinelCli([ 'pin', '--base-dir', dir ]);
    assert.equal(pinned.code, 0, pinned.stderr);
  });

  it('pins the fixture\'s plugins and egg 4\'s by package directory, with a SHA-256 per file', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'sentinel.lock.json'), 'utf8'));
    assert.equal(manifest.plugins.tidy.path, 'node_modules/egg-tidy');
    assert.equal(manifest.plugins.auditLog.path, 'lib/plugin/audit-log');
    const expected = createHash('sha256').update(fs.readFileSync(path.join(dir, 'node_modules/egg-tidy/app.js'))).digest('hex');
    assert.equal(manifest.plugins.tidy.files['app.js'], expected);
    assert.match(manifest.plugins.security.path, /node_modules\/@eggjs\/security$/);
    assert.equal(manifest.plugins.development, undefined, 'the development plugin is not enabled in prod');
  });

  it('the pinned app boots clean; the agent verified it once for the app, and the handover is gone once ready', async () => {
    const app = await bootApp(dir);
    try {
      assert.deepEqual(app.sentinel.report.findings.filter(finding => finding.ruleId.startsWith('SEN1')), []);
      // The agent hashed the pinned plugins once, after its ready; the worker used its facts and did not hash again.
      const pinned = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'sentinel.lock.json'), 'utf8')).plugins).length;
      const { verified } = app.agent.sentinel.sharedFacts;
      // Every pinned plugin that is enabled in this env and is not egg-sentinel's own checkout: at least the two the fixture adds.
      assert.ok(verified >= 2 && verified <= pinned, `${verified} of ${pinned} pinned plugins verified`);
      assert.equal(typeof app.sentinel.report.timings.handover, 'number');
      // Once the cluster is ready (egg-ready) the facts have served: the agent removed the file.
      assert.ok(!fs.existsSync(path.join(dir, 'run/sentinel-boot-facts.json')));
    } finally {
      await app.close();
    }
  });

  it('a changed byte, an added and a removed file refuse boot, naming plugin and files; pin --check agrees', async () => {
    const appJs = path.join(dir, 'node_modules/egg-tidy/app.js');
    const changed = fs.readFileSync(appJs);
    changed[changed.indexOf('Keeps')] ^= 0x20; // `K` → `k` in a comment: one byte, still valid code that egg runs
    fs.writeFileSync(appJs, changed);
    fs.writeFileSync(path.join(dir, 'lib/plugin/audit-log/backdoor.js'), 'module.exports = 1;\n');
    fs.rmSync(path.join(dir, 'node_modules/egg-tidy/config/config.default.js'));
    mm.env('prod');
    const message = await expectRefused(dir, /SEN104/);
    assert.match(message, /critical SEN104/);
    assert.match(message, /plugin tidy \(egg-tidy\) differs from sentinel\.lock\.json: changed: app\.js; removed: config\/config\.default\.js/);
    assert.match(message, /plugin auditLog \(audit-log\) differs from sentinel\.lock\.json: added: backdoor\.js/);
    const check = await sentinelCli([ 'pin', '--check', '--base-dir', dir ]);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /2 plugin\(s\) differ/);
  });

  it('a plugin the manifest does not list is a finding in prod', async () => {
    mm(process.env, 'EGG_PLUGINS', JSON.stringify({ extra: { enable: true, path: path.join(dir, 'lib/plugin/extra') } }));
    mm.env('prod');
    const message = await expectRefused(dir, /SEN104/);
    assert.match(message, /plugin extra is enabled but sentinel\.lock\.json does not list it/);
  });
});
