'use strict';
/**
 * An ES module egg 4 app ("type": "module", config and router as ES modules) started with egg's own startCluster from
 * an ES module: egg runs its ESM build and loads plugins from their `eggPlugin.exports.import` builds, and
 * egg-sentinel's CommonJS build is loaded through import(). Real processes: master, agent, one app worker.
 */
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { fixture, freePort, readJson } = require('./helpers');

const APP = fixture('esm-app');

function get(port) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, res => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject);
  });
}

/** Clusters this file started; each test's are stopped after it, also when it failed. */
const running = [];

/** Starts the app's start-cluster.js in prod; `started` resolves once it is ready or has exited. Detached: stop() ends the whole tree. */
async function startCluster(env) {
  const port = await freePort();
  const child = spawn(process.execPath, [ 'start-cluster.js', String(port) ], {
    cwd: APP, detached: true, env: { ...process.env, EGG_SERVER_ENV: 'prod', ...env },
  });
  let output = '';
  const started = new Promise(resolve => {
    const collect = chunk => {
      output += chunk;
      if (output.includes('EGG-READY')) resolve({ ready: true });
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('exit', code => resolve({ ready: false, code }));
  });
  const stop = () => new Promise(resolve => {
    try {
      process.kill(-child.pid, 'SIGTERM'); // the master, and an agent or worker it left behind
    } catch {
      // the whole group has exited
    }
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });
  const cluster = { port, started, stop, output: () => output };
  running.push(cluster);
  return cluster;
}

describe('egg 4: an ES module app under a real cluster (startCluster from an ES module)', function() {
  this.timeout(90000);
  before(() => fs.rmSync(path.join(APP, 'run'), { recursive: true, force: true }));
  afterEach(() => Promise.all(running.splice(0).map(cluster => cluster.stop())));

  it('refuses the scaffolded key in prod: the worker refuses and the master exits non-zero naming SEN201', async () => {
    const cluster = await startCluster({});
    const result = await cluster.started;
    assert.equal(result.ready, false, cluster.output());
    assert.notEqual(result.code, 0);
    assert.match(cluster.output(), /boot refused by the app: 1 finding\(s\) at or above "high" in env "prod" \(SEN201\)/);
  });

  it('NODE_OPTIONS=--require egg-sentinel/preflight stops an env traversal before egg 4 runs the file outside the app', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-egg4-preflight-'));
    try {
      const marker = path.join(outside, 'ran');
      fs.writeFileSync(path.join(outside, 'evil.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = {};\n`);
      const cluster = await startCluster({
        EGG_SERVER_ENV: `/${'../'.repeat(30)}${outside.slice(1)}/evil`,
        NODE_OPTIONS: `--require ${path.join(process.env.EGG_SENTINEL_DIR, 'preflight.js')}`,
      });
      const result = await cluster.started;
      assert.equal(result.code, 1, cluster.output());
      assert.match(cluster.output(), /\[egg-sentinel preflight\] refused to start \(SEN301/);
      assert.ok(!fs.existsSync(marker), 'the outside file never ran');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('boots with a key from the environment, serves requests, and egg ran its ESM build', async () => {
    const cluster = await startCluster({ ESM_APP_KEYS: 'n0t-a-real-secret-but-long-and-random-Zq8Xw3Lk9' });
    assert.equal((await cluster.started).ready, true, cluster.output());
    assert.equal(await get(cluster.port), 200);
    const report = readJson(path.join(APP, 'run/sentinel-report.json'));
    assert.equal(report.refused, false);
    assert.match(report.app.eggVersion, /^4\./);
    // egg dumps the plugins it loaded: in ESM mode, the `import` builds of egg's own plugins.
    const { plugins } = readJson(path.join(APP, 'run/application_config.json'));
    assert.match(plugins.security.path, /@eggjs\/security\/dist\/esm$/);
  });
});
