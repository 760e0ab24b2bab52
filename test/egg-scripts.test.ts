/**
 * egg-scripts start as a deploy runs it: the master is whatever `node` egg-scripts finds first along the PATH it
 * builds, which begins with the app's node_modules/.bin (black-box round 24).
 */
import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './temp-dir';

const ROOT = path.join(__dirname, '..');
const EGG_SCRIPTS = path.join(ROOT, 'node_modules/egg-scripts/bin/egg-scripts.js');

describe('egg-scripts start with a dependency whose bin is named node (SEN111)', function() {
  this.timeout(120000);
  let work: string;
  let app: string;
  let marker: string;
  const title = `sentinel-test-shadow-node-${process.pid}`;

  before(function() {
    if (process.platform === 'win32') this.skip();
    work = fs.realpathSync(tempDir('egg-scripts'));
    app = path.join(work, 'app');
    marker = path.join(work, 'shadow-ran');
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'shadowed-app', dependencies: { egg: '^3.0.0', 'left-padder': '1.0.0' } }),
      'node_modules/left-padder/package.json': JSON.stringify({ name: 'left-padder', version: '1.0.0', bin: { node: 'bin/pad.sh' } }),
      // What npm links as node_modules/.bin/node: it runs as the master, then hands over to the real node.
      'node_modules/left-padder/bin/pad.sh': `#!/bin/sh\necho ran > ${JSON.stringify(marker)}\nexec ${JSON.stringify(process.execPath)} "$@"\n`,
      // The master need not boot for the proof: the agent stops at this config, and the master exits with it.
      'config/config.default.js': "throw new Error('the test app stops here');\n",
    };
    for (const [ file, content ] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
      fs.writeFileSync(path.join(app, file), content, { mode: 0o755 });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules/egg'), path.join(app, 'node_modules/egg'));
    fs.mkdirSync(path.join(app, 'node_modules/.bin'));
    fs.symlinkSync('../left-padder/bin/pad.sh', path.join(app, 'node_modules/.bin/node'));
  });
  after(() => {
    if (!work) return;
    // Nothing should be left running; should the master have booted, stop it by its title.
    spawnSync(process.execPath, [ EGG_SCRIPTS, 'stop', `--title=${title}` ], { cwd: app, env: { ...process.env, HOME: work }, timeout: 20000 });
    fs.rmSync(work, { recursive: true, force: true });
  });

  const start = (nodeOptions: string | undefined) => {
    fs.rmSync(marker, { force: true });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') };
    for (const name of [ 'NODE_OPTIONS', 'EGG_SERVER_ENV', 'NODE_ENV', 'EGG_TYPESCRIPT', 'EGG_BIN_PREREQUIRE' ]) delete env[name];
    if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
    return spawnSync(process.execPath, [ EGG_SCRIPTS, 'start', `--title=${title}`, '--workers=1', '--port=0', app ], { cwd: app, env, encoding: 'utf8', timeout: 50000 });
  };

  it('without the preflight, egg-scripts runs the package\'s script as the master', () => {
    const result = start(undefined);
    assert.ok(fs.existsSync(marker), `the shadowing node ran: ${result.stdout}${result.stderr}`);
  });

  it('with the preflight, the start is refused in the egg-scripts process before the master is spawned', () => {
    const preflight = `--require ${require.resolve('ts-node/register/transpile-only')} --require ${path.join(ROOT, 'preflight.ts')}`;
    const result = start(preflight);
    assert.equal(result.status, 1, `${result.stdout}${result.stderr}`);
    assert.match(result.stderr, /\[egg-sentinel preflight\] refused to start \(SEN111\): egg-scripts start would run `node`, found first on the PATH egg-scripts builds .* as the master: .*node_modules\/\.bin\/node is .*left-padder\/bin\/pad\.sh, a file of the package left-padder/);
    assert.ok(!fs.existsSync(marker), 'the shadowing node never ran');
  });
});

