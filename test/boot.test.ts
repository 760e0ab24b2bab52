import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mm from 'egg-mock';
import { passphraseWordList } from '../lib/key-strength';
import { bootApp, expectRefused, fixture, mockCluster, readReport, reportFindings, tempApp } from './helpers';
import { tempDir } from './temp-dir';

describe('boot checks in a real egg app (mm.app)', () => {
  afterEach(mm.restore);

  describe('secure app', () => {
    let app: ReturnType<typeof mm.app>;
    const baseDir = fixture('secure-app');
    before(async () => {
      fs.rmSync(path.join(baseDir, 'run'), { recursive: true, force: true });
      app = await bootApp(baseDir);
    });
    after(() => app.close());

    it('boots with zero findings and serves requests', async () => {
      const report = (app as any).sentinel.report;
      assert.deepEqual(report.findings, []);
      assert.equal(report.refused, false);
      await app.httpRequest().get('/').expect(200);
    });

    it('writes run/sentinel-report.json with mode 0600 and no secret value', () => {
      const { mode, json, text } = readReport(baseDir);
      assert.equal(mode, 0o600);
      assert.equal(json.tool.name, 'egg-sentinel');
      assert.equal(json.process, 'app');
      assert.equal(json.app.env, 'unittest');
      assert.ok(!text.includes('Qm9vdC1zZWN1cmUtZml4dHVyZS1rZXktN3hQcTJ3Rk'), 'the cookie key must not appear');
    });

    it('says where the checks spent their time: the config files read again, per collector, per rule area, the report and the total', () => {
      const { timings } = readReport(baseDir).json;
      for (const name of [ 'configFiles', 'facts.plugins', 'facts.middleware', 'facts.files', 'facts.builtins', 'rules.plugins', 'rules.middleware', 'report', 'total' ]) {
        assert.equal(typeof timings[name], 'number', name);
        assert.ok(timings[name] >= 0, name);
      }
      const parts = Object.entries(timings).filter(([ name ]) => name !== 'total').reduce((sum, [ , ms ]) => sum + (ms as number), 0);
      assert.ok(timings.total + 0.5 * Object.keys(timings).length >= parts, `the parts (${parts} ms) fit in the total (${timings.total} ms)`);
    });
  });
});

describe('refused boots (mm.app)', () => {
  afterEach(mm.restore);

  it('SEN201: scaffolded cookie keys refuse boot in prod, naming the rule, the key and the file', async () => {
    mm.env('prod');
    const message = await expectRefused(fixture('weak-keys'), /SEN201/);
    assert.match(message, /boot refused/);
    assert.match(message, /config\.keys/);
    assert.match(message, /config\/config\.default\.ts/);
    assert.match(message, /scaffold form/);
    assert.ok(!message.includes('1700000000000_4321'), 'the key itself is never printed');
  });
});

