'use strict';
/**
 * `egg-sentinel audit` and `pin` as a user runs them, from the compiled package, against egg 4 apps (loaded with
 * egg 4's asynchronous loader).
 */
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { egg3Fixture } = require('./egg3-fixtures');
const { fixture } = require('./helpers');

const BIN = path.join(process.env.EGG_SENTINEL_DIR, 'bin/egg-sentinel.js');

/** Runs the bin in a user's shell: none of egg-bin's or the test's settings, except where the fixtures find the egg-sentinel build. */
function sentinel(args) {
  const env = {};
  for (const [ name, value ] of Object.entries(process.env)) {
    if (name === 'EGG_SENTINEL_DIR' || (!/^(EGG_|TS_NODE_)/.test(name) && ![ 'NODE_OPTIONS', 'NODE_ENV' ].includes(name))) env[name] = value;
  }
  const run = spawnSync(process.execPath, [ BIN, ...args ], { env, encoding: 'utf8', timeout: 60000 });
  assert.ok(run.status === 0 || run.status === 1, `${args[0]} ran (exit ${run.status}): ${run.stderr}`);
  return run;
}

const audit = args => sentinel([ 'audit', ...args ]);

describe('egg 4: egg-sentinel audit and pin (compiled bin, child process)', function() {
  this.timeout(60000);
  // Dumps left by earlier boots of the fixtures would be reported too (SEN204): audit the apps as checked out.
  before(() => {
    for (const name of [ 'weak-keys', 'secure-app', 'esm-app' ]) fs.rmSync(path.join(fixture(name), 'run'), { recursive: true, force: true });
  });

  it('finds the scaffolded key of an egg 4 app for prod, with file and line (JSON)', () => {
    const run = audit([ '--base-dir', fixture('weak-keys'), '--env', 'prod', '--format', 'json' ]);
    assert.equal(run.status, 1);
    const report = JSON.parse(run.stdout);
    assert.match(report.app.eggVersion, /^4\./);
    const finding = report.findings.find(entry => entry.ruleId === 'SEN201');
    assert.deepEqual(finding?.location, { file: 'config/config.default.js', line: 5, exact: true });
    assert.deepEqual(report.findings.filter(entry => entry.blocking).map(entry => entry.ruleId), [ 'SEN201' ]);
  });

  it("reads routes and their controllers from egg 4's router: an unguarded route is named (text)", () => {
    const run = audit([ '--base-dir', egg3Fixture('mw-unprotected', { fresh: true }) ]);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /✘ SEN404 .*\n\s+what: +GET \/admin\/export → app\/controller\/admin\.js#AdminController\.export\(\) is protected but reaches the controller without its guard/);
    assert.doesNotMatch(run.stdout, /GET \/admin →/);
  });

  it('audits an ES module app (config as ES modules)', () => {
    const run = audit([ '--base-dir', fixture('esm-app'), '--env', 'prod', '--format', 'json' ]);
    assert.equal(run.status, 1);
    const { findings } = JSON.parse(run.stdout);
    assert.deepEqual(findings.filter(entry => entry.blocking).map(entry => [ entry.ruleId, entry.location.file ]), [[ 'SEN201', 'config/config.default.js' ]]);
  });

  it('passes a secure egg 4 app for prod', () => {
    const run = audit([ '--base-dir', fixture('secure-app'), '--env', 'prod' ]);
    assert.equal(run.status, 0, run.stdout);
    assert.match(run.stdout, /PASS: no unwaived finding at or above high/);
  });

  it('pins the plugins of an egg 4 app by their package directories (not the dist/ build egg loads); check and audit agree', () => {
    // A copy with the suite's node_modules: pin writes sentinel.lock.json into the app.
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-egg4-pin-'));
    try {
      fs.cpSync(fixture('secure-app'), app, { recursive: true, filter: source => !/[/\\](run|logs)$/.test(source) });
      fs.symlinkSync(path.join(__dirname, '../node_modules'), path.join(app, 'node_modules'));
      assert.equal(sentinel([ 'pin', '--base-dir', app, '--env', 'prod' ]).status, 0);
      const { plugins } = JSON.parse(fs.readFileSync(path.join(app, 'sentinel.lock.json'), 'utf8'));
      assert.match(plugins.security.path, /node_modules\/@eggjs\/security$/);
      assert.ok(Object.keys(plugins.security.files).includes('dist/commonjs/app.js'), 'the build is among the hashed files');
      assert.match(sentinel([ 'pin', '--base-dir', app, '--check' ]).stdout, /plugin\(s\) enabled in env prod match/);
      const run = audit([ '--base-dir', app, '--env', 'prod' ]);
      assert.equal(run.status, 0, run.stdout);
      assert.doesNotMatch(run.stdout, /SEN10\d/);
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });
});