describe('egg-scripts start with a node option that replaces the entry script (SEN306, black-box round 25)', function() {
  this.timeout(120000);
  let work: string;
  let app: string;
  let marker: string;
  const title = `sentinel-test-node-eval-${process.pid}`;

  before(function() {
    if (process.platform === 'win32') this.skip();
    work = fs.realpathSync(tempDir('egg-scripts-eval'));
    app = path.join(work, 'app');
    marker = path.join(work, 'eval-ran');
    fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'eval-app', dependencies: { egg: '^3.0.0' } }));
    // The attacker's master: it could start egg itself with egg-sentinel switched off; here it leaves a mark.
    fs.writeFileSync(path.join(work, 'master.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    fs.symlinkSync(path.join(ROOT, 'node_modules/egg'), path.join(app, 'node_modules/egg'));
  });
  after(() => {
    if (!work) return;
    spawnSync(process.execPath, [ EGG_SCRIPTS, 'stop', `--title=${title}` ], { cwd: app, env: { ...process.env, HOME: work }, timeout: 20000 });
    fs.rmSync(work, { recursive: true, force: true });
  });

  const start = (nodeOptions: string | undefined, args: string[]) => {
    fs.rmSync(marker, { force: true });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') };
    for (const name of [ 'NODE_OPTIONS', 'EGG_SERVER_ENV', 'NODE_ENV', 'EGG_TYPESCRIPT', 'EGG_BIN_PREREQUIRE' ]) delete env[name];
    if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
    return spawnSync(process.execPath, [ EGG_SCRIPTS, 'start', `--title=${title}`, '--workers=1', '--port=0', ...args, app ], { cwd: app, env, encoding: 'utf8', timeout: 50000 });
  };
  const preflight = () => `--require ${require.resolve('ts-node/register/transpile-only')} --require ${path.join(ROOT, 'preflight.ts')}`;
  const evalOption = () => `--node-options--eval=require(${JSON.stringify(path.join(work, 'master.js'))})`;

  it('without the preflight, the --eval code runs as the master instead of egg', () => {
    const result = start(undefined, [ evalOption() ]);
    assert.ok(fs.existsSync(marker), `the code ran as the master: ${result.stdout}${result.stderr}`);
  });

  it('with the preflight, the master refuses before the code runs: from the command line, and from package.json\'s eggScriptsConfig', () => {
    const fromCommandLine = start(preflight(), [ evalOption() ]);
    assert.match(fromCommandLine.stderr, /\[egg-sentinel preflight\] refused to start \(SEN306\): node was started with --eval, which runs code of its own instead of egg's entry script/);
    assert.ok(!fs.existsSync(marker), 'the code never ran');
    const packageJson = path.join(app, 'package.json');
    const declared = JSON.parse(fs.readFileSync(packageJson, 'utf8'));
    fs.writeFileSync(packageJson, JSON.stringify({ ...declared, eggScriptsConfig: { 'node-options--print': `require(${JSON.stringify(path.join(work, 'master.js'))})` } }));
    try {
      const fromPackageJson = start(preflight(), []);
      assert.match(fromPackageJson.stderr, /refused to start \(SEN306\): node was started with --print/);
      assert.ok(!fs.existsSync(marker), 'the code never ran');
    } finally {
      fs.writeFileSync(packageJson, JSON.stringify(declared));
    }
  });
});

describe('npm start with node-options in the app\'s .npmrc, which replaces NODE_OPTIONS (SEN307, black-box round 25, h75 F11)', function() {
  this.timeout(180000);
  let work: string;
  let app: string;
  const title = `sentinel-test-npm-node-options-${process.pid}`;
  // npm itself, as `npm test` names it, else the one on the PATH.
  const npm = process.env.npm_execpath?.endsWith('.js') ? [ process.execPath, process.env.npm_execpath ] : [ 'npm' ];

  before(function() {
    if (process.platform !== 'linux' || spawnSync(npm[0], [ ...npm.slice(1), '--version' ]).status !== 0) this.skip();
    work = fs.realpathSync(tempDir('npm-start'));
    app = path.join(work, 'app');
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'npm-app', dependencies: { egg: '^3.0.0', 'egg-scripts': '^3.0.0' },
        scripts: { start: `egg-scripts start --daemon --title=${title} --workers=1 --port=0` } }),
      // A memory limit, as a team sets it, and the TypeScript hook this repository's egg-sentinel needs: not the preflight.
      '.npmrc': `node-options=--max-old-space-size=512 --require ${require.resolve('ts-node/register/transpile-only')}\n`,
      'config/config.default.js': "module.exports = { keys: 'npm-app-9QfeBbtcbvfAOIqJhPY_wSaQDjAe-UmHIr210gFWN60' };\n",
      'config/plugin.js': `exports.sentinel = { enable: true, path: ${JSON.stringify(ROOT)} };\n`,
    };
    for (const [ file, content ] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
      fs.writeFileSync(path.join(app, file), content);
    }
    fs.mkdirSync(path.join(app, 'node_modules/.bin'), { recursive: true });
    for (const name of [ 'egg', 'egg-scripts' ]) fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(app, 'node_modules', name));
    fs.symlinkSync('../egg-scripts/bin/egg-scripts.js', path.join(app, 'node_modules/.bin/egg-scripts'));
  });
  after(() => {
    if (!work) return;
    spawnSync(process.execPath, [ EGG_SCRIPTS, 'stop', `--title=${title}` ], { cwd: app, env: { ...process.env, HOME: work, MOCK_HOME_DIR: work }, timeout: 20000 });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('the preflight the deploy loads through NODE_OPTIONS never loads; the boot check notices and refuses the start', () => {
    // MOCK_HOME_DIR: where egg-scripts writes the master's logs (and the master's HOME), a directory only this user can write.
    const env: NodeJS.ProcessEnv = { HOME: work, MOCK_HOME_DIR: work, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
      EGG_TYPESCRIPT: 'true', NODE_OPTIONS: `--require ${require.resolve('ts-node/register/transpile-only')} --require ${path.join(ROOT, 'preflight.ts')}` };
    const result = spawnSync(npm[0], [ ...npm.slice(1), 'start' ], { cwd: app, env, encoding: 'utf8', timeout: 150000 });
    const stderrLog = path.join(work, 'logs/master-stderr.log');
    const output = `${result.stdout}${result.stderr}${fs.existsSync(stderrLog) ? fs.readFileSync(stderrLog, 'utf8') : ''}`;
    assert.notEqual(result.status, 0, output);
    assert.match(output, /SEN307/, output);
    assert.match(output, /egg-sentinel's preflight is not loaded in this process, though its ancestor .* \(pid \d+\) was started with NODE_OPTIONS loading it: npm started it with NODE_OPTIONS set to its node-options config "--max-old-space-size=512 --require .*", which the app's \.npmrc sets/);
  });
});
