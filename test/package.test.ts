/**
 * The package as a user gets it: build, `npm pack`, unpack the tarball into a plain JavaScript egg app's
 * node_modules, enable it with `package: 'egg-sentinel'` and start a real egg-cluster.
 */
import assert from 'node:assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort } from './helpers';
import { tempDir } from './temp-dir';

const ROOT = path.join(__dirname, '..');
const NODE_MODULES = path.join(ROOT, 'node_modules');

const NOT_SOURCES = new Set([ 'node_modules', '.git', 'test', 'example', 'run', 'logs', 'coverage' ]);

/** Copies the sources (not compiled output) so the build below never touches the working tree. */
function copySources(from: string, to: string): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (NOT_SOURCES.has(entry.name)) continue;
    const source = path.join(from, entry.name);
    const compiled = /\.(js|d\.ts)$/.test(entry.name) && fs.existsSync(source.replace(/\.(js|d\.ts)$/, '.ts')) && !entry.name.endsWith('.ts.js');
    if (entry.isDirectory()) copySources(source, path.join(to, entry.name));
    else if (entry.isFile() && !compiled) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, path.join(to, entry.name));
    }
  }
}


function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, res => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
  });
}

/** Starts egg-cluster for `baseDir` as a user would (no ts-node, prod env); resolves on egg-ready or exit. */
function startCluster(baseDir: string, port: number, env: NodeJS.ProcessEnv, script = 'start-cluster.js', args: string[] = []) {
  const child = spawn(process.execPath, [ script, String(port), ...args ], { cwd: baseDir, env, detached: true });
  let output = '';
  child.stdout.on('data', chunk => { output += chunk; });
  child.stderr.on('data', chunk => { output += chunk; });
  const started = new Promise<{ ready: boolean; code: number | null }>(resolve => {
    child.stdout.on('data', () => output.includes('EGG-READY') && resolve({ ready: true, code: null }));
    child.on('exit', code => resolve({ ready: false, code }));
  });
  const stop = () => new Promise<void>(resolve => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    process.kill(-child.pid!, 'SIGTERM');
  });
  return { started, stop, output: () => output };
}

