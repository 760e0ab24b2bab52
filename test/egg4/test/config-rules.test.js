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
const { eventually, expectRefused, fileMode, refusedIds, startMockCluster, withApp, withConfig } = require('./helpers');

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

describe('egg 4: configuration rules, insecure fixtures refuse boot (mm.app)', () => {
  const dirs = [];
  afterEach(mm.restore);
  after(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));
  const outsideDir = prefix => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sentinel-egg4-${prefix}-`));
    dirs.push(dir);
    return dir;
  };

  it('SEN202: hard-coded secrets in prod, by key name and by value, placeholders; values never shown', async () => {
    mm.env('prod');
    const message = await expectRefused(egg3Fixture('cfg-hardcoded-secret'), /SEN202/);
    assert.deepEqual(refusedIds(message), [ 'SEN202' ]);
    assert.match(message, /where: config\.mysql\.client\.password \(from config\/config\.default\.js\)/);
    assert.match(message, /config\.redis\.url holds a URL with a password/);
    assert.match(message, /config\.deploy\.hook holds a GitHub token/);
    assert.match(message, /config\.smtp\.password holds a placeholder such as "changeme"/);
    for (const secret of [ 'Tq8vN2kL5mW9xR-hardcoded', 'R3d1sS3cr3tPw', 'ghp_4Fq9ZbX2kLm7Rt8Yw1Nv3Hc6Jd0Gs5Pu2EaT' ]) {
      assert.ok(!message.includes(secret), 'a secret value is in the refusal');
    }
  });

  it('SEN203: a static dir serving the app root is critical and names what it exposes', async () => {
    const message = await expectRefused(egg3Fixture('cfg-static-exposed'), /SEN203/);
    assert.deepEqual(refusedIds(message), [ 'SEN203' ]);
    assert.match(message, /config\.static\.dir serves .*cfg-static-exposed, which is the app root; contains config\/ \(config\)/);
    assert.match(message, /where: config\.static\.dir \(from config\/config\.default\.js\)/);
  });

  it('SEN203: a symlink in @eggjs/static\'s default dir that points out of it, and a .env file in it', async () => {
    const dir = tempApp('cfg-static-link', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/app.css': 'body {}\n',
      'app/public/.env': 'TOKEN=x\n',
    });
    fs.symlinkSync(path.join(dir, 'config'), path.join(dir, 'app/public/conf'));
    const message = await expectRefused(dir, /SEN203/);
    assert.match(message, /config\.static\.dir serves app\/public, which holds \.env; holds symlinks out of it: conf -> config/);
  });

  it('SEN204: with the rewrite off, the dump egg 4\'s agent wrote before the app\'s check is reported with the key path', async () => {
    mm.env('prod');
    mm(process.env, 'CFG_DUMP_URL', 'https://svc:DumpL34kPw@api.internal/v1');
    const baseDir = egg3Fixture('cfg-dump-leak', { fresh: true });
    const message = await expectRefused(baseDir, /SEN204/);
    assert.deepEqual(refusedIds(message), [ 'SEN204' ]);
    // egg 4 writes the app's own dump after ready, which a refused app never reaches; the agent's is on disk.
    assert.match(message, /run\/agent_config\.json .*holds secret-looking values that config\.dump\.ignore did not mask at config\.upstream\.url/);
    assert.match(message, /config\.sentinel\.dumps\.rewrite is false/);
    assert.ok(!message.includes('DumpL34kPw'));
    assert.ok(fs.readFileSync(path.join(baseDir, 'run/agent_config.json'), 'utf8').includes('DumpL34kPw'), 'egg really wrote the secret');
  });

  it('SEN205: a .env readable by others and a config file writable by others', async () => {
    const dir = tempApp('cfg-modes', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'medium' } };\n`,
      '.env': 'DB_PASSWORD=x\n',
    });
    fs.chmodSync(path.join(dir, '.env'), 0o644);
    fs.chmodSync(path.join(dir, 'config/config.default.js'), 0o666);
    const message = await expectRefused(dir, /SEN205/);
    assert.deepEqual(refusedIds(message), [ 'SEN205' ]);
    assert.match(message, /\.env is readable by others while it holds secrets \(mode 0644\)/);
    assert.match(message, /config\/config\.default\.js is writable by group and others \(mode 0666\)/);
  });

  it('SEN206: a git checkout whose .gitignore misses run/, .env* and config.local', async function() {
    if (spawnSync('git', [ '--version' ]).status !== 0) this.skip();
    const dir = tempApp('cfg-gitignore', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'low' } };\n`,
      '.gitignore': 'node_modules/\nlogs/\n',
    });
    assert.equal(spawnSync('git', [ 'init', '-q' ], { cwd: dir }).status, 0);
    const message = await expectRefused(dir, /SEN206/);
    assert.deepEqual(refusedIds(message), [ 'SEN206' ]);
    assert.match(message, /\.gitignore does not cover run\/, \.env\*, config\/config\.local\.\*/);
  });

  it('SEN302: a constructor.prototype payload in a config file', async () => {
    const message = await expectRefused(egg3Fixture('cfg-proto-config'), /SEN302/);
    assert.deepEqual(refusedIds(message), [ 'SEN302' ]);
    assert.match(message, /where: config\.oauth\.constructor \(from config\/config\.default\.js\)/);
  });

  it('SEN302: Object.prototype polluted during boot', async () => {
    try {
      const message = await expectRefused(egg3Fixture('cfg-proto-runtime'), /SEN302/);
      assert.match(message, /Object\.prototype has enumerable properties at boot: "sentinelFixturePolluted"/);
    } finally {
      delete Object.prototype.sentinelFixturePolluted;
    }
  });

  it('SEN302: EGG_APP_CONFIG with a __proto__ key', async () => {
    withSecureEnv();
    mm(process.env, 'EGG_APP_CONFIG', '{"__proto__":{"isAdmin":true}}');
    const message = await expectRefused(egg3Fixture('cfg-secure'), /SEN302/);
    assert.deepEqual(refusedIds(message), [ 'SEN302' ]);
    assert.match(message, /EGG_APP_CONFIG holds JSON with a __proto__ or constructor\.prototype key/);
  });

  it('SEN303: EGG_APP_CONFIG in prod, listing the key paths egg 4\'s configMeta says it set', async () => {
    withSecureEnv();
    mm.env('prod');
    withConfig({ security: { csrf: { enable: false } }, featureFlags: { beta: true } });
    const message = await expectRefused(egg3Fixture('cfg-secure'), /SEN303/);
    assert.deepEqual(refusedIds(message), [ 'SEN303', 'SEN602' ]);
    assert.match(message, /EGG_APP_CONFIG overrides 2 key path\(s\): featureFlags\.beta, security\.csrf\.enable; security-relevant: security\.csrf\.enable/);
  });

  it('SEN304: shipped and user schemas, with the key path, the masked value and the schema rule', async () => {
    mm(process.env, 'CFG_PAYMENT_KEY', 'pk-short-S3cr3tK3y');
    const message = await expectRefused(egg3Fixture('cfg-schema'), /SEN304/);
    assert.deepEqual(refusedIds(message), [ 'SEN304' ]);
    assert.match(message, /config\.security\.xframe\.value: "ALLOWALL" must match pattern .* \(egg-sentinel's schema/);
    assert.match(message, /config\.upstream\.url: "http:\/\/api\.internal\/v1" must match pattern "\^https:\/\/" \(config\.sentinel\.schemas/);
    assert.match(message, /config\.payment\.apiKey: \[REDACTED\] must NOT have fewer than 40 characters/);
    assert.ok(!message.includes('S3cr3tK3y'));
  });

  it('SEN305: a path outside the app root; the same path allowed by paths.allow boots', async () => {
    const outside = outsideDir('uploads');
    const config = allow => `module.exports = { keys: '${STRONG_KEY}', multipart: { tmpdir: ${JSON.stringify(outside)} }, ` +
      `sentinel: { failOn: 'medium', paths: { allow: ${JSON.stringify(allow)} } } };\n`;
    const message = await expectRefused(tempApp('cfg-paths', { 'config/config.default.js': config([]) }), /SEN305/);
    assert.deepEqual(refusedIds(message), [ 'SEN305' ]);
    assert.match(message, /config\.multipart\.tmpdir ".*sentinel-egg4-uploads-.*" resolves to .*, outside the app root and config\.sentinel\.paths\.allow/);
    assert.match(message, /where: config\.multipart\.tmpdir \(from config\/config\.default\.js\)/);
    await withApp(tempApp('cfg-paths-allowed', { 'config/config.default.js': config([ outside ]) }), async app => {
      assert.deepEqual(app.sentinel.report.findings, []);
    });
  });

  it('SEN306: --inspect in NODE_OPTIONS is critical in prod', async () => {
    withSecureEnv();
    mm.env('prod');
    mm(process.env, 'NODE_OPTIONS', `${process.env.NODE_OPTIONS ?? ''} --inspect=0.0.0.0:9229`);
    const message = await expectRefused(egg3Fixture('cfg-secure'), /SEN306/);
    assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
    assert.match(message, /NODE_OPTIONS has --inspect "0\.0\.0\.0:9229"/);
  });

  it('SEN306: --require of a module outside the app and its node_modules', async () => {
    const outside = outsideDir('preload');
    fs.writeFileSync(path.join(outside, 'hook.js'), '');
    mm(process.env, 'NODE_OPTIONS', `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(outside, 'hook.js')}`);
    const dir = tempApp('cfg-preload', { 'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'high' } };\n` });
    const message = await expectRefused(dir, /SEN306/);
    assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
    assert.match(message, /NODE_OPTIONS has --require ".*hook\.js": every process runs .*hook\.js, outside the app/);
  });
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
