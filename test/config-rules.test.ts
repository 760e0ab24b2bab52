import assert from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import Module from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import mm from 'egg-mock';
import { tarOf, tgzOf, zipOf } from './archive-files';
import { LOADER_FILES } from '../lib/facts/runtime';
import { bootApp, eventually, expectRefused, fixture, MM_APP_CHILD_REQUIRE, mockCluster, readReport, reportFindings, tempApp } from './helpers';
import { tempDir } from './temp-dir';

const STRONG_KEY = 'x7Rk2-strong-fixture-key-9aQmZ4bLw8NcY3tVe6Hj';
const ROOT = path.join(__dirname, '..');

/** The rule ids a refusal names in its first line, each once: `(SEN202, SEN203)`. */
function refusedIds(message: string): string[] {
  return [ ...new Set(/\(((?:SEN\d{3}(?:, )?)+)\)/.exec(message)?.[1].split(', ') ?? []) ];
}

/** What cfg-secure reads from the environment; every value is a fake secret that must never show up in output. */
const SECURE_ENV = {
  CFG_DB_PASSWORD: 'Tq8vN2kL5mW9xR-from-the-environment',
  CFG_UPSTREAM: JSON.stringify({ url: 'https://svc:Up5tr3amPa55word@api.internal/v1', timeoutMs: 3000 }),
  CFG_GITHUB_TOKEN: 'ghp_9Zq4Fb2XkL7mRt8Yw1Nv3Hc6Jd0Gs5Pu2EaQ',
  CFG_LATE_URL: 'postgres://late:L4t3S3cr3tPw@db.internal/app',
  CFG_STRIPE_KEY: 'sk_live_Kq7Wx2Zr9Tn4Kp3Vm8Lb5Hd',
  CFG_MONGO_PASSWORD: 'p@ss/w0rd+Xy9Lq2zK',
  CFG_HASH_SALT: 'Sa1tFromTheEnv-Qm4Lz8Wp2Xr',
  CFG_HASH_PEPPER: 'Pepp3rFromTheEnv-Kd7Vb3Nj9T',
  CFG_NEWRELIC_LICENSE: 'eu01xx9f3c2b1a0d8e7f6a5b4c3d2e1f0a9bNRAL',
  CFG_MAILER_SENDGRID: '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',
};
const SECURE_SECRETS = [ 'Tq8vN2kL5mW9xR-from-the-environment', 'Up5tr3amPa55word', 'ghp_9Zq4Fb2XkL7mRt8Yw1Nv3Hc6Jd0Gs5Pu2EaQ', 'L4t3S3cr3tPw', 'sk_live_Kq7Wx2Zr9Tn4Kp3Vm8Lb5Hd',
  encodeURIComponent('p@ss/w0rd+Xy9Lq2zK'), 'Sa1tFromTheEnv-Qm4Lz8Wp2Xr', 'Pepp3rFromTheEnv-Kd7Vb3Nj9T', 'eu01xx9f3c2b1a0d8e7f6a5b4c3d2e1f0a9bNRAL',
  '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' ];

function withSecureEnv(): void {
  for (const [ name, value ] of Object.entries(SECURE_ENV)) mm(process.env, name, value);
  // A supported Node.js: SEN607 judges the Node running the tests, which is not what these fixtures are about.
  mm(process, 'version', 'v24.17.0');
}

/** Boots the app, and returns its report once it is closed again. */
async function bootReport(baseDir: string): Promise<Record<string, any>> {
  const app = await bootApp(baseDir);
  try {
    return (app as any).sentinel.report;
  } finally {
    await app.close();
  }
}

function cleanRun(baseDir: string): void {
  fs.rmSync(path.join(baseDir, 'run'), { recursive: true, force: true });
}

describe('configuration rules: secure fixture (mm.app)', () => {
  const baseDir = fixture('cfg-secure');
  afterEach(mm.restore);

  for (const env of [ 'unittest', 'prod' ]) {
    it(`boots with zero findings in ${env}: secrets from env.secret/env.json/process.env, look-alikes, a passing user schema`, async () => {
      withSecureEnv();
      if (env === 'prod') mm.env('prod');
      cleanRun(baseDir);
      const report = await bootReport(baseDir);
      assert.deepEqual(report.findings.map((f: any) => `${f.ruleId} ${f.target}`), []);
      assert.equal(report.app.env, env);
    });
  }

  it('SEN204 fixed: egg\'s dumps, read back after boot, are 0600 and hold no secret, including a key set after willReady', async () => {
    withSecureEnv();
    cleanRun(baseDir);
    const app = await bootApp(baseDir);
    try {
      const dump = path.join(baseDir, 'run/application_config.json');
      await eventually(() => {
        const text = fs.readFileSync(dump, 'utf8');
        // lateUpstream is only in egg's after-ready dump: its presence proves that write happened; egg writes it
        // masked already (dumpConfigToObject wrapped), and egg-sentinel's rewrite after it leaves it 0600, fully masked.
        assert.match(text, /"lateUpstream"/);
        for (const secret of SECURE_SECRETS) assert.ok(!text.includes(secret), 'a secret is still in the dump');
        assert.equal(JSON.parse(text).config.mysql.client.password, '[REDACTED]');
      });
      const dumped = JSON.parse(fs.readFileSync(dump, 'utf8'));
      assert.equal(dumped.config.mysql.client.password, '[REDACTED]');
      assert.equal(dumped.config.upstream.url, 'https://svc:[REDACTED]@api.internal/v1');
      assert.equal(dumped.config.mysql.client.host, 'db.internal', 'ordinary values stay');
      // A salt, a pepper and a license key are secrets (black-box round 23); the salt's rounds are a setting.
      assert.deepEqual(dumped.config.passwordHash, { salt: '[REDACTED]', pepper: '[REDACTED]', saltRounds: 12 });
      assert.equal(dumped.config.newrelic.license_key, '[REDACTED]');
      assert.deepEqual(dumped.config.billingClients, { '[REDACTED]': 'billing' }, 'a token used as a key is masked');
      for (const name of [ 'application_config.json', 'application_config_meta.json', 'agent_config.json', 'agent_config_meta.json' ]) {
        assert.equal(fs.statSync(path.join(baseDir, 'run', name)).mode & 0o777, 0o600, name);
      }
      const meta = fs.readFileSync(path.join(baseDir, 'run/application_config_meta.json'), 'utf8');
      assert.match(meta, /"billingClients"/);
      for (const secret of SECURE_SECRETS) assert.ok(!meta.includes(secret), 'a secret is still in the meta dump');
      const agentDump = fs.readFileSync(path.join(baseDir, 'run/agent_config.json'), 'utf8');
      for (const secret of SECURE_SECRETS.slice(0, 3)) assert.ok(!agentDump.includes(secret), 'a secret is still in the agent dump');
    } finally {
      await app.close();
    }
  });
});

describe('SEN204: egg writes its config dumps masked in the first place', () => {
  afterEach(mm.restore);

  it('egg\'s dumpConfigToObject, from which it writes them, holds no secret: a worker stopped before the rewrite leaves none', async () => {
    withSecureEnv();
    const baseDir = fixture('cfg-secure');
    cleanRun(baseDir);
    const app = await bootApp(baseDir);
    try {
      const dumped = (app as any).dumpConfigToObject();
      const text = JSON.stringify(dumped.config);
      for (const secret of SECURE_SECRETS) assert.ok(!text.includes(secret), 'a secret is in what egg dumps');
      assert.equal(dumped.config.config.upstream.url, 'https://svc:[REDACTED]@api.internal/v1');
      assert.equal(dumped.config.config.mysql.client.host, 'db.internal', 'ordinary values stay');
    } finally {
      await app.close();
    }
  });
});

describe('SEN204 under a real egg-cluster (mm.cluster)', () => {
  afterEach(mm.restore);

  it('the agent (its own process) and the worker leave their dumps 0600 and masked', async function() {
    this.timeout(90000);
    withSecureEnv();
    const baseDir = fixture('cfg-secure');
    cleanRun(baseDir);
    const app = mockCluster({ baseDir, workers: 1 });
    try {
      await app.ready();
      assert.equal(app.proc.exitCode, null, app.stderr);
      await eventually(() => {
        for (const name of [ 'application_config.json', 'application_config_meta.json', 'agent_config.json', 'agent_config_meta.json' ]) {
          const file = path.join(baseDir, 'run', name);
          assert.equal(fs.statSync(file).mode & 0o777, 0o600, name);
          const text = fs.readFileSync(file, 'utf8');
          for (const secret of SECURE_SECRETS) assert.ok(!text.includes(secret), `a secret is still in ${name}`);
        }
        assert.match(fs.readFileSync(path.join(baseDir, 'run/application_config.json'), 'utf8'), /"lateUpstream"/);
      }, 10000);
    } finally {
      await app.close();
    }
  });
});

