/**
 * egg-scripts start as a deploy runs it: the master is whatever `node` egg-scripts finds first along the PATH it
 * builds, which begins with the app's node_modules/.bin (black-box round 24).
 */
import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-egg-scripts-')));
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
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-egg-scripts-eval-')));
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