describe('cookie keys judged by the bits they carry (mm.app, black-box round 25, h74 F12)', () => {
  afterEach(mm.restore);
  const baseDir = fixture('keys-from-env');

  it('16 random bytes from the environment boot in prod, in base64url (22 characters) and in base64 (24)', async () => {
    mm.env('prod');
    for (const key of [ 'P4j94U4tB3AEI0XyHHDAyA', 'SJyADaCvDAo7xoz4ph5qKw==' ]) {
      mm(process.env, 'SENTINEL_FIXTURE_KEYS', key);
      const app = await bootApp(baseDir);
      try {
        assert.equal(app.config.keys, key, 'the key came from the environment');
        assert.deepEqual(reportFindings(app, 'SEN201'), [], key);
      } finally {
        await app.close();
      }
    }
  });

  it('a 22-character phrase and 16 random bytes in base64url (96 bits) still refuse boot in prod, naming why', async () => {
    mm.env('prod');
    mm(process.env, 'SENTINEL_FIXTURE_KEYS', 'PurpleElephantDancing1');
    const phrase = await expectRefused(baseDir, /SEN201/);
    assert.match(phrase, /config\.keys: the key is 22 characters long and reads as text, not as random bytes: under 32 characters only the base64 or base64url of 16 or more random bytes passes/);
    assert.match(phrase, /the keys come from an environment variable the config reads, and it is that value that is weak/);
    mm(process.env, 'SENTINEL_FIXTURE_KEYS', 'F6Cfp0-CVFiDu_-3');
    const short = await expectRefused(baseDir, /SEN201/);
    assert.match(short, /the key is 16 characters long: even random, 16 such characters carry at most 96 bits \(at least 128 needed/);
    assert.ok(!short.includes('F6Cfp0') && !phrase.includes('Elephant'), 'the key itself is never printed');
  });
});

describe('cookie keys as cracking rule sets read them (mm.app, black-box round 30, h106 F2)', () => {
  afterEach(mm.restore);
  // An app named h106app whose cookie keys and failOn come from the environment (read at each boot: egg caches the
  // module), with a page for the signed-in admin.
  const baseDir = tempApp('h106app', {
    'config/config.default.js': 'module.exports = () => ({ keys: process.env.SENTINEL_FIXTURE_KEYS, sentinel: { failOn: process.env.SENTINEL_FIXTURE_FAIL_ON } });\n',
    'app/router.js': "module.exports = app => { app.router.get('/admin', async ctx => {\n" +
      "  const user = ctx.cookies.get('user', { signed: true });\n  ctx.status = user === 'admin' ? 200 : 403; ctx.body = user === 'admin' ? 'admin data' : 'forbidden';\n}); };\n",
  });
  after(() => fs.rmSync(baseDir, { recursive: true, force: true }));
  const LEET = 'c00k1e-k3y-pr0duct10n-s3cr3t-2024';

  it('SEN201: a words key in leetspeak, backwards, in ROT13 or in base32 refuses boot in prod, saying how it reads and never the key', async () => {
    mm.env('prod');
    for (const [ key, why ] of <Array<[ string, RegExp ]>> [
      [ LEET, /the key is guessable: with its leetspeak undone, it is mostly the app's name and words keys are made of \(cookie, key, prod…\), beside which about \d+ bits remain/ ],
      [ 'yek-eikooc-terces-repus-ym-si-siht', /the key is guessable: read backwards, it is mostly the app's name and words keys are made of/ ],
      [ 'guvf-vf-zl-fhcre-frperg-pbbxvr-xrl', /the key is guessable: in ROT13, it is mostly the app's name and words keys are made of/ ],
      // base32 of "h106app-cookie-secret-key"
      [ 'NAYTANTBOBYC2Y3PN5VWSZJNONSWG4TFOQWWWZLZ', /the key is base32 of text that is guessable: it is mostly the app's name and words keys are made of/ ],
    ]) {
      mm(process.env, 'SENTINEL_FIXTURE_KEYS', key);
      const message = await expectRefused(baseDir, /SEN201/);
      assert.match(message, new RegExp(`config\\.keys: ${why.source}`), key);
      assert.ok(!message.includes(key) && !message.includes(key.slice(0, 10)), 'the key itself is never printed');
    }
  });

  it('SEN201: let boot, a cookie signed with the guessed key opens the admin page; a random key boots clean and refuses it', async () => {
    const forged = `user=admin; user.sig=${crypto.createHmac('sha256', LEET).update('user=admin').digest('base64url')}`;
    const admin = async (key: string) => {
      mm(process.env, 'SENTINEL_FIXTURE_KEYS', key);
      const app = await bootApp(baseDir);
      try {
        const findings = reportFindings(app, 'SEN201');
        const response = await app.httpRequest().get('/admin').set('Cookie', forged);
        return { findings, status: response.status };
      } finally {
        await app.close();
      }
    };
    mm.env('prod');
    mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'never');
    const guessed = await admin(LEET);
    assert.equal(guessed.findings.length, 1);
    assert.equal(guessed.status, 200, 'the forged cookie is accepted');
    const random = await admin(crypto.randomBytes(32).toString('base64url'));
    assert.deepEqual([ random.findings, random.status ], [[], 403 ]);
  });
});

describe('cookie keys: passphrases by their words, a password manager\'s keys, the app\'s name before a random key (mm.app, black-box round 32, h108 F1/F5/F9)', () => {
  afterEach(mm.restore);
  // An app named order-service whose keys (after its name when SENTINEL_FIXTURE_PREFIX is set, as egg's scaffold
  // writes them) and failOn come from the environment, read at each boot, with a sign-in and a page for the admin.
  const baseDir = tempApp('order-service', {
    'config/config.default.js': 'module.exports = appInfo => ({ keys: (process.env.SENTINEL_FIXTURE_PREFIX ? appInfo.name + \'_\' : \'\') + process.env.SENTINEL_FIXTURE_KEYS, ' +
      'sentinel: { failOn: process.env.SENTINEL_FIXTURE_FAIL_ON } });\n',
    'app/router.js': "module.exports = app => {\n  app.router.get('/login', async ctx => { ctx.cookies.set('user', 'guest', { signed: true }); ctx.body = 'welcome'; });\n" +
      "  app.router.get('/admin', async ctx => {\n    const user = ctx.cookies.get('user', { signed: true });\n" +
      "    ctx.status = user === 'admin' ? 200 : 403; ctx.body = user === 'admin' ? 'admin data' : 'forbidden';\n  });\n};\n",
  });
  after(() => fs.rmSync(baseDir, { recursive: true, force: true }));
  // Four and six words the report drew from the EFF list (52 and 78 bits), and ten (129 bits).
  const FOUR_WORDS = 'clarity-pajamas-egotistic-suspense';
  const SIX_WORDS = 'grew-harbor-pushchair-disallow-ascertain-crabbing';
  const TEN_WORDS = 'jigsaw-pellet-oxidize-gravel-lantern-humid-tripod-plunder-abacus-zoom';
  const sign = (key: string, cookie: string) => crypto.createHmac('sha256', key).update(cookie).digest('base64url');

  it('SEN201/SEN502: four diceware words as the cookie key, or six as the IPC secret, refuse boot in prod, saying the bits the words carry and never them', async () => {
    mm.env('prod');
    mm(process.env, 'SENTINEL_FIXTURE_KEYS', FOUR_WORDS);
    const keys = await expectRefused(baseDir, /SEN201/);
    assert.match(keys, /config\.keys: the key is guessable: it is 4 words of a passphrase word list \(the EFF's, which diceware draws from: 12\.9 bits a word, whatever its length\), which carry about 52 bits in all \(at least 128 needed\)/);
    mm(process.env, 'SENTINEL_FIXTURE_KEYS', crypto.randomBytes(32).toString('base64url'));
    mm(process.env, 'EGG_SENTINEL_IPC_SECRET', SIX_WORDS);
    const ipc = await expectRefused(baseDir, /SEN502/);
    assert.match(ipc, /the IPC secret carries about 78 bits of entropy \(at least 256 needed\): it is 6 words of a passphrase word list/);
    for (const word of [ ...FOUR_WORDS.split('-'), ...SIX_WORDS.split('-') ]) assert.ok(!keys.includes(word) && !ipc.includes(word), 'no word is printed');
  });

  it('SEN201: let boot, a guesser finds the four words a word at a time from the sign-in cookie and forges the admin\'s; ten words boot clean and refuse the forgery', async () => {
    const boot = async (key: string, visit: (app: ReturnType<typeof mm.app>) => Promise<number>) => {
      mm(process.env, 'SENTINEL_FIXTURE_KEYS', key);
      const app = await bootApp(baseDir);
      try {
        return { findings: reportFindings(app, 'SEN201').length, status: await visit(app) };
      } finally {
        await app.close();
      }
    };
    mm.env('prod');
    mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'never');
    let forged = '';
    const guessed = await boot(FOUR_WORDS, async app => {
      const signIn = (await app.httpRequest().get('/login').expect(200)).headers['set-cookie'] as unknown as string[];
      const signature = /user\.sig=([^;]+)/.exec(signIn.join(';'))?.[1];
      // Each word is one of the list's 7,776, however long: given three, the fourth takes 7,776 HMACs (all four, 2^52).
      const first = FOUR_WORDS.split('-').slice(0, 3).join('-');
      const found = passphraseWordList().words.map(word => `${first}-${word}`).find(key => sign(key, 'user=guest') === signature);
      assert.equal(found, FOUR_WORDS, 'the fourth word is found');
      forged = `user=admin; user.sig=${sign(FOUR_WORDS, 'user=admin')}`;
      return (await app.httpRequest().get('/admin').set('Cookie', forged)).status;
    });
    assert.deepEqual(guessed, { findings: 1, status: 200 }, 'the forged cookie opens the admin page');
    const ten = await boot(TEN_WORDS, async app => (await app.httpRequest().get('/admin').set('Cookie', forged)).status);
    assert.deepEqual(ten, { findings: 0, status: 403 });
  });

  it('SEN201: the SHA-256 of a common password, a keyboard walk or AWS\'s example key refuse boot in prod; let boot, hashing the common passwords finds the digest from the sign-in cookie and forges the admin\'s; a random key boots clean (black-box round 34, h110 F1)', async () => {
    mm.env('prod');
    const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
    const DIGEST = sha256('password123');
    for (const [ key, why ] of <Array<[ string, RegExp ]>> [
      [ DIGEST, /config\.keys: the key is the MD5\/SHA digest of a guessable word \(a placeholder, a common password or the app's name\)/ ],
      [ '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p', /config\.keys: the key is guessable: its runs, repeats and words leave about \d+ bits of entropy/ ],
      [ 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', /config\.keys: the key is guessable: it is mostly well-known text \(.*a key documentation prints as an example\)/ ],
    ]) {
      mm(process.env, 'SENTINEL_FIXTURE_KEYS', key);
      const message = await expectRefused(baseDir, /SEN201/);
      assert.match(message, why);
      assert.ok(!message.includes(key.slice(0, 12)) && !message.includes('password123'), 'neither the key nor the word is printed');
    }
    // The IPC secret is judged the same way.
    mm(process.env, 'SENTINEL_FIXTURE_KEYS', crypto.randomBytes(32).toString('base64url'));
    mm(process.env, 'EGG_SENTINEL_IPC_SECRET', DIGEST);
    assert.match(await expectRefused(baseDir, /SEN502/), /the IPC secret carries about 0 bits of entropy \(at least 256 needed\): it is the MD5\/SHA digest of a guessable word/);
    mm(process.env, 'EGG_SENTINEL_IPC_SECRET', '');
    mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'never');
    const boot = async (key: string, forged: () => string) => {
      mm(process.env, 'SENTINEL_FIXTURE_KEYS', key);
      const app = await bootApp(baseDir);
      try {
        const signIn = (await app.httpRequest().get('/login').expect(200)).headers['set-cookie'] as unknown as string[];
        const signature = /user\.sig=([^;]+)/.exec(signIn.join(';'))?.[1];
        // What a guesser tries first: the passwords at the top of every leaked list, hashed.
        const found = [ '123456', 'password', 'qwerty', 'password1', 'password123', 'iloveyou' ].map(sha256).find(guess => sign(guess, 'user=guest') === signature);
        return { findings: reportFindings(app, 'SEN201').length, found, status: (await app.httpRequest().get('/admin').set('Cookie', forged())).status };
      } finally {
        await app.close();
      }
    };
    const forgery = `user=admin; user.sig=${sign(DIGEST, 'user=admin')}`;
    assert.deepEqual(await boot(DIGEST, () => forgery), { findings: 1, found: DIGEST, status: 200 }, 'the digest is found and the forged cookie opens the admin page');
    assert.deepEqual(await boot(crypto.randomBytes(32).toString('hex'), () => forgery), { findings: 0, found: undefined, status: 403 });
  });

  it('SEN201: a password manager\'s 28 random characters with symbols boot clean in prod (black-box round 32, h108 F5)', async () => {
    mm.env('prod');
    mm(process.env, 'SENTINEL_FIXTURE_KEYS', '@UrKV(6l<iPmwA}>VO_;war%6~>2');
    const app = await bootApp(baseDir);
    try {
      assert.deepEqual(reportFindings(app, 'SEN201'), []);
    } finally {
      await app.close();
    }
  });

  it('SEN201: the app\'s name and `_` before 16 random bytes in base64url boot clean in prod; before 12 bytes, the key is refused for what follows the name (black-box round 32, h108 F9)', async () => {
    mm.env('prod');
    mm(process.env, 'SENTINEL_FIXTURE_PREFIX', '1');
    mm(process.env, 'SENTINEL_FIXTURE_KEYS', 'AYoFvjVtB-Uh7iRV7Lj3qA');
    const app = await bootApp(baseDir);
    try {
      assert.equal(app.config.keys, 'order-service_AYoFvjVtB-Uh7iRV7Lj3qA');
      assert.deepEqual(reportFindings(app, 'SEN201'), []);
    } finally {
      await app.close();
    }
    mm(process.env, 'SENTINEL_FIXTURE_KEYS', 'F6Cfp0-CVFiDu_-3');
    const message = await expectRefused(baseDir, /SEN201/);
    assert.match(message, /config\.keys: the key is the app's name and a secret that is 16 characters long: even random, 16 such characters carry at most 96 bits/);
  });
});

describe('a boot that fails before its check (mm.app)', () => {
  afterEach(mm.restore);

  it('leaves no report of an earlier boot saying all was well', async () => {
    const baseDir = fixture('secure-app');
    const app = await bootApp(baseDir);
    await app.close();
    assert.equal(readReport(baseDir).json.refused, false, 'the earlier boot\'s report');
    // A typo in config.sentinel (the developer may set it through EGG_APP_CONFIG in unittest) fails the boot.
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failon: 'critical' } }));
    await expectRefused(baseDir, /failon/);
    assert.ok(!fs.existsSync(path.join(baseDir, 'run/sentinel-report.json')), 'the earlier report is gone');
  });
});

describe('waivers (mm.app)', () => {
  afterEach(mm.restore);

  it('a waived finding boots, and the report says who accepted what until when', async () => {
    mm.env('prod');
    const baseDir = fixture('weak-keys-waived');
    const app = await bootApp(baseDir);
    try {
      const [ finding ] = (app as any).sentinel.report.findings;
      assert.equal(finding.ruleId, 'SEN201');
      assert.equal(finding.blocking, false);
      assert.deepEqual(finding.waivedBy, { reason: 'staging box, keys rotated by the deploy job', expires: '2999-12-31' });
      assert.equal(readReport(baseDir).json.waivers[0].state, 'active');
    } finally {
      await app.close();
    }
  });

  it('an expired waiver no longer waives and is itself reported', async () => {
    mm.env('prod');
    const message = await expectRefused(fixture('weak-keys-expired-waiver'), /SEN201/);
    const { json } = readReport(fixture('weak-keys-expired-waiver'));
    const expired = json.findings.find((f: any) => f.ruleId === 'SEN001');
    assert.ok(expired, 'SEN001 reported');
    assert.match(expired.message, /expired on 2020-01-31/);
    assert.equal(json.waivers[0].state, 'expired');
    assert.match(message, /critical SEN201/);
    // The refusal says why the waiver the team wrote did not apply (black-box round 13).
    assert.match(message, /\n {2}note: SEN001 the waiver for SEN201.* expired on 2020-01-31/);
  });
});

describe('SEN301: a traversal in the server env (mm.app)', () => {
  const outside = tempDir('outside');
  const marker = path.join(outside, 'ran.txt');
  afterEach(mm.restore);
  after(() => fs.rmSync(outside, { recursive: true, force: true }));

  it('egg really runs a file outside the app, and the boot is refused naming the source', async () => {
    // config.<env>.js joined with '/../../…' escapes every load unit's config dir and lands on this file.
    fs.writeFileSync(path.join(outside, 'evil.js'), `require('fs').appendFileSync(${JSON.stringify(marker)}, 'ran\\n');\nmodule.exports = {};\n`);
    const traversal = `/${'../'.repeat(30)}${outside.slice(1)}/evil`;
    mm(process.env, 'EGG_SERVER_ENV', traversal);
    const message = await expectRefused(fixture('secure-app'), /SEN301/);
    assert.ok(fs.existsSync(marker), 'the outside file ran: the hole is real');
    assert.match(message, /server env ".*evil" from EGG_SERVER_ENV contains characters outside \[A-Za-z0-9_-\]/);
    assert.match(message, /egg-sentinel\/preflight/);
  });

  it('a config/env file with a path is refused too', async () => {
    const dir = tempApp('env-file', {
      'config/env': 'prod/../prod\n',
      'config/config.default.js': "module.exports = { keys: 'x7Rk2-strong-fixture-key-9aQmZ4bLw8NcY3tVe6Hj' };\n",
    });
    try {
      const message = await expectRefused(dir, /SEN301/);
      assert.match(message, /"prod\/\.\.\/prod" from config\/env file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('refused boot under a real egg-cluster (mm.cluster)', () => {
  afterEach(mm.restore);

  it('a boot that fails in the agent (invalid config.sentinel) removes the report an earlier boot left', async function() {
    this.timeout(90000);
    const baseDir = fixture('secure-app');
    const report = path.join(baseDir, 'run/sentinel-report.json');
    // The report of an earlier boot: its worker is gone.
    const gone = spawnSync(process.execPath, [ '-e', '' ]).pid;
    fs.mkdirSync(path.dirname(report), { recursive: true });
    fs.writeFileSync(report, JSON.stringify({ tool: { name: 'egg-sentinel', version: '0.1.0' }, generatedAt: '2026-01-01T00:00:00.000Z', process: 'app', pid: gone, refused: false }, null, 2));
    mm(process.env, 'EGG_APP_CONFIG', JSON.stringify({ sentinel: { failon: 'never' } }));
    const app = mockCluster({ baseDir, workers: 1 });
    try {
      await app.ready();
      assert.notEqual(app.proc.exitCode, 0);
      assert.match(app.stderr, /failon/);
      assert.ok(!fs.existsSync(report), 'the earlier boot\'s report is gone');
    } finally {
      await app.close();
    }
  });

  it('the worker refuses, the master exits non-zero and stderr names the rule', async function() {
    this.timeout(90000);
    mm.env('prod');
    mm(process.env, 'WEAK_KEYS_REDIS_URL', 'redis://:Cluster-Refused-Pw-41@cache.internal:6379/0');
    const dump = path.join(fixture('weak-keys'), 'run/application_config.json');
    fs.rmSync(dump, { force: true });
    const app = mockCluster({ baseDir: fixture('weak-keys'), workers: 1 });
    try {
      await app.ready(); // egg-mock's ClusterApplication resolves ready() when the master exits
      assert.notEqual(app.proc.exitCode, 0);
      assert.match(app.stderr, /SentinelBootError: \[egg-sentinel\] boot refused by the app/);
      assert.match(app.stderr, /SEN201/);
      // egg dumps config again after the refusal, and the worker exits at once: that dump is masked too.
      const text = fs.readFileSync(dump, 'utf8');
      assert.ok(!text.includes('Cluster-Refused-Pw-41'), 'the secret is in the dump the refused worker left');
      assert.match(text, /redis:\/\/:\[REDACTED\]@cache\.internal/);
    } finally {
      await app.close();
    }
  });
});