describe('the packed tarball in a plain JavaScript egg app (egg-cluster)', function() {
  this.timeout(180000);
  let work: string;
  let app: string;
  let packedFiles: string[];

  before(() => {
    work = tempDir('pack');
    const src = path.join(work, 'src');
    copySources(ROOT, src);
    fs.symlinkSync(NODE_MODULES, path.join(src, 'node_modules'));
    execFileSync(process.execPath, [ path.join(NODE_MODULES, 'typescript/bin/tsc'), '-p', 'tsconfig.build.json' ], { cwd: src });
    const [ packed ] = JSON.parse(execFileSync('npm', [ 'pack', '--json', '--ignore-scripts', '--pack-destination', work ], { cwd: src, encoding: 'utf8' }));
    packedFiles = packed.files.map((file: { path: string }) => file.path);

    app = path.join(work, 'app');
    const pluginDir = path.join(app, 'node_modules/egg-sentinel');
    fs.mkdirSync(pluginDir, { recursive: true });
    execFileSync('tar', [ '-xzf', path.join(work, packed.filename), '-C', pluginDir, '--strip-components=1' ]);
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'packed-user-app' }),
      'config/plugin.js': "exports.sentinel = { enable: true, package: 'egg-sentinel' };\n",
      'config/config.default.js': "module.exports = {\n" +
        "  keys: process.env.APP_KEYS || 'packed-user-app_1700000000000_4321',\n" +
        "  logger: { dir: require('path').join(__dirname, '../logs') },\n" +
        // Unpacked by hand rather than installed by npm, so there is no lockfile: say so, as a user would.
        "  sentinel: { waivers: [{ rule: 'SEN103', reason: 'test app assembled from the tarball without npm', expires: '2999-12-31' }] },\n" +
        "};\n",
      // A file, not `node -e`: egg-cluster forks workers by re-running the master's entry script.
      'start-cluster.js': "require('egg').startCluster({ baseDir: __dirname, workers: 1, port: Number(process.argv[2]) }, () => console.log('EGG-READY'));\n",
      // A launcher passing egg-cluster's own `require` option, which its agent and workers require before egg.
      'start-cluster-require.js': "require('egg').startCluster({ baseDir: __dirname, workers: 1, port: Number(process.argv[2]), require: process.argv.slice(3) }, () => console.log('EGG-READY'));\n",
      'app/router.js': "module.exports = app => { app.router.get('/', ctx => { ctx.body = 'ok'; }); };\n",
    };
    for (const [ file, content ] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
      fs.writeFileSync(path.join(app, file), content);
    }
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('ships compiled CommonJS, typings, the schema and docs, and no sources or tests', () => {
    for (const file of [ 'package.json', 'index.js', 'index.d.ts', 'app.js', 'agent.js', 'preflight.js', 'config/config.default.js',
      'lib/boot.js', 'lib/config/sentinel.schema.json', 'lib/report/report.schema.json', 'bin/egg-sentinel.js', 'README.md', 'LICENSE', 'CHANGELOG.md', 'docs/rules.md' ]) {
      assert.ok(packedFiles.includes(file), `${file} is packed`);
    }
    const unwanted = packedFiles.filter(file => (file.endsWith('.ts') && !file.endsWith('.d.ts')) || /^(test|example|scripts|\.ci)\//.test(file));
    assert.deepEqual(unwanted, []);
  });

  // A user's environment: no ts-node, no test settings.
  const userEnv = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: NODE_MODULES, EGG_SERVER_ENV: 'prod' };
    for (const name of [ 'NODE_OPTIONS', 'EGG_TYPESCRIPT', 'TS_NODE_FILES', 'NODE_ENV', 'EGG_BIN_PREREQUIRE' ]) delete env[name];
    return { ...env, ...extra };
  };

  it('refuses an insecure boot: the master exits non-zero naming SEN201', async () => {
    const cluster = startCluster(app, await freePort(), userEnv({}));
    const result = await cluster.started;
    await cluster.stop();
    assert.equal(result.ready, false, cluster.output());
    assert.notEqual(result.code, 0);
    assert.match(cluster.output(), /boot refused by the app: 1 finding\(s\) at or above "high" in env "prod" \(SEN201\)/);
  });

  it('a refusal a plugin swallows (wrapping app.lifecycle.ready) still stops the start: the worker exits before it listens (black-box round 24)', async () => {
    const swallowing = path.join(work, 'app-swallowing');
    fs.cpSync(app, swallowing, { recursive: true, filter: source => !/[\\/](run|logs)$/.test(source) });
    // What the tester's third-party plugin did: turn egg-sentinel's error into a ready `true`.
    fs.mkdirSync(path.join(swallowing, 'lib/plugin/tracing'), { recursive: true });
    fs.writeFileSync(path.join(swallowing, 'lib/plugin/tracing/package.json'), JSON.stringify({ name: 'tracing', eggPlugin: { name: 'tracing' } }));
    fs.writeFileSync(path.join(swallowing, 'lib/plugin/tracing/app.js'), 'module.exports = class { constructor(app) {\n' +
      '  const lifecycle = app.lifecycle; const ready = lifecycle.ready;\n' +
      '  lifecycle.ready = function(arg) { return ready.call(this, arg instanceof Error && /sentinel/i.test(arg.name) ? true : arg); };\n} };\n');
    fs.appendFileSync(path.join(swallowing, 'config/plugin.js'), "exports.tracing = { enable: true, path: require('path').join(__dirname, '../lib/plugin/tracing') };\n");
    const port = await freePort();
    const cluster = startCluster(swallowing, port, userEnv({}));
    const result = await cluster.started;
    await cluster.stop();
    assert.equal(result.ready, false, cluster.output());
    assert.notEqual(result.code, 0);
    assert.match(cluster.output(), /boot refused by the app: 1 finding\(s\) at or above "high" in env "prod" \(SEN201\)/);
    assert.match(cluster.output(), /yet egg reported the worker ready: code in this process .* swallowed the refusal/);
  });

  it('boots the secure setup and serves requests, with a 0600 report', async () => {
    const port = await freePort();
    const cluster = startCluster(app, port, userEnv({ APP_KEYS: 'n0t-a-real-secret-but-long-and-random-Zq8Xw3Lk9' }));
    try {
      const result = await cluster.started;
      assert.equal(result.ready, true, cluster.output());
      assert.equal(await get(port), 200);
      const report = path.join(app, 'run/sentinel-report.json');
      assert.equal(fs.statSync(report).mode & 0o777, 0o600);
      const json = JSON.parse(fs.readFileSync(report, 'utf8'));
      assert.equal(json.refused, false);
      // The worker took the shared facts from the agent (collected once, after the agent's ready) instead of collecting them,
      // and the agent removed the handover once the cluster was ready (egg-ready).
      assert.equal(typeof json.timings.handover, 'number');
      assert.match(fs.readFileSync(path.join(app, 'logs/egg-agent.log'), 'utf8'), /collected facts for the app workers in [\d.]+ ms: \d+ plugin\(s\)/);
      const handover = path.join(app, 'run/sentinel-boot-facts.json');
      for (let waited = 0; fs.existsSync(handover) && waited < 5000; waited += 50) await new Promise(resolve => setTimeout(resolve, 50));
      assert.ok(!fs.existsSync(handover), 'the handover outlived the boot');
    } finally {
      await cluster.stop();
    }
  });

  it('NODE_OPTIONS=--require egg-sentinel/preflight stops a traversal before egg runs the outside file', async () => {
    const marker = path.join(work, 'outside-ran');
    fs.writeFileSync(path.join(work, 'outside.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = {};\n`);
    const traversal = `/${'../'.repeat(30)}${work.slice(1)}/outside`;
    const cluster = startCluster(app, await freePort(), userEnv({ EGG_SERVER_ENV: traversal, NODE_OPTIONS: '--require egg-sentinel/preflight' }));
    const result = await cluster.started;
    await cluster.stop();
    assert.equal(result.code, 1);
    assert.match(cluster.output(), /\[egg-sentinel preflight\] refused to start \(SEN301/);
    assert.ok(!fs.existsSync(marker), 'the outside file never ran');
  });

  it('the preflight stops EGG_APP_CONFIG customLoader and EGG_OPTIONS_PATH_TO_REGEXP_MODULE before egg runs their code', async () => {
    const marker = path.join(work, 'loader-ran');
    const evil = path.join(work, 'evil-loader');
    fs.mkdirSync(evil, { recursive: true });
    fs.writeFileSync(path.join(evil, 'pwn.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = {};\n`);
    const appConfig = JSON.stringify({ customLoader: { pwn: { directory: path.relative(app, evil), inject: 'app' } } });
    const cluster = startCluster(app, await freePort(), userEnv({ EGG_APP_CONFIG: appConfig, EGG_OPTIONS_PATH_TO_REGEXP_MODULE: path.join(evil, 'pwn.js'),
      NODE_OPTIONS: '--require egg-sentinel/preflight' }));
    const result = await cluster.started;
    await cluster.stop();
    assert.equal(result.code, 1);
    assert.match(cluster.output(), /\[egg-sentinel preflight\] refused to start: EGG_APP_CONFIG sets customLoader/);
    assert.match(cluster.output(), /EGG_OPTIONS_PATH_TO_REGEXP_MODULE makes egg require/);
    assert.ok(!fs.existsSync(marker), 'the outside code never ran');
  });

  it('the preflight refuses a preload NODE_OPTIONS names after it from outside the app, before it runs (black-box round 23)', async () => {
    const marker = path.join(work, 'preload-ran');
    fs.writeFileSync(path.join(work, 'preload.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    const cluster = startCluster(app, await freePort(), userEnv({ NODE_OPTIONS: `--require egg-sentinel/preflight --require ${path.join(work, 'preload.js')}` }));
    const result = await cluster.started;
    await cluster.stop();
    assert.equal(result.code, 1);
    assert.match(cluster.output(), /\[egg-sentinel preflight\] refused to start \(SEN306\): preloads after the preflight would run code nobody reviewed with the app/);
    assert.ok(!fs.existsSync(marker), 'the preload never ran');
  });

  it('egg-cluster\'s own `require` option naming a file outside the app: SEN306 refuses the boot once it ran in the agent and worker, the preflight before it runs (black-box round 25, h75 F13)', async () => {
    const marker = path.join(work, 'cluster-require-ran');
    const payload = path.join(work, 'cluster-require.js');
    fs.writeFileSync(payload, `require('fs').appendFileSync(${JSON.stringify(marker)}, require('path').basename(process.argv[1]) + '\\n');\n`);
    const keys = { APP_KEYS: 'n0t-a-real-secret-but-long-and-random-Zq8Xw3Lk9' };
    const unguarded = startCluster(app, await freePort(), userEnv(keys), 'start-cluster-require.js', [ payload ]);
    const booted = await unguarded.started;
    await unguarded.stop();
    assert.equal(booted.ready, false, unguarded.output());
    assert.match(fs.readFileSync(marker, 'utf8'), /agent_worker\.js/, 'egg-cluster required it in the agent');
    assert.match(unguarded.output(), /high +SEN306 .*\n.*egg-cluster's `require` start option names ".*cluster-require\.js": the agent and every app worker require .*cluster-require\.js, outside the app/);
    fs.rmSync(marker);
    const guarded = startCluster(app, await freePort(), userEnv({ ...keys, NODE_OPTIONS: '--require egg-sentinel/preflight' }), 'start-cluster-require.js', [ payload ]);
    const result = await guarded.started;
    await guarded.stop();
    assert.equal(result.code, 1, guarded.output());
    assert.match(guarded.output(), /\[egg-sentinel preflight\] refused to start \(SEN306\): egg-cluster's `require` start option .*\n {2}- ".*cluster-require\.js": .*cluster-require\.js is outside the app/);
    assert.ok(!fs.existsSync(marker), 'the entry never ran');
  });

  it('the preflight refuses a start in which egg-sentinel is switched off for the env, and lets the same app start with it on', async () => {
    // The preflight refuses a framework the app does not declare and install (egg here comes from NODE_PATH): this app
    // declares one of its own, installed in its node_modules, which is egg itself.
    const declared = path.join(work, 'app-with-framework');
    fs.cpSync(app, declared, { recursive: true, filter: source => !/[\\/](run|logs)$/.test(source) });
    fs.writeFileSync(path.join(declared, 'package.json'), JSON.stringify({ name: 'packed-user-app', egg: { framework: 'user-framework' }, dependencies: { 'user-framework': '1.0.0' } }));
    const framework = path.join(declared, 'node_modules/user-framework');
    fs.mkdirSync(framework, { recursive: true });
    fs.writeFileSync(path.join(framework, 'package.json'), JSON.stringify({ name: 'user-framework', version: '1.0.0', main: 'index.js' }));
    fs.writeFileSync(path.join(framework, 'index.js'), "module.exports = require('egg');\n");
    const env = userEnv({ APP_KEYS: 'n0t-a-real-secret-but-long-and-random-Zq8Xw3Lk9', NODE_OPTIONS: '--require egg-sentinel/preflight' });
    const pluginProd = path.join(declared, 'config/plugin.prod.js');
    fs.writeFileSync(pluginProd, 'exports.sentinel = false;\n');
    const off = startCluster(declared, await freePort(), env);
    const refused = await off.started;
    await off.stop();
    assert.equal(refused.ready, false, off.output());
    assert.notEqual(refused.code, 0);
    assert.match(off.output(), /\[egg-sentinel preflight\] refused to start: egg-sentinel did not run in the agent \(env prod\), though NODE_OPTIONS loads its preflight/);
    fs.rmSync(pluginProd);
    const port = await freePort();
    const on = startCluster(declared, port, env);
    try {
      const result = await on.started;
      assert.equal(result.ready, true, on.output());
      assert.equal(await get(port), 200);
      assert.doesNotMatch(on.output(), /egg-sentinel did not run/);
    } finally {
      await on.stop();
    }
  });

  it('the egg-sentinel bin runs from the tarball: rules, and an audit of this JavaScript app, which leaves the report of its last boot', () => {
    const bin = path.join(app, 'node_modules/egg-sentinel/bin/egg-sentinel.js');
    assert.match(fs.readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    const rules = spawnSync(process.execPath, [ bin, 'rules' ], { cwd: app, env: userEnv({}), encoding: 'utf8' });
    assert.equal(rules.status, 0, rules.stderr);
    assert.match(rules.stdout, /^SEN201 /m);
    // What a refused boot left, from a process that has ended: the audit, which runs the app's egg-sentinel hooks up
    // to configDidLoad, leaves it (it writes nothing into the app).
    const reportFile = path.join(app, 'run/sentinel-report.json');
    fs.mkdirSync(path.dirname(reportFile), { recursive: true });
    const earlier = `${JSON.stringify({ tool: { name: 'egg-sentinel' }, pid: 2 ** 22 + 1, refused: true })}\n`;
    fs.writeFileSync(reportFile, earlier, { mode: 0o600 });
    const audit = spawnSync(process.execPath, [ bin, 'audit' ], { cwd: app, env: userEnv({}), encoding: 'utf8' });
    assert.equal(audit.status, 1, audit.stderr);
    assert.match(audit.stdout, /✘ SEN201 .*\n.*\n.*where: config\.keys at config\/config\.default\.js:2/);
    assert.equal(fs.readFileSync(reportFile, 'utf8'), earlier);
  });
});
