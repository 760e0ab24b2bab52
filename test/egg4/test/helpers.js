'use strict';

const assert = require('node:assert');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { PassThrough } = require('node:stream');
const { mm } = require('@eggjs/mock');

const EGG_DIR = path.dirname(require.resolve('egg/package.json'));

function fixture(name) {
  return path.join(__dirname, 'fixtures/apps', name);
}

/** Boots a real egg 4 app with mm.app() and asserts that boot is refused; returns the error message. */
async function expectRefused(baseDir, pattern) {
  const app = mm.app({ baseDir, cache: false });
  let message = '';
  try {
    await assert.rejects(app.ready(), error => {
      message = error.message;
      assert.match(message, pattern);
      return true;
    });
  } finally {
    await app.close();
  }
  return message;
}

/** Boots a real egg 4 app with mm.app() and returns it ready; the caller closes it. */
async function bootApp(baseDir) {
  const app = mm.app({ baseDir, cache: false });
  await app.ready();
  return app;
}

/** Runs `use` on an app booted from `baseDir` and closes it, also when an assertion fails. */
async function withApp(baseDir, use) {
  const app = await bootApp(baseDir);
  try {
    await use(app);
  } finally {
    await app.close();
  }
}

/** Extra config through EGG_APP_CONFIG, which egg merges after every config file (arrays are replaced). */
function withConfig(config) {
  mm(process.env, 'EGG_APP_CONFIG', JSON.stringify(config));
}

/** Findings of the report the last boot of `baseDir` wrote whose rule id starts with `prefix` (an id or an area: 'SEN1'). */
function reportFindings(baseDir, prefix) {
  return readJson(path.join(baseDir, 'run/sentinel-report.json')).findings.filter(finding => finding.ruleId.startsWith(prefix));
}

/** The rule ids a refusal names in its first line: `(SEN202, SEN202)` → [ 'SEN202' ]. */
function refusedIds(message) {
  return [ ...new Set(/\(((?:SEN\d{3}(?:, )?)+)\)/.exec(message)?.[1].split(', ') ?? []) ];
}

/**
 * One test per case: `setup()`, `env` ('prod' or egg-mock's default), then `app()` (its baseDir) booted and refused
 * naming `rule`; the refusal's first line names exactly `ids` (default: the rule), and the message matches every
 * pattern of `expect` and holds no string of `hidden`. `then({ message, baseDir })` goes on (a request that shows the
 * hole is real); `cleanup()` runs after it, also on failure. `skip()` true skips the case.
 */
function itRefuses(cases) {
  for (const c of cases) {
    it(`${c.rule}: ${c.title}`, async function() {
      if (c.skip?.()) this.skip();
      try {
        if (c.env) mm.env(c.env);
        await c.setup?.();
        const baseDir = c.app();
        const message = await expectRefused(baseDir, new RegExp(c.rule));
        assert.deepEqual(refusedIds(message), c.ids ?? [ c.rule ]);
        for (const pattern of c.expect ?? []) assert.match(message, pattern);
        for (const secret of c.hidden ?? []) assert.ok(!message.includes(secret), 'a secret value is in the refusal');
        await c.then?.({ message, baseDir });
      } finally {
        c.cleanup?.();
      }
    });
  }
}

/** `egg-sentinel <args>` from the build, in this process (as the egg 3 suite runs lib/cli): exit code and output. */
async function sentinelCli(args) {
  const { runCli } = require(path.join(process.env.EGG_SENTINEL_DIR, 'lib/cli'));
  const out = { stdout: '', stderr: '' };
  const streams = {};
  for (const name of [ 'stdout', 'stderr' ]) {
    streams[name] = new PassThrough();
    streams[name].on('data', chunk => { out[name] += chunk; });
  }
  const code = await runCli(args, { ...streams, env: process.env, cwd: process.cwd() });
  return { code, ...out };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/**
 * A real cluster (mm.cluster) on a free port, ready. @eggjs/mock, like egg-mock, counts ports up from 17001, so two
 * suites running on one machine would otherwise send their requests to each other's apps. Its afterEach restores the
 * mocks of every live cluster by spawning a node process that posts to a worker, after each test: these tests mock
 * nothing in a cluster's workers.
 */
async function startMockCluster(options) {
  const app = mm.cluster({ cache: false, ...options, port: await freePort() });
  app.mockRestore = () => undefined;
  await app.ready();
  return app;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function fileMode(file) {
  return fs.statSync(file).mode & 0o777;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Polls until `check` passes (what crosses processes or happens after ready arrives a moment later); throws its last error. */
async function eventually(check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

module.exports = {
  EGG_DIR, bootApp, eventually, expectRefused, fileMode, fixture, freePort, itRefuses, readJson, refusedIds, reportFindings, sentinelCli, sleep, startMockCluster,
  withApp, withConfig,
};
