'use strict';
/**
 * The configuration rules (SEN202–SEN206, SEN302–SEN306) on egg 4, with the egg 3 suite's cfg-* fixtures: egg 4 loads
 * config files asynchronously, records their provenance in configMeta and writes the app's config dump after ready.
 */
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { mm } = require('@eggjs/mock');
const { egg3Fixture, tempApp } = require('./egg3-fixtures');
const { eventually, fileMode, itRefuses, startMockCluster, withApp, withConfig } = require('./helpers');

const STRONG_KEY = 'x7Rk2-strong-fixture-key-9aQmZ4bLw8NcY3tVe6Hj';

/** What cfg-secure reads from the environment; every value is a fake secret that must never show up in output. */
const SECURE_ENV = {
  CFG_DB_PASSWORD: 'Tq8vN2kL5mW9xR-from-the-environment',
  CFG_UPSTREAM: JSON.stringify({ url: 'https://svc:Up5tr3amPa55word@api.internal/v1', timeoutMs: 3000 }),
  CFG_GITHUB_TOKEN: 'ghp_9Zq4Fb2XkL7mRt8Yw1Nv3Hc6Jd0Gs5Pu2EaQ',
  CFG_LATE_URL: 'postgres://late:L4t3S3cr3tPw@db.internal/app',
};
const SECURE_SECRETS = [ 'Tq8vN2kL5mW9xR-from-the-environment', 'Up5tr3amPa55word', 'ghp_9Zq4Fb2XkL7mRt8Yw1Nv3Hc6Jd0Gs5Pu2EaQ', 'L4t3S3cr3tPw' ];
const DUMPS = [ 'application_config.json', 'application_config_meta.json', 'agent_config.json', 'agent_config_meta.json' ];

function withSecureEnv() {
  for (const [ name, value ] of Object.entries(SECURE_ENV)) mm(process.env, name, value);
  // A supported Node.js: SEN607 judges the Node running the tests, which is not what these fixtures are about.
  mm(process, 'version', 'v24.17.0');
}

/** The agent's and the app's dumps are 0600 and hold no secret, and the app's is egg's after-ready write. */
function assertDumpsMasked(baseDir) {
  for (const name of DUMPS) {
    const file = path.join(baseDir, 'run', name);
    assert.equal(fileMode(file), 0o600, name);
    const text = fs.readFileSync(file, 'utf8');
    for (const secret of SECURE_SECRETS) assert.ok(!text.includes(secret), `a secret is still in ${name}`);
  }
  // lateUpstream is only in egg's after-ready dump: its presence proves that write happened, its mask that we rewrote after it.
  assert.match(fs.readFileSync(path.join(baseDir, 'run/application_config.json'), 'utf8'), /"lateUpstream"/);
}

describe('egg 4: configuration rules, secure fixture (mm.app)', () => {
  afterEach(mm.restore);

  for (const env of [ 'unittest', 'prod' ]) {
    it(`cfg-secure boots with zero findings in ${env}: secrets from env.secret/env.json/process.env, a passing user schema`, async () => {
      withSecureEnv();
      if (env === 'prod') mm.env('prod');
      await withApp(egg3Fixture('cfg-secure', { fresh: true }), async app => {
        assert.deepEqual(app.sentinel.report.findings.map(finding => `${finding.ruleId} ${finding.target}`), []);
        assert.equal(app.sentinel.report.app.env, env);
      });
    });
  }

  it('SEN204 fixed: the dumps egg 4 writes (the app\'s after ready) end up 0600 and masked, a key set after willReady included', async () => {
    withSecureEnv();
    const baseDir = egg3Fixture('cfg-secure', { fresh: true });
    await withApp(baseDir, async () => {
      await eventually(() => assertDumpsMasked(baseDir));
      const { config } = JSON.parse(fs.readFileSync(path.join(baseDir, 'run/application_config.json'), 'utf8'));
      assert.equal(config.mysql.client.password, '[REDACTED]');
      assert.equal(config.upstream.url, 'https://svc:[REDACTED]@api.internal/v1');
      assert.equal(config.mysql.client.host, 'db.internal', 'ordinary values stay');
    });
  });
});

