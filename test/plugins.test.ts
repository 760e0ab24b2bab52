/**
 * Plugin trust (threat 1, SEN101–SEN108) on real egg apps booted with mm.app(), and `egg-sentinel pin` run on them.
 * Prod boots (mm.env('prod')) show the severities that refuse boot; fixtures are in test/fixtures/apps/plugin-*.
 */
import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import mm from 'egg-mock';
import ts from 'typescript';
import { env } from '../index';
import { runCli } from '../lib/cli';
import { escapeRegExp } from '../lib/regexp';
import { bootApp, expectRefused, fixture, freePort, mockCluster, readReport, reportFindings, tempApp } from './helpers';
import { tempDir } from './temp-dir';

interface Run { code: number; stdout: string; stderr: string }

function collector(): Writable & { text: string } {
  const stream = new Writable({ write(chunk, _encoding, done) { stream.text += String(chunk); done(); } }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

async function sentinel(args: string[]): Promise<Run> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(args, { stdout, stderr, env: process.env, cwd: process.cwd() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A copy of a fixture app in the temp dir, with egg linked in its node_modules as an installed app has it. */
function copyFixture(name: string): string {
  const dir = tempDir(name);
  fs.cpSync(fixture(name), dir, { recursive: true, filter: source => !/[\\/](run|logs)$/.test(source) });
  fs.symlinkSync(path.dirname(require.resolve('egg/package.json')), path.join(dir, 'node_modules/egg'));
  return dir;
}

/** Writes `files` (absolute paths) and gives the app at `app` the test runner's egg in its node_modules. */
function writeAppWithEgg(app: string, files: Record<string, string>): void {
  for (const [ file, text ] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  fs.mkdirSync(path.join(app, 'node_modules'));
  fs.symlinkSync(path.dirname(require.resolve('egg/package.json')), path.join(app, 'node_modules/egg'));
}

/** A minimal egg plugin package in `dir`. */
/**
 * A plugin's app.js/agent.js whose boot hook takes the plugin `name` off egg's plugin lists in its constructor (after
 * `constructorCode`; `moduleCode` runs when the file is required), then serves /backdoor from its own directory.
 */
function hidingHook(name: string, { moduleCode = '', constructorCode = '' }: { moduleCode?: string; constructorCode?: string }): string {
  return `'use strict';
const path = require('path');
${moduleCode}
module.exports = class {
  constructor(app) {
    const loader = app.loader;
    loader.orderPlugins = loader.orderPlugins.filter(plugin => plugin.name !== '${name}');
    delete loader.allPlugins['${name}'];
    delete loader.plugins['${name}'];
    ${constructorCode}
    this.app = app;
  }
  didLoad() {
    if (this.app.router) this.app.router.get('/backdoor', ctx => { ctx.body = 'served by ' + __dirname; });
  }
};
`;
}

function writePlugin(dir: string, name: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `egg-${name}`, version: '1.0.0', eggPlugin: { name } }));
  fs.writeFileSync(path.join(dir, 'app.js'), "'use strict';\nmodule.exports = () => {};\n");
}

/** An app in `parent`/app enabling the plugin egg-parentplug, which it resolves from a node_modules above it. */
function writeAppBelow(parent: string, name: string): string {
  const app = path.join(parent, 'app');
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: `${name}-app` }),
    'config/plugin.js': "exports.parentplug = { enable: true, package: 'egg-parentplug' };\n",
    'config/config.default.js': `module.exports = { keys: '${name}-app-key-Zq8Xw3Lk9Vb2Nm5Tr7Yu4', logger: { dir: __dirname + '/../logs' } };\n`,
  };
  for (const [ file, text ] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
    fs.writeFileSync(path.join(app, file), text);
  }
  fs.mkdirSync(path.join(app, 'node_modules'));
  fs.symlinkSync(path.dirname(require.resolve('egg/package.json')), path.join(app, 'node_modules/egg'));
  return app;
}

/** Plugin trust findings (SEN1xx) of the report the last boot wrote, or those of one rule. */
function findings(baseDir: string, ruleId?: string): Array<Record<string, any>> {
  const all: Array<Record<string, any>> = readReport(baseDir).json.findings;
  return all.filter(finding => (ruleId ? finding.ruleId === ruleId : finding.ruleId.startsWith('SEN1')));
}

/** Boots an app whose plugin parentplug is a workspace package at `real`; its SEN101 findings. */
async function bootWorkspaceApp(app: string, real: string): Promise<Array<Record<string, any>>> {
  const booted = await bootApp(app);
  try {
    assert.equal(booted.plugins.parentplug?.path, real, 'egg loads the workspace package');
  } finally {
    await booted.close();
  }
  return findings(app, 'SEN101');
}