describe('configuration rules: insecure fixtures refuse boot (mm.app)', () => {
  const dirs: string[] = [];
  /** A load unit (plugin or framework) outside the app, in a temp dir removed after the tests: its package.json and config. */
  const outsideUnit = (prefix: string, pkg: object, configDefault: string, files: Record<string, string> = {}): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
    fs.writeFileSync(path.join(dir, 'config/config.default.js'), configDefault);
    for (const [ file, text ] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
  };
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  /** SEN203's refusal names each file served from app/public, with why, in a finding of its own. */
  const assertServes = (message: string, served: string[]) => {
    for (const file of served) assert.match(message, new RegExp(`config\\.static\\.dir serves app/public/${escapeRegExp(file)}$`, 'm'), file);
  };
  afterEach(mm.restore);
  after(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));
  const temp = (name: string, files: Record<string, string>) => {
    const dir = tempApp(name, files);
    dirs.push(dir);
    return dir;
  };

  it('SEN202: hard-coded secrets in prod, by key name and by value, placeholders with their own text, values never shown', async () => {
    mm.env('prod');
    const message = await expectRefused(fixture('cfg-hardcoded-secret'), /SEN202/);
    assert.deepEqual(refusedIds(message), [ 'SEN202' ]);
    assert.match(message, /config\.mysql\.client\.password holds a literal value under a secret key name/);
    assert.match(message, /where: config\.mysql\.client\.password \(from config\/config\.default\.ts\)/);
    assert.match(message, /config\.redis\.url holds a URL with a password/);
    assert.match(message, /config\.deploy\.hook holds a GitHub token/);
    assert.match(message, /config\.smtp\.password holds a placeholder such as "changeme"/);
    for (const secret of [ 'Tq8vN2kL5mW9xR-hardcoded', 'R3d1sS3cr3tPw', 'ghp_4Fq9ZbX2kLm7Rt8Yw1Nv3Hc6Jd0Gs5Pu2EaT' ]) {
      assert.ok(!message.includes(secret), 'a secret value is in the refusal');
    }
    assert.ok(!readReport(fixture('cfg-hardcoded-secret')).text.includes('R3d1sS3cr3tPw'), 'the report is redacted');
  });

  it('SEN202: cookie keys that production falls back on (the variable config.prod reads is unset) refuse boot; set, it boots', async () => {
    mm.env('prod');
    const files = {
      'config/config.default.js': `module.exports = { keys: process.env.CFG_FALLBACK_KEYS || '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' } };\n`,
      'config/config.prod.js': 'module.exports = { keys: process.env.CFG_FALLBACK_KEYS };\n',
    };
    const message = await expectRefused(temp('cfg-keys-fallback', files), /SEN202/);
    assert.match(message, /config\.keys is the literal written in config\/config\.default\.js, which the app falls back on: config\/config\.(default|prod)\.js computes the keys \(from an environment variable/);
    assert.ok(!message.includes(STRONG_KEY), 'the key is never shown');
    mm(process.env, 'CFG_FALLBACK_KEYS', 'Kq7Wx2Zr9Tn4Kp3Vm8Lb5Hd1Jc6Fs0Ga-from-the-environment');
    assert.deepEqual((await bootReport(temp('cfg-keys-from-env', files))).findings.filter((f: any) => f.ruleId === 'SEN202'), []);
  });

  it('SEN202: strong cookie keys written in config.prod.js refuse boot in prod; the same keys in config.default.js, the keys config.prod reads from the environment and a developer\'s env do not (black-box round 38, h2 H3)', async () => {
    mm.env('prod');
    const prodFile = { 'config/config.default.js': "module.exports = { keys: 'dev-only', logger: { dir: __dirname + '/../logs' } };\n", 'config/config.prod.js': `module.exports = { keys: '${STRONG_KEY}' };\n` };
    const message = await expectRefused(temp('cfg-keys-prod-literal', prodFile), /SEN202/);
    assert.match(message, /config\.keys is a literal written in config\/config\.prod\.js, the config file of env prod, which is code: it goes into the repository/);
    assert.ok(!message.includes(STRONG_KEY), 'the key is never shown');
    const inDefault = await bootReport(temp('cfg-keys-default-literal', { 'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' } };\n` }));
    assert.deepEqual(inDefault.findings.filter((f: any) => f.ruleId === 'SEN202'), []);
    mm(process.env, 'CFG_PROD_KEYS', 'Kq7Wx2Zr9Tn4Kp3Vm8Lb5Hd1Jc6Fs0Ga-from-the-environment');
    const fromEnvironment = await bootReport(temp('cfg-keys-prod-env', { ...prodFile, 'config/config.prod.js': 'module.exports = { keys: process.env.CFG_PROD_KEYS };\n' }));
    assert.deepEqual(fromEnvironment.findings.filter((f: any) => f.ruleId === 'SEN202'), []);
  });

  it('SEN202: a secret inside a value that the file writes apart from the rest (a URL\'s password from an object\'s members, Basic credentials encoded at load) is hard-coded; the same password from the environment is not (black-box round 42, h4 F1)', async () => {
    mm.env('prod');
    const app = (prod: string) => temp('cfg-secret-inner', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: process.env.FIXTURE_FAIL_ON || 'high' } };\n`,
      'config/config.prod.js': prod,
    });
    const dsn = app("const db = { user: 'root', pass: 'Zq8vbn2LxT4wPe', host: 'db.internal' };\nmodule.exports = { orm: { dsn: `mysql://${db.user}:${db.pass}@${db.host}/x` } };\n");
    assert.match(await expectRefused(dsn, /SEN202/), /config\.orm\.dsn holds a literal value under a secret key name, written in a config file/);
    const basic = app("module.exports = { opts: { headers: { Authorization: 'Basic ' + Buffer.from('admin:SECRETJ0pwQ7zx').toString('base64') } } };\n");
    assert.match(await expectRefused(basic, /SEN202/), /config\.opts\.headers\.Authorization holds an HTTP Basic credential, written in a config file/);
    const template = app("const user = 'admin', pass = 'Zq8vbn2LxT4wPe';\nmodule.exports = { opts: { headers: { Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` } } };\n");
    assert.match(await expectRefused(template, /SEN202/), /config\.opts\.headers\.Authorization holds an HTTP Basic credential/);
    mm(process.env, 'CFG_INNER_DB_PASS', 'Zq8vbn2LxT4wPe');
    mm(process.env, 'FIXTURE_FAIL_ON', 'never');
    const fromEnvironment = app("const db = { user: 'root', host: 'db.internal' };\nmodule.exports = { orm: { dsn: `mysql://${db.user}:${process.env.CFG_INNER_DB_PASS}@${db.host}/x` } };\n");
    assert.deepEqual((await bootReport(fromEnvironment)).findings.filter((f: { ruleId: string }) => f.ruleId === 'SEN202'), []);
  });

  it('SEN202: the same secret read from the environment does not fire', async () => {
    mm.env('prod');
    mm(process.env, 'CFG_REDIS_URL', 'redis://:R3d1sS3cr3tPw@cache.internal:6379/0');
    const dir = temp('cfg-secret-from-env', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, redis: { url: process.env.CFG_REDIS_URL } };\n`,
    });
    assert.deepEqual((await bootReport(dir)).findings.filter((f: any) => f.ruleId === 'SEN202'), []);
  });

  it('SEN202: a secret the config reads from a mounted file or decodes from the environment is not hard-coded', async () => {
    mm.env('prod');
    const secretDir = tempDir('mounted');
    dirs.push(secretDir);
    const mounted = path.join(secretDir, 'db_password');
    fs.writeFileSync(mounted, 'Mounted-S3cr3t-Pw-9931\n');
    mm(process.env, 'CFG_SECRET_FILE', mounted);
    mm(process.env, 'CFG_PEM_ESCAPED', '-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\\n-----END RSA PRIVATE KEY-----');
    mm(process.env, 'CFG_TOKEN_B64', Buffer.from('ghp_4Fq9ZbX2kLm7Rt8Yw1Nv3Hc6Jd0Gs5Pu2EaT').toString('base64'));
    const dir = temp('cfg-secret-from-file', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' } };\n`,
      'config/config.prod.js': [
        "const fs = require('fs');",
        'module.exports = {',
        "  mysql: { client: { password: fs.readFileSync(process.env.CFG_SECRET_FILE, 'utf8').trim() } },",
        "  tls: { privateKey: process.env.CFG_PEM_ESCAPED.replace(/\\\\n/g, '\\n') },",
        "  deploy: { token: Buffer.from(process.env.CFG_TOKEN_B64, 'base64').toString() },",
        '};',
        '',
      ].join('\n'),
    });
    fs.chmodSync(path.join(dir, 'config/config.prod.js'), 0o644);
    const report = await bootReport(dir);
    assert.deepEqual(report.findings.filter((f: any) => [ 'SEN202', 'SEN205' ].includes(f.ruleId)), []);
    const dump = fs.readFileSync(path.join(dir, 'run/application_config.json'), 'utf8');
    assert.ok(!dump.includes('Mounted-S3cr3t-Pw-9931'), 'still masked in the dump');
  });

  it('SEN202: a secret in a JSON file at the app root that config requires is hard-coded, named in that file', async () => {
    mm.env('prod');
    const dir = temp('cfg-secret-json', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, mysql: require('../secrets.json') };\n`,
      'secrets.json': JSON.stringify({ client: { password: 'Json-Committed-Pw-8812' } }),
    });
    const message = await expectRefused(dir, /SEN202/);
    assert.match(message, /where: config\.mysql\.client\.password \(from secrets\.json\)/);
    assert.ok(!message.includes('Json-Committed-Pw-8812'));
  });

  it('SEN202: a secret in a module of the app that config requires is hard-coded, named in that module', async () => {
    mm.env('prod');
    const dir = temp('cfg-secret-module', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, mysql: require('../lib/db').settings };\n`,
      'lib/db.js': "exports.settings = { client: { host: 'db.internal', password: require('./credentials').dbPassword } };\n",
      'lib/credentials.js': "exports.dbPassword = 'Lib-Credential-Pw-5521';\n",
    });
    const message = await expectRefused(dir, /SEN202/);
    assert.match(message, /where: config\.mysql\.client\.password \(from lib\/credentials\.js\)/);
    assert.ok(!message.includes('Lib-Credential-Pw-5521'));
  });

  it('SEN202: a secret in a module of the monorepo outside the app root that config requires is hard-coded when git tracks it, named in that module; the same module untracked (the deploy wrote it) is not (black-box round 38, M2)', async function() {
    if (spawnSync('git', [ '--version' ]).status !== 0) this.skip();
    mm.env('prod');
    const repo = tempDir('cfg-secret-monorepo');
    dirs.push(repo);
    const files: Record<string, string> = {
      'packages/api/package.json': JSON.stringify({ name: 'api' }),
      'packages/api/config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, mysql: require('../../shared/db').settings };\n`,
      'packages/shared/db.js': "exports.settings = { client: { host: 'db.internal', password: require('./credentials').dbPassword } };\n",
      'packages/shared/credentials.js': "exports.dbPassword = 'Repo-Credential-Pw-7734';\n",
    };
    for (const [ file, content ] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
      fs.writeFileSync(path.join(repo, file), content);
    }
    const app = path.join(repo, 'packages/api');
    assert.equal(spawnSync('git', [ 'init', '-q' ], { cwd: repo }).status, 0);
    assert.equal(spawnSync('git', [ 'add', 'packages' ], { cwd: repo }).status, 0);
    const message = await expectRefused(app, /SEN202/);
    assert.match(message, new RegExp(`where: config\\.mysql\\.client\\.password \\(from ${escapeRegExp(path.join(fs.realpathSync(repo), 'packages/shared/credentials.js'))}\\)`));
    assert.ok(!message.includes('Repo-Credential-Pw-7734'));
    assert.equal(spawnSync('git', [ 'rm', '-q', '--cached', 'packages/shared/credentials.js' ], { cwd: repo }).status, 0);
    cleanRun(app);
    const report = await bootReport(app);
    assert.deepEqual(report.findings.filter((f: any) => f.ruleId === 'SEN202'), []);
  });

  it('SEN202/SEN205: a private key file in the app\'s tree that cluster.https.key names: high when git tracks it, and readable by others; nothing when .gitignore covers it (black-box round 39, h1 F9)', async function() {
    if (process.platform === 'win32' || spawnSync('git', [ '--version' ]).status !== 0) this.skip();
    mm.env('prod');
    const pem = `-----BEGIN PRIVATE KEY-----\n${crypto.randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    const dir = temp('cfg-https-key-file', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' } };\n`,
      'config/config.prod.js': "const path = require('path');\nmodule.exports = { cluster: { https: { key: path.join(__dirname, 'certs/server.key'), cert: path.join(__dirname, 'certs/server.crt') } } };\n",
      'config/certs/server.key': pem,
      'config/certs/server.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      '.gitignore': 'node_modules/\nrun/\nlogs/\n',
    });
    fs.chmodSync(path.join(dir, 'config/certs/server.key'), 0o644);
    assert.equal(spawnSync('git', [ 'init', '-q' ], { cwd: dir }).status, 0);
    assert.equal(spawnSync('git', [ 'add', '.' ], { cwd: dir }).status, 0);
    const message = await expectRefused(dir, /SEN202/);
    assert.match(message, /config\.cluster\.https\.key names config\/certs\/server\.key, a private key file in the app's tree that git tracks: the key is in the repository/);
    assert.ok(!message.includes(pem.split('\n')[1]), 'the key is not shown');
    assert.match(readReport(dir).json.findings.filter((f: any) => f.ruleId === 'SEN205').map((f: any) => f.message).join('\n'),
      /config\/certs\/server\.key is readable by others while it holds secrets \(mode 0644\)/);
    assert.equal(spawnSync('git', [ 'rm', '-q', '--cached', 'config/certs/server.key' ], { cwd: dir }).status, 0);
    fs.appendFileSync(path.join(dir, '.gitignore'), 'config/certs/*.key\n');
    fs.chmodSync(path.join(dir, 'config/certs/server.key'), 0o600);
    cleanRun(dir);
    const report = await bootReport(dir);
    assert.deepEqual(report.findings.filter((f: any) => [ 'SEN202', 'SEN205' ].includes(f.ruleId)).map((f: any) => f.message), []);
  });

  it('SEN202: a git-ignored config/secrets.json merged into process.env is the deploy\'s, as when config reads it directly; tracked, it is a literal (black-box round 44, r44h2 F1)', async function() {
    if (process.platform === 'win32' || spawnSync('git', [ '--version' ]).status !== 0) this.skip();
    withSecureEnv();
    mm.env('prod');
    // A fresh app each: require's cache keeps a config module's top-level code from running twice for one path.
    const app = (ignored: boolean) => {
      const dir = temp(`cfg-secrets-into-env-${ignored ? 'ignored' : 'tracked'}`, {
        'config/config.default.js': "const fs = require('fs');\nconst path = require('path');\nconst local = path.join(__dirname, 'secrets.json');\n" +
          "if (fs.existsSync(local)) Object.assign(process.env, require(local));\n" +
          `module.exports = () => ({ keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, mysql: { password: process.env.FIXTURE_MYSQL_PASSWORD } });\n`,
        'config/secrets.json': '{ "FIXTURE_MYSQL_PASSWORD": "Hk3pQ9vLx2mZ7wR4tYa" }\n',
        '.gitignore': `node_modules/\nrun/\nlogs/\n${ignored ? 'config/secrets.json\n' : ''}`,
      });
      fs.chmodSync(path.join(dir, 'config/secrets.json'), 0o600);
      assert.equal(spawnSync('git', [ 'init', '-q' ], { cwd: dir }).status, 0);
      assert.equal(spawnSync('git', [ 'add', '.' ], { cwd: dir }).status, 0);
      return dir;
    };
    mm(process.env, 'FIXTURE_MYSQL_PASSWORD', undefined);
    assert.deepEqual((await bootReport(app(true))).findings.filter((f: any) => f.ruleId === 'SEN202').map((f: any) => f.message), []);
    // Committed, the same file is the repository's literal.
    mm(process.env, 'FIXTURE_MYSQL_PASSWORD', undefined);
    const message = await expectRefused(app(false), /SEN202/);
    assert.match(message, /config\.mysql\.password holds a literal value .*writes it into process\.env itself/);
  });

  it('SEN202: a secret config takes from a package it requires (a company\'s @corp/secrets in node_modules) is hard-coded, named in that package\'s file (black-box round 40, h3 F2)', async () => {
    mm.env('prod');
    const dir = temp('cfg-secret-package', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' } };\n`,
      'config/config.prod.js': "module.exports = { mysql: { client: { password: require('@corp/secrets').db } } };\n",
      'node_modules/@corp/secrets/package.json': JSON.stringify({ name: '@corp/secrets', version: '1.0.0', main: 'index.js' }),
      'node_modules/@corp/secrets/index.js': "module.exports = { db: 'Zq8vN3pLx7Tr2WmK9sYd' };\n",
    });
    const message = await expectRefused(dir, /SEN202/);
    assert.match(message, /config\.mysql\.client\.password .*\n +where: config\.mysql\.client\.password \(from node_modules\/@corp\/secrets\/index\.js\)/);
    assert.ok(!message.includes('Zq8vN3pLx7Tr2WmK9sYd'), 'the secret is in the refusal');
  });

  it('SEN202: a deploy without .git that kept the .gitignore: a data file it lists (config/secrets.json) is the deploy\'s, as in a checkout (black-box round 40, h1 F6)', async function() {
    if (spawnSync('git', [ '--version' ]).status !== 0) this.skip();
    mm.env('prod');
    const files = {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' } };\n`,
      'config/config.prod.js': "const secrets = require('./secrets.json');\nmodule.exports = { jwt: { secret: secrets.jwtSecret }, redis: { client: { password: secrets.redisPassword } } };\n",
      'config/secrets.json': JSON.stringify({ jwtSecret: 'Jw7kQ2mZp9Lx4Tv8Rb3Nc6Hd', redisPassword: 'Rd5kLm2Qx8Vn4Zp7Wt3Yc9' }),
    };
    const listed = temp('cfg-secret-no-git', { ...files, '.gitignore': 'node_modules/\nrun/\nlogs/\nconfig/secrets.json\n' });
    assert.deepEqual((await bootReport(listed)).findings.filter((f: any) => f.ruleId === 'SEN202'), []);
    // Not listed: the repository's, as before.
    const unlisted = temp('cfg-secret-no-git', { ...files, '.gitignore': 'node_modules/\nrun/\nlogs/\n' });
    assert.match(await expectRefused(unlisted, /SEN202/), /config\.jwt\.secret .*\n +where: config\.jwt\.secret \(from config\/secrets\.json\)/);
  });

  it('SEN202: a secret dotenv loads from a file of the tree not named like an env file (app.cfg, .envrc, a bare name) is found as an env file\'s is (black-box round 40, h3 F3)', async () => {
    mm.env('prod');
    const value = 'sk_live_51HqLyjWDarjtT1zdp7dcXkT2bZlR4Vf8mN3qP0sK9xYtGhJ6';
    for (const [ file, line ] of [ [ 'secrets/prod/app.cfg', `CFG_ENVLIKE_STRIPE_KEY=${value}` ], [ '.envrc', `export CFG_ENVLIKE_STRIPE_KEY=${value}` ], [ 'deploy/stripe', `CFG_ENVLIKE_STRIPE_KEY="${value}"` ] ]) {
      const dir = temp('cfg-secret-env-like', {
        'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: 'medium' } };\n`,
        'config/config.prod.js': "const fs = require('fs');\nconst path = require('path');\n" +
          `for (const [ , name, value ] of fs.readFileSync(path.join(__dirname, '../${file}'), 'utf8').matchAll(/^(?:export )?(\\w+)="?([^"\\n]*)"?$/gm)) process.env[name] = value;\n` +
          'module.exports = { pay: { stripeSecret: process.env.CFG_ENVLIKE_STRIPE_KEY } };\n',
        [file]: `${line}\n`,
      });
      try {
        const message = await expectRefused(dir, /SEN202/);
        assert.match(message, new RegExp(`config\\.pay\\.stripeSecret holds the value of CFG_ENVLIKE_STRIPE_KEY, which ${file.replace(/\./g, '\\.')} assigns`), file);
        assert.ok(!message.includes(value), 'the secret is in the refusal');
      } finally {
        delete process.env.CFG_ENVLIKE_STRIPE_KEY;
      }
    }
  });

  it('SEN202: a secret of the environment that a deploy file of the tree sets (pm2\'s ecosystem file and JSON, a Dockerfile\'s ENV, package.json\'s scripts) is found; the variable named without its value is not (black-box round 42, h4 F2)', async () => {
    mm.env('prod');
    const value = 'Vq7LmZ2xTb9wRk4N';
    mm(process.env, 'CFG_DEPLOY_DB_PASSWORD', value);
    const config = {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: process.env.FIXTURE_FAIL_ON || 'medium' } };\n`,
      'config/config.prod.js': "module.exports = { mysql: { client: { host: 'db.internal', user: 'shop', password: process.env.CFG_DEPLOY_DB_PASSWORD } } };\n",
    };
    for (const [ file, text ] of [
      [ 'ecosystem.config.js', `module.exports = { apps: [{ name: 'shop', script: 'server.js', env_production: { EGG_SERVER_ENV: 'prod', CFG_DEPLOY_DB_PASSWORD: '${value}' } }] };\n` ],
      [ 'pm2.json', `{ "apps": [ { "name": "shop", "env": { "EGG_SERVER_ENV": "prod", "CFG_DEPLOY_DB_PASSWORD": "${value}" } } ] }\n` ],
      [ 'Dockerfile', `FROM node:20-alpine\nENV NODE_ENV=production EGG_SERVER_ENV=prod\nENV CFG_DEPLOY_DB_PASSWORD=${value}\nCMD ["npx", "egg-scripts", "start", "--title=shop"]\n` ],
      [ 'package.json', `{ "name": "cfg-deploy", "scripts": { "start": "EGG_SERVER_ENV=prod CFG_DEPLOY_DB_PASSWORD=${value} egg-scripts start --daemon --title=shop" } }\n` ],
    ]) {
      const message = await expectRefused(temp('cfg-secret-deploy-file', { ...config, [file]: text }), /SEN202/);
      assert.match(message, new RegExp(`config\\.mysql\\.client\\.password holds the value of CFG_DEPLOY_DB_PASSWORD, which ${file.replace(/\./g, '\\.')} assigns`), file);
      assert.ok(!message.includes(value), 'the secret is in the refusal');
    }
    const named = temp('cfg-secret-deploy-named', { ...config, Dockerfile: 'FROM node:20-alpine\nARG CFG_DEPLOY_DB_PASSWORD\nENV CFG_DEPLOY_DB_PASSWORD=$CFG_DEPLOY_DB_PASSWORD\n' });
    mm(process.env, 'FIXTURE_FAIL_ON', 'never');
    assert.deepEqual((await bootReport(named)).findings.filter((f: { ruleId: string }) => f.ruleId === 'SEN202'), []);
  });

  it('SEN202: a secret config reads from a data file of the app\'s tree with fs, or that dotenv loads from an env file there, is hard-coded, named by key and file; the same files listed in .gitignore (the deploy writes them), a mounted file and values that only coincide with other files are not (black-box round 34, h110 F2)', async () => {
    mm.env('prod');
    const secrets = { smtpPass: 'Hq7!zPw3Lm9#Tx2v', dbPassword: 'Yk9mPq2LzvR7twQe', redisPassword: 'Rd5$kLm2Qx8Vn4Zp' };
    const variables = [ 'CFG_DOTENV_DB_PASSWORD', 'CFG_DOTENV_REDIS_PASSWORD' ];
    const mountedDir = tempDir('mounted-short');
    dirs.push(mountedDir);
    // A short secret from outside the app, which an unrelated file of the app happens to hold.
    fs.writeFileSync(path.join(mountedDir, 'cache_password'), 'Zq7kP2w');
    // dotenv's config(), which does not override a variable already set.
    const configProd = [
      "const fs = require('fs');",
      "const path = require('path');",
      'const dotenv = file => {',
      "  for (const [ , name, value ] of fs.readFileSync(file, 'utf8').matchAll(/^(\\w+)=\"?([^\"\\n]*)\"?$/gm)) if (!(name in process.env)) process.env[name] = value;",
      '};',
      "dotenv(path.join(__dirname, '../env/production.env'));",
      "dotenv(path.join(__dirname, '../.env'));",
      "const secrets = JSON.parse(fs.readFileSync(path.join(__dirname, '../deploy/secrets.json'), 'utf8'));",
      "const local = JSON.parse(fs.readFileSync(path.join(__dirname, 'secrets.json'), 'utf8'));",
      'module.exports = {',
      "  mailer: { host: 'smtp.corp.example', auth: { user: 'noreply@corp.example', pass: secrets.smtpPass } },",
      "  mysql: { client: { host: 'db', user: 'app', password: process.env.CFG_DOTENV_DB_PASSWORD } },",
      '  redis: { client: { password: process.env.CFG_DOTENV_REDIS_PASSWORD } },',
      '  sms: { apiToken: local.smsToken },',
      `  cache: { password: fs.readFileSync(${JSON.stringify(path.join(mountedDir, 'cache_password'))}, 'utf8') },`,
      '};',
      '',
    ].join('\n');
    const files = {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' } };\n`,
      'config/config.prod.js': configProd,
      'config/secrets.json': JSON.stringify({ smsToken: 'Sms-Deploy-Token-4471' }),
      'deploy/secrets.json': JSON.stringify({ db: { host: 'db' }, smtpPass: secrets.smtpPass }),
      'env/production.env': `CFG_DOTENV_DB_PASSWORD=${secrets.dbPassword}\n`,
      '.env': `# written by hand\nCFG_DOTENV_REDIS_PASSWORD="${secrets.redisPassword}"\n`,
      // Committed and read by nobody: the same variable with a developer's value, a part of a secret, the short one.
      'env/development.env': 'CFG_DOTENV_DB_PASSWORD=dev-only-password\n',
      'docs/notes.md': `The SMTP password starts with ${secrets.smtpPass.slice(0, 10)}; the cache code is Zq7kP2w.\n`,
    };
    const unset = () => variables.forEach(name => delete process.env[name]);
    unset();
    let message: string;
    // failOn medium: a file git cannot be asked about may be the deploy's, so it is reported at medium.
    const outsideGit = temp('cfg-secret-tree-files', { ...files,
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: 'medium' } };\n` });
    try {
      message = await expectRefused(outsideGit, /SEN202/);
    } finally {
      unset();
    }
    const severities = (dir: string) => Object.fromEntries(readReport(dir).json.findings.filter((f: any) => f.ruleId === 'SEN202').map((f: any) => [ f.target, f.severity ]));
    // No git to ask (a deploy without .git): medium; config/secrets.json is config code's literal, as before.
    assert.deepEqual(severities(outsideGit), { 'config.mailer.auth.pass': 'medium', 'config.mysql.client.password': 'medium', 'config.redis.client.password': 'medium',
      'config.sms.apiToken': 'high' });
    assert.match(message, /config\.mailer\.auth\.pass holds a value read from deploy\/secrets\.json, a file in the app's tree that ships with the app unless the deploy writes it there[^\n]*\n +where: config\.mailer\.auth\.pass \(from deploy\/secrets\.json\)/);
    assert.match(message, /config\.mysql\.client\.password holds the value of CFG_DOTENV_DB_PASSWORD, which env\/production\.env assigns[^\n]*\n +where: config\.mysql\.client\.password \(from env\/production\.env\)/);
    assert.match(message, /config\.redis\.client\.password holds the value of CFG_DOTENV_REDIS_PASSWORD, which \.env assigns/);
    assert.match(message, /config\.sms\.apiToken [^\n]*\n +where: config\.sms\.apiToken \(from config\/secrets\.json\)/);
    assert.match(message, /list it in the app's \.gitignore/);
    assert.doesNotMatch(message, /config\.cache\.password/);
    for (const secret of [ ...Object.values(secrets), 'Sms-Deploy-Token-4471' ]) assert.ok(!message.includes(secret), 'a secret is in the refusal');
    // The deploy writes them, and the repository's .gitignore says so: what a mounted secret file is.
    const deployed = temp('cfg-secret-tree-ignored', { ...files, '.gitignore': 'node_modules/\nrun/\nlogs/\n.env*\n/deploy/\nenv/production.env\nconfig/secrets.json\n' });
    const git = spawnSync('git', [ 'init', '-q' ], { cwd: deployed });
    assert.equal(git.status, 0, String(git.stderr));
    try {
      const report = await bootReport(deployed);
      assert.deepEqual(report.findings.filter((f: any) => f.ruleId === 'SEN202'), []);
      assert.equal(process.env.CFG_DOTENV_DB_PASSWORD, secrets.dbPassword, 'the app read the env file');
    } finally {
      unset();
    }
    // Tracked all the same (added before .gitignore listed it): in the repository, whatever .gitignore says.
    assert.equal(spawnSync('git', [ 'add', '-f', '.env' ], { cwd: deployed }).status, 0);
    try {
      const tracked = await expectRefused(deployed, /SEN202/);
      assert.match(tracked, /config\.redis\.client\.password holds the value of CFG_DOTENV_REDIS_PASSWORD, which \.env assigns \(.*\), a file in the app's tree that git tracks: the secret is in the repository/);
      assert.doesNotMatch(tracked, /config\.(?:mailer|mysql|sms)\./);
      assert.ok(!tracked.includes(secrets.redisPassword), 'a secret is in the refusal');
      assert.deepEqual(severities(deployed), { 'config.redis.client.password': 'high' });
    } finally {
      unset();
    }
    // Neither tracked nor ignored (review of session 27, 27b #2): not in the repository yet, which the next `git add .` changes.
    assert.equal(spawnSync('git', [ 'rm', '-q', '--cached', '.env' ], { cwd: deployed }).status, 0);
    fs.writeFileSync(path.join(deployed, '.gitignore'), 'node_modules/\nrun/\nlogs/\n/deploy/\nenv/production.env\nconfig/secrets.json\n');
    try {
      const report = await bootReport(deployed);
      const [ untracked ] = report.findings.filter((f: any) => f.ruleId === 'SEN202');
      assert.equal(untracked?.severity, 'medium');
      assert.match(untracked.message, /which \.env assigns \(.*\), a file in the app's tree that git does not track yet but \.gitignore does not cover/);
    } finally {
      unset();
    }
  });

  it('SEN202: a secret from the environment that a committed docker-compose file or Kubernetes manifest gives the container, or a .env in dotenv\'s `NAME: value` form, is named by key and file; a manifest that takes it from elsewhere is not (review of session 27, 27b #7)', async () => {
    mm.env('prod');
    const secrets = { CFG_COMPOSE_DB_PASSWORD: 'Cp4!wQz8Lm2#Vx7n', CFG_K8S_API_TOKEN: 'K8s-Tok#9fQ2mZx7Lp4w', CFG_COLON_SMTP_PASS: 'Sm7$tPq3Kx9Lw2Zn',
      CFG_K8S_HOOK_SECRET: 'Hk2#rTq8Wz5Lm9Px' };
    for (const [ name, value ] of Object.entries(secrets)) mm(process.env, name, value);
    const files = {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: 'medium' } };\n`,
      'config/config.prod.js': 'module.exports = { mysql: { client: { password: process.env.CFG_COMPOSE_DB_PASSWORD } }, ' +
        'api: { token: process.env.CFG_K8S_API_TOKEN }, mailer: { auth: { pass: process.env.CFG_COLON_SMTP_PASS } }, webhook: { secret: process.env.CFG_K8S_HOOK_SECRET } };\n',
      'docker-compose.yml': `services:\n  web:\n    image: shop\n    environment:\n      CFG_COMPOSE_DB_PASSWORD: "${secrets.CFG_COMPOSE_DB_PASSWORD}"\n`,
      // Written on Windows: CRLF line ends.
      'deploy/k8s/deployment.yaml': ('apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n' +
        `            - name: CFG_K8S_API_TOKEN\n              value: ${secrets.CFG_K8S_API_TOKEN}   # the API's token\n` +
        // An entry with its value first and a comment and another key between: the keys of one item in any order.
        `            - value: "${secrets.CFG_K8S_HOOK_SECRET}"\n\n              # signs the webhook's calls\n              optional: false\n              name: CFG_K8S_HOOK_SECRET\n` +
        '            - name: CFG_K8S_REGION\n              value: eu-west-1\n').replace(/\n/g, '\r\n'),
      '.env': `CFG_COLON_SMTP_PASS: ${secrets.CFG_COLON_SMTP_PASS}\n`,
    };
    const message = await expectRefused(temp('cfg-secret-manifests', files), /SEN202/);
    assert.match(message, /config\.mysql\.client\.password holds the value of CFG_COMPOSE_DB_PASSWORD, which docker-compose\.yml assigns/);
    assert.match(message, /config\.api\.token holds the value of CFG_K8S_API_TOKEN, which deploy\/k8s\/deployment\.yaml assigns/);
    assert.match(message, /config\.webhook\.secret holds the value of CFG_K8S_HOOK_SECRET, which deploy\/k8s\/deployment\.yaml assigns/);
    assert.match(message, /config\.mailer\.auth\.pass holds the value of CFG_COLON_SMTP_PASS, which \.env assigns/);
    for (const secret of Object.values(secrets)) assert.ok(!message.includes(secret), 'a secret is in the refusal');
    // The manifests take them from the deploy's environment and a Kubernetes Secret: nothing in the tree holds them.
    const fromElsewhere = temp('cfg-secret-manifests-refs', { ...files,
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: 'never' } };\n`,
      'docker-compose.yml': 'services:\n  web:\n    environment:\n      - CFG_COMPOSE_DB_PASSWORD=${CFG_COMPOSE_DB_PASSWORD}\n      - CFG_K8S_API_TOKEN\n',
      'deploy/k8s/deployment.yaml': 'env:\n  - name: CFG_K8S_API_TOKEN\n    valueFrom:\n      secretKeyRef: { name: api, key: token }\n' +
        // The name and key under valueFrom are not the item's.
        '  - name: CFG_K8S_HOOK_SECRET\n    valueFrom:\n      secretKeyRef:\n        name: hook\n        key: secret\n',
      '.env': 'CFG_COLON_SMTP_PASS: changed-by-the-deploy\n' });
    const report = await bootReport(fromElsewhere);
    assert.deepEqual(report.findings.filter((f: any) => f.ruleId === 'SEN202'), []);
  });

  it('SEN202: a file of the app\'s tree its search leaves unread (over 1 MiB) is reported, low, by name: a secret in it is not found (code review 27b, #8)', async () => {
    mm.env('prod');
    const secret = 'Mounted-Db-Pw-5521-qXz';
    const mounted = path.join(tempDir('cfg-tree-gap-mount'), 'db_password');
    fs.writeFileSync(mounted, `${secret}\n`);
    const files = {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: 'never' }, ` +
        `mysql: { client: { password: require('fs').readFileSync(${JSON.stringify(mounted)}, 'utf8').trim() } } };\n`,
    };
    // A dump committed with the secret in it, past the 1 MiB the search reads of a file.
    const gap = await bootReport(temp('cfg-tree-gap', { ...files, 'backup/dump.sql': `${'-- padding\n'.repeat(110_000)}INSERT INTO users VALUES ('${secret}');\n` }));
    assert.deepEqual(gap.findings.filter((f: any) => f.ruleId === 'SEN202').map((f: any) => `${f.severity} ${f.target}`), [ 'low files:tree-search' ]);
    assert.match(gap.findings.find((f: any) => f.target === 'files:tree-search').message, /did not read every file: 1 over 1 MiB \(backup\/dump\.sql\); a secret committed in one of them is not reported/);
    // Under 1 MiB the same dump is read, and the secret in it reported; no gap.
    const read = await bootReport(temp('cfg-tree-read', { ...files, 'backup/dump.sql': `INSERT INTO users VALUES ('${secret}');\n` }));
    assert.deepEqual(read.findings.filter((f: any) => f.ruleId === 'SEN202').map((f: any) => `${f.severity} ${f.target}`), [ 'medium config.mysql.client.password' ]);
  });

  it('SEN202: a fallback literal in config.default is reported there, though config.prod set the key last', async () => {
    mm.env('prod');
    const dir = temp('cfg-secret-fallback', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, ` +
        "jwt: { secret: process.env.CFG_UNSET_JWT_SECRET || 'Fallback-Jwt-S3cret-77' } };\n",
      'config/config.prod.js': 'module.exports = { jwt: { secret: process.env.CFG_UNSET_JWT_SECRET } };\n',
    });
    const message = await expectRefused(dir, /SEN202/);
    assert.match(message, /where: config\.jwt\.secret \(from config\/config\.default\.js\)/);
    assert.ok(!message.includes('Fallback-Jwt-S3cret-77'));
  });

  it('SEN202: a plugin\'s default secret that egg keeps because the variable the app\'s config reads is unset refuses boot, and a token signed with that default is accepted; set, it boots and the forgery fails (black-box round 26, h85 F6)', async () => {
    const PLUGIN_DEFAULT = 'plugin-default-123456';
    const files = {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, tokens: { secret: process.env.CFG_TOKENS_SECRET } };\n`,
      'config/plugin.js': "exports.tokens = { enable: true, path: require('path').join(__dirname, '../lib/plugin/egg-tokens') };\n",
      'lib/plugin/egg-tokens/package.json': JSON.stringify({ name: 'egg-tokens', eggPlugin: { name: 'tokens' } }),
      // As egg-jwt ships `secret: '123456'`: a default for development that production is meant to replace.
      'lib/plugin/egg-tokens/config/config.default.js': `module.exports = { tokens: { secret: '${PLUGIN_DEFAULT}' } };\n`,
      'app/router.js': "const crypto = require('crypto');\nmodule.exports = app => { app.router.get('/admin', async ctx => {\n" +
        "  const expected = crypto.createHmac('sha256', app.config.tokens.secret).update('admin').digest('hex');\n" +
        "  ctx.status = ctx.query.sig === expected ? 200 : 403; ctx.body = ctx.status === 200 ? 'admin data' : 'forbidden';\n}); };\n",
    };
    const forged = crypto.createHmac('sha256', PLUGIN_DEFAULT).update('admin').digest('hex');
    mm.env('prod');
    const unset = temp('cfg-kept-default', files);
    const message = await expectRefused(unset, /SEN202/);
    assert.match(message, /config\.tokens\.secret holds the literal default written in lib\/plugin\/egg-tokens\/config\/config\.default\.js: config\/config\.default\.js sets the key, but to undefined \(process\.env\.CFG_TOKENS_SECRET, which is not set\), and egg keeps the value below it/);
    assert.match(message, /where: config\.tokens\.secret \(from lib\/plugin\/egg-tokens\/config\/config\.default\.js\)/);
    assert.match(message, /fix: {3}Set CFG_TOKENS_SECRET where egg starts \(and where `egg-sentinel audit` runs, in CI\), and read it with `secret: env\.secret\('CFG_TOKENS_SECRET'\)`/);
    assert.ok(!message.includes(PLUGIN_DEFAULT), 'the secret is never shown');
    const admin = async (dir: string) => {
      const app = await bootApp(dir);
      try {
        return await app.httpRequest().get('/admin').query({ sig: forged });
      } finally {
        await app.close();
      }
    };
    mm.restore();
    const reached = await admin(unset);
    assert.deepEqual([ reached.status, reached.text ], [ 200, 'admin data' ], 'the plugin\'s default signs the forgery');
    mm.env('prod');
    mm(process.env, 'CFG_TOKENS_SECRET', 'Tk9Qm2Xz7Lr4Wn8Hc3Pj6Yd1Fs5Ga0Vb-from-the-environment');
    const set = temp('cfg-kept-default-set', files);
    assert.deepEqual((await bootReport(set)).findings.filter((f: any) => f.ruleId === 'SEN202'), []);
    assert.equal((await admin(set)).status, 403, 'with the variable set the forgery fails');
  });

  it('SEN202: egg-jwt\'s default secret kept because `jwt: { secret: process.env.X, enable, match }` reads an unset variable names the app\'s file and the variable, and the fix says to set it (egg records no undefined, so its provenance still names egg-jwt\'s file); set, no SEN202 (black-box round 30, h105 F1)', async () => {
    withSecureEnv();
    mm.env('prod');
    const eggJwt = path.dirname(require.resolve('egg-jwt/package.json'));
    const files = {
      'config/plugin.js': `exports.jwt = { enable: true, path: ${JSON.stringify(eggJwt)} };\n`,
      'config/config.default.js': `module.exports = appInfo => {\n  const config = { keys: '${STRONG_KEY}', logger: { dir: appInfo.baseDir + '/logs' }, sentinel: { failOn: process.env.CFG_JWT_FAIL_ON } };\n` +
        "  config.jwt = { secret: process.env.CFG_JWT_SECRET, enable: true, match: '/api' };\n  return config;\n};\n",
    };
    const message = await expectRefused(temp('cfg-jwt-unset', files), /SEN202/);
    assert.match(message, /config\.jwt\.secret holds the literal default written in \S*egg-jwt\/config\/config\.default\.js: config\/config\.default\.js sets the key, but to undefined \(process\.env\.CFG_JWT_SECRET, which is not set\), and egg keeps the value below it/);
    assert.match(message, /where: config\.jwt\.secret \(from \S*egg-jwt\/config\/config\.default\.js\)/);
    assert.match(message, /fix: +Set CFG_JWT_SECRET where egg starts \(and where `egg-sentinel audit` runs, in CI\), and read it with `secret: env\.secret\('CFG_JWT_SECRET'\)`/);
    assert.doesNotMatch(message, /written in a config file instead of read from the environment/);
    mm(process.env, 'CFG_JWT_SECRET', 'Jw7Tq2Xk9Lm4Rz8Vn3Hb6Yc1Fd5Gs0Pa-from-the-environment');
    // jsonwebtoken 8's advisories (SEN601) refuse this boot too: the report is what is looked at.
    mm(process.env, 'CFG_JWT_FAIL_ON', 'never');
    assert.deepEqual((await bootReport(temp('cfg-jwt-set', files))).findings.filter((f: any) => f.ruleId === 'SEN202'), []);
  });

  it('SEN202: secrets the app\'s config code writes into process.env itself (`process.env.X ||= \'…\'` in config.prod, a defaults module\'s loop) are its literals, not the environment\'s: refused, and a JWT forged with the literal is accepted when boot goes on; set by the deploy, they are not reported (black-box round 43, h2 F1)', async () => {
    withSecureEnv();
    mm.env('prod');
    const KEYS = 'qH3vT9xLm2Zc7Rw5Kp8NbY4sJd6Fg1Ae';
    const JWT_SECRET = 'c7F2kq9LmZx4Rt8vWp3NyB6hJd1Qs5Ua';
    const DB_PASSWORD = 'Sh0p#2023!prodDB';
    const planted = [ 'CFG_PLANTED_KEYS', 'CFG_PLANTED_JWT_SECRET', 'CFG_PLANTED_DB_PASSWORD' ];
    const eggJwt = path.dirname(require.resolve('egg-jwt/package.json'));
    const files = {
      'config/plugin.js': `exports.jwt = { enable: true, path: ${JSON.stringify(eggJwt)} };\n`,
      'config/config.default.js': "module.exports = appInfo => ({ logger: { dir: appInfo.baseDir + '/logs' }, sentinel: { failOn: process.env.CFG_PLANTED_FAIL_ON }, " +
        "jwt: { enable: true, match: '/api' } });\n",
      'config/defaults.js': `const d = { CFG_PLANTED_DB_PASSWORD: '${DB_PASSWORD}' };\nfor (const [ k, v ] of Object.entries(d)) if (!process.env[k]) process.env[k] = v;\n`,
      'config/config.prod.js': "require('./defaults');\n// defaults for variables the deploy may not set\n" +
        `process.env.CFG_PLANTED_KEYS ||= '${KEYS}';\nprocess.env.CFG_PLANTED_JWT_SECRET ||= '${JWT_SECRET}';\n` +
        'module.exports = { keys: process.env.CFG_PLANTED_KEYS, jwt: { secret: process.env.CFG_PLANTED_JWT_SECRET }, mysql: { client: { password: process.env.CFG_PLANTED_DB_PASSWORD } } };\n',
      'app/router.js': "module.exports = app => { app.router.get('/api/me', async ctx => { ctx.body = ctx.state.user; }); };\n",
    };
    // The config files write process.env, which mm.restore() does not put back.
    const unplant = () => planted.forEach(name => delete process.env[name]);
    unplant();
    try {
      const message = await expectRefused(temp('cfg-planted-env', files), /SEN202/);
      assert.match(message, /config\.jwt\.secret holds a literal value under a secret key name, written in a config file instead of read from the environment: the app's config code writes it into process\.env itself/);
      assert.match(message, /where: config\.jwt\.secret \(from config\/config\.prod\.js\)/);
      assert.match(message, /where: config\.mysql\.client\.password \(from config\/defaults\.js\)/);
      assert.match(message, /config\.keys is the literal written in config\/config\.prod\.js, which the app falls back on/);
      for (const secret of [ KEYS, JWT_SECRET, DB_PASSWORD ]) assert.ok(!message.includes(secret), 'a secret is in the refusal');
      // The hole: booted anyway, a token signed with the literal passes egg-jwt.
      unplant();
      mm(process.env, 'CFG_PLANTED_FAIL_ON', 'never');
      // egg-jwt's own jsonwebtoken signs it, as an attacker with the repository would.
      const jwt = Module.createRequire(path.join(eggJwt, 'package.json'))('jsonwebtoken');
      const forged = jwt.sign({ sub: 'admin' }, JWT_SECRET);
      const app = await bootApp(temp('cfg-planted-env-booted', files));
      try {
        const reached = await app.httpRequest().get('/api/me').set('Authorization', `Bearer ${forged}`);
        assert.deepEqual([ reached.status, reached.body.sub ], [ 200, 'admin' ], 'the literal signs the forgery');
      } finally {
        await app.close();
      }
      // Set by the deploy, `||=` keeps its values: nothing to report.
      unplant();
      mm(process.env, 'CFG_PLANTED_KEYS', 'Kq7Wx2Zr9Tn4Kp3Vm8Lb5Hd1Jc6Fs0Ga-from-the-environment');
      mm(process.env, 'CFG_PLANTED_JWT_SECRET', 'Jw7Tq2Xk9Lm4Rz8Vn3Hb6Yc1Fd5Gs0Pa-from-the-environment');
      mm(process.env, 'CFG_PLANTED_DB_PASSWORD', 'Db4Lq8Zr2Xn6Tp0Wk3-from-the-environment');
      const set = await bootReport(temp('cfg-planted-env-set', files));
      assert.deepEqual(set.findings.filter((f: any) => [ 'SEN201', 'SEN202' ].includes(f.ruleId)), []);
    } finally {
      await mm.restore();
      unplant();
    }
  });

  it('SEN201/SEN202: config.prod\'s keys over config.default\'s `keys: process.env.X` are named in config.prod: computed from the variable and more, its own fallback, or read from a data file whatever the variable holds (black-box round 43, h2 F2)', async () => {
    mm.env('prod');
    mm(process.env, 'CFG_LATER_KEYS', STRONG_KEY);
    const base = { 'config/config.default.js': "module.exports = appInfo => ({ keys: process.env.CFG_LATER_KEYS, logger: { dir: appInfo.baseDir + '/logs' } });\n" };
    const joined = await expectRefused(temp('cfg-keys-later-join', { ...base,
      'config/config.prod.js': "module.exports = { keys: [ process.env.CFG_LATER_KEYS, 'k4_1699999999999_4821' ].join(',') };\n" }), /SEN201/);
    assert.match(joined, /config\.keys: key #2 has the scaffold form[^\n]*; config\/config\.prod\.js computes the keys, and what it computes is weak/);
    assert.match(joined, /fix: +Read the whole key from one environment variable in config\/config\.prod\.js/);
    const files = { ...base, 'config/config.prod.js': "const s = require('./secrets.json');\nmodule.exports = { keys: s.keys };\n" };
    const weak = await expectRefused(temp('cfg-keys-later-json', { ...files, 'config/secrets.json': JSON.stringify({ keys: 'cfg-keys-later-json_1699999999999_4821' }) }), /SEN201/);
    assert.match(weak, /; config\/config\.prod\.js, which egg applies after config\/config\.default\.js \(that one computes the keys from the environment\), sets them to what it reads from config\/secrets\.json, whatever the variable holds/);
    assert.match(weak, /fix: +Remove `keys` from config\/config\.prod\.js/);
    assert.doesNotMatch(weak, /what it reads is not set/);
    const strong = await expectRefused(temp('cfg-keys-later-json-strong', { ...files, 'config/secrets.json': JSON.stringify({ keys: 'qH3vT9xLm2Zc7Rw5Kp8NbY4sJd6Fg1Ae' }) }), /SEN202/);
    assert.match(strong, /config\.keys is the literal written in config\/secrets\.json: config\/config\.prod\.js, which egg applies after config\/config\.default\.js/);
    assert.ok(!strong.includes('qH3vT9xLm2Zc7Rw5Kp8NbY4sJd6Fg1Ae'), 'the key is never shown');
    mm(process.env, 'CFG_LATER_KEYS', '');
    const fallback = await expectRefused(temp('cfg-keys-later-fallback', { ...base, 'config/config.prod.js': "module.exports = { keys: process.env.CFG_LATER_KEYS || 'qH3vT9xLm2Zc7Rw5Kp8NbY4sJd6Fg1Ae' };\n" }), /SEN202/);
    assert.match(fallback, /config\.keys is the literal written in config\/config\.prod\.js, which the app falls back on: config\/config\.prod\.js computes the keys/);
  });

  it('SEN202/SEN204: chat bots\' webhook URLs (a WeCom robot\'s key, a Feishu bot hook, a Telegram bot token) are secrets: refused, and masked in egg\'s dumps when boot goes on (black-box round 43, h2 F4)', async () => {
    mm.env('prod');
    const tokens = [ '75735c8c-e051-0797-db9c-cba4b1002b4a', 'c5318bec-23df-405b-27dc-211124aad583', '6123456789:AAHCvfXpSenpDLePit63Lz8tvxtrPZhRlyM' ];
    const files = {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: process.env.CFG_BOTS_FAIL_ON },\n` +
        `  wecom: { robot: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${tokens[0]}' },\n` +
        `  feishu: { webhook: 'https://open.feishu.cn/open-apis/bot/v2/hook/${tokens[1]}' },\n` +
        `  telegram: { api: 'https://api.telegram.org/bot${tokens[2]}/sendMessage' },\n};\n`,
    };
    const message = await expectRefused(temp('cfg-chat-bots', files), /SEN202/);
    assert.match(message, /config\.wecom\.robot holds a WeCom robot webhook key/);
    assert.match(message, /config\.feishu\.webhook holds a Feishu or Lark bot webhook/);
    assert.match(message, /config\.telegram\.api holds a Telegram bot token/);
    for (const token of tokens) assert.ok(!message.includes(token), 'a token is in the refusal');
    mm(process.env, 'CFG_BOTS_FAIL_ON', 'never');
    const dir = temp('cfg-chat-bots-booted', files);
    const app = await bootApp(dir);
    try {
      await eventually(() => {
        const dumped = JSON.parse(fs.readFileSync(path.join(dir, 'run/application_config.json'), 'utf8')).config;
        assert.equal(dumped.wecom.robot, 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=[REDACTED]');
      });
      for (const name of [ 'application_config.json', 'agent_config.json' ]) {
        const dump = fs.readFileSync(path.join(dir, 'run', name), 'utf8');
        for (const token of tokens) assert.ok(!dump.includes(token), `a token is in ${name}`);
      }
    } finally {
      await app.close();
    }
  });

  it('SEN201: egg-init\'s layout with the variable unset (`keys: process.env.X` in config.prod over config.default\'s scaffold key) says that variable is not set and to set it, not that config.prod computes a weak key; set, it boots (black-box round 34, h110 F4)', async () => {
    mm.env('prod');
    const name = 'cfg-keys-egg-init';
    // npm and npx set npm_package_name, the app's name, which the scaffold key holds.
    mm(process.env, 'npm_package_name', name);
    const files = {
      'config/config.default.js': "module.exports = appInfo => ({ keys: appInfo.name + '_1596178293041_2345', logger: { dir: appInfo.baseDir + '/logs' } });\n",
      'config/config.prod.js': 'module.exports = () => ({ keys: process.env.CFG_INIT_KEYS });\n',
    };
    const message = await expectRefused(temp(name, files), /SEN201/);
    assert.match(message, /config\.keys: the key has the scaffold form [^\n]*; process\.env\.CFG_INIT_KEYS, which config\/config\.prod\.js reads the keys from, is not set in this process, so egg keeps the keys config\/config\.default\.js sets/);
    assert.match(message, /fix: +Set CFG_INIT_KEYS to a generated key \([^\n]*\) in the environment that starts egg \(`CFG_INIT_KEYS=… egg-scripts start`/);
    assert.doesNotMatch(message, /what it computes is weak|Read the whole key from one environment variable/);
    mm(process.env, 'CFG_INIT_KEYS', 'Kq7Wx2Zr9Tn4Kp3Vm8Lb5Hd1Jc6Fs0Ga-from-the-environment');
    assert.deepEqual((await bootReport(temp(`${name}-set`, files))).findings.filter((f: any) => f.ruleId === 'SEN201'), []);
  });

  it('SEN202: WeChat Pay\'s merchant keys (mchKey, apiV3Key, merchantKey; a generated partnerKey) are secrets: refused, and masked in egg\'s dumps when boot goes on; read from the environment, beside ids, Alipay\'s public key and cookie or header names, they are not (black-box round 34, h110 F2)', async () => {
    mm.env('prod');
    const secrets = { mchKey: 'a8Kd93hF2mQx7Lp0Zt4Vn6Bw1Rc5Ys8J', apiV3Key: 'Q2w9Er7Ty5Ui3Op1As8Df6Gh4Jk2Lz0X', partnerKey: 'Pk4Lm8Nq2Rs6Tv0Wx3Yz7Ab1Cd5Ef9Gh', merchantKey: 'Mk5Jn9Bv3Cx7Zl1Qw4Er8Ty2Ui6Op0As' };
    const ids = "appId: 'wx8888888888888888', mchId: '1230000109', serialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1'";
    const config = (pay: string) => `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: process.env.CFG_PAY_FAIL_ON },\n  ${pay}\n};\n`;
    const insecureFiles = { 'config/config.default.js': config(`wechatPay: { ${ids}, mchKey: '${secrets.mchKey}', apiV3Key: '${secrets.apiV3Key}' },\n` +
      `  tenpay: { partnerKey: '${secrets.partnerKey}' }, unionPay: { merchantKey: '${secrets.merchantKey}' },`) };
    const message = await expectRefused(temp('cfg-wechat-pay', insecureFiles), /SEN202/);
    for (const keyPath of [ 'wechatPay.mchKey', 'wechatPay.apiV3Key', 'tenpay.partnerKey', 'unionPay.merchantKey' ]) {
      assert.match(message, new RegExp(`config\\.${escapeRegExp(keyPath)} holds a literal value under a secret key name`), keyPath);
    }
    for (const secret of Object.values(secrets)) assert.ok(!message.includes(secret), 'a secret is in the refusal');
    // The hole: booted anyway, the app signs payments with the literal, and egg's dumps used to hold it in clear.
    mm(process.env, 'CFG_PAY_FAIL_ON', 'never');
    const insecure = temp('cfg-wechat-pay-booted', insecureFiles);
    const app = await bootApp(insecure);
    try {
      assert.equal((app.config as any).wechatPay.mchKey, secrets.mchKey);
      await eventually(() => {
        const dumped = JSON.parse(fs.readFileSync(path.join(insecure, 'run/application_config.json'), 'utf8')).config;
        assert.deepEqual(dumped.wechatPay, { appId: 'wx8888888888888888', mchId: '1230000109', serialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1', mchKey: '[REDACTED]', apiV3Key: '[REDACTED]' });
        assert.deepEqual([ dumped.tenpay.partnerKey, dumped.unionPay.merchantKey ], [ '[REDACTED]', '[REDACTED]' ]);
      });
      const agentDump = fs.readFileSync(path.join(insecure, 'run/agent_config.json'), 'utf8');
      for (const secret of Object.values(secrets)) assert.ok(!agentDump.includes(secret), 'a secret is in the agent\'s dump');
    } finally {
      await app.close();
    }
    await mm.restore();
    mm.env('prod');
    mm(process.env, 'CFG_MCH_KEY', secrets.mchKey);
    mm(process.env, 'CFG_APIV3_KEY', secrets.apiV3Key);
    const alipayPublicKey = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const secure = temp('cfg-wechat-pay-env', { 'config/config.default.js': config(`wechatPay: { ${ids}, mchKey: process.env.CFG_MCH_KEY, apiV3Key: process.env.CFG_APIV3_KEY },\n` +
      `  alipay: { appId: '2021000000000000', alipayPublicKey: '${alipayPublicKey}' }, shop: { cookieKey: 'shop_sess', partnerKey: 'acme-partner', webhookKey: 'x-shop-hook' },`) });
    assert.deepEqual((await bootReport(secure)).findings.filter((f: any) => f.ruleId === 'SEN202'), []);
  });

  it('SEN202/SEN203: secret names written as one lowercase word (WeCom\'s corpsecret, WeChat\'s appsecret, accesstoken): a literal is refused, and a served file holding the value the config reads from the environment is too (black-box round 41, h3 F1)', async () => {
    mm.env('prod');
    const corpSecret = 'Hq7Wm3Zr9Kx2Tq8Lp5Vn1Bc4Xd6Fg0Sa2Ke3Ju9Ip';
    const appSecret = 'f3a9c1e7b2d84056a1c9e3f7b5d20486';
    const config = (wechat: string) => `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: 'high' },\n  ${wechat}\n};\n`;
    const literal = await expectRefused(temp('cfg-wecom', { 'config/config.default.js': config(`work: { corpid: 'ww1a2b3c4d5e6f7a8b', corpsecret: '${corpSecret}' },`) }), /SEN202/);
    assert.match(literal, /config\.work\.corpsecret holds a literal value under a secret key name/);
    assert.ok(!literal.includes(corpSecret), 'the secret is in the refusal');
    mm(process.env, 'CFG_WX_APPSECRET', appSecret);
    const served = await expectRefused(temp('cfg-wechat-served', {
      'config/config.default.js': config("wechat: { appid: 'wx8f3c2a1b9d4e5f60', appsecret: process.env.CFG_WX_APPSECRET },"),
      'app/public/js/wx-config.js': `window.WX = { appid: 'wx8f3c2a1b9d4e5f60', appsecret: '${appSecret}' };\n`,
    }), /SEN203/);
    assert.match(served, /app\/public\/js\/wx-config\.js/);
    assert.ok(!served.includes(appSecret), 'the secret is in the refusal');
  });

  it('SEN203: a served script with Alibaba Cloud\'s AccessKey pair and a served JSON file with a database URL\'s password are refused, naming each file (black-box round 41, h3 F2, F3)', async () => {
    mm.env('prod');
    const secret = 'Vn1Bc4Xd6Fg0Sa2Ke3Ju9IpHq7Wm3Z';
    const message = await expectRefused(temp('cfg-served-cloud-keys', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: 'high' } };\n`,
      'app/public/js/upload.js': `const client = new OSS({ region: 'oss-cn-hangzhou', accessKeyId: 'LTAI5tQ8wm3Zr9Kx2Hq7Wm3X', accessKeySecret: '${secret}', bucket: 'shop-assets' });\n`,
      'app/public/runtime.json': '{"api":"/api","mongo":"mongodb://shop:Zr9Kx2Hq7Wm3Tq@db.shop-example.com:27017/shop"}\n',
    }), /SEN203/);
    assert.match(message, /app\/public\/js\/upload\.js .*an Alibaba Cloud AccessKey id and its secret/s);
    assert.match(message, /app\/public\/runtime\.json .*a database URL with a password/s);
    assert.ok(!message.includes(secret) && !message.includes('Zr9Kx2Hq7Wm3Tq'), 'a secret is in the refusal');
  });

  it('SEN202/SEN205: secrets held as Buffers (`Buffer.from(\'…\')`, a committed PEM read without an encoding) are judged as their text: refused, and the app signs with the committed key when boot goes on; a Buffer of an environment variable, a mounted key, random bytes and a public key are not (black-box round 34, h110 F6)', async function() {
    if (process.platform === 'win32') this.skip();
    mm.env('prod');
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const JWT_SECRET = 'Hq7zPw3Lm9Tx2vKdQ8rT';
    const config = (body: string) => "const fs = require('fs');\nconst path = require('path');\n" +
      `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: process.env.CFG_BUF_FAIL_ON },\n  ${body}\n};\n`;
    const insecureApp = (name: string) => {
      const dir = temp(name, {
        'config/keys/app_private_key.pem': privatePem,
        'config/config.default.js': config(`jwt: { secret: Buffer.from('${JWT_SECRET}') },\n` +
          "  alipay: { appId: '2021000000000000', privateKey: fs.readFileSync(path.join(__dirname, 'keys/app_private_key.pem')) },"),
      });
      fs.chmodSync(path.join(dir, 'config/keys/app_private_key.pem'), 0o644);
      return dir;
    };
    const message = await expectRefused(insecureApp('cfg-buffer-secrets'), /SEN202/);
    assert.match(message, /config\.jwt\.secret holds a literal value under a secret key name[^\n]*\n +where: config\.jwt\.secret \(from config\/config\.default\.js\)/);
    assert.match(message, /config\.alipay\.privateKey holds a literal value under a secret key name[^\n]*\n +where: config\.alipay\.privateKey \(from config\/keys\/app_private_key\.pem\)/);
    assert.ok(!message.includes(JWT_SECRET) && !message.includes('MII'), 'a secret is in the refusal');
    // The hole: booted anyway, the app signs with the key committed in its tree, which others can read (SEN205, medium).
    mm(process.env, 'CFG_BUF_FAIL_ON', 'never');
    const app = await bootApp(insecureApp('cfg-buffer-secrets-booted'));
    try {
      assert.match((app as any).sentinel.report.findings.filter((f: any) => f.ruleId === 'SEN205').map((f: any) => f.message).join('\n'),
        /config\/keys\/app_private_key\.pem is readable by others while it holds secrets \(mode 0644\)/);
      const { jwt, alipay } = app.config as any;
      assert.equal(jwt.secret.toString(), JWT_SECRET);
      const signature = crypto.sign('sha256', Buffer.from('pay 100'), alipay.privateKey);
      assert.ok(crypto.verify('sha256', Buffer.from('pay 100'), publicKey, signature));
    } finally {
      await app.close();
    }
    await mm.restore();
    mm.env('prod');
    mm(process.env, 'CFG_BUF_JWT_SECRET', JWT_SECRET);
    const mountedDir = tempDir('mounted-key');
    dirs.push(mountedDir);
    const mounted = path.join(mountedDir, 'app_private_key.pem');
    fs.writeFileSync(mounted, privatePem, { mode: 0o600 });
    const secure = temp('cfg-buffer-secrets-env', {
      'config/keys/alipay_public_key.pem': publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      'config/config.default.js': config('jwt: { secret: Buffer.from(process.env.CFG_BUF_JWT_SECRET) }, vault: { encryptKey: require(\'crypto\').randomBytes(32) },\n' +
        `  alipay: { appId: '2021000000000000', privateKey: fs.readFileSync(${JSON.stringify(mounted)}), alipayPublicKey: fs.readFileSync(path.join(__dirname, 'keys/alipay_public_key.pem')) },`),
    });
    fs.chmodSync(path.join(secure, 'config/keys/alipay_public_key.pem'), 0o644);
    assert.deepEqual((await bootReport(secure)).findings.filter((f: any) => [ 'SEN202', 'SEN205' ].includes(f.ruleId)), []);
  });

  it('SEN202: a plugin\'s empty default password the app never sets (egg-sequelize\'s, beside datasources or connectionUri) is not reported; one the app\'s config sets empty is (black-box round 26, h84 F6)', async () => {
    mm.env('prod');
    const files = (appDb: string) => ({
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, db: ${appDb} };\n`,
      'config/plugin.js': "exports.db = { enable: true, path: require('path').join(__dirname, '../lib/plugin/egg-db') };\n",
      'lib/plugin/egg-db/package.json': JSON.stringify({ name: 'egg-db', eggPlugin: { name: 'db' } }),
      'lib/plugin/egg-db/config/config.default.js': "module.exports = { db: { host: 'localhost', password: '' } };\n",
    });
    const sen202 = async (dir: string) => (await bootReport(dir)).findings.filter((f: any) => f.ruleId === 'SEN202').map((f: any) => `${f.severity} ${f.target}`);
    mm(process.env, 'CFG_DATABASE_URL', 'mysql://app:Qx7Lm2Vp9Rz4kW8n@db.internal:3306/app');
    assert.deepEqual(await sen202(temp('cfg-empty-default', files('{ connectionUri: process.env.CFG_DATABASE_URL }'))), []);
    assert.deepEqual(await sen202(temp('cfg-empty-app', files("{ password: '' }"))), [ 'medium config.db.password' ]);
  });

  it('SEN204: a refused boot leaves egg\'s dump (written again after the refusal) masked too', async () => {
    mm.env('prod');
    mm(process.env, 'CFG_REFUSED_REDIS_URL', 'redis://:EnvRedisPw123-refused@cache.internal:6379/0');
    const dir = temp('cfg-refused-dump', {
      'config/config.default.js': "module.exports = { keys: 'short', logger: { dir: __dirname + '/../logs' }, redis: { url: process.env.CFG_REFUSED_REDIS_URL } };\n",
    });
    await expectRefused(dir, /SEN201/);
    // Read at once: a refused worker exits right after its failed ready, so nothing later would mask it.
    const dump = path.join(dir, 'run/application_config.json');
    const text = fs.readFileSync(dump, 'utf8');
    assert.ok(!text.includes('EnvRedisPw123-refused'), 'the secret is in the dump');
    assert.equal(JSON.parse(text).config.redis.url, 'redis://:[REDACTED]@cache.internal:6379/0');
    assert.equal(fs.statSync(dump).mode & 0o777, 0o600);
  });

  it('SEN203: a static dir serving the app root is critical and names what it exposes', async () => {
    const message = await expectRefused(fixture('cfg-static-exposed'), /SEN203/);
    assert.deepEqual(refusedIds(message), [ 'SEN203' ]);
    assert.match(message, /config\.static\.dir serves .*cfg-static-exposed, which is the app root; contains config\/ \(config\)/);
    assert.match(message, /where: config\.static\.dir \(from config\/config\.default\.ts\)/);
  });

  it('SEN203: egg-sentinel\'s report written into the static dir is served to anyone (black-box round 22)', async () => {
    const app = (failOn: string) => temp('cfg-static-report', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { ${failOn} report: { path: '../app/public/sentinel.json' } } };\n`,
      'app/public/app.css': 'body {}\n',
    });
    const message = await expectRefused(app(''), /SEN203/);
    assert.match(message, /config\.static\.dir serves app\/public, which contains egg-sentinel's report \(config\.sentinel\.report\.path\) \(app\/public\/sentinel\.json\)/);
    const booted = await bootApp(app("failOn: 'never',"));
    try {
      const served = await booted.httpRequest().get('/public/sentinel.json').expect(200);
      assert.match(JSON.stringify(served.body), /"tool":\{"name":"egg-sentinel"/);
    } finally {
      await booted.close();
    }
  });

  it('SEN203: a symlink in the static dir that points out of it, and a .env file in it', async () => {
    const dir = temp('cfg-static-link', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/app.css': 'body {}\n',
      'app/public/.env': 'TOKEN=x\n',
      // A deploy that cloned into the static dir (black-box round 13).
      'app/public/docs/.git/config': '[remote "origin"]\n\turl = https://ci:token@git.example.com/app.git\n',
    });
    fs.symlinkSync(path.join(dir, 'config'), path.join(dir, 'app/public/conf'));
    const message = await expectRefused(dir, /SEN203/);
    assert.match(message, /config\.static\.dir serves app\/public, which holds \.env; holds docs\/\.git\/ \(a repository: its history, and its config with any credentials in remote URLs\); holds symlinks out of it: conf -> config/);
    // The layout that serves a deploy's shared directory is named (black-box round 40, h1 F10).
    assert.match(message, /fix: +Remove the symlinks; to serve a directory kept elsewhere .*list it as a static dir of its own .*sentinel\.paths\.allow/);
  });

  it('SEN203: a symlink into the app\'s own front-end build is served and judged as the static dir\'s files (black-box round 24)', async () => {
    const app = (extra: Record<string, string>) => {
      const dir = temp('cfg-static-build-link', {
        'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
        'app/public/app.css': 'body {}\n',
        'web/dist/index.js': 'console.log("spa");\n',
        'app/controller/home.js': 'module.exports = app => class extends app.Controller {};\n',
        ...extra,
      });
      fs.symlinkSync('../../web/dist', path.join(dir, 'app/public/spa'));
      return dir;
    };
    const booted = await bootApp(app({}));
    try {
      const served = await booted.httpRequest().get('/public/spa/index.js').expect(200);
      assert.match(served.text, /spa/, 'egg-static serves the build through the link');
    } finally {
      await booted.close();
    }
    // What the link leads to is judged as the static dir's own files.
    const leaking = await expectRefused(app({ 'web/dist/prod.env': 'DB_PASSWORD=LinkedBuild-Pw-71xq\n' }), /SEN203/);
    assert.match(leaking, /config\.static\.dir serves app\/public\/spa\/prod\.env \(an env file that sets secrets\)/);
    assert.doesNotMatch(leaking, /LinkedBuild-Pw-71xq/);
    // The server's code and the app root are not a front end's build.
    for (const [ link, target ] of [[ 'code', '../controller' ], [ 'root', '../..' ], [ 'modules', '../../node_modules' ]]) {
      const dir = app({});
      fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
      fs.symlinkSync(target, path.join(dir, 'app/public', link));
      const message = await expectRefused(dir, /SEN203/);
      assert.match(message, new RegExp(`holds symlinks out of it: ${link} -> `), message);
    }
  });

  it('SEN203: a symlink to what does not exist yet is judged by where it leads: into config/ it is reported before the file is there (black-box round 43, r43h2 F5)', async () => {
    const dir = temp('cfg-static-dangling-link', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/app.css': 'body {}\n',
    });
    fs.symlinkSync('../../config/secrets.local.json', path.join(dir, 'app/public/creds.json'));
    const message = await expectRefused(dir, /SEN203/);
    assert.match(message, /config\.static\.dir serves app\/public, which holds symlinks out of it: creds\.json -> config\/secrets\.local\.json/);
  });

  it('SEN203: env files, config copies, backups, keys and a hard link to a config file that egg-static serves (round 22)', async () => {
    const configDefault = `module.exports = { keys: '${STRONG_KEY}' };\n`;
    const dir = temp('cfg-static-secrets', {
      'config/config.default.js': configDefault,
      'config/config.prod.js': 'module.exports = { mysql: { password: process.env.DB_PASSWORD } };\n',
      'app/public/app.css': 'body {}\n',
      'app/public/prod.env': 'DB_PASSWORD=StaticLeak-Pw-93kq\n',
      'app/public/deploy/app.env.production': 'DB_PASSWORD=StaticLeak-Pw-93kq\n',
      'app/public/config.default.js.bak': configDefault,
      'app/public/config.prod.js': configDefault,
      'app/public/certs/server.key': '-----BEGIN PRIVATE KEY-----\n',
      'app/public/index.html~': '<html></html>\n',
    });
    fs.linkSync(path.join(dir, 'config/config.default.js'), path.join(dir, 'app/public/robots.txt'));
    const message = await expectRefused(dir, /SEN203/);
    assertServes(message, [ 'prod.env (an env file that sets secrets)', 'deploy/app.env.production (an env file that sets secrets)', 'config.default.js.bak (a backup copy)',
      "config.prod.js (a copy of config/'s config.prod (it holds the app's secrets))", 'certs/server.key (a private key)', 'index.html~ (a backup copy)',
      'robots.txt (a hard link to config/config.default.js)' ]);
    assert.ok(!message.includes('StaticLeak-Pw-93kq'));
    // egg-static does serve every one of them (it skips only dotfiles).
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    // Whatever the content type, as text.
    const served = async (file: string) => (await app.httpRequest().get(`/public/${file}`).buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { text += chunk; });
        res.on('end', () => done(null, text));
      }).expect(200)).body as string;
    try {
      assert.match(await served('prod.env'), /DB_PASSWORD=StaticLeak-Pw-93kq/);
      for (const file of [ 'config.default.js.bak', 'robots.txt' ]) assert.ok((await served(file)).includes(STRONG_KEY), file);
      assert.match(await served('certs/server.key'), /PRIVATE KEY/);
    } finally {
      await app.close();
    }
  });

  it('SEN203: private keys, settings and copies of config secrets are found by what they hold, whatever their name (black-box round 23)', async () => {
    const configDefault = `module.exports = { keys: '${STRONG_KEY}' };\n`;
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n';
    const dir = temp('cfg-static-content', {
      'config/config.default.js': configDefault,
      'app/public/app.css': 'body {}\n',
      'app/public/keys/id_rsa': pem,
      'app/public/keys/id_ed25519': '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
      'app/public/service-account.json': JSON.stringify({ type: 'service_account', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----\n' }),
      'app/public/settings.env.json': '{"DB_PASSWORD":"StaticLeak-Pw-93kq"}\n',
      'app/public/docker-compose.yml': 'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: StaticLeak-Pw-93kq\n',
      'app/public/config.js.txt': configDefault,
    });
    const message = await expectRefused(dir, /SEN203/);
    assertServes(message, [ 'keys/id_rsa (a private key)', 'keys/id_ed25519 (a private key)', 'service-account.json (a private key)',
      'settings.env.json (settings that set secrets (DB_PASSWORD))', 'docker-compose.yml (settings that set secrets (POSTGRES_PASSWORD))', "config.js.txt (a file that holds a secret of the app's config, the value of config.keys)" ]);
    assert.ok(!message.includes('StaticLeak-Pw-93kq') && !message.includes(STRONG_KEY));
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      // egg-static serves every one of them.
      for (const file of [ 'keys/id_rsa', 'keys/id_ed25519', 'service-account.json', 'settings.env.json', 'docker-compose.yml', 'config.js.txt' ]) {
        await app.httpRequest().get(`/public/${file}`).expect(200);
      }
    } finally {
      await app.close();
    }
  });

  /** Writes binary files (archives) into an app made by temp(). */
  const writeFiles = (dir: string, files: Record<string, Buffer>) => {
    for (const [ file, content ] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    return dir;
  };
  /** A served file's bytes, whatever its content type. */
  const download = async (app: ReturnType<typeof mm.app>, file: string): Promise<Buffer> => (await app.httpRequest().get(`/public/${file}`).buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    }).expect(200)).body as Buffer;
  /** What the app serves at `urlPath` once it holds `text` (egg-logger writes a moment after the request), or after 5 s. */
  const servedWhen = async (app: ReturnType<typeof mm.app>, urlPath: string, text: string): Promise<string> => {
    let served = '';
    for (let tries = 0; tries < 50 && !served.includes(text); tries++) {
      await new Promise(resolve => setTimeout(resolve, 100));
      served = (await app.httpRequest().get(urlPath)).text ?? '';
    }
    return served;
  };

  it('SEN203: archives holding env files, the app\'s config, keys or its secrets are read through: tar, tgz, zip, gz (black-box round 25, h75 F7)', async () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n';
    const dir = writeFiles(temp('cfg-static-archives', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'config/config.prod.js': 'module.exports = { mysql: { client: { password: process.env.DB_PASSWORD } } };\n',
      'app/public/app.css': 'body {}\n',
    }), {
      // The tester's deploy bundles: the prod .env, uncompressed (the secret in clear), gzipped and zipped.
      'app/public/deploy.tar': tarOf({ 'README.md': '# app\n', '.env': 'DB_PASSWORD=StaticLeak-Pw-93kq\n' }),
      'app/public/deploy.tgz': tgzOf({ '.env': 'DB_PASSWORD=StaticLeak-Pw-93kq\n', '.envrc': 'export AWS_SECRET_ACCESS_KEY=StaticLeak-Pw-93kq\n' }),
      'app/public/deploy.zip': zipOf({ 'app/.env.production': 'DB_PASSWORD=StaticLeak-Pw-93kq\n' }),
      // A bundle of the app itself: its config/ by name; a note holding the cookie keys; a key; a credentials file.
      'app/public/backup/site.zip': zipOf({ 'site/config/config.prod.js': 'module.exports = {};\n', 'site/app/router.js': '' }, { store: true }),
      'app/public/notes.tar.gz': tgzOf({ 'notes.txt': `keys: ${STRONG_KEY}\n` }),
      'app/public/keys.tgz': tgzOf({ 'deploy/id_rsa': pem }),
      'app/public/db.tar': tarOf({ 'config/database.yml': 'production:\n  adapter: postgresql\n  password: Vq8#mZ2!pL5xR9tw\n' }),
      'app/public/prod.env.gz': zlib.gzipSync('DB_PASSWORD=StaticLeak-Pw-93kq\n'),
      // Formats egg-sentinel does not unpack, and a tar larger than it reads: said (medium), not passed over.
      'app/public/old/site.7z': Buffer.from('7z\xbc\xaf\x27\x1c', 'latin1'),
      'app/public/old/big.tgz': tgzOf({ 'media.bin': crypto.randomBytes(1_200_000), 'late/.env': 'DB_PASSWORD=StaticLeak-Pw-93kq\n' }),
    });
    const message = await expectRefused(dir, /SEN203/);
    assertServes(message, [ 'deploy.tar (an archive holding .env (an env file that sets secrets))', 'deploy.tgz (an archive holding .env (an env file that sets secrets) and 1 more such file(s))',
      'deploy.zip (an archive holding app/.env.production (an env file that sets secrets))', "backup/site.zip (an archive holding site/config/config.prod.js (a copy of config/'s config.prod))",
      "notes.tar.gz (an archive holding notes.txt (a file that holds a secret of the app's config, the value of config.keys))", 'keys.tgz (an archive holding deploy/id_rsa (a private key))',
      'db.tar (an archive holding config/database.yml (settings that set secrets (password)))', 'prod.env.gz (an env file that sets secrets, compressed)' ]);
    assert.ok(!message.includes('StaticLeak-Pw-93kq') && !message.includes(STRONG_KEY) && !message.includes('Vq8#mZ2'));
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      const unchecked = (app as any).sentinel.report.findings.filter((finding: { ruleId: string; severity: string }) => finding.ruleId === 'SEN203' && finding.severity === 'medium');
      assert.deepEqual(unchecked.map((finding: { target: string }) => finding.target).sort(), [ 'app/public/old/big.tgz', 'app/public/old/site.7z' ]);
      assert.match(unchecked.find((finding: { target: string }) => finding.target.endsWith('7z')).message,
        /serves app\/public\/old\/site\.7z, an archive egg-sentinel could not look through \(a 7-Zip archive, which it does not unpack\)/);
      // egg-static serves them, the secret in clear in the tar.
      assert.ok((await download(app, 'deploy.tar')).includes('DB_PASSWORD=StaticLeak-Pw-93kq'));
      assert.ok(zlib.gunzipSync(await download(app, 'deploy.tgz')).includes('DB_PASSWORD=StaticLeak-Pw-93kq'));
      await download(app, 'deploy.zip');
    } finally {
      await app.close();
    }
  });

  it('SEN203: an archive\'s settings and keys are read before its pages; a docs download with more pages than it reads stays clean (review of round 27, L15)', async () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n';
    /** A generated docs page of about 16 KiB: 120 of them hold more than the 1 MiB an archive's reading takes. */
    const page = (index: number) => `<!doctype html><html><head><title>API reference ${index}</title><link rel="stylesheet" href="../_static/basic.css"></head><body>\n` +
      Array.from({ length: 160 }, (_, line) => `<p id="p${index}-${line}">Call <code>client.reset(${index}, ${line})</code> to reset the password of user ${index * 1000 + line}.</p>\n`).join('') + '</body></html>\n';
    const pages = Object.fromEntries(Array.from({ length: 120 }, (_, index) => [ `html/api/page-${index}.html`, page(index) ]));
    const dir = writeFiles(temp('cfg-static-archive-pages', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/app.css': 'body {}\n',
    }), {
      // A docs site as a download (Sphinx's or MkDocs' HTML output): pages, styles, images, its search index.
      'app/public/download/docs-html.zip': zipOf({ ...pages, 'html/_static/basic.css': 'body { margin: 0 }\n', 'html/_static/logo.png': crypto.randomBytes(4096),
        'html/search_index.json': '{"docs":[{"location":"api/page-0.html","title":"API reference 0"}]}\n' }),
      // The same export with the server's chain and key added after its pages (larger than what the pages leave of
      // the 1 MiB): read first, though the archive lists it last.
      'app/public/download/site-export.zip': zipOf({ ...pages, 'deploy/tls/server-bundle.pem': certificate.repeat(16) + pem }, { store: true }),
    });
    const message = await expectRefused(dir, /SEN203/);
    assertServes(message, [ 'download/site-export.zip (an archive holding deploy/tls/server-bundle.pem (a private key))' ]);
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      // Nothing about the docs download: its pages past the 1 MiB are not said.
      assert.deepEqual(reportFindings(app, 'SEN203')
        .map((finding: { severity: string; target: string }) => `${finding.severity} ${finding.target}`), [ 'critical app/public/download/site-export.zip' ]);
      // egg-static serves the export, the key stored in clear after 1.8 MB of pages.
      const served = await download(app, 'download/site-export.zip');
      assert.ok(served.length > 1_800_000 && served.includes('-----BEGIN RSA PRIVATE KEY-----'), `${served.length}`);
    } finally {
      await app.close();
    }
  });

  it('SEN203: lower-case secret settings of credential files (.aws/credentials, database.yml) are found; egg-static serves a dot dir\'s files (black-box round 25, h75 F8)', async () => {
    const dir = temp('cfg-static-credentials', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/app.css': 'body {}\n',
      'app/public/.aws/credentials': '[default]\naws_access_key_id = AKIAQ3EGRT5BX7NPLY2K\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY9q4Lz2Wx\n',
      'app/public/database.yml': 'production:\n  adapter: mysql2\n  username: shop\n  password: Vq8#mZ2!pL5xR9tw # rotated\n',
      'app/public/WEB-INF/app.properties': 'spring.datasource.url=jdbc:mysql://db/shop\nspring.datasource.password=Sq1-Pw-4471\n',
      'app/public/php.ini': '[mail]\nsmtp_password = "Sm7p-Pw-2290"\n',
      // An editor's deploy settings, and a service's settings in JSON (black-box round 42, h4 F3).
      'app/public/.vscode/sftp.json': '{ "name": "prod", "host": "10.0.0.5", "protocol": "sftp", "port": 22, "username": "root", "password": "Zq8vbn2LxT4wPe", "uploadOnSave": true }\n',
      'app/public/data/settings.json': '{ "smtp": { "host": "smtp.example.com", "user": "noreply@example.com", "password": "Vq7LmZ2xTb9wRk4N" } }\n',
    });
    const message = await expectRefused(dir, /SEN203/);
    assertServes(message, [ '.aws/credentials (settings that set secrets (aws_secret_access_key))', 'database.yml (settings that set secrets (password))',
      'WEB-INF/app.properties (settings that set secrets (spring.datasource.password))', 'php.ini (settings that set secrets (smtp_password))',
      '.vscode/sftp.json (settings that set secrets (password))', 'data/settings.json (settings that set secrets (password))' ]);
    assert.ok(!/wJalrXUtnFEMI|Vq8#mZ2|Sq1-Pw|Sm7p-Pw|Zq8vbn2|Vq7LmZ2/.test(message));
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      // egg-static (koa-static-cache with dynamic: true) skips a dotfile, not a dot dir.
      assert.match((await download(app, '.aws/credentials')).toString(), /aws_secret_access_key/);
      await download(app, 'database.yml');
      assert.match((await download(app, '.vscode/sftp.json')).toString(), /"password"/);
    } finally {
      await app.close();
    }
  });

  it('SEN203: ordinary public files with similar names do not fire (round 22)', async () => {
    const dir = temp('cfg-static-assets', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/.well-known/security.txt': 'Contact: mailto:security@example.com\n',
      'app/public/manifest.json': '{"name":"app"}\n',
      // Judged by what they hold (black-box round 22 re-test): a public certificate, a template, a slide deck, a front end's config.
      'app/public/certs/ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      'app/public/example.env': 'DB_PASSWORD=\nAPI_TOKEN=<your token>\n',
      'app/public/downloads/pitch-deck.key': 'PK\u0003\u0004 keynote\n',
      'app/public/js/config.default.js': 'window.CONFIG = { api: "/api" };\n',
      'app/public/config.js': 'window.API = "/api";\n',
      'app/public/config.production.js': 'window.API = "https://api.example.com";\n',
      'app/public/env.js': 'window.ENV = "prod";\n',
      'app/public/runtime.env.js': 'window.ENV = "prod";\n',
      'app/public/environment.json': '{}\n',
      'app/public/robots.txt': 'User-agent: *\n',
      'app/public/keys.html': '<html></html>\n',
      // A front end's texts under upper-case keys, a licence without an extension, a public key (round 23).
      'app/public/locales/en.json': '{"FORGOT_PASSWORD": "Forgot password?", "PASSWORD": "Password", "RESET_TOKEN": "Reset link"}\n',
      // Labels joined by - or _, and tokens a vendor means for the browser (black-box round 23 re-test).
      'app/public/locales/de.json': '{"CLIENT_SECRET": "Client-Geheimnis", "ONE_TIME_PASSWORD": "Einmal-Passwort", "API_TOKEN": "Access_Token"}\n',
      'app/public/config.json': '{"MAPBOX_TOKEN": "pk.eyJ1IjoiZXhhbXBsZSIsImEiOiJjazEyMzQ1In0.abc123", "MIXPANEL_TOKEN": "0123456789abcdef0123456789abcdef"}\n',
      'app/public/LICENSE': 'MIT License\n\nPermission is hereby granted, free of charge\n',
      'app/public/keys/id_rsa.pub': 'ssh-rsa AAAAB3NzaC1yc2E user@host\n',
      'app/public/docker-compose.example.yml': 'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: change-me-123\n',
      'app/public/compose.yml': 'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n',
      // A front end's texts and specs under lower-case secret names, and settings read from elsewhere (black-box round 25, h75 F8).
      'app/public/locales/en.yml': 'en:\n  password: Password\n  confirm_password: "Password:"\n  reset_password: "At least 8 characters, 1 digit"\n' +
        '  forgot_password: Forgot your password?\n  placeholder:\n    password: "••••••••"\n  client_secret: Client-Secret\n  new_password: "%{count}+"\n',
      'app/public/i18n/messages_de.properties': 'login.password=Passwort:\nerror.password=Das Passwort ist falsch\nlogin.secret=Geheimnis\n',
      'app/public/openapi.yaml': 'components:\n  schemas:\n    Login:\n      properties:\n        password: { type: string, format: password }\n        example: Passw0rd!\n',
      'app/public/config/database.yml': 'production:\n  password: <%= ENV["DB_PASSWORD"] %>\n  secret_key: *default_secret\n',
      'app/public/settings.ini': '[db]\npassword = ${DB_PASSWORD}\nsecret = "{{ vault_secret }}"\napi_token = pk.eyJ1IjoiZXhhbXBsZSJ9.abc123\n',
      'app/public/mock/users.json': '[{"username": "admin", "password": "admin123"}]\n',
    });
    // Downloads and precompressed assets: archives that hold none of what leaks secrets.
    writeFiles(dir, {
      'app/public/downloads/app-1.2.zip': zipOf({ 'app/README.md': '# app\n', 'app/LICENSE': 'MIT License\n', 'app/.env.example': 'DB_PASSWORD=\n',
        'app/config.json': '{"PASSWORD": "Password"}\n', 'app/node_modules/x/config/config.default.js': 'module.exports = {};\n' }),
      'app/public/downloads/docs.tgz': tgzOf({ 'docs/index.html': '<html></html>\n', 'docs/locales/en.yml': 'en:\n  password: Password\n' }),
      'app/public/js/app.js.gz': zlib.gzipSync('window.API = "/api";\n'),
      'app/public/css/site.css.gz': zlib.gzipSync('body {}\n'),
    });
    const app = await bootApp(dir);
    try {
      assert.deepEqual(reportFindings(app, 'SEN203'), []);
      await app.httpRequest().get('/public/manifest.json').expect(200);
    } finally {
      await app.close();
    }
  });

  it('SEN202/SEN203: keys vendors publish to browsers, in config and in the SPA\'s config.json, and a dsn without a password (black-box round 25, h74 F5, F6)', async () => {
    const mapbox = 'pk.eyJ1IjoiYWNtZSIsImEiOiJja2V4YW1wbGUxMjMifQ.AbCdEfGhIjKlMnOpQrStUv';
    const maps = 'AIzaSyBq7x9Lm2Np5Qr8St1Uv4Wx7Yz0Ab3Cd6E';
    const literals = {
      algolia: { appId: 'B1G2GM9NG0', searchOnlyApiKey: 'b8f3e2d1c0a9b8f3e2d1c0a9b8f3e2d1' },
      posthog: { apiKey: 'phc_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St' },
      pg: { dsn: 'postgres://api@db.internal:5432/acme?sslmode=verify-full' },
    };
    mm(process.env, 'MAPBOX_PUBLIC_TOKEN', mapbox);
    mm(process.env, 'GOOGLE_MAPS_BROWSER_KEY', maps);
    const dir = temp('cfg-static-public-keys', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', mapbox: { accessToken: process.env.MAPBOX_PUBLIC_TOKEN }, ` +
        `googleMaps: { apiKey: process.env.GOOGLE_MAPS_BROWSER_KEY }, ...${JSON.stringify(literals)} };\n`,
      'app/public/config.json': JSON.stringify({ mapboxToken: mapbox, mapsKey: maps, algoliaSearchKey: literals.algolia.searchOnlyApiKey, posthogKey: literals.posthog.apiKey }),
    });
    const app = await bootApp(dir);
    try {
      const findings = (app as any).sentinel.report.findings.filter((finding: { ruleId: string }) => [ 'SEN202', 'SEN203' ].includes(finding.ruleId));
      assert.deepEqual(findings, []);
      assert.match((await app.httpRequest().get('/public/config.json').expect(200)).text, /pk\.eyJ1/);
    } finally {
      await app.close();
    }
  });

  it('SEN203: egg-multipart\'s upload directory inside the static dir: every upload is served from the app\'s origin (black-box round 38, h2 M3)', async () => {
    mm.env('prod');
    const dir = temp('cfg-static-uploads', {
      'config/config.default.js': `const path = require('path');\nmodule.exports = appInfo => ({ keys: '${STRONG_KEY}', multipart: { mode: 'file', tmpdir: path.join(appInfo.baseDir, 'app/public/uploads') } });\n`,
      'app/public/index.html': '<p>shop</p>\n',
    });
    assert.match(await expectRefused(dir, /SEN203/), /config\.static\.dir serves app\/public, which contains the uploads of multipart\.tmpdir \(file mode, saveRequestFiles\(\)\)/);
  });

  it('SEN203: a static dir serving app/ exposes the server code; logger.dir that is logs/ is named once', async () => {
    const dir = temp('cfg-static-app', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', static: { dir: require('path').join(__dirname, '../app') } };\n`,
      'app/controller/home.js': 'module.exports = class {};\n',
    });
    const message = await expectRefused(dir, /SEN203/);
    assert.match(message, /config\.static\.dir serves app, which is app\/ \(the server code\)/);
    const root = temp('cfg-static-root-logs', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: require('path').join(__dirname, '../logs') }, static: { dir: require('path').join(__dirname, '..') } };\n`,
    });
    const rootMessage = await expectRefused(root, /SEN203/);
    assert.equal(rootMessage.match(/contains logs\//g)?.length, 1, rootMessage);
    assert.doesNotMatch(rootMessage, /a copy of config\/'s/, 'config/ itself is named once, not file by file');
  });

  it('SEN203: a symlink out of the static dir behind thousands of asset files is still found', async () => {
    const dir = temp('cfg-static-many', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
    });
    fs.mkdirSync(path.join(dir, 'app/public/icons'), { recursive: true });
    for (let index = 0; index < 6000; index++) fs.writeFileSync(path.join(dir, `app/public/icons/i${index}.svg`), '');
    fs.symlinkSync(path.join(dir, 'config'), path.join(dir, 'app/public/zz-conf'));
    const message = await expectRefused(dir, /SEN203/);
    assert.match(message, /config\.static\.dir serves app\/public, which holds symlinks out of it: zz-conf -> config/);
  });

  it('SEN203: log files egg writes into the static dir by an absolute logger.*LogName or customLogger file are served (black-box round 27, h91 F1)', async () => {
    const app = (logs: string) => temp('cfg-static-log-files', {
      'config/config.default.js': `const path = require('path');\nmodule.exports = appInfo => {\n  const logs = path.join(appInfo.baseDir, ${JSON.stringify(logs)});\n` +
        `  return { keys: '${STRONG_KEY}', logger: { appLogName: path.join(logs, 'app-web.log'), coreLogName: path.join(logs, 'egg-web.log'), ` +
        'errorLogName: path.join(logs, \'common-error.log\'), agentLogName: path.join(logs, \'egg-agent.log\') }, ' +
        'customLogger: { auditLogger: { file: path.join(logs, \'audit.log\') } } };\n};\n',
      'app/router.js': 'module.exports = app => { app.router.get(\'/reset\', async ctx => { ctx.logger.info(\'password reset link opened\'); ctx.body = \'ok\'; }); };\n',
      'app/public/app.css': 'body {}\n',
    });
    const dir = app('app/public');
    const message = await expectRefused(dir, /SEN203/);
    for (const [ key, file ] of [[ 'logger.appLogName', 'app-web.log' ], [ 'logger.coreLogName', 'egg-web.log' ], [ 'logger.errorLogName', 'common-error.log' ],
      [ 'logger.agentLogName', 'egg-agent.log' ], [ 'customLogger.auditLogger.file', 'audit.log' ]]) {
      assert.match(message, new RegExp(`config\\.static\\.dir serves app/public, which [^\\n]*contains the log file of ${key.replace(/\./g, '\\.')} \\(app/public/${file.replace(/\./g, '\\.')}\\)`), key);
    }
    // egg logs every request's URL, its query too, into a file anyone downloads.
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const booted = await bootApp(dir);
    try {
      await booted.httpRequest().get('/reset?token=VICTIM-RESET-TOKEN-42').expect(200);
      assert.match(await servedWhen(booted, '/public/app-web.log', 'VICTIM-RESET-TOKEN-42'), /GET \/reset\?token=VICTIM-RESET-TOKEN-42\] password reset link opened/);
    } finally {
      await booted.close();
    }
    // The same names outside every static dir.
    mm.restore();
    const secure = await bootApp(app('var/log'));
    try {
      assert.deepEqual(reportFindings(secure, 'SEN203'), []);
    } finally {
      await secure.close();
    }
  });

  it('SEN203: a custom logger\'s own dir, which egg-logger joins its relative file to, is where its log file is judged (review of round 27, L7)', async () => {
    const app = (dir: string) => temp('cfg-static-custom-logger-dir', {
      'config/config.default.js': `const path = require('path');\nmodule.exports = appInfo => ({ keys: '${STRONG_KEY}', ` +
        `customLogger: { auditLogger: { file: 'audit.log', dir: path.join(appInfo.baseDir, ${JSON.stringify(dir)}) } } });\n`,
      'app/router.js': 'module.exports = app => { app.router.get(\'/reset\', async ctx => { ctx.getLogger(\'auditLogger\').info(\'reset %s\', ctx.query.token); ctx.body = \'ok\'; }); };\n',
      'app/public/app.css': 'body {}\n',
    });
    const dir = app('app/public');
    const message = await expectRefused(dir, /SEN203/);
    assert.match(message, /config\.static\.dir serves app\/public, which [^\n]*contains the log file of customLogger\.auditLogger\.file \(app\/public\/audit\.log\)/);
    // egg-logger writes it there (customLogger options over logger's, file joined to their dir): anyone downloads it.
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const booted = await bootApp(dir);
    try {
      await booted.httpRequest().get('/reset?token=VICTIM-RESET-TOKEN-43').expect(200);
      assert.match(await servedWhen(booted, '/public/audit.log', 'VICTIM-RESET-TOKEN-43'), /reset VICTIM-RESET-TOKEN-43/);
    } finally {
      await booted.close();
    }
    mm.restore();
    const secure = await bootApp(app('var/log'));
    try {
      assert.deepEqual(reportFindings(secure, 'SEN203'), []);
    } finally {
      await secure.close();
    }
  });

  it('SEN203: the file egg\'s stdout goes to (egg-scripts --stdout, a shell\'s redirect) inside the static dir is served (black-box round 27, h91 F1)', async function() {
    if (process.platform !== 'linux') this.skip();
    // Two apps booted in child processes, TypeScript compiled afresh in each.
    this.timeout(240000);
    const dir = temp('cfg-static-stdout', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/app.css': 'body {}\n',
    });
    const out = path.join(dir, 'app/public/master-stdout.log');
    const result = path.join(dir, 'result.json');
    // The app booted as egg-scripts --daemon boots it: its stdout and stderr that file. It reports what it saw in result.json.
    const script = `const fs = require('fs'); const mm = require('egg-mock');
      const app = mm.app({ baseDir: ${JSON.stringify(dir)}, cache: false });
      const done = (value) => fs.writeFileSync(${JSON.stringify(result)}, JSON.stringify(value));
      app.ready().then(async () => {
        const res = await app.httpRequest().get('/public/master-stdout.log').buffer(true).parse((res, cb) => { let t = ''; res.on('data', c => { t += c; }); res.on('end', () => cb(null, t)); });
        done({ booted: true, status: res.status, text: res.body, sen203: app.sentinel.report.findings.filter(f => f.ruleId === 'SEN203') });
      }, error => done({ booted: false, message: error.message })).finally(() => app.close().then(() => process.exit(0)));`;
    const run = (env: NodeJS.ProcessEnv, deleted = false) => {
      const fd = fs.openSync(out, 'w');
      if (deleted) fs.unlinkSync(out);
      try {
        spawnSync(process.execPath, [ ...MM_APP_CHILD_REQUIRE, '-r', require.resolve('ts-node/register/transpile-only'), '-e', script ], { cwd: ROOT, stdio: [ 'ignore', fd, fd ], env: { ...process.env, ...env }, timeout: 60000 });
      } finally {
        fs.closeSync(fd);
      }
      return JSON.parse(fs.readFileSync(result, 'utf8'));
    };
    const refused = run({});
    assert.equal(refused.booted, false);
    assert.match(refused.message, /config\.static\.dir serves app\/public, which contains this process's stdout \(egg-scripts --stdout, a shell's redirect\) \(app\/public\/master-stdout\.log\)/);
    // Booted anyway, the file holds egg-sentinel's report and egg's boot log, and egg-static serves it.
    const booted = run({ EGG_APP_CONFIG: JSON.stringify({ sentinel: { failOn: 'never' } }) });
    assert.equal(booted.status, 200);
    assert.match(booted.text, /SEN203/);
    // Not once the file is deleted (the process writes on into it, nothing serves it; /proc names it "… (deleted)"): review of round 27, M5.
    const unlinked = run({}, true);
    assert.equal(unlinked.booted, true);
    assert.equal(unlinked.status, 404);
    assert.deepEqual(unlinked.sen203, []);
    // Not when the output goes elsewhere (a pipe, as under this test runner): the same app is clean.
    const clean = await bootApp(dir);
    try {
      assert.deepEqual(reportFindings(clean, 'SEN203'), []);
    } finally {
      await clean.close();
    }
  });

  it('SEN203: a secret or private key in any text file egg-static serves is found, whatever its extension (black-box round 27, h91 F2)', async () => {
    const password = 'Xq7!vR2#pL9@wZ4$kT6';
    mm(process.env, 'CFG_DB_PASSWORD', password);
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n';
    const dir = temp('cfg-static-any-text', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', mysql: { client: { host: 'db.internal', user: 'app', password: process.env.CFG_DB_PASSWORD } } };\n`,
      'app/public/app.css': 'body {}\n',
      'app/public/my.cnf': `[client]\nuser=app\npassword=${password}\nhost=db.internal\n`,
      'app/public/deploy.bash': `#!/bin/bash\nexport DB_PASSWORD=${password}\n`,
      'app/public/notes-db.md': `# Ops notes\nDB password: \`${password}\`\n`,
      'app/public/config.json5': `{ // db\n  password: "${password}",\n}\n`,
      'app/public/nohup.out': `starting with DB_PASSWORD=${password}\n`,
      'app/public/notes.md': `# TLS\n${pem}`,
      'app/public/tls.cnf': pem,
      // Another service's credentials: a conf file's lower-case setting.
      'app/public/ops/replica.cnf': '[client]\nuser=replica\npassword=Replica-Pw-7731\n',
      // Binary (a NUL in it): the config's secret is found in it all the same.
      'app/public/data/app.sqlite': `SQLite format 3\u0000\u0000${password}\u0000`,
    });
    // Exported on Windows (PowerShell's `>`): UTF-16LE with its byte order mark (review of round 27, M3).
    fs.writeFileSync(path.join(dir, 'app/public/creds.txt'), Buffer.from(`\ufeffDB_PASSWORD=${password}\r\n`, 'utf16le'));
    fs.writeFileSync(path.join(dir, 'app/public/key.txt'), Buffer.from(`\ufeff${pem}`, 'utf16le'));
    const message = await expectRefused(dir, /SEN203/);
    assert.deepEqual(refusedIds(message), [ 'SEN203' ]);
    const held = "a file that holds a secret of the app's config, the value of config.mysql.client.password";
    assertServes(message, [ `my.cnf (${held})`, `deploy.bash (${held})`, `notes-db.md (${held})`, `config.json5 (${held})`, `nohup.out (${held})`,
      'notes.md (a private key)', 'tls.cnf (a private key)', 'ops/replica.cnf (settings that set secrets (password))', `data/app.sqlite (${held})`,
      `creds.txt (${held})`, 'key.txt (a private key)' ]);
    assert.ok(!message.includes(password) && !message.includes('Replica-Pw-7731'));
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      // egg-static serves them: the config's password and the key to anyone.
      for (const file of [ 'my.cnf', 'deploy.bash', 'notes-db.md' ]) assert.ok((await download(app, file)).includes(password), file);
      assert.ok((await download(app, 'notes.md')).includes('PRIVATE KEY'));
    } finally {
      await app.close();
    }
  });

  it('SEN203: a private JSON Web Key, PuTTY key, vendor tokens and an AWS key pair in served files are found by their shapes; a JWKS of public keys, docs\' stand-in tokens and a Maps key stay clean (black-box round 38, h2 H1/H2/L2)', async () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    const github = 'ghp_4Fq9Lm2Xz7Rt3Vb8Nc1Wy6Hj5Gf0SaKd2TiE';
    const served = {
      'app/public/.well-known/jwks.json': JSON.stringify({ keys: [{ ...jwk, kid: 'k1', use: 'sig', alg: 'ES256' }] }),
      'app/public/exports/deploy_accessKeys.csv': 'Access key ID,Secret access key\nAKIAZ7XQ4LMNB2KD3HPW,q9Ld8Xk2mZp7Rt4Vb6Nc1Wy3Hj5Gf8Sa0Ue2Ti4O\n',
      'app/public/settings.json': JSON.stringify({ github: { token: github } }),
      'app/public/js/bundle.js': `const client = new Octokit({ auth: "${github}" });\n`,
      'app/public/notes.txt': 'AWS_SECRET_ACCESS_KEY=q9Ld8Xk2mZp7Rt4Vb6Nc1Wy3Hj5Gf8Sa0Ue2Ti4O\n',
      'app/public/deploy.ppk': 'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIG\nx7Qk\nPrivate-Lines: 1\nAAAAIDm9\nPrivate-MAC: 0f9a\n',
    };
    const dir = temp('cfg-static-shapes', { 'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`, ...served });
    const message = await expectRefused(dir, /SEN203/);
    assertServes(message, [ '.well-known/jwks.json (a private key (JWK))', 'exports/deploy_accessKeys.csv (an AWS access key and its secret)',
      'settings.json (a GitHub token)', 'js/bundle.js (a front-end asset that holds a GitHub token)', 'notes.txt (settings that set secrets (AWS_SECRET_ACCESS_KEY))',
      'deploy.ppk (a private key (PuTTY))' ]);
    assert.ok(!message.includes(github) && !message.includes(String(jwk.d)));
    const clean = temp('cfg-static-shapes-public', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/.well-known/jwks.json': JSON.stringify({ keys: [{ ...publicJwk, kid: 'k1', use: 'sig' }] }),
      'app/public/docs/tokens.md': 'Create a token (`ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`) and set `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE` in CI.\n' +
        // The vendors' own documentation examples.
        'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' +
        'Post to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n' +
        'SLACK_BOT_TOKEN=xoxb-your-bot-token, or xoxb-1234-5678-abcd; GITLAB_TOKEN=glpat-your-gitlab-token-here\n',
      'app/public/js/maps.js': 'loadMaps({ key: "AIzaSyBq7x9Lm2Np5Qr8St1Uv4Wx7Yz0Ab3Cd6E" });\n',
    });
    const app = await bootApp(clean);
    try {
      assert.deepEqual(reportFindings(app, 'SEN203'), []);
    } finally {
      await app.close();
    }
  });

  it('SEN203: a front end\'s ordinary pages, docs, styles, scripts and binary files are read and stay clean (black-box round 27, h91 F2)', async () => {
    mm(process.env, 'CFG_DB_PASSWORD', 'Xq7!vR2#pL9@wZ4$kT6');
    const dir = temp('cfg-static-front-end', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', mysql: { client: { password: process.env.CFG_DB_PASSWORD } } };\n`,
      'app/public/index.html': '<!doctype html><form><input type="password" name="password" placeholder="Password"></form>\n' +
        '<script>window.ROUTES = { FORGOT_PASSWORD: "/account/forgot-password", RESET_PASSWORD: "/account/reset_password" };</script>\n',
      'app/public/docs/README.md': '# Setup\n\nSet `DB_PASSWORD` in the environment:\n\n```sh\nexport DB_PASSWORD=<your password>\nexport JWT_SECRET=your-jwt-secret\n' +
        'POSTGRES_PASSWORD: ${DB_PASSWORD}\n```\n\nForgot your password? Use the reset link.\n',
      'app/public/docs/guide.txt': 'password: Password\n',
      'app/public/css/app.css': '.password-field { color: red }\n',
      'app/public/js/app.js': 'const RESET_PASSWORD = "/api/reset-password"; const DB_PASSWORD = "Sample-Pw-1234";\n',
      'app/public/fonts/icons.woff2': 'wOF2\u0000\u0001',
      'app/public/data/level.bin': '\u0000\u0001ADMIN_PASSWORD=Level-Pw-9981\u0000',
    });
    const app = await bootApp(dir);
    try {
      assert.deepEqual(reportFindings(app, 'SEN203'), []);
      await app.httpRequest().get('/public/index.html').expect(200);
    } finally {
      await app.close();
    }
  });

  it('SEN203: a front-end bundle or source map that inlines the config\'s secrets, and a script with a private key, are found; an asset past what it searches is said (review of round 27, M9)', async () => {
    const password = 'Xq7!vR2#pL9@wZ4$kT6';
    mm(process.env, 'CFG_DB_PASSWORD', password);
    const configDefault = `module.exports = { keys: '${STRONG_KEY}', mysql: { client: { password: process.env.CFG_DB_PASSWORD } } };\n`;
    const dir = temp('cfg-static-bundles', {
      'config/config.default.js': configDefault,
      // webpack's DefinePlugin of process.env, a server module in a source map, a signing key in a browser module.
      'app/public/js/app.3f2a91.js': `(()=>{var e={NODE_ENV:"production",DB_PASSWORD:${JSON.stringify(password)}};window.__env=e})();\n`,
      'app/public/js/vendor.8c1d.js.map': JSON.stringify({ version: 3, sources: [ 'webpack:///config/config.default.js' ], sourcesContent: [ configDefault ], mappings: 'AAAA' }),
      'app/public/js/sign.mjs': 'export const key = `-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----`;\n',
      'app/public/css/app.css': '.password-field { color: red }\n',
      'app/public/js/clean.js': 'const RESET_PASSWORD = "/api/reset-password";\n',
    });
    // Larger than it searches of one file (8 MiB): said, low.
    fs.writeFileSync(path.join(dir, 'app/public/js/huge.chunk.js'), `/* ${'x'.repeat(9 * 1024 * 1024)} */\n`);
    const message = await expectRefused(dir, /SEN203/);
    assert.deepEqual(refusedIds(message), [ 'SEN203' ]);
    assertServes(message, [
      "js/app.3f2a91.js (a front-end asset that holds a secret of the app's config, the value of config.mysql.client.password (a bundler inlines what the build saw: " +
        "webpack's DefinePlugin, Vite's `define`, an env file read at build time, a server module in a source map's `sourcesContent`))",
      "js/vendor.8c1d.js.map (a front-end asset that holds a secret of the app's config, the value of config.keys (a bundler inlines what the build saw: " +
        "webpack's DefinePlugin, Vite's `define`, an env file read at build time, a server module in a source map's `sourcesContent`))",
      'js/sign.mjs (a front-end asset that holds a private key)' ]);
    assert.ok(!message.includes(password) && !message.includes(STRONG_KEY));
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      const findings = reportFindings(app, 'SEN203');
      assert.deepEqual(findings.map((finding: { severity: string; target: string }) => `${finding.severity} ${finding.target}`).sort(), [
        'critical app/public/js/app.3f2a91.js', 'critical app/public/js/sign.mjs', 'critical app/public/js/vendor.8c1d.js.map', 'low config.static.dir' ]);
      assert.match(findings.find((finding: { severity: string }) => finding.severity === 'low')!.message,
        /serves 1 front-end asset\(s\) egg-sentinel did not search whole for keys and the config's secrets \(it searches 16 MiB of a static dir's scripts, styles and source maps, 8 MiB of each\), the first app\/public\/js\/huge\.chunk\.js$/);
      // egg-static serves them: the password to any browser.
      assert.ok((await download(app, 'js/app.3f2a91.js')).includes(password));
      assert.ok((await download(app, 'js/vendor.8c1d.js.map')).includes(STRONG_KEY));
    } finally {
      await app.close();
    }
  });

  /** Ordinary lines (an SQL dump's, a log's) up to `bytes`, ending with a newline. */
  const filler = (line: (index: number) => string, bytes: number) => {
    const lines: string[] = [];
    for (let index = 0, size = 0; size < bytes; index++) {
      lines.push(line(index));
      size += lines[lines.length - 1].length;
    }
    return lines.join('');
  };
  const certificate = `-----BEGIN CERTIFICATE-----\n${'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n'.repeat(20)}-----END CERTIFICATE-----\n`;

  it('SEN203: a secret or private key deep in a large served file is found, one across a cut between reads too; a file past what it reads is said (black-box round 27, h91 F4)', async () => {
    const password = 'Xq7!vR2#pL9@wZ4$kT6';
    mm(process.env, 'CFG_DB_PASSWORD', password);
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    const inserts = filler(index => `INSERT INTO orders VALUES (${index}, 'item-${index}', 12.50, '2026-11-30');\n`, 2_300_000);
    const mib = 1024 * 1024;
    const dir = temp('cfg-static-large', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', mysql: { client: { user: 'app', password: process.env.CFG_DB_PASSWORD } } };\n`,
      'app/public/app.css': 'body {}\n',
      // The tester's files: the DB password after 2.3 MB of an SQL dump, a key appended to a CA bundle.
      'app/public/backup.sql': `${inserts}CREATE USER 'app'@'%' IDENTIFIED BY '${password}';\n`,
      'app/public/bundle-with-key.pem': certificate.repeat(Math.ceil(220_000 / certificate.length)) + pem,
      // Across the first cut: the key's header, and the password, start a few bytes before 1 MiB.
      'app/public/straddle-key.txt': `${inserts.slice(0, mib - 11)}\n${pem}`,
      'app/public/straddle.log': `${inserts.slice(0, mib - 6)}${password}\n`,
      // Larger than it reads (8 MiB): said, not passed over.
      'app/public/dump/huge.log': filler(index => `2026-11-30 08:00:00,${index % 1000} INFO GET /api/items/${index} 200\n`, 9 * mib),
    });
    const message = await expectRefused(dir, /SEN203/);
    assert.deepEqual(refusedIds(message), [ 'SEN203' ]);
    const held = "a file that holds a secret of the app's config, the value of config.mysql.client.password";
    assertServes(message, [ `backup.sql (${held})`, 'bundle-with-key.pem (a private key)', 'straddle-key.txt (a private key)', `straddle.log (${held})` ]);
    assert.ok(!message.includes(password));
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      const findings = reportFindings(app, 'SEN203');
      assert.deepEqual(findings.map((finding: { severity: string; target: string }) => `${finding.severity} ${finding.target}`).sort(), [
        'critical app/public/backup.sql', 'critical app/public/bundle-with-key.pem', 'critical app/public/straddle-key.txt', 'critical app/public/straddle.log',
        'medium app/public/dump/huge.log' ]);
      assert.match(findings.find((finding: { target: string }) => finding.target.endsWith('huge.log'))!.message,
        /serves app\/public\/dump\/huge\.log, which egg-sentinel did not read to its end \(it reads 8 MiB of a file, and this one is larger \(9\.1 MiB\)\)/);
      // egg-static serves them whole: the password at the end of the dump, the key at the end of the bundle.
      assert.ok((await download(app, 'backup.sql')).includes(`IDENTIFIED BY '${password}'`));
      assert.ok((await download(app, 'bundle-with-key.pem')).includes('-----BEGIN PRIVATE KEY-----'));
    } finally {
      await app.close();
    }
  });

  it('SEN203: a file the 32 MiB ran out in is said with what was read of it rounded down, not up (review of round 27, L3)', async () => {
    const mib = 1024 * 1024;
    /** Log lines of exactly `bytes`. */
    const log = (bytes: number) => Buffer.alloc(bytes, '2026-11-30 08:00:00 INFO GET /api/items 200\n');
    // Four logs 3 bytes short of 8 MiB and a small one, 12 bytes past the 32 MiB in all: whatever order the directory
    // lists them in, the last one read is cut 12 bytes into the small one or 91 bytes short of a large one's 8 MiB.
    const dir = writeFiles(temp('cfg-static-ran-out', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/app.css': 'body {}\n',
    }), {
      ...Object.fromEntries(Array.from({ length: 4 }, (_, index) => [ `app/public/logs/access-${index}.txt`, log(8 * mib - 3) ])),
      'app/public/logs/access-small.txt': log(100),
    });
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      const findings = reportFindings(app, 'SEN203');
      assert.equal(findings.length, 1, findings.map((finding: { message: string }) => finding.message).join('\n'));
      assert.match(findings[0].message, /, which egg-sentinel did not read to its end \(it reads 32 MiB of a static dir's files in all, and ran out after (?:0 MiB of this one's 0\.1 MiB|7\.9 MiB of this one's 8 MiB)\)/);
    } finally {
      await app.close();
    }
  });

  it('SEN203: an env file past the 32 MiB is left unread, the dir said as not fully checked, not as a file read in part after 0 bytes (review of round 27, L4)', async () => {
    const mib = 1024 * 1024;
    // Five exports of feature flags of exactly 8 MiB: the 32 MiB go to four of them, whatever order the directory
    // lists them in, and nothing is left for the fifth.
    const flags = Buffer.alloc(8 * mib, 'FEATURE_NEW_CHECKOUT=on\n');
    const dir = writeFiles(temp('cfg-static-env-past-budget', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/app.css': 'body {}\n',
    }), Object.fromEntries(Array.from({ length: 5 }, (_, index) => [ `app/public/flags/flags-${index}.env`, flags ])));
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      const findings = reportFindings(app, 'SEN203');
      assert.deepEqual(findings.map((finding: { severity: string; target: string }) => `${finding.severity} ${finding.target}`), [ 'medium config.static.dir' ],
        findings.map((finding: { message: string }) => finding.message).join('\n'));
      assert.match(findings[0].message, /or 32 MiB of settings, keys or text: egg-sentinel looked no further/);
    } finally {
      await app.close();
    }
  });

  it('SEN203: a public dir with large ordinary files (data, logs of no secret, a CA bundle, media) stays clean (black-box round 27, h91 F4)', async () => {
    mm(process.env, 'CFG_DB_PASSWORD', 'Xq7!vR2#pL9@wZ4$kT6');
    const dir = writeFiles(temp('cfg-static-large-clean', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', mysql: { client: { password: process.env.CFG_DB_PASSWORD } } };\n`,
      'app/public/index.html': '<!doctype html><title>shop</title>\n',
      'app/public/data/prices.csv': filler(index => `${index},item-${index},12.50,EUR\n`, 3_000_000),
      'app/public/docs/changelog.txt': filler(index => `- ${index}: password reset page reworded\n`, 2_000_000),
      'app/public/certs/ca-bundle.pem': certificate.repeat(Math.ceil(220_000 / certificate.length)),
    }), { 'app/public/media/intro.mp4': crypto.randomBytes(5 * 1024 * 1024), 'app/public/data/archive.bin': crypto.randomBytes(3 * 1024 * 1024) });
    const app = await bootApp(dir);
    try {
      assert.deepEqual(reportFindings(app, 'SEN203'), []);
    } finally {
      await app.close();
    }
  });

  it('SEN203: a waiver names one served file; a key and an env file added later refuse boot, each named (black-box round 27, h91 F9)', async () => {
    const config = (target: string) => `module.exports = { keys: '${STRONG_KEY}', sentinel: { waivers: [{ rule: 'SEN203', target: '${target}', ` +
      'reason: \'app/public/demo.env holds sample values for the docs (DOC-7)\', expires: \'2999-06-30\' }] } };\n';
    const dir = temp('cfg-static-waiver', {
      'config/config.default.js': config('app/public/demo.env'),
      'app/public/app.css': 'body {}\n',
      'app/public/demo.env': 'API_TOKEN=sample-token-for-docs-0000\n',
    });
    const sen203 = (app: ReturnType<typeof mm.app>) => reportFindings(app, 'SEN203')
      .map((finding: { target: string; waivedBy?: unknown }) => `${finding.target}${finding.waivedBy ? ' (waived)' : ''}`).sort();
    const waived = await bootApp(dir);
    try {
      assert.deepEqual(sen203(waived), [ 'app/public/demo.env (waived)' ]);
    } finally {
      await waived.close();
    }
    fs.mkdirSync(path.join(dir, 'app/public/backup'));
    fs.writeFileSync(path.join(dir, 'app/public/backup/server.key'), '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n');
    fs.writeFileSync(path.join(dir, 'app/public/backup/prod.env'), 'DB_PASSWORD=Xq7!vR2#pL9@wZ4$kT6\n');
    const message = await expectRefused(dir, /SEN203/);
    assertServes(message, [ 'backup/server.key (a private key)', 'backup/prod.env (an env file that sets secrets)' ]);
    assert.doesNotMatch(message, /Xq7!vR2/);
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      // The sample stays waived; the new files are not, and egg-static serves them.
      assert.deepEqual(sen203(app), [ 'app/public/backup/prod.env', 'app/public/backup/server.key', 'app/public/demo.env (waived)' ]);
      assert.ok((await download(app, 'backup/server.key')).includes('PRIVATE KEY'));
    } finally {
      await app.close();
    }
    mm.restore();
    // A waiver of the whole dir, as the one finding used to be targeted, now covers what the dir is or holds as a
    // whole, not its files: the demo file blocks, and the waiver is named as matching nothing.
    const stale = await expectRefused(temp('cfg-static-waiver-dir', {
      'config/config.default.js': config('config.static.dir'),
      'app/public/demo.env': 'API_TOKEN=sample-token-for-docs-0000\n',
    }), /SEN203/);
    assertServes(stale, [ 'demo.env (an env file that sets secrets)' ]);
    assert.match(stale, /SEN002/);
  });

  it('SEN203: a docs site\'s pages and big downloads stay clean; text files are read before binaries, which are read in their first MiB (review of round 27, H5)', async () => {
    const password = 'Xq7!vR2#pL9@wZ4$kT6';
    mm(process.env, 'CFG_DB_PASSWORD', password);
    const mib = 1024 * 1024;
    /** Random bytes with a NUL up front: a binary file. */
    const binary = (size: number) => Buffer.concat([ Buffer.from([ 0x7f, 0, 1, 2 ]), crypto.randomBytes(size) ]);
    const page = (index: number) => `<!doctype html><title>Error codes ${index}</title>\n<script>window.ERRORS = { ERR_WRONG_PASSWORD: 400101, ERR_OLD_PASSWORD: 400102 };</script>\n`;
    const pages = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [ `app/public/docs/page-${index}.html`, page(index) ]));
    const dir = writeFiles(temp('cfg-static-docs-site', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', mysql: { client: { password: process.env.CFG_DB_PASSWORD } } };\n`,
      ...pages,
      'app/public/docs/setup.md': '# Setup\n\n```sh\nexport DB_PASSWORD=Sample-Pw-1234\n```\n',
      'app/public/docs/errors.csv': 'code,name\n400101,ERR_WRONG_PASSWORD: 400101\n',
      // Text data read up to the 32 MiB: after the notes, whatever order the directory lists them in.
      ...Object.fromEntries(Array.from({ length: 5 }, (_, index) => [ `app/public/data/export-${index}.ndjson`,
        filler(row => `{"id":${row},"item":"item-${row}","price":12.5}\n`, 7 * mib) ])),
      'app/public/data/notes.txt': `db: ${password}\n`,
    }), {
      // Downloads: an app package and a disk image are not read; an unknown binary only in its first MiB.
      'app/public/download/app-release.apk': binary(12 * mib),
      'app/public/download/installer.dmg': binary(9 * mib),
      ...Object.fromEntries(Array.from({ length: 4 }, (_, index) => [ `app/public/download/firmware-${index}.bin`, binary(9 * mib) ])),
      'app/public/index.html.br': binary(2048),
      'app/public/app.js.br': binary(2048),
    });
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      const findings = reportFindings(app, 'SEN203')
        .map((finding: { severity: string; target: string }) => `${finding.severity} ${finding.target}`);
      // The notes first; the data files spend what is left (one said as read in part, the dir as not fully checked
      // when files were left): nothing about the pages, the docs or the downloads.
      assert.deepEqual(findings.filter((finding: string) => !/^medium (?:app\/public\/data\/export-\d\.ndjson|config\.static\.dir)$/.test(finding)),
        [ 'critical app/public/data/notes.txt' ]);
      assert.ok(findings.some((finding: string) => finding.startsWith('medium app/public/data/export-')), findings.join(', '));
      await app.httpRequest().get('/public/docs/page-1.html').expect(200);
    } finally {
      await app.close();
    }
  });

  it('SEN203: a served file\'s name is escaped in the finding\'s target and message, and a waiver names it so (review of round 27, M10)', async () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    // An upload's name that writes a line of its own into the boot log, and one with a terminal escape.
    const forged = 'x\n[egg-sentinel] SEN203 waived by policy\n.pem';
    const escaped = 'x\\x0a[egg-sentinel] SEN203 waived by policy\\x0a.pem';
    const files = {
      'app/public/app.css': 'body {}\n',
      [`app/public/uploads/${forged}`]: pem,
      'app/public/uploads/\u001b[2Jclear.env': 'DB_PASSWORD=Upload-Pw-8812\n',
    };
    const dir = temp('cfg-static-names', { 'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`, ...files });
    const message = await expectRefused(dir, /SEN203/);
    assertServes(message, [ `uploads/${escaped} (a private key)`, 'uploads/\\x1b[2Jclear.env (an env file that sets secrets)' ]);
    assert.doesNotMatch(message, /^\[egg-sentinel\] SEN203 waived by policy$/m);
    assert.ok(!message.includes('\u001b'));
    // A waiver names the escaped form (as the report shows it); the file's real name matches nothing.
    const waiver = (target: string) => ({ rule: 'SEN203', target, reason: 'a sample key of the upload docs (DOC-9)', expires: '2999-06-30' });
    const waived = temp('cfg-static-names-waived', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'critical', waivers: ${JSON.stringify([
        waiver(`app/public/uploads/${escaped}`), waiver('app/public/uploads/\\x1b[2Jclear.env') ])} } };\n`,
      ...files,
    });
    const app = await bootApp(waived);
    try {
      const findings = reportFindings(app, 'SEN203');
      assert.deepEqual(findings.map((finding: { target: string; waivedBy?: unknown }) => `${finding.target}${finding.waivedBy ? ' (waived)' : ''}`).sort(),
        [ 'app/public/uploads/\\x1b[2Jclear.env (waived)', `app/public/uploads/${escaped} (waived)` ]);
      assert.ok((await download(app, `uploads/${encodeURIComponent(forged)}`)).includes('PRIVATE KEY'));
    } finally {
      await app.close();
    }
  });

  it('SEN203: key stores (.p12, .pfx, .jks) by name and DER private keys (.key, .der) are critical; a DER public key is not (review of round 27, L16)', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    const dir = writeFiles(temp('cfg-static-key-stores', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'app/public/app.css': 'body {}\n',
    }), {
      'app/public/certs/server.pfx': Buffer.concat([ Buffer.from([ 0x30, 0x82, 0x0a, 0x00, 0x02, 0x01, 0x03 ]), crypto.randomBytes(2500) ]),
      'app/public/certs/client.p12': crypto.randomBytes(1800),
      'app/public/certs/app.jks': Buffer.concat([ Buffer.from([ 0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2 ]), crypto.randomBytes(2000) ]),
      'app/public/certs/server.key': privateKey.export({ format: 'der', type: 'pkcs8' }),
      'app/public/certs/client.der': privateKey.export({ format: 'der', type: 'pkcs1' }),
      'app/public/certs/locked.der': privateKey.export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'Locked-Pw-5521' }),
      // A public key, and a file of no key at all: public.
      'app/public/certs/signing.der': publicKey.export({ format: 'der', type: 'spki' }),
      'app/public/certs/blob.key': crypto.randomBytes(600),
    });
    const message = await expectRefused(dir, /SEN203/);
    const store = 'a key store (PKCS#12 or Java; one holding only certificates cannot be told from one holding a private key without its password)';
    assertServes(message, [ `certs/server.pfx (${store})`, `certs/client.p12 (${store})`, `certs/app.jks (${store})`,
      'certs/server.key (a private key (DER))', 'certs/client.der (a private key (DER))', 'certs/locked.der (a private key (DER))' ]);
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never' } }));
    const app = await bootApp(dir);
    try {
      const findings = reportFindings(app, 'SEN203');
      assert.deepEqual(findings.map((finding: { severity: string; target: string }) => `${finding.severity} ${finding.target}`).sort(), [ 'critical app/public/certs/app.jks',
        'critical app/public/certs/client.der', 'critical app/public/certs/client.p12', 'critical app/public/certs/locked.der', 'critical app/public/certs/server.key',
        'critical app/public/certs/server.pfx' ]);
      // egg-static serves the key as it is: anyone can load it.
      crypto.createPrivateKey({ key: await download(app, 'certs/server.key'), format: 'der', type: 'pkcs8' });
    } finally {
      await app.close();
    }
  });

  it('SEN204: dumps left as egg writes them (rewrite off) are reported with the key path and the reason', async () => {
    mm.env('prod');
    mm(process.env, 'CFG_DUMP_URL', 'https://svc:DumpL34kPw@api.internal/v1');
    const baseDir = fixture('cfg-dump-leak');
    cleanRun(baseDir);
    const message = await expectRefused(baseDir, /SEN204/);
    assert.deepEqual(refusedIds(message), [ 'SEN204' ]);
    assert.match(message, /run\/application_config\.json .*holds secret-looking values that config\.dump\.ignore did not mask at config\.upstream\.url/);
    assert.match(message, /config\.sentinel\.dumps\.rewrite is false/);
    assert.ok(!message.includes('DumpL34kPw'));
    // egg really wrote the secret: the finding is about the file on disk.
    assert.ok(fs.readFileSync(path.join(baseDir, 'run/application_config.json'), 'utf8').includes('DumpL34kPw'));
  });

  it('SEN205: a .env readable by others and a config file writable by others', async function() {
    if (process.platform === 'win32') this.skip();
    const dir = temp('cfg-modes', {
      // Low in unittest (medium in prod): failOn low makes it refuse here.
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'low' } };\n`,
      '.env': 'DB_PASSWORD=x\n',
      // Templates (black-box round 39, h1 F10): one giving a secret a value holds it; names, placeholders and other settings do not.
      '.env.example': 'EGG_KEYS=\nDB_PASSWORD=your-db-password\nPORT=7001\n',
      '.env.sample': 'JWT_SECRET=Qk7pZ2xR9mW4vN8bJc1s\n',
    });
    for (const file of [ '.env', '.env.example', '.env.sample' ]) fs.chmodSync(path.join(dir, file), 0o644);
    fs.chmodSync(path.join(dir, 'config/config.default.js'), 0o666);
    // npm applies the app's .npmrc (node-options, script-shell) to `npm start` before node runs (black-box round 40, h3 F5).
    fs.writeFileSync(path.join(dir, '.npmrc'), 'fund=false\n', { mode: 0o666 });
    fs.chmodSync(path.join(dir, '.npmrc'), 0o666);
    const message = await expectRefused(dir, /SEN205/);
    assert.match(message, /\.npmrc is writable by (?:group and )?others \(mode 0666\)/);
    assert.deepEqual(refusedIds(message), [ 'SEN205' ]);
    assert.match(message, /\.env is readable by others while it holds secrets \(mode 0644\)/);
    assert.match(message, /\.env\.sample is readable by others while it holds secrets \(mode 0644\)/);
    assert.doesNotMatch(message, /\.env\.example/);
    // Group write counts only for a group that is not this process's (SEN110 judges alike).
    assert.match(message, /config\/config\.default\.js is writable by (?:group and )?others \(mode 0666\)/);
    assert.match(message, /fix: +`chmod o-r \.env` where the app is deployed/);
    assert.match(message, /fix: +`chmod go-w config\/config\.default\.js`/);
  });

  it('SEN205/SEN202: a config file that is a symlink to a file outside the app, which egg runs: named, its target\'s mode and secrets judged', async function() {
    if (process.platform === 'win32') this.skip();
    const outside = tempDir('linked-config');
    dirs.push(outside);
    const target = path.join(outside, 'cfg.js');
    fs.writeFileSync(target, "module.exports = { mysql: { client: { password: 'Linked-S3cr3t-Pw-4410' } } };\n");
    fs.chmodSync(target, 0o666);
    const dir = temp('cfg-linked', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'low' } };\n`,
    });
    fs.symlinkSync(target, path.join(dir, 'config/config.unittest.js'));
    const message = await expectRefused(dir, /SEN205/);
    const real = escapeRegExp(fs.realpathSync(target));
    assert.match(message, new RegExp(`config/config\\.unittest\\.js is a symlink to ${real}, outside the app; that file is writable by (?:group and )?others and readable by others while it holds secrets \\(mode 0666\\)`));
    assert.match(message, new RegExp(`fix: +Keep the file itself in the app; or \`chmod go-w,o-r ${real}\` where the app is deployed`));
    assert.match(message, /SEN202 .*\n.*config\.mysql\.client\.password holds a literal value/);
    assert.ok(!message.includes('Linked-S3cr3t-Pw-4410'), 'the secret is never printed');
  });

  it('SEN202: a Capistrano-style shared config.prod.js outside the app, private to the app\'s user, is low and says so; readable by the group or kept in the app it stays high (black-box round 25, h74 F8)', async function() {
    if (process.platform === 'win32') this.skip();
    const shared = tempDir('shared-prod');
    dirs.push(shared);
    const target = path.join(shared, 'config.prod.js');
    const text = "module.exports = { mysql: { client: { password: 'Sh4red-Pr0d-Pw-7731' } } };\n";
    fs.writeFileSync(target, text, { mode: 0o600 });
    const dir = temp('cfg-shared-prod', { 'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n` });
    fs.symlinkSync(target, path.join(dir, 'config/config.prod.js'));
    const real = fs.realpathSync(target);
    mm.env('prod');
    mm(process, 'version', 'v24.17.0');
    const [ kept, ...others ] = (await bootReport(dir)).findings.filter((f: any) => [ 'SEN202', 'SEN205' ].includes(f.ruleId));
    assert.deepEqual(others, []);
    assert.deepEqual([ kept.ruleId, kept.severity, kept.target, kept.source ], [ 'SEN202', 'low', 'config.mysql.client.password', real ]);
    assert.equal(kept.message, 'config.mysql.client.password holds a literal value under a secret key name, written in a config file instead of read from the environment; ' +
      `config/config.prod.js is a symlink to ${real}, outside the app, this process's user's and private to it (mode 0600): the secret sits in a file on the server, not in the app's repository or builds`);
    assert.match(kept.fix, /^Reading it from the environment or a secret manager is still better: `password: env\.secret\('MYSQL_CLIENT_PASSWORD'\)`.*until then keep that file this user's, mode 0600, and out of every repository and build\.$/);
    // Readable by the app's group: no longer private to it.
    fs.chmodSync(target, 0o640);
    const grouped = await expectRefused(dir, /SEN202/);
    assert.match(grouped, /high +SEN202 .*\n +what: +config\.mysql\.client\.password holds a literal value under a secret key name, written in a config file instead of read from the environment\n/);
    assert.match(grouped, /remove the literal and rotate it if it was committed/);
    // The same private file inside the app is in its repository and builds (another app: node caches where a path led).
    const own = temp('cfg-private-prod', { 'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n` });
    fs.writeFileSync(path.join(own, 'config/config.prod.js'), text, { mode: 0o600 });
    const inApp = await expectRefused(own, /SEN202/);
    assert.match(inApp, /where: +config\.mysql\.client\.password \(from config\/config\.prod\.js\)/);
    assert.ok(![ grouped, inApp ].some(message => message.includes('Sh4red-Pr0d-Pw-7731')), 'the secret is never printed');
  });

  it('SEN205: a config file another user owns is reported; one linked to a private file of the app\'s user elsewhere is not (black-box round 21)', async function() {
    if (process.platform === 'win32' || process.getuid?.() !== 0) this.skip();
    const shared = tempDir('shared-config');
    dirs.push(shared);
    fs.writeFileSync(path.join(shared, 'shared.js'), 'module.exports = { bodyParser: { jsonLimit: \'1mb\' } };\n', { mode: 0o644 });
    const dir = temp('cfg-owners', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'low' } };\n`,
    });
    fs.symlinkSync(path.join(shared, 'shared.js'), path.join(dir, 'config/config.unittest.js'));
    assert.deepEqual((await bootReport(dir)).findings.filter((f: any) => f.ruleId === 'SEN205'), []);
    fs.chownSync(path.join(dir, 'config/config.default.js'), 65534, 65534);
    const message = await expectRefused(dir, /SEN205/);
    assert.match(message, /config\/config\.default\.js is owned by user 65534 \(neither this process's user nor root\), who can change what egg runs/);
    assert.match(message, /fix: +Give it to the app's user \(`chown`\) and let no other user write it or config\//);
  });

  it('SEN110: a plugin\'s symlinks that lead out of it are judged by their targets and the directories above them (black-box round 43, r43h1 F1)', async function() {
    if (process.platform === 'win32') this.skip();
    const shared = tempDir('shared-plugin-code');
    dirs.push(shared);
    fs.chmodSync(shared, 0o755);
    fs.writeFileSync(path.join(shared, 'app.js'), 'module.exports = () => {};\n', { mode: 0o644 });
    fs.mkdirSync(path.join(shared, 'appdir/extend'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(shared, 'appdir/extend/application.js'), 'module.exports = {};\n', { mode: 0o644 });
    const dir = temp('cfg-code-links', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'low' } };\n`,
      'config/plugin.js': "const path = require('path');\nmodule.exports = { trace: { enable: true, path: path.join(__dirname, '../lib/plugin/trace') } };\n",
      'lib/plugin/trace/package.json': '{ "name": "trace", "eggPlugin": { "name": "trace" } }\n',
    });
    fs.chmodSync(dir, 0o755);
    fs.symlinkSync(path.join(shared, 'app.js'), path.join(dir, 'lib/plugin/trace/app.js'));
    fs.symlinkSync(path.join(shared, 'appdir'), path.join(dir, 'lib/plugin/trace/app'));
    const sen110 = async () => (await bootReport(dir)).findings.filter((f: any) => f.ruleId === 'SEN110').map((f: any) => f.message);
    // Targets only this user can change are code like any other.
    assert.deepEqual(await sen110(), []);
    fs.chmodSync(path.join(shared, 'appdir/extend/application.js'), 0o666);
    fs.chmodSync(shared, 0o777);
    const message = await expectRefused(dir, /SEN110/);
    assert.match(message, new RegExp(`plugin trace .*has code other users can change: .*${escapeRegExp(shared)} is writable by every user \\(mode 0777\\), ` +
      `above ${escapeRegExp(shared)}/app\\.js, which the symlink lib/plugin/trace/app\\.js leads to`));
    // A linked directory is walked: its files are judged as the plugin's own.
    assert.match(message, new RegExp(`${escapeRegExp(shared)}/appdir/extend/application\\.js is writable by every user \\(mode 0666\\)`));
    // Each path to change once, though two links lead below it.
    assert.equal(message.split(`${shared} is writable by every user`).length, 2);
    assert.match(message, new RegExp(`\`chmod go-w ${escapeRegExp(shared)} ${escapeRegExp(shared)}/appdir/extend/application\\.js\``));
  });

  it('SEN110: a controller, app.js and the app root that other users can write (black-box round 22); 0644 files and 0755 dirs do not fire', async function() {
    if (process.platform === 'win32') this.skip();
    const dir = temp('cfg-code-modes', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'low' } };\n`,
      'app/router.js': "module.exports = app => { app.router.get('/', app.controller.home.index); };\n",
      'app/controller/home.js': "module.exports = app => class extends app.Controller { async index() { this.ctx.body = 'ok'; } };\n",
      'app.js': 'module.exports = () => {};\n',
      'lib/util.js': 'module.exports = {};\n',
    });
    fs.chmodSync(dir, 0o755);
    assert.deepEqual((await bootReport(dir)).findings.filter((f: any) => f.ruleId === 'SEN110'), []);
    fs.chmodSync(path.join(dir, 'app/controller/home.js'), 0o666);
    fs.chmodSync(path.join(dir, 'app.js'), 0o666);
    fs.chmodSync(dir, 0o777);
    // egg-scripts runs package.json's eggScriptsConfig.node and requires its preloads (black-box round 24).
    fs.chmodSync(path.join(dir, 'package.json'), 0o666);
    // Low in unittest (high in prod): failOn low makes it refuse here.
    const message = await expectRefused(dir, /SEN110/);
    // The run dir sits in the app root every user can now write: SEN207 says so too.
    assert.deepEqual(refusedIds(message), [ 'SEN110', 'SEN207' ]);
    assert.match(message, /app code other users can change in app\/: app\/controller\/home\.js is writable by every user \(mode 0666\)/);
    assert.match(message, /fix: +`chmod go-w app\/controller\/home\.js` where the app is deployed/);
    assert.match(message, /app code other users can change in app\.js: app\.js is writable by every user \(mode 0666\)/);
    assert.match(message, /app code other users can change in the app root: \. is writable by every user \(mode 0777\)/);
    assert.match(message, /app code other users can change in package\.json: package\.json is writable by every user \(mode 0666\)/);
    assert.ok(!/lib\/util\.js/.test(message));
  });

  describe('SEN110: modules the app required from outside the paths SEN110 walks (black-box round 28, h102 F4 variant)', () => {
    /**
     * An app whose config.prod.js requires ../../shared/cfg.js from a directory beside it (as the tester's did) and
     * whose app.js requires its own shared/db.js, with these modes; its controller answers with what both gave.
     */
    const sharedApp = (name: string, modes: { outside: number; outsideFile: number; inside: number; insideFile: number }) => {
      const top = fs.realpathSync(tempDir(`${name}`));
      dirs.push(top);
      fs.mkdirSync(path.join(top, 'shared'), { mode: 0o755 });
      fs.writeFileSync(path.join(top, 'shared/cfg.js'), "module.exports = { mysqlHost: 'db.internal' };\n");
      fs.cpSync(tempApp(name, {
        'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'never' } };\n`,
        'config/config.prod.js': "const shared = require('../../shared/cfg.js');\nmodule.exports = { mysqlHost: shared.mysqlHost };\n",
        'app.js': "const db = require('./shared/db');\nmodule.exports = app => { app.sharedDb = db.name; };\n",
        'shared/db.js': "module.exports = { name: 'main' };\n",
        'app/router.js': "module.exports = app => { app.router.get('/', ctx => { ctx.body = `${ctx.app.config.mysqlHost} ${ctx.app.sharedDb}`; }); };\n",
      }), path.join(top, 'base'), { recursive: true });
      const base = path.join(top, 'base');
      for (const [ file, mode ] of [ [ top, 0o755 ], [ base, 0o755 ], [ path.join(top, 'shared'), modes.outside ], [ path.join(top, 'shared/cfg.js'), modes.outsideFile ],
        [ path.join(base, 'shared'), modes.inside ], [ path.join(base, 'shared/db.js'), modes.insideFile ] ] as const) fs.chmodSync(file, mode);
      return { top, base };
    };
    /** A new worker starts with an empty require cache: dropping the app's and the shared modules' entries does the same here. */
    const forget = (top: string) => {
      for (const file of Object.keys(require.cache)) if (file.startsWith(`${top}${path.sep}`)) delete require.cache[file];
    };
    const moduleHits = (report: Record<string, any>) => (report.findings as Array<{ ruleId: string; severity: string; target: string; source: string; message: string; fix: string }>)
      .filter(hit => hit.ruleId === 'SEN110');

    it('a module every user can write, or in a directory every user can write, is high, names who required it; another user\'s edit runs at the next boot', async () => {
      mm.env('prod');
      const { top, base } = sharedApp('cfg-shared-module', { outside: 0o777, outsideFile: 0o666, inside: 0o777, insideFile: 0o644 });
      const cfg = path.join(top, 'shared/cfg.js');
      try {
        const app = await bootApp(base);
        let hits: ReturnType<typeof moduleHits>;
        try {
          hits = moduleHits((app as any).sentinel.report);
          assert.equal((await app.httpRequest().get('/').expect(200)).text, 'db.internal main');
        } finally {
          await app.close();
        }
        assert.deepEqual(hits.map(hit => `${hit.severity} ${hit.target} ${hit.source}`), [ `high ${cfg} config/config.prod.js`, 'high shared/db.js app.js' ]);
        assert.equal(hits[0].message, `a module the app loaded, ${cfg} (required by config/config.prod.js), is code other users can change: ${cfg} is writable by every ` +
          'user (mode 0666); that user\'s code runs in every process egg starts, each worker egg-cluster forks again included');
        assert.match(hits[0].fix, new RegExp(`^Make ${escapeRegExp(cfg)} owned by this process's user or root \\(\`chown\`\\) and writable by them only`));
        assert.equal(hits[1].message, 'a module the app loaded, shared/db.js (required by app.js), is code other users can change: shared, above shared/db.js, is writable ' +
          'by every user (mode 0777); that user\'s code runs in every process egg starts, each worker egg-cluster forks again included');
        assert.match(hits[1].fix, /^Make shared and shared\/db\.js owned by this process's user or root/);
        // Another user (nobody, when these tests run as root; else this process, whose write the mode allows alike) changes the module.
        const planted = "globalThis.sentinelSharedRan = true; module.exports = { mysqlHost: 'planted.example' };\n";
        const write = spawnSync(process.execPath, [ '-e', `require('fs').writeFileSync(${JSON.stringify(cfg)}, ${JSON.stringify(planted)})` ],
          process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {});
        assert.equal(write.status, 0, String(write.stderr));
        mm(globalThis, 'sentinelSharedRan', false);
        forget(top);
        const next = await bootApp(base);
        try {
          assert.equal((await next.httpRequest().get('/').expect(200)).text, 'planted.example main');
          assert.equal((globalThis as { sentinelSharedRan?: boolean }).sentinelSharedRan, true);
        } finally {
          await next.close();
        }
      } finally {
        forget(top);
      }
    });

    it('stays quiet for the same layout with 0755 directories and 0644 files of the app\'s user; egg\'s, the framework\'s and node_modules\' files are not judged', async () => {
      mm.env('prod');
      const { top, base } = sharedApp('cfg-shared-module-owned', { outside: 0o755, outsideFile: 0o644, inside: 0o755, insideFile: 0o644 });
      try {
        const app = await bootApp(base);
        try {
          assert.equal((await app.httpRequest().get('/').expect(200)).text, 'db.internal main');
          assert.deepEqual(moduleHits((app as any).sentinel.report), []);
        } finally {
          await app.close();
        }
      } finally {
        forget(top);
      }
    });
  });

  it('SEN111: a dependency whose bin is named node, linked as node_modules/.bin/node, is reported at boot; the npm package node the app declares is not (black-box round 24)', async function() {
    if (process.platform === 'win32') this.skip();
    const script = '#!/bin/sh\nexec node "$@"\n';
    const dir = temp('cfg-shadowed-node', {
      'package.json': JSON.stringify({ name: 'cfg-shadowed-node', dependencies: { node: '^20.0.0', 'left-padder': '1.0.0' } }),
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'low' } };\n`,
      'node_modules/node/package.json': JSON.stringify({ name: 'node', version: '20.0.0', bin: { node: 'bin/node' } }),
      'node_modules/node/bin/node': script,
      'node_modules/left-padder/package.json': JSON.stringify({ name: 'left-padder', version: '1.0.0', bin: { node: 'bin/pad.sh' } }),
      'node_modules/left-padder/bin/pad.sh': script,
    });
    fs.mkdirSync(path.join(dir, 'node_modules/.bin'));
    fs.symlinkSync('../node/bin/node', path.join(dir, 'node_modules/.bin/node'));
    assert.deepEqual((await bootReport(dir)).findings.filter((f: any) => f.ruleId === 'SEN111'), []);
    fs.rmSync(path.join(dir, 'node_modules/.bin/node'));
    fs.symlinkSync('../left-padder/bin/pad.sh', path.join(dir, 'node_modules/.bin/node'));
    // Low in unittest (high in prod): failOn low makes it refuse here.
    const message = await expectRefused(dir, /SEN111/);
    assert.deepEqual(refusedIds(message), [ 'SEN111' ]);
    assert.match(message, /node_modules\/\.bin\/node runs a file of the package left-padder \(node_modules\/left-padder\/bin\/pad\.sh\) wherever a start runs `node` by name/);
  });

  it('SEN111: a dependency\'s bin named git hides the system\'s git from the app\'s execSync(\'git …\') under egg-scripts\' PATH: refused in prod, and the app really runs it; declared by the app, it is not reported (black-box round 26, h85 F13)', async function() {
    if (process.platform === 'win32') this.skip();
    const marker = path.join(os.tmpdir(), `sentinel-shadowed-git-${process.pid}`);
    const files = {
      'package.json': JSON.stringify({ name: 'cfg-shadowed-git', dependencies: { 'git-info': '1.0.0' } }),
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      // As apps stamp their build: the revision from git, run by name.
      'app.js': "const { execSync } = require('child_process');\nmodule.exports = app => { app.revision = execSync('git rev-parse --short HEAD', { cwd: app.baseDir }).toString().trim(); };\n",
      'node_modules/git-info/package.json': JSON.stringify({ name: 'git-info', version: '1.0.0' }),
      'node_modules/revision-helper/package.json': JSON.stringify({ name: 'revision-helper', version: '1.0.0', bin: { git: 'bin/git.sh' } }),
      'node_modules/revision-helper/bin/git.sh': `#!/bin/sh\necho "ran with EGG_SERVER_ENV=$EGG_SERVER_ENV" > ${JSON.stringify(marker)}\necho abc1234\n`,
    };
    const dir = temp('cfg-shadowed-git', files);
    fs.chmodSync(path.join(dir, 'node_modules/revision-helper/bin/git.sh'), 0o755);
    fs.mkdirSync(path.join(dir, 'node_modules/.bin'));
    fs.symlinkSync('../revision-helper/bin/git.sh', path.join(dir, 'node_modules/.bin/git'));
    // The PATH egg-scripts gives the master, agent and workers; the system's git further along it.
    const system = tempDir('system-bin');
    dirs.push(system);
    fs.writeFileSync(path.join(system, 'git'), '#!/bin/sh\necho 0000000\n', { mode: 0o755 });
    mm(process.env, 'PATH', [ path.join(dir, 'node_modules/.bin'), system, process.env.PATH ].join(path.delimiter));
    try {
      mm.env('prod');
      const message = await expectRefused(dir, /SEN111/);
      assert.deepEqual(refusedIds(message), [ 'SEN111' ]);
      assert.match(message, new RegExp(`node_modules/\\.bin/git runs a file of the package revision-helper \\(node_modules/revision-helper/bin/git\\.sh\\) wherever the app's code or a script runs \`git\` by name: .* so it runs in place of ${escapeRegExp(path.join(system, 'git'))}, with the app's environment`));
      mm.restore();
      mm(process.env, 'PATH', [ path.join(dir, 'node_modules/.bin'), system, process.env.PATH ].join(path.delimiter));
      fs.rmSync(marker, { force: true });
      const app = await bootApp(dir);
      try {
        assert.equal((app as any).revision, 'abc1234', 'the app took the dependency\'s output for its revision');
        assert.match(fs.readFileSync(marker, 'utf8'), /ran with EGG_SERVER_ENV=/, 'the dependency\'s script ran with the app\'s environment');
      } finally {
        await app.close();
      }
      // The app declares the package whose bin it is: its own choice, not reported.
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'cfg-shadowed-git', dependencies: { 'revision-helper': '1.0.0' } }));
      mm.env('prod');
      assert.deepEqual((await bootReport(dir)).findings.filter((f: any) => f.ruleId === 'SEN111'), []);
    } finally {
      fs.rmSync(marker, { force: true });
    }
  });

  it('SEN308: npm\'s script-shell in the app\'s .npmrc naming a file in /tmp runs on npm run with the app\'s environment: the boot refuses in prod; a system shell is fine (black-box round 26, h85 F14)', async function() {
    if (process.platform === 'win32' || spawnSync('npm', [ '--version' ]).status !== 0) this.skip();
    // /tmp itself: writable by every user, as the tester's /tmp/h85-evilsh.sh was.
    const shell = path.join(os.tmpdir(), `sentinel-evil-shell-${process.pid}.sh`);
    const marker = `${shell}.ran`;
    fs.writeFileSync(shell, `#!/bin/sh\necho "ran with EGG_SERVER_ENV=$EGG_SERVER_ENV: $*" > ${JSON.stringify(marker)}\nexec /bin/sh "$@"\n`, { mode: 0o755 });
    const dir = temp('cfg-script-shell', {
      'package.json': JSON.stringify({ name: 'cfg-script-shell', scripts: { stamp: 'echo stamped' } }),
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      '.npmrc': `script-shell=${shell}\n`,
    });
    try {
      mm.env('prod');
      const message = await expectRefused(dir, /SEN308/);
      assert.deepEqual(refusedIds(message), [ 'SEN308' ]);
      assert.match(message, new RegExp(`npm runs every script of the app \\(npm start, npm run\\) and npx command through script-shell="${escapeRegExp(shell)}" \\(set in \\.npmrc\\), which is ${escapeRegExp(shell)}, outside the app, and its directory ${escapeRegExp(os.tmpdir())} is writable by every user`));
      const run = spawnSync('npm', [ 'run', 'stamp' ], { cwd: dir, encoding: 'utf8', env: { ...process.env, EGG_SERVER_ENV: 'prod' } });
      assert.equal(run.status, 0, run.stderr);
      assert.match(fs.readFileSync(marker, 'utf8'), /ran with EGG_SERVER_ENV=prod: -c echo stamped/, 'npm ran the script through the file in /tmp');
      fs.writeFileSync(path.join(dir, '.npmrc'), 'script-shell=/bin/sh\n');
      assert.deepEqual((await bootReport(dir)).findings.filter((f: any) => f.ruleId === 'SEN308'), []);
    } finally {
      for (const file of [ shell, marker ]) fs.rmSync(file, { force: true });
    }
  });

  it('SEN110 and SEN205: an app deployed by another user (who owns its files) and run as this one is not refused; a file a third user owns is (black-box round 22)', async function() {
    if (process.getuid?.() !== 0) this.skip();
    const dir = temp('cfg-deploy-user', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'low' } };\n`,
      'app/router.js': "module.exports = app => { app.router.get('/', app.controller.home.index); };\n",
      'app/controller/home.js': "module.exports = app => class extends app.Controller { async index() { this.ctx.body = 'ok'; } };\n",
    });
    // The deploy user (65534 here) owns the app; this process (root) runs it.
    const chownAll = (at: string, uid: number) => {
      fs.chownSync(at, uid, uid);
      if (fs.statSync(at).isDirectory()) for (const name of fs.readdirSync(at)) chownAll(path.join(at, name), uid);
    };
    chownAll(dir, 65534);
    const ownerFindings = (report: any) => report.findings.filter((f: any) => [ 'SEN110', 'SEN205' ].includes(f.ruleId)).map((f: any) => f.message);
    assert.deepEqual(ownerFindings(await bootReport(dir)), []);
    fs.chownSync(path.join(dir, 'app/controller/home.js'), 65533, 65533);
    const message = await expectRefused(dir, /SEN110/);
    assert.match(message, /app\/controller\/home\.js is owned by user 65533, not by this process's user \(0\), root or the app's owner \(65534\)/);
  });

  it('SEN206: a git checkout whose .gitignore misses run/, logs/ and .env* (config.local holds no secret)', async function() {
    if (spawnSync('git', [ '--version' ]).status !== 0) this.skip();
    const dir = temp('cfg-gitignore', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'low' } };\n`,
      '.gitignore': 'node_modules/\nlogs/\n',
    });
    assert.equal(spawnSync('git', [ 'init', '-q' ], { cwd: dir }).status, 0);
    const message = await expectRefused(dir, /SEN206/);
    assert.deepEqual(refusedIds(message), [ 'SEN206' ]);
    assert.match(message, /\.gitignore does not cover run\/, \.env\*$/m);
    assert.doesNotMatch(message, /cover[^\n]*logs\//);
  });

  it('SEN302: a constructor.prototype payload in a config file', async () => {
    const message = await expectRefused(fixture('cfg-proto-config'), /SEN302/);
    assert.deepEqual(refusedIds(message), [ 'SEN302' ]);
    assert.match(message, /config\.oauth\.constructor: the merged config holds a "constructor" key/);
    assert.match(message, /where: config\.oauth\.constructor \(from config\/config\.default\.ts\)/);
  });

  it('SEN302: Object.prototype polluted during boot', async () => {
    try {
      const message = await expectRefused(fixture('cfg-proto-runtime'), /SEN302/);
      assert.deepEqual(refusedIds(message), [ 'SEN302' ]);
      assert.match(message, /Object\.prototype has properties code added at boot: "sentinelFixturePolluted"/);
    } finally {
      delete (Object.prototype as Record<string, unknown>).sentinelFixturePolluted;
    }
  });

  it('SEN302: Object.prototype polluted with a property that is not enumerable (Object.defineProperty), which every object still reads (black-box round 30, h106 F4)', async () => {
    const app = (failOn: string) => tempApp('proto-hidden', {
      'config/config.default.js': "Object.defineProperty(Object.prototype, 'sentinelHiddenAdmin', { value: true, configurable: true, writable: true });\n" +
        `module.exports = { keys: 'proto-hidden-Wq8Zr3Lx7Nv2Kp5Tm9Yb4Hc', sentinel: { failOn: '${failOn}' } };\n`,
      'app/router.js': "module.exports = app => { app.router.get('/admin', ctx => { const user = {}; ctx.body = user.sentinelHiddenAdmin ? 'ADMIN PANEL' : 'denied'; }); };\n",
    });
    try {
      const message = await expectRefused(app('critical'), /SEN302/);
      assert.match(message, /Object\.prototype has properties code added at boot: "sentinelHiddenAdmin"/);
      const booted = await bootApp(app('never'));
      try {
        assert.equal((await booted.httpRequest().get('/admin').expect(200)).text, 'ADMIN PANEL', 'the hole is real');
      } finally {
        await booted.close();
      }
    } finally {
      delete (Object.prototype as Record<string, unknown>).sentinelHiddenAdmin;
    }
  });

  it('SEN302: Function.prototype and String.prototype polluted (defineProperty, a getter, a Symbol.for key), which every function and string reads, are refused in prod; a plain app is clean (black-box round 30, h106 F4)', async () => {
    mm.env('prod');
    const pollute = "Object.defineProperty(Function.prototype, 'sentinelFnAdmin', { value: true, configurable: true, writable: true });\n" +
      "Object.defineProperty(Function.prototype, Symbol.for('sentinelRole'), { value: 'admin', configurable: true });\n" +
      "Object.defineProperty(String.prototype, 'sentinelStrAdmin', { get() { return true; }, configurable: true });\n";
    const app = (name: string, failOn: string, polluted: boolean) => temp(name, {
      'config/config.default.js': `${polluted ? pollute : ''}module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: '${failOn}' } };\n`,
      // A guard that trusts a flag on the middleware function, one on the role string.
      'app/router.js': "module.exports = app => {\n" +
        "  const guard = async (ctx, next) => { if (!guard.sentinelFnAdmin) { ctx.status = 403; return; } await next(); };\n" +
        "  app.router.get('/fn', guard, ctx => { ctx.body = 'ADMIN PANEL'; });\n" +
        "  app.router.get('/str', ctx => { const role = String(ctx.query.role || 'guest'); ctx.body = role.sentinelStrAdmin ? 'ADMIN PANEL' : 'denied'; });\n" +
        '};\n',
    });
    try {
      const message = await expectRefused(app('proto-fn-str', 'medium', true), /SEN302/);
      assert.match(message, /critical +SEN302[^]*Function\.prototype has properties code added at boot: "sentinelFnAdmin", "Symbol\(sentinelRole\)"; every function inherits them/);
      assert.match(message, /medium +SEN302[^]*String\.prototype has getters code added at boot: "sentinelStrAdmin"; every string inherits them: a library that extends built-ins/);
      const booted = await bootApp(app('proto-fn-str-open', 'never', true));
      try {
        assert.equal((await booted.httpRequest().get('/fn').expect(200)).text, 'ADMIN PANEL', 'the hole is real');
        assert.equal((await booted.httpRequest().get('/str').expect(200)).text, 'ADMIN PANEL', 'the hole is real');
      } finally {
        await booted.close();
      }
    } finally {
      delete (Function.prototype as unknown as Record<PropertyKey, unknown>).sentinelFnAdmin;
      delete (Function.prototype as unknown as Record<PropertyKey, unknown>)[Symbol.for('sentinelRole')];
      delete (String.prototype as unknown as Record<PropertyKey, unknown>).sentinelStrAdmin;
    }
    assert.deepEqual((await bootReport(app('proto-plain', 'never', false))).findings.filter((f: any) => f.ruleId === 'SEN302'), []);
  });

  it('SEN302: EGG_APP_CONFIG with a __proto__ key (egg drops it in the merge; the payload is still reported)', async () => {
    withSecureEnv();
    mm(process.env, 'EGG_APP_CONFIG', '{"__proto__":{"isAdmin":true}}');
    const message = await expectRefused(fixture('cfg-secure'), /SEN302/);
    assert.deepEqual(refusedIds(message), [ 'SEN302' ]);
    assert.match(message, /EGG_APP_CONFIG holds JSON with a __proto__ or constructor\.prototype key/);
  });

  it('SEN303: EGG_APP_CONFIG in prod, listing the key paths it overrides and the security-relevant ones', async () => {
    withSecureEnv();
    mm.env('prod');
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ security: { csrf: { enable: false } }, featureFlags: { beta: true } }));
    const message = await expectRefused(fixture('cfg-secure'), /SEN303/);
    // SEN602 reports the CSRF protection this EGG_APP_CONFIG switches off.
    assert.deepEqual(refusedIds(message), [ 'SEN303', 'SEN602' ]);
    assert.match(message, /high +SEN303 .*\n +what: +EGG_APP_CONFIG sets config\.security\.csrf\.enable, a security-relevant key.*\n +where: EGG_APP_CONFIG security\.csrf\.enable /);
    const hits = (readReport(fixture('cfg-secure')).json.findings as Array<{ ruleId: string; severity: string; target: string; message: string }>).filter(hit => hit.ruleId === 'SEN303');
    assert.deepEqual(hits.map(hit => `${hit.severity} ${hit.target}`).sort(), [ 'high EGG_APP_CONFIG security.csrf.enable', 'medium EGG_APP_CONFIG' ]);
    assert.equal(hits.find(hit => hit.target === 'EGG_APP_CONFIG')?.message, 'EGG_APP_CONFIG overrides 2 key path(s): featureFlags.beta, security.csrf.enable; security-relevant: security.csrf.enable');
  });

  it('SEN303: EGG_APP_CONFIG making egg-logrotator rename any file, or siteFile redirect any path before auth, is high', async () => {
    const injected = JSON.stringify({
      logrotator: { filesRotateBySize: [ path.join(fixture('cfg-secure'), 'config/plugin.js') ], maxFileSize: 1 },
      siteFile: { '/admin': '/elsewhere' },
      notfound: { pageUrl: 'https://evil.example/404' },
    });
    withSecureEnv();
    mm(process.env, 'EGG_APP_CONFIG', injected);
    // Not judged on a developer machine: there siteFile answers /admin, before any app middleware (a redirect to
    // another host too, unless security.domainWhiteList forbids it, as this app's does).
    const app = await bootApp(fixture('cfg-secure'));
    try {
      const response = await app.httpRequest().get('/admin').expect(302);
      assert.equal(response.headers.location, '/elsewhere');
    } finally {
      await app.close();
    }
    mm.env('prod');
    const message = await expectRefused(fixture('cfg-secure'), /SEN303/);
    for (const keyPath of [ 'logrotator.filesRotateBySize', 'notfound.pageUrl', 'siteFile./admin' ]) {
      assert.match(message, new RegExp(`high +SEN303 .*\\n +what: +EGG_APP_CONFIG sets config\\.${escapeRegExp(keyPath)}, a security-relevant key`), keyPath);
    }
  });

  it('SEN303/SEN305: EGG_APP_CONFIG pointing egg-schedule, egg-i18n or egg-watcher at code outside the app (which they require) is high', async () => {
    withSecureEnv();
    mm.env('prod');
    const planted = tempDir('planted-code');
    dirs.push(planted);
    // egg-watcher requires the event source of its `type`; another name is only config here, and no code runs.
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ schedule: { directory: [ planted ] }, i18n: { dirs: [ planted ] }, watcher: { eventSources: { ops: path.join(planted, 'ops.js') } } }));
    const message = await expectRefused(fixture('cfg-secure'), /SEN305/);
    assert.deepEqual(refusedIds(message), [ 'SEN303', 'SEN305' ]);
    for (const keyPath of [ 'i18n.dirs', 'schedule.directory', 'watcher.eventSources.ops' ]) assert.match(message, new RegExp(`EGG_APP_CONFIG sets config\\.${escapeRegExp(keyPath)}, a security-relevant key`));
    assert.match(message, /config\.watcher\.eventSources\.ops ".*ops\.js" resolves to .*ops\.js, outside the app root .*: every process requires code from it/);
    const real = escapeRegExp(fs.realpathSync(planted));
    assert.match(message, /6 finding\(s\) at or above "high" .*\(SEN303, SEN305\)/);
    assert.match(message, new RegExp(`config\\.schedule\\.directory\\[0\\] ".*" resolves to ${real}, outside the app root and config\\.sentinel\\.paths\\.allow: every process requires code from it`));
    assert.match(message, new RegExp(`config\\.i18n\\.dirs\\[0\\] ".*" resolves to ${real}, outside the app root .*: every process requires code from it`));
  });

  it('SEN303/SEN305: EGG_APP_CONFIG pointing egg-sequelize\'s model dirs outside the app is high, and the models there really run (black-box round 24)', async () => {
    withSecureEnv();
    mm.env('prod');
    const planted = tempDir('planted-models');
    dirs.push(planted);
    const ran = path.join(planted, 'ran');
    fs.writeFileSync(path.join(planted, 'pwn.js'), `require('fs').appendFileSync(${JSON.stringify(ran)}, 'x');\nmodule.exports = () => ({});\n`);
    // egg-sequelize's loader (lib/loader.js): each datasource's models from path.join(app.baseDir, 'app', baseDir).
    const app = tempApp('cfg-sequelize', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sequelize: { baseDir: 'model' } };\n`,
      'config/plugin.js': 'exports.sequelize = { enable: true, path: require(\'path\').join(__dirname, \'../lib/plugin/sequelize\') };\n',
      'lib/plugin/sequelize/package.json': JSON.stringify({ name: 'sequelize-plugin', eggPlugin: { name: 'sequelize' } }),
      'lib/plugin/sequelize/app.js': 'const path = require(\'path\');\nmodule.exports = app => {\n  const { datasources, baseDir } = app.config.sequelize;\n' +
        '  for (const source of datasources || [ { baseDir } ]) app.loader.loadToApp(path.join(app.baseDir, \'app\', source.baseDir), \'model\');\n};\n',
    });
    dirs.push(app);
    const escape = path.relative(path.join(app, 'app'), planted);
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sequelize: { baseDir: escape } }));
    const message = await expectRefused(app, /SEN305/);
    assert.ok(fs.existsSync(ran), 'the planted model ran in the worker: the hole is real (the preflight refuses it before)');
    assert.match(message, /EGG_APP_CONFIG sets config\.sequelize\.baseDir, a security-relevant key/);
    assert.match(message, /config\.sequelize\.baseDir ".*" resolves to .*sentinel-planted-models-.*, outside the app root .*: every process requires code from it/);
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sequelize: { datasources: [ { baseDir: 'model' }, { baseDir: escape } ] } }));
    assert.match(await expectRefused(app, /SEN305/), /config\.sequelize\.datasources\[1\]\.baseDir ".*" resolves to .*sentinel-planted-models-.*: every process requires code from it/);
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sequelize: { baseDir: 'model' } }));
    assert.doesNotMatch(await expectRefused(app, /SEN303/), /SEN305/, 'inside the app');
  });

  it('SEN303: EGG_APP_CONFIG setting baseDir, where a plugin such as egg-mongoose requires its models from, is high, and the models there really run (black-box round 25, h75 F6)', async () => {
    withSecureEnv();
    mm.env('prod');
    const elsewhere = tempDir('planted-basedir');
    dirs.push(elsewhere);
    const ran = path.join(elsewhere, 'ran');
    fs.mkdirSync(path.join(elsewhere, 'app/model'), { recursive: true });
    fs.writeFileSync(path.join(elsewhere, 'app/model/user.js'), `require('fs').appendFileSync(${JSON.stringify(ran)}, 'x');\nmodule.exports = () => ({});\n`);
    // egg-mongoose's loadModelToApp (lib/mongoose.js), in a beforeStart: path.join(app.config.baseDir, 'app/model').
    const app = tempApp('cfg-basedir', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'config/plugin.js': 'exports.mongoose = { enable: true, path: require(\'path\').join(__dirname, \'../lib/plugin/mongoose\') };\n',
      'lib/plugin/mongoose/package.json': JSON.stringify({ name: 'mongoose-plugin', eggPlugin: { name: 'mongoose' } }),
      'lib/plugin/mongoose/app.js': 'const path = require(\'path\');\nmodule.exports = app => {\n' +
        '  app.beforeStart(() => app.loader.loadToApp(path.join(app.config.baseDir, \'app/model\'), \'model\', { inject: app }));\n};\n',
    });
    dirs.push(app);
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ baseDir: elsewhere }));
    const message = await expectRefused(app, /SEN303/);
    assert.ok(fs.existsSync(ran), 'the model from the other baseDir ran in the worker: the hole is real (the preflight refuses it before)');
    assert.match(message, /high +SEN303 .*\n +what: +EGG_APP_CONFIG sets config\.baseDir, a security-relevant key/);
  });

  /** The SEN303 findings of a report, as `<severity> <target>`. */
  const sen303 = (report: Record<string, any>) => (report.findings as Array<{ ruleId: string; severity: string; target: string }>)
    .filter(hit => hit.ruleId === 'SEN303').map(hit => `${hit.severity} ${hit.target}`);
  /** An app whose failOn and waivers SENTINEL_FIXTURE_FAIL_ON and SENTINEL_FIXTURE_WAIVERS set (EGG_APP_CONFIG cannot). */
  const envConfigApp = (name: string, files: Record<string, string>, config: string) => temp(name, {
    'config/config.default.js': `module.exports = () => ({ keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, ${config}, ` +
      "sentinel: { failOn: process.env.SENTINEL_FIXTURE_FAIL_ON || 'high', waivers: JSON.parse(process.env.SENTINEL_FIXTURE_WAIVERS || '[]') } });\n",
    ...files,
  });

  it('SEN303: EGG_APP_CONFIG giving another site egg-cors\' credentialed access is high, one finding per key; the hole is real (black-box round 33, h109 F1)', async () => {
    const app = envConfigApp('cfg-env-cors', {
      'config/plugin.js': "exports.cors = { enable: true, package: 'egg-cors' };\n",
      'app/router.js': "module.exports = ({ router }) => { router.get('/me', async ctx => { ctx.body = { user: 'alice', secret: 'alice-data' }; }); };\n",
    }, "security: { domainWhiteList: [ 'app.example.org' ] }");
    /** What egg-cors answers `origin` for /me, and the SEN303 findings of that boot. */
    const answer = async (origin: string) => {
      const booted = await bootApp(app);
      try {
        const { headers } = await booted.httpRequest().get('/me').set('origin', origin).expect(200);
        return { cors: [ headers['access-control-allow-origin'], headers['access-control-allow-credentials'] ], sen303: sen303((booted as any).sentinel.report) };
      } finally {
        await booted.close();
      }
    };
    withSecureEnv();
    mm.env('prod');
    // Without EGG_APP_CONFIG: egg-cors answers the app's own hosts only, and SEN303 has nothing to say.
    assert.deepEqual(await answer('https://attacker.example'), { cors: [ undefined, undefined ], sen303: [] });
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ cors: { origin: 'https://attacker.example', credentials: true } }));
    const message = await expectRefused(app, /SEN303/);
    assert.deepEqual(refusedIds(message), [ 'SEN303' ]);
    assert.match(message, /2 finding\(s\) at or above "high"/);
    assert.match(message, /high +SEN303 .*\n +what: +EGG_APP_CONFIG sets config\.cors\.credentials, a security-relevant key, .*waive SEN303 for target "EGG_APP_CONFIG cors\.credentials"/);
    assert.match(message, /high +SEN303 .*\n +what: +EGG_APP_CONFIG sets config\.cors\.origin, a security-relevant key/);
    mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'never');
    assert.deepEqual((await answer('https://attacker.example')).cors, [ 'https://attacker.example', 'true' ], 'the hole is real: the attacker\'s page reads alice\'s response');
  });

  it('SEN303: EGG_APP_CONFIG pointing a data store\'s client at another host is high, and the app logs in there with its credentials; a waiver names one key; logger.level stays medium (black-box round 33, h109 F1)', async () => {
    // A data-store plugin as egg-mysql is one: its client connects to config.mysql.client's host with its user and password.
    const app = envConfigApp('cfg-env-datastore', {
      'config/plugin.js': "exports.mysql = { enable: true, path: require('path').join(__dirname, '../lib/plugin/mysql') };\n",
      'lib/plugin/mysql/package.json': JSON.stringify({ name: 'mysql-plugin', eggPlugin: { name: 'mysql' } }),
      'lib/plugin/mysql/app.js': "const net = require('net');\nmodule.exports = app => {\n  app.mysqlLogin = () => new Promise((resolve, reject) => {\n" +
        '    const { host, port, user, password } = app.config.mysql.client;\n' +
        '    net.connect(port, host, function () { this.end(`${user}:${password}`); }).on(\'close\', resolve).on(\'error\', reject);\n  });\n};\n',
      'app/router.js': "module.exports = app => { app.router.get('/orders', async ctx => { await app.mysqlLogin(); ctx.body = 'orders'; }); };\n",
    }, "mysql: { client: { host: 'db.internal', port: 3306, user: 'shop', password: process.env.CFG_DB_PASSWORD } }");
    const received: string[] = [];
    const server = net.createServer(socket => socket.setEncoding('utf8').on('data', data => received.push(String(data))));
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      withSecureEnv();
      mm.env('prod');
      mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ mysql: { client: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port } } }));
      const message = await expectRefused(app, /SEN303/);
      assert.deepEqual(refusedIds(message), [ 'SEN303' ]);
      for (const keyPath of [ 'host', 'port' ]) assert.match(message, new RegExp(`EGG_APP_CONFIG sets config\\.mysql\\.client\\.${keyPath}, a security-relevant key`));
      assert.doesNotMatch(message, new RegExp(escapeRegExp(SECURE_ENV.CFG_DB_PASSWORD)));
      mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'never');
      const booted = await bootApp(app);
      try {
        await booted.httpRequest().get('/orders').expect(200);
      } finally {
        await booted.close();
      }
      assert.deepEqual(received, [ `shop:${SECURE_ENV.CFG_DB_PASSWORD}` ], 'the hole is real: the host EGG_APP_CONFIG named got the database password');
      // A deploy that means it waives those keys, and no other: the same variable setting cors.origin still refuses boot, naming that key alone.
      mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'high');
      mm(process.env, 'SENTINEL_FIXTURE_WAIVERS', JSON.stringify([ 'host', 'port' ].map(key => ({
        rule: 'SEN303', target: `EGG_APP_CONFIG mysql.client.${key}`, reason: 'the deploy sets the database per environment (OPS-9)', expires: '2099-12-31' }))));
      assert.deepEqual(sen303(await bootReport(app)).sort(), [ 'high EGG_APP_CONFIG mysql.client.host', 'high EGG_APP_CONFIG mysql.client.port', 'medium EGG_APP_CONFIG' ]);
      mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ mysql: { client: { host: '127.0.0.1', port: 3306 } }, cors: { origin: 'https://attacker.example' } }));
      const widened = await expectRefused(app, /SEN303/);
      assert.match(widened, /1 finding\(s\) at or above "high"/);
      assert.match(widened, /where: EGG_APP_CONFIG cors\.origin /);
      // An operational key is listed, medium: the app boots.
      mm(process.env, 'SENTINEL_FIXTURE_WAIVERS', '[]');
      mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ logger: { level: 'WARN' } }));
      assert.deepEqual(sen303(await bootReport(app)), [ 'medium EGG_APP_CONFIG' ]);
    } finally {
      server.close();
    }
  });

  it('EGG_APP_CONFIG cannot switch egg-sentinel off: its sentinel keys are refused, naming them', async () => {
    withSecureEnv();
    mm.env('prod');
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failOn: 'never', rules: { SEN303: 'off', SEN602: 'off' } }, security: { csrf: { enable: false } } }));
    const message = await expectRefused(fixture('cfg-secure'), /SentinelConfigError|config\.sentinel/);
    assert.match(message, /config\.sentinel\.failOn, config\.sentinel\.rules\.SEN303, config\.sentinel\.rules\.SEN602 are set by EGG_APP_CONFIG/);
    assert.match(message, /Remove "sentinel" from EGG_APP_CONFIG/);
    assert.match(message, /Fix: remove them where they are set, as said above\./);
    assert.doesNotMatch(message, /Fix the keys above in config/);
  });

  it('SEN004: a policy under config.sentinal is named, medium, and not applied (black-box round 40, h1 F3)', async () => {
    withSecureEnv();
    mm.env('prod');
    const dir = tempApp('cfg-sentinal', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinal: { failOn: 'never', routes: { protect: [{ paths: [ '/nothing/**' ], by: [ 'auth' ] }] } } };\n`,
    });
    const report = await bootReport(dir);
    assert.equal(report.threshold, 'high', 'the misspelled failOn is not applied');
    assert.deepEqual(report.findings.filter((finding: any) => finding.ruleId === 'SEN004').map((finding: any) => [ finding.severity, finding.target, finding.source ]),
      [[ 'medium', 'config.sentinal', 'config/config.default.js' ]]);
  });

  it('SEN005: egg-sentinel\'s options on its plugin entry in config/plugin.js are named, medium, and not applied (black-box round 43, r43h7 F1)', async () => {
    withSecureEnv();
    mm.env('prod');
    const options = "failOn: 'medium', routes: { protect: [{ paths: [ '**' ], by: [ 'auth' ] }], public: [{ path: '/health', methods: [ 'GET' ], reason: 'load balancer probe' }] }";
    const app = (plugin: string, config: string) => tempApp('cfg-plugin-entry-options', {
      'config/plugin.js': `exports.sentinel = { enable: true, package: 'egg-sentinel'${plugin} };\n`,
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}'${config} };\n`,
      'app/router.js': "module.exports = app => {\n  app.router.get('/health', async ctx => { ctx.body = 'ok'; });\n  app.router.get('/admin', async ctx => { ctx.body = 'admin'; });\n};\n",
    });
    const report = await bootReport(app(`, ${options}`, ''));
    assert.equal(report.threshold, 'high', 'the entry\'s failOn is not applied');
    assert.deepEqual(report.findings.filter((finding: any) => [ 'SEN403', 'SEN404' ].includes(finding.ruleId)), [], 'nor its route policy');
    const entry = report.findings.filter((finding: any) => finding.ruleId === 'SEN005');
    assert.deepEqual(entry.map((finding: any) => [ finding.severity, finding.target, finding.source ]), [[ 'medium', 'plugin:sentinel', 'config/plugin.js' ]]);
    assert.equal(entry[0].message, 'the plugin entry "sentinel" in config/plugin.js sets failOn, routes, which egg-sentinel never reads (it reads only ' +
      'config.sentinel): what they say is not applied, failOn included: this process refuses at config.sentinel.failOn (by default high; critical in local and unittest)');
    assert.equal(entry[0].fix, 'Move failOn, routes from the "sentinel" entry in config/plugin.js to `config.sentinel` in config/config.default.js (or the ' +
      'env\'s config file, config/config.prod.js), and leave the entry `{ enable: true, package: \'egg-sentinel\' }`.');
    // Moved where egg-sentinel reads them, the same options are applied: /admin is refused, and the entry is clean.
    const moved = await expectRefused(app('', `, sentinel: { ${options} }`), /SEN404/);
    assert.match(moved, /GET \/admin/);
    assert.doesNotMatch(moved, /SEN005/);
    // A TypeScript app compiled in place is named by its plugin.ts, and pointed at its .ts config files (black-box round 44, r44h4 F2).
    const compiled = app(`, ${options}`, '');
    fs.writeFileSync(path.join(compiled, 'config/plugin.ts'), `export default { sentinel: { enable: true, package: 'egg-sentinel', ${options} } };\n`);
    fs.writeFileSync(path.join(compiled, 'config/plugin.js'), '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n' +
      `exports.default = { sentinel: { enable: true, package: 'egg-sentinel', ${options} } };\n//# sourceMappingURL=plugin.js.map\n`);
    const [ fromTs ] = (await bootReport(compiled)).findings.filter((finding: any) => finding.ruleId === 'SEN005');
    assert.equal(fromTs?.source, 'config/plugin.ts');
    assert.match(fromTs?.fix ?? '', /^Move failOn, routes from the "sentinel" entry in config\/plugin\.ts to `config\.sentinel` in config\/config\.default\.ts/);
  });

  it('an app started through a symlink to its release directory (`current -> releases/<time>`) keeps its own config.sentinel: egg records its config files by their real path (black-box round 40, h1 F11)', async () => {
    withSecureEnv();
    mm.env('prod');
    const release = tempApp('release-1', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'never', rules: { SEN607: 'low' } } };\n`,
    });
    const current = path.join(tempDir('releases'), 'current');
    fs.symlinkSync(release, current);
    const report = await bootReport(current);
    assert.equal(report.threshold, 'never', 'its own setting, taken');
    // The fixture itself, under the repository (egg-sentinel's own directory): its files are the app's, not the plugin's (SEN108).
    const fixtureLink = path.join(tempDir('releases'), 'current');
    fs.symlinkSync(fixture('cfg-secure'), fixtureLink);
    const secure = await bootReport(fixtureLink);
    assert.deepEqual(secure.findings.filter((finding: any) => finding.blocking), []);
  });

  it('nor in a local env under NODE_ENV=production, a production process for every purpose (SEN606)', async () => {
    withSecureEnv();
    mm.env('local');
    mm(process.env, 'NODE_ENV', 'production');
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { rules: { SEN606: 'off' } } }));
    const message = await expectRefused(fixture('cfg-secure'), /SentinelConfigError|config\.sentinel/);
    assert.match(message, /config\.sentinel\.rules\.SEN606 is set by EGG_APP_CONFIG/);
  });

  it('nor a framework from outside the app\'s install (egg-scripts --framework=/elsewhere): its config.sentinel keys are refused', async () => {
    withSecureEnv();
    mm.env('prod');
    // A framework as egg documents one: egg's classes with this directory as another eggPath.
    const framework = outsideUnit('sentinel-evil-framework-', { name: 'evil-framework' }, "module.exports = { sentinel: { failOn: 'never' } };\n", {
      'index.js': `const egg = require(${JSON.stringify(require.resolve('egg'))});\nconst EGG_PATH = Symbol.for('egg#eggPath');\n` +
        'class Application extends egg.Application { get [EGG_PATH]() { return __dirname; } }\n' +
        'class Agent extends egg.Agent { get [EGG_PATH]() { return __dirname; } }\n' +
        'module.exports = { ...egg, Application, Agent };\n',
    });
    const message = await expectRefused(fixture('cfg-secure'), /SentinelConfigError|config\.sentinel/, { framework });
    assert.match(message, new RegExp(`config\\.sentinel\\.failOn is set by ${escapeRegExp(framework)}/config/config\\.default\\.js`));
  });

  it('a framework the app declares and installed keeps its config.sentinel defaults', async () => {
    withSecureEnv();
    mm.env('prod');
    const indexJs = `const egg = require(${JSON.stringify(require.resolve('egg'))});\nconst EGG_PATH = Symbol.for('egg#eggPath');\n` +
      'class Application extends egg.Application { get [EGG_PATH]() { return __dirname; } }\n' +
      'class Agent extends egg.Agent { get [EGG_PATH]() { return __dirname; } }\n' +
      'module.exports = { ...egg, Application, Agent };\n';
    const app = temp('cfg-own-framework', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}' };\n`,
      'node_modules/company-framework/package.json': JSON.stringify({ name: 'company-framework' }),
      'node_modules/company-framework/index.js': indexJs,
      'node_modules/company-framework/config/config.default.js': "module.exports = { sentinel: { failOn: 'critical' } };\n",
    });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'cfg-own-framework', dependencies: { 'company-framework': '^1.0.0' } }));
    // Locked, as an installed framework is (SEN103 judges a framework as a plugin).
    fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'cfg-own-framework', lockfileVersion: 3, requires: true, packages: {
      '': { name: 'cfg-own-framework', dependencies: { 'company-framework': '^1.0.0' } },
      'node_modules/company-framework': { version: '1.0.0', resolved: 'https://registry.npmjs.org/company-framework/-/company-framework-1.0.0.tgz', integrity: `sha512-${'q'.repeat(86)}==` },
    } }));
    const booted = mm.app({ baseDir: app, framework: path.join(app, 'node_modules/company-framework'), cache: false } as any);
    try {
      await booted.ready();
      assert.equal((booted as any).sentinel.report.threshold, 'critical', 'the framework\'s default is kept');
    } finally {
      await booted.close();
    }
  });

  it('a plugin cannot switch egg-sentinel off: config.sentinel keys from a plugin\'s config (one EGG_PLUGINS brings in) are refused', async () => {
    withSecureEnv();
    mm.env('prod');
    // Rules egg-sentinel's own defaults do not set, so the plugin's values win whatever the order plugins load in.
    const plugin = outsideUnit('sentinel-evil-plugin-', { name: 'evil-defaults', eggPlugin: { name: 'evilDefaults' } },
      "module.exports = { sentinel: { rules: { SEN101: 'off', SEN107: 'off' } } };\n");
    mm(process.env, 'EGG_PLUGINS', JSON.stringify({ evilDefaults: { enable: true, path: plugin } }));
    const message = await expectRefused(fixture('cfg-secure'), /SentinelConfigError|config\.sentinel/);
    assert.match(message, new RegExp(`config\\.sentinel\\.rules\\.SEN101, config\\.sentinel\\.rules\\.SEN107 are set by ${escapeRegExp(plugin)}/config/config\\.default\\.js`));
  });

  it('SEN304: shipped and user schemas, with the key path, the value (masked when secret) and the schema rule', async () => {
    mm(process.env, 'CFG_PAYMENT_KEY', 'pk-short-S3cr3tK3y');
    const message = await expectRefused(fixture('cfg-schema'), /SEN304/);
    assert.deepEqual(refusedIds(message), [ 'SEN304' ]);
    assert.match(message, /config\.security\.xframe\.value: "ALLOWALL" must match pattern .* \(egg-sentinel's schema, #\/properties\/xframe\/properties\/value\/pattern\)/);
    assert.match(message, /config\.upstream\.url: "http:\/\/api\.internal\/v1" must match pattern "\^https:\/\/" \(config\.sentinel\.schemas/);
    assert.match(message, /config\.payment\.apiKey: \[REDACTED\] must NOT have fewer than 40 characters/);
    assert.ok(!message.includes('S3cr3tK3y'));
  });

  it('SEN304: xssProtection.value 0 and an hsts.maxAge of digits in a string boot in prod and egg-security sends the right headers; a value 2 and a maxAge of letters are refused (black-box round 36, h112 F1)', async () => {
    withSecureEnv();
    mm.env('prod');
    const app = (name: string, security: string) => temp(name, {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', security: { ${security} }, sentinel: { https: true } };\n`,
      'app/router.js': "module.exports = ({ router }) => { router.get('/', async ctx => { ctx.body = 'ok'; }); };\n",
    });
    // As an env variable gives it: HSTS_MAX_AGE=31536000.
    const secure = app('cfg-header-numbers', "xssProtection: { value: 0 }, hsts: { enable: true, maxAge: String(31536000) }");
    const booted = await bootApp(secure);
    try {
      assert.deepEqual((booted as any).sentinel.report.findings.filter((f: any) => f.ruleId === 'SEN304' || f.target.startsWith('config.security.hsts')), []);
      const res = await booted.httpRequest().get('/').expect(200);
      assert.equal(res.headers['x-xss-protection'], '0');
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000');
    } finally {
      await booted.close();
    }
    const message = await expectRefused(app('cfg-header-wrong', "xssProtection: { value: 2 }, hsts: { enable: true, maxAge: 'abc' }"), /SEN304/);
    assert.deepEqual(refusedIds(message), [ 'SEN304' ]);
    assert.match(message, /config\.security\.xssProtection\.value: 2 is not one of "0", "1", "1; mode=block", 0, 1/);
    assert.match(message, /config\.security\.hsts\.maxAge: "abc" must match pattern "\^\[0-9\]\+\$"/);
  });

  it('SEN304: a protection egg-security takes as false (xssProtection, hsts, csp, xframe) boots; the weakening is judged by SEN603 alone (black-box round 43, r43h6 F4)', async () => {
    withSecureEnv();
    mm.env('prod');
    const dir = temp('cfg-security-false', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', security: { xssProtection: false, hsts: false, csp: false, xframe: false }, sentinel: { failOn: 'high' } };\n`,
      'app/router.js': "module.exports = ({ router }) => { router.get('/', async ctx => { ctx.body = 'ok'; }); };\n",
    });
    const report = await bootReport(dir);
    assert.deepEqual(report.findings.filter((f: any) => f.ruleId === 'SEN304'), []);
    const xframe = report.findings.find((f: any) => f.ruleId === 'SEN603' && f.target === 'config.security.xframe');
    assert.equal(xframe?.severity, 'medium');
    assert.match(xframe?.message, /config\.security\.xframe is false/);
  });

  it('a config file tsc compiled in place is named by its .ts, which the team edits (black-box round 43, r43h4 F2); a .js of its own stays named', async () => {
    withSecureEnv();
    mm.env('prod');
    const config = `{ keys: '${STRONG_KEY}', security: { xframe: { enable: false } } }`;
    const dir = temp('cfg-ts-compiled', {
      'config/config.default.ts': `export default ${config};\n`,
      // What tsc emits for it (egg's TypeScript boilerplate git-ignores it): egg loads the .js.
      'config/config.default.js': `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.default = ${config};\n//# sourceMappingURL=config.default.js.map\n`,
      'app/router.js': "module.exports = ({ router }) => { router.get('/', async ctx => { ctx.body = 'ok'; }); };\n",
    });
    const xframe = (report: Record<string, any>) => report.findings.find((f: any) => f.ruleId === 'SEN603' && f.target === 'config.security.xframe.enable');
    assert.equal(xframe(await bootReport(dir))?.source, 'config/config.default.ts');
    // A .js the team writes beside a .ts of another purpose is its own file.
    fs.writeFileSync(path.join(dir, 'config/config.default.js'), `module.exports = ${config};\n`);
    assert.equal(xframe(await bootReport(dir))?.source, 'config/config.default.js');
  });

  it('SEN304: a schema ajv cannot compile is a config error naming the key', async () => {
    const dir = temp('cfg-bad-schema', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { schemas: { 'mysql.client': { type: 'strnig' } } } };\n`,
    });
    const message = await expectRefused(dir, /invalid config\.sentinel/);
    assert.match(message, /config\.sentinel\.schemas\["mysql\.client"\]: not a valid JSON schema/);
  });

  it('SEN305: a path outside the app root, and the same path allowed by paths.allow', async () => {
    const outside = tempDir('uploads');
    dirs.push(outside);
    const config = (allow: string[]) => `module.exports = { keys: '${STRONG_KEY}', view: { root: ${JSON.stringify(outside)} }, ` +
      `sentinel: { failOn: 'medium', paths: { allow: ${JSON.stringify(allow)} } } };\n`;
    const message = await expectRefused(temp('cfg-paths', { 'config/config.default.js': config([]) }), /SEN305/);
    assert.deepEqual(refusedIds(message), [ 'SEN305' ]);
    assert.match(message, /config\.view\.root ".*sentinel-uploads-.*" resolves to .*, outside the app root and config\.sentinel\.paths\.allow/);
    assert.match(message, /where: config\.view\.root \(from config\/config\.default\.js\)/);
    assert.deepEqual((await bootReport(temp('cfg-paths-allowed', { 'config/config.default.js': config([ outside ]) }))).findings, []);
  });

  it('SEN305: a customLoader directory inside the static dir, where uploads land, is high: its files run in every process at start and egg-static serves them; one in the app\'s source is clean (black-box round 30, h106 F6)', async () => {
    withSecureEnv();
    mm.env('prod');
    const app = (name: string, directory: string, failOn: string) => temp(name, {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { dir: __dirname + '/../logs' }, sentinel: { failOn: '${failOn}' } };\n`,
      'config/config.prod.js': `module.exports = { customLoader: { upl: { directory: '${directory}', inject: 'app' } } };\n`,
      // What an upload handler would have left there: it marks that it ran.
      [`${directory}/x.js`]: "require('fs').writeFileSync(require('path').join(__dirname, 'ran-at-start.txt'), String(process.pid));\nmodule.exports = {};\n",
    });
    const message = await expectRefused(app('cfg-upload-loader', 'app/public/uploads', 'auto'), /SEN305/);
    assert.deepEqual(refusedIds(message), [ 'SEN305' ]);
    assert.match(message, /high +SEN305 .*\n +what: +config\.customLoader\.upl\.directory "app\/public\/uploads" resolves to app\/public\/uploads, inside config\.static\.dir \(app\/public\), which egg-static serves under \/public\/: every process requires each file in it at start/);
    assert.match(message, /where: config\.customLoader\.upl\.directory \(from config\/config\.prod\.js\)/);
    // The hole: the uploaded file ran in this process, and anyone can fetch it.
    const open = app('cfg-upload-loader-open', 'app/public/uploads', 'never');
    const booted = await bootApp(open);
    try {
      assert.equal(fs.readFileSync(path.join(open, 'app/public/uploads/ran-at-start.txt'), 'utf8'), String(process.pid), 'the uploaded file ran');
      await booted.httpRequest().get('/public/uploads/x.js').expect(200);
    } finally {
      await booted.close();
    }
    assert.deepEqual((await bootReport(app('cfg-source-loader', 'app/lib/loaders', 'never'))).findings.filter((f: any) => f.ruleId === 'SEN305'), []);
  });

  it('SEN305/SEN110: a view root outside the app that a view engine renders from is reported; one other users can write is high, and its templates run (black-box round 28, h102 F7)', async function() {
    if (process.platform === 'win32') this.skip();
    withSecureEnv();
    mm.env('prod');
    const shared = tempDir('shared-views');
    dirs.push(shared);
    // A view engine whose templates are JavaScript template literals: code, as ejs templates are.
    const engine = "module.exports = app => { app.view.use('tpl', class { async render(file) { " +
      "return new Function('return `' + require('fs').readFileSync(file, 'utf8') + '`;')(); } async renderString() { return ''; } }); };\n";
    const dir = temp('cfg-view-root', {
      'config/plugin.js': "exports.tpl = { enable: true, path: require('path').join(__dirname, '../lib/plugin/tpl') };\n",
      // A function: egg calls it at each boot, whereas the module is required once.
      'config/config.default.js': `module.exports = () => ({ keys: '${STRONG_KEY}', view: { root: ${JSON.stringify(shared)}, mapping: { '.tpl': 'tpl' } }, ` +
        'sentinel: { failOn: process.env.SENTINEL_FIXTURE_FAIL_ON, paths: { allow: JSON.parse(process.env.SENTINEL_FIXTURE_ALLOW) } } });\n',
      'lib/plugin/tpl/package.json': JSON.stringify({ name: 'tpl', eggPlugin: { name: 'tpl', dependencies: [ 'view' ] } }),
      'lib/plugin/tpl/app.js': engine,
      'app/router.js': "module.exports = app => { app.router.get('/home', async ctx => { await ctx.render('home.tpl'); }); };\n",
    });
    fs.writeFileSync(path.join(shared, 'home.tpl'), 'rendered in ${process.pid}');
    fs.chmodSync(path.join(shared, 'home.tpl'), 0o666);
    fs.chmodSync(shared, 0o777);
    mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'never');
    mm(process.env, 'SENTINEL_FIXTURE_ALLOW', '[]');
    // The hole: another user's template is code every worker runs.
    const app = await bootApp(dir);
    let report: Record<string, any>;
    try {
      assert.deepEqual((app.config as any).view.root, [ shared ], 'egg-view keeps view.root as an array once an engine is registered');
      assert.equal((await app.httpRequest().get('/home').expect(200)).text, `rendered in ${process.pid}`);
      report = (app as any).sentinel.report;
    } finally {
      await app.close();
    }
    const real = fs.realpathSync(shared);
    const hit = (ruleId: string) => report.findings.filter((finding: any) => finding.ruleId === ruleId).map((finding: any) => `${finding.severity} ${finding.target} ${finding.message}`);
    assert.deepEqual(hit('SEN305'), [ `medium config.view.root config.view.root ${JSON.stringify(shared)} resolves to ${real}, outside the app root and config.sentinel.paths.allow: ` +
      'egg-view renders its templates, which are code (ejs compiles them to JavaScript)' ]);
    assert.deepEqual(hit('SEN110'), [ `high ${real} templates other users can change in ${real} (config.view.root), which egg-view renders as code: ` +
      `${real} is writable by every user (mode 0777); ${real}/home.tpl is writable by every user (mode 0666)` ]);
    mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'auto');
    const message = await expectRefused(dir, /SEN110/);
    assert.deepEqual(refusedIds(message), [ 'SEN110' ]);
    assert.match(message, new RegExp(`fix: +\`chmod go-w ${escapeRegExp(real)} ${escapeRegExp(real)}/home\\.tpl\` where the app is deployed`));
    // Kept to this user and allowed: nothing to report.
    fs.chmodSync(shared, 0o755);
    fs.chmodSync(path.join(shared, 'home.tpl'), 0o644);
    mm(process.env, 'SENTINEL_FIXTURE_ALLOW', JSON.stringify([ shared ]));
    const kept = await bootReport(dir);
    assert.deepEqual(kept.findings.filter((finding: any) => [ 'SEN305', 'SEN110' ].includes(finding.ruleId)), []);
  });

  it('SEN306: --inspect in NODE_OPTIONS is critical in prod', async () => {
    withSecureEnv();
    mm.env('prod');
    mm(process.env, 'NODE_OPTIONS', `${process.env.NODE_OPTIONS ?? ''} --inspect=0.0.0.0:9229`);
    const message = await expectRefused(fixture('cfg-secure'), /SEN306/);
    assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
    assert.match(message, /critical SEN306/);
    assert.match(message, /NODE_OPTIONS has --inspect "0\.0\.0\.0:9229"/);
  });

  it('SEN306: --inspect-port on every interface refuses boot in prod, and SIGUSR1 really opens a debugger there (black-box round 23)', async () => {
    withSecureEnv();
    mm.env('prod');
    mm(process.env, 'NODE_OPTIONS', `${process.env.NODE_OPTIONS ?? ''} --inspect-port=0.0.0.0:9229`);
    const message = await expectRefused(fixture('cfg-secure'), /SEN306/);
    assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
    assert.match(message, /high {5}SEN306[\s\S]*NODE_OPTIONS has --inspect-port "0\.0\.0\.0:9229": one SIGUSR1 to a process/);
    const child = spawn(process.execPath, [ '--inspect-port=0.0.0.0:0', '-e', 'setInterval(() => {}, 1000)' ], { env: { PATH: process.env.PATH } });
    try {
      let stderr = '';
      child.stderr.on('data', chunk => { stderr += chunk; });
      await new Promise(resolve => setTimeout(resolve, 300));
      assert.doesNotMatch(stderr, /Debugger listening/);
      child.kill('SIGUSR1');
      for (let waited = 0; !/Debugger listening/.test(stderr) && waited < 5000; waited += 50) await new Promise(resolve => setTimeout(resolve, 50));
      assert.match(stderr, /Debugger listening on ws:\/\/0\.0\.0\.0:\d+\//);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('config.sentinel changed by a plugin\'s boot hook refuses boot outside local/unittest; security config changed after the check is judged at the write (black-box round 22)', async () => {
    const baseDir = fixture('plugin-changes-sentinel');
    mm.env('prod');
    const message = await expectRefused(baseDir, /changed after egg loaded the config files/);
    assert.match(message, /config\.sentinel\.failOn: changed after egg loaded the config files, by code outside the app's own files \(a plugin's boot hook\)/);
    assert.match(message, /config\.sentinel\.rules\.SEN602: changed after egg loaded the config files/);
    assert.match(message, /find the plugin that assigns to app\.config\.sentinel/);
    mm.restore();
    const app = mm.app({ baseDir, cache: false });
    try {
      await app.ready();
      const log = () => fs.readFileSync(path.join(baseDir, 'logs/egg-web.log'), 'utf8');
      assert.match(log(), /WARN .*\[egg-sentinel\] config\.sentinel\.failOn, .*config\.sentinel\.rules\.SEN602 changed after egg loaded the config files, by code outside the app's own files/);
      // The plugin's serverDidReady turned xframe off after the check: egg-security no longer sends the header.
      await new Promise(resolve => setTimeout(resolve, 1500));
      const res = await app.httpRequest().get('/').expect(200);
      assert.equal(res.headers['x-frame-options'], undefined);
      // Judged at the write: in unittest egg-security's settings are not checked, so it stands, and is said.
      assert.match(log(), /WARN .*\[egg-sentinel\] config\.security\.xframe\.enable was changed after the boot check by node_modules\/egg-lax\/app\.js:18, and takes effect: checked again, no new finding\./);
    } finally {
      await app.close();
    }
  });

  it('config.sentinel changed by the app\'s own configWillLoad (egg\'s hook for it) is used, validated again (black-box round 22 re-test)', async () => {
    const app = (value: string) => temp('cfg-app-changes-sentinel', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'high' } };\n`,
      'app.js': `module.exports = class { constructor(app) { this.app = app; } configWillLoad() { this.app.config.sentinel.routes = ${value}; } };\n`,
      'app/router.js': "module.exports = app => { app.router.get('/health', ctx => { ctx.body = 'ok'; }); };\n",
    });
    withSecureEnv();
    mm.env('prod');
    // The app's policy is what the check used: auth, which no middleware is, is a configuration mistake it names.
    assert.match(await expectRefused(app("{ protect: [{ paths: [ '**' ], by: [ 'auth' ] }], public: [{ paths: [ '/health' ], reason: 'load balancer probe' }] }"), /SEN406/),
      /auth/);
    const message = await expectRefused(app("{ protect: 'everything' }"), /invalid config\.sentinel/);
    assert.match(message, /config\.sentinel\.routes\.protect: must be array/);
  });

  it('SEN306: --require of a module outside the app and its node_modules', async () => {
    withSecureEnv();
    const outside = tempDir('preload');
    dirs.push(outside);
    fs.writeFileSync(path.join(outside, 'hook.js'), '');
    mm(process.env, 'NODE_OPTIONS', `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(outside, 'hook.js')}`);
    const dir = temp('cfg-preload', { 'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'high' } };\n` });
    const message = await expectRefused(dir, /SEN306/);
    assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
    assert.match(message, /NODE_OPTIONS has --require ".*hook\.js": every process runs .*hook\.js, outside the app/);
  });

  it('SEN306: each preload from outside the app has its own target: a waiver vouches for one module, and another preload added later is still refused (black-box round 25, h74 F2)', async () => {
    withSecureEnv();
    mm.env('prod');
    const outside = tempDir('preloads');
    dirs.push(outside);
    const [ apm, later ] = [ 'apm.js', 'later.js' ].map(file => path.join(outside, file));
    for (const file of [ apm, later ]) fs.writeFileSync(file, '');
    const waived = temp('cfg-preload-waived', { 'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: 'high', waivers: [ ` +
      `{ rule: 'SEN306', target: ${JSON.stringify(`NODE_OPTIONS --require ${apm}`)}, reason: 'APM agent baked into the image (OPS-7)', expires: '2099-12-31' } ] } };\n` });
    const options = process.env.NODE_OPTIONS ?? '';
    mm(process.env, 'NODE_OPTIONS', `${options} --require ${apm}`);
    const report = await bootReport(waived);
    assert.deepEqual(report.findings.filter((hit: { ruleId: string }) => hit.ruleId === 'SEN306').map((hit: { target: string; waivedBy?: unknown }) => [ hit.target, Boolean(hit.waivedBy) ]),
      [[ `NODE_OPTIONS --require ${apm}`, true ]]);
    mm(process.env, 'NODE_OPTIONS', `${options} --require ${apm} --require ${later}`);
    const message = await expectRefused(waived, /SEN306/);
    assert.match(message, /boot refused by the app: 1 finding\(s\) at or above "high"/);
    assert.match(message, new RegExp(`NODE_OPTIONS has --require "${escapeRegExp(later)}": every process runs ${escapeRegExp(later)}, outside the app`));
    assert.match(message, new RegExp(`where: NODE_OPTIONS --require ${escapeRegExp(later)} \\(from NODE_OPTIONS\\)`));
    assert.match(message, new RegExp(`or, when you vouch for it, keep it before the preflight \\(\`--require egg-sentinel/preflight\`, which refuses preloads after it\\) and waive SEN306 for target \`NODE_OPTIONS --require ${escapeRegExp(later)}\``));
  });

  it('SEN306: EGG_OPTIONS_PATH_TO_REGEXP_MODULE naming a module outside the app, which egg-core requires in every process', async () => {
    withSecureEnv();
    mm.env('prod');
    const outside = tempDir('p2r');
    dirs.push(outside);
    const module = path.join(outside, 'p2r.js');
    const real = require.resolve('path-to-regexp', { paths: [ path.dirname(require.resolve('@eggjs/router')) ] });
    fs.writeFileSync(module, `globalThis.sentinelP2rRan = true;\nmodule.exports = require(${JSON.stringify(real)});\n`);
    mm(process.env, 'EGG_OPTIONS_PATH_TO_REGEXP_MODULE', module);
    mm(globalThis, 'sentinelP2rRan', false);
    const message = await expectRefused(fixture('cfg-secure'), /SEN306/);
    assert.equal((globalThis as { sentinelP2rRan?: boolean }).sentinelP2rRan, true, 'egg ran the module');
    assert.match(message, /the environment sets EGG_OPTIONS_PATH_TO_REGEXP_MODULE=".*p2r\.js": egg-core requires it as the path-to-regexp of its router and of every match\/ignore, so every process runs .*p2r\.js, outside the app/);
  });

  it('SEN306: an OpenSSL config from outside the app (OPENSSL_CONF, --openssl-config) and TLS verification switched off', async () => {
    withSecureEnv();
    mm.env('prod');
    const outside = tempDir('openssl');
    dirs.push(outside);
    const cnf = path.join(outside, 'engines.cnf');
    fs.writeFileSync(cnf, '# names engines: native libraries every process would load\n');
    mm(process.env, 'OPENSSL_CONF', cnf);
    mm(process.env, 'NODE_TLS_REJECT_UNAUTHORIZED', '0');
    mm(process.env, 'NODE_OPTIONS', `${process.env.NODE_OPTIONS ?? ''} --openssl-config ${cnf} --tls-keylog=${path.join(outside, 'keys.log')}`);
    await expectRefused(fixture('cfg-secure'), /SEN306/);
    const hits = (readReport(fixture('cfg-secure')).json.findings as Array<{ ruleId: string; severity: string; target: string; message: string }>)
      .filter(hit => hit.ruleId === 'SEN306');
    assert.deepEqual(hits.map(hit => `${hit.severity} ${hit.target}`).sort(), [
      'high NODE_OPTIONS --openssl-config', 'high NODE_OPTIONS --tls-keylog', 'high environment NODE_TLS_REJECT_UNAUTHORIZED', 'high environment OPENSSL_CONF',
    ]);
    const message = (target: string) => hits.find(hit => hit.target === target)?.message ?? '';
    assert.match(message('environment OPENSSL_CONF'), /^the environment sets OPENSSL_CONF=".*engines\.cnf": every process loads an OpenSSL config \(its engines and providers are native libraries loaded into the process\) from .*engines\.cnf, outside the app/);
    assert.match(message('NODE_OPTIONS --openssl-config'), /^NODE_OPTIONS has --openssl-config ".*engines\.cnf": every process loads an OpenSSL config/);
    assert.match(message('environment NODE_TLS_REJECT_UNAUTHORIZED'), /accepts any certificate/);
  });

  it('SEN306: heap snapshots and diagnostic reports written into the static dir are critical, and node really writes them where egg-static serves them (black-box round 27, h91 F3)', async function() {
    this.timeout(60000);
    withSecureEnv();
    const config = (failOn: string) => `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: '${failOn}' } };\n`;
    const dir = temp('cfg-dumps-served', { 'config/config.default.js': config('high'), 'app/public/index.html': '<p>hi</p>\n' });
    const publicDir = fs.realpathSync(path.join(dir, 'app/public'));
    const options = process.env.NODE_OPTIONS ?? '';
    mm(process.env, 'NODE_OPTIONS', `${options} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${publicDir}`);
    const message = await expectRefused(dir, /SEN306/);
    assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
    assert.match(message, new RegExp(`critical SEN306[^\\n]*\\n.*NODE_OPTIONS has --heapsnapshot-signal "SIGUSR2": every process writes a heap snapshot \\(all of its memory: config, keys, sessions\\) on that signal ` +
      `to ${escapeRegExp(publicDir)}/Heap\\.<date>\\.<time>\\.<pid>\\.<thread>\\.<seq>\\.heapsnapshot, which config\\.static\\.dir serves under /public/: anyone who reaches the app downloads it as /public/Heap\\.<date>`));
    // Beside the static dir, not in it: a dump only the app's user reads is what it was (medium; low in unittest, as here).
    mm(process.env, 'NODE_OPTIONS', `${options} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${path.join(dir, 'diag')}`);
    const beside = (await bootReport(dir)).findings.filter((hit: { ruleId: string }) => hit.ruleId === 'SEN306');
    assert.deepEqual(beside.map((hit: { severity: string; target: string }) => [ hit.severity, hit.target ]), [[ 'low', 'NODE_OPTIONS --heapsnapshot-signal' ]]);
    // Reported only: what node writes there with these flags, from a process holding a secret, is anyone's to download.
    mm(process.env, 'NODE_OPTIONS', options);
    fs.writeFileSync(path.join(dir, 'config/config.default.js'), config('never'));
    const app = await bootApp(dir);
    try {
      const secret = 'Zk3q9XvB7pLw2RtY8sNc4HmJ6fDa1QeU';
      const env = { PATH: process.env.PATH, DUMPED_TOKEN: secret };
      spawnSync(process.execPath, [ '--report-uncaught-exception', `--report-directory=${publicDir}`, '-e', 'throw new Error("any uncaught exception")' ], { env });
      spawnSync(process.execPath, [ '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${publicDir}`, '-e',
        'globalThis.kept = process.env.DUMPED_TOKEN; process.kill(process.pid, "SIGUSR2"); setTimeout(() => {}, 1000)' ], { env });
      const dumped = fs.readdirSync(publicDir).filter(file => file !== 'index.html');
      assert.deepEqual(dumped.map(file => file.replace(/\.\d+\.\d+\.\d+\.\d+\.\d+\./, '.<date>.')).sort(), [ 'Heap.<date>.heapsnapshot', 'report.<date>.json' ]);
      for (const file of dumped) {
        const res = await app.httpRequest().get(`/public/${file}`).buffer(true).parse((response, callback) => {
          let body = '';
          response.on('data', (chunk: Buffer) => { body += chunk.toString('latin1'); });
          response.on('end', () => callback(null, body));
        });
        assert.equal(res.status, 200, file);
        assert.ok((res.body as string).includes(secret), `${file} holds the secret`);
      }
    } finally {
      await app.close();
    }
  });

  it('SEN306: LD_PRELOAD of a library every user can replace refuses boot; the system\'s own library preloaded (jemalloc-like) is noted and boots (black-box round 27, h91 F4)', async function() {
    if (process.platform !== 'linux') this.skip();
    withSecureEnv();
    mm.env('prod');
    const ld = fs.realpathSync(tempDir('ld-preload'));
    dirs.push(ld);
    const evil = path.join(ld, 'evil.so');
    // A real library where a C compiler is at hand: the loader runs its constructor in node before any JavaScript.
    fs.writeFileSync(path.join(ld, 'evil.c'), `#include <stdio.h>\n__attribute__((constructor)) static void init(void) { FILE *f = fopen("${ld}/ran", "a"); if (f) { fputs("ran\\n", f); fclose(f); } }\n`);
    const compiled = spawnSync('cc', [ '-shared', '-fPIC', '-o', evil, path.join(ld, 'evil.c') ]).status === 0;
    if (compiled) {
      spawnSync(process.execPath, [ '-e', '0' ], { env: { PATH: process.env.PATH, LD_PRELOAD: evil } });
      assert.equal(fs.readFileSync(path.join(ld, 'ran'), 'utf8'), 'ran\n', 'the preloaded library ran in node');
    } else {
      fs.writeFileSync(evil, '\x7fELF');
    }
    fs.chmodSync(evil, 0o666);
    fs.chmodSync(ld, 0o777);
    mm(process.env, 'LD_PRELOAD', evil);
    const message = await expectRefused(fixture('cfg-secure'), /SEN306/);
    assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
    assert.match(message, new RegExp(`high {5}SEN306[^\\n]*\\n.*the environment sets LD_PRELOAD="${escapeRegExp(evil)}": the dynamic loader loads it into every process \\(egg-scripts, the master, the agent, ` +
      `each worker and every program they run\\) before node starts, where no check or preflight can stop it, and ${escapeRegExp(evil)} is writable by every user \\(mode 0666\\)`));
    assert.match(message, new RegExp(`where: environment LD_PRELOAD ${escapeRegExp(evil)} \\(from environment\\)`));
    // zlib stands in for jemalloc: root's, in the system's multiarch library dir. A common production setup, which must boot.
    const system = [ '/usr/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/aarch64-linux-gnu/libz.so.1', '/usr/lib64/libz.so.1', '/lib/libz.so.1' ]
      .find(file => fs.existsSync(file) && fs.statSync(fs.realpathSync(file)).uid === 0);
    if (!system) return;
    mm(process.env, 'LD_PRELOAD', system);
    const hits = (await bootReport(fixture('cfg-secure'))).findings.filter((hit: { ruleId: string }) => hit.ruleId === 'SEN306');
    assert.deepEqual(hits.map((hit: { severity: string; target: string }) => [ hit.severity, hit.target ]), [[ 'low', `environment LD_PRELOAD ${system}` ]]);
  });

  it('SEN306: an empty LD_LIBRARY_PATH entry is each process\'s working directory, so a program the app runs in an upload dir loads a library planted there: boot refused; absolute entries boot (review of round 27, H3)', async function() {
    if (process.platform !== 'linux') this.skip();
    withSecureEnv();
    mm.env('prod');
    const uploads = fs.realpathSync(tempDir('ld-uploads'));
    dirs.push(uploads);
    // What an upload leaves there; where a C compiler is at hand, a real library whose constructor marks that it ran.
    const planted = 'libsentinel-planted.so';
    fs.writeFileSync(path.join(uploads, 'planted.c'), `#include <stdio.h>\n__attribute__((constructor)) static void init(void) { FILE *f = fopen("${uploads}/ran", "a"); if (f) { fputs("ran\\n", f); fclose(f); } }\n`);
    if (spawnSync('cc', [ '-shared', '-fPIC', '-o', path.join(uploads, planted), path.join(uploads, 'planted.c') ]).status === 0) {
      // A program the app runs there (`execFile(…, { cwd: uploadDir })`) with the app's environment: ld.so finds the library in the empty entry.
      spawnSync(process.execPath, [ '-e', '0' ], { cwd: uploads, env: { PATH: process.env.PATH, LD_LIBRARY_PATH: '/usr/lib:', LD_PRELOAD: planted } });
      assert.equal(fs.readFileSync(path.join(uploads, 'ran'), 'utf8'), 'ran\n', 'the planted library ran in the program started in the upload dir');
    }
    mm(process.env, 'LD_LIBRARY_PATH', '/usr/lib:');
    const message = await expectRefused(fixture('cfg-secure'), /SEN306/);
    assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
    assert.match(message, /high {5}SEN306[^\n]*\n.*the environment's LD_LIBRARY_PATH lists an empty entry: the dynamic loader looks there before the system's dirs for every library every process loads .*, and an empty entry stands for the working directory of each process it starts, not the app's/);
    assert.match(message, /where: environment LD_LIBRARY_PATH \(empty entry\) \(from environment\)/);
    mm(process.env, 'LD_LIBRARY_PATH', '/usr/lib');
    const hits = (await bootReport(fixture('cfg-secure'))).findings.filter((hit: { ruleId: string }) => hit.ruleId === 'SEN306');
    assert.deepEqual(hits, []);
  });

  it('SEN306: /etc/ld.so.preload naming a library every user can replace, and a bare LD_PRELOAD name found in a dir /etc/ld.so.conf lists that every user can write, refuse boot; the machine\'s own files boot (review of round 27, L5)', async function() {
    if (process.platform !== 'linux') this.skip();
    withSecureEnv();
    mm.env('prod');
    // The machine's own: no /etc/ld.so.preload here (or one root keeps), nothing from it reported.
    const own = (await bootReport(fixture('cfg-secure'))).findings.filter((hit: { ruleId: string; target: string }) => hit.ruleId === 'SEN306' && hit.target.startsWith(LOADER_FILES.preload));
    if (!fs.existsSync(LOADER_FILES.preload)) assert.deepEqual(own, []);
    // Tests cannot write /etc: the loader's files are pointed at a copy of it.
    const etc = fs.realpathSync(tempDir('ld-etc'));
    dirs.push(etc);
    fs.chmodSync(etc, 0o755);
    const vendor = path.join(etc, 'vendor');
    fs.mkdirSync(vendor, 0o777);
    fs.chmodSync(vendor, 0o777);
    fs.writeFileSync(path.join(vendor, 'libvendor.so'), '\x7fELF');
    const evil = path.join(etc, 'evil.so');
    fs.writeFileSync(evil, '\x7fELF');
    fs.chmodSync(evil, 0o666);
    fs.mkdirSync(path.join(etc, 'ld.so.conf.d'));
    fs.writeFileSync(path.join(etc, 'ld.so.conf'), 'include /etc/ld.so.conf\ninclude ld.so.conf.d/*.conf\n');
    fs.writeFileSync(path.join(etc, 'ld.so.conf.d/vendor.conf'), `${vendor}\n`);
    fs.writeFileSync(path.join(etc, 'ld.so.preload'), `${evil}\n`);
    mm(LOADER_FILES, 'preload', path.join(etc, 'ld.so.preload'));
    mm(LOADER_FILES, 'conf', path.join(etc, 'ld.so.conf'));
    mm(process.env, 'LD_PRELOAD', 'libvendor.so');
    const message = await expectRefused(fixture('cfg-secure'), /SEN306/);
    assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
    assert.match(message, new RegExp(`high {5}SEN306[^\\n]*\\n.*${escapeRegExp(etc)}/ld\\.so\\.preload \\(read for every process on the machine\\) names "${escapeRegExp(evil)}": the dynamic loader loads it ` +
      `into every process .*, and ${escapeRegExp(evil)} is writable by every user \\(mode 0666\\)`));
    assert.match(message, new RegExp(`where: ${escapeRegExp(etc)}/ld\\.so\\.preload ${escapeRegExp(evil)} \\(from ${escapeRegExp(etc)}/ld\\.so\\.preload\\)`));
    assert.match(message, new RegExp(`the environment sets LD_PRELOAD="libvendor\\.so": .*, and ${escapeRegExp(vendor)}, above ${escapeRegExp(vendor)}/libvendor\\.so, is writable by every user \\(mode 0777\\)`));
    // Nothing preloaded, the vendor's dir root's alone where ld.so.conf lists it (glibc's gconv dir stands for it): the system's, noted.
    const gconv = [ '/usr/lib/x86_64-linux-gnu/gconv', '/usr/lib/aarch64-linux-gnu/gconv', '/usr/lib64/gconv' ].find(dir => fs.existsSync(dir) && fs.statSync(dir).uid === 0);
    const library = gconv && fs.readdirSync(gconv).find(name => name.endsWith('.so'));
    if (!gconv || !library) return;
    fs.rmSync(path.join(etc, 'ld.so.preload'));
    fs.writeFileSync(path.join(etc, 'ld.so.conf.d/vendor.conf'), `${gconv}\n`);
    mm(process.env, 'LD_PRELOAD', library);
    const hits = (await bootReport(fixture('cfg-secure'))).findings.filter((hit: { ruleId: string }) => hit.ruleId === 'SEN306');
    assert.deepEqual(hits.map((hit: { severity: string; target: string }) => [ hit.severity, hit.target ]), [[ 'low', `environment LD_PRELOAD ${library}` ]]);
  });

  it('SEN306: an LD_LIBRARY_PATH dir that does not exist where only root could create it is noted low and boots; one another user could create refuses boot (review of round 27, L6)', async function() {
    const opt = process.platform === 'linux' && fs.existsSync('/opt') ? fs.statSync('/opt') : undefined;
    if (!opt || opt.uid !== 0 || opt.mode & 0o022) this.skip();
    withSecureEnv();
    mm.env('prod');
    const open = fs.realpathSync(tempDir('ld-missing'));
    dirs.push(open);
    fs.chmodSync(open, 0o777);
    // node-oracledb's documented setup on a machine without the client: nothing to load, and only root could put it there.
    const oracle = `/opt/oracle/instantclient-sentinel-${process.pid}`;
    mm(process.env, 'LD_LIBRARY_PATH', `${oracle}:${open}/lib64`);
    const message = await expectRefused(fixture('cfg-secure'), /SEN306/);
    assert.match(message, new RegExp(`high {5}SEN306[^\\n]*\\n.*LD_LIBRARY_PATH lists "${escapeRegExp(open)}/lib64": .*, and ${escapeRegExp(open)}/lib64 does not exist, and ${escapeRegExp(open)}, where it would be created, is writable by every user`));
    mm(process.env, 'LD_LIBRARY_PATH', oracle);
    const hits = (await bootReport(fixture('cfg-secure'))).findings.filter((hit: { ruleId: string }) => hit.ruleId === 'SEN306');
    assert.deepEqual(hits.map((hit: { severity: string; target: string }) => [ hit.severity, hit.target ]), [[ 'low', `environment LD_LIBRARY_PATH ${oracle}` ]]);
    assert.match(hits[0].message, new RegExp(`: ${escapeRegExp(oracle)} does not exist, and only root could create it there, so nothing is loaded from it now`));
  });

  it('SEN306: a HOME whose .node_modules every user can write, where node finds what the app does not install (black-box round 25, h75 F9)', async function() {
    if (process.platform === 'win32') this.skip();
    withSecureEnv();
    mm.env('prod');
    const home = fs.realpathSync(tempDir('home'));
    dirs.push(home);
    fs.mkdirSync(path.join(home, '.node_modules/aws4'), { recursive: true });
    fs.chmodSync(path.join(home, '.node_modules'), 0o777);
    fs.writeFileSync(path.join(home, '.node_modules/aws4/index.js'), 'module.exports = \'planted\';\n');
    // What an optional require (the mongodb driver's of aws4) gets in a process started with this HOME.
    const optional = spawnSync(process.execPath, [ '-e', 'try { console.log(require("aws4")); } catch { console.log("absent"); }' ], { cwd: home, env: { PATH: process.env.PATH, HOME: home }, encoding: 'utf8' });
    assert.equal(optional.stdout.trim(), 'planted');
    mm(process.env, 'HOME', home);
    const message = await expectRefused(fixture('cfg-secure'), /SEN306/);
    assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
    assert.match(message, new RegExp(`the environment's HOME="${home}" makes node look in ${home}/\\.node_modules for modules no node_modules holds .* and ${home}/\\.node_modules is writable by every user \\(mode 0777\\)`));
  });

  describe('SEN306: tsconfig.json paths outside the app, which egg-core makes every require() follow in a TypeScript app (black-box round 27, h91 F5)', () => {
    // egg-core's tsconfig-paths patches Module._resolveFilename of this (the test) process for good: undone after each boot here.
    const moduleInternals = Module as unknown as { _resolveFilename: unknown };
    let resolveFilename: unknown;
    beforeEach(() => { resolveFilename = moduleInternals._resolveFilename; });
    afterEach(() => { moduleInternals._resolveFilename = resolveFilename; });

    /** A directory outside the app every user can write, holding a module `sentinel-planted-mod` that marks that it ran. */
    const sharedDir = () => {
      const shared = fs.realpathSync(tempDir('shared-typings'));
      dirs.push(shared);
      fs.chmodSync(shared, 0o777);
      fs.mkdirSync(path.join(shared, 'sentinel-planted-mod'));
      fs.writeFileSync(path.join(shared, 'sentinel-planted-mod/index.js'), 'globalThis.sentinelPlantedRan = true;\nmodule.exports = \'planted from \' + __dirname;\n');
      return shared;
    };
    /** A TypeScript egg app (`typescript`: package.json's egg.typescript) whose controller requires sentinel-planted-mod by its bare name. */
    const tsApp = (name: string, typescript: boolean, files: Record<string, string>, failOn = 'never') => temp(name, {
      'package.json': JSON.stringify({ name, ...(typescript && { egg: { typescript: true } }) }),
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', sentinel: { failOn: '${failOn}' } };\n`,
      'app/router.js': 'module.exports = app => { app.router.get(\'/\', app.controller.home.index); };\n',
      'app/controller/home.js': 'module.exports = app => class extends app.Controller { async index() { this.ctx.body = require(\'sentinel-planted-mod\'); } };\n',
      ...files,
    });
    const tsconfigHits = (report: Record<string, any>) => (report.findings as Array<{ ruleId: string; severity: string; target: string; message: string }>)
      .filter(hit => hit.ruleId === 'SEN306' && hit.target.includes('compilerOptions'));

    it('"*" mapped to a shared dir: every bare require of the app loads code from there; reported high, naming the file and key', async () => {
      withSecureEnv();
      mm(globalThis, 'sentinelPlantedRan', false);
      const shared = sharedDir();
      // tsconfig.json allows comments and trailing commas.
      const dir = tsApp('cfg-tsconfig-paths', true, { 'tsconfig.json': `{\n  // shared typings\n  "compilerOptions": {\n    "strict": true,\n    "baseUrl": ".",\n    "paths": { "*": [ ${JSON.stringify(`${shared}/*`)} ], },\n  },\n}\n` });
      const app = await bootApp(dir);
      try {
        const response = await app.httpRequest().get('/').expect(200);
        assert.equal(response.text, `planted from ${shared}/sentinel-planted-mod`, 'the controller\'s bare require loaded the planted module');
        assert.equal((globalThis as { sentinelPlantedRan?: boolean }).sentinelPlantedRan, true);
        const hits = tsconfigHits((app as any).sentinel.report);
        assert.deepEqual(hits.map(hit => `${hit.severity} ${hit.target}`), [ 'high tsconfig.json compilerOptions.paths["*"][0]' ]);
        assert.match(hits[0].message, new RegExp(`^tsconfig\\.json compilerOptions\\.paths\\["\\*"\\]\\[0\\] maps every bare require\\(\\) to "${escapeRegExp(shared)}/\\*", and egg-core registers ` +
          `tsconfig-paths for it \\(EGG_TYPESCRIPT=true, a tsconfig\\.json in the app root\\): every process looks there before node_modules, ` +
          `and runs code from ${escapeRegExp(shared)}, outside the app and the node_modules it resolves from$`));
      } finally {
        await app.close();
      }
    });

    it('paths from an extended tsconfig: boot refused in prod, naming the file that writes them (black-box round 36, h112 F7)', async () => {
      withSecureEnv();
      mm.env('prod');
      const shared = sharedDir();
      const dir = tsApp('cfg-tsconfig-extends', false, {
        'tsconfig.json': '{ "extends": "./tsconfig.base", "compilerOptions": { "strict": true } }\n',
        'tsconfig.base.json': JSON.stringify({ compilerOptions: { paths: { '@app/*': [ 'app/*' ], 'sentinel-planted-mod': [ `${shared}/sentinel-planted-mod` ] } } }),
      }, 'high');
      const message = await expectRefused(dir, /SEN306/);
      assert.deepEqual(refusedIds(message), [ 'SEN306' ]);
      assert.match(message, new RegExp('tsconfig\\.base\\.json compilerOptions\\.paths\\["sentinel-planted-mod"\\]\\[0\\] \\(extended by tsconfig\\.json\\) maps require\\("sentinel-planted-mod"\\) ' +
        `to "${escapeRegExp(shared)}/sentinel-planted-mod", and egg-core registers tsconfig-paths for it \\(EGG_TYPESCRIPT=true, `));
      assert.match(message, /fix: +Point compilerOptions\.paths\["sentinel-planted-mod"\]\[0\] in tsconfig\.base\.json into the app/);
      assert.match(message, /waive SEN306 for target `tsconfig\.json compilerOptions\.paths\["sentinel-planted-mod"\]\[0\]`/);
      assert.doesNotMatch(message, /@app/, 'a mapping into the app is fine');
    });

    it('stays quiet for mappings into the app and its node_modules, a baseUrl in the app, and a tsconfig egg-core does not read', async () => {
      withSecureEnv();
      const shared = sharedDir();
      const secure = tsApp('cfg-tsconfig-secure', true, {
        'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@/*': [ 'app/*' ], '*': [ 'node_modules/*', 'typings/*' ] } } }),
        'tsconfig.types.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '*': [ `${shared}/*` ] } } }),
      });
      const baseUrlOnly = tsApp('cfg-tsconfig-base-url', true, { 'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.' } }) });
      for (const dir of [ secure, baseUrlOnly ]) {
        assert.deepEqual(tsconfigHits(await bootReport(dir)), [], dir);
      }
    });

    /** A directory outside the app only this user can write (mode 0755), holding `tsconfig.base.json` with `mode`. */
    const sharedConfig = (mode: number) => {
      const config = fs.realpathSync(tempDir('shared-tsconfig'));
      dirs.push(config);
      fs.chmodSync(config, 0o755);
      fs.writeFileSync(path.join(config, 'tsconfig.base.json'), JSON.stringify({ compilerOptions: { strict: true } }));
      fs.chmodSync(path.join(config, 'tsconfig.base.json'), mode);
      return path.join(config, 'tsconfig.base.json');
    };
    const fileHits = (report: Record<string, any>) => (report.findings as Array<{ ruleId: string; severity: string; target: string; source: string; message: string; fix: string }>)
      .filter(hit => hit.ruleId === 'SEN306' && /tsconfig[^ ]*\.json$/.test(hit.target));

    it('an extended tsconfig every user can write: reported high while its paths are still harmless; once another user adds one, the next boot runs their code (review of round 27, M6)', async () => {
      withSecureEnv();
      mm(globalThis, 'sentinelPlantedRan', false);
      const shared = sharedDir();
      const base = sharedConfig(0o666);
      const dir = tsApp('cfg-tsconfig-writable-base', true, {});
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: path.relative(dir, base), compilerOptions: { baseUrl: '.' } }));
      const first = await bootReport(dir);
      assert.deepEqual(tsconfigHits(first), [], 'no path leaves the app yet');
      const hits = fileHits(first);
      assert.deepEqual(hits.map(hit => `${hit.severity} ${hit.target} ${hit.source}`), [ `high ${base} tsconfig.json` ]);
      assert.match(hits[0].message, new RegExp(`^${escapeRegExp(base)} is writable by every user \\(mode 0666\\), and tsconfig-paths reads the paths every require\\(\\) follows from it ` +
        '\\(in the `extends` chain of tsconfig\\.json; egg-core registers tsconfig-paths for it: EGG_TYPESCRIPT=true, a tsconfig\\.json in the app root\\): ' +
        'that user can map every bare require\\(\\) to their own code'));
      assert.match(hits[0].fix, new RegExp(`^Make ${escapeRegExp(base)}, and the directories above it, owned by the app's user or root and writable by them only`));
      // Another user adds a path after the check: the next process egg starts (a worker egg-cluster forks again) follows it.
      fs.writeFileSync(base, JSON.stringify({ compilerOptions: { paths: { 'sentinel-planted-mod': [ `${shared}/sentinel-planted-mod` ] } } }));
      const app = await bootApp(dir);
      try {
        const response = await app.httpRequest().get('/').expect(200);
        assert.equal(response.text, `planted from ${shared}/sentinel-planted-mod`, 'the controller\'s bare require loaded the module the other user mapped');
        assert.equal((globalThis as { sentinelPlantedRan?: boolean }).sentinelPlantedRan, true);
      } finally {
        await app.close();
      }
    });

    it('stays quiet for a tsconfig and an `extends` chain only the app\'s user can change: a shared base config, a package\'s in node_modules', async () => {
      withSecureEnv();
      const base = sharedConfig(0o644);
      const dir = tsApp('cfg-tsconfig-owned-base', true, {
        'node_modules/@sentinel-test/tsconfig/tsconfig.json': JSON.stringify({ extends: './tsconfig.node.json', compilerOptions: { strict: true } }),
        'node_modules/@sentinel-test/tsconfig/tsconfig.node.json': JSON.stringify({ compilerOptions: { target: 'es2022' } }),
      });
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: [ path.relative(dir, base), '@sentinel-test/tsconfig/tsconfig.json' ], compilerOptions: { baseUrl: '.' } }));
      const report = await bootReport(dir);
      assert.deepEqual([ ...tsconfigHits(report), ...fileHits(report) ], []);
    });
  });
});