/** A temp app whose config/config.default.js sets a strong key and `extra` (a JS object literal's body). */
const keyedApp = (name, extra = '', files = {}) => tempApp(name, {
  'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}'${extra ? `, ${extra}` : ''} };\n`, ...files,
});

function outsideDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sentinel-egg4-${prefix}-`));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('egg 4: configuration rules, insecure fixtures refuse boot (mm.app)', () => {
  afterEach(mm.restore);
  const outside = { uploads: outsideDir('uploads'), preload: outsideDir('preload') };
  fs.writeFileSync(path.join(outside.preload, 'hook.js'), '');
  // view.root: a directory egg reads (multipart.tmpdir and the like, only written, are the app's choice when its config sets them).
  const viewsApp = (name, allow) => keyedApp(name, `view: { root: ${JSON.stringify(outside.uploads)} }, sentinel: { failOn: 'medium', paths: { allow: ${JSON.stringify(allow)} } }`);

  itRefuses([
    {
      rule: 'SEN202', title: 'hard-coded secrets in prod, by key name and by value, placeholders; values never shown', env: 'prod',
      app: () => egg3Fixture('cfg-hardcoded-secret'),
      expect: [
        /where: config\.mysql\.client\.password \(from config\/config\.default\.js\)/, /config\.redis\.url holds a URL with a password/,
        /config\.deploy\.hook holds a GitHub token/, /config\.smtp\.password holds a placeholder such as "changeme"/,
      ],
      hidden: [ 'Tq8vN2kL5mW9xR-hardcoded', 'R3d1sS3cr3tPw', 'ghp_4Fq9ZbX2kLm7Rt8Yw1Nv3Hc6Jd0Gs5Pu2EaT' ],
    },
    {
      rule: 'SEN203', title: 'a static dir serving the app root is critical and names what it exposes', app: () => egg3Fixture('cfg-static-exposed'),
      expect: [ /config\.static\.dir serves .*cfg-static-exposed, which is the app root; contains config\/ \(config\)/, /where: config\.static\.dir \(from config\/config\.default\.js\)/ ],
    },
    {
      rule: 'SEN203', title: "a symlink in @eggjs/static's default dir that points out of it, and a .env file in it",
      app() {
        const dir = keyedApp('cfg-static-link', '', { 'app/public/app.css': 'body {}\n', 'app/public/.env': 'TOKEN=x\n' });
        fs.symlinkSync(path.join(dir, 'config'), path.join(dir, 'app/public/conf'));
        return dir;
      },
      expect: [ /config\.static\.dir serves app\/public, which holds \.env; holds symlinks out of it: conf -> config/ ],
    },
    {
      rule: 'SEN204', title: "with the rewrite off, the dump egg 4's agent wrote before the app's check is reported with the key path", env: 'prod',
      setup: () => mm(process.env, 'CFG_DUMP_URL', 'https://svc:DumpL34kPw@api.internal/v1'),
      app: () => egg3Fixture('cfg-dump-leak', { fresh: true }),
      // egg 4 writes the app's own dump after ready, which a refused app never reaches; the agent's is on disk.
      expect: [ /run\/agent_config\.json .*holds secret-looking values that config\.dump\.ignore did not mask at config\.upstream\.url/, /config\.sentinel\.dumps\.rewrite is false/ ],
      hidden: [ 'DumpL34kPw' ],
      then: ({ baseDir }) => assert.ok(fs.readFileSync(path.join(baseDir, 'run/agent_config.json'), 'utf8').includes('DumpL34kPw'), 'egg really wrote the secret'),
    },
    {
      rule: 'SEN205', title: 'a .env readable by others and a config file writable by others',
      app() {
        const dir = keyedApp('cfg-modes', "sentinel: { failOn: 'low' }", { '.env': 'DB_PASSWORD=x\n' });
        fs.chmodSync(path.join(dir, '.env'), 0o644);
        fs.chmodSync(path.join(dir, 'config/config.default.js'), 0o666);
        return dir;
      },
      expect: [ /\.env is readable by others while it holds secrets \(mode 0644\)/, /config\/config\.default\.js is writable by (?:group and )?others \(mode 0666\)/ ],
    },
    {
      rule: 'SEN206', title: 'a git checkout whose .gitignore misses run/ and .env* (config.local holds no secret)',
      skip: () => spawnSync('git', [ '--version' ]).status !== 0,
      app() {
        const dir = keyedApp('cfg-gitignore', "sentinel: { failOn: 'low' }", { '.gitignore': 'node_modules/\nlogs/\n' });
        assert.equal(spawnSync('git', [ 'init', '-q' ], { cwd: dir }).status, 0);
        return dir;
      },
      // config.local.* holds no secret here: egg's TypeScript boilerplate commits it.
      expect: [ /\.gitignore does not cover run\/, \.env\*$/m ],
    },
    {
      rule: 'SEN302', title: 'a constructor.prototype payload in a config file', app: () => egg3Fixture('cfg-proto-config'),
      expect: [ /where: config\.oauth\.constructor \(from config\/config\.default\.js\)/ ],
    },
    {
      rule: 'SEN302', title: 'Object.prototype polluted during boot', app: () => egg3Fixture('cfg-proto-runtime'),
      expect: [ /Object\.prototype has properties code added at boot: "sentinelFixturePolluted"/ ],
      cleanup: () => delete Object.prototype.sentinelFixturePolluted,
    },
    {
      rule: 'SEN302', title: 'EGG_APP_CONFIG with a __proto__ key', app: () => egg3Fixture('cfg-secure'),
      setup() {
        withSecureEnv();
        mm(process.env, 'EGG_APP_CONFIG', '{"__proto__":{"isAdmin":true}}');
      },
      expect: [ /EGG_APP_CONFIG holds JSON with a __proto__ or constructor\.prototype key/ ],
    },
    {
      rule: 'SEN303', title: "EGG_APP_CONFIG in prod, listing the key paths egg 4's configMeta says it set", env: 'prod', ids: [ 'SEN303', 'SEN602' ],
      app: () => egg3Fixture('cfg-secure'),
      setup() {
        withSecureEnv();
        withConfig({ security: { csrf: { enable: false } }, featureFlags: { beta: true } });
      },
      // The security-relevant key is a high finding of its own; the medium one listing both keys does not block.
      expect: [ /what: +EGG_APP_CONFIG sets config\.security\.csrf\.enable, a security-relevant key.*\n +where: EGG_APP_CONFIG security\.csrf\.enable / ],
    },
    {
      rule: 'SEN304', title: 'shipped and user schemas, with the key path, the masked value and the schema rule', app: () => egg3Fixture('cfg-schema'),
      setup: () => mm(process.env, 'CFG_PAYMENT_KEY', 'pk-short-S3cr3tK3y'),
      expect: [
        /config\.security\.xframe\.value: "ALLOWALL" must match pattern .* \(egg-sentinel's schema/,
        /config\.upstream\.url: "http:\/\/api\.internal\/v1" must match pattern "\^https:\/\/" \(config\.sentinel\.schemas/,
        /config\.payment\.apiKey: \[REDACTED\] must NOT have fewer than 40 characters/,
      ],
      hidden: [ 'S3cr3tK3y' ],
    },
    {
      rule: 'SEN305', title: 'a path outside the app root; the same path allowed by paths.allow boots', app: () => viewsApp('cfg-paths', []),
      expect: [
        /config\.view\.root ".*sentinel-egg4-uploads-.*" resolves to .*, outside the app root and config\.sentinel\.paths\.allow/,
        /where: config\.view\.root \(from config\/config\.default\.js\)/,
      ],
      then: () => withApp(viewsApp('cfg-paths-allowed', [ outside.uploads ]), async app => assert.deepEqual(app.sentinel.report.findings, [])),
    },
    {
      rule: 'SEN306', title: '--inspect in NODE_OPTIONS is critical in prod', env: 'prod', app: () => egg3Fixture('cfg-secure'),
      setup() {
        withSecureEnv();
        mm(process.env, 'NODE_OPTIONS', `${process.env.NODE_OPTIONS ?? ''} --inspect=0.0.0.0:9229`);
      },
      expect: [ /NODE_OPTIONS has --inspect "0\.0\.0\.0:9229"/ ],
    },
    {
      rule: 'SEN306', title: '--require of a module outside the app and its node_modules', app: () => keyedApp('cfg-preload', "sentinel: { failOn: 'high' }"),
      setup: () => mm(process.env, 'NODE_OPTIONS', `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(outside.preload, 'hook.js')}`),
      expect: [ /NODE_OPTIONS has --require ".*hook\.js": every process runs .*hook\.js, outside the app/ ],
    },
  ]);
});

describe('egg 4: SEN204 under a real cluster (mm.cluster)', () => {
  afterEach(mm.restore);

  it('the agent and the worker (separate processes) leave their dumps 0600 and masked', async function() {
    this.timeout(90000);
    withSecureEnv();
    const baseDir = egg3Fixture('cfg-secure', { fresh: true });
    const app = await startMockCluster({ baseDir, workers: 1 });
    try {
      assert.equal(app.proc.exitCode, null, app.stderr);
      await eventually(() => assertDumpsMasked(baseDir), 10000);
    } finally {
      await app.close();
    }
  });
});