describe('plugin trust (mm.app)', function() {
  this.timeout(60000);
  afterEach(mm.restore);

  describe('SEN101: plugins outside trusted directories', () => {
    it('a plugin in a node_modules above the app that every user can write (/tmp/node_modules) is not trusted; one its user keeps is', async () => {
      const parent = tempDir('parent-modules');
      const modules = path.join(parent, 'node_modules');
      writePlugin(path.join(modules, 'egg-parentplug'), 'parentplug');
      const app = writeAppBelow(parent, 'parent-modules');
      fs.chmodSync(modules, 0o1777);
      const open = await bootApp(app);
      await open.close();
      const [ refused ] = findings(app, 'SEN101');
      assert.match(refused?.message ?? '', /plugin parentplug \(egg-parentplug\) is loaded from .*sentinel-parent-modules-.*\/node_modules\/egg-parentplug, in .*\/node_modules, a node_modules outside the app writable by every user \(mode 1777\)/);
      assert.match(refused?.fix ?? '', /or make .*\/node_modules this user's or root's and writable by no one else \(chown, chmod go-w\)/);
      fs.chmodSync(modules, 0o755);
      const kept = await bootApp(app);
      await kept.close();
      assert.deepEqual(findings(app, 'SEN101'), []);
      // The plugin's own directory made by another user there (black-box round 21).
      if (process.getuid?.() !== 0) return;
      fs.chownSync(path.join(modules, 'egg-parentplug'), 65534, 65534);
      const foreign = await bootApp(app);
      await foreign.close();
      assert.match(findings(app, 'SEN101')[0]?.message ?? '', /egg-parentplug, a directory outside the app owned by user 65534, not by this process's user \(0\) or root: whoever can write there/);
    });

    it('a lockfile above the app vouches for its plugins only while no other user can write it (black-box round 21)', async () => {
      const parent = tempDir('parent-lockfile');
      writePlugin(path.join(parent, 'node_modules/egg-parentplug'), 'parentplug');
      fs.writeFileSync(path.join(parent, 'package-lock.json'), JSON.stringify({ name: 'workspace', lockfileVersion: 3, requires: true, packages: {
        '': { name: 'workspace' },
        'node_modules/egg-parentplug': { version: '1.0.0', resolved: 'https://registry.npmjs.org/egg-parentplug/-/egg-parentplug-1.0.0.tgz', integrity: `sha512-${'q'.repeat(86)}==` },
      } }));
      const app = writeAppBelow(parent, 'parent-lockfile');
      const kept = await bootApp(app);
      await kept.close();
      assert.deepEqual(findings(app, 'SEN103'), []);
      fs.chmodSync(path.join(parent, 'package-lock.json'), 0o666);
      const open = await bootApp(app);
      await open.close();
      assert.match(findings(app, 'SEN103')[0]?.message ?? '',
        /plugin parentplug \(egg-parentplug\)@1\.0\.0 cannot be checked: .*package-lock\.json, outside the app, is writable by every user \(mode 0666\): it vouches for whatever that user installed/);
    });

    it('an npm workspace package the app declares and the root lockfile links is trusted; undeclared, unlinked or under a lockfile others can write it is not (black-box round 25, h74 F1)', async () => {
      // The workspace root holds the lockfile; npm links node_modules/egg-parentplug to packages/egg-parentplug.
      const root = tempDir('workspace');
      writePlugin(path.join(root, 'packages/egg-parentplug'), 'parentplug');
      fs.mkdirSync(path.join(root, 'node_modules'));
      fs.symlinkSync('../packages/egg-parentplug', path.join(root, 'node_modules/egg-parentplug'));
      fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'workspace', private: true, workspaces: [ 'app', 'packages/*' ] }));
      const linked = {
        '': { name: 'workspace', workspaces: [ 'app', 'packages/*' ] },
        app: { name: 'workspace-app', dependencies: { 'egg-parentplug': '^1.0.0' } },
        'node_modules/egg-parentplug': { resolved: 'packages/egg-parentplug', link: true },
        'node_modules/workspace-app': { resolved: 'app', link: true },
        'packages/egg-parentplug': { name: 'egg-parentplug', version: '1.0.0' },
      };
      const writeLock = (packages: object) => fs.writeFileSync(path.join(root, 'package-lock.json'), JSON.stringify({ name: 'workspace', lockfileVersion: 3, requires: true, packages }));
      writeLock(linked);
      const app = writeAppBelow(root, 'workspace');
      const declare = (dependencies: object) => fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'workspace-app', dependencies }));
      const real = fs.realpathSync(path.join(root, 'packages/egg-parentplug'));
      const lockfile = path.join(fs.realpathSync(root), 'package-lock.json');
      const boot = () => bootWorkspaceApp(app, real);
      declare({ 'egg-parentplug': '^1.0.0' });
      assert.deepEqual(await boot(), []);
      assert.deepEqual(findings(app, 'SEN103'), []);

      declare({});
      const [ undeclared ] = await boot();
      assert.equal(undeclared?.severity, 'high');
      assert.equal(undeclared?.message, `plugin parentplug (egg-parentplug) is loaded from ${real}, outside the trusted directories (the node_modules of the app and its framework, ` +
        `lib/plugin, app/plugin); it lies below ${lockfile}, which does not vouch for it as a workspace package: neither the app's package.json nor its framework's declares egg-parentplug in its dependencies`);
      assert.ok(undeclared?.fix.startsWith('Make it a workspace package the app installs: declare egg-parentplug in the app\'s package.json dependencies and ' +
        `run the install at the workspace root (\`npm install\`, \`pnpm install\`, \`yarn install\`) so ${lockfile} records the link`), undeclared?.fix);

      declare({ 'egg-parentplug': '^1.0.0' });
      fs.chmodSync(path.join(root, 'package-lock.json'), 0o666);
      const [ open ] = await boot();
      assert.match(open?.message ?? '', /which does not vouch for it as a workspace package: \/.*\/package-lock\.json, outside the app, is writable by every user \(mode 0666\)/);
      fs.chmodSync(path.join(root, 'package-lock.json'), 0o644);

      // A lockfile that records no link (npm install not run since the package appeared) does not vouch either.
      writeLock(Object.fromEntries(Object.entries(linked).filter(([ key ]) => !key.endsWith('egg-parentplug'))));
      const [ stale ] = await boot();
      assert.match(stale?.message ?? '', /is loaded from .*\/packages\/egg-parentplug, outside the trusted directories \([^)]*\)$/);
      assert.match(stale?.fix ?? '', /a package of the app's workspace counts once the app declares it and the workspace root's lockfile records its link: package-lock\.json, pnpm-lock\.yaml or yarn 2\+'s yarn\.lock/);
    });

    it('a pnpm (lockfile v6 and v9, and v5) or yarn berry workspace package the root lockfile links is trusted like an npm one; without the link it is not', async () => {
      // pnpm links app/node_modules/egg-parentplug to ../../packages/egg-parentplug and records it under `importers`.
      const root = tempDir('pnpm-workspace');
      writePlugin(path.join(root, 'packages/egg-parentplug'), 'parentplug');
      const app = writeAppBelow(root, 'pnpm-workspace');
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pnpm-workspace-app', dependencies: { 'egg-parentplug': 'workspace:*' } }));
      fs.symlinkSync('../../packages/egg-parentplug', path.join(app, 'node_modules/egg-parentplug'));
      const real = fs.realpathSync(path.join(root, 'packages/egg-parentplug'));
      const boot = () => bootWorkspaceApp(app, real);
      const pnpmLock = (dependency: string) => `lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n\nimporters:\n\n  .: {}\n\n  app:\n    dependencies:\n${dependency}\n` +
        "  packages/egg-parentplug: {}\n\npackages:\n\n  ms@2.1.3:\n    resolution: {integrity: sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==}\n";
      const sections = {
        v9: "      egg-parentplug:\n        specifier: workspace:*\n        version: link:../packages/egg-parentplug\n",
        v5: '      egg-parentplug: link:../packages/egg-parentplug\n',
        absolute: `      egg-parentplug:\n        specifier: workspace:*\n        version: link:${path.join(fs.realpathSync(root), 'packages/egg-parentplug')}\n`,
        other: "      egg-parentplug:\n        specifier: workspace:*\n        version: link:../packages/egg-otherplug\n",
      };
      fs.writeFileSync(path.join(root, 'pnpm-lock.yaml'), pnpmLock(sections.v9));
      assert.deepEqual(await boot(), []);
      fs.writeFileSync(path.join(root, 'pnpm-lock.yaml'), pnpmLock(sections.v5));
      assert.deepEqual(await boot(), []);
      fs.writeFileSync(path.join(root, 'pnpm-lock.yaml'), pnpmLock(sections.absolute));
      assert.deepEqual(await boot(), []);
      // A link to another directory vouches for that one only.
      fs.writeFileSync(path.join(root, 'pnpm-lock.yaml'), pnpmLock(sections.other));
      const [ unlinked ] = await boot();
      assert.match(unlinked?.message ?? '', /is loaded from .*\/packages\/egg-parentplug, outside the trusted directories \([^)]*\)$/);
      fs.rmSync(path.join(root, 'pnpm-lock.yaml'));

      // yarn berry resolves each workspace to `name@workspace:<dir>`; its header's specifiers are sorted, so a range
      // (`workspace:*`, `workspace:^`) or an npm one may come first (review of round 27, H1).
      const yarnLock = (dir: string) => '__metadata:\n  version: 8\n  cacheKey: 10c0\n\n' +
        `"egg-parentplug@npm:1.0.0, egg-parentplug@workspace:*, egg-parentplug@workspace:^, egg-parentplug@workspace:${dir}":\n  version: 0.0.0-use.local\n` +
        `  resolution: "egg-parentplug@workspace:${dir}"\n  languageName: unknown\n  linkType: soft\n`;
      fs.writeFileSync(path.join(root, 'yarn.lock'), yarnLock('packages/egg-parentplug'));
      assert.deepEqual(await boot(), []);
      fs.writeFileSync(path.join(root, 'yarn.lock'), yarnLock('packages/egg-otherplug'));
      assert.match((await boot())[0]?.message ?? '', /is loaded from .*\/packages\/egg-parentplug, outside the trusted directories/);
    });

    it('a plugin loaded by `path` from a temp dir outside the app refuses boot, naming the plugin and its directory', async () => {
      const outside = tempDir('outside-plugin');
      writePlugin(outside, 'outside');
      mm(process.env, 'SENTINEL_FIXTURE_OUTSIDE_PLUGIN', outside);
      mm.env('prod');
      const message = await expectRefused(fixture('plugin-outside'), /SEN101/);
      assert.match(message, /plugin outside \(egg-outside\) is loaded from .*sentinel-outside-plugin-/);
      assert.match(message, /outside the trusted directories \(the node_modules of the app and its framework, lib\/plugin, app\/plugin\)/);
      assert.match(message, /config\/plugin\.ts/);
    });

    it('deriving the plugin lists again registers no second tsconfig-paths in a TypeScript app (egg\'s loaders have; each register wraps module resolution for good)', async () => {
      const app = tempApp('ts-plugin-lists', {
        'package.json': JSON.stringify({ name: 'ts-plugin-lists', egg: { typescript: true } }),
        'tsconfig.json': '{ "compilerOptions": { "strict": true } }\n',
        'config/config.default.js': "module.exports = { keys: 'ts-plugin-lists-Q7wE2rT9yU4iO1pA6sD3fG8h' };\n",
      });
      // The tsconfig-paths egg-core requires; lib/index.js reads register from lib/register.js at each call.
      const fromEggCore = createRequire(require.resolve('egg-core/package.json'));
      const registering = createRequire(fromEggCore.resolve('tsconfig-paths'))('./register.js');
      const original = registering.register;
      let registered = 0;
      registering.register = (...args: unknown[]) => {
        registered++;
        return original(...args);
      };
      try {
        const booted = await bootApp(app);
        await booted.close();
      } finally {
        registering.register = original;
      }
      // egg's own loaders: the agent's and the app's, one each.
      assert.equal(registered, 2);
    });

    it('egg\'s plugin lists are derived again once per boot, by the worker that judges them: the agent keys the facts it collects by egg\'s lists, and the worker uses them (review 21, #7)', async () => {
      const app = tempApp('plugin-lists-once', { 'config/config.default.js': "module.exports = { keys: 'plugin-lists-once-Q7wE2rT9yU4iO1pA6sD3fG8h' };\n" });
      const { EggLoader } = createRequire(require.resolve('egg/package.json'))('egg-core');
      const original = EggLoader.prototype.loadPlugin;
      let derived = 0;
      EggLoader.prototype.loadPlugin = function(this: unknown, ...args: unknown[]) {
        derived++;
        return original.apply(this, args);
      };
      try {
        const booted = await bootApp(app);
        await booted.close();
      } finally {
        EggLoader.prototype.loadPlugin = original;
      }
      // egg's own loaders (the agent's and the app's), and the worker's derivation.
      assert.equal(derived, 3);
      assert.equal(typeof readReport(app).json.timings.handover, 'number', 'the worker took the agent\'s facts');
    });

    /**
     * An app enabling, in `pluginFile`, a plugin from outside the app whose boot hook takes it off egg's plugin lists
     * (and runs `workerCode` in the app worker), then serves a route from its didLoad: judged all the same.
     */
    async function expectHidingPluginJudged(name: string, pluginFile: string, workerCode = ''): Promise<void> {
      const outside = tempDir(name);
      writePlugin(outside, 'hiding');
      // The plugin's constructor edits what egg's loader holds; its didLoad then serves a route from outside the app.
      const hook = (code: string) => hidingHook('hiding', { constructorCode: code });
      fs.writeFileSync(path.join(outside, 'app.js'), hook(workerCode));
      // Under egg-mock the agent shares require's cache with the app, which egg loads after the agent's hooks ran.
      fs.writeFileSync(path.join(outside, 'agent.js'), hook(''));
      const app = tempApp(name, {
        [pluginFile]: `exports.hiding = { enable: true, path: ${JSON.stringify(outside)} };\n`,
        // A function: egg calls it at each boot, whereas the module is required once.
        'config/config.default.js': `module.exports = () => ({ keys: '${name}-Q7wE2rT9yU4iO1pA6sD3fG8h', sentinel: { failOn: process.env.SENTINEL_FIXTURE_FAIL_ON } });\n`,
      });
      mm.env('prod');
      // The hole: with the checks not refusing, the plugin's code serves requests, and egg's lists no longer name it.
      mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'never');
      const open = await bootApp(app);
      try {
        assert.equal(open.loader.plugins.hiding, undefined, 'the plugin is off egg\'s lists');
        const res = await open.httpRequest().get('/backdoor').expect(200);
        assert.equal(res.text, `served by ${outside}`);
      } finally {
        await open.close();
      }
      assert.match(findings(app, 'SEN101')[0]?.message ?? '', new RegExp(`plugin hiding \\(egg-hiding\\) is loaded from ${fs.realpathSync(outside)}`));
      // The agent's facts (keyed by its lists, without the plugin) were not for the plugins the worker judges: it collected them itself.
      assert.equal(readReport(app).json.timings.handover, undefined);
      // Each start is a new process: the next boot requires the app's files as they are on disk.
      for (const file of Object.keys(require.cache)) if (file.startsWith(app + path.sep)) delete require.cache[file];
      mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'auto');
      const message = await expectRefused(app, /\(SEN101\)/);
      assert.match(message, /plugin hiding \(egg-hiding\) is loaded from /);
    }

    it('a plugin that takes itself off egg\'s plugin lists in its boot hook is judged all the same (black-box round 28, h102 F9)', async () => {
      await expectHidingPluginJudged('hiding-plugin', 'config/plugin.js');
    });

    it('a plugin that also deletes itself from the config/plugin.js exports require cached is judged all the same (review 21, #2)', async () => {
      await expectHidingPluginJudged('hiding-cached', 'config/plugin.js',
        "delete require.cache[require.resolve(path.join(app.baseDir, 'config/plugin'))].exports.hiding;");
    });

    it('a plugin that also sets enable false in the config/plugin.prod.js exports require cached is judged all the same (review 21, #2)', async () => {
      await expectHidingPluginJudged('hiding-cached-env', 'config/plugin.prod.js',
        "require.cache[require.resolve(path.join(app.baseDir, 'config/plugin.prod'))].exports.hiding.enable = false;");
    });

    it('a plugin that also names another env in the package.json egg 3 read through require\'s cache is judged all the same (review 23, #2)', async () => {
      await expectHidingPluginJudged('hiding-package', 'config/plugin.js', "require(path.join(__dirname, 'package.json')).eggPlugin.env = [ 'nowhere' ];");
    });

    it('an app enabling its plugins in config/plugin.js and config/plugin.prod.js boots clean, and require\'s cache keeps the modules egg loaded (review 21, #2)', async () => {
      const record = "'use strict';\nconst path = require('path');\nmodule.exports = app => { app.pluginModule = require.cache[require.resolve(path.join(app.baseDir, 'config/plugin.prod'))]; };\n";
      const app = tempApp('env-plugins', {
        'config/plugin.js': "exports.plain = { enable: true, path: require('path').join(__dirname, '../lib/plugin/plain') };\nexports.prodonly = false;\n",
        'config/plugin.prod.js': "exports.prodonly = { enable: true, path: require('path').join(__dirname, '../lib/plugin/prodonly') };\n",
        'config/config.default.js': "module.exports = { keys: 'env-plugins-Z4xC8vB1nM6qW3eR9tY5uI2o' };\n",
        'lib/plugin/plain/package.json': JSON.stringify({ name: 'plain', eggPlugin: { name: 'plain' } }),
        'lib/plugin/plain/app.js': "'use strict';\nmodule.exports = () => {};\n",
        'lib/plugin/prodonly/package.json': JSON.stringify({ name: 'prodonly', eggPlugin: { name: 'prodonly' } }),
        'lib/plugin/prodonly/app.js': record,
      });
      mm.env('prod');
      const booted = await bootApp(app);
      try {
        assert.deepEqual(Object.keys(booted.plugins).filter(name => [ 'plain', 'prodonly' ].includes(name)), [ 'plain', 'prodonly' ]);
        assert.ok((booted as any).pluginModule, 'the prod-only plugin ran');
        assert.equal(require.cache[require.resolve(path.join(app, 'config/plugin.prod'))], (booted as any).pluginModule);
      } finally {
        await booted.close();
      }
      assert.deepEqual(findings(app), []);
    });

    it('a config/plugin.js whose code throws when run again refuses boot, naming the file (review 21, #2)', async () => {
      const app = tempApp('plugin-once', {
        'config/plugin.js': "if (global.__sentinelPluginOnce) throw new Error('already ran');\nglobal.__sentinelPluginOnce = true;\nexports.view = false;\n",
        'config/config.default.js': "module.exports = { keys: 'plugin-once-Z4xC8vB1nM6qW3eR9tY5uI2o' };\n",
      });
      try {
        const message = await expectRefused(app, /could not derive the plugin list again/);
        assert.match(message, new RegExp(`\\(${escapeRegExp(path.join(app, 'config/plugin.js'))} threw when compiled again: already ran\\)`));
        assert.match(message, /a config\/plugin\.\* file must run again as it ran at boot \(no top-level code that throws the second time\)/);
      } finally {
        delete (global as any).__sentinelPluginOnce;
      }
    });

    it('a plugin egg loaded from lib/plugin is judged once, as egg listed it, whether or not its boot hook edits egg\'s lists', async () => {
      const hook = (name: string) => `'use strict';\nmodule.exports = class { constructor(app) { delete app.loader.plugins.${name}; } };\n`;
      const app = tempApp('local-plugins', {
        'config/plugin.js': "exports.plain = { enable: true, path: require('path').join(__dirname, '../lib/plugin/plain') };\n" +
          "exports.quiet = { enable: true, path: require('path').join(__dirname, '../lib/plugin/quiet') };\n",
        'config/config.default.js': "module.exports = { keys: 'local-plugins-Z4xC8vB1nM6qW3eR9tY5uI2o' };\n",
        'lib/plugin/plain/package.json': JSON.stringify({ name: 'plain', eggPlugin: { name: 'plain' } }),
        'lib/plugin/plain/app.js': "'use strict';\nmodule.exports = () => {};\n",
        'lib/plugin/quiet/package.json': JSON.stringify({ name: 'quiet', eggPlugin: { name: 'quiet' } }),
        'lib/plugin/quiet/app.js': hook('quiet'),
      });
      mm.env('prod');
      const booted = await bootApp(app);
      await booted.close();
      assert.deepEqual(findings(app, 'SEN101'), []);
    });

    it('a symlink out of node_modules refuses boot too, named with the link it came through', async () => {
      const target = tempDir('linked-plugin');
      writePlugin(target, 'linked');
      const link = path.join(fixture('plugin-symlink'), 'node_modules/egg-linked');
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(target, link);
      try {
        mm.env('prod');
        const message = await expectRefused(fixture('plugin-symlink'), /SEN101/);
        assert.match(message, new RegExp(`plugin linked \\(egg-linked\\) is loaded from ${fs.realpathSync(target)}`));
      } finally {
        fs.rmSync(path.join(fixture('plugin-symlink'), 'node_modules'), { recursive: true, force: true });
      }
    });

    it('a local root outside the app, or a symlink in it that leads out, is reported as medium; the plugin it holds is not refused', async () => {
      const app = copyFixture('plugin-secure');
      const shared = tempDir('shared-plugins');
      writePlugin(path.join(shared, 'outside'), 'outside');
      fs.symlinkSync(shared, path.join(app, 'vendor-plugins'));
      fs.writeFileSync(path.join(app, 'config/plugin.prod.ts'), `export default { outside: { enable: true, path: ${JSON.stringify(path.join(shared, 'outside'))} } };\n`);
      fs.writeFileSync(path.join(app, 'config/config.prod.ts'),
        `export default { sentinel: { plugins: { localRoots: [ 'lib/plugin', ${JSON.stringify(shared)}, 'vendor-plugins' ] } } };\n`);
      mm.env('prod');
      const booted = await bootApp(app);
      await booted.close();
      const hits = findings(app, 'SEN101');
      const real = fs.realpathSync(shared);
      assert.deepEqual(hits.map(hit => [ hit.target, hit.severity, hit.source ]), [
        [ 'config.sentinel.plugins.localRoots[1]', 'medium', 'config/config.prod.ts' ],
        [ 'config.sentinel.plugins.localRoots[2]', 'medium', 'config/config.prod.ts' ],
      ]);
      assert.equal(hits[0].message, `config.sentinel.plugins.localRoots[1] is ${real}, outside the app root: a plugin there is trusted though it is neither ` +
        'part of the app\'s source nor installed from its lockfile, so whatever that directory holds when the app starts runs as the app');
      assert.match(hits[1].fix, /pin its plugins with `npx egg-sentinel pin`, and waive SEN101 for config\.sentinel\.plugins\.localRoots\[2\] with the reason/);
    });

    it('plugins in lib/plugin and in the app\'s node_modules are trusted (the secure fixture, prod)', async () => {
      mm.env('prod');
      const app = await bootApp(fixture('plugin-secure'));
      try {
        assert.deepEqual(findings(fixture('plugin-secure')), []);
        assert.equal((app.config as any).tidyLoaded, true, 'the installed plugin really ran');
        assert.equal((app.config as any).auditLogLoaded, true, 'the local plugin really ran');
      } finally {
        await app.close();
      }
    });
  });

  describe('SEN102: typosquats', () => {
    it('egg-securty refuses boot while the real egg-security, loaded too, does not fire', async () => {
      mm.env('prod');
      const message = await expectRefused(fixture('plugin-typosquat'), /SEN102/);
      assert.match(message, /plugin securty \(egg-securty\): the package "egg-securty" is a look-alike of egg-security/);
      const hits = findings(fixture('plugin-typosquat'), 'SEN102');
      assert.deepEqual(hits.map(hit => hit.target), [ 'plugin:securty' ]);
      assert.deepEqual(findings(fixture('plugin-typosquat')).filter(hit => hit.ruleId !== 'SEN102'), [], 'nothing else: the look-alike is locked and local');
    });

    it('a plugin package installed under another package\'s name (an npm alias: "egg-cors": "npm:egg-evil@1") refuses boot, naming both; under a name no one trusts it is medium; under its own name nothing (black-box round 38, h3 M1)', async () => {
      mm.env('prod');
      // The package egg-evil installed in node_modules/<key>, which config/plugin.ts names.
      const installed = (key: string) => {
        const dir = copyFixture('plugin-typosquat');
        fs.renameSync(path.join(dir, 'node_modules/egg-securty'), path.join(dir, 'node_modules', key));
        fs.writeFileSync(path.join(dir, 'node_modules', key, 'package.json'), JSON.stringify({ name: 'egg-evil', version: '1.0.0', eggPlugin: { name: 'audit' } }));
        fs.writeFileSync(path.join(dir, 'config/plugin.ts'), `export default {\n  audit: { enable: true, package: '${key}' },\n};\n`);
        fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'plugin-typosquat', lockfileVersion: 3, requires: true,
          packages: { '': { name: 'plugin-typosquat' }, [`node_modules/${key}`]: { ...(key !== 'egg-evil' && { name: 'egg-evil' }), version: '1.0.0',
            resolved: 'https://registry.npmjs.org/egg-evil/-/egg-evil-1.0.0.tgz', integrity: `sha512-${'q'.repeat(86)}==` } } }));
        return dir;
      };
      // Under a well-known name (egg-cors): high, refused.
      const aliased = installed('egg-cors');
      const message = await expectRefused(aliased, /SEN102/);
      assert.match(message, /plugin audit \(egg-evil\): egg looks the plugin up as "egg-cors", and node_modules\/egg-cors holds the package "egg-evil" installed under that name/);
      assert.deepEqual(findings(aliased, 'SEN102').map(hit => [ hit.target, hit.severity ]), [ [ 'plugin:audit', 'high' ] ]);
      // Under a name of its own project's (a fork): said, medium.
      const fork = installed('egg-audit');
      await (await bootApp(fork)).close();
      assert.deepEqual(findings(fork, 'SEN102').map(hit => [ hit.target, hit.severity ]), [ [ 'plugin:audit', 'medium' ] ]);
      // Named as itself: nothing to say.
      const named = installed('egg-evil');
      await (await bootApp(named)).close();
      assert.deepEqual(findings(named, 'SEN102'), []);
    });

    it('the app\'s own path plugin named like a well-known package (lib/plugin/egg-jwt2) is no typosquat: no registry installs it (black-box round 24)', async () => {
      mm.env('prod');
      const dir = copyFixture('plugin-secure');
      const manifest = path.join(dir, 'lib/plugin/audit-log/package.json');
      fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf8')), name: 'egg-jwt2' }));
      const app = await bootApp(dir);
      try {
        assert.deepEqual(findings(dir), []);
        assert.equal((app.config as any).auditLogLoaded, true, 'the local plugin really ran');
      } finally {
        await app.close();
      }
    });
  });

  describe('SEN103: plugin packages not locked', () => {
    it('a plugin missing from the lockfile and one at another version than locked refuse boot in prod', async () => {
      mm.env('prod');
      const message = await expectRefused(fixture('plugin-unlocked'), /SEN103/);
      assert.match(message, /plugin ledger \(egg-ledger\)@1\.3\.0 installed version 1\.3\.0 differs from the locked 1\.2\.0/);
      assert.match(message, /plugin stamp \(egg-stamp\)@0\.4\.0 is installed but package-lock\.json does not list it/);
      assert.match(message, /plugin noname@\? lies in node_modules with no package name \(its `path` leads there\): no install put it there, and package-lock\.json cannot pin it/);
      assert.deepEqual(findings(fixture('plugin-unlocked'), 'SEN103').map(hit => hit.target).sort(), [ 'plugin:ledger', 'plugin:noname', 'plugin:stamp' ]);
    });

    it('on a developer machine the same findings are low and boot goes on', async () => {
      const app = await bootApp(fixture('plugin-unlocked'));
      try {
        const hits = findings(fixture('plugin-unlocked'), 'SEN103');
        assert.equal(hits.length, 3);
        assert.ok(hits.every(hit => hit.severity === 'low' && !hit.blocking));
      } finally {
        await app.close();
      }
    });

    it('a plugin a framework package ships in its own lib/plugin is locked as that package; unlisted, the message names the framework (black-box round 27, h90 F2)', async () => {
      // acme-egg: a framework package extending egg, which enables its bundled plugin by path.
      const app = tempDir('framework-plugin');
      const framework = path.join(app, 'node_modules/acme-egg');
      const files: Record<string, string> = {
        'package.json': JSON.stringify({ name: 'framework-plugin-app', egg: { framework: 'acme-egg' }, dependencies: { 'acme-egg': '^1.0.0' } }),
        'config/config.default.js': "module.exports = { keys: 'framework-plugin-K8vR2nQ7xL4mZ9tB3wY6pD1hF5jC0sG2' };\n",
        'node_modules/acme-egg/package.json': JSON.stringify({ name: 'acme-egg', version: '1.0.0', dependencies: { egg: '^3.0.0' } }),
        'node_modules/acme-egg/index.js': "'use strict';\nconst egg = require('egg');\nconst EGG_PATH = Symbol.for('egg#eggPath');\n" +
          'class Application extends egg.Application { get [EGG_PATH]() { return __dirname; } }\n' +
          'class Agent extends egg.Agent { get [EGG_PATH]() { return __dirname; } }\n' +
          'module.exports = { ...egg, Application, Agent };\n',
        'node_modules/acme-egg/config/plugin.js': "'use strict';\nconst path = require('path');\n" +
          "exports.acmeTrace = { enable: true, path: path.join(__dirname, '../lib/plugin/egg-acme-trace') };\n",
        'node_modules/acme-egg/lib/plugin/egg-acme-trace/package.json': JSON.stringify({ name: 'egg-acme-trace', version: '0.3.0', eggPlugin: { name: 'acmeTrace' } }),
        'node_modules/acme-egg/lib/plugin/egg-acme-trace/app.js': "'use strict';\nmodule.exports = app => { app.acmeTraced = true; };\n",
      };
      for (const [ file, text ] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
        fs.writeFileSync(path.join(app, file), text);
      }
      fs.symlinkSync(path.dirname(require.resolve('egg/package.json')), path.join(app, 'node_modules/egg'));
      const integrity = `sha512-${'q'.repeat(86)}==`;
      const lock = (packages: object) => fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'framework-plugin-app', lockfileVersion: 3, requires: true, packages: {
        '': { name: 'framework-plugin-app', dependencies: { 'acme-egg': '^1.0.0' } }, ...packages } }));
      lock({ 'node_modules/acme-egg': { version: '1.0.0', resolved: 'https://registry.npmjs.org/acme-egg/-/acme-egg-1.0.0.tgz', integrity } });
      mm.env('prod');
      const booted = await bootApp(app);
      try {
        assert.equal(booted.plugins.acmeTrace?.path, fs.realpathSync(path.join(framework, 'lib/plugin/egg-acme-trace')));
        assert.equal((booted as any).acmeTraced, true, 'egg loads the framework\'s plugin');
      } finally {
        await booted.close();
      }
      assert.deepEqual(findings(app, 'SEN103'), []);

      lock({});
      const message = await expectRefused(app, /SEN103/);
      assert.match(message, /plugin acmeTrace \(egg-acme-trace\)@0\.3\.0 lies inside acme-egg@1\.0\.0, which package-lock\.json does not list/);
      lock({ 'node_modules/acme-egg': { version: '0.9.0', resolved: 'https://registry.npmjs.org/acme-egg/-/acme-egg-0.9.0.tgz', integrity } });
      assert.match(await expectRefused(app, /SEN103/), /installed version 1\.0\.0 of acme-egg, which holds it, differs from the locked 0\.9\.0/);
    });

    it('npm\'s linked install: a plugin the framework pulls in from node_modules/.store is locked by its lockfile entry; listed again with its integrity from a mirror or bundled in another package it still is; at another version, listed twice with different contents, from a host no registry, or listed as null it is not (black-box round 33, h109 F2; code review of session 25, finding 5; of session 26, finding 9)', async () => {
      // `npm install --install-strategy=linked`: packages live in node_modules/.store/<name>@<version>-<hash>/node_modules/<name>,
      // the app's own dependencies are linked into node_modules, and a dependency's dependencies beside it in the store.
      const app = tempDir('linked-store');
      const store = (name: string, version: string) => `node_modules/.store/${name}@${version}-Xq3Lm9Vt-Rw2Nb7Yc4Hk_Q/node_modules`;
      const framework = `${store('acme-egg', '1.0.0')}/acme-egg`;
      const files: Record<string, string> = {
        'package.json': JSON.stringify({ name: 'linked-store-app', egg: { framework: 'acme-egg' }, dependencies: { 'acme-egg': '^1.0.0' } }),
        'config/config.default.js': "module.exports = { keys: 'linked-store-K8vR2nQ7xL4mZ9tB3wY6pD1hF5jC0sG2' };\n",
        [`${framework}/package.json`]: JSON.stringify({ name: 'acme-egg', version: '1.0.0', dependencies: { egg: '^3.0.0', 'egg-lens': '^1.0.0' } }),
        [`${framework}/index.js`]: "'use strict';\nconst egg = require('egg');\nconst EGG_PATH = Symbol.for('egg#eggPath');\n" +
          'class Application extends egg.Application { get [EGG_PATH]() { return __dirname; } }\n' +
          'class Agent extends egg.Agent { get [EGG_PATH]() { return __dirname; } }\n' +
          'module.exports = { ...egg, Application, Agent };\n',
        [`${framework}/config/plugin.js`]: "exports.lens = { enable: true, package: 'egg-lens' };\n",
      };
      for (const [ file, text ] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
        fs.writeFileSync(path.join(app, file), text);
      }
      writePlugin(path.join(app, store('egg-lens', '1.0.0'), 'egg-lens'), 'lens');
      fs.symlinkSync(path.join(app, framework), path.join(app, 'node_modules/acme-egg'));
      fs.symlinkSync(path.join(app, store('egg-lens', '1.0.0'), 'egg-lens'), path.join(app, store('acme-egg', '1.0.0'), 'egg-lens'));
      fs.symlinkSync(path.dirname(require.resolve('egg/package.json')), path.join(app, store('acme-egg', '1.0.0'), 'egg'));
      const integrity = `sha512-${'q'.repeat(86)}==`;
      // npm writes the lockfile of a linked install as of a hoisted one: every package at node_modules/<name>.
      const lock = (lensVersion: string, more: Record<string, unknown> = {}) => fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'linked-store-app', lockfileVersion: 3, requires: true, packages: {
        '': { name: 'linked-store-app', dependencies: { 'acme-egg': '^1.0.0' } },
        'node_modules/acme-egg': { version: '1.0.0', resolved: 'https://registry.npmjs.org/acme-egg/-/acme-egg-1.0.0.tgz', integrity },
        'node_modules/egg-lens': { version: lensVersion, resolved: `https://registry.npmjs.org/egg-lens/-/egg-lens-${lensVersion}.tgz`, integrity },
        ...more,
      } }));
      lock('1.0.0');
      mm.env('prod');
      const booted = await bootApp(app);
      try {
        assert.equal(booted.plugins.lens?.path, fs.realpathSync(path.join(app, store('egg-lens', '1.0.0'), 'egg-lens')));
      } finally {
        await booted.close();
      }
      assert.deepEqual(findings(app, 'SEN103'), []);

      lock('0.9.0');
      assert.match(await expectRefused(app, /SEN103/), /plugin lens \(egg-lens\)@1\.0\.0 is installed but package-lock\.json does not list it/);

      // egg-lens@1.0.0 listed a second time, as npm records a copy it could not dedupe: from the same source it vouches as one.
      const nested = 'node_modules/acme-egg/node_modules/egg-lens';
      lock('1.0.0', { [nested]: { version: '1.0.0', resolved: 'https://registry.npmjs.org/egg-lens/-/egg-lens-1.0.0.tgz', integrity } });
      await (await bootApp(app)).close();
      assert.deepEqual(findings(app, 'SEN103'), []);
      // The same tarball (one integrity) from a mirror, and a copy bundled inside another package (no store directory of
      // its own): one content, and nothing the store holds (code review of session 26, finding 9).
      lock('1.0.0', {
        [nested]: { version: '1.0.0', resolved: 'https://registry.npmmirror.com/egg-lens/-/egg-lens-1.0.0.tgz', integrity },
        'node_modules/acme-egg/node_modules/egg-tool/node_modules/egg-lens': { version: '1.0.0', inBundle: true },
      });
      await (await bootApp(app)).close();
      assert.deepEqual(findings(app, 'SEN103'), []);
      // One content still has each of its URLs judged: npm may fetch it from any of them.
      lock('1.0.0', { [nested]: { version: '1.0.0', resolved: 'https://npm.example-mirror.net/egg-lens/-/egg-lens-1.0.0.tgz', integrity } });
      assert.match(await expectRefused(app, /SEN103/), /plugin lens \(egg-lens\)@1\.0\.0 was resolved from https:\/\/npm\.example-mirror\.net\/\S+, on host npm\.example-mirror\.net/);
      // From a git commit: the store holds a directory for each source, and this one may be the commit's.
      lock('1.0.0', { [nested]: { version: '1.0.0', resolved: 'git+ssh://git@github.com/someone/egg-lens.git#0123456789abcdef0123456789abcdef01234567', integrity: `sha512-${'g'.repeat(86)}==` } });
      assert.match(await expectRefused(app, /SEN103/), new RegExp('plugin lens \\(egg-lens\\)@1\\.0\\.0 is installed in npm\'s linked store \\(node_modules/\\.store\\), and package-lock\\.json lists ' +
        `egg-lens@1\\.0\\.0 2 times with different contents \\(node_modules/egg-lens, ${escapeRegExp(nested)}\\): which one the store copy was installed from cannot be told`));
      // A lockfile whose entry is null is unreadable, said so, not a crash.
      lock('1.0.0', { 'node_modules/egg-lens': null });
      assert.match(await expectRefused(app, /SEN103/), /plugin lens \(egg-lens\)@1\.0\.0 cannot be checked: \S*package-lock\.json lists "packages"\["node_modules\/egg-lens"\] as null, not an entry object: regenerate it/);
    });

    it('a named plugin inside a node_modules directory no package names is as nameless: no install put it there (review of round 27, M7)', async () => {
      const dir = copyFixture('plugin-unlocked');
      writePlugin(path.join(dir, 'node_modules/.cache/tools/egg-stampede'), 'stampede');
      fs.writeFileSync(path.join(dir, 'config/plugin.ts'), "import path from 'node:path';\n\nexport default {\n" +
        "  stampede: { enable: true, path: path.join(__dirname, '../node_modules/.cache/tools/egg-stampede') },\n};\n");
      mm.env('prod');
      const message = await expectRefused(dir, /SEN103/);
      assert.match(message, /plugin stampede \(egg-stampede\)@1\.0\.0 lies in node_modules with no package name \(its `path` leads there\): no install put it there/);
    });

    it('an app without any lockfile is one finding in prod, listing the packages it leaves unlocked', async () => {
      const dir = copyFixture('plugin-unlocked');
      fs.rmSync(path.join(dir, 'package-lock.json'));
      mm.env('prod');
      const message = await expectRefused(dir, /SEN103/);
      assert.match(message, /no lockfile \(package-lock\.json, npm-shrinkwrap\.json, pnpm-lock\.yaml or yarn\.lock\) at or above the app root, which installed the plugin package\(s\) egg-ledger, egg-stamp/);
    });

    it('a plugin, or a package it pulls in, locked to a tarball on a host that is no registry the app installs from refuses boot; .npmrc and plugins.registries admit a registry', async () => {
      const app = copyFixture('plugin-secure');
      const tidy = path.join(app, 'node_modules/egg-tidy');
      fs.writeFileSync(path.join(tidy, 'package.json'), JSON.stringify({ name: 'egg-tidy', version: '2.1.0', eggPlugin: { name: 'tidy' }, dependencies: { 'tidy-helper': '^1.0.0' } }));
      fs.mkdirSync(path.join(app, 'node_modules/tidy-helper'));
      fs.writeFileSync(path.join(app, 'node_modules/tidy-helper/package.json'), JSON.stringify({ name: 'tidy-helper', version: '1.0.0' }));
      const integrity = `sha512-${'q'.repeat(86)}==`;
      fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'plugin-secure', lockfileVersion: 3, requires: true, packages: {
        '': { name: 'plugin-secure' },
        // The npm registry's host name as a prefix of the attacker's: a startsWith on the host would take it.
        'node_modules/egg-tidy': { version: '2.1.0', resolved: 'https://registry.npmjs.org.evil.net/egg-tidy/-/egg-tidy-2.1.0.tgz', integrity },
        'node_modules/tidy-helper': { version: '1.0.0', resolved: 'https://evil.example.net/x.tgz', integrity },
      } }));
      mm.env('prod');
      const message = await expectRefused(app, /SEN103/);
      assert.match(message, /plugin tidy \(egg-tidy\)@2\.1\.0 was resolved from https:\/\/registry\.npmjs\.org\.evil\.net\/egg-tidy\/-\/egg-tidy-2\.1\.0\.tgz, on host registry\.npmjs\.org\.evil\.net, which is no registry the app installs from \(package-lock\.json\)/);
      assert.match(message, /plugin tidy \(egg-tidy\)@2\.1\.0 pulls in packages its lockfile does not pin to a registry the app installs from: tidy-helper@1\.0\.0 was resolved from https:\/\/evil\.example\.net\/x\.tgz, on host evil\.example\.net/);
      assert.match(message, /add its URL to `config\.sentinel\.plugins\.registries` \(or `registry=` in the app's \.npmrc\); otherwise reinstall the package from the registry/);
      assert.deepEqual(findings(app, 'SEN103').map(hit => [ hit.target, hit.severity ]), [ [ 'plugin:tidy', 'high' ], [ 'plugin:tidy', 'high' ] ]);
      // The registry the app's .npmrc names for a scope counts; one a path prefix names only covers what lies below it.
      fs.writeFileSync(path.join(app, '.npmrc'), '@acme:registry=https://registry.npmjs.org.evil.net/\nregistry=https://evil.example.net/npm/\n');
      const npmrc = await expectRefused(app, /SEN103/);
      assert.ok(!npmrc.includes('egg-tidy-2.1.0.tgz'), npmrc);
      assert.match(npmrc, /tidy-helper@1\.0\.0 was resolved from https:\/\/evil\.example\.net\/x\.tgz/);
      fs.writeFileSync(path.join(app, 'config/config.prod.ts'), "export default { sentinel: { plugins: { registries: [ 'https://evil.example.net/' ] } } };\n");
      const allowed = await bootApp(app);
      await allowed.close();
      assert.deepEqual(findings(app), []);
    });

    it('the audit reports a registry it accepts only through the user\'s or the environment\'s npm config, which a boot without that config refuses; plugins.registries makes them agree (h74 F4)', async () => {
      const registry = 'https://nexus.acme.example/repository/npm-group/';
      const app = copyFixture('plugin-secure');
      const lockfile = path.join(app, 'package-lock.json');
      fs.writeFileSync(lockfile, fs.readFileSync(lockfile, 'utf8').replace('https://registry.npmjs.org/', registry));
      // A CI machine's npm config: a temp ~/.npmrc, or npm_config_registry (npx sets it from NPM_CONFIG_USERCONFIG's file).
      const home = tempDir('npm-home');
      fs.writeFileSync(path.join(home, '.npmrc'), `registry=${registry}\n`);
      const noUserConfig = () => {
        for (const name of Object.keys(process.env)) if (name.toLowerCase() === 'npm_config_registry') mm(process.env, name, '');
        mm(process.env, 'HOME', tempDir('empty-home'));
      };
      const audit = async () => {
        const run = await sentinel([ 'audit', '--base-dir', app, '--env', 'prod', '--format', 'json' ]);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        return (JSON.parse(run.stdout).findings as Array<Record<string, string>>).filter(hit => hit.ruleId === 'SEN103');
      };
      noUserConfig();
      mm(process.env, 'HOME', home);
      const [ fromHome, ...more ] = await audit();
      assert.deepEqual([ fromHome?.severity, fromHome?.target, fromHome?.source, more.length ], [ 'medium', `registry:${registry}`, '~/.npmrc (registry)', 0 ]);
      assert.equal(fromHome.message, `this audit accepts ${registry} only because ~/.npmrc (registry) names it, the user's or the environment's npm config ` +
        '(npx and npm run set npm_config_registry from ~/.npmrc, NPM_CONFIG_USERCONFIG and the global npmrc): the lockfile URLs of 1 package(s) of 1 plugin(s) (tidy) ' +
        'lie there, and a boot started without that config (a production image without the .npmrc) refuses each of those plugins (SEN103)');
      assert.equal(fromHome.fix, `Add it to config.sentinel.plugins.registries (\`sentinel: { plugins: { registries: [ '${registry}' ] } }\`), or \`registry=${registry}\` ` +
        'to the app\'s own .npmrc, so that the boot accepts it as this audit does.');
      noUserConfig();
      mm(process.env, 'npm_config_registry', registry);
      assert.deepEqual((await audit()).map(hit => `${hit.severity} ${hit.source}`), [ 'medium npm_config_registry' ]);
      // What the audit warns of: the boot of the same build without that config refuses the plugin.
      noUserConfig();
      mm.env('prod');
      const refused = await expectRefused(app, /SEN103/);
      assert.match(refused, /plugin tidy \(egg-tidy\)@2\.1\.0 was resolved from https:\/\/nexus\.acme\.example\/repository\/npm-group\/egg-tidy\/-\/egg-tidy-2\.1\.0\.tgz, on host nexus\.acme\.example, which is no registry the app installs from/);
      // With the registry in the app's own config, boot and audit agree: nothing to report.
      fs.writeFileSync(path.join(app, 'config/config.prod.ts'), `export default { sentinel: { plugins: { registries: [ '${registry}' ] } } };\n`);
      const booted = await bootApp(app);
      await booted.close();
      assert.deepEqual(findings(app, 'SEN103'), []);
      mm(process.env, 'HOME', home);
      assert.deepEqual(await audit(), []);
    });

    it('a lockfile that is not JSON is a finding naming the file and the fix, not a crash', async () => {
      const dir = copyFixture('plugin-unlocked');
      fs.writeFileSync(path.join(dir, 'package-lock.json'), '{ "lockfileVersion": 3, ');
      mm.env('prod');
      const message = await expectRefused(dir, /SEN103/);
      assert.match(message, /package-lock\.json is not valid JSON .*npm install --package-lock-only/);
    });
  });

  describe('SEN104 and `egg-sentinel pin`: plugin files against sentinel.lock.json', () => {
    let dir: string;
    before(async () => {
      dir = copyFixture('plugin-secure');
      const pinned = await sentinel([ 'pin', '--base-dir', dir ]);
      assert.equal(pinned.code, 0, pinned.stderr);
      assert.match(pinned.stdout, /sentinel\.lock\.json: \d+ plugin\(s\) pinned for env prod/);
    });

    it('writes a sorted, deterministic manifest with relative paths and a SHA-256 per file', async () => {
      const text = fs.readFileSync(path.join(dir, 'sentinel.lock.json'), 'utf8');
      const manifest = JSON.parse(text);
      assert.deepEqual(manifest.envs, [ 'prod' ]);
      assert.equal(manifest.plugins.tidy.path, 'node_modules/egg-tidy');
      assert.equal(manifest.plugins.auditLog.path, 'lib/plugin/audit-log');
      assert.deepEqual(Object.keys(manifest.plugins.tidy.files), [ 'app.js', 'config/config.default.js', 'package.json' ]);
      const expected = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, 'node_modules/egg-tidy/app.js'))).digest('hex');
      assert.equal(manifest.plugins.tidy.files['app.js'], expected);
      assert.ok(manifest.plugins.security, 'egg\'s own plugins are pinned too');
      assert.equal(manifest.plugins.development, undefined, 'egg-development is not enabled in prod');
      assert.deepEqual(Object.keys(manifest.plugins), Object.keys(manifest.plugins).sort());
      assert.equal((await sentinel([ 'pin', '--base-dir', dir ])).code, 0);
      assert.equal(fs.readFileSync(path.join(dir, 'sentinel.lock.json'), 'utf8'), text, 'pinning again writes the same bytes');
      assert.equal((await sentinel([ 'pin', '--check', '--base-dir', dir ])).code, 0);
      // Checked deeper than it was pinned, every dependency would read as added: a usage error naming the fix.
      const deeper = await sentinel([ 'pin', '--check', '--deep', '--base-dir', dir ]);
      assert.equal(deeper.code, 2);
      assert.match(deeper.stderr, /sentinel\.lock\.json was pinned without --deep, so it lists no dependencies to check; run `npx egg-sentinel pin --deep` and commit the manifest, or check without --deep/);
      assert.equal(deeper.stdout, '');
      // A misspelled env pins what config.default enables: said, not silent (checked, so the manifest stays as it was).
      const typo = await sentinel([ 'pin', '--check', '--env', 'prdo', '--base-dir', dir ]);
      assert.match(typo.stderr, /env "prdo" has no config\/config\.prdo\.\* or config\/plugin\.prdo\.\* file in the app/);
      assert.doesNotMatch((await sentinel([ 'pin', '--check', '--base-dir', dir ])).stderr, /has no config/);
    });

    it('pinning again keeps the envs and depth of the existing manifest (what --check advises after a reviewed change)', async () => {
      const app = copyFixture('plugin-secure');
      assert.equal((await sentinel([ 'pin', '--deep', '--env', 'prod', '--env', 'local', '--base-dir', app ])).code, 0);
      const again = await sentinel([ 'pin', '--base-dir', app ]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /egg-sentinel pin: env prod, local and --deep, as the existing sentinel\.lock\.json was pinned/);
      const manifest = JSON.parse(fs.readFileSync(path.join(app, 'sentinel.lock.json'), 'utf8'));
      assert.deepEqual([ manifest.envs, manifest.deep ], [ [ 'prod', 'local' ], true ]);
      const narrowed = await sentinel([ 'pin', '--env', 'prod', '--base-dir', app ]);
      assert.match(narrowed.stderr, /egg-sentinel pin: --deep, as the existing/);
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(app, 'sentinel.lock.json'), 'utf8')).envs, [ 'prod' ], 'an --env given wins');
      fs.writeFileSync(path.join(app, 'sentinel.lock.json'), '{ broken');
      assert.match((await sentinel([ 'pin', '--base-dir', app ])).stderr, /the existing manifest cannot be read .*, so its envs and depth are not kept: pass --env and --deep as it was pinned/);
    });

    it('pin needs none of production\'s secrets: a config reading an unset env.secret() is loaded for its plugin list', async () => {
      const app = copyFixture('plugin-secure');
      const index = path.join(__dirname, '../index').split(path.sep).join('/');
      fs.writeFileSync(path.join(app, 'config/config.prod.ts'), `import { env } from '${index}';\n\nexport default { keys: env.secret('PIN_TEST_UNSET_KEYS') };\n`);
      assert.equal(process.env.PIN_TEST_UNSET_KEYS, undefined);
      const pinned = await sentinel([ 'pin', '--base-dir', app ]);
      assert.equal(pinned.code, 0, pinned.stderr);
      assert.equal((await sentinel([ 'pin', '--check', '--base-dir', app ])).code, 0);
      // Only while pin loads the app: afterwards an unset variable stops a load again, naming it.
      assert.throws(() => env.secret('PIN_TEST_UNSET_KEYS'), /PIN_TEST_UNSET_KEYS is not set/);
    });

    it('the pinned secure fixture boots clean; the agent verified it once for the workers, and the handover is gone once ready', async () => {
      const app = await bootApp(dir);
      try {
        assert.deepEqual((app as any).sentinel.report.findings.filter((finding: any) => finding.ruleId.startsWith('SEN1')), []);
        // The agent hashed the pinned plugins once, after its ready; the worker used its facts and did not hash again.
        const pinned = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'sentinel.lock.json'), 'utf8')).plugins).length;
        const { verified } = (app as any).agent.sentinel.sharedFacts;
        // Every pinned plugin that is enabled in this env and is not egg-sentinel's own checkout: at least the two the fixture adds.
        assert.ok(verified >= 2 && verified <= pinned, `${verified} of ${pinned} pinned plugins verified`);
        assert.equal(typeof (app as any).sentinel.report.timings.handover, 'number');
        // Once the cluster is ready (egg-ready) the facts have served: the agent removed the file.
        assert.ok(!fs.existsSync(path.join(dir, 'run/sentinel-boot-facts.json')));
      } finally {
        await app.close();
      }
    });

    it('a byte changed in a pinned plugin\'s app.js, an added and a removed file refuse boot, naming plugin and files', async () => {
      const appJs = path.join(dir, 'node_modules/egg-tidy/app.js');
      const original = fs.readFileSync(appJs);
      const changed = Buffer.from(original);
      changed[original.indexOf('Keeps')] ^= 0x20; // `K` → `k` in a comment: one byte, still valid code that egg runs
      fs.writeFileSync(appJs, changed);
      fs.writeFileSync(path.join(dir, 'lib/plugin/audit-log/backdoor.ts'), 'export default 1;\n');
      const removed = path.join(dir, 'node_modules/egg-tidy/config/config.default.js');
      const removedText = fs.readFileSync(removed);
      fs.rmSync(removed);
      try {
        mm.env('prod');
        const message = await expectRefused(dir, /SEN104/);
        assert.match(message, /critical SEN104/);
        assert.match(message, /plugin tidy \(egg-tidy\) differs from sentinel\.lock\.json: changed: app\.js; removed: config\/config\.default\.js/);
        assert.match(message, /plugin auditLog \(audit-log\) differs from sentinel\.lock\.json: added: backdoor\.ts/);
        const check = await sentinel([ 'pin', '--check', '--base-dir', dir ]);
        assert.equal(check.code, 1);
        assert.match(check.stdout, /2 plugin\(s\) differ/);
        assert.match(check.stdout, /^ {2}tidy: changed: app\.js; removed: config\/config\.default\.js$/m);
      } finally {
        fs.writeFileSync(appJs, original);
        fs.writeFileSync(removed, removedText);
        fs.rmSync(path.join(dir, 'lib/plugin/audit-log/backdoor.ts'));
      }
      assert.equal((await sentinel([ 'pin', '--check', '--base-dir', dir ])).code, 0, 'restored files match again');
    });

    it('an app-held TypeScript plugin compiled in place (tsc\'s app.js beside app.ts) matches the manifest pinned from its sources (black-box round 24)', async () => {
      const plugin = path.join(dir, 'lib/plugin/audit-log');
      const manifestFile = path.join(dir, 'sentinel.lock.json');
      const pinnedFromSources = fs.readFileSync(manifestFile, 'utf8');
      const source = fs.readFileSync(path.join(plugin, 'app.ts'), 'utf8');
      // What egg's TypeScript deploy does (`tsc` without outDir): the compiled module, its map and declarations beside the source.
      const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2019, sourceMap: true } });
      const outputs = { 'app.js': compiled.outputText, 'app.js.map': compiled.sourceMapText ?? '{}', 'app.d.ts': 'export {};\n' };
      for (const [ file, text ] of Object.entries(outputs)) fs.writeFileSync(path.join(plugin, file), text);
      try {
        const check = await sentinel([ 'pin', '--check', '--base-dir', dir ]);
        assert.equal(check.code, 0, check.stdout);
        assert.equal((await sentinel([ 'pin', '--base-dir', dir ])).code, 0);
        assert.equal(fs.readFileSync(manifestFile, 'utf8'), pinnedFromSources, 'pinned in the built tree: the same manifest');
        // A module with no source beside it is no build output: it is the plugin's, and drift.
        fs.writeFileSync(path.join(plugin, 'backdoor.js'), 'module.exports = 1;\n');
        const added = await sentinel([ 'pin', '--check', '--base-dir', dir ]);
        assert.equal(added.code, 1);
        assert.match(added.stdout, /^ {2}auditLog: added: backdoor\.js$/m);
      } finally {
        for (const file of [ ...Object.keys(outputs), 'backdoor.js' ]) fs.rmSync(path.join(plugin, file), { force: true });
      }
    });

    it('a monorepo TypeScript plugin given by `path` outside the app, compiled in place after pinning (tsc\'s app.js beside app.ts): pin --check, the preflight and the boot match the manifest pinned from its sources; a changed app.ts and a .js with no .ts beside it are still refused (black-box round 36, h112 F2)', async () => {
      const root = path.join(__dirname, '..');
      const repo = tempDir('monorepo-ts-plugin');
      const plugin = path.join(repo, 'packages/egg-audit-log');
      const app = path.join(repo, 'packages/web');
      const source = 'export default (app: { auditLogLoaded?: boolean }) => {\n  app.auditLogLoaded = true;\n};\n';
      writeAppWithEgg(app, {
        [path.join(plugin, 'package.json')]: JSON.stringify({ name: 'egg-audit-log', version: '1.0.0', eggPlugin: { name: 'auditLog' } }),
        [path.join(plugin, 'app.ts')]: source,
        [path.join(app, 'package.json')]: JSON.stringify({ name: 'web' }),
        // The workspace root: the monorepo's packages are its source.
        [path.join(repo, 'package-lock.json')]: JSON.stringify({ name: 'repo', lockfileVersion: 3, requires: true, packages: { '': { name: 'repo', workspaces: [ 'packages/*' ] } } }),
        [path.join(app, 'config/plugin.js')]: "'use strict';\nconst path = require('path');\nexports.auditLog = { enable: true, path: path.join(__dirname, '../../egg-audit-log') };\n",
        // Booted under egg-mock, whose plugin the manifest cannot list, and with a plugin outside the app (SEN101): SEN104 about auditLog is what counts.
        [path.join(app, 'config/config.default.js')]: "module.exports = { keys: 'web-K8vR2nQ7xL4mZ9tB3wY6pD1hF5jC0sG2', sentinel: { failOn: 'never' } };\n",
      });
      const pinned = await sentinel([ 'pin', '--base-dir', app ]);
      assert.equal(pinned.code, 0, pinned.stderr);
      const manifestFile = path.join(app, 'sentinel.lock.json');
      const fromSources = fs.readFileSync(manifestFile, 'utf8');
      const entry = JSON.parse(fromSources).plugins.auditLog;
      assert.deepEqual([ entry.path, Object.keys(entry.files) ], [ '../egg-audit-log', [ 'app.ts', 'package.json' ] ]);
      // The deploy's build: tsc in the plugin's package, without outDir, its outputs beside the source.
      const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2019, sourceMap: true } });
      const outputs = { 'app.js': compiled.outputText, 'app.js.map': compiled.sourceMapText ?? '{}', 'app.d.ts': 'declare const _default: (app: object) => void;\nexport default _default;\n' };
      for (const [ file, text ] of Object.entries(outputs)) fs.writeFileSync(path.join(plugin, file), text);
      const check = await sentinel([ 'pin', '--check', '--base-dir', app ]);
      assert.equal(check.code, 0, check.stdout);
      const start = path.join(repo, 'start.js');
      fs.writeFileSync(start, 'console.log("preflight passed");\n');
      const preflight = () => spawnSync(process.execPath, [ '--require', path.join(root, 'preflight'), start, JSON.stringify({ baseDir: app }) ], {
        cwd: app, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), EGG_SERVER_ENV: 'prod' }, encoding: 'utf8' });
      const started = preflight();
      assert.equal(started.status, 0, started.stderr);
      assert.match(started.stdout, /preflight passed/);
      const booted = await bootApp(app);
      try {
        assert.equal((booted as any).auditLogLoaded, true, 'egg ran the compiled plugin');
        assert.deepEqual(reportFindings(booted, 'SEN104').filter(hit => hit.target === 'plugin:auditLog'), []);
      } finally {
        await booted.close();
      }
      assert.equal((await sentinel([ 'pin', '--base-dir', app ])).code, 0);
      assert.equal(fs.readFileSync(manifestFile, 'utf8'), fromSources, 'pinned after the build: the same manifest');
      // The source changed, and a module with no source beside it (no build output: the plugin's own) appeared.
      fs.appendFileSync(path.join(plugin, 'app.ts'), '// changed after pinning\n');
      fs.writeFileSync(path.join(plugin, 'backdoor.js'), 'module.exports = 1;\n');
      const refused = preflight();
      assert.equal(refused.status, 1, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /auditLog: changed: app\.ts; added: backdoor\.js$/m);
      const drift = await sentinel([ 'pin', '--check', '--base-dir', app ]);
      assert.equal(drift.code, 1, drift.stderr);
      assert.match(drift.stdout, /^ {2}auditLog: changed: app\.ts; added: backdoor\.js$/m);
    });

    it('a TypeScript plugin given by `path` outside the app, its git work tree and its workspace: tsc\'s app.js beside app.ts is pinned, recorded so, and a changed one refused; the decision stands wherever it is checked (code review 27b, #5)', async () => {
      const root = path.join(__dirname, '..');
      // Neither in a git work tree nor under a lockfile when pinned; the app has none of its own either.
      const top = tempDir('outside-ts-plugin');
      const outside = path.join(top, 'plugins/egg-audit-log');
      const app = path.join(top, 'web');
      writeAppWithEgg(app, {
        [path.join(outside, 'package.json')]: JSON.stringify({ name: 'egg-audit-log', version: '1.0.0', eggPlugin: { name: 'auditLog' } }),
        [path.join(outside, 'app.ts')]: 'export default () => undefined;\n',
        [path.join(outside, 'app.js')]: '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.default = () => undefined;\n',
        [path.join(app, 'package.json')]: JSON.stringify({ name: 'web' }),
        [path.join(app, 'config/plugin.js')]: `'use strict';\nexports.auditLog = { enable: true, path: ${JSON.stringify(outside)} };\n`,
        [path.join(app, 'config/config.default.js')]: "module.exports = { keys: 'web-K8vR2nQ7xL4mZ9tB3wY6pD1hF5jC0sG2', sentinel: { failOn: 'never' } };\n",
      });
      const pinned = await sentinel([ 'pin', '--base-dir', app ]);
      assert.equal(pinned.code, 0, pinned.stderr);
      const manifestFile = path.join(app, 'sentinel.lock.json');
      const entry = JSON.parse(fs.readFileSync(manifestFile, 'utf8')).plugins.auditLog;
      assert.deepEqual([ Object.keys(entry.files), entry.sourceTree ], [ [ 'app.js', 'app.ts', 'package.json' ], false ]);
      // A .git planted above both after pinning would make the plugin the project's source if it were decided again.
      fs.mkdirSync(path.join(top, '.git'));
      // What egg runs, changed where no project builds it.
      fs.appendFileSync(path.join(outside, 'app.js'), "require('child_process');\n");
      const drift = await sentinel([ 'pin', '--check', '--base-dir', app ]);
      assert.equal(drift.code, 1, drift.stdout);
      assert.match(drift.stdout, /^ {2}auditLog: changed: app\.js$/m);
      const start = path.join(app, 'start.js');
      fs.writeFileSync(start, 'console.log("preflight passed");\n');
      const refused = spawnSync(process.execPath, [ '--require', path.join(root, 'preflight'), start, JSON.stringify({ baseDir: app }) ], {
        cwd: app, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), EGG_SERVER_ENV: 'prod' }, encoding: 'utf8' });
      assert.equal(refused.status, 1, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /auditLog: changed: app\.js$/m);
    });

    it('a monorepo plugin pinned as the project\'s source stays one where the deploy has neither .git nor the workspace lockfile: the build\'s app.js beside app.ts is no drift (code review of 679d13a)', async () => {
      const repo = tempDir('monorepo-deployed');
      const plugin = path.join(repo, 'packages/egg-audit-log');
      const app = path.join(repo, 'packages/web');
      const lockfile = path.join(repo, 'package-lock.json');
      writeAppWithEgg(app, {
        [path.join(plugin, 'package.json')]: JSON.stringify({ name: 'egg-audit-log', version: '1.0.0', eggPlugin: { name: 'auditLog' } }),
        [path.join(plugin, 'app.ts')]: 'export default () => undefined;\n',
        [path.join(app, 'package.json')]: JSON.stringify({ name: 'web' }),
        [lockfile]: JSON.stringify({ name: 'repo', lockfileVersion: 3, requires: true, packages: { '': { name: 'repo', workspaces: [ 'packages/*' ] } } }),
        [path.join(app, 'config/plugin.js')]: "'use strict';\nconst path = require('path');\nexports.auditLog = { enable: true, path: path.join(__dirname, '../../egg-audit-log') };\n",
        [path.join(app, 'config/config.default.js')]: "module.exports = { keys: 'web-K8vR2nQ7xL4mZ9tB3wY6pD1hF5jC0sG2', sentinel: { failOn: 'never' } };\n",
      });
      assert.equal((await sentinel([ 'pin', '--base-dir', app ])).code, 0);
      assert.equal(JSON.parse(fs.readFileSync(path.join(app, 'sentinel.lock.json'), 'utf8')).plugins.auditLog.sourceTree, true);
      fs.rmSync(lockfile);
      fs.writeFileSync(path.join(plugin, 'app.js'), '"use strict";\nexports.default = () => undefined;\n');
      const check = await sentinel([ 'pin', '--check', '--base-dir', app ]);
      assert.equal(check.code, 0, check.stdout);
      const booted = await bootApp(app);
      try {
        assert.deepEqual(reportFindings(booted, 'SEN104').filter(hit => hit.target === 'plugin:auditLog'), []);
      } finally {
        await booted.close();
      }
    });

    it('an app started through a release symlink (current -> releases/rN, as egg-scripts start is given it): pin, pin --check, the preflight and the boot agree, and a changed pinned file is still refused (black-box round 36, h112 F4)', async () => {
      const root = path.join(__dirname, '..');
      const release = copyFixture('plugin-secure');
      const current = path.join(tempDir('release-link'), 'current');
      fs.symlinkSync(release, current);
      // `cd /srv/app/current && npx egg-sentinel pin`: the working directory is the release's real path.
      const pinned = await sentinel([ 'pin', '--base-dir', release ]);
      assert.equal(pinned.code, 0, pinned.stderr);
      const manifestFile = path.join(release, 'sentinel.lock.json');
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
      assert.deepEqual([ manifest.plugins.tidy.path, manifest.plugins.auditLog.path ], [ 'node_modules/egg-tidy', 'lib/plugin/audit-log' ]);
      // In unittest, where egg-mock's own plugin (pinned by no app) does not refuse boot; the pinned ones are verified all the same.
      const app = await bootApp(current);
      try {
        assert.deepEqual(reportFindings(app, 'SEN104'), []);
      } finally {
        await app.close();
      }
      // egg's own plugins lie outside the app, where the test runner installed them: found through the link as well.
      const check = await sentinel([ 'pin', '--check', '--base-dir', current ]);
      assert.equal(check.code, 0, check.stdout);
      // egg-scripts passes the symlinked baseDir in egg-cluster's options argument, as given on its command line.
      const entry = path.join(release, 'start.js');
      fs.writeFileSync(entry, 'console.log("preflight passed");\n');
      const preflight = spawnSync(process.execPath, [ '--require', path.join(root, 'preflight'), entry, JSON.stringify({ baseDir: current }) ], {
        cwd: current, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), EGG_SERVER_ENV: 'prod' }, encoding: 'utf8' });
      assert.equal(preflight.status, 0, preflight.stderr);
      const text = fs.readFileSync(manifestFile, 'utf8');
      assert.equal((await sentinel([ 'pin', '--base-dir', current ])).code, 0);
      assert.equal(fs.readFileSync(manifestFile, 'utf8'), text, 'pinned through the link: the same bytes');
      fs.appendFileSync(path.join(current, 'node_modules/egg-tidy/app.js'), '// changed after pinning\n');
      mm.env('prod');
      const refused = await expectRefused(current, /SEN104/);
      assert.match(refused, /plugin tidy \(egg-tidy\) differs from sentinel\.lock\.json: changed: app\.js\n/);
      assert.doesNotMatch(refused, /loads from/);
    });

    it('an app whose node_modules is a symlink to a directory the releases share (Capistrano\'s shared/node_modules), pinned in a checkout with its own: pin --check and the boot find no move, and a changed pinned file is still refused (code review 27b, #11)', async () => {
      const release = copyFixture('plugin-secure');
      const pinned = await sentinel([ 'pin', '--base-dir', release ]);
      assert.equal(pinned.code, 0, pinned.stderr);
      const manifestFile = path.join(release, 'sentinel.lock.json');
      const text = fs.readFileSync(manifestFile, 'utf8');
      const shared = path.join(tempDir('cap-shared'), 'node_modules');
      fs.renameSync(path.join(release, 'node_modules'), shared);
      fs.symlinkSync(shared, path.join(release, 'node_modules'));
      const check = await sentinel([ 'pin', '--check', '--base-dir', release ]);
      assert.equal(check.code, 0, check.stdout);
      assert.equal((await sentinel([ 'pin', '--base-dir', release ])).code, 0);
      assert.equal(fs.readFileSync(manifestFile, 'utf8'), text, 'pinned through the shared link: the same bytes as in the checkout');
      fs.appendFileSync(path.join(shared, 'egg-tidy/app.js'), '// changed after pinning\n');
      mm.env('prod');
      const refused = await expectRefused(release, /SEN104/);
      assert.match(refused, /plugin tidy \(egg-tidy\) differs from sentinel\.lock\.json: changed: app\.js\n/);
      assert.doesNotMatch(refused, /loads from/);
      // The release's lockfile pins what its node_modules link holds.
      assert.doesNotMatch(refused, /SEN103/);
    });

    it('pin --check finds a changed plugin config before running it: its code cannot rewrite the manifest first (black-box round 13)', async () => {
      const configJs = path.join(dir, 'node_modules/egg-tidy/config/config.default.js');
      const manifestFile = path.join(dir, 'sentinel.lock.json');
      const marker = path.join(dir, 'run/tampered-config-ran');
      const original = fs.readFileSync(configJs);
      const manifest = fs.readFileSync(manifestFile, 'utf8');
      // What a tampered plugin would do: run, then re-pin its own file in the manifest so the check passes.
      fs.writeFileSync(configJs, `${original}\n;require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');` +
        `(() => { const fs = require('fs'); const m = JSON.parse(fs.readFileSync(${JSON.stringify(manifestFile)}, 'utf8')); ` +
        `m.plugins.tidy.files['config/config.default.js'] = require('crypto').createHash('sha256').update(fs.readFileSync(__filename)).digest('hex'); ` +
        `fs.writeFileSync(${JSON.stringify(manifestFile)}, JSON.stringify(m, null, 2) + '\\n'); })();\n`);
      try {
        const check = await sentinel([ 'pin', '--check', '--base-dir', dir ]);
        assert.equal(check.code, 1, check.stderr);
        assert.match(check.stdout, /1 plugin\(s\) differ \(env .*\) \(found before loading any config: no plugin code ran\)/);
        assert.match(check.stdout, /^ {2}tidy: changed: config\/config\.default\.js$/m);
        assert.ok(!fs.existsSync(marker), 'the changed config did not run');
        assert.equal(fs.readFileSync(manifestFile, 'utf8'), manifest, 'the manifest is as committed');
      } finally {
        fs.writeFileSync(configJs, original);
        fs.writeFileSync(manifestFile, manifest);
        fs.rmSync(marker, { force: true });
      }
    });

    it('a changed copy of a pinned plugin where egg-core looks first (the app\'s own node_modules): the preflight and pin --check refuse it before its config runs, which egg would load (black-box round 33, h109 F4)', async () => {
      const root = path.join(__dirname, '..');
      // An app of its own: node caches what require.resolve found for the same paths, as egg-core resolved them for `dir` in this process.
      const app = copyFixture('plugin-secure');
      const pinned = await sentinel([ 'pin', '--base-dir', app ]);
      assert.equal(pinned.code, 0, pinned.stderr);
      // egg's own plugins are pinned where the test runner installed them, outside the app: egg-core searches the app first.
      const copy = path.join(app, 'node_modules/egg-jsonp');
      const marker = path.join(app, 'shadow-config-ran');
      const preflight = () => spawnSync(process.execPath, [ '--require', path.join(root, 'preflight'), '-e', 'console.log("preflight passed")' ], {
        cwd: app, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), EGG_SERVER_ENV: 'prod' }, encoding: 'utf8' });
      const untouched = preflight();
      assert.equal(untouched.status, 0, untouched.stderr);
      assert.match(untouched.stdout, /preflight passed/);
      const source = path.dirname(require.resolve('egg-jsonp/package.json'));
      fs.cpSync(source, copy, { recursive: true, filter: file => file !== path.join(source, 'node_modules') });
      // Its dependencies as the original finds them, so that egg can load the copy.
      fs.mkdirSync(path.join(copy, 'node_modules'));
      for (const dependency of Object.keys(JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8')).dependencies)) {
        fs.symlinkSync(path.dirname(require.resolve(`${dependency}/package.json`, { paths: [ source ] })), path.join(copy, 'node_modules', dependency));
      }
      const configJs = path.join(copy, 'config/config.default.js');
      fs.writeFileSync(configJs, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n${fs.readFileSync(configJs, 'utf8')}`);
      const shadowed = new RegExp(`jsonp: egg would load it from ${escapeRegExp(fs.realpathSync(copy))} and not from \\S*node_modules/egg-jsonp where it was pinned: that copy comes first in egg's plugin lookup`);
      try {
        const refused = preflight();
        assert.equal(refused.status, 1, refused.stderr);
        assert.match(refused.stderr, /refused to start \(SEN104\) in env prod: 1 plugin\(s\) pinned in sentinel\.lock\.json differ from it, before any of their code ran:/);
        assert.match(refused.stderr, shadowed);
        assert.doesNotMatch(refused.stdout, /preflight passed/);
        assert.ok(!fs.existsSync(marker), 'the preflight ran no plugin config');
        const check = await sentinel([ 'pin', '--check', '--base-dir', app ]);
        assert.equal(check.code, 1, check.stderr);
        assert.match(check.stdout, /1 plugin\(s\) differ \(env prod\) \(found before loading any config: no plugin code ran\)/);
        assert.match(check.stdout, shadowed);
        assert.ok(!fs.existsSync(marker), 'pin --check ran no plugin config');
        // What both keep from running: egg loads the copy (its config ran) before the boot check can refuse it.
        mm.env('prod');
        assert.match(await expectRefused(app, /SEN104/), /jsonp.* loads from node_modules\/egg-jsonp but was pinned at \S*node_modules\/egg-jsonp/);
        assert.ok(fs.existsSync(marker), 'egg ran the copy\'s config');
      } finally {
        fs.rmSync(copy, { recursive: true, force: true });
        fs.rmSync(marker, { force: true });
      }
      assert.equal((await sentinel([ 'pin', '--check', '--base-dir', app ])).code, 0, 'the untouched app matches again');
    });

    it('a `path:` plugin outside the app, in a monorepo whose root node_modules holds a published package of its name: pin --check and the preflight pass, as egg loads the path, unless EGG_PLUGINS or the start options give it a `package`; pin --check reports a change of lookup either way (code review of session 25, finding 4; of session 26, findings 8 and 11)', async () => {
      const root = path.join(__dirname, '..');
      const repo = tempDir('monorepo-path-plugin');
      const app = path.join(repo, 'apps/shop');
      const own = path.join(repo, 'plugins/egg-foo');
      writePlugin(own, 'foo');
      // A sibling workspace's dependency, hoisted to the root: first in egg-core's lookup by the name egg-foo.
      writePlugin(path.join(repo, 'node_modules/egg-foo'), 'foo');
      fs.writeFileSync(path.join(repo, 'node_modules/egg-foo/app.js'), "'use strict';\nmodule.exports = app => { app.publishedFoo = true; };\n");
      for (const [ file, text ] of Object.entries({
        'package.json': JSON.stringify({ name: 'shop' }),
        'config/plugin.js': "'use strict';\nconst path = require('path');\nexports.foo = { enable: true, path: path.join(__dirname, '../../../plugins/egg-foo') };\n",
        // Booted under egg-mock, whose plugin the manifest cannot list: the boot's SEN104 about foo is what counts.
        'config/config.default.js': "module.exports = { keys: 'shop-K8vR2nQ7xL4mZ9tB3wY6pD1hF5jC0sG2', sentinel: { failOn: 'never' } };\n",
      })) {
        fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
        fs.writeFileSync(path.join(app, file), text);
      }
      fs.mkdirSync(path.join(app, 'node_modules'));
      fs.symlinkSync(path.dirname(require.resolve('egg/package.json')), path.join(app, 'node_modules/egg'));
      // Each in a process of its own: this process's require cache holds what egg-core resolved for other apps.
      const cli = (...args: string[]) => spawnSync(process.execPath, [ path.join(root, 'bin/egg-sentinel.js'), ...args, '--base-dir', app, '--env', 'prod' ], { encoding: 'utf8' });
      // A script standing for egg's entry, given `startOptions` as egg-cluster's options argument, as egg-scripts passes them.
      const entry = path.join(repo, 'start.js');
      fs.writeFileSync(entry, 'console.log("preflight passed");\n');
      const preflight = (env: NodeJS.ProcessEnv = {}, startOptions?: object) => spawnSync(process.execPath, [ '--require', path.join(root, 'preflight'), entry,
        ...(startOptions ? [ JSON.stringify({ baseDir: app, ...startOptions }) ] : []) ], {
        cwd: app, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), EGG_SERVER_ENV: 'prod', ...env }, encoding: 'utf8' });
      const pinned = cli('pin');
      assert.equal(pinned.status, 0, pinned.stderr);
      const manifestFile = path.join(app, 'sentinel.lock.json');
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
      assert.equal(manifest.plugins.foo.path, '../../plugins/egg-foo');
      assert.equal(manifest.plugins.foo.byName, false);
      assert.equal(manifest.plugins.session.byName, true, 'egg\'s own plugins are found by name');
      const check = cli('pin', '--check');
      assert.equal(check.status, 0, check.stdout + check.stderr);
      const started = preflight();
      assert.equal(started.status, 0, started.stderr);
      assert.match(started.stdout, /preflight passed/);
      // What egg does: it loads the path, not the package of that name.
      mm.env('prod');
      const booted = await bootApp(app);
      try {
        assert.equal(booted.plugins.foo?.path, fs.realpathSync(own));
        assert.equal((booted as any).publishedFoo, undefined, 'the published copy never ran');
      } finally {
        await booted.close();
      }
      assert.deepEqual(findings(app, 'SEN104').filter(hit => hit.target === 'plugin:foo'), []);
      // EGG_PLUGINS or the start options giving foo a `package` make egg look it up by that name, whatever the manifest
      // recorded: the shadowing lookup runs for it (code review of session 26, finding 8).
      const byPackage = JSON.stringify({ foo: { enable: true, package: 'egg-foo' } });
      const shadowed = (given: string) => new RegExp(`^ {2}(?:- )?foo: egg would load it from ${escapeRegExp(fs.realpathSync(path.join(repo, 'node_modules/egg-foo')))}, outside the app root, ` +
        `and not from \\.\\./\\.\\./plugins/egg-foo where it was pinned: .*\\(its \`package: "egg-foo"\` in ${escapeRegExp(given)} makes egg look it up by that name, whatever path it was pinned at; ` +
        'remove that setting to load the pinned copy\\)$', 'm');
      const fromEnv = preflight({ EGG_PLUGINS: byPackage });
      assert.equal(fromEnv.status, 1, fromEnv.stdout + fromEnv.stderr);
      assert.match(fromEnv.stderr, shadowed('EGG_PLUGINS'));
      assert.equal(fromEnv.stderr.match(/refused to start/g)?.length, 1, fromEnv.stderr);
      const fromOptions = preflight({}, { plugins: JSON.parse(byPackage) });
      assert.equal(fromOptions.status, 1, fromOptions.stdout + fromOptions.stderr);
      assert.match(fromOptions.stderr, shadowed('the start options (--plugins.<name>.*)'));
      assert.equal(fromOptions.stderr.match(/refused to start/g)?.length, 1, fromOptions.stderr);
      const checked = spawnSync(process.execPath, [ path.join(root, 'bin/egg-sentinel.js'), 'pin', '--check', '--base-dir', app, '--env', 'prod' ], {
        env: { ...process.env, EGG_PLUGINS: byPackage }, encoding: 'utf8' });
      assert.equal(checked.status, 1, checked.stdout + checked.stderr);
      assert.match(checked.stdout, /found before loading any config: no plugin code ran/);
      assert.match(checked.stdout, shadowed('EGG_PLUGINS'));
      // Entries that leave the lookup alone: no `package`, or a start option's entry that replaces EGG_PLUGINS' whole entry.
      for (const [ env, startOptions ] of [ [{ EGG_PLUGINS: '{"foo":{"enable":true}}' }, undefined ], [{ EGG_PLUGINS: byPackage }, { plugins: { foo: { enable: true } } }] ] as const) {
        const passed = preflight(env, startOptions);
        assert.equal(passed.status, 0, passed.stderr);
        assert.match(passed.stdout, /preflight passed/);
      }
      // What the preflight keeps from running: egg loads the published copy, whose app.js runs before the boot check.
      mm(process.env, 'EGG_PLUGINS', byPackage);
      const switched = await bootApp(app);
      try {
        assert.equal(switched.plugins.foo?.path, fs.realpathSync(path.join(repo, 'node_modules/egg-foo')));
        assert.equal((switched as any).publishedFoo, true, 'the published copy ran');
      } finally {
        await switched.close();
      }
      mm.restore();
      // A manifest pinned before `byName` was recorded: looked up by package name as before, and the message says to pin again.
      for (const entry of Object.values<Record<string, unknown>>(manifest.plugins)) delete entry.byName;
      fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
      const old = cli('pin', '--check');
      assert.equal(old.status, 1, old.stdout + old.stderr);
      assert.match(old.stdout, /foo: egg would load it from \S*node_modules\/egg-foo, outside the app root, and not from \.\.\/\.\.\/plugins\/egg-foo .*sentinel\.lock\.json was pinned before egg-sentinel recorded which plugins egg looks up by name: a plugin whose config gives a `path` is loaded from there, and pinning again records it\)/);
      // The same directory, now found by name (a workspace link in the app's node_modules): pinned as a `path`, it would go unlooked-up.
      assert.equal(cli('pin').status, 0);
      fs.symlinkSync(own, path.join(app, 'node_modules/egg-foo'));
      fs.writeFileSync(path.join(app, 'config/plugin.js'), "exports.foo = { enable: true, package: 'egg-foo' };\n");
      const byName = cli('pin', '--check');
      assert.equal(byName.status, 1, byName.stdout + byName.stderr);
      assert.match(byName.stdout, /^ {2}foo: egg now finds it by package name, but it was pinned as given by `path`: the preflight and `pin --check` do not look for a copy egg would find first until it is pinned again$/m);
      // And back: pinned as found by name, now given by `path` (code review of session 26, finding 11).
      assert.equal(cli('pin').status, 0);
      fs.writeFileSync(path.join(app, 'config/plugin.js'), "exports.foo = { enable: true, path: require('path').join(__dirname, '../../../plugins/egg-foo') };\n");
      const byPath = cli('pin', '--check');
      assert.equal(byPath.status, 1, byPath.stdout + byPath.stderr);
      assert.match(byPath.stdout, /^ {2}foo: egg now loads it from the `path` its config gives, but it was pinned as found by package name: the preflight and `pin --check` still look that name up, and refuse a copy found first by it, until it is pinned again$/m);
      assert.equal(cli('pin').status, 0);
      assert.equal(cli('pin', '--check').status, 0, 'pinned again, it matches');
    });

    it('npm\'s linked install: a plugin pinned in node_modules/.store matches after another install of the lockfile names its store directory anew; a changed file still does not, nor two copies of its version (black-box round 33, h109 F3; code review of session 25, finding 8)', async () => {
      const root = path.join(__dirname, '..');
      const app = tempDir('linked-pin');
      const storeDir = (hash: string) => path.join(app, `node_modules/.store/egg-lens@1.0.0-${hash}/node_modules/egg-lens`);
      const install = (hash: string) => {
        writePlugin(storeDir(hash), 'lens');
        fs.rmSync(path.join(app, 'node_modules/egg-lens'), { force: true });
        fs.symlinkSync(storeDir(hash), path.join(app, 'node_modules/egg-lens'));
      };
      fs.mkdirSync(path.join(app, 'config'), { recursive: true });
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'linked-pin-app', dependencies: { 'egg-lens': '^1.0.0' } }));
      fs.writeFileSync(path.join(app, 'config/plugin.js'), "exports.lens = { enable: true, package: 'egg-lens' };\n");
      // Booted under egg-mock, whose plugin the manifest cannot list: the boot's SEN104 about lens is what counts.
      fs.writeFileSync(path.join(app, 'config/config.default.js'), "module.exports = { keys: 'linked-pin-K8vR2nQ7xL4mZ9tB3wY6pD1hF5jC0sG2', sentinel: { failOn: 'never' } };\n");
      install('Xq3Lm9Vt-Rw2Nb7Yc4Hk_Q');
      fs.symlinkSync(path.dirname(require.resolve('egg/package.json')), path.join(app, 'node_modules/egg'));
      // Each run in a process of its own, as on a machine after the deploy's install: a process's require cache would
      // still resolve egg-lens to the directory it found first.
      const cli = (...args: string[]) => spawnSync(process.execPath, [ path.join(root, 'bin/egg-sentinel.js'), ...args, '--base-dir', app, '--env', 'prod' ], { encoding: 'utf8' });
      const pinned = cli('pin');
      assert.equal(pinned.status, 0, pinned.stderr);
      assert.match(fs.readFileSync(path.join(app, 'sentinel.lock.json'), 'utf8'), /node_modules\/\.store\/egg-lens@1\.0\.0-Xq3Lm9Vt-Rw2Nb7Yc4Hk_Q\/node_modules\/egg-lens/);
      // The deploy's `npm ci` of the same lockfile: the same files, in a store directory of another hash.
      fs.rmSync(path.join(app, 'node_modules/.store/egg-lens@1.0.0-Xq3Lm9Vt-Rw2Nb7Yc4Hk_Q'), { recursive: true });
      install('p3wmg5nMsdxq5lDVP_t9vg');
      const check = cli('pin', '--check');
      assert.equal(check.status, 0, check.stdout + check.stderr);
      const preflight = spawnSync(process.execPath, [ '--require', path.join(root, 'preflight'), '-e', 'console.log("preflight passed")' ], {
        cwd: app, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), EGG_SERVER_ENV: 'prod' }, encoding: 'utf8' });
      assert.equal(preflight.status, 0, preflight.stderr);
      mm.env('prod');
      const booted = await bootApp(app);
      await booted.close();
      assert.deepEqual(findings(app, 'SEN104').filter(hit => hit.target === 'plugin:lens'), []);
      fs.appendFileSync(path.join(storeDir('p3wmg5nMsdxq5lDVP_t9vg'), 'app.js'), 'require("fs");\n');
      const changed = cli('pin', '--check');
      assert.equal(changed.status, 1, changed.stdout + changed.stderr);
      assert.match(changed.stdout, /lens: changed: app\.js/);
      // A second store directory of egg-lens@1.0.0 (a copy from another source): which one was pinned cannot be told.
      install('Ab3Lm9Vt-Rw2Nb7Yc4Hk_Q');
      const several = new RegExp('lens: was pinned at node_modules/\\.store/egg-lens@1\\.0\\.0-Xq3Lm9Vt-Rw2Nb7Yc4Hk_Q/node_modules/egg-lens, and there are several copies of ' +
        'egg-lens@1\\.0\\.0 in node_modules/\\.store \\(node_modules/\\.store/egg-lens@1\\.0\\.0-Ab3Lm9Vt-Rw2Nb7Yc4Hk_Q/node_modules/egg-lens, ' +
        'node_modules/\\.store/egg-lens@1\\.0\\.0-p3wmg5nMsdxq5lDVP_t9vg/node_modules/egg-lens\\): which one is the copy pinned cannot be told');
      const twoCopies = cli('pin', '--check');
      assert.equal(twoCopies.status, 1, twoCopies.stdout + twoCopies.stderr);
      assert.match(twoCopies.stdout, several);
      const refused = spawnSync(process.execPath, [ '--require', path.join(root, 'preflight'), '-e', 'console.log("preflight passed")' ], {
        cwd: app, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), EGG_SERVER_ENV: 'prod' }, encoding: 'utf8' });
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, several);
    });

    it('npm\'s linked install pinned deep: two store copies of one dependency at one version (the registry\'s and a git commit\'s) are each compared, after another install too (code review of session 25, finding 8)', () => {
      const root = path.join(__dirname, '..');
      const app = tempDir('linked-deep');
      const stored = (name: string, hash: string) => `node_modules/.store/${name}@1.0.0-${hash.repeat(22)}/node_modules`;
      const pkg = (dir: string, json: object, index = '') => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '1.0.0', ...json }));
        if (index) fs.writeFileSync(path.join(dir, 'index.js'), index);
      };
      const link = (target: string, at: string) => {
        fs.rmSync(path.join(app, at), { force: true });
        fs.symlinkSync(path.join(app, target), path.join(app, at));
      };
      // egg-lens requires shared, and lens-helper, which requires shared from another source: two store copies of shared@1.0.0.
      const shared = (hash: string, index: string) => {
        pkg(path.join(app, stored('shared', hash), 'shared'), { name: 'shared' }, index);
        return `${stored('shared', hash)}/shared`;
      };
      const install = (registryHash: string, gitHash: string) => {
        link(shared(registryHash, "module.exports = 'registry';\n"), `${stored('egg-lens', 'L')}/shared`);
        link(shared(gitHash, "module.exports = 'git';\n"), `${stored('lens-helper', 'H')}/shared`);
      };
      fs.mkdirSync(path.join(app, 'config'), { recursive: true });
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'linked-deep-app', dependencies: { 'egg-lens': '^1.0.0' } }));
      fs.writeFileSync(path.join(app, 'config/plugin.js'), "exports.lens = { enable: true, package: 'egg-lens' };\n");
      fs.writeFileSync(path.join(app, 'config/config.default.js'), "module.exports = { keys: 'linked-deep-K8vR2nQ7xL4mZ9tB3wY6pD1hF5jC0sG2' };\n");
      pkg(path.join(app, stored('egg-lens', 'L'), 'egg-lens'), { name: 'egg-lens', eggPlugin: { name: 'lens' }, dependencies: { shared: '^1.0.0', 'lens-helper': '^1.0.0' } }, "require('shared');\n");
      pkg(path.join(app, stored('lens-helper', 'H'), 'lens-helper'), { name: 'lens-helper', dependencies: { shared: '^1.0.0' } }, "require('shared');\n");
      link(`${stored('lens-helper', 'H')}/lens-helper`, `${stored('egg-lens', 'L')}/lens-helper`);
      install('a', 'b');
      link(`${stored('egg-lens', 'L')}/egg-lens`, 'node_modules/egg-lens');
      fs.symlinkSync(path.dirname(require.resolve('egg/package.json')), path.join(app, 'node_modules/egg'));
      const cli = (...args: string[]) => spawnSync(process.execPath, [ path.join(root, 'bin/egg-sentinel.js'), ...args, '--base-dir', app, '--env', 'prod' ], { encoding: 'utf8' });
      const pinned = cli('pin', '--deep');
      assert.equal(pinned.status, 0, pinned.stderr);
      const dependencies = Object.keys(JSON.parse(fs.readFileSync(path.join(app, 'sentinel.lock.json'), 'utf8')).plugins.lens.dependencies);
      assert.deepEqual(dependencies, [ `${stored('lens-helper', 'H')}/lens-helper`, `${stored('shared', 'a')}/shared`, `${stored('shared', 'b')}/shared` ]);
      const check = () => cli('pin', '--check');
      assert.equal(check().status, 0, 'each copy compared with its own pin');
      // The deploy's install: both copies in store directories of other hashes, the same files.
      for (const hash of [ 'a', 'b' ]) fs.rmSync(path.join(app, stored('shared', hash), '..'), { recursive: true });
      install('c', 'd');
      const reinstalled = check();
      assert.equal(reinstalled.status, 0, reinstalled.stdout + reinstalled.stderr);
      fs.appendFileSync(path.join(app, stored('shared', 'd'), 'shared/index.js'), "require('child_process');\n");
      const changed = check();
      assert.equal(changed.status, 1, changed.stdout + changed.stderr);
      assert.match(changed.stdout, new RegExp(`^ {2}lens: changed: ${escapeRegExp(stored('shared', 'd'))}/shared/index\\.js$`, 'm'));
      // One copy gone (egg-lens's shared now the other): the pinned copy it was is removed, not silently merged.
      link(`${stored('shared', 'c')}/shared`, `${stored('lens-helper', 'H')}/shared`);
      fs.rmSync(path.join(app, stored('shared', 'd'), '..'), { recursive: true });
      const removed = check();
      assert.equal(removed.status, 1, removed.stdout + removed.stderr);
      assert.match(removed.stdout, new RegExp(`^ {2}lens: removed: ${escapeRegExp(stored('shared', 'b'))}/shared/$`, 'm'));
    });

    it('egg-mock\'s own plugin, which it adds to every app it boots, is the test runner\'s: an mm.env(\'prod\') test of a pinned app is not refused for it (black-box round 40, h1 F9)', async () => {
      mm.env('prod');
      const app = await bootApp(dir);
      try {
        const sen104 = reportFindings(app, 'SEN104');
        assert.deepEqual(sen104.map(finding => finding.message), []);
      } finally {
        await app.close();
      }
      // Loaded in production it is no test run: SEN606 reports egg-mock, and SEN104 asks it to be pinned.
      mm(process.env, 'NODE_ENV', 'production');
      const message = await expectRefused(dir, /SEN104/);
      assert.match(message, /plugin egg-mock is enabled but sentinel\.lock\.json does not list it/);
    });

    it('a plugin the manifest does not list is a finding in prod (requireManifest defaults on when a manifest exists)', async () => {
      mm(process.env, 'EGG_PLUGINS', JSON.stringify({ extra: { enable: true, path: path.join(dir, 'lib/plugin/extra') } }));
      mm.env('prod');
      const message = await expectRefused(dir, /SEN104/);
      assert.match(message, /plugin extra is enabled but sentinel\.lock\.json does not list it/);
    });

    it('a corrupted manifest is a finding naming the file and the fix; pin --check exits 2 with the same', async () => {
      const broken = copyFixture('plugin-secure');
      fs.writeFileSync(path.join(broken, 'sentinel.lock.json'), '{"version": 1, "plugins": ');
      mm.env('prod');
      const message = await expectRefused(broken, /SEN104/);
      assert.match(message, /sentinel\.lock\.json is not valid JSON .*npx egg-sentinel pin/);
      const check = await sentinel([ 'pin', '--check', '--base-dir', broken ]);
      assert.equal(check.code, 2);
      assert.match(check.stderr, /sentinel\.lock\.json is not valid JSON/);
      fs.writeFileSync(path.join(broken, 'sentinel.lock.json'), JSON.stringify({ version: 1, deep: false, envs: [ 'prod' ], plugins: { x: { path: 'x' } } }));
      const invalid = await sentinel([ 'pin', '--check', '--base-dir', broken ]);
      assert.equal(invalid.code, 2);
      assert.match(invalid.stderr, /not an egg-sentinel plugin manifest \(\/plugins\/x must have required property 'files'/);
    });
  });

  describe('SEN105: install scripts', () => {
    it('a plugin with a postinstall script refuses boot where failOn is medium', async () => {
      mm.env('prod');
      const message = await expectRefused(fixture('plugin-scripts'), /SEN105/);
      assert.match(message, /plugin hooked \(egg-hooked\) runs install hooks: egg-hooked: postinstall: node \.\/collect\.js/);
    });

    it('a plugin whose lockfile entry records an install script its package.json no longer declares is high, allowScripts or not (black-box round 43, r43h1 F2)', async () => {
      mm.env('prod');
      const erased = findings(fixture('plugin-scripts'), 'SEN105').find(hit => hit.target === 'plugin:erased');
      assert.equal(erased?.severity, 'high');
      assert.equal(erased?.message, 'plugin erased (egg-erased) runs install hooks: egg-erased: its lockfile entry says the install ran a script ' +
        '(hasInstallScript), which its installed package.json no longer declares (erased after it ran)');
      assert.match(erased?.fix ?? '', /^A package that hides its install script is likely malicious: remove egg-erased/);
      // The one that declares its script stays medium.
      assert.equal(findings(fixture('plugin-scripts'), 'SEN105').find(hit => hit.target === 'plugin:hooked')?.severity, 'medium');
    });
  });

  describe('SEN106: allow and deny lists', () => {
    it('a plugin outside plugins.allow and one in plugins.deny refuse boot', async () => {
      mm.env('prod');
      const message = await expectRefused(fixture('plugin-policy'), /SEN106/);
      assert.match(message, /plugin reports matches no plugins\.allow pattern \(egg-\*, @eggjs\/\*, sentinel\)/);
      assert.match(message, /plugin jsonp \(egg-jsonp\) matches plugins\.deny pattern "jsonp"/);
      assert.deepEqual(findings(fixture('plugin-policy'), 'SEN106').map(hit => hit.target).sort(), [ 'plugin:jsonp', 'plugin:reports' ]);
      assert.deepEqual(findings(fixture('plugin-policy'), 'SEN108'), [], 'security keys set by the app\'s own local plugin count as the app\'s');
    });
  });

  describe('SEN107: plugins from EGG_PLUGINS', () => {
    it('EGG_PLUGINS refuses boot in prod and the finding lists what it enabled', async () => {
      mm(process.env, 'EGG_PLUGINS', JSON.stringify({ extra: { enable: true, path: path.join(fixture('plugin-secure'), 'lib/plugin/extra') }, jsonp: false }));
      mm.env('prod');
      const message = await expectRefused(fixture('plugin-secure'), /SEN107/);
      assert.match(message, /EGG_PLUGINS is set and enables extra, disables jsonp/);
    });

    it('the start options\' plugins (egg-scripts --plugins.*) refuse boot in prod too, and are named as what disabled egg-security', async () => {
      mm.env('prod');
      const message = await expectRefused(fixture('plugin-secure'), /SEN107/, { plugins: { security: { enable: false } } });
      assert.match(message, /the start options' plugins \(egg-scripts --plugins\.\* flags, or startCluster\(\{ plugins \}\)\) enables nothing, disables security/);
      const report = readReport(fixture('plugin-secure')).json;
      const security = report.findings.find((hit: { ruleId: string }) => hit.ruleId === 'SEN602');
      assert.equal(security?.source, 'options.plugins');
      // As egg-scripts passes `--plugins.security.enable=false`: the string "false", which egg reads as enabled.
      const stringy = await expectRefused(fixture('plugin-secure'), /SEN107/, { plugins: { security: { enable: 'false' } } });
      assert.match(stringy, /enables security \(the `enable` of security is a string, "false" included, which egg reads as enabled\)/);
    });
  });

  describe('SEN107: EGG_PLUGINS changed in the process, under a real egg-cluster (mm.cluster: each process has EGG_PLUGINS in the environment it started with)', () => {
    /** An app whose keys are strong and whose failOn is SENTINEL_FIXTURE_FAIL_ON, read at each boot. */
    const envApp = (name: string) => tempApp(name, {
      'config/config.default.js': `module.exports = () => ({ keys: '${name}-K3mW8qZ1xV6nB4tY9rU2oP5s', sentinel: { failOn: process.env.SENTINEL_FIXTURE_FAIL_ON } });\n`,
    });
    /** The SEN107 findings of `app`'s last boot, by target. */
    const envFindings = (app: string) => new Map(findings(app, 'SEN107').map(finding => [ finding.target, finding ]));

    /**
     * A plugin from outside the app, brought in by EGG_PLUGINS (`via: 'env'`) or the start options' plugins, whose code
     * (`hook`) drops what brought it in and takes it off egg's lists: judged all the same, and the change reported.
     */
    async function expectStartValueJudged(name: string, via: 'env' | 'options', hook: { moduleCode?: string; constructorCode?: string }, target: string, said: RegExp): Promise<void> {
      const outside = tempDir(name);
      writePlugin(outside, name);
      const code = hidingHook(name, hook);
      fs.writeFileSync(path.join(outside, 'app.js'), code);
      fs.writeFileSync(path.join(outside, 'agent.js'), code);
      const app = envApp(name);
      const plugins = { [name]: { enable: true, path: outside } };
      mm.env('prod');
      if (via === 'env') mm(process.env, 'EGG_PLUGINS', JSON.stringify(plugins));
      const start = async () => mockCluster({ baseDir: app, workers: 1, port: await freePort(), ...(via === 'options' && { plugins }) });
      // The hole: with the checks not refusing, the plugin's code serves requests.
      mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'never');
      const open = await start();
      try {
        await open.ready();
        assert.equal(open.proc.exitCode, null, open.stderr);
        const res = await open.httpRequest().get('/backdoor').expect(200);
        assert.equal(res.text, `served by ${outside}`);
      } finally {
        await open.close();
      }
      assert.match(findings(app, 'SEN101')[0]?.message ?? '', new RegExp(`plugin ${name} \\(egg-${name}\\) is loaded from ${escapeRegExp(fs.realpathSync(outside))}`));
      const changed = envFindings(app).get(target);
      assert.equal(changed?.severity, 'high');
      assert.match(changed?.message ?? '', said);
      mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'auto');
      const refused = await start();
      try {
        await refused.ready(); // resolves when the master exits
        assert.notEqual(refused.proc.exitCode, 0);
        assert.match(refused.stderr, /SentinelBootError: \[egg-sentinel\] boot refused by the app/);
        assert.match(refused.stderr, new RegExp(`plugin ${name} \\(egg-${name}\\) is loaded from `));
        assert.match(refused.stderr, said);
      } finally {
        await refused.close();
      }
    }

    it('a plugin EGG_PLUGINS brought in that deletes process.env.EGG_PLUGINS and takes itself off egg\'s lists is judged as the start value enables it, and the change is reported (review 21, #2 follow-up)', async function() {
      this.timeout(120000);
      await expectStartValueJudged('envhiding', 'env', { moduleCode: 'delete process.env.EGG_PLUGINS;' }, 'EGG_PLUGINS:changed',
        /process\.env\.EGG_PLUGINS is not what the process started with \(set and enables envhiding at start, unset now\)/);
    });

    it('a plugin the start options brought in that deletes itself from app.options.plugins and egg\'s lists is judged all the same, and the change is reported (review 23, #4)', async function() {
      this.timeout(120000);
      await expectStartValueJudged('optshiding', 'options', { constructorCode: 'delete app.options.plugins.optshiding;' }, 'options.plugins:changed',
        /the start options' plugins are not what egg-cluster started this process with \(set and enables optshiding at start, unset now\)/);
    });

    it('EGG_PLUGINS left as the process started with it is reported as set, not as changed', async function() {
      this.timeout(120000);
      const app = envApp('env-kept');
      writePlugin(path.join(app, 'lib/plugin/extra'), 'extra');
      mm(process.env, 'EGG_PLUGINS', JSON.stringify({ extra: { enable: true, path: path.join(app, 'lib/plugin/extra') } }));
      const cluster = mockCluster({ baseDir: app, workers: 1, port: await freePort() });
      try {
        await cluster.ready();
        assert.equal(cluster.proc.exitCode, null, cluster.stderr);
      } finally {
        await cluster.close();
      }
      const found = envFindings(app);
      assert.deepEqual([ ...found.keys() ], [ 'EGG_PLUGINS' ]);
      assert.match(found.get('EGG_PLUGINS')?.message ?? '', /EGG_PLUGINS is set and enables extra/);
    });
  });

  describe('SEN110: plugin code other users can change', () => {
    it('a file or directory of an installed or a local plugin that every user can write refuses boot in prod; its node_modules do not count (black-box round 22)', async function() {
      if (process.platform === 'win32') this.skip();
      mm.env('prod');
      const app = copyFixture('plugin-secure');
      const tidy = path.join(app, 'node_modules/egg-tidy');
      // The plugin's own dependencies are packages of their own, judged by nothing here.
      fs.mkdirSync(path.join(tidy, 'node_modules/dep'), { recursive: true });
      fs.writeFileSync(path.join(tidy, 'node_modules/dep/index.js'), '');
      fs.chmodSync(path.join(tidy, 'node_modules/dep/index.js'), 0o666);
      const clean = await bootApp(app);
      await clean.close();
      assert.deepEqual(findings(app), []);
      fs.chmodSync(path.join(tidy, 'app.js'), 0o666);
      fs.chmodSync(path.join(tidy, 'config'), 0o777);
      fs.chmodSync(path.join(app, 'lib/plugin/audit-log/app.ts'), 0o666);
      const message = await expectRefused(app, /SEN110/);
      assert.match(message, /plugin tidy \(egg-tidy\) has code other users can change: [^\n]*node_modules\/egg-tidy\/app\.js is writable by every user \(mode 0666\)/);
      assert.match(message, /plugin tidy \(egg-tidy\) has code [^\n]*node_modules\/egg-tidy\/config is writable by every user \(mode 0777\)/);
      assert.match(message, /`chmod go-w node_modules\/egg-tidy\/(app\.js|config) node_modules\/egg-tidy\/(app\.js|config)` where the app is deployed, and reinstall the package \(`npm ci`\)/);
      // A plugin the app holds in lib/plugin is reported under its own name, not as the app's lib/.
      assert.match(message, /plugin auditLog \(audit-log\) has code other users can change: lib\/plugin\/audit-log\/app\.ts is writable by every user \(mode 0666\)/);
      const hits = findings(app);
      assert.deepEqual(hits.map(hit => [ hit.ruleId, hit.target, hit.severity ]), [ [ 'SEN110', 'plugin:auditLog', 'high' ], [ 'SEN110', 'plugin:tidy', 'high' ] ]);
      assert.ok(!message.includes('dep/index.js'));
      if (process.getuid?.() !== 0) return;
      fs.chmodSync(path.join(tidy, 'app.js'), 0o644);
      fs.chmodSync(path.join(tidy, 'config'), 0o755);
      fs.chmodSync(path.join(app, 'lib/plugin/audit-log/app.ts'), 0o644);
      fs.chownSync(path.join(tidy, 'package.json'), 65534, 65534);
      const foreign = await expectRefused(app, /SEN110/);
      assert.match(foreign, /plugin tidy \(egg-tidy\) has code other users can change: node_modules\/egg-tidy\/package\.json is owned by user 65534, not by this process's user \(0\) or root/);
      assert.match(foreign, /Give node_modules\/egg-tidy\/package\.json to this process's user or root \(`chown`\) where the app is deployed/);
    });
  });

  describe('SEN101, SEN103, SEN110: the framework the app runs on, judged as a plugin is', () => {
    const EGG_DIR = path.dirname(require.resolve('egg/package.json'));
    /** A framework package extending egg (required as `egg`), whose app.js answers GET /fw-backdoor. */
    const frameworkFiles = (name: string, egg: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name, version: '1.0.0', main: 'index.js', dependencies: { egg: '^3.0.0' } }),
      'index.js': `'use strict';\nconst egg = require(${JSON.stringify(egg)});\nconst EGG_PATH = Symbol.for('egg#eggPath');\n` +
        'class Application extends egg.Application { get [EGG_PATH]() { return __dirname; } }\n' +
        'class Agent extends egg.Agent { get [EGG_PATH]() { return __dirname; } }\n' +
        'module.exports = { ...egg, Application, Agent };\n',
      'app.js': "'use strict';\nmodule.exports = app => { app.router.get('/fw-backdoor', ctx => { ctx.body = 'backdoor'; }); };\n",
      'config/config.default.js': 'module.exports = {};\n',
    });
    const writeFiles = (root: string, files: Record<string, string>) => {
      for (const [ file, text ] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
      }
    };
    const appConfig = (name: string, extra = '') => `module.exports = { keys: '${name}-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4J'${extra} };\n`;

    it('a framework package.json loads from outside the app ("../../fw"), which every user can write, refuses boot (SEN101, SEN110); with failOn never its route answers (black-box round 28, h102 F2)', async function() {
      if (process.platform === 'win32') this.skip();
      const parent = tempDir('framework-outside');
      const fw = path.join(parent, 'fw');
      writeFiles(fw, frameworkFiles('fw', EGG_DIR));
      fs.chmodSync(fw, 0o777);
      fs.chmodSync(path.join(fw, 'app.js'), 0o666);
      const writeApp = (dir: string, extraConfig?: string) => writeFiles(dir, {
        'package.json': JSON.stringify({ name: 'framework-outside-app', egg: { framework: '../../fw' } }),
        'config/config.default.js': appConfig('framework-outside', extraConfig),
      });
      const app = path.join(parent, 'app');
      writeApp(app);
      mm.env('prod');
      const message = await expectRefused(app, /SEN101/);
      assert.match(message, new RegExp(`framework fw \\(set by package\\.json's "egg": \\{ "framework": "\\.\\./\\.\\./fw" \\}\\) is loaded from ${escapeRegExp(fs.realpathSync(fw))}, ` +
        'outside every node_modules egg finds it in \\(those the app resolves from, the working directory\'s and node\'s global folders\\): no install of the app put it there, and its config, extensions, app\\.js and agent\\.js run in every process'));
      assert.match(message, /framework fw has code other users can change: [^\n]*fw is writable by every user \(mode 0777\)[^\n]*fw\/app\.js is writable by every user \(mode 0666\)/);
      assert.deepEqual(findings(app).map(hit => [ hit.ruleId, hit.target, hit.source, hit.severity ]).sort(),
        [ [ 'SEN101', 'framework:fw', 'package.json', 'high' ], [ 'SEN110', 'framework:fw', fs.realpathSync(fw), 'high' ] ]);
      // The hole: booted anyway (an app beside it, whose package.json leads to the same directory), the framework's code serves its route.
      const never = path.join(parent, 'app-never');
      writeApp(never, ", sentinel: { failOn: 'never' }");
      const booted = await bootApp(never);
      try {
        await booted.httpRequest().get('/fw-backdoor').expect(200, 'backdoor');
      } finally {
        await booted.close();
      }
      assert.deepEqual(findings(never).map(hit => [ hit.ruleId, hit.target ]).sort(), [ [ 'SEN101', 'framework:fw' ], [ 'SEN110', 'framework:fw' ] ]);
    });

    it('a framework in the app\'s node_modules that the app does not declare or lock, and one the start options name from elsewhere, are refused; declared and locked, it boots clean', async () => {
      const app = tempDir('framework-installed');
      writeFiles(app, {
        'package.json': JSON.stringify({ name: 'framework-installed-app', egg: { framework: 'acme-fw' } }),
        'config/config.default.js': appConfig('framework-installed'),
        ...Object.fromEntries(Object.entries(frameworkFiles('acme-fw', 'egg')).map(([ file, text ]) => [ `node_modules/acme-fw/${file}`, text ])),
      });
      fs.symlinkSync(EGG_DIR, path.join(app, 'node_modules/egg'));
      const lock = (packages: object) => fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'framework-installed-app', lockfileVersion: 3, requires: true, packages: {
        '': { name: 'framework-installed-app' }, ...packages } }));
      lock({});
      mm.env('prod');
      const message = await expectRefused(app, /SEN101/);
      assert.match(message, /framework acme-fw \(set by package\.json's "egg": \{ "framework": "acme-fw" \}\) is loaded from .*\/node_modules\/acme-fw, in node_modules, but the app's package\.json declares no dependency acme-fw/);
      assert.match(message, /framework acme-fw@1\.0\.0 is installed but package-lock\.json does not list it/);
      assert.deepEqual(findings(app).map(hit => [ hit.ruleId, hit.target ]).sort(), [ [ 'SEN101', 'framework:acme-fw' ], [ 'SEN103', 'framework:acme-fw' ] ]);

      // Declared and locked: nothing to report, egg (which it builds on, from the test runner's install) included.
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'framework-installed-app', egg: { framework: 'acme-fw' }, dependencies: { 'acme-fw': '^1.0.0' } }));
      lock({ 'node_modules/acme-fw': { version: '1.0.0', resolved: 'https://registry.npmjs.org/acme-fw/-/acme-fw-1.0.0.tgz', integrity: `sha512-${'q'.repeat(86)}==` } });
      const clean = await bootApp(app);
      try {
        await clean.httpRequest().get('/fw-backdoor').expect(200, 'backdoor');
      } finally {
        await clean.close();
      }
      assert.deepEqual(findings(app), []);

      // The start options (egg-scripts --framework, startCluster({ framework })) naming a copy outside the app.
      const elsewhere = path.join(tempDir('framework-elsewhere'), 'acme-fw');
      writeFiles(elsewhere, frameworkFiles('acme-fw', EGG_DIR));
      const started = await expectRefused(app, /SEN101/, { framework: elsewhere });
      assert.match(started, new RegExp(`framework acme-fw \\(set by the start options' \`framework\` \\(egg-scripts --framework, startCluster\\(\\{ framework \\}\\)\\)\\) is loaded from ${escapeRegExp(fs.realpathSync(elsewhere))}, outside every node_modules`));
    });
    it('a framework whose package name imitates egg (`eggs`), declared and locked, is refused as a look-alike (SEN102), as a plugin\'s package is (black-box round 38, h3 H1)', async () => {
      const app = tempDir('framework-typosquat');
      writeFiles(app, {
        'package.json': JSON.stringify({ name: 'framework-typosquat-app', egg: { framework: 'eggs' }, dependencies: { eggs: '^1.0.0' } }),
        'config/config.default.js': appConfig('framework-typosquat'),
        'package-lock.json': JSON.stringify({ name: 'framework-typosquat-app', lockfileVersion: 3, requires: true, packages: { '': { name: 'framework-typosquat-app' },
          'node_modules/eggs': { version: '1.0.0', resolved: 'https://registry.npmjs.org/eggs/-/eggs-1.0.0.tgz', integrity: `sha512-${'q'.repeat(86)}==` } } }),
        ...Object.fromEntries(Object.entries(frameworkFiles('eggs', 'egg')).map(([ file, text ]) => [ `node_modules/eggs/${file}`, text ])),
      });
      fs.symlinkSync(EGG_DIR, path.join(app, 'node_modules/egg'));
      mm.env('prod');
      const message = await expectRefused(app, /SEN102/);
      assert.match(message, /framework eggs: the package "eggs" is a look-alike of egg/);
      assert.deepEqual(findings(app).map(hit => [ hit.ruleId, hit.target ]), [ [ 'SEN102', 'framework:eggs' ] ]);
    });
  });

  describe('SEN108: security settings from a third-party plugin', () => {
    it('a plugin whose config.default.js turns CSRF off refuses boot, naming the plugin\'s file and the key', async () => {
      mm.env('prod');
      const message = await expectRefused(fixture('plugin-lax-security'), /SEN108/);
      assert.match(message, /plugin lax \(egg-lax\) sets config\.security\.csrf\.enable in node_modules\/egg-lax\/config\/config\.default\.js; these belong to egg-security/);
      assert.deepEqual(findings(fixture('plugin-lax-security')).map(hit => hit.ruleId), [ 'SEN108' ], 'egg-security setting its own keys does not fire');
    });

    /** An app with POST /account/email, CSRF at egg-security's defaults, `files` added (a plugin in node_modules/egg-widget, say). */
    const csrfApp = (name: string, files: Record<string, string>) => tempApp(name, {
      'config/config.default.js': `module.exports = { keys: '${name}-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4Jf0Ge' };\n`,
      'app/router.js': "module.exports = ({ router }) => { router.post('/account/email', async ctx => { ctx.body = { changed: true }; }); };\n",
      ...files,
    });
    const widget = (files: Record<string, string>) => ({
      'config/plugin.js': "exports.widget = { enable: true, package: 'egg-widget' };\n",
      'node_modules/egg-widget/package.json': JSON.stringify({ name: 'egg-widget', version: '1.0.0', eggPlugin: { name: 'widget' } }),
      ...Object.fromEntries(Object.entries(files).map(([ file, text ]) => [ `node_modules/egg-widget/${file}`, text ])),
    });
    const WIDENS_CSRF = "module.exports = class { constructor(app) { this.app = app; }\n  configDidLoad() { const csrf = this.app.config.security.csrf; csrf.ignore = [].concat(csrf.ignore || [], '/account'); }\n};\n";

    it('a plugin whose config gives another site egg-cors\' credentialed access refuses boot; with failOn never that site reads the signed-in user\'s data (black-box round 33, h109 F1)', async () => {
      const cors = (name: string, sentinel: string) => tempApp(name, {
        'config/config.default.js': `module.exports = { keys: '${name}-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4Jf0Ge'${sentinel} };\n`,
        'config/plugin.js': "exports.cors = { enable: true, package: 'egg-cors' };\nexports.widget = { enable: true, package: 'egg-widget' };\n",
        'app/router.js': "module.exports = ({ router }) => { router.get('/me', async ctx => { ctx.body = { user: 'alice' }; }); };\n",
        'node_modules/egg-widget/package.json': JSON.stringify({ name: 'egg-widget', version: '1.0.0', eggPlugin: { name: 'widget' } }),
        'node_modules/egg-widget/config/config.default.js': "module.exports = { widget: {}, cors: { origin: 'https://dash.widget.example', credentials: true } };\n",
      });
      const dir = cors('plugin-cors', '');
      const never = cors('plugin-cors-never', ", sentinel: { failOn: 'never' }");
      mm.env('prod');
      const message = await expectRefused(dir, /SEN108/);
      assert.match(message, /plugin widget \(egg-widget\) sets config\.cors\.(origin|credentials)(, config\.cors\.(origin|credentials))? in node_modules\/egg-widget\/config\/config\.default\.js; these belong to egg-cors/);
      const app = await bootApp(never);
      try {
        await app.httpRequest().get('/me').set('origin', 'https://dash.widget.example').expect(200, { user: 'alice' })
          .expect('access-control-allow-origin', 'https://dash.widget.example').expect('access-control-allow-credentials', 'true');
      } finally {
        await app.close();
      }
    });

    it('a plugin\'s boot hook that widens csrf.ignore refuses boot, naming the plugin and the key; with failOn never a forged POST goes through (black-box round 24)', async () => {
      const dir = csrfApp('plugin-hook-csrf', widget({ 'app.js': WIDENS_CSRF }));
      const never = csrfApp('plugin-hook-csrf-never', {
        ...widget({ 'app.js': WIDENS_CSRF }),
        'config/config.default.js': "module.exports = { keys: 'plugin-hook-never-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4J', sentinel: { failOn: 'never' } };\n",
      });
      mm.env('prod');
      const message = await expectRefused(dir, /SEN108/);
      assert.match(message, /plugin widget \(egg-widget\) changes config\.security\.csrf\.ignore\[0\] from its code \(node_modules\/egg-widget\/app\.js\) while the app booted, after egg loaded the config files \(no config file says so\); these belong to egg-security/);
      const app = await bootApp(never);
      try {
        await app.httpRequest().post('/account/email').set('origin', 'https://evil.example').send({ email: 'attacker@evil.example' }).expect(200, { changed: true });
      } finally {
        await app.close();
      }
      // The audit runs the boot hooks up to configDidLoad: it says so too.
      fs.symlinkSync(path.dirname(require.resolve('egg/package.json')), path.join(dir, 'node_modules/egg'));
      const audit = await sentinel([ 'audit', '--base-dir', dir, '--env', 'prod' ]);
      assert.equal(audit.code, 1, audit.stderr);
      assert.match(audit.stdout, /plugin widget \(egg-widget\) changes config\.security\.csrf\.ignore\[0\] from its code \(node_modules\/egg-widget\/app\.js\)/);
    });

    it('the app\'s own hook changing csrf, and the app\'s own `csrf: {}` without a plugin, do not fire', async () => {
      const ownHook = csrfApp('plugin-own-hook-csrf', {
        'app.js': "module.exports = class { constructor(app) { this.app = app; }\n  configWillLoad() { this.app.config.security.csrf.ignore = [ '/webhooks' ]; }\n};\n",
      });
      const ownEmpty = csrfApp('plugin-own-empty-csrf', {
        'config/config.default.js': "module.exports = { keys: 'plugin-own-empty-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4Jf', security: { csrf: {} } };\n",
      });
      mm.env('prod');
      for (const dir of [ ownHook, ownEmpty ]) {
        const app = await bootApp(dir).catch(error => error as Error);
        if (!(app instanceof Error)) await app.close();
        assert.deepEqual(findings(dir, 'SEN108'), [], dir);
      }
    });

    /** An app whose own config file exports an object with security arrays (a redirect whitelist, a CSRF ignore list), GET /go redirecting to ?u. */
    const whitelistApp = (name: string, files: Record<string, string>, sentinel = '') => csrfApp(name, {
      'config/config.default.js': `module.exports = { keys: '${name}-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4Jf0Ge', ` +
        `security: { domainWhiteList: [ 'www.example.org' ], csrf: { ignore: [ '/webhooks' ] } }${sentinel} };\n`,
      'app/router.js': "module.exports = ({ router }) => {\n  router.post('/account/email', async ctx => { ctx.body = { changed: true }; });\n" +
        "  router.get('/go', async ctx => { ctx.redirect(String(ctx.query.u)); });\n};\n",
      ...files,
    });
    const PUSHES_WHITELISTS = 'module.exports = (appInfo, appConfig) => {\n  appConfig.security.domainWhiteList.push(\'evil.example\');\n' +
      '  appConfig.security.csrf.ignore.push(\'/account\');\n  return { widget: { path: \'/healthz\' } };\n};\n';

    it('a plugin whose app/middleware file is named like egg-security\'s replaces it: SEN108 naming both files; with failOn never a forged POST goes through; a middleware of its own name is fine (black-box round 39, h3 F8)', async () => {
      const replacing = (name: string, file: string, sentinel = '') => csrfApp(name, {
        'config/config.default.js': `module.exports = { keys: '${name}-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4Jf0Ge'${sentinel} };\n`,
        'config/plugin.js': "exports.widget = { enable: true, package: 'egg-widget' };\n",
        'node_modules/egg-widget/package.json': JSON.stringify({ name: 'egg-widget', version: '1.0.0', eggPlugin: { name: 'widget', dependencies: [ 'security' ] } }),
        [`node_modules/egg-widget/app/middleware/${file}`]: 'module.exports = () => async function passOn(ctx, next) { await next(); };\n',
      });
      mm.env('prod');
      const message = await expectRefused(replacing('plugin-replaces-securities', 'securities.js'), /SEN108/);
      assert.match(message, /plugin widget \(egg-widget\) replaces the securities middleware with its own node_modules\/egg-widget\/app\/middleware\/securities\.js in place of \S*egg-security\/app\/middleware\/securities\.js: egg's loader lets a later plugin's app\/middleware file of the same name win/);
      const app = await bootApp(replacing('plugin-replaces-securities-never', 'securities.js', ", sentinel: { failOn: 'never' }"));
      try {
        await app.httpRequest().post('/account/email').send({ email: 'attacker@evil.example' }).expect(200, { changed: true });
      } finally {
        await app.close();
      }
      const own = await bootApp(replacing('plugin-own-middleware', 'widget_timer.js', ", sentinel: { failOn: 'never' }"));
      try {
        assert.deepEqual(reportFindings(own, 'SEN108'), []);
        await own.httpRequest().post('/account/email').send({ email: 'attacker@evil.example' }).expect(403);
      } finally {
        await own.close();
      }
    });

    it('a plugin\'s config function that pushes only on its first call (a module-level flag) is still named (review of round 29, #4)', async () => {
      const once = 'let done = false;\n' + PUSHES_WHITELISTS.replace('(appInfo, appConfig) => {\n', '(appInfo, appConfig) => {\n  if (done) return { widget: { path: \'/healthz\' } };\n  done = true;\n');
      const dir = whitelistApp('plugin-appconfig-push-once', widget({ 'config/config.default.js': once }));
      mm.env('prod');
      const message = await expectRefused(dir, /SEN108/);
      assert.match(message, /plugin widget \(egg-widget\) changes config\.security\.csrf\.ignore, config\.security\.domainWhiteList from its config file/);
    });

    it('a plugin\'s config function pushing to the app\'s security arrays through appConfig is SEN108, naming its file; with failOn never the forged POST and the open redirect go through (black-box round 28, h102 F5)', async () => {
      const dir = whitelistApp('plugin-appconfig-push', widget({ 'config/config.default.js': PUSHES_WHITELISTS }));
      const never = whitelistApp('plugin-appconfig-push-never', widget({ 'config/config.default.js': PUSHES_WHITELISTS }), ", sentinel: { failOn: 'never' }");
      mm.env('prod');
      const message = await expectRefused(dir, /SEN108/);
      assert.match(message, /plugin widget \(egg-widget\) changes config\.security\.csrf\.ignore, config\.security\.domainWhiteList from its config file \(node_modules\/egg-widget\/config\/config\.default\.js\) through the app's config egg hands its config function/);
      assert.deepEqual(findings(dir, 'SEN108').map(hit => hit.target), [ 'plugin:widget' ]);
      const app = await bootApp(never);
      try {
        await app.httpRequest().post('/account/email').set('origin', 'https://evil.example').send({ email: 'attacker@evil.example' }).expect(200, { changed: true });
        await app.httpRequest().get('/go?u=https://evil.example/phish').expect(302).expect('location', 'https://evil.example/phish');
      } finally {
        await app.close();
      }
    });

    it('a plugin\'s config function pushing waivers into the app\'s config.sentinel.waivers through appConfig refuses boot as a change of config.sentinel (black-box round 28, h102 F5)', async () => {
      const dir = whitelistApp('plugin-appconfig-waivers', widget({
        'config/config.default.js': "module.exports = (appInfo, appConfig) => {\n  appConfig.sentinel.waivers.push({ rule: 'SEN108', target: 'plugin:widget', " +
          "reason: 'reviewed (SEC-17)', expires: '2099-01-31' });\n  return { security: { csrf: { enable: false } } };\n};\n",
      }), ', sentinel: { waivers: [] }');
      mm.env('prod');
      const message = await expectRefused(dir, /invalid config\.sentinel/);
      assert.match(message, /config\.sentinel\.waivers: changed by node_modules\/egg-widget\/config\/config\.default\.js, through the app's config egg hands a plugin's config function/);
    });

    it('a plugin\'s boot hook constructed before egg-sentinel\'s turning CSRF off is SEN108, and adding a waiver refuses boot; with failOn never the forged POST goes through (black-box round 28, h102 F6)', async () => {
      const csrfOff = "module.exports = class { constructor(app) { app.config.security.csrf.enable = false; } };\n";
      // A new array: pushing to egg-sentinel's own default one would leave the waiver in every app this process boots later.
      const waiver = "module.exports = class { constructor(app) { app.config.sentinel.waivers = app.config.sentinel.waivers.concat({ rule: 'SEN602', " +
        "target: 'config.security.csrf.enable', reason: 'API only (SEC-17)', expires: '2099-01-31' }); } };\n";
      const dir = csrfApp('plugin-early-hook', widget({ 'app.js': csrfOff }));
      const never = whitelistApp('plugin-early-hook-never', widget({ 'app.js': csrfOff }), ", sentinel: { failOn: 'never' }");
      const waives = csrfApp('plugin-early-hook-waiver', widget({ 'app.js': waiver }));
      mm.env('prod');
      // egg-mock enables egg-sentinel (the package under test) after the app's plugins: egg constructs the widget's hook first.
      const message = await expectRefused(dir, /SEN108/);
      assert.match(message, /config\.security\.csrf\.enable is not what the config files say: changed before egg-sentinel's hook was constructed, by code it cannot name \(one of the boot hooks egg constructs before it: plugin widget \(egg-widget\) \(node_modules\/egg-widget\/app\.js\); or a plugin's code egg runs earlier/);
      assert.deepEqual(findings(dir, 'SEN108').map(hit => hit.target), [ 'config.security.csrf.enable' ]);
      const refused = await expectRefused(waives, /invalid config\.sentinel/);
      assert.match(refused, /config\.sentinel\.waivers: not what the config files say: changed before egg-sentinel's hook was constructed, by code egg-sentinel cannot name \(one of the boot hooks egg constructs before it: node_modules\/egg-widget\/app\.js; or a plugin's code egg runs earlier/);
      const app = await bootApp(never);
      try {
        await app.httpRequest().post('/account/email').set('origin', 'https://evil.example').send({ email: 'attacker@evil.example' }).expect(200, { changed: true });
      } finally {
        await app.close();
      }
    });

    /** A plugin's extend file, which egg runs before it constructs any boot hook, patching egg's Lifecycle to run `code` (with `app`) just before. */
    const patchesLifecycle = (code: string) => ({
      'app/extend/application.js': "const lifecycle = Object.values(require.cache).find(m => m && /[\\\\/]egg-core[\\\\/]lib[\\\\/]lifecycle\\.js$/.test(m.filename)).exports;\n" +
        `const init = lifecycle.prototype.init;\nlifecycle.prototype.init = function() {\n  lifecycle.prototype.init = init;\n  const app = this.app;\n  ${code};\n` +
        '  return init.call(this);\n};\nmodule.exports = {};\n',
    });
    /** A class-style plugin in node_modules/egg-<name> whose boot hook only keeps the app (egg-redis's, egg-sequelize's). */
    const keepsApp = (name: string) => ({
      [`node_modules/egg-${name}/package.json`]: JSON.stringify({ name: `egg-${name}`, version: '1.0.0', eggPlugin: { name } }),
      [`node_modules/egg-${name}/app.js`]: 'module.exports = class AppBootHook { constructor(app) { this.app = app; } };\n',
    });

    it('a plugin\'s extend file patching egg\'s Lifecycle to set config.sentinel.failOn = \'never\' refuses boot though the app\'s own class-style plugin comes before egg-sentinel; let through, the forged POST goes through (review 21, #5)', async () => {
      const files = {
        ...widget({ ...patchesLifecycle("app.config.sentinel.failOn = 'never'"), 'config/config.default.js': 'exports.security = { csrf: { enable: false } };\n' }),
        'config/plugin.js': "const path = require('path');\nexports.local = { enable: true, path: path.join(__dirname, '../lib/plugin/egg-local') };\n" +
          "exports.widget = { enable: true, package: 'egg-widget' };\n",
        'lib/plugin/egg-local/package.json': JSON.stringify({ name: 'egg-local', eggPlugin: { name: 'local' } }),
        'lib/plugin/egg-local/app.js': 'module.exports = class { constructor(app) { this.app = app; } };\n',
      };
      const dir = csrfApp('plugin-extend-failon', files);
      const never = whitelistApp('plugin-extend-failon-never', files, ", sentinel: { failOn: 'never' }");
      mm.env('prod');
      const message = await expectRefused(dir, /invalid config\.sentinel/);
      assert.match(message, /config\.sentinel\.failOn: not what the config files say: changed before egg-sentinel's hook was constructed, by code egg-sentinel cannot name \([^)]*a plugin's code egg runs earlier, such as an extend file\)/);
      const app = await bootApp(never);
      try {
        await app.httpRequest().post('/account/email').set('origin', 'https://evil.example').send({ email: 'attacker@evil.example' }).expect(200, { changed: true });
      } finally {
        await app.close();
      }
    });

    it('a change no config function made, with two egg-redis-style hooks before egg-sentinel\'s, is one SEN108 finding on the key naming both as suspects; those hooks alone are clean (review 21, #5)', async () => {
      const plugins = "exports.cachex = { enable: true, package: 'egg-cachex' };\nexports.dbx = { enable: true, package: 'egg-dbx' };\n";
      const dir = csrfApp('plugin-extend-csrf', {
        ...widget(patchesLifecycle('app.config.security.csrf.enable = false')), ...keepsApp('cachex'), ...keepsApp('dbx'),
        'config/plugin.js': `${plugins}exports.widget = { enable: true, package: 'egg-widget' };\n`,
      });
      const clean = csrfApp('plugin-redis-style-hooks', { ...keepsApp('cachex'), ...keepsApp('dbx'), 'config/plugin.js': plugins });
      mm.env('prod');
      const message = await expectRefused(dir, /SEN108/);
      assert.match(message, /config\.security\.csrf\.enable is not what the config files say: changed before egg-sentinel's hook was constructed, by code it cannot name \(one of the boot hooks egg constructs before it: plugin cachex \(egg-cachex\) \(node_modules\/egg-cachex\/app\.js\), plugin dbx \(egg-dbx\) \(node_modules\/egg-dbx\/app\.js\); or a plugin's code egg runs earlier, such as an extend file\)/);
      assert.deepEqual(findings(dir, 'SEN108').map(hit => hit.target), [ 'config.security.csrf.enable' ]);
      // Refused for want of a lockfile (SEN103): not SEN108's.
      const app = await bootApp(clean).catch(error => error as Error);
      if (!(app instanceof Error)) await app.close();
      assert.deepEqual(findings(clean, 'SEN108'), []);
    });

    it('a plugin that reads the app\'s config in its config function and boot hook, and app config made of Date.now(), do not fire SEN108', async () => {
      const dir = whitelistApp('plugin-appconfig-reads', widget({
        'config/config.default.js': 'module.exports = (appInfo, appConfig) => ({ widget: { domains: appConfig.security.domainWhiteList.slice() } });\n',
        'app.js': 'module.exports = class { constructor(app) { this.domains = app.config.security.domainWhiteList.length; } };\n',
      }), ', sentinel: { ipc: { previousSecrets: [ { secret: `old-${Date.now()}-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4Jf0Ge`, until: new Date(Date.now() + 864e5) } ] } }');
      mm.env('prod');
      const app = await bootApp(dir).catch(error => error as Error);
      if (!(app instanceof Error)) await app.close();
      assert.deepEqual(findings(dir, 'SEN108'), []);
      assert.doesNotMatch(app instanceof Error ? app.message : '', /invalid config\.sentinel/);
    });

    it('SEN108\'s second reading of the config files runs no function-exported app config file\'s top-level code again, and still catches a push into the object a config function keeps and returns, and a config function put in require\'s cache in place of the app\'s (review 21, #6)', async () => {
      // Each file's top-level code (a dotenv override, a connection, a process.on handler in real apps) notes each run in the app's dir.
      const noteRun = (name: string, up: string) => `require('fs').appendFileSync(require('path').join(__dirname, '${up}top-level-runs'), '${name}\\n');\n`;
      const security = "security: { domainWhiteList: [ 'www.example.org' ], csrf: { ignore: [ '/webhooks' ] } }";
      const fresh = whitelistApp('config-functions-fresh', {
        ...widget({ 'config/config.default.js': noteRun('widget', '../../../') + "module.exports = (appInfo, appConfig) => ({ widget: { domains: appConfig.security.domainWhiteList.slice() } });\n" }),
        'config/config.default.js': noteRun('app', '../') + `module.exports = () => ({ keys: 'config-functions-fresh-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4', ${security} });\n`,
      });
      // `() => config`: egg's merge hands on the kept arrays, so the plugin's push lands in what the function returns at every call.
      const kept = (name: string, sentinel: string) => whitelistApp(name, {
        ...widget({ 'config/config.default.js': PUSHES_WHITELISTS }),
        'config/config.default.js': `const config = { keys: '${name}-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4Jf0Ge', ${security}${sentinel} };\nmodule.exports = () => config;\n`,
      });
      const pushed = kept('config-function-kept', '');
      const never = kept('config-function-kept-never', ", sentinel: { failOn: 'never' }");
      // egg requires the app's config.default again after the plugins' (and the agent's loader after the app's): it calls what require's cache holds then.
      const SWAPS_APP_CONFIG = "module.exports = appInfo => {\n  const cached = require.cache[require.resolve(require('path').join(appInfo.baseDir, 'config/config.default'))];\n" +
        '  const own = cached.exports;\n  cached.exports = (...args) => { const config = own(...args); config.security.csrf.enable = false; return config; };\n  return {};\n};\n';
      const swapped = (name: string, sentinel: string) => whitelistApp(name, {
        ...widget({ 'config/config.default.js': SWAPS_APP_CONFIG }),
        'config/config.default.js': `module.exports = () => ({ keys: '${name}-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4Jf0Ge', ${security}${sentinel} });\n`,
      });
      const swaps = swapped('config-function-swapped', '');
      const swapsNever = swapped('config-function-swapped-never', ", sentinel: { failOn: 'never' }");
      mm.env('prod');
      const app = await bootApp(fresh).catch(error => error as Error);
      if (!(app instanceof Error)) await app.close();
      assert.deepEqual(findings(fresh, 'SEN108'), []);
      // A plugin's file is compiled afresh: a function of its own may push into appConfig on its first call only.
      assert.equal(fs.readFileSync(path.join(fresh, 'top-level-runs'), 'utf8').split('\n').filter(run => run === 'app').length, 1, 'the app\'s config file\'s top-level code ran once (egg\'s require)');
      const message = await expectRefused(pushed, /SEN108/);
      assert.match(message, /plugin widget \(egg-widget\) changes config\.security\.csrf\.ignore, config\.security\.domainWhiteList from its config file \(node_modules\/egg-widget\/config\/config\.default\.js\) through the app's config egg hands its config function/);
      const open = await bootApp(never);
      try {
        await open.httpRequest().post('/account/email').set('origin', 'https://evil.example').send({ email: 'attacker@evil.example' }).expect(200, { changed: true });
        await open.httpRequest().get('/go?u=https://evil.example/phish').expect(302).expect('location', 'https://evil.example/phish');
      } finally {
        await open.close();
      }
      const refused = await expectRefused(swaps, /SEN108/);
      assert.match(refused, /config\.security\.csrf\.enable is not what the config files say: changed before egg-sentinel's hook was constructed, by code it cannot name/);
      const unguarded = await bootApp(swapsNever);
      try {
        await unguarded.httpRequest().post('/account/email').set('origin', 'https://evil.example').send({ email: 'attacker@evil.example' }).expect(200, { changed: true });
      } finally {
        await unguarded.close();
      }
    });

    it('a plugin\'s csrf.ignore in its config file is SEN108 when the app\'s config has `csrf: {}` or `security: {}`, which egg records as setting it (black-box round 24)', async () => {
      const plugin = widget({ 'config/config.default.js': "exports.security = { csrf: { ignore: [ '/account' ] } };\n" });
      for (const security of [ 'security: { csrf: {} }', 'security: {}' ]) {
        const dir = csrfApp('plugin-empty-csrf', {
          ...plugin,
          'config/config.default.js': `module.exports = { keys: 'plugin-empty-csrf-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4J', ${security} };\n`,
        });
        mm.env('prod');
        const message = await expectRefused(dir, /SEN108/);
        assert.match(message, /plugin widget \(egg-widget\) sets config\.security\.csrf\.ignore in node_modules\/egg-widget\/config\/config\.default\.js; these belong to egg-security/, security);
        mm.restore();
      }
    });
  });
});
