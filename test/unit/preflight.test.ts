import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../lib/cli';
import { buildManifest, serializeManifest } from '../../lib/plugins/manifest';
import { eggScriptsStart, launchOptions, preflightProblem } from '../../lib/preflight';
import { escapeRegExp } from '../../lib/regexp';
import { tempDir } from '../temp-dir';

const ROOT = path.join(__dirname, '../..');

describe('preflight (node --require egg-sentinel/preflight)', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir('preflight'); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads egg-cluster options from the JSON argument, else the working directory', () => {
    assert.deepEqual(launchOptions([ 'node', 'start-cluster', JSON.stringify({ baseDir: '/srv/app', env: 'prod' }) ], '/cwd'), { baseDir: '/srv/app', env: 'prod', serverScope: undefined, plugins: undefined, framework: undefined, pathToRegexpModule: undefined, require: undefined });
    assert.deepEqual(launchOptions([ 'node', 'server.js', '{not json' ], '/cwd'), { baseDir: '/cwd' });
  });

  it('passes ordinary envs and refuses traversals from every source', () => {
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'prod', NODE_ENV: 'production' }), undefined);
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { NODE_ENV: 'staging.eu/../x' }), undefined, 'egg never builds a file name from NODE_ENV');
    assert.match(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_SCOPE: '../x' }) ?? '', /server scope "\.\.\/x" from EGG_SERVER_SCOPE/);
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config/env'), '/../../tmp/x\n');
    assert.match(preflightProblem([ 'node', 'x' ], dir, {}) ?? '', /from config\/env file/);
    assert.match(preflightProblem([ 'node', 'x', JSON.stringify({ baseDir: '/nonexistent', env: 'a/b' }) ], dir, {}) ?? '', /from options\.env/);
  });

  it('outside local/unittest, hashes the plugins sentinel.lock.json pins for the env before egg runs their code, in every process', () => {
    const plugin = path.join(dir, 'node_modules/egg-tidy');
    fs.mkdirSync(path.join(plugin, 'config'), { recursive: true });
    fs.writeFileSync(path.join(plugin, 'package.json'), JSON.stringify({ name: 'egg-tidy', version: '1.0.0', eggPlugin: { name: 'tidy' } }));
    fs.writeFileSync(path.join(plugin, 'config/config.default.js'), 'module.exports = {};\n');
    fs.writeFileSync(path.join(dir, 'sentinel.lock.json'), serializeManifest(buildManifest({ baseDir: dir, deep: false, envs: [{ env: 'prod', plugins: [{ name: 'tidy', dir: plugin, byName: true }] }] })));
    const env: NodeJS.ProcessEnv = { EGG_SERVER_ENV: 'prod' };
    assert.equal(preflightProblem([ 'node', 'x' ], dir, env), undefined);
    assert.deepEqual(env, { EGG_SERVER_ENV: 'prod' }, 'no mark for the next process: it hashes again (a mark could be forged)');
    // A tampered plugin config, as it would re-pin itself once it ran.
    fs.appendFileSync(path.join(plugin, 'config/config.default.js'), 'require("fs").writeFileSync("/tmp/x", "ran");\n');
    assert.match(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'prod' }) ?? '',
      /refused to start \(SEN104\) in env prod: 1 plugin\(s\) pinned in sentinel\.lock\.json differ from it, before any of their code ran:\n {2}- tidy: changed: config\/config\.default\.js/);
    // Started in an env the manifest was not pinned for, the same files run (round 15).
    assert.match(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'staging' }) ?? '', /refused to start \(SEN104\) in env staging: .*\n {2}- tidy: changed/);
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'local' }), undefined, 'plugins under development change');
    assert.match(preflightProblem([ 'node', 'x' ], dir, env) ?? '', /SEN104/, 'a worker forked again after the change hashes again');
    fs.writeFileSync(path.join(dir, 'sentinel.lock.json'), '{');
    assert.match(preflightProblem([ 'node', 'x' ], dir, env) ?? '', /refused to start \(SEN104\): .*sentinel\.lock\.json is not valid JSON/);
  });

  it('EGG_PLUGINS or the start options giving a pinned plugin another `path` inside the app refuse the start: egg would load that directory (black-box round 39, h3 F7)', () => {
    const plugin = path.join(dir, 'node_modules/egg-tidy');
    const planted = path.join(dir, 'uploads/u1');
    for (const at of [ plugin, planted ]) {
      fs.mkdirSync(at, { recursive: true });
      fs.writeFileSync(path.join(at, 'package.json'), JSON.stringify({ name: 'egg-tidy', version: '1.0.0', eggPlugin: { name: 'tidy' } }));
    }
    fs.writeFileSync(path.join(dir, 'sentinel.lock.json'), serializeManifest(buildManifest({ baseDir: dir, deep: false, envs: [{ env: 'prod', plugins: [{ name: 'tidy', dir: plugin, byName: true }] }] })));
    const redirected = { EGG_SERVER_ENV: 'prod', EGG_PLUGINS: JSON.stringify({ tidy: { enable: true, path: planted } }) };
    assert.match(preflightProblem([ 'node', 'x' ], dir, redirected) ?? '',
      /refused to start \(SEN104\) in env prod: .*\n {2}- tidy: loads from uploads\/u1 \(EGG_PLUGINS's path\) but was pinned at node_modules\/egg-tidy/);
    assert.match(preflightProblem([ 'node', 'x', JSON.stringify({ baseDir: dir, plugins: { tidy: { enable: true, path: 'uploads/u1' } } }) ], dir, { EGG_SERVER_ENV: 'prod' }) ?? '',
      /- tidy: loads from uploads\/u1 \(the start options \(--plugins\.<name>\.\*\)'s path\)/);
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'prod', EGG_PLUGINS: JSON.stringify({ tidy: { enable: true, path: plugin } }) }), undefined, 'the pinned directory itself');
  });

  it('a manifest shipped into a build directory without node_modules/ (tsc --outDir dist) refuses the start with SEN104 naming the missing pinned path, not a stack (black-box round 26, h84 F5)', () => {
    const plugin = path.join(dir, 'node_modules/egg-tidy');
    fs.mkdirSync(plugin, { recursive: true });
    fs.writeFileSync(path.join(plugin, 'package.json'), JSON.stringify({ name: 'egg-tidy', version: '1.0.0', eggPlugin: { name: 'tidy' } }));
    const dist = path.join(dir, 'dist');
    fs.mkdirSync(dist);
    fs.writeFileSync(path.join(dist, 'sentinel.lock.json'), serializeManifest(buildManifest({ baseDir: dir, deep: false, envs: [{ env: 'prod', plugins: [{ name: 'tidy', dir: plugin, byName: true }] }] })));
    const problem = preflightProblem([ 'node', 'x' ], dist, { EGG_SERVER_ENV: 'prod' }) ?? '';
    assert.match(problem, /refused to start \(SEN104\) in env prod: 1 plugin\(s\) pinned in sentinel\.lock\.json differ from it, before any of their code ran:\n {2}- tidy: was pinned at node_modules\/egg-tidy, and nothing is there: the manifest's paths are relative to the app root it was pinned in/);
    assert.doesNotMatch(problem, /ENOENT|at hashFiles/);
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'prod' }), undefined, 'pinned and started in the same root');
  });

  it('a copy of a pinned plugin where egg-core looks first (the app\'s node_modules, one above the app) refuses the start; the framework\'s lookup is egg\'s (black-box round 33, h109 F4)', () => {
    // pnpm's layout, with a framework: egg's plugins lie beside egg in the store, which egg-core searches from egg's dir.
    const app = path.join(dir, 'srv/app');
    const store = path.join(app, 'node_modules/.pnpm');
    const pkg = (at: string, json: object) => {
      fs.mkdirSync(at, { recursive: true });
      fs.writeFileSync(path.join(at, 'package.json'), JSON.stringify(json));
    };
    pkg(app, { name: 'app', egg: { framework: 'yadan' } });
    pkg(path.join(store, 'yadan@1.0.0/node_modules/yadan'), { name: 'yadan', version: '1.0.0' });
    pkg(path.join(store, 'egg@3.0.0/node_modules/egg'), { name: 'egg', version: '3.0.0' });
    const foo = path.join(store, 'egg@3.0.0/node_modules/egg-foo');
    pkg(foo, { name: 'egg-foo', version: '1.0.0', eggPlugin: { name: 'foo' } });
    fs.symlinkSync(path.join(store, 'yadan@1.0.0/node_modules/yadan'), path.join(app, 'node_modules/yadan'));
    fs.symlinkSync(path.join(store, 'egg@3.0.0/node_modules/egg'), path.join(store, 'yadan@1.0.0/node_modules/egg'));
    // A `path:` plugin the app holds is where the config says, though a package of its name is installed.
    const bar = path.join(app, 'lib/plugin/egg-bar');
    pkg(bar, { name: 'egg-bar', eggPlugin: { name: 'bar' } });
    pkg(path.join(app, 'node_modules/egg-bar'), { name: 'egg-bar', version: '9.9.9' });
    fs.writeFileSync(path.join(app, 'sentinel.lock.json'), serializeManifest(buildManifest({ baseDir: app, deep: false,
      envs: [{ env: 'prod', plugins: [{ name: 'foo', dir: fs.realpathSync(foo), byName: true }, { name: 'bar', dir: fs.realpathSync(bar), byName: false }] }] })));
    const prod = { EGG_SERVER_ENV: 'prod' };
    assert.equal(preflightProblem([ 'node', 'x' ], app, prod), undefined, 'found by egg where it was pinned');
    // The working directory comes after egg's dirs: egg-core finds the pinned copy first.
    const elsewhere = path.join(dir, 'elsewhere');
    pkg(path.join(elsewhere, 'node_modules/egg-foo'), { name: 'egg-foo', version: '6.6.6' });
    assert.equal(preflightProblem([ 'node', 'x', JSON.stringify({ baseDir: app }) ], elsewhere, prod), undefined, 'a copy egg-core finds after the pinned one');

    // The app's framework (package.json egg.framework) is searched before egg: its copy is the one egg-core loads.
    const framework = path.join(store, 'yadan@1.0.0/node_modules/egg-foo');
    pkg(framework, { name: 'egg-foo', version: '1.0.1', eggPlugin: { name: 'foo' } });
    assert.match(preflightProblem([ 'node', 'x' ], app, prod) ?? '', new RegExp(`- foo: egg would load it from ${escapeRegExp(fs.realpathSync(framework))} and not from`));
    fs.rmSync(framework, { recursive: true });

    const pinned = 'node_modules/\\.pnpm/egg@3\\.0\\.0/node_modules/egg-foo';
    const above = path.join(dir, 'srv/node_modules/egg-foo');
    pkg(above, { name: 'egg-foo', version: '1.0.0', eggPlugin: { name: 'foo' } });
    assert.match(preflightProblem([ 'node', 'x' ], app, prod) ?? '', new RegExp('refused to start \\(SEN104\\) in env prod: 1 plugin\\(s\\) pinned in sentinel\\.lock\\.json differ from it, before any of their code ran:\n {2}- foo: ' +
      `egg would load it from ${escapeRegExp(fs.realpathSync(above))}, outside the app root, and not from ${pinned} where it was pinned: that copy comes first in egg's plugin lookup`));
    fs.rmSync(above, { recursive: true });
    const own = path.join(app, 'node_modules/egg-foo');
    pkg(own, { name: 'egg-foo', version: '1.0.0', eggPlugin: { name: 'foo' } });
    assert.match(preflightProblem([ 'node', 'x' ], app, prod) ?? '', new RegExp(`- foo: egg would load it from ${escapeRegExp(fs.realpathSync(own))} and not from ${pinned} where it was pinned`));
    assert.equal(preflightProblem([ 'node', 'x' ], app, { EGG_SERVER_ENV: 'local' }), undefined, 'plugins under development change');
  });

  it('with EGG_SENTINEL_REQUIRE_MANIFEST set by the deploy, a missing sentinel.lock.json refuses the start outside local/unittest (black-box round 23)', () => {
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'prod' }), undefined, 'no manifest, none required');
    for (const value of [ '1', 'true', ' TRUE ' ]) {
      assert.match(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'prod', EGG_SENTINEL_REQUIRE_MANIFEST: value }) ?? '',
        /refused to start \(SEN104\) in env prod: EGG_SENTINEL_REQUIRE_MANIFEST is set, and .*sentinel\.lock\.json is missing/, value);
    }
    for (const value of [ '0', 'false', '' ]) assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'prod', EGG_SENTINEL_REQUIRE_MANIFEST: value }), undefined, value);
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'local', EGG_SENTINEL_REQUIRE_MANIFEST: '1' }), undefined, 'a developer may');
    assert.match(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'prod', EGG_SENTINEL_REQUIRE_MANIFEST: 'yes' }) ?? '',
      /EGG_SENTINEL_REQUIRE_MANIFEST is "yes"; set it to 1 \(or true\) to require sentinel\.lock\.json, or 0/);
    fs.writeFileSync(path.join(dir, 'sentinel.lock.json'), serializeManifest(buildManifest({ baseDir: dir, deep: false, envs: [{ env: 'prod', plugins: [] }] })));
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'prod', EGG_SENTINEL_REQUIRE_MANIFEST: '1' }), undefined, 'the manifest is there');
  });

  it('judges the scope as egg uses it: untrimmed, and a repeated option (an array) joined with commas', () => {
    const options = (serverScope: unknown) => [ 'node', 'x', JSON.stringify({ baseDir: dir, serverScope }) ];
    // egg-scripts --serverScope=/../../tmp/evil/a --serverScope=b: egg loads config/config./../../tmp/evil/a,b_prod.js.
    assert.match(preflightProblem(options([ '/../../tmp/evil/a', 'b' ]), dir, {}) ?? '', /server scope "\/\.\.\/\.\.\/tmp\/evil\/a,b" from options\.serverScope/);
    assert.match(preflightProblem(options({ a: 1 }), dir, {}) ?? '', /from options\.serverScope/);
    assert.equal(preflightProblem(options([ 'eu' ]), dir, {}), undefined);
    assert.match(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_SCOPE: 'eu\n' }) ?? '', /from EGG_SERVER_SCOPE/, 'egg does not trim the scope');
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'prod\n' }), undefined, 'egg trims the env');
    assert.match(preflightProblem([ 'node', 'x', JSON.stringify({ baseDir: dir, env: [ 'prod', '../x' ] }) ], dir, {}) ?? '', /from options\.env/);
  });

  it('refuses environment variables that would switch egg-sentinel off or replace it, outside local and unittest', () => {
    const prod = { NODE_ENV: 'production' };
    const appConfig = preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"sentinel":{"failOn":"never"}}' }) ?? '';
    assert.match(appConfig, /EGG_APP_CONFIG sets config\.sentinel/);
    assert.match(appConfig, /remove "sentinel" from EGG_APP_CONFIG/);
    assert.match(preflightProblem([ 'node', 'x' ], dir, { EGG_SERVER_ENV: 'staging', EGG_PLUGINS: '{"sentinel":false}' }) ?? '', /EGG_PLUGINS configures the "sentinel" plugin/);
    // As at boot, a developer or a test may set them (egg's env: local without NODE_ENV, unittest with NODE_ENV=test).
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_APP_CONFIG: '{"sentinel":{"failOn":"never"}}' }), undefined);
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { NODE_ENV: 'test', EGG_PLUGINS: '{"sentinel":false}' }), undefined);
    assert.match(preflightProblem([ 'node', 'x', JSON.stringify({ baseDir: dir, env: 'prod' }) ], dir, { NODE_ENV: 'test', EGG_PLUGINS: '{"sentinel":false}' }) ?? '', /EGG_PLUGINS/, 'the options\' env comes first, as in egg');
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_APP_CONFIG: '{"security":{"csrf":{"enable":true}}}', EGG_PLUGINS: '{"cors":true}' }), undefined,
      'other keys are the boot checks\' business (SEN303, SEN107)');
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_APP_CONFIG: 'not json' }), undefined, 'egg ignores it');
  });

  it('refuses EGG_APP_CONFIG keys egg loads code from, outside local and unittest (black-box round 22)', () => {
    const prod = { NODE_ENV: 'production' };
    const refused = preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"customLoader":{"pwn":{"directory":"../evil"}},"i18n":{"dirs":["/tmp/x"]},"keys":"k"}' }) ?? '';
    assert.match(refused, /EGG_APP_CONFIG sets customLoader, i18n\.dirs, from which egg and its plugins load and run code while the app loads/);
    assert.match(refused, /Fix: set these keys in the app's config files/);
    assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"schedule":{"directory":["/tmp/x"]}}' }) ?? '', /sets schedule\.directory/);
    assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"watcher":{"eventSources":{"x":"/tmp/x.js"}}}' }) ?? '', /sets watcher\.eventSources/);
    // egg-sequelize requires every model of app/<baseDir> (black-box round 24); other datasource settings load nothing.
    assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"sequelize":{"baseDir":"../../tmp/m"}}' }) ?? '', /sets sequelize\.baseDir, from which/);
    assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"sequelize":{"datasources":[{"host":"db"},{"baseDir":"../../tmp/m"}]}}' }) ?? '',
      /sets sequelize\.datasources\[\]\.baseDir, from which/);
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"sequelize":{"datasources":[{"host":"db","database":"shop"}],"host":"db"}}' }), undefined);
    // egg-security requires each defaultMiddleware name joined to its own dir; ejs writes these options into template code (black-box round 25).
    assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"security":{"defaultMiddleware":"csrf,../../../../tmp/x","../../../../tmp/x":{}}}' }) ?? '',
      /sets security\.defaultMiddleware, from which/);
    assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"ejs":{"client":true,"escapeFunction":"1;require(\'x\')//"}}' }) ?? '', /sets ejs\.escapeFunction, from which/);
    assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"ejs":{"outputFunctionName":"x;require(\'x\');s"}}' }) ?? '', /sets ejs\.outputFunctionName/);
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"ejs":{"cache":true},"security":{"csrf":{"enable":true}}}' }), undefined,
      'other ejs and security settings are SEN303\'s at boot');
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: '{"schedule":{"cluster":{"enable":true}},"i18n":{"defaultLocale":"en"}}' }), undefined,
      'keys that load no code are SEN303\'s business at boot');
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_APP_CONFIG: '{"customLoader":{"pwn":{"directory":"../evil"}}}' }), undefined, 'a developer may');
  });

  it('refuses EGG_APP_CONFIG setting baseDir, Sequelize\'s dialectModulePath, egg-orm\'s model dirs and egg-view\'s template dirs, outside local and unittest (black-box round 25, h75 F6, F12)', () => {
    const prod = { NODE_ENV: 'production' };
    const refused = (json: unknown) => preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: JSON.stringify(json) }) ?? '';
    // egg copies the app's dir into config.baseDir; egg-mongoose requires every file of <baseDir>/app/model.
    assert.match(refused({ baseDir: '/tmp/elsewhere' }), /EGG_APP_CONFIG sets baseDir, from which egg and its plugins load and run code/);
    // Sequelize requires dialectModulePath as its driver while egg-sequelize constructs it, in the agent and every worker.
    assert.match(refused({ sequelize: { dialectModulePath: '/tmp/x.js' } }), /sets sequelize\.dialectModulePath, from which/);
    assert.match(refused({ sequelize: { datasources: [{ host: 'db' }, { dialectModulePath: '/tmp/x.js' }] } }), /sets sequelize\.datasources\[\]\.dialectModulePath, from which/);
    // egg-orm (leoric) requires every model of path.join(app.baseDir, 'app', baseDir), as egg-sequelize does.
    assert.match(refused({ orm: { baseDir: '../../tmp/m' } }), /sets orm\.baseDir, from which/);
    assert.match(refused({ orm: { datasources: [{ baseDir: '../../tmp/m' }] } }), /sets orm\.datasources\[\]\.baseDir, from which/);
    // egg-view resolves every template from view.root; ejs and nunjucks templates are code.
    assert.match(refused({ view: { root: '/tmp/views' } }), /sets view\.root, from which/);
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_APP_CONFIG: JSON.stringify({ sequelize: { dialect: 'postgres', host: 'db' }, orm: { database: 'shop' },
      view: { defaultViewEngine: 'nunjucks' }, name: 'x' }) }), undefined, 'other settings of these plugins are SEN303\'s at boot');
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_APP_CONFIG: '{"baseDir":"/tmp/elsewhere"}' }), undefined, 'a developer may');
  });

  describe('egg-cluster\'s own `require` start option (black-box round 25, h75 F13)', () => {
    const prod = { NODE_ENV: 'production', EGG_SERVER_ENV: 'prod' };
    let outside: string;
    beforeEach(() => {
      outside = tempDir('cluster-require');
      fs.writeFileSync(path.join(outside, 'x.js'), 'module.exports = {};\n');
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app' }));
      fs.mkdirSync(path.join(dir, 'node_modules/apm-agent'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'node_modules/apm-agent/index.js'), 'module.exports = {};\n');
      fs.mkdirSync(path.join(dir, 'lib'));
      fs.writeFileSync(path.join(dir, 'lib/hook.js'), 'module.exports = {};\n');
      fs.mkdirSync(path.join(dir, 'run'));
      fs.writeFileSync(path.join(dir, 'run/dropped.js'), 'module.exports = {};\n');
    });
    afterEach(() => fs.rmSync(outside, { recursive: true, force: true }));
    const options = (require: unknown) => JSON.stringify({ baseDir: dir, framework: 'egg', workers: 1, require });

    it('in the master (start-cluster\'s JSON): refuses entries outside the app, in run/ or logs/, or that do not resolve; the app\'s own modules and packages pass', () => {
      const problem = preflightProblem([ 'node', 'start-cluster', options([ path.join(outside, 'x.js'), './run/dropped.js', 'no-such-module', 'apm-agent', path.join(dir, 'lib/hook.js') ]) ], dir, prod) ?? '';
      assert.match(problem, /refused to start \(SEN306\): egg-cluster's `require` start option \(startCluster\(\{ require \}\), or the options JSON start-cluster is given\) names modules the agent and every app worker require before egg loads the app/);
      assert.match(problem, /- ".*sentinel-cluster-require-.*x\.js": .*x\.js is outside the app and the node_modules it resolves from/);
      assert.match(problem, /- "\.\/run\/dropped\.js": .*run\/dropped\.js is in a directory the app writes at run time/);
      assert.match(problem, /- "no-such-module": it does not resolve from the app/);
      assert.doesNotMatch(problem, /apm-agent|hook\.js/);
      assert.equal(preflightProblem([ 'node', 'start-cluster', options('apm-agent') ], dir, prod), undefined, 'a string is one entry');
      assert.match(preflightProblem([ 'node', 'start-cluster', options(path.join(outside, 'x.js')) ], dir, prod) ?? '', /x\.js is outside the app/);
      assert.equal(preflightProblem([ 'node', 'start-cluster', options([ path.join(outside, 'x.js') ]) ], dir, { EGG_SERVER_ENV: 'local' }), undefined, 'a developer may');
    });

    it('in an agent or app worker, judges each entry as egg-cluster resolves it there, before it runs', () => {
      // egg-cluster's agent_worker.js require()s each entry from its own directory: `./x.js` is a file beside it.
      const cluster = path.join(outside, 'node_modules/egg-cluster/lib');
      fs.mkdirSync(cluster, { recursive: true });
      fs.writeFileSync(path.join(cluster, 'x.js'), 'module.exports = {};\n');
      const agent = [ 'node', path.join(cluster, 'agent_worker.js'), options([ './x.js' ]) ];
      assert.match(preflightProblem(agent, dir, prod) ?? '', /- "\.\/x\.js": .*egg-cluster\/lib\/x\.js is outside the app/);
      const appWorker = [ 'node', path.join(dir, 'node_modules/egg-cluster/lib/app_worker.js'), options([ 'apm-agent', './lib/hook.js' ]) ];
      assert.match(preflightProblem(appWorker, dir, prod) ?? '', /- "\.\/lib\/hook\.js": it does not resolve as egg-cluster requires it/);
      assert.doesNotMatch(preflightProblem(appWorker, dir, prod) ?? '', /apm-agent/);
      // @eggjs/cluster (egg 4) imports each from the app's baseDir.
      const egg4 = [ 'node', path.join(dir, 'node_modules/@eggjs/cluster/dist/commonjs/app_worker.js'), options([ './lib/hook.js', './run/dropped.js' ]) ];
      assert.match(preflightProblem(egg4, dir, prod) ?? '', /run\/dropped\.js is in a directory the app writes at run time/);
      assert.doesNotMatch(preflightProblem(egg4, dir, prod) ?? '', /hook\.js/);
    });

    it('lets be what ran before the preflight: a preload written before it, itself, and the entries before it when egg-cluster required it', () => {
      const preflight = path.join(ROOT, 'preflight.ts');
      const pwn = path.join(outside, 'x.js');
      const master = [ 'node', 'start-cluster', options([ pwn, preflight ]) ];
      assert.equal(preflightProblem(master, dir, { ...prod, NODE_OPTIONS: `--require ${pwn} --require ${preflight}` }, [], preflight), undefined, 'vouched for in NODE_OPTIONS');
      assert.match(preflightProblem(master, dir, { ...prod, NODE_OPTIONS: `--require ${preflight}` }, [], preflight) ?? '', /x\.js is outside the app/);
      const worker = (require: string[]) => [ 'node', path.join(dir, 'node_modules/@eggjs/cluster/dist/commonjs/agent_worker.js'), options(require) ];
      assert.equal(preflightProblem(worker([ pwn, preflight ]), dir, prod, [], preflight), undefined, 'it ran before the preflight egg-cluster required');
      assert.match(preflightProblem(worker([ preflight, pwn ]), dir, prod, [], preflight) ?? '', /x\.js is outside the app/);
    });

    it('as a --require module in an egg-cluster agent, stops the process before egg-cluster requires the entry', () => {
      const marker = path.join(dir, 'ran');
      fs.writeFileSync(path.join(outside, 'pwn.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x');\n`);
      // What egg-cluster's lib/agent_worker.js does first.
      const cluster = path.join(dir, 'node_modules/egg-cluster/lib');
      fs.mkdirSync(cluster, { recursive: true });
      fs.writeFileSync(path.join(cluster, 'agent_worker.js'), 'const options = JSON.parse(process.argv[2]);\nif (options.require) options.require.forEach(mod => { require(mod); });\n');
      const start = (environment: NodeJS.ProcessEnv) => spawnSync(process.execPath, [ '--require', path.join(ROOT, 'preflight.ts'), path.join(cluster, 'agent_worker.js'),
        options([ path.join(outside, 'pwn.js') ]) ], { cwd: dir, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), ...environment }, encoding: 'utf8' });
      const refused = start({ EGG_SERVER_ENV: 'prod', NODE_ENV: 'production' });
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /refused to start \(SEN306\): egg-cluster's `require` start option/);
      assert.ok(!fs.existsSync(marker), 'the entry never ran');
      const developer = start({ EGG_SERVER_ENV: 'local', NODE_ENV: '' });
      assert.equal(developer.status, 0, developer.stderr);
      assert.ok(fs.existsSync(marker));
    });
  });

  it('refuses a path-to-regexp module egg would require from outside the app (EGG_OPTIONS_PATH_TO_REGEXP_MODULE, --pathToRegexpModule)', () => {
    const prod = { NODE_ENV: 'production' };
    const outside = tempDir('p2r');
    try {
      fs.writeFileSync(path.join(outside, 'p2r.js'), 'module.exports = {};\n');
      const fromEnv = preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_OPTIONS_PATH_TO_REGEXP_MODULE: path.join(outside, 'p2r.js') }) ?? '';
      assert.match(fromEnv, /EGG_OPTIONS_PATH_TO_REGEXP_MODULE makes egg require ".*sentinel-p2r-.*p2r\.js" in every process before the app \(.*p2r\.js is outside the app and the node_modules it resolves from\)/);
      const option = [ 'node', 'x', JSON.stringify({ baseDir: dir, pathToRegexpModule: path.join(outside, 'p2r.js') }) ];
      assert.match(preflightProblem(option, dir, prod) ?? '', /the start option pathToRegexpModule makes egg require/);
      assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_OPTIONS_PATH_TO_REGEXP_MODULE: 'no-such-p2r' }) ?? '', /it does not resolve from the app/);
      // A version of path-to-regexp the app installs is what the setting is for.
      fs.mkdirSync(path.join(dir, 'node_modules/path-to-regexp-v6'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'node_modules/path-to-regexp-v6/index.js'), 'module.exports = {};\n');
      assert.equal(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_OPTIONS_PATH_TO_REGEXP_MODULE: 'path-to-regexp-v6' }), undefined);
      assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_OPTIONS_PATH_TO_REGEXP_MODULE: path.join(outside, 'p2r.js') }), undefined, 'a developer may');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses tsconfig.json paths outside the app in a TypeScript app, for which egg-core registers tsconfig-paths, outside local and unittest (black-box round 27, h91 F5)', () => {
    const prod = { NODE_ENV: 'production' };
    const shared = fs.realpathSync(tempDir('shared-typings'));
    try {
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
      const app = (pkg: object, compilerOptions: object) => {
        fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', ...pkg }));
        fs.writeFileSync(path.join(dir, 'tsconfig.json'), `// JSON5, as tsconfig-paths reads it\n${JSON.stringify({ compilerOptions })}\n`);
      };
      app({ egg: { typescript: true } }, { baseUrl: '.', paths: { '@/*': [ 'app/*' ], '*': [ `${shared}/*` ] } });
      assert.match(preflightProblem([ 'node', 'x' ], dir, prod) ?? '', new RegExp('refused to start \\(SEN306\\): egg-core registers tsconfig-paths for this TypeScript app \\(package\\.json\'s "egg": \\{ "typescript": true \\}, a tsconfig\\.json in the app root\\), ' +
        `.*\\n {2}- tsconfig\\.json compilerOptions\\.paths\\["\\*"\\]\\[0\\] maps every bare require\\(\\) to "${shared}/\\*": ${shared} is outside the app and the node_modules it resolves from\\n`));
      assert.equal(preflightProblem([ 'node', 'x' ], dir, {}), undefined, 'a developer may');
      app({}, { baseUrl: '.', paths: { '*': [ `${shared}/*` ] } });
      assert.equal(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_TYPESCRIPT: 'false' }), undefined, 'egg-core registers no tsconfig-paths for a JavaScript app');
      assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_TYPESCRIPT: 'true' }) ?? '', /for this TypeScript app \(EGG_TYPESCRIPT=true,/);
      // tsconfig-paths looks up every bare request under a baseUrl first.
      app({ egg: { typescript: true } }, { baseUrl: shared });
      assert.match(preflightProblem([ 'node', 'x' ], dir, prod) ?? '', new RegExp(`tsconfig\\.json compilerOptions\\.baseUrl maps every bare require\\(\\) to "${shared}/\\*"`));
      app({ egg: { typescript: true } }, { paths: { 'uploads/*': [ 'app/public/*' ] } });
      assert.match(preflightProblem([ 'node', 'x' ], dir, prod) ?? '', /maps "uploads\/\*" to ".*app\/public\/\*": .*app\/public is in a directory the app writes at run time or serves/);
      app({ egg: { typescript: true } }, { baseUrl: '.', paths: { '@/*': [ 'app/*' ], '*': [ 'node_modules/*', 'typings/*' ] } });
      assert.equal(preflightProblem([ 'node', 'x' ], dir, prod), undefined);
    } finally {
      fs.rmSync(shared, { recursive: true, force: true });
    }
  });

  it('reads tsconfig.json with TS_NODE_PROJECT and TS_NODE_BASEURL of the environment it is given, as tsconfig-paths reads them in the process it starts (review of round 27, M6)', () => {
    const prod = { NODE_ENV: 'production' };
    const shared = fs.realpathSync(tempDir('shared-typings'));
    const saved = { project: process.env.TS_NODE_PROJECT, baseUrl: process.env.TS_NODE_BASEURL };
    try {
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', egg: { typescript: true } }));
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@/*': [ 'app/*' ] } } }));
      const elsewhere = path.join(dir, 'tsconfig.elsewhere.json');
      fs.writeFileSync(elsewhere, JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '*': [ `${shared}/*` ] } } }));
      assert.equal(preflightProblem([ 'node', 'x' ], dir, prod), undefined);
      assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, TS_NODE_PROJECT: elsewhere }) ?? '',
        new RegExp(`\\n {2}- tsconfig\\.elsewhere\\.json compilerOptions\\.paths\\["\\*"\\]\\[0\\] maps every bare require\\(\\) to "${shared}/\\*": ${shared} is outside the app`));
      assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, TS_NODE_BASEURL: shared }) ?? '', new RegExp(`\\n {2}- tsconfig\\.json TS_NODE_BASEURL maps every bare require\\(\\) to "${shared}/\\*"`));
      // This process's own variables (a test runner's, or a shell's that started the preflight for another process) are not the app's.
      process.env.TS_NODE_PROJECT = elsewhere;
      process.env.TS_NODE_BASEURL = shared;
      assert.equal(preflightProblem([ 'node', 'x' ], dir, prod), undefined);
      assert.deepEqual([ process.env.TS_NODE_PROJECT, process.env.TS_NODE_BASEURL ], [ elsewhere, shared ], 'restored after');
    } finally {
      for (const [ name, value ] of [ [ 'TS_NODE_PROJECT', saved.project ], [ 'TS_NODE_BASEURL', saved.baseUrl ] ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      fs.rmSync(shared, { recursive: true, force: true });
    }
  });

  it('refuses a tsconfig, or a file of its `extends` chain, another user can change, and a tsconfig tsconfig-paths cannot read, outside local and unittest (review of round 27, M6, L10)', () => {
    const prod = { NODE_ENV: 'production' };
    const shared = fs.realpathSync(tempDir('shared-tsconfig'));
    try {
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', egg: { typescript: true } }));
      fs.writeFileSync(path.join(shared, 'tsconfig.base.json'), JSON.stringify({ compilerOptions: { strict: true } }));
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: path.relative(dir, path.join(shared, 'tsconfig.base.json')), compilerOptions: { baseUrl: '.' } }));
      fs.chmodSync(shared, 0o777);
      // Not sticky: another user can rename the base config away and put theirs in its place.
      assert.match(preflightProblem([ 'node', 'x' ], dir, prod) ?? '', new RegExp('refused to start \\(SEN306\\): egg-core registers tsconfig-paths for this TypeScript app .*, and another user can change the tsconfig ' +
        `or a file of its \`extends\` chain it reads the paths from: .*\\n {2}- ${shared}, above ${shared}/tsconfig\\.base\\.json, is writable by every user \\(mode 0777\\)\\nFix: make each file, and the directories above it, owned by`));
      assert.equal(preflightProblem([ 'node', 'x' ], dir, {}), undefined, 'a developer may');
      fs.chmodSync(shared, 0o755);
      fs.chmodSync(path.join(dir, 'tsconfig.json'), 0o666);
      assert.match(preflightProblem([ 'node', 'x' ], dir, prod) ?? '', new RegExp(`\\n {2}- tsconfig\\.json \\(${fs.realpathSync(dir)}/tsconfig\\.json\\) is writable by every user \\(mode 0666\\)\\n`));
      fs.chmodSync(path.join(dir, 'tsconfig.json'), 0o644);
      assert.equal(preflightProblem([ 'node', 'x' ], dir, prod), undefined);
      // egg-core's register throws on these, and egg does not start: said before anything runs.
      fs.writeFileSync(path.join(shared, 'tsconfig.base.json'), '{ "compilerOptions": ');
      assert.match(preflightProblem([ 'node', 'x' ], dir, prod) ?? '', new RegExp(`and tsconfig-paths cannot read the tsconfig: ${shared}/tsconfig\\.base\\.json is malformed .*egg-core's register would throw the same, and egg would not start\\.\\n` +
        'Fix: correct the file \\(tsconfig-paths reads it as JSON5, with its `extends`\\), or point TS_NODE_PROJECT at a tsconfig that exists\\.'));
      assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, TS_NODE_PROJECT: path.join(dir, 'tsconfig.missing.json') }) ?? '', /cannot read the tsconfig: ENOENT: no such file or directory/);
    } finally {
      fs.rmSync(shared, { recursive: true, force: true });
    }
  });

  it('refuses, without running it, a tsconfig-paths egg-core would load from a node_modules above the app another user can fill (review of round 27, M11)', () => {
    const prod = { NODE_ENV: 'production' };
    const app = path.join(dir, 'app');
    const modules = path.join(dir, 'node_modules');
    const ran = path.join(dir, 'tsconfig-paths-ran');
    // A hoisted egg and egg-core (no egg in the app), and beside them a tsconfig-paths that marks that it ran.
    const packages: Record<string, string> = { egg: 'module.exports = {};\n', 'egg-core': 'module.exports = {};\n',
      'tsconfig-paths': `require('fs').writeFileSync(${JSON.stringify(ran)}, 'ran');\nexports.loadConfig = () => ({ resultType: 'failed' });\n` };
    for (const [ name, code ] of Object.entries(packages)) {
      fs.mkdirSync(path.join(modules, name), { recursive: true });
      fs.writeFileSync(path.join(modules, name, 'package.json'), JSON.stringify({ name, version: '3.0.0' }));
      fs.writeFileSync(path.join(modules, name, 'index.js'), code);
    }
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', egg: { typescript: true } }));
    fs.writeFileSync(path.join(app, 'tsconfig.json'), '{}\n');
    fs.chmodSync(modules, 0o777);
    const message = preflightProblem([ 'node', 'x' ], app, prod) ?? '';
    const real = fs.realpathSync(modules);
    assert.match(message, new RegExp(`refused to start \\(SEN306\\): egg-core registers tsconfig-paths for this TypeScript app \\(package\\.json's "egg": \\{ "typescript": true \\}, a tsconfig\\.json in the app root\\), ` +
      `and every process would run the tsconfig-paths it requires before any check: ${real}/tsconfig-paths/index\\.js is in ${real}, a node_modules outside the app writable by every user \\(mode 0777\\) ` +
      '\\(the preflight did not run it to read the paths\\)\\.\\nFix: install egg in the app\'s own node_modules'));
    assert.equal(fs.existsSync(ran), false, 'the preflight did not run it');
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app' }));
    assert.equal(preflightProblem([ 'node', 'x' ], app, prod), undefined, 'nor judged for a JavaScript app, for which egg-core does not load it');
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', egg: { typescript: true } }));
    // Only this user and root can fill it: the tsconfig-paths there is what the app installed, and it reads the paths with it.
    fs.chmodSync(modules, 0o755);
    assert.equal(preflightProblem([ 'node', 'x' ], app, prod), undefined);
    assert.equal(fs.readFileSync(ran, 'utf8'), 'ran');
  });

  it('refuses plugins EGG_PLUGINS or the start options load from outside the app, outside local and unittest (black-box round 22)', () => {
    const prod = { NODE_ENV: 'production' };
    const outside = tempDir('evil-plugin');
    try {
      const fromEnv = preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_PLUGINS: JSON.stringify({ x: { enable: true, path: outside } }) }) ?? '';
      assert.match(fromEnv, /EGG_PLUGINS enables plugin\(s\) from outside the app or from a directory it writes at run time or serves: x \(.*sentinel-evil-plugin-.* is outside the app and the node_modules it resolves from\)/);
      assert.match(fromEnv, /Fix: install the plugin as a dependency of the app/);
      const option = [ 'node', 'x', JSON.stringify({ baseDir: dir, plugins: { x: { enable: true, path: outside } } }) ];
      assert.match(preflightProblem(option, dir, prod) ?? '', /the start options \(--plugins\.<name>\.\*\) enables plugin\(s\) from outside the app or from a directory it writes at run time or serves: x/);
      // Inside the app (lib/plugin), or by package name: the boot checks judge them (SEN101, SEN107).
      fs.mkdirSync(path.join(dir, 'lib/plugin/inside'), { recursive: true });
      assert.equal(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_PLUGINS: JSON.stringify({ inside: { enable: true, path: path.join(dir, 'lib/plugin/inside') }, cors: true }) }), undefined);
      assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_PLUGINS: JSON.stringify({ x: { enable: true, path: outside } }) }), undefined, 'a developer may');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses an EGG_PLUGINS package egg-core would find only in the working directory\'s node_modules (black-box round 24)', () => {
    const cwd = tempDir('deploy-cwd');
    try {
      const install = (root: string) => {
        fs.mkdirSync(path.join(root, 'node_modules/egg-tracing'), { recursive: true });
        fs.writeFileSync(path.join(root, 'node_modules/egg-tracing/package.json'), JSON.stringify({ name: 'egg-tracing', eggPlugin: { name: 'tracing' } }));
      };
      install(cwd);
      const start = [ 'node', 'x', JSON.stringify({ baseDir: dir }) ];
      const prod = { NODE_ENV: 'production' };
      for (const plugins of [ { tracing: { enable: true, package: 'egg-tracing' } }, { 'egg-tracing': true } ]) {
        assert.match(preflightProblem(start, cwd, { ...prod, EGG_PLUGINS: JSON.stringify(plugins) }) ?? '',
          /EGG_PLUGINS enables plugin\(s\) from outside the app or from a directory it writes at run time or serves: \S+ \(.*sentinel-deploy-cwd-.*egg-tracing is outside the app and the node_modules it resolves from\)/, JSON.stringify(plugins));
      }
      assert.equal(preflightProblem(start, cwd, { ...prod, EGG_PLUGINS: JSON.stringify({ tracing: { enable: false, package: 'egg-tracing' } }) }), undefined, 'switched off');
      install(dir);
      assert.equal(preflightProblem(start, cwd, { ...prod, EGG_PLUGINS: JSON.stringify({ tracing: { enable: true, package: 'egg-tracing' } }) }), undefined, 'the app installed it');
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses EGG_PLUGINS and --plugins.* paths into the app\'s run/, logs/ or app/public, which it writes at run time or serves (black-box round 25, h75 F15)', () => {
    const prod = { NODE_ENV: 'production' };
    for (const written of [ 'run/h75plug', 'logs/h75plug', 'app/public/uploads/h75plug' ]) {
      fs.mkdirSync(path.join(dir, written), { recursive: true });
      const fromEnv = preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_PLUGINS: JSON.stringify({ h75plug: { enable: true, path: path.join(dir, written) } }) }) ?? '';
      assert.match(fromEnv, new RegExp(`EGG_PLUGINS enables plugin\\(s\\) from outside the app or from a directory it writes at run time or serves: h75plug \\(.*${written.replace(/\//g, '\\/')} is in a directory the app writes at run time or serves\\)`), written);
      const option = [ 'node', 'x', JSON.stringify({ baseDir: dir, plugins: { h75plug: { enable: true, path: written } } }) ];
      assert.match(preflightProblem(option, dir, prod) ?? '', /the start options \(--plugins\.<name>\.\*\) enables plugin\(s\) .*: h75plug \(.*is in a directory the app writes at run time or serves\)/, written);
    }
    // A symlink in lib/plugin is judged where it leads.
    fs.mkdirSync(path.join(dir, 'lib/plugin'), { recursive: true });
    fs.symlinkSync(path.join(dir, 'run/h75plug'), path.join(dir, 'lib/plugin/linked'));
    assert.match(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_PLUGINS: JSON.stringify({ linked: { enable: true, path: path.join(dir, 'lib/plugin/linked') } }) }) ?? '',
      /linked \(.*run\/h75plug is in a directory the app writes at run time or serves\)/);
    fs.mkdirSync(path.join(dir, 'lib/plugin/real'));
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { ...prod, EGG_PLUGINS: JSON.stringify({ real: { enable: true, path: path.join(dir, 'lib/plugin/real') } }) }), undefined);
    assert.equal(preflightProblem([ 'node', 'x' ], dir, { EGG_PLUGINS: JSON.stringify({ h75plug: { enable: true, path: path.join(dir, 'run/h75plug') } }) }), undefined, 'a developer may');
  });

  describe('node\'s home folders $HOME/.node_modules and $HOME/.node_libraries (SEN306, black-box round 25, h75 F9)', () => {
    let home: string;
    beforeEach(function() {
      if (process.platform === 'win32') this.skip();
      home = fs.realpathSync(tempDir('home'));
    });
    afterEach(() => home && fs.rmSync(home, { recursive: true, force: true }));

    it('refuses a folder another user can write or owns, or, missing, can create; a home only this user can write passes, with or without them', () => {
      assert.equal(preflightProblem([ 'node', 'x' ], dir, { HOME: home }), undefined, 'no folders, a home only this user can write');
      fs.mkdirSync(path.join(home, '.node_modules'), { mode: 0o755 });
      assert.equal(preflightProblem([ 'node', 'x' ], dir, { HOME: home }), undefined, 'this user\'s own folder');
      fs.chmodSync(path.join(home, '.node_modules'), 0o777);
      const writable = preflightProblem([ 'node', 'x' ], dir, { HOME: home }) ?? '';
      assert.match(writable, /refused to start \(SEN306\): node looks in the home folders \$HOME\/\.node_modules and \$HOME\/\.node_libraries for every module no node_modules holds/);
      assert.match(writable, new RegExp(`- HOME=${home}: ${home}/\\.node_modules is writable by every user \\(mode 0777\\)`));
      assert.doesNotMatch(writable, /\.node_libraries does not exist/);
      assert.match(writable, /Fix: point HOME \(for egg-scripts: MOCK_HOME_DIR\) at a directory only the app's user can write/);
      fs.chmodSync(path.join(home, '.node_modules'), 0o755);
      if (process.getuid?.() === 0) {
        fs.chownSync(path.join(home, '.node_modules'), 4242, 4242);
        assert.match(preflightProblem([ 'node', 'x' ], dir, { HOME: home }) ?? '', /\.node_modules is owned by user 4242, not by this process's user/);
        fs.chownSync(path.join(home, '.node_modules'), 0, 0);
      }
      // A home every user can write: they can create the missing folder, or swap the existing one.
      fs.chmodSync(home, 0o777);
      const open = preflightProblem([ 'node', 'x' ], dir, { HOME: home }) ?? '';
      assert.match(open, new RegExp(`${home}, above ${home}/\\.node_modules, is writable by every user \\(mode 0777\\)`));
      assert.match(open, new RegExp(`${home}/\\.node_libraries does not exist, and ${home}, where it would be created, is writable by every user \\(mode 0777\\)`));
      // Sticky, as /tmp: others can still create a missing folder, not swap this user's.
      fs.chmodSync(home, 0o1777);
      const sticky = preflightProblem([ 'node', 'x' ], dir, { HOME: home }) ?? '';
      assert.doesNotMatch(sticky, /above .*\.node_modules/);
      assert.match(sticky, /\.node_libraries does not exist, and .*, where it would be created, is writable by every user \(mode 1777\)/);
      fs.mkdirSync(path.join(home, '.node_libraries'), { mode: 0o755 });
      assert.equal(preflightProblem([ 'node', 'x' ], dir, { HOME: home }), undefined, 'both folders this user\'s, in a sticky home');
    });

    it('judges MOCK_HOME_DIR in egg-scripts\' process, from which it sets the master\'s HOME', () => {
      fs.chmodSync(home, 0o777);
      const eggScripts = [ 'node', path.join(ROOT, 'node_modules/egg-scripts/bin/egg-scripts.js'), 'start', '--daemon', dir ];
      assert.match(preflightProblem(eggScripts, dir, { HOME: dir, MOCK_HOME_DIR: home }) ?? '',
        new RegExp(`- MOCK_HOME_DIR=${home}, from which egg-scripts sets the master's HOME: ${home}/\\.node_modules does not exist, and ${home}, where it would be created, is writable by every user`));
      assert.doesNotMatch(preflightProblem([ 'node', 'x' ], dir, { HOME: dir, MOCK_HOME_DIR: home }) ?? '', /MOCK_HOME_DIR/, 'only egg-scripts reads it');
    });

    it('refuses an EGG_PLUGINS package egg-core would find only in a home folder (node\'s global paths), as outside the app', () => {
      fs.mkdirSync(path.join(home, '.node_modules/egg-tracing'), { recursive: true });
      fs.writeFileSync(path.join(home, '.node_modules/egg-tracing/package.json'), JSON.stringify({ name: 'egg-tracing', eggPlugin: { name: 'tracing' } }));
      const problem = preflightProblem([ 'node', 'x', JSON.stringify({ baseDir: dir }) ], dir, { NODE_ENV: 'production', HOME: home, EGG_PLUGINS: JSON.stringify({ tracing: { enable: true, package: 'egg-tracing' } }) }) ?? '';
      assert.match(problem, new RegExp(`EGG_PLUGINS enables plugin\\(s\\) .*: tracing \\(${home}/\\.node_modules/egg-tracing is outside the app and the node_modules it resolves from\\)`));
    });
  });

  it('a local or unittest env under NODE_ENV=production is no developer\'s: the same refusals as prod (SEN606)', () => {
    const local = { EGG_SERVER_ENV: 'local', NODE_ENV: 'production' };
    assert.match(preflightProblem([ 'node', 'x' ], dir, { ...local, EGG_PLUGINS: '{"sentinel":false,"security":false}' }) ?? '', /EGG_PLUGINS configures the "sentinel" plugin/);
    assert.match(preflightProblem([ 'node', 'x' ], dir, { ...local, EGG_APP_CONFIG: '{"sentinel":{"rules":{"SEN606":"off"}}}' }) ?? '', /EGG_APP_CONFIG sets config\.sentinel/);
    const unittest = [ 'node', 'x', JSON.stringify({ baseDir: dir, env: 'unittest' }) ];
    assert.match(preflightProblem(unittest, dir, { NODE_ENV: 'production', EGG_PLUGINS: '{"sentinel":false}' }) ?? '', /EGG_PLUGINS/);
  });

  it('refuses start options (egg-scripts --plugins.sentinel.*) that would disable or replace egg-sentinel', () => {
    const start = (plugins: unknown, env = 'prod') => [ 'node', 'start-cluster', JSON.stringify({ baseDir: dir, env, plugins }) ];
    for (const plugins of [ { sentinel: { enable: false } }, { sentinel: { path: '/tmp/evil/fakesentinel' } }, { sentinel: false } ]) {
      const problem = preflightProblem(start(plugins), dir, {}) ?? '';
      assert.match(problem, /the start options configure the "sentinel" plugin \(egg-cluster's `plugins` option, which egg-scripts --plugins\.sentinel\.\* flags set\)/, JSON.stringify(plugins));
      assert.match(problem, /remove the --plugins\.sentinel\.\* flags/);
    }
    assert.equal(preflightProblem(start({ cors: { enable: true } }), dir, {}), undefined, 'other plugins are SEN107\'s business');
    assert.equal(preflightProblem(start({ sentinel: { enable: false } }, 'local'), dir, {}), undefined, 'a developer may');
  });

  it('refuses a framework directory that is no dependency the app declares and installed (egg-scripts --framework=/elsewhere)', () => {
    const outside = tempDir('framework');
    try {
      const start = (framework: string, env = 'prod') => [ 'node', 'start-cluster', JSON.stringify({ baseDir: dir, env, framework }) ];
      const problem = preflightProblem(start(outside), dir, {}) ?? '';
      assert.match(problem, /the start options load the framework from .*sentinel-framework-.*, which is no dependency the app declares and installed/);
      assert.match(problem, /name it in package\.json \("egg": \{ "framework": "<package>" \}\)/);
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { 'my-framework': '^1.0.0' } }));
      for (const name of [ 'my-framework', 'planted' ]) {
        fs.mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
        fs.writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name }));
      }
      assert.equal(preflightProblem(start(path.join(dir, 'node_modules/my-framework')), dir, {}), undefined, 'declared and installed by the app');
      assert.match(preflightProblem(start(path.join(dir, 'node_modules/planted')), dir, {}) ?? '', /no dependency the app declares/, 'planted in node_modules');
      fs.mkdirSync(path.join(dir, 'run/my-framework'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'run/my-framework/package.json'), JSON.stringify({ name: 'my-framework' }));
      assert.match(preflightProblem(start(path.join(dir, 'run/my-framework')), dir, {}) ?? '', /no dependency the app declares/, 'in the app, not in a node_modules');
      assert.equal(preflightProblem(start('my-framework'), dir, {}), undefined, 'a package name resolves from the app');
      assert.equal(preflightProblem(start(outside, 'local'), dir, {}), undefined, 'a developer may');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('accepts the app\'s framework through a node_modules that is a symlink (a deploy\'s shared node_modules, black-box round 24)', () => {
    const shared = tempDir('shared-modules');
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { egg: '^3.0.0' } }));
      for (const name of [ 'egg', 'planted' ]) {
        fs.mkdirSync(path.join(shared, name));
        fs.writeFileSync(path.join(shared, name, 'package.json'), JSON.stringify({ name }));
      }
      fs.symlinkSync(shared, path.join(dir, 'node_modules'));
      const start = (framework: string) => [ 'node', 'start-cluster', JSON.stringify({ baseDir: dir, env: 'prod', framework }) ];
      assert.equal(preflightProblem(start(path.join(dir, 'node_modules/egg')), dir, {}), undefined, 'egg-scripts passes the app\'s own egg');
      assert.match(preflightProblem(start(path.join(dir, 'node_modules/planted')), dir, {}) ?? '', /no dependency the app declares/, 'not declared');
    } finally {
      fs.rmSync(shared, { recursive: true, force: true });
    }
  });

  describe('the node egg-scripts start runs as the master (SEN111, black-box round 24)', () => {
    before(function() { if (process.platform === 'win32') this.skip(); });
    const EGG_SCRIPTS = path.join(ROOT, 'node_modules/egg-scripts/bin/egg-scripts.js');
    const start = (...args: string[]) => [ process.execPath, EGG_SCRIPTS, 'start', '--title=sentinel-unit', ...args, dir ];
    // The PATH egg-scripts was given: the system's node comes after the app's node_modules/.bin and .node/bin.
    const env = { PATH: path.dirname(process.execPath) };
    const executable = (file: string, body = '#!/bin/sh\nexit 0\n') => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, body, { mode: 0o755 });
    };
    const linkBin = (target: string) => {
      fs.mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
      fs.symlinkSync(target, path.join(dir, 'node_modules/.bin/node'));
    };
    beforeEach(() => fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { 'left-padder': '^1.0.0' } })));

    it('reads the app and --node from egg-scripts start\'s arguments, as its option parser does', () => {
      assert.deepEqual(eggScriptsStart([ 'node', EGG_SCRIPTS, 'start', '--daemon', '/srv/app', '--node', '/opt/node' ], '/cwd'), { baseDir: '/srv/app', node: '/opt/node' });
      assert.deepEqual(eggScriptsStart([ 'node', EGG_SCRIPTS, 'start', '--title', 'x', '--node=' ], '/cwd'), { baseDir: '/cwd' }, 'an empty --node is node');
      // What decides where egg looks the pinned plugins up, and the env the master runs in (black-box round 36, h112 F6).
      assert.deepEqual(eggScriptsStart([ 'node', EGG_SCRIPTS, 'start', '--env', 'prod', '--framework=yadan', '--plugins.foo.package', 'egg-bar', '--plugins.foo.enable=false', '/srv/app', '--plugins.baz.enable' ], '/cwd'),
        { baseDir: '/srv/app', env: 'prod', framework: 'yadan', plugins: { foo: { package: 'egg-bar', enable: false }, baz: { enable: true } } });
      assert.deepEqual(eggScriptsStart([ 'node', EGG_SCRIPTS, 'start', '--env=', '/srv/app' ], '/cwd'), { baseDir: '/srv/app' }, 'an empty --env leaves EGG_SERVER_ENV as it is');
      assert.deepEqual(eggScriptsStart([ 'node', EGG_SCRIPTS, 'start', '-p', '7001', 'app', '--node=./n' ], '/cwd'), { baseDir: '/cwd/app', node: './n' });
      assert.equal(eggScriptsStart([ 'node', EGG_SCRIPTS, 'stop', '--title=x' ], '/cwd'), undefined);
      assert.equal(eggScriptsStart([ 'node', '/srv/app/server.js', 'start' ], '/cwd'), undefined);
    });

    it('reads @eggjs/scripts\' start (egg 4\'s eggctl) the same way; its eggScriptsConfig.node never applies, and a planted --node is refused', () => {
      const eggctl = path.join(dir, 'node_modules/@eggjs/scripts/bin/run.js');
      executable(eggctl, '#!/usr/bin/env node\n');
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', eggScriptsConfig: { node: '/opt/other/node' } }));
      assert.deepEqual(eggScriptsStart([ 'node', eggctl, 'start', '--daemon', '--ts', '/srv/app', '--node', '/opt/node' ], '/cwd'), { baseDir: '/srv/app', node: '/opt/node' },
        '--ts takes no value (a boolean alias of --sourcemap, as in egg-scripts)');
      assert.deepEqual(eggScriptsStart([ 'node', eggctl, 'start', '--title=x', dir ], '/cwd'), { baseDir: dir }, '@eggjs/scripts\' --node defaults to node');
      assert.deepEqual(eggScriptsStart([ 'node', EGG_SCRIPTS, 'start', '--title=x', dir ], '/cwd'), { baseDir: dir, node: '/opt/other/node', nodeFromPackageJson: true });
      const planted = path.join(dir, 'run/node');
      executable(planted);
      const problem = preflightProblem([ process.execPath, eggctl, 'start', '--title=sentinel-unit', `--node=${planted}`, dir ], dir, env) ?? '';
      assert.match(problem, /refused to start \(SEN111\): egg-scripts start would run --node=.*run\/node as the master/);
      assert.equal(preflightProblem([ process.execPath, eggctl, 'start', '--title=sentinel-unit', `--node=${process.execPath}`, dir ], dir, env), undefined);
    });

    it('refuses a dependency\'s bin named node, which npm links as node_modules/.bin/node', () => {
      executable(path.join(dir, 'node_modules/left-padder/bin/pad.sh'));
      fs.writeFileSync(path.join(dir, 'node_modules/left-padder/package.json'), JSON.stringify({ name: 'left-padder', bin: { node: 'bin/pad.sh' } }));
      assert.equal(preflightProblem(start(), dir, env), undefined, 'not linked: the system\'s node');
      linkBin('../left-padder/bin/pad.sh');
      const problem = preflightProblem(start(), dir, env) ?? '';
      assert.match(problem, /refused to start \(SEN111\): egg-scripts start would run `node`, found first on the PATH egg-scripts builds .* as the master: .*node_modules\/\.bin\/node is .*left-padder\/bin\/pad\.sh, a file of the package left-padder, not of the node the app declares \(the npm package `node`, or nodeinstall's node_modules\/node\)/);
      assert.match(problem, /Fix: remove the dependency that links it/);
      assert.equal(preflightProblem([ 'node', 'x' ], dir, env), undefined, 'only egg-scripts start spawns it');
      assert.equal(preflightProblem(start(`--node=${process.execPath}`), dir, env), undefined, '--node passes by it');
    });

    it('refuses a dependency\'s bin linked as head or tail, which egg-scripts start runs by name on a failed start (black-box round 25)', () => {
      executable(path.join(dir, 'node_modules/left-padder/bin/pad.sh'));
      fs.writeFileSync(path.join(dir, 'node_modules/left-padder/package.json'), JSON.stringify({ name: 'left-padder', bin: { tail: 'bin/pad.sh' } }));
      fs.mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
      fs.symlinkSync('../left-padder/bin/pad.sh', path.join(dir, 'node_modules/.bin/tail'));
      assert.match(preflightProblem(start(), dir, env) ?? '',
        /refused to start \(SEN111\): egg-scripts start runs `tail` by name when a start fails, and the app's .*node_modules\/\.bin\/tail is .*left-padder\/bin\/pad\.sh, a file of the package left-padder/);
      assert.equal(preflightProblem([ 'node', 'x' ], dir, env), undefined, 'only egg-scripts start runs it');
    });

    it('accepts the npm package node (or nodeinstall\'s node_modules/node) when the app declares it, and .node/bin/node', () => {
      executable(path.join(dir, 'node_modules/node/bin/node'));
      fs.writeFileSync(path.join(dir, 'node_modules/node/package.json'), JSON.stringify({ name: 'node', bin: { node: 'bin/node' } }));
      linkBin('../node/bin/node');
      assert.match(preflightProblem(start(), dir, env) ?? '', /a file of the package node, not of the node the app declares/, 'installed but not declared');
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { node: '^20.0.0' } }));
      assert.equal(preflightProblem(start(), dir, env), undefined);
      // nodeinstall extracts node into node_modules/node, writes a package.json named node and links .bin/node.
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', engines: { 'install-node': '^20.0.0' } }));
      assert.equal(preflightProblem(start(), dir, env), undefined);
      fs.rmSync(path.join(dir, 'node_modules'), { recursive: true });
      executable(path.join(dir, '.node/bin/node'));
      assert.equal(preflightProblem(start(), dir, env), undefined, 'egg-scripts documents .node/bin');
      // Black-box round 40, h3 F4: in the app as outside it, a node another user can change is theirs, run as the master.
      fs.chmodSync(path.join(dir, '.node/bin/node'), 0o777);
      assert.match(preflightProblem(start(), dir, env) ?? '', /would run `node`, found first on the PATH egg-scripts builds .* as the master: .*\.node\/bin\/node is in the app, and it is writable by every user \(mode 0777\)/);
      fs.chmodSync(path.join(dir, '.node/bin/node'), 0o755);
      fs.chmodSync(path.join(dir, '.node/bin'), 0o777);
      assert.match(preflightProblem(start(), dir, env) ?? '', /\.node\/bin\/node is in the app, and its directory .*\.node\/bin is writable by every user/);
      fs.chmodSync(path.join(dir, '.node/bin'), 0o755);
      executable(path.join(dir, 'tools/node'));
      fs.chmodSync(path.join(dir, 'tools/node'), 0o766);
      assert.match(preflightProblem(start('--node=./tools/node'), dir, env) ?? '', /would run --node=\.\/tools\/node as the master: .*tools\/node is in the app, and it is writable by every user \(mode 0766\)/);
    });

    it('judges --node: none, in run/ or logs/, or outside the app where another user can change it, refused; the node running egg-scripts, or one only this user can change, accepted', () => {
      assert.equal(preflightProblem(start(`--node=${process.execPath}`), dir, env), undefined);
      assert.match(preflightProblem(start('--node=/nonexistent/node'), dir, env) ?? '', /would run --node=\/nonexistent\/node as the master: \/nonexistent\/node does not exist/);
      executable(path.join(dir, 'run/node'));
      assert.match(preflightProblem(start('--node=./run/node'), dir, env) ?? '', /run\/node is in a directory the app writes at run time/);
      const outside = tempDir('node');
      const home = fs.mkdtempSync(path.join(os.homedir(), '.sentinel-node-'));
      try {
        fs.chmodSync(outside, 0o777);
        executable(path.join(outside, 'node'));
        const problem = preflightProblem(start(`--node=${path.join(outside, 'node')}`), dir, env) ?? '';
        assert.match(problem, /sentinel-node-.*\/node is outside the app, and its directory .*sentinel-node-\w+ is writable by every user \(mode 0777\)/);
        assert.match(problem, /Fix: pass --node \(or eggScriptsConfig\.node in package\.json\) a node outside the app that no other user can change/);
      // egg-scripts takes --node from package.json's eggScriptsConfig when the command line leaves it out (black-box round 24).
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', eggScriptsConfig: { node: path.join(outside, 'node') } }));
      assert.match(preflightProblem(start(), dir, env) ?? '', /would run package\.json's eggScriptsConfig\.node ".*sentinel-node-.*\/node" as the master: .*writable by every user \(mode 0777\)/);
      assert.equal(preflightProblem(start(`--node=${process.execPath}`), dir, env), undefined, 'the command line wins');
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app' }));
        fs.chmodSync(home, 0o755);
        executable(path.join(home, 'node'));
        assert.equal(preflightProblem(start(`--node=${path.join(home, 'node')}`), dir, env), undefined, 'an nvm node under the user\'s home');
        fs.chmodSync(path.join(home, 'node'), 0o777);
        assert.match(preflightProblem(start(`--node=${path.join(home, 'node')}`), dir, env) ?? '', /\/node is outside the app, and it is writable by every user/);
      } finally {
        fs.rmSync(outside, { recursive: true, force: true });
        fs.rmSync(home, { recursive: true, force: true });
      }
    });
  });

  it('as a --require module, refuses preloads after it from outside the app before they run; those before it, or in the app\'s node_modules, it lets be (black-box round 23)', () => {
    const outside = tempDir('preload');
    try {
      const ran = (name: string) => path.join(dir, `${name}-ran`);
      const payload = (file: string, name: string) => fs.writeFileSync(file, `require('fs').writeFileSync(${JSON.stringify(ran(name))}, 'x');\n`);
      payload(path.join(outside, 'pwn.js'), 'outside');
      fs.mkdirSync(path.join(dir, 'node_modules/apm-agent'), { recursive: true });
      payload(path.join(dir, 'node_modules/apm-agent/index.js'), 'installed');
      fs.mkdirSync(path.join(dir, 'run'));
      payload(path.join(dir, 'run/dropped.js'), 'dropped');
      // No env set, as in the egg-scripts process of `egg-scripts start --env=prod`, which learns it from its arguments.
      const start = (...preloads: string[]) => spawnSync(process.execPath, [ ...preloads.flatMap(preload => [ '--require', preload ]), '-e', '0' ], {
        cwd: dir, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), EGG_SERVER_ENV: '', NODE_ENV: '' }, encoding: 'utf8',
      });
      const preflight = path.join(ROOT, 'preflight.ts');
      const refused = start(preflight, path.join(outside, 'pwn.js'), './run/dropped.js');
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /\[egg-sentinel preflight\] refused to start \(SEN306\): preloads after the preflight would run code nobody reviewed/);
      assert.match(refused.stderr, /execArgv has --require ".*pwn\.js": .*pwn\.js is outside the app and the node_modules it resolves from/);
      assert.match(refused.stderr, /execArgv has --require "\.\/run\/dropped\.js": .*dropped\.js is in a directory the app writes at run time/);
      assert.ok(!fs.existsSync(ran('outside')) && !fs.existsSync(ran('dropped')), 'the preloads never ran');
      const vouched = start(path.join(outside, 'pwn.js'), preflight, 'apm-agent');
      assert.equal(vouched.status, 0, vouched.stderr);
      assert.ok(fs.existsSync(ran('outside')) && fs.existsSync(ran('installed')));
      // Black-box round 40, h3 F1: the app's own file that every user can write is refused before it runs (it could set its mode back).
      payload(path.join(dir, 'apm-shim.js'), 'shim');
      fs.chmodSync(path.join(dir, 'apm-shim.js'), 0o666);
      const writable = start(preflight, './apm-shim.js');
      assert.equal(writable.status, 1, writable.stderr);
      assert.match(writable.stderr, /execArgv has --require "\.\/apm-shim\.js": .*apm-shim\.js is in the app, and it is writable by every user \(mode 0666\)/);
      assert.ok(!fs.existsSync(ran('shim')), 'the preload never ran');
      fs.chmodSync(path.join(dir, 'apm-shim.js'), 0o644);
      const own = start(preflight, './apm-shim.js');
      assert.equal(own.status, 0, own.stderr);
      assert.ok(fs.existsSync(ran('shim')));
      // A module of the app the preload requires runs with it: every user can write that one (review of round 40, h7 F9).
      fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
      payload(path.join(dir, 'lib/apm-setup.js'), 'setup');
      fs.chmodSync(path.join(dir, 'lib/apm-setup.js'), 0o666);
      fs.writeFileSync(path.join(dir, 'apm-shim.js'), "require('./lib/apm-setup');\n", { mode: 0o644 });
      const through = start(preflight, './apm-shim.js');
      assert.equal(through.status, 1, through.stderr);
      assert.match(through.stderr, /apm-shim\.js requires .*lib\/apm-setup\.js, and it is writable by every user \(mode 0666\)/);
      assert.ok(!fs.existsSync(ran('setup')), 'the required module never ran');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses what a ts-node preload would load from outside the app: TS_NODE_COMPILER, and the "ts-node" compiler/transpiler/require of the tsconfig it reads or extends; the app\'s own pass (black-box round 40, h3 F6)', () => {
    const outside = tempDir('ts-node-env');
    try {
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
      };
      // ts-node and TypeScript installed in the app (this TypeScript is the test runner's, re-exported from there).
      write(path.join(dir, 'node_modules/ts-node/register/index.js'), '');
      write(path.join(dir, 'node_modules/typescript/index.js'), `module.exports = require(${JSON.stringify(require.resolve('typescript'))});\n`);
      write(path.join(dir, 'node_modules/typescript/package.json'), '{ "name": "typescript", "main": "index.js" }');
      write(path.join(dir, 'lib/register.js'), '');
      write(path.join(outside, 'evil.js'), '');
      write(path.join(outside, 'tsconfig.json'), '{\n  // comments, as TypeScript reads them\n  "ts-node": { "require": [ "./evil.js" ], "transpiler": [ "./evil.js", {} ] },\n}\n');
      const preflight = path.join(ROOT, 'preflight.ts');
      const execArgv = [ '--require', preflight, '--require', path.join(dir, 'node_modules/ts-node/register') ];
      const problem = (env: NodeJS.ProcessEnv, argv = execArgv) => preflightProblem([ process.execPath, 'server.js' ], dir, { PATH: process.env.PATH, ...env }, argv, preflight);
      assert.equal(problem({ TS_NODE_COMPILER: path.join(outside, 'evil.js') }, [ ...execArgv.slice(2), ...execArgv.slice(0, 2) ]), undefined,
        'a ts-node preload before the preflight has run already: vouched for, as any preload there');
      write(path.join(dir, 'tsconfig.json'), '{ "compilerOptions": {}, "ts-node": { "require": [ "./lib/register.js" ] } }');
      assert.equal(problem({}), undefined, 'the app\'s tsconfig naming the app\'s module');
      assert.equal(preflightProblem([ process.execPath, 'server.js' ], dir, { PATH: process.env.PATH, TS_NODE_COMPILER: path.join(outside, 'evil.js') }, []), undefined, 'no ts-node, nothing loads it');
      const compiler = problem({ TS_NODE_COMPILER: path.join(outside, 'evil.js') }) ?? '';
      assert.match(compiler, /refused to start \(SEN306\): execArgv has --require ".*ts-node\/register", and ts-node would load modules its environment or tsconfig names from outside the app/);
      assert.match(compiler, / {2}- TS_NODE_COMPILER=".*evil\.js": .*evil\.js is outside the app and the node_modules it resolves from/);
      const project = problem({ TS_NODE_PROJECT: outside }) ?? '';
      assert.match(project, / {2}- .*ts-node-env-\w+\/tsconfig\.json "ts-node"\.transpiler "\.\/evil\.js": .*evil\.js is outside the app/);
      assert.match(project, / {2}- .*ts-node-env-\w+\/tsconfig\.json "ts-node"\.require "\.\/evil\.js": .*evil\.js is outside the app/);
      assert.match(problem({ TS_NODE_CWD: outside }) ?? '', /tsconfig\.json "ts-node"\.require "\.\/evil\.js"/, 'the tsconfig found from TS_NODE_CWD');
      write(path.join(dir, 'tsconfig.json'), `{ "extends": ${JSON.stringify(path.join(outside, 'tsconfig.json'))} }`);
      assert.match(problem({}) ?? '', /tsconfig\.json "ts-node"\.require "\.\/evil\.js": .*is outside the app/, 'a base config the app\'s tsconfig extends');
      assert.equal(problem({ TS_NODE_SKIP_PROJECT: 'true' }), undefined, 'no tsconfig read');
      // The compiler ts-node loads from the tsconfig's directory, and the swc it loads for `swc: true` (review of round 40).
      write(path.join(dir, 'tsconfig.json'), '{ "compilerOptions": {} }');
      const planted = tempDir('ts-node-project');
      try {
        write(path.join(planted, 'tsconfig.json'), '{ "ts-node": { "swc": true } }');
        write(path.join(planted, 'node_modules/typescript/index.js'), '');
        write(path.join(planted, 'node_modules/typescript/package.json'), '{ "name": "typescript", "main": "index.js" }');
        const compilerPlanted = problem({ TS_NODE_PROJECT: planted }) ?? '';
        assert.match(compilerPlanted, / {2}- the TypeScript compiler it reads the tsconfig with: .*ts-node-project-\w+\/node_modules\/typescript\/index\.js is outside the app/);
        fs.rmSync(path.join(planted, 'node_modules/typescript'), { recursive: true });
        write(path.join(planted, 'node_modules/@swc/core/index.js'), '');
        write(path.join(planted, 'node_modules/@swc/core/package.json'), '{ "name": "@swc/core", "main": "index.js" }');
        assert.match(problem({ TS_NODE_PROJECT: planted }) ?? '', / {2}- the swc ts-node transpiles with .*: .*ts-node-project-\w+\/node_modules\/@swc\/core\/index\.js is outside the app/);
        // The nearest file that says `swc` decides: false there stands against the true of the file it extends.
        write(path.join(planted, 'base.json'), '{ "ts-node": { "swc": true } }');
        write(path.join(planted, 'tsconfig.json'), '{ "extends": "./base.json", "ts-node": { "swc": false } }');
        assert.doesNotMatch(problem({ TS_NODE_PROJECT: planted }) ?? '', /the swc ts-node transpiles with/);
        write(path.join(planted, 'tsconfig.json'), '{ "extends": "./base.json" }');
        assert.match(problem({ TS_NODE_PROJECT: planted }) ?? '', /the swc ts-node transpiles with .*@swc\/core\/index\.js is outside the app/);
        // The swc a transpiler's options name (review of round 40, h7 F5).
        write(path.join(planted, 'tsconfig.json'), `{ "ts-node": { "transpiler": [ "ts-node/transpilers/swc", { "swc": ${JSON.stringify(path.join(outside, 'evil.js'))} } ] } }`);
        assert.match(problem({ TS_NODE_PROJECT: planted }) ?? '', /"ts-node"\.transpiler\[1\]\.swc ".*evil\.js": .*evil\.js is outside the app/);
      } finally {
        fs.rmSync(planted, { recursive: true, force: true });
      }
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('as a --require module of `egg-scripts start`, hashes the pinned files before egg-scripts loads its own modules, which may be in a plugin\'s pinned closure (pin --deep; black-box round 36, h112 F6)', async function() {
    if (process.platform === 'win32') this.skip();
    const marker = path.join(dir, 'closure-ran');
    const installed = (name: string) => path.dirname(require.resolve(`${name}/package.json`));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { egg: '*', 'egg-evil': '1.0.0', 'egg-scripts': '*' } }));
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config/plugin.js'), "exports.evil = { enable: true, package: 'egg-evil' };\n");
    fs.writeFileSync(path.join(dir, 'config/config.default.js'), "module.exports = { keys: 'app-K8vR2nQ7xL4mZ9tB3wY6pD1hF5jC0sG2' };\n");
    // A plugin whose closure holds node-homedir, hoisted beside it, which egg-scripts' start command requires too.
    const evil = path.join(dir, 'node_modules/egg-evil');
    fs.mkdirSync(evil, { recursive: true });
    fs.writeFileSync(path.join(evil, 'package.json'), JSON.stringify({ name: 'egg-evil', version: '1.0.0', eggPlugin: { name: 'evil' }, dependencies: { 'node-homedir': '^1.1.1' } }));
    fs.cpSync(installed('node-homedir'), path.join(dir, 'node_modules/node-homedir'), { recursive: true });
    // egg-scripts installed in the app: a copy, finding node-homedir there and its other dependencies where the test runner has them.
    const eggScripts = path.join(dir, 'node_modules/egg-scripts');
    fs.cpSync(installed('egg-scripts'), eggScripts, { recursive: true, filter: file => path.basename(file) !== 'node_modules' });
    for (const name of [ 'egg', ...Object.keys(JSON.parse(fs.readFileSync(path.join(eggScripts, 'package.json'), 'utf8')).dependencies).filter(name => name !== 'node-homedir') ]) {
      fs.symlinkSync(path.dirname(require.resolve(`${name}/package.json`, { paths: [ installed('egg-scripts') ] })), path.join(dir, 'node_modules', name));
    }
    const output = new PassThrough();
    assert.equal(await runCli([ 'pin', '--deep', '--base-dir', dir ], { stdout: output, stderr: output, env: process.env, cwd: dir }), 0, String(output.read()));
    assert.ok(JSON.parse(fs.readFileSync(path.join(dir, 'sentinel.lock.json'), 'utf8')).plugins.evil.dependencies['node_modules/node-homedir'], 'pinned in evil\'s closure');
    // The master egg-scripts would spawn: a script saying so, so that no egg starts.
    fs.writeFileSync(path.join(dir, 'master.sh'), '#!/bin/sh\necho "master spawned"\n', { mode: 0o755 });
    const start = (...preload: string[]) => spawnSync(process.execPath, [ ...preload, path.join(eggScripts, 'bin/egg-scripts.js'), 'start', '--env=prod', '--title=f6', `--node=${path.join(dir, 'master.sh')}`, dir ], {
      cwd: dir, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), EGG_SERVER_ENV: '', NODE_ENV: '', NODE_LOG_DIR: path.join(dir, 'logs') }, encoding: 'utf8',
    });
    const preflight = [ '--require', path.join(ROOT, 'preflight.ts') ];
    const untouched = start(...preflight);
    assert.equal(untouched.status, 0, untouched.stderr);
    assert.match(untouched.stdout, /master spawned/);
    const index = path.join(dir, 'node_modules/node-homedir/index.js');
    fs.writeFileSync(index, `require('fs').writeFileSync(${JSON.stringify(marker)}, process.argv.join(' '));\n${fs.readFileSync(index, 'utf8')}`);
    const refused = start(...preflight);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /refused to start \(SEN104\) in env prod: 1 plugin\(s\) pinned in sentinel\.lock\.json differ from it, before any of their code ran:/);
    assert.match(refused.stderr, /^ {2}- evil: .*changed: node_modules\/node-homedir\/index\.js/m);
    assert.doesNotMatch(refused.stdout, /master spawned/);
    assert.ok(!fs.existsSync(marker), 'the changed file never ran, so it could not rewrite the manifest');
    // What it kept from running: egg-scripts requires the changed file in its own process, with the deploy's environment.
    const unguarded = start();
    assert.match(unguarded.stdout, /master spawned/);
    assert.match(fs.readFileSync(marker, 'utf8'), /egg-scripts\.js start/);
  });

  it('as a --require module, refuses a launcher npm runs by name that is a dependency\'s bin linked over egg-scripts\' (SEN111, black-box round 25)', function() {
    if (process.platform === 'win32') this.skip();
    const marker = path.join(dir, 'stand-in-ran');
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'app', dependencies: { 'egg-scripts': '^3.0.0', 'egg-helper': '1.0.0' } }),
      'node_modules/egg-helper/package.json': JSON.stringify({ name: 'egg-helper', bin: { 'egg-scripts': 'bin/cli.js' } }),
      'node_modules/egg-helper/bin/cli.js': `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x');\n`,
      'node_modules/egg-scripts/package.json': JSON.stringify({ name: 'egg-scripts', bin: { 'egg-scripts': 'bin/egg-scripts.js' } }),
      'node_modules/egg-scripts/bin/egg-scripts.js': `require('fs').writeFileSync(${JSON.stringify(marker)}, 'real');\n`,
    };
    for (const [ file, content ] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    fs.mkdirSync(path.join(dir, 'node_modules/.bin'));
    const link = path.join(dir, 'node_modules/.bin/egg-scripts');
    // What npm's `"start": "egg-scripts start"` runs: the .bin entry, by its shebang, with NODE_OPTIONS carrying the preflight.
    const run = () => spawnSync(process.execPath, [ '--require', path.join(ROOT, 'preflight.ts'), link, 'start' ], {
      cwd: dir, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), EGG_SERVER_ENV: '', NODE_ENV: '' }, encoding: 'utf8',
    });
    fs.symlinkSync('../egg-helper/bin/cli.js', link);
    const refused = run();
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /refused to start \(SEN111\): .*node_modules\/\.bin\/egg-scripts is .*egg-helper\/bin\/cli\.js, a file of the package egg-helper, not egg-scripts itself/);
    assert.ok(!fs.existsSync(marker), 'the stand-in never ran');
    fs.rmSync(link);
    fs.symlinkSync('../egg-scripts/bin/egg-scripts.js', link);
    const real = run();
    assert.equal(real.status, 0, real.stderr);
    assert.equal(fs.readFileSync(marker, 'utf8'), 'real');
  });

  it('in an app worker, refuses a listen() by which egg-sentinel never hooked, a turn later: a server a hook opened before egg-sentinel\'s is fine', () => {
    // A stand-in for egg-cluster's app worker: the preflight knows the process by its script's path.
    const worker = path.join(dir, 'node_modules/egg-cluster/lib/app_worker.js');
    fs.mkdirSync(path.dirname(worker), { recursive: true });
    const marks = JSON.stringify(path.join(ROOT, 'lib/process-marks.ts'));
    fs.writeFileSync(worker, `const net = require('net');
const server = net.createServer().listen(0, '127.0.0.1', () => { server.close(); console.log('listening'); });
if (process.argv[2] === 'hooked') require(${marks}).markHooked();
`);
    const start = (mode: string) => spawnSync(process.execPath, [ '--require', path.join(ROOT, 'preflight.ts'), worker, mode ], {
      cwd: dir, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), EGG_SERVER_ENV: 'prod' }, encoding: 'utf8',
    });
    const hooked = start('hooked');
    assert.equal(hooked.status, 0, hooked.stderr);
    assert.match(hooked.stdout, /listening/);
    const never = start('never');
    assert.equal(never.status, 1, never.stderr);
    assert.match(never.stderr, /\[egg-sentinel preflight\] refused to start: egg-sentinel did not run in the app worker \(env prod\)/);
  });

  it('in an app worker, refuses a listen() after egg-sentinel refused the boot: code in the process swallowed the refusal (black-box round 24)', () => {
    const worker = path.join(dir, 'node_modules/egg-cluster/lib/app_worker.js');
    fs.mkdirSync(path.dirname(worker), { recursive: true });
    fs.writeFileSync(worker, `const marks = require(${JSON.stringify(path.join(ROOT, 'lib/process-marks.ts'))});
marks.markHooked();
if (process.argv[2] === 'refused') marks.markRefused();
const server = require('net').createServer().listen(0, '127.0.0.1', () => { server.close(); console.log('listening'); });
`);
    const start = (mode: string) => spawnSync(process.execPath, [ '--require', path.join(ROOT, 'preflight.ts'), worker, mode ], {
      cwd: dir, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), EGG_SERVER_ENV: 'prod' }, encoding: 'utf8',
    });
    const refused = start('refused');
    assert.equal(refused.status, 1, refused.stderr);
    assert.doesNotMatch(refused.stdout, /listening/);
    assert.match(refused.stderr, /egg-sentinel refused this worker's boot .*, yet egg reported the worker ready: code in this process .* swallowed the refusal/);
    const checked = start('passed');
    assert.equal(checked.status, 0, checked.stderr);
    assert.match(checked.stdout, /listening/);
  });

  it('as a --require module, judges the environment again when egg-core loads if a later preload changed it (dotenv/config setting EGG_SERVER_ENV; black-box round 39, h3 F3)', () => {
    const marker = path.join(dir, 'loaded-config');
    fs.mkdirSync(path.join(dir, 'node_modules/egg-core/lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules/egg-core/lib/egg.js'), `module.exports = () => require('fs').writeFileSync(${JSON.stringify(marker)}, process.env.EGG_SERVER_ENV);\n`);
    const start = (value: string) => spawnSync(process.execPath, [ '--require', path.join(ROOT, 'preflight.ts'), '--require', path.join(dir, 'dotenv.js'),
      '-e', "require('egg-core/lib/egg.js')()" ], {
      cwd: dir, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), EGG_SERVER_ENV: 'prod', SENTINEL_TEST_ENV_VALUE: value }, encoding: 'utf8',
    });
    fs.writeFileSync(path.join(dir, 'dotenv.js'), 'process.env.EGG_SERVER_ENV = process.env.SENTINEL_TEST_ENV_VALUE;\n');
    const refused = start('/../../../tmp/evil');
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /\[egg-sentinel preflight\] refused to start \(SEN301[\s\S]*The environment changed after the preflight ran, before egg loaded/);
    assert.ok(!fs.existsSync(marker), 'egg never read the env');
    const allowed = start('staging');
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.equal(fs.readFileSync(marker, 'utf8'), 'staging');
  });

  it('as a --require module, stops the process before its code runs', () => {
    const marker = path.join(dir, 'ran');
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`;
    const refused = spawnSync(process.execPath, [ '--require', path.join(ROOT, 'preflight.ts'), '-e', script ], {
      cwd: dir, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), EGG_SERVER_ENV: '/../../../tmp/evil' }, encoding: 'utf8',
    });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /\[egg-sentinel preflight\] refused to start \(SEN301/);
    assert.ok(!fs.existsSync(marker), 'the entry point never ran');

    const allowed = spawnSync(process.execPath, [ '--require', path.join(ROOT, 'preflight.ts'), '-e', script ], {
      cwd: dir, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), EGG_SERVER_ENV: 'prod' }, encoding: 'utf8',
    });
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.ok(fs.existsSync(marker));
  });
});