describe('SEN207: a directory egg writes to that another user controls (mm.app, black-box round 24)', () => {
  const dirs: string[] = [];
  afterEach(mm.restore);
  after(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

  async function bootWithRunDir(runDir: string): Promise<Record<string, any>> {
    const dir = tempApp('cfg-run-dir', {
      'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', rundir: ${JSON.stringify(runDir)}, sentinel: { failOn: 'never' } };\n`,
    });
    dirs.push(dir);
    return bootReport(dir);
  }

  it('a run dir every user can write is high in prod, and its planted symlink really turns egg\'s dump into an overwrite', async () => {
    mm.env('prod');
    const shared = tempDir('shared-run');
    dirs.push(shared);
    fs.chmodSync(shared, 0o777);
    const victim = path.join(shared, '..', `${path.basename(shared)}-victim.txt`);
    dirs.push(victim);
    fs.writeFileSync(victim, 'the victim file\n');
    fs.symlinkSync(victim, path.join(shared, 'application_config.json'));
    const report = await bootWithRunDir(shared);
    const finding = report.findings.find((item: any) => item.ruleId === 'SEN207');
    assert.equal(finding?.severity, 'high', JSON.stringify(report.findings.map((item: any) => item.ruleId)));
    assert.match(finding.message, /config\.rundir \(.*sentinel-shared-run-.*\) is writable by every user \(mode 0777\): that user can plant symlinks where this app writes egg's config dumps/);
    assert.notEqual(fs.readFileSync(victim, 'utf8'), 'the victim file\n', 'egg wrote its dump through the planted symlink');
  });

  it('a run dir in a parent every user can write is high unless the parent is sticky (/tmp); one only this user writes is quiet', async () => {
    mm.env('prod');
    const parent = tempDir('run-parent');
    dirs.push(parent);
    fs.mkdirSync(path.join(parent, 'run'), { mode: 0o700 });
    fs.chmodSync(parent, 0o777);
    const inOpenParent = (await bootWithRunDir(path.join(parent, 'run'))).findings.filter((item: any) => item.ruleId === 'SEN207');
    assert.match(inOpenParent[0]?.message ?? '', /is in .*sentinel-run-parent-.*, which is writable by every user \(mode 0777\)/);
    fs.chmodSync(parent, 0o1777);
    assert.deepEqual((await bootWithRunDir(path.join(parent, 'run'))).findings.filter((item: any) => item.ruleId === 'SEN207'), []);
    fs.chmodSync(parent, 0o700);
    assert.deepEqual((await bootWithRunDir(path.join(parent, 'run'))).findings.filter((item: any) => item.ruleId === 'SEN207'), []);
    // Two levels up (EGG_HOME under a world-writable directory, egg's logs/<app> below it; black-box round 40, h3 F7).
    fs.mkdirSync(path.join(parent, 'home/run'), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.join(parent, 'home'), 0o755);
    fs.chmodSync(parent, 0o777);
    const deeper = (await bootWithRunDir(path.join(parent, 'home/run'))).findings.filter((item: any) => item.ruleId === 'SEN207');
    assert.match(deeper[0]?.message ?? '', /home\/run\) is in .*sentinel-run-parent-\w+, which is writable by every user \(mode 0777\)/);
  });

  it('a log file named by an absolute logger.appLogName into a directory every user can write is reported under that key, the message naming the file\'s directory (black-box round 27, h91 F1; review of round 27, L8)', async () => {
    mm.env('prod');
    const shared = tempDir('shared-logs');
    dirs.push(shared);
    const bootWithLogIn = async (logDir: string) => {
      const dir = tempApp('cfg-log-file-dir', {
        'config/config.default.js': `module.exports = { keys: '${STRONG_KEY}', logger: { appLogName: ${JSON.stringify(path.join(logDir, 'app-web.log'))} }, sentinel: { failOn: 'never' } };\n`,
      });
      dirs.push(dir);
      return (await bootReport(dir)).findings.filter((item: any) => item.ruleId === 'SEN207');
    };
    // Only this user's (mkdtemp's 0700 in the sticky /tmp): quiet.
    assert.deepEqual(await bootWithLogIn(shared), []);
    fs.chmodSync(shared, 0o777);
    const findings = await bootWithLogIn(shared);
    assert.deepEqual(findings.map((item: any) => item.target), [ 'config.logger.appLogName' ]);
    // The key names the file; the directory it is in is the one judged, and the message says so.
    assert.match(findings[0].message, /^the directory of config\.logger\.appLogName \(.*sentinel-shared-logs-[^/]*\) is writable by every user \(mode 0777\): that user can plant symlinks where this app writes that log file/);
    assert.ok(fs.existsSync(path.join(shared, 'app-web.log')), 'egg-logger writes the file there');
  });
});

describe('env helpers in a real config file (mm.app)', () => {
  const dirs: string[] = [];
  afterEach(mm.restore);
  after(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

  it('a missing variable stops boot with an error naming it', async () => {
    const dir = tempApp('cfg-env-missing', {
      'config/config.default.js': `const { env } = require(${JSON.stringify(path.join(ROOT, 'index'))});\n` +
        `module.exports = { keys: '${STRONG_KEY}', mysql: { password: env.secret('CFG_SURELY_MISSING_PASSWORD') } };\n`,
    });
    dirs.push(dir);
    const message = await expectRefused(dir, /CFG_SURELY_MISSING_PASSWORD/);
    assert.match(message, /environment variable CFG_SURELY_MISSING_PASSWORD is not set/);
  });

  it('JSON with a __proto__ key stops boot, without echoing the value', async () => {
    mm(process.env, 'CFG_FEATURES', '{"beta":true,"__proto__":{"isAdmin":true}}');
    const dir = tempApp('cfg-env-proto', {
      'config/config.default.js': `const { env } = require(${JSON.stringify(path.join(ROOT, 'index'))});\n` +
        `module.exports = { keys: '${STRONG_KEY}', features: env.json('CFG_FEATURES', { type: 'object' }) };\n`,
    });
    dirs.push(dir);
    const message = await expectRefused(dir, /CFG_FEATURES/);
    assert.match(message, /holds JSON with a __proto__ or constructor\.prototype key/);
    assert.ok(!message.includes('isAdmin'));
  });
});
