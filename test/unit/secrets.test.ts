import assert from 'node:assert';
import crypto from 'node:crypto';
import { hardCodedSecret, weakCookieKeys } from '../../lib/rules/exposure';
import { collectSecretValues, configSecrets, environmentSecretValues, findSecrets, isSecretKeyName, maskSecrets, maskSecretShapes, placeholderKind, servedSecretKind } from '../../lib/secrets';
import { fakeFacts } from './fake-facts';
import { collectRuntimeFacts } from '../../lib/facts/runtime';
import { walkPlainData } from '../../lib/walk';
import { REDACTED, Redactor } from '../../lib/report/redact';

const PEM_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u';

/** SEN202 on one config value set in config/config.default.ts, in prod. */
function check(key: string, value: unknown, environmentValues: string[] = []) {
  const facts = fakeFacts({
    config: { service: { [key]: value } },
    meta: { [`service.${key}`]: 'config/config.default.ts' },
    runtime: { environmentValues: new Set(environmentValues) },
  });
  return hardCodedSecret.check(facts, { developmentEnv: false });
}

describe('SEN202: 20+ real-looking secrets fire', () => {
  const secrets: Array<[string, unknown, RegExp]> = [
    [ 'password', 'Tq8vN2kL5mW9xR', /secret key name/ ],
    [ 'dbPassword', 'hunter2-prod-db-7731', /secret key name/ ],
    [ 'DB_PASSWD', 'x9!Lm2#Qr8', /secret key name/ ],
    [ 'pwd', 483920, /secret key name/ ],
    [ 'client_secret', 'a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4', /secret key name/ ],
    [ 'apiKey', 'k_8f7e6d5c4b3a29187f6e5d4c', /secret key name/ ],
    [ 'x-api-key', 'Zx81Lq0Pm3Nb7Vc5Xz2Aq9Ws4Ed', /secret key name/ ],
    [ 'secretAccessKey', 'wJalrXUtnFEMIK7MDENGbPxRfiCYq8Zr3Lm2Np5Q', /secret key name/ ],
    [ 'masterKey', 'mk-0c9b8a7f6e5d4c3b2a1f0e9d', /secret key name/ ],
    [ 'accessToken', 'at.2YtqKf9LmZ81Pq0WnXb3', /secret key name/ ],
    [ 'credentials', 'svc-report:Rp0rt!2026', /secret key name/ ],
    [ 'dsn', 'Server=db.internal;Database=app;User Id=app;Password=Tq8vN2kL5mW9xR;', /secret key name/ ],
    [ 'sentryDsn', 'https://4f0c9b8a7e6d:9a8b7c6d5e4f3a2b@sentry.internal/42', /secret key name/ ],
    [ 'ingestDsn', 'https://events.internal/ingest?project=7&token=Zx81Lq0Pm3Nb7Vc5', /secret key name/ ],
    [ 'hook', 'https://hooks.slack.com/services/T024BE7LD/B01ABCDEFGH/Xx1Yy2Zz3Ww4Vv5Uu6Tt7Ss8', /Slack webhook URL/ ],
    [ 'robot', 'https://oapi.dingtalk.com/robot/send?access_token=5f1c9e0b7d3a4c2e8b6f0a1d9c7e5b3a', /URL with a token in its query/ ],
    [ 'aesKey', 'Zx81Lq0Pm3Nb7Vc5', /secret key name/ ],
    [ 'hmacKey', 'Qw3rTy7uI9oP1aS5', /secret key name/ ],
    [ 'url', 'postgres://app:S3cr3tPw@db.internal:5432/app', /URL with a password/ ],
    [ 'broker', 'amqp://svc:R4bb1tMqPw@mq.internal:5672/vhost', /URL with a password/ ],
    [ 'cache', 'redis://:R3d1sS3cr3tPw@cache.internal:6379/0', /URL with a password/ ],
    // Black-box round 13: an ADO.NET connection string, a Discord webhook.
    [ 'connectionString', 'Server=db;User Id=sa;Password=AdoPlanted77x;', /connection string with a password/ ],
    [ 'alerts', 'https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', /Discord webhook URL/ ],
    // Black-box round 14: ODBC's PWD, keywords in any case, quoted and braced values, a versioned Discord path.
    [ 'odbc', 'Driver={ODBC Driver 17};Server=db;UID=svc;PWD=Od8Pw2Secret7y;', /connection string with a password/ ],
    [ 'lower', 'server=db;password=Lw4Pw9Secret2z;', /connection string with a password/ ],
    [ 'quoted', 'Server=db;Password = "Qt6Pw;4Secret5w";', /connection string with a password/ ],
    [ 'braced', 'Server=db;Password={Br4Pw6;Secret3u}', /connection string with a password/ ],
    [ 'alerts2', 'https://DISCORD.com/api/v10/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', /Discord webhook URL/ ],
    // Black-box round 43, h2 F4: chat bots whose URL is the credential.
    [ 'wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=75735c8c-e051-0797-db9c-cba4b1002b4a', /WeCom robot webhook key/ ],
    [ 'feishu', 'https://open.feishu.cn/open-apis/bot/v2/hook/c5318bec-23df-405b-27dc-211124aad583', /Feishu or Lark bot webhook/ ],
    [ 'lark', 'https://open.larksuite.com/open-apis/bot/v2/hook/c5318bec-23df-405b-27dc-211124aad583', /Feishu or Lark bot webhook/ ],
    [ 'telegram', 'https://api.telegram.org/bot6123456789:AAHCvfXpSenpDLePit63Lz8tvxtrPZhRlyM/sendMessage', /Telegram bot token/ ],
    [ 'tgBot', '6123456789:AAHCvfXpSenpDLePit63Lz8tvxtrPZhRlyM', /Telegram bot token/ ],
    [ 'awsId', 'AKIAZ4X7QW2ERT5YUI8O', /AWS access key id/ ],
    [ 'ci', 'ghp_4Fq9ZbX2kLm7Rt8Yw1Nv3Hc6Jd0Gs5Pu2EaT', /GitHub token/ ],
    [ 'fineGrained', `github_pat_11ABCDEFG0${'aZ9'.repeat(20)}`, /GitHub token/ ],
    [ 'gitlab', 'glpat-Xq7Lm2Np9Rt4Vw8Zb1Cd', /GitLab token/ ],
    [ 'bot', 'xoxb-2048193847-5561928374-AbCdEfGhIjKlMnOpQrSt', /Slack token/ ],
    [ 'billing', 'sk_live_51Hq8ZbX2kLm7Rt8Yw1Nv3Hc', /Stripe secret key/ ],
    // Under a browser's or a map's name it is a Maps JavaScript key, public (black-box round 25, h74 F5).
    [ 'geocoder', 'AIzaSyD4Fq9ZbX2kLm7Rt8Yw1Nv3Hc6Jd0Gs5Pu', /Google API key/ ],
    [ 'registry', 'npm_4Fq9ZbX2kLm7Rt8Yw1Nv3Hc6Jd0Gs5Pu2EaT', /npm token/ ],
    // Provider API keys under neutral names (black-box round 26, h85 F12).
    [ 'sendgrid', 'SG.aBcDeFgHiJkLmNoPqRsTuV.wXyZ0123456789abcdefghijklmnopqrstuvwxyzABCD', /SendGrid API key/ ],
    [ 'mailgun', 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0', /Mailgun API key/ ],
    [ 'mailgunHex', 'key-0f9e8d7c6b5a49382716f5e4d3c2b1a0', /Mailgun API key/ ],
    [ 'llm', `sk-proj-${'Xq7Lm2Np9Rt4Vw8Zb1Cd'.repeat(4)}`, /OpenAI API key/ ],
    [ 'llmLegacy', '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', /OpenAI API key/ ],
    [ 'claude', `sk-ant-api03-${'Xq7Lm2Np9Rt4-w8Zb1Cd'.repeat(5)}AA`, /Anthropic API key/ ],
    [ 'hub', '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', /Hugging Face token/ ],
    [ 'shop', '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', /Shopify access token/ ],
    [ 'droplets', `dop_v1_${'0f9e8d7c6b5a4938'.repeat(4)}`, /DigitalOcean token/ ],
    [ 'upload', `pypi-AgEIcHlwaS5vcmc${'Xq7Lm2Np9Rt4Vw8Zb1Cd'.repeat(3)}`, /PyPI token/ ],
    [ 'session', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', /JWT/ ],
    [ 'tls', `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`, /PEM private key/ ],
    [ 'deployKey', `-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----`, /PEM private key/ ],
    [ 'value', `Basic ${Buffer.from('deploy-bot:Hq7Lm2Zx9Wr4').toString('base64')}`, /HTTP Basic credential/ ],
    [ 'authorization', `basic ${Buffer.from('admin:s3cr3tPassword').toString('base64')}`, /HTTP Basic credential/ ],
    [ 'header', `BASIC%20${encodeURIComponent(Buffer.from('admin:s3cr3tPassword!').toString('base64'))}`, /HTTP Basic credential/ ],
    [ 'callbackAuth', 'Bearer 9f8Zq2Lm7Xw4Rt1Vb6Nc3Hd0', /HTTP Bearer token/ ],
    [ 'upstream', 'bearer%20mF_9.B5f-4.1JqM~tZ2xR7pLw', /HTTP Bearer token/ ],
  ];
  assert.ok(secrets.length >= 20);
  for (const [ key, value, kind ] of secrets) {
    it(`${key}: ${String(value).slice(0, 28)}… (${kind.source})`, () => {
      const [ hit, ...rest ] = check(key, value);
      assert.ok(hit, 'no finding');
      assert.equal(rest.length, 0, 'one finding per key');
      assert.equal(hit.severity, 'high');
      assert.equal(hit.target, `config.service.${key}`);
      assert.equal(hit.source, 'config/config.default.ts');
      assert.match(hit.message, kind);
      const text = String(value);
      assert.ok(!hit.message.includes(text) && !hit.message.includes(text.length > 16 ? text.slice(8, 16) : text), 'the value is in the message');
    });
  }
});

describe('SEN202: hard-coded means written in a file under config/', () => {
  const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`;
  function where(value: string, configTexts: Record<string, string>, recorded = 'config/config.prod.ts') {
    const facts = fakeFacts({
      config: { service: { password: value } },
      meta: { 'service.password': recorded },
      files: { configTexts },
    });
    return hardCodedSecret.check(facts, { developmentEnv: false }).map(hit => hit.source);
  }

  it('the recorded file, when it holds the literal (as written, escaped, or as lines of a PEM)', () => {
    assert.deepEqual(where('Tq8vN2kL5mW9xR', { 'config/config.prod.ts': "password: 'Tq8vN2kL5mW9xR'" }), [ 'config/config.prod.ts' ]);
    assert.deepEqual(where(PEM, { 'config/config.prod.ts': JSON.stringify({ password: PEM }) }), [ 'config/config.prod.ts' ]);
    const joined = `password: '-----BEGIN RSA PRIVATE KEY-----\\n' +\n  '${PEM_BODY}\\n' +\n  '-----END RSA PRIVATE KEY-----'`;
    assert.deepEqual(where(PEM, { 'config/config.prod.ts': joined }), [ 'config/config.prod.ts' ]);
    assert.deepEqual(where('p4ss"w\\rd-9931', { 'config/config.prod.ts': 'password: "p4ss\\"w\\\\rd-9931"' }), [ 'config/config.prod.ts' ]);
    // Black-box round 20: hex, Unicode and code point escapes.
    for (const text of [ "password: 'Xe\\x6Eco\\x64edSecr\\x65tG5'", "password: 'Xe\\u006Ecod\\u{65}dSecretG5'" ]) {
      assert.deepEqual(where('XencodedSecretG5', { 'config/config.prod.ts': text }), [ 'config/config.prod.ts' ], text);
    }
  });

  it('an environment variable with the same value does not excuse a literal the file assigns to the key (black-box round 22)', () => {
    const withEnvironment = (text: string, environmentValues: string[]) => hardCodedSecret.check(fakeFacts({
      config: { db: { user: 'admin', password: 'admin' } },
      meta: { 'db.user': 'config/config.prod.js', 'db.password': 'config/config.prod.js' },
      files: { configTexts: { 'config/config.prod.js': text } },
      runtime: { environmentValues: new Set(environmentValues) },
    }), { developmentEnv: false }).map(hit => hit.target);
    // DB_USER=admin in the environment: the password literal is still written in the file.
    assert.deepEqual(withEnvironment("db: { user: 'admin', password: 'admin' }", [ 'admin' ]), [ 'config.db.password' ]);
    // Read from the environment: the file writes the user name only, the password is the variable's.
    assert.deepEqual(withEnvironment("db: { user: 'admin', password: process.env.DB_PASSWORD }", [ 'admin' ]), []);
  });

  it('another file holding a value of the same form (its first characters) does not write it: read from a mounted file (black-box round 13)', () => {
    const prod = "pg: { password: JSON.parse(fs.readFileSync(path.join(appInfo.baseDir, 'secrets/prod.json'))).password }";
    assert.deepEqual(where('FsReadPlanted02y', { 'config/config.prod.ts': prod, 'config/redis.pass': 'FsReadPlanted03z\n' }), []);
    assert.deepEqual(where('FsReadPlanted03z', { 'config/config.prod.ts': prod, 'config/redis.pass': 'FsReadPlanted03z\n' }), [ 'config/redis.pass' ]);
  });

  it('a literal split in two, or written base64- or hex-encoded, is still written in the file', () => {
    const secret = 'Tq8vN2kL5mW9xRp4Zs3c';
    for (const text of [
      "password: 'Tq8vN2kL5m' + 'W9xRp4Zs3c'",
      `password: Buffer.from('${Buffer.from(secret).toString('base64')}', 'base64').toString()`,
      `password: Buffer.from('${Buffer.from(secret).toString('hex')}', 'hex').toString()`,
    ]) assert.deepEqual(where(secret, { 'config/config.prod.ts': text }), [ 'config/config.prod.ts' ], text);
  });

  it('a short secret made of literals: split in any number of pieces, reversed, base64- or hex-encoded', () => {
    const secret = 'Hq3$nW8pZ!r';
    for (const text of [
      "password: 'Hq3$' + 'nW8pZ!r'",
      "password: 'Hq3' + '$nW8' +\n    'pZ!r'",
      "password: ['Hq3$', 'nW8', 'pZ!r'].join('')",
      "password: 'Hq3$'.concat('nW8').concat('pZ!r')",
      "password: `Hq3${'$'}nW8pZ!r`",
      "password: 'r!Zp8Wn$3qH'.split('').reverse().join('')",
      `password: Buffer.from('${Buffer.from(secret).toString('base64')}', 'base64').toString()`,
      `password: Buffer.from('${Buffer.from(secret).toString('hex')}', 'hex').toString()`,
    ]) assert.deepEqual(where(secret, { 'config/config.prod.ts': text }), [ 'config/config.prod.ts' ], text);
    // Pieces with other code between them are not the secret written down.
    assert.deepEqual(where(secret, { 'config/config.prod.ts': "password: pick('Hq3$') + vault.part + 'nW8pZ!r'" }), []);
  });

  it('a digest of a literal (createHash/createHmac, or a slice of it), or a literal base64/hex-encoded by the config (black-box round 25, h75 F10)', () => {
    const sha = crypto.createHash('sha256').update('h75').digest('hex');
    const hmac = crypto.createHmac('sha1', 'acme-config-key').update('db-2026').digest('base64');
    for (const [ value, text ] of [
      [ sha.slice(0, 20), "password: crypto.createHash('sha256').update('h75').digest('hex').slice(0, 20)" ],
      [ sha, "password: require('crypto').createHash(\"sha256\").update(\"h75\", 'utf8').digest().toString('hex')" ],
      [ hmac, "password: crypto.createHmac('sha1', 'acme-config-key')\n    .update('db-2026')\n    .digest('base64')" ],
      [ Buffer.from('Pr0d-Db-Pa55w0rd').toString('base64'), "password: Buffer.from('Pr0d-Db-Pa55w0rd').toString('base64')" ],
      [ Buffer.from('Pr0d-Db-Pa55w0rd').toString('hex'), "password: Buffer.from('Pr0d-Db-Pa55w0rd', 'utf8').toString('hex')" ],
    ]) assert.deepEqual(where(value, { 'config/config.prod.ts': text }), [ 'config/config.prod.ts' ], text);
    // A digest of what the environment holds, or of another literal, is not this one.
    assert.deepEqual(where(sha, { 'config/config.prod.ts': "password: crypto.createHash('sha256').update(process.env.SEED).digest('hex')" }), []);
    assert.deepEqual(where(sha, { 'config/config.prod.ts': "password: crypto.createHash('sha256').update('h76').digest('hex')" }), []);
    assert.deepEqual(where(Buffer.from('Pr0d-Db-Pa55w0rd').toString('base64'), { 'config/config.prod.ts': "password: Buffer.from(process.env.P).toString('base64'), note: 'Pr0d-Db'" }), []);
  });

  it('another file under config/ that holds it (a fallback in config.default)', () => {
    assert.deepEqual(where('Tq8vN2kL5mW9xR', {
      'config/config.prod.ts': 'password: process.env.DB_PASSWORD',
      'config/config.default.ts': "password: process.env.DB_PASSWORD || 'Tq8vN2kL5mW9xR'",
    }), [ 'config/config.default.ts' ]);
  });

  it('nothing when no file under config/ holds it: read from a mounted file, decoded from the environment', () => {
    assert.deepEqual(where('Tq8vN2kL5mW9xR', { 'config/config.prod.ts': "password: fs.readFileSync('/run/secrets/db_password', 'utf8').trim()" }), []);
    assert.deepEqual(where(PEM, { 'config/config.prod.ts': "password: process.env.PEM.replace(/\\\\n/g, '\\n')" }), []);
  });

  it('a recorded file whose text was not collected (a plugin\'s defaults) counts as writing it', () => {
    assert.deepEqual(where('Tq8vN2kL5mW9xR', { 'config/config.prod.ts': '' }, 'node_modules/egg-x/config/config.default.js'),
      [ 'node_modules/egg-x/config/config.default.js' ]);
  });
});

describe('SEN202: the fix names the key and an environment variable for it', () => {
  it('camelCase, dashes and array items become an UPPER_SNAKE variable of the last three segments', () => {
    const fixOf = (config: Record<string, unknown>, keyPath: string) => hardCodedSecret.check(fakeFacts({
      config, meta: { [keyPath.replace(/\[\d+\]/g, '')]: 'config/config.default.ts' },
    }), { developmentEnv: false })[0]?.fix ?? '';
    assert.match(fixOf({ sms: { apiToken: 'k_8f7e6d5c4b3a29187f6e5d4c' } }, 'sms.apiToken'), /`apiToken: env\.secret\('SMS_API_TOKEN'\)`.*`process\.env\.SMS_API_TOKEN`/);
    assert.match(fixOf({ service: { 'x-api-key': 'Zx81Lq0Pm3Nb7Vc5Xz2Aq9Ws4Ed' } }, 'service.x-api-key'), /`'x-api-key': env\.secret\('SERVICE_X_API_KEY'\)`/);
    assert.match(fixOf({ mysql: { clients: [{ password: 'Tq8vN2kL5mW9xR' }] } }, 'mysql.clients[0].password'), /env\.secret\('MYSQL_CLIENTS_PASSWORD'\)/);
  });
});

describe('SEN202: config nested deeper than egg-sentinel searches', () => {
  it('is reported where the search stops, not passed over (a password 70 levels down)', () => {
    let deep: Record<string, unknown> = { password: 'Tq8vN2kL5mW9xR' };
    for (let level = 0; level < 70; level++) deep = { n: deep };
    const hits = hardCodedSecret.check(fakeFacts({ config: { deep }, meta: { deep: 'config/config.default.ts' } }), { developmentEnv: false });
    assert.equal(hits.length, 1);
    assert.equal(hits[0].severity, 'medium');
    assert.equal(hits[0].target, `config.deep${'.n'.repeat(63)}`);
    assert.match(hits[0].message, /is nested 64 levels deep and goes deeper: egg-sentinel does not search config below that depth/);
    assert.ok(!hits[0].message.includes('Tq8vN2kL5mW9xR'));
    let shallow: Record<string, unknown> = { password: 'Tq8vN2kL5mW9xR' };
    for (let level = 0; level < 40; level++) shallow = { n: shallow };
    const found = hardCodedSecret.check(fakeFacts({ config: { shallow }, meta: { [`shallow${'.n'.repeat(40)}.password`]: 'config/config.default.ts' } }), { developmentEnv: false });
    assert.deepEqual(found.map(hit => hit.target), [ `config.shallow${'.n'.repeat(40)}.password` ], '40 levels down is searched');
  });
});

describe('SEN202: 20+ look-alikes stay quiet', () => {
  const lookAlikes: Array<[string, unknown]> = [
    [ 'integrity', 'sha512-8iUql50EUR+uUcdRQ3HDqa6EVyo3docL8g5WJ3FNcWmu62IbkGUue/pEyLBW8VGKKucTPgqeks4fIU1DA4yowQ==' ],
    [ 'integrity', 'sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC' ],
    [ 'requestId', '3b241101-e2bb-4255-8caf-4136c566a962' ],
    [ 'checksum', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' ],
    [ 'commit', '54fa5ba1c0e7d2f94b3a8e6c1d0f9b8a7e6d5c4b' ],
    [ 'objectId', '507f1f77bcf86cd799439011' ],
    [ 'verifyWith', `-----BEGIN PUBLIC KEY-----\n${PEM_BODY}\n-----END PUBLIC KEY-----` ],
    [ 'authorizedKey', `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC${PEM_BODY} deploy@ci` ],
    [ 'publicKey', 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmhPz9tq1ZyV2xL2p3F0' ],
    [ 'logo', 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==' ],
    [ 'api', 'https://api.example.com/v1/items?user=bob&page=2' ],
    [ 'realm', 'Basic authentication required' ],
    [ 'hint', 'Basic QXV0aGVudGljYXRpb24gaGVhZGVy' ],
    [ 'challenge', 'Bearer realm="api", error="invalid_token"' ],
    [ 'help', 'Bearer authentication-required-for-this-endpoint' ],
    [ 'template', 'Bearer ${API_TOKEN}' ],
    [ 'mirror', 'https://deploy@registry.example.com/npm/' ],
    [ 'replica', 'postgres://app@db.internal:5432/app' ],
    [ 'repo', 'ssh://git@github.com:org/repo.git' ],
    [ 'health', 'http://[::1]:7001/health' ],
    [ 'checkout', 'pk_live_51Hq8ZbX2kLm7Rt8Yw1Nv3Hc' ],
    [ 'badge', 'ghp_short' ],
    [ 'subject', 'SG.weekly-report.pdf' ],
    [ 'cacheKey', 'key-user-profile-42' ],
    [ 'cachePrefix', 'key-userprofilesessionsandsettingsab' ],
    [ 'locale', 'sk-SK' ],
    [ 'slug', 'sk-proj-overview' ],
    [ 'dataset', 'hf_datasets' ],
    [ 'passwordHash', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy' ],
    [ 'passwordMinLength', 12 ],
    [ 'tokenExpiresIn', '1h' ],
    [ 'maxTokens', 4096 ],
    [ 'accessKeyId', 'reporting-reader' ],
    [ 'cookieName', 'csrfToken' ],
    [ 'headerName', 'x-csrf-token' ],
    [ 'secretName', 'prod-db-credentials' ],
    [ 'header', 'eyJhbGciOiJIUzI1NiJ9' ],
    [ 'awsLike', 'akiaz4x7qw2ert5yui8o' ],
    [ 'bypass', 'cache-layer' ],
    [ 'contact', 'ops@example.com' ],
    // Sentry DSNs hold a public key only (https://docs.sentry.io/concepts/key-terms/dsn-explainer/).
    [ 'dsn', 'https://4f0c9b8a7e6d@o123456.ingest.sentry.io/7654321' ],
    [ 'SENTRY_DSN', 'http://4f0c9b8a7e6d@sentry.internal:9000/3?environment=prod' ],
  ];
  assert.ok(lookAlikes.length >= 20);
  for (const [ key, value ] of lookAlikes) {
    it(`${key}: ${String(value).slice(0, 32)}`, () => assert.deepEqual(check(key, value), []));
  }
});

describe('SEN202: a Firebase web app\'s apiKey, which its pages send to every browser (black-box round 20)', () => {
  // A real key's length (AIza and 35 more, which is also a Google API key's shape), and a shorter one as h53 wrote it.
  const firebase = (extra: Record<string, string>) => [ 'AIzaSyDOCAbC123dEf456GhI789jKl012-MnOpQ', 'AIzaSyDOCAbC123dEf456GhI789jKl012-MnO' ].flatMap(apiKey => {
    const facts = fakeFacts({ config: { firebase: { apiKey, ...extra } }, meta: { 'firebase.apiKey': 'config/config.prod.ts' } });
    return hardCodedSecret.check(facts, { developmentEnv: false });
  });

  it('is no secret beside its authDomain on firebaseapp.com or its web appId; masked all the same', () => {
    assert.deepEqual(firebase({ authDomain: 'myapp.firebaseapp.com', projectId: 'myapp' }), []);
    assert.deepEqual(firebase({ appId: '1:123456789012:web:0a1b2c3d4e5f6a7b' }), []);
    assert.deepEqual(maskSecrets({ firebase: { apiKey: 'AIzaSyDOCAbC123dEf456GhI789jKl012-MnO', authDomain: 'myapp.firebaseapp.com' } }).firebase.apiKey, '[REDACTED]');
  });

  it('the same Google API key anywhere else (a Maps or Cloud key, billed to its owner) is one', () => {
    assert.equal(firebase({ projectId: 'myapp' }).length, 2);
    assert.equal(firebase({ authDomain: 'myapp.firebaseapp.com.evil.example' }).length, 2);
  });
});

describe('SEN202: AK/SK pairs, priv/enc/auth/session keys, Authorization headers, Alibaba AccessKey ids (black-box round 25, h75 F14)', () => {
  const findings = (config: Record<string, unknown>) => {
    const meta = Object.fromEntries(findSecrets(config, { inherit: true }).map(leaf => [ leaf.keyPath, 'config/config.prod.js' ]));
    return hardCodedSecret.check(fakeFacts({ config, meta }), { developmentEnv: false }).map(hit => `${hit.target} ${hit.message.replace(/^\S+ holds /, '').replace(/, written.*/, '')}`);
  };

  it('are secrets', () => {
    assert.deepEqual(findings({
      oss: { ak: 'LTAI5tQk7pZ2xR9mW4vN8bJc', sk: 'Qk7pZ2xR9mW4vN8bJc1sAaL0' },
      bce: { ak: 'a1b2c3', sk: 'bce-sk-prod' },
      obs: { accessKeyId: 'HPUAZ4X7QW2ERT5YUI8O', sk: 'obs-secret-prod' },
      qiniu: { SK: 'Zx81Lq0Pm3Nb7Vc5Xz2Aq9Ws4Ed' },
      wallet: { privKey: 'Zx81Lq0Pm3Nb7Vc5Xz2A', encKey: 'Yq72Kp9Ln3Mb8Vc4Xz1B', enckey: 'Wr63Jo8Km2La7Ub3Wy0C' },
      session: { sessionKey: 'Vs54In7Jl1Kz6Ta2Vx9D' },
      yii: { authKey: 'Ut45Hm6Ik0Jy5Sz1Uw8E' },
      gitea: { headers: { Authorization: 'token 9f8Zq2Lm7Xw4Rt1Vb6Nc3Hd0' } },
      aliyun: { accessKeyId: 'LTAI4G8mQk7pZ2xR9mW4vN8b' },
    }), [
      'config.oss.ak an Alibaba Cloud AccessKey id',
      'config.oss.sk a literal value under a secret key name',
      'config.bce.sk a literal value under a secret key name',
      'config.obs.sk a literal value under a secret key name',
      'config.qiniu.SK a literal value under a secret key name',
      'config.wallet.privKey a literal value under a secret key name',
      'config.wallet.encKey a literal value under a secret key name',
      'config.wallet.enckey a literal value under a secret key name',
      'config.session.sessionKey a literal value under a secret key name',
      'config.yii.authKey a literal value under a secret key name',
      'config.gitea.headers.Authorization a literal value under a secret key name',
      'config.aliyun.accessKeyId an Alibaba Cloud AccessKey id',
    ]);
    assert.deepEqual(maskSecrets({ oss: { sk: 'Qk7pZ2xR9mW4vN8bJc1sAaL0' } }), { oss: { sk: REDACTED } });
  });

  it('but not a cookie\'s or a header\'s name, nor `sk` alone holding words (Slovak\'s language code)', () => {
    assert.deepEqual(findings({
      session: { sessionKey: 'EGG_SESS', key: 'koa:sess' },
      auth: { authKey: 'x-auth-token', sessionKey: 'EGG_SESS_2024_prod' },
      i18n: { languages: { sk: 'Slovenčina', en: 'English' } },
      cdn: { sk: 'cdn-edge-cache' },
      proxy: { headers: { authorization: 'Bearer', 'x-forwarded-proto': 'https' } },
      upstream: { headers: { Authorization: 'Bearer ${API_TOKEN}' }, template: { Authorization: 'token <your-token>' } },
      word: { title: 'LTAIPLACEHOLDERKEY' },
      // fetch()'s credentials modes (black-box round 38, h2 M5: `credentials: 'include'` was refused as a hard-coded secret).
      clientConfig: { fetch: { credentials: 'include', mode: 'cors' }, sameSite: { credentials: 'same-origin' }, none: { credentials: 'omit' } },
    }), []);
    assert.deepEqual(findings({ api: { credentials: 'include-Zq8wLm3Pk9xT' } }), [ 'config.api.credentials a literal value under a secret key name' ]);
    // One-word names (review of black-box round 41, h5 #11): a fetch mode under `fetchcredentials`, a number under `adminpwd`.
    assert.deepEqual(findings({ api: { fetchcredentials: 'include' } }), []);
    assert.deepEqual(findings({ db: { adminpwd: 123456 } }), [ 'config.db.adminpwd a literal value under a secret key name' ]);
  });

  it('the private members of a JSON Web Key (node-oidc-provider\'s jwks), not its public ones (black-box round 38, h2 M1)', () => {
    const rsa = { kty: 'RSA', n: 'sXch7Xq9', e: 'AQAB', d: 'Qk7pZ2xR9mW4vN8bJc1sAaL0', p: 'pP9q', q: 'qQ8w', dp: 'dP7e', dq: 'dQ6r', qi: 'qI5t', kid: 'k1' };
    assert.deepEqual(findings({ oidc: { signing: rsa, hmac: { kty: 'oct', k: 'Zq8wLm3Pk9xTr2Vb', kid: 'h1' }, verify: { kty: 'EC', crv: 'P-256', x: 'xX', y: 'yY' } } }), [
      'config.oidc.signing.d a literal value under a secret key name', 'config.oidc.signing.p a literal value under a secret key name',
      'config.oidc.signing.q a literal value under a secret key name', 'config.oidc.signing.dp a literal value under a secret key name',
      'config.oidc.signing.dq a literal value under a secret key name', 'config.oidc.signing.qi a literal value under a secret key name',
      'config.oidc.hmac.k a literal value under a secret key name',
    ]);
    assert.deepEqual(findings({ chart: { d: 'M0 0L10 10', p: 'x' } }), [], 'a `d` of anything else (an SVG path)');
  });
});

describe('SEN203: cloud AccessKey pairs, database URLs and connection strings with a password in a served file (black-box round 41, h3 F2, F3)', () => {
  it('finds Alibaba Cloud\'s and Tencent Cloud\'s key pairs as a browser upload is given them', () => {
    assert.equal(servedSecretKind("new OSS({ region: 'oss-cn-hangzhou', accessKeyId: 'LTAI5tQ8wm3Zr9Kx2Hq7Wm3X', accessKeySecret: 'Vn1Bc4Xd6Fg0Sa2Ke3Ju9IpHq7Wm3Z', bucket: 'shop' });"),
      'an Alibaba Cloud AccessKey id and its secret');
    assert.equal(servedSecretKind("var cos = new COS({ SecretId: 'AKIDq8krbsJ5yKBZQpn74WFkmLPx3gnPhESB', SecretKey: 'Gu5t9xGARNpq86cd98joQYCN3Cozk1qB' });"),
      'a Tencent Cloud SecretId and its SecretKey');
    assert.equal(servedSecretKind("new OSS({ accessKeyId: 'LTAI5tQ8wm3Zr9Kx2Hq7Wm3X', stsToken: fetchToken() });"), undefined, 'an id alone (a temporary STS upload)');
  });

  it('finds a database or broker URL with a password and an ADO.NET connection string, not a placeholder or a template', () => {
    assert.equal(servedSecretKind('{"mongo":"mongodb://shop:Zr9Kx2Hq7Wm3Tq@db.shop-example.com:27017/shop"}'), 'a database URL with a password');
    assert.equal(servedSecretKind('{"redis":"redis://:Lp5VnHq7Wm3Zr9KTq8@cache.internal:6379/0"}'), 'a database URL with a password');
    assert.equal(servedSecretKind('{"Default":"Server=db.shop-example.com;Database=shop;User Id=sa;Password=Kx9mQ2vL7pRzT4wY;"}'), 'a connection string with a password');
    for (const text of [ 'mongodb://user:password@localhost:27017/test', 'postgres://app:${DB_PASSWORD}@db/shop', 'redis://:yourpassword@host:6379',
      'https://user:Zr9Kx2Hq7Wm3Tq@example.com/', 'Server=db;Database=shop;User Id=sa;Password=<password>;', "body: 'password=' + encodeURIComponent(pw)" ]) {
      assert.equal(servedSecretKind(text), undefined, text);
    }
  });
});

describe('SEN203: a private JSON Web Key in a served file, however its members are quoted (code review 31, L3)', () => {
  const d = 'Qk7pZ2xR9mW4vN8bJc1sAaL0';
  it('finds one with JSON\'s double quotes, single quotes, or bare names as a bundler writes an object literal', () => {
    assert.equal(servedSecretKind(JSON.stringify({ keys: [{ kty: 'RSA', n: 'sXch7Xq9', e: 'AQAB', d }] })), 'a private key (JWK)');
    assert.equal(servedSecretKind(`const signer={kty:"EC",crv:"P-256",x:"xX",y:"yY",d:"${d}"};`), 'a private key (JWK)');
    assert.equal(servedSecretKind(`var k = { 'kty': 'oct', 'k': '${d}' };`), 'a symmetric key (JWK)');
    assert.equal(servedSecretKind(`export default {\n  kty: \`OKP\`,\n  crv: 'Ed25519',\n  x: 'xX',\n  d: \`${d}\`\n}`), 'a private key (JWK)');
  });

  it('leaves public keys alone, and members whose names only end in d or k (id, kid, pk)', () => {
    assert.equal(servedSecretKind('{kty:"RSA",n:"sXch7Xq9",e:"AQAB",kid:"Qk7pZ2xR9mW4vN8bJc1sAaL0"}'), undefined);
    assert.equal(servedSecretKind(`{kty:"EC",crv:"P-256",id:"${d}",x:"xX"}`), undefined);
    assert.equal(servedSecretKind(`{kty:"oct",pk:"${d}"}`), undefined);
    assert.equal(servedSecretKind(`{xkty:"RSA",d:"${d}"}`), undefined, 'not a kty member');
  });
});

describe('SEN202/SEN203: keys vendors publish to browsers are no secrets (black-box round 25, h74 F5)', () => {
  const config = {
    mapbox: { accessToken: 'pk.eyJ1IjoiYWNtZSIsImEiOiJja2V4YW1wbGUxMjMifQ.AbCdEfGhIjKlMnOpQrStUv' },
    googleMaps: { apiKey: 'AIzaSyBq7x9Lm2Np5Qr8St1Uv4Wx7Yz0Ab3Cd6E' },
    google: { mapsBrowserKey: 'AIzaSyCq7x9Lm2Np5Qr8St1Uv4Wx7Yz0Ab3Cd6E', clientApiKey: 'AIzaSyDq7x9Lm2Np5Qr8St1Uv4Wx7Yz0Ab3Cd6E' },
    algolia: { appId: 'B1G2GM9NG0', searchOnlyApiKey: 'b8f3e2d1c0a9b8f3e2d1c0a9b8f3e2d1' },
    posthog: { apiKey: 'phc_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St' },
    stripe: { apiKey: 'pk_live_51Hq8ZbX2kLm7Rt8Yw1Nv3Hc' },
    web: { publicApiKey: 'k_8f7e6d5c4b3a29187f6e5d4c' },
  };
  const leafPaths = (found: Array<{ keyPath: string }>) => found.map(leaf => leaf.keyPath);

  it('publishable shapes (Mapbox pk., PostHog phc_, Stripe pk_) and browser- or search-named keys: no SEN202, no secret for SEN203, masked all the same', () => {
    assert.deepEqual(findSecrets(config), []);
    const inherited = findSecrets(config, { inherit: true });
    assert.ok(inherited.length >= 8 && inherited.every(leaf => leaf.public), JSON.stringify(inherited.map(leaf => [ leaf.keyPath, leaf.public ])));
    assert.equal(maskSecrets(config).mapbox.accessToken, REDACTED);
  });

  it('the same shapes under server names, and the secret counterparts, are secrets', () => {
    assert.deepEqual(leafPaths(findSecrets({
      google: { apiKey: 'AIzaSyBq7x9Lm2Np5Qr8St1Uv4Wx7Yz0Ab3Cd6E', client: { apiKey: 'AIzaSyBq7x9Lm2Np5Qr8St1Uv4Wx7Yz0Ab3Cd6E' } },
      googleMaps: { serverKey: 'AIzaSyBq7x9Lm2Np5Qr8St1Uv4Wx7Yz0Ab3Cd6E' },
      algolia: { apiKey: 'b8f3e2d1c0a9b8f3e2d1c0a9b8f3e2d1', searchAdminApiKey: 'c8f3e2d1c0a9b8f3e2d1c0a9b8f3e2d1' },
      mapbox: { token: 'sk.eyJ1IjoiYWNtZSIsImEiOiJja2V4YW1wbGUxMjMifQ.AbCdEfGhIjKlMnOpQrStUv' },
      posthog: { personal: 'phx_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90' },
      web: { publicApiKey: 'sk_live_51Hq8ZbX2kLm7Rt8Yw1Nv3Hc' },
    })), [ 'google.apiKey', 'google.client.apiKey', 'googleMaps.serverKey', 'algolia.apiKey', 'algolia.searchAdminApiKey', 'mapbox.token', 'posthog.personal', 'web.publicApiKey' ]);
  });
});

describe('SEN202: a dsn without a password (IAM or client-certificate auth) is no secret (black-box round 25, h74 F6)', () => {
  it('any URL without a password, a secret-named query parameter or a secret\'s shape', () => {
    assert.deepEqual(check('dsn', 'postgres://api@db.internal:5432/acme?sslmode=verify-full'), []);
    assert.deepEqual(check('dsn', 'mysql://api_iam@acme.cluster-abc.rds.amazonaws.com:3306/acme'), []);
    assert.deepEqual(check('dsn', 'mongodb+srv://reader@cluster0.example.mongodb.net/shop?authMechanism=MONGODB-X509'), []);
    assert.equal(check('dsn', 'postgres://api:Tq8vN2kL5mW9xR@db.internal:5432/acme').length, 1);
    assert.equal(check('dsn', 'postgres://api@db.internal:5432/acme?password=Tq8vN2kL5mW9xR').length, 1);
    assert.equal(check('dsn', 'https://acct.blob.core.windows.net/c?sv=2020-08-04&sig=AbCdEfGhIjKlMnOpQrStUv12').length, 1);
    assert.equal(check('dsn', 'Server=db;User Id=app;Password=Tq8vN2kL5mW9xR;').length, 1);
  });
});

describe('SEN202: where the value comes from', () => {
  it('a value equal to an environment variable\'s value is from the environment', () => {
    assert.deepEqual(check('password', 'Tq8vN2kL5mW9xR', [ 'Tq8vN2kL5mW9xR' ]), []);
    assert.deepEqual(check('url', 'postgres://app:S3cr3tPw@db/app', [ 'S3cr3tPw' ]), [], 'a URL built around a password from the environment');
  });

  it('a value equal to NODE_ENV, PATH or the like is not read from them', () => {
    const facts = collectRuntimeFacts('/srv/fake', [], {}, { NODE_ENV: 'production', HOME: '/home/app', DB_PASSWORD: 'Tq8vN2kL5mW9xR' }, [], '/srv/fake');
    assert.equal(facts.environmentValues.has('production'), false);
    assert.equal(facts.environmentValues.has('/home/app'), false);
    assert.equal(facts.environmentValues.has('Tq8vN2kL5mW9xR'), true);
  });

  it('a value set by EGG_APP_CONFIG or at runtime (no file recorded) is not hard-coded', () => {
    const facts = (source?: string) => fakeFacts({ config: { db: { password: 'Tq8vN2kL5mW9xR' } }, meta: source ? { 'db.password': source } : {} });
    assert.deepEqual(hardCodedSecret.check(facts('<process.env.EGG_APP_CONFIG>'), { developmentEnv: false }), []);
    assert.deepEqual(hardCodedSecret.check(facts(), { developmentEnv: false }), []);
    assert.equal(hardCodedSecret.check(facts('config/config.prod.ts'), { developmentEnv: false }).length, 1);
  });

  it('is low on a developer machine', () => {
    const facts = fakeFacts({ config: { db: { password: 'Tq8vN2kL5mW9xR' } }, meta: { 'db.password': 'config/config.default.ts' } });
    assert.equal(hardCodedSecret.check(facts, { developmentEnv: true })[0].severity, 'low');
  });

  it('finds secrets in arrays, under the array\'s key name', () => {
    const facts = fakeFacts({ config: { apiKeys: [ 'k-1f2e3d4c5b6a', 'k-6a5b4c3d2e1f' ] }, meta: { apiKeys: 'config/config.default.ts' } });
    assert.deepEqual(hardCodedSecret.check(facts, { developmentEnv: false }).map(hit => hit.target), [ 'config.apiKeys[0]', 'config.apiKeys[1]' ]);
    assert.match(hardCodedSecret.check(facts, { developmentEnv: false })[0].fix ?? '', /`apiKeys: env\.json\('API_KEYS', \{ type: 'array', items: \{ type: 'string' \} \}\)`.*a JSON array.* or `JSON\.parse\(process\.env\.API_KEYS\)`/, 'a list is read whole, as JSON');
  });
});

describe('SEN202: cookie keys production falls back on', () => {
  const KEY = 'Zx9q-3vL_0pT7mWc2RkHs8yJ4nBd6fGe1aUo5iQr';
  const facts = (texts: Record<string, string>, environmentValues: string[] = [], keys = KEY) => fakeFacts({
    config: { keys }, meta: { keys: 'config/config.prod.js' }, files: { configTexts: texts } as never, runtime: { environmentValues: new Set(environmentValues) },
  });
  const fallbackTexts = { 'config/config.default.js': `module.exports = { keys: process.env.EGG_KEYS || '${KEY}' };\n`, 'config/config.prod.js': 'module.exports = { keys: process.env.EGG_KEYS };\n' };

  it('the literal fallback of keys read from the environment, the variable unset: high outside local/unittest', () => {
    const [ hit ] = hardCodedSecret.check(facts(fallbackTexts), { developmentEnv: false });
    assert.deepEqual([ hit.severity, hit.target, hit.source ], [ 'high', 'config.keys', 'config/config.default.js' ]);
    assert.match(hit.message, /literal written in config\/config\.default\.js, which the app falls back on: config\/config\.default\.js computes the keys \(from an environment variable/);
    assert.ok(!JSON.stringify(hit).includes(KEY), 'the key is never in the finding');
    const prodOnly = { 'config/config.default.js': `exports.keys = '${KEY}';\n`, 'config/config.prod.ts': "export default { keys: env.secret('EGG_KEYS', { optional: true }) };\n" };
    assert.match(hardCodedSecret.check(facts(prodOnly), { developmentEnv: false })[0].message, /falls back on: config\/config\.prod\.ts computes the keys/);
    // However the environment is read: destructured, through an alias, through a helper.
    for (const line of [ `const { EGG_KEYS } = process.env;\nexports.keys = EGG_KEYS || '${KEY}';`, `const penv = process.env;\nmodule.exports = { keys: penv.EGG_KEYS || '${KEY}' };`,
      `const fromEnv = (name, fallback) => process.env[name] || fallback;\nmodule.exports = { keys: fromEnv('EGG_KEYS', '${KEY}') };` ]) {
      assert.equal(hardCodedSecret.check(facts({ 'config/config.default.js': line }), { developmentEnv: false }).length, 1, line);
    }
  });

  it('not when the literal is in a data file the deploy writes and .gitignore covers (black-box round 40, h1 F5)', () => {
    const texts = { 'config/config.default.js': "module.exports = appInfo => ({ keys: process.env.EGG_KEYS || appInfo.name + '_1700000000000_1234' });\n",
      'config/config.prod.js': "const secrets = require('./secrets.json');\nmodule.exports = () => ({ keys: secrets.keys });\n", 'config/secrets.json': `{ "keys": "${KEY}" }` };
    const deployed = (ignoredSecretFiles: string[]) => fakeFacts({
      config: { keys: KEY }, meta: { keys: 'config/config.prod.js' }, files: { configTexts: texts, gitignore: { state: 'checked', repoRoot: '/srv', uncovered: [] }, ignoredSecretFiles } as never,
    });
    assert.deepEqual(hardCodedSecret.check(deployed([ 'config/secrets.json' ]), { developmentEnv: false }), []);
    // Not covered: the repository's, as before.
    const [ hit ] = hardCodedSecret.check(deployed([]), { developmentEnv: false });
    assert.deepEqual([ hit.severity, hit.source ], [ 'high', 'config/secrets.json' ]);
    // config.prod reads it over config.default's variable: that file, not the variable, is the fix (black-box round 43, h2 F2).
    assert.match(hit.message, /literal written in config\/secrets\.json: config\/config\.prod\.js, which egg applies after config\/config\.default\.js \(that one computes the keys from the environment\), sets them to what it reads from config\/secrets\.json, whatever the variable holds/);
    assert.match(hit.fix ?? '', /^Remove `keys` from config\/config\.prod\.js/);
  });

  it('not when the keys come from the environment, on a developer machine, or weak (SEN201\'s)', () => {
    assert.deepEqual(hardCodedSecret.check(facts(fallbackTexts, [ KEY ]), { developmentEnv: false }), []);
    assert.deepEqual(hardCodedSecret.check(facts(fallbackTexts), { developmentEnv: true }), []);
    const scaffolded = 'app_1700000000000_4321';
    const weak = facts({ ...fallbackTexts, 'config/config.default.js': `keys: process.env.EGG_KEYS || '${scaffolded}'` }, [], scaffolded);
    assert.deepEqual(hardCodedSecret.check(weak, { developmentEnv: false }), []);
    // SEN201 reports it, and says what to fix: the variable production reads is not set.
    assert.match(weakCookieKeys.check(weak, { developmentEnv: false })[0].message, /; it is the literal written in config\/config\.default\.js, which the app falls back on: config\/config\.default\.js computes the keys \(from an environment variable, as a rule\), yet the literal is what took effect: what it reads is not set, or a config file egg applies later sets the literal again$/);
    assert.deepEqual(hardCodedSecret.check(facts({ 'config/config.default.js': `exports.keys = '${KEY}';\n` }), { developmentEnv: false }), [], 'written only as a literal');
    // egg-init's own key is computed from the app's name, not read from the environment (black-box round 13).
    const initKey = 'my-app_1563186367163_7654';
    const egginit = facts({ 'config/config.default.js': `config.keys = appInfo.name + '_1563186367163_7654';\n` }, [], initKey);
    assert.doesNotMatch(weakCookieKeys.check(egginit, { developmentEnv: false })[0].message, /falls back on|environment/);
    // egg-init's key kept because config.prod reads an unset variable: the message and fix say so (black-box round 17).
    const unset = weakCookieKeys.check(facts({ 'config/config.default.js': `config.keys = appInfo.name + '_1563186367163_7654';\n`,
      'config/config.prod.js': 'module.exports = () => ({ keys: process.env.EGG_KEYS });\n' }, [], initKey), { developmentEnv: false })[0];
    assert.match(unset.message, /; config\/config\.prod\.js computes the keys \(from an environment variable, as a rule\), yet what an earlier config file set is what took effect: what it reads is not set/);
    // The same file reads the variable and computes the fallback: no earlier file is blamed (black-box round 40, h5 F3).
    const own = weakCookieKeys.check(fakeFacts({ config: { keys: initKey }, meta: { keys: 'config/config.default.js' }, files: { configTexts: {
      'config/config.default.js': "config.keys = process.env.EGG_KEYS || appInfo.name + '_1563186367163_7654';\n" } } as never }), { developmentEnv: false })[0];
    assert.match(own.message, /; config\/config\.default\.js computes the keys from an environment variable, and what it falls back on took effect: what it reads is not set/);
    // Black-box round 22. An empty key: the variable the app reads is unset where this runs (an audit in CI), not a key to replace.
    const empty = weakCookieKeys.check(facts({ 'config/config.default.js': 'module.exports = { keys: process.env.EGG_KEYS };\n' }, [], ''), { developmentEnv: false })[0];
    assert.match(empty.message, /^config\.keys: the key is empty; config\/config\.default\.js computes the keys .*what it reads is not set in this process, so egg's own empty default is what took effect$/);
    assert.match(empty.fix ?? '', /^Set the environment variable that config\/config\.default\.js reads to a generated key .*where `egg-sentinel audit` runs/);
    // A later file that writes the keys itself is the one to fix.
    const later = weakCookieKeys.check(facts({ 'config/config.default.js': 'module.exports = { keys: process.env.EGG_KEYS };\n', 'config/config.prod.js': "module.exports = { keys: 'short' };\n" }, [], 'short'),
      { developmentEnv: false })[0];
    assert.match(later.message, /; config\/config\.prod\.js, which egg applies after config\/config\.default\.js \(that one computes the keys from the environment\), sets them to this literal$/);
    assert.match(later.fix ?? '', /^Remove `keys` from config\/config\.prod\.js, or read the key from the environment there too/);
    // Also when it computes them (egg-init's key pasted into config.prod; black-box round 42, h4 F4).
    const computed = weakCookieKeys.check(facts({ 'config/config.default.js': 'module.exports = { keys: process.env.EGG_KEYS };\n',
      'config/config.prod.js': "module.exports = appInfo => ({ keys: appInfo.name + '_1670000000000_1234' });\n" }, [ KEY ], 'my-app_1670000000000_1234'), { developmentEnv: false })[0];
    assert.match(computed.message, /; config\/config\.prod\.js, which egg applies after config\/config\.default\.js \(that one computes the keys from the environment\), sets them itself, to a value it computes$/);
    assert.match(computed.fix ?? '', /^Remove `keys` from config\/config\.prod\.js/);
    // A file that adds to the variable's value: what it computes is weak.
    const added = weakCookieKeys.check(facts({ 'config/config.prod.js': "module.exports = { keys: process.env.EGG_KEYS + ',abc' };\n" }, [ KEY ], `${KEY},abc`), { developmentEnv: false })[0];
    assert.match(added.message, /^config\.keys: key #2 .*; config\/config\.prod\.js computes the keys, and what it computes is weak \(more than, or other than, one environment variable's value\)$/);
    assert.match(unset.fix ?? '', /^Set the environment variable that config\/config\.prod\.js reads to a generated key .*env\.secret\('EGG_KEYS'\)/);
    // In unittest (or local) egg does not load config.prod.js: it says nothing of the keys there (black-box round 20).
    const prodFacts = facts({ 'config/config.default.js': `config.keys = appInfo.name + '_1563186367163_7654';\n`,
      'config/config.prod.js': 'module.exports = () => ({ keys: process.env.EGG_KEYS });\n' }, [], initKey);
    const inUnittest = weakCookieKeys.check({ ...prodFacts, env: { ...prodFacts.env, serverEnv: 'unittest' } }, { developmentEnv: true })[0];
    assert.doesNotMatch(`${inUnittest.message} ${inUnittest.fix ?? ''}`, /config\.prod|computes the keys/);
    const viaConstant = facts({ 'config/config.default.js': `const cookieKey = '${KEY}';\nmodule.exports = { keys: cookieKey };\n` });
    assert.deepEqual(hardCodedSecret.check(viaConstant, { developmentEnv: false }), [], 'a literal through a constant is still only a literal');
    assert.deepEqual(hardCodedSecret.check(facts({ 'config/config.default.ts': `interface Local { keys: string }\nexport default { keys: '${KEY}' };\n` }), { developmentEnv: false }), [], 'a type annotation is no computation');
  });
});

describe('SEN201/SEN202: values the app\'s config code writes into process.env (black-box round 43, h2 F1, F2)', () => {
  const KEY = 'qH3vT9xLm2Zc7Rw5Kp8NbY4sJd6Fg1Ae';
  const JWT_SECRET = 'c7F2kq9LmZx4Rt8vWp3NyB6hJd1Qs5Ua';
  const facts = (texts: Record<string, string>, config: Record<string, unknown>, meta: Record<string, string>, environmentValues: string[]) => fakeFacts({
    config, meta, files: { configTexts: texts } as never, runtime: { environmentValues: new Set(environmentValues) },
  });

  it('a literal config code assigns to process.env (`||=`, a defaults module\'s loop) is no value of the environment; a variable the deploy set is', () => {
    const prod = `process.env.EGG_KEYS ||= '${KEY}';\nprocess.env.JWT_SECRET ||= '${JWT_SECRET}';\nmodule.exports = { keys: process.env.EGG_KEYS, jwt: { secret: process.env.JWT_SECRET } };\n`;
    const planted = facts({ 'config/config.prod.js': prod }, { keys: KEY, jwt: { secret: JWT_SECRET } }, { keys: 'config/config.prod.js', 'jwt.secret': 'config/config.prod.js' }, [ KEY, JWT_SECRET ]);
    const hits = hardCodedSecret.check(planted, { developmentEnv: false });
    assert.deepEqual(hits.map(hit => `${hit.severity} ${hit.target} ${hit.source}`), [ 'high config.jwt.secret config/config.prod.js', 'high config.keys config/config.prod.js' ]);
    assert.match(hits[0].message, /written in a config file instead of read from the environment: the app's config code writes it into process\.env itself .* so what took effect is the literal of config\/config\.prod\.js/);
    assert.match(hits[1].message, /literal written in config\/config\.prod\.js, which the app falls back on: config\/config\.prod\.js computes the keys .*\(the app's config code writes it into process\.env itself/);
    assert.ok(!JSON.stringify(hits).includes(KEY) && !JSON.stringify(hits).includes(JWT_SECRET), 'no secret in the findings');
    // A helper module's loop over computed names; also a JSON file it assigns from.
    const loop = "const d = { DB_PASSWORD: 'Sh0p#2023!prodDB' };\nfor (const [ k, v ] of Object.entries(d)) if (!process.env[k]) process.env[k] = v;\n";
    const viaHelper = (texts: Record<string, string>) => hardCodedSecret.check(facts({ 'config/config.prod.js': "require('./defaults');\nmodule.exports = { mysql: { client: { password: process.env.DB_PASSWORD } } };\n", ...texts },
      { mysql: { client: { password: 'Sh0p#2023!prodDB' } } }, { 'mysql.client.password': 'config/config.prod.js' }, [ 'Sh0p#2023!prodDB' ]), { developmentEnv: false }).map(hit => hit.source);
    assert.deepEqual(viaHelper({ 'config/defaults.js': loop }), [ 'config/defaults.js' ]);
    assert.deepEqual(viaHelper({ 'config/defaults.js': "Object.assign(process.env, require('./defaults.json'));\n", 'config/defaults.json': '{ "DB_PASSWORD": "Sh0p#2023!prodDB" }' }), [ 'config/defaults.json' ]);
    // Set by the deploy: the fallback is not what took effect; nor does a file that only reads process.env count.
    assert.deepEqual(hardCodedSecret.check(facts({ 'config/config.prod.js': prod }, { keys: 'Kq7Wx2Zr9Tn4Kp3Vm8Lb5Hd1Jc6Fs0Ga', jwt: { secret: 'Jw7Tq2Xk9Lm4Rz8Vn3Hb6Yc1Fd5Gs0Pa' } },
      { keys: 'config/config.prod.js', 'jwt.secret': 'config/config.prod.js' }, [ 'Kq7Wx2Zr9Tn4Kp3Vm8Lb5Hd1Jc6Fs0Ga', 'Jw7Tq2Xk9Lm4Rz8Vn3Hb6Yc1Fd5Gs0Pa' ]), { developmentEnv: false }), []);
    assert.deepEqual(viaHelper({ 'config/defaults.js': "if (process.env[name] === 'Sh0p#2023!prodDB') throw new Error('rotate it');\n" }), []);
    // A git-ignored data file it assigns from is the deploy's (round 44, r44h2 F1); an ignored code file is not: tsc's
    // config.prod.js, which egg's boilerplate git-ignores, holds the committed .ts's literal (review of round 44).
    const ignoring = (ignoredConfigTexts: string[], texts: Record<string, string>, recorded: string) => hardCodedSecret.check(fakeFacts({
      config: { mysql: { client: { password: 'Sh0p#2023!prodDB' } } }, meta: { 'mysql.client.password': recorded },
      files: { configTexts: texts, ignoredConfigTexts } as never, runtime: { environmentValues: new Set([ 'Sh0p#2023!prodDB' ]) },
    }), { developmentEnv: false }).map(hit => hit.source);
    const fromJson = { 'config/config.prod.js': "Object.assign(process.env, require('./secrets.json'));\nmodule.exports = { mysql: { client: { password: process.env.DB_PASSWORD } } };\n",
      'config/secrets.json': '{ "DB_PASSWORD": "Sh0p#2023!prodDB" }' };
    assert.deepEqual(ignoring([ 'config/secrets.json' ], fromJson, 'config/config.prod.js'), []);
    const compiled = { 'config/config.prod.js': "process.env.DB_PASSWORD = process.env.DB_PASSWORD || 'Sh0p#2023!prodDB';\nmodule.exports = { mysql: { client: { password: process.env.DB_PASSWORD } } };\n" };
    assert.deepEqual(ignoring([ 'config/config.prod.js' ], compiled, 'config/config.prod.js'), [ 'config/config.prod.js' ]);
  });

  it('the file whose keys took effect is named: config.prod computing them over config.default\'s variable, or reading a data file over it', () => {
    const defaultReads = { 'config/config.default.js': 'module.exports = { keys: process.env.EGG_KEYS };\n' };
    const joined = weakCookieKeys.check(facts({ ...defaultReads, 'config/config.prod.js': "module.exports = { keys: [ process.env.EGG_KEYS, 'k4_1699999999999_4821' ].join(',') };\n" },
      { keys: `${KEY},k4_1699999999999_4821` }, { keys: 'config/config.prod.js' }, [ KEY ]), { developmentEnv: false })[0];
    assert.match(joined.message, /^config\.keys: key #2 has the scaffold form.*; config\/config\.prod\.js computes the keys, and what it computes is weak/);
    assert.match(joined.fix ?? '', /^Read the whole key from one environment variable in config\/config\.prod\.js/);
    const fallback = hardCodedSecret.check(facts({ ...defaultReads, 'config/config.prod.js': `module.exports = { keys: process.env.EGG_KEYS || '${KEY}' };\n` },
      { keys: KEY }, { keys: 'config/config.prod.js' }, []), { developmentEnv: false }).find(hit => hit.target === 'config.keys');
    assert.match(fallback?.message ?? '', /literal written in config\/config\.prod\.js, which the app falls back on: config\/config\.prod\.js computes the keys/);
    const secretsJson = { ...defaultReads, 'config/config.prod.js': "const s = require('./secrets.json');\nmodule.exports = { keys: s.keys };\n" };
    const weak = weakCookieKeys.check(facts({ ...secretsJson, 'config/secrets.json': '{ "keys": "my-app_1700000000000_1234" }' }, { keys: 'my-app_1700000000000_1234' },
      { keys: 'config/config.prod.js' }, [ KEY ]), { developmentEnv: false })[0];
    assert.match(weak.message, /; config\/config\.prod\.js, which egg applies after config\/config\.default\.js \(that one computes the keys from the environment\), sets them to what it reads from config\/secrets\.json, whatever the variable holds$/);
    assert.match(weak.fix ?? '', /^Remove `keys` from config\/config\.prod\.js/);
    // A literal of an earlier file that a later file's unset variable leaves in effect names the later file as the reader, not as the writer.
    const earlier = weakCookieKeys.check(facts({ 'config/config.default.js': "exports.keys = 'short';\n", 'config/config.prod.js': 'module.exports = { keys: process.env.EGG_KEYS };\n' },
      { keys: 'short' }, { keys: 'config/config.default.js' }, []), { developmentEnv: false })[0];
    assert.doesNotMatch(earlier.message, /which egg applies after/);
  });
});

describe('values redacted from reports and logs', () => {
  it('a short secret of letters and digits where it stands alone (a webhook route), not a short word inside paths', () => {
    const redactor = new Redactor(collectSecretValues({ hook: { token: 'Hk7Tq2z' }, db: { password: 'admin' } }));
    assert.equal(redactor.text('POST /hooks/a/Hk7Tq2z'), `POST /hooks/a/${REDACTED}`);
    assert.equal(redactor.text('GET /admin/users'), 'GET /admin/users', 'a short word stays: it would garble every path');
    assert.equal(redactor.text('GET /x/aHk7Tq2z'), 'GET /x/aHk7Tq2z', 'inside a longer token it is no occurrence of the secret');
    // Round 14: beside - and _, in lower case; letters of both cases; six digits or more.
    for (const path of [ '/hooks/o/x-Hk7Tq2z', '/hooks/x_Hk7Tq2z', '/hooks/s/hk7tq2z' ]) assert.equal(redactor.text(path).includes('q2z'), false, path);
    const words = new Redactor(collectSecretValues({ hook: { token: 'qXzVbNm', secret: '482913', password: 'admin' } }));
    assert.equal(words.text('POST /hooks/p/qXzVbNm /hooks/q/482913 /admin/users'), `POST /hooks/p/${REDACTED} /hooks/q/${REDACTED} /admin/users`);
  });

  it('a long secret in any case, URL-encoded or base64 (a route built from a transformed secret)', () => {
    const secret = 'Ec/Val+5Qw=7Rt!';
    const redactor = new Redactor([ secret ]);
    for (const form of [ secret.toLowerCase(), encodeURIComponent(secret), Buffer.from(secret).toString('base64url'), Buffer.from(secret).toString('base64').replace(/=+$/, '') ]) {
      assert.equal(redactor.text(`/hooks/${form}`), `/hooks/${REDACTED}`, form);
    }
    // As a route's RegExp writes it, and that RegExp as JSON text (egg's router.json), round 15.
    const escaped = secret.replace(/[.*+?^${}()|[\]\\/=!:]/g, '\\$&');
    for (const text of [ `/^\\/hooks\\/${escaped}$/`, JSON.stringify(`/^\\/hooks\\/${escaped}$/`), JSON.stringify(`/^\\/b2\\/${encodeURIComponent(secret).replace(/[.*+?^${}()|[\]\\/=!:]/g, '\\$&')}/`) ]) {
      assert.ok(!redactor.text(text).includes('Val'), text);
    }
  });

  it('values of secret-named environment variables (a route path built from one), not of the others', () => {
    const environment = environmentSecretValues({ DEPLOY_HOOK_SECRET: 'DeployHookPlanted4f9a2c71', GIT_COMMIT: '4f9a2c71deadbeef', NODE_ENV: 'production' });
    assert.deepEqual(environment, [ 'DeployHookPlanted4f9a2c71' ]);
    // A secret word anywhere in the name (round 14); short settings of such variables are no secrets.
    assert.deepEqual(environmentSecretValues({ HOOK_SECRET_KEY_B64: 'HskVal7Gh3Jk1Lz', STRIPE_WHSEC: 'whsec_Zx81Qp', WEBHOOK_SIG: 'Sg4Val9Lp2', TOKEN_AUTH_ENABLED: 'true' }),
      [ 'HskVal7Gh3Jk1Lz', 'whsec_Zx81Qp', 'Sg4Val9Lp2' ]);
    // The shell's working directory, named like a password: every path under it was [REDACTED] in logs and reports.
    assert.deepEqual(environmentSecretValues({ PWD: '/srv/apps', OLDPWD: '/home/deploy', DB_PWD: 'Db-Pwd-Val-77' }), [ 'Db-Pwd-Val-77' ]);
    const redactor = new Redactor(collectSecretValues({}, undefined, environment));
    assert.equal(redactor.text('POST /hooks/b/DeployHookPlanted4f9a2c71'), `POST /hooks/b/${REDACTED}`);
  });

  it('not the app\'s name or directory, which a value under a secret-named object may equal (a JWT issuer)', () => {
    const values = collectSecretValues({ name: 'shop-api', baseDir: '/srv/shop-api', accessToken: { issuer: 'shop-api', secret: 'Tq8vN2kL5mW9xR' } });
    assert.ok(values.has('Tq8vN2kL5mW9xR'));
    assert.equal(values.has('shop-api'), false);
  });

  it('not a date under a secret-named object (a rotation\'s `until`), which a report must show (black-box round 34, h110 F7)', () => {
    const values = collectSecretValues({ sentinel: { ipc: { previousSecrets: [
      { secret: 'Tq8vN2kL5mW9xR-old', until: '2027-12-31' }, { secret: 'Zp4wK7mQ2xL9vR-old', until: '2027-06-17T12:00:00.000Z' } ] } },
    credentials: { expiresAt: '2027-01-01', until: 'Hk7Tq2zPw3Lm' } });
    assert.deepEqual([ ...values ].sort(), [ 'Hk7Tq2zPw3Lm', 'Tq8vN2kL5mW9xR-old', 'Zp4wK7mQ2xL9vR-old' ], 'a value that is no date stays hidden, whatever its name');
  });
});

describe('SEN202: placeholders are findings with their own text', () => {
  const cases: Array<[unknown, RegExp, string]> = [
    [ '', /is empty: no secret is configured/, 'medium' ],
    [ '   ', /is empty/, 'medium' ],
    [ '${DB_PASSWORD}', /unexpanded template/, 'high' ],
    [ '{{ db_password }}', /unexpanded template/, 'high' ],
    [ '$DB_PASSWORD', /unexpanded template/, 'high' ],
    [ 'changeme', /placeholder such as "changeme"/, 'high' ],
    [ 'CHANGE_ME', /placeholder/, 'high' ],
    [ 'your-api-key-here', /placeholder/, 'high' ],
    [ '<password>', /placeholder/, 'high' ],
    [ 'xxxxxxxx', /placeholder/, 'high' ],
    [ '********', /placeholder/, 'high' ],
  ];
  for (const [ value, text, severity ] of cases) {
    it(`${JSON.stringify(value)}: ${text.source}`, () => {
      const [ hit ] = check('password', value);
      assert.match(hit.message, text);
      assert.equal(hit.severity, severity);
      // No secret to rotate: the fix asks for the real one.
      assert.match(hit.fix ?? '', /^Configure the real secret from the environment in the config file: `password: env\.secret\('SERVICE_PASSWORD'\)`/);
    });
  }

  it('an empty value the file reads from the environment names the variable, in the message and the fix (black-box round 42, h2 F4)', () => {
    const file = 'config/config.default.js';
    const facts = fakeFacts({
      config: { mysql: { clients: { main: { password: '' }, report: { password: '' } } } },
      meta: { 'mysql.clients.main.password': file, 'mysql.clients.report.password': file },
      files: { configTexts: { [file]: 'module.exports = { mysql: { clients: { main: { password: process.env.MYSQL_PASSWORD }, report: { password: process.env.MYSQL_PASSWORD } } } };\n' } } as never,
    });
    const hits = hardCodedSecret.check(facts, { developmentEnv: false });
    assert.deepEqual(hits.map(hit => hit.message), [ 'main', 'report' ].map(client =>
      `config.mysql.clients.${client}.password is empty: config/config.default.js reads it from process.env.MYSQL_PASSWORD, which is empty in this process`));
    assert.match(hits[0].fix ?? '', /^Set MYSQL_PASSWORD to the real secret where egg starts .* `password: env\.secret\('MYSQL_PASSWORD'\)`/);
  });
});

describe('secret key names', () => {
  it('match the last word(s) of a key, in any case style', () => {
    for (const name of [ 'password', 'PASSWORD', 'dbPass', 'db_passwd', 'pwd', 'passphrase', 'clientSecret', 'jwt-secret', 'token', 'authToken',
      'refresh_tokens', 'apiKey', 'API_KEY', 'apikey', 'privateKey', 'private_key', 'masterKey', 'secretAccessKey', 'signingKey',
      'credential', 'credentials', 'dsn', 'userpassword',
      // One lowercase word, as WeChat, WeCom and DingTalk name them (black-box round 41, h3 F1).
      'appsecret', 'corpsecret', 'clientsecret', 'accesskeysecret', 'accesstoken', 'refreshtokens', 'adminpwd', 'clientcredentials' ]) {
      assert.ok(isSecretKeyName(name), name);
    }
  });

  it('do not match keys about secrets that are not secrets', () => {
    for (const name of [ 'keys', 'key', 'publicKey', 'accessKeyId', 'passwordHash', 'passwordMinLength', 'tokenExpiresIn', 'tokenUrl', 'secretName',
      'privateKeyPath', 'bypass', 'compass', 'passenger', 'cookieName', 'tokenizer', 'dsnOptions', 'appsecretname', 'tokenurl', '' ]) {
      assert.ok(!isSecretKeyName(name), name);
    }
  });

  it('placeholders: empty, templates, changeme-like words and egg\'s own dump masks', () => {
    assert.equal(placeholderKind(''), 'empty');
    assert.equal(placeholderKind('${A}'), 'template');
    assert.equal(placeholderKind('<String len: 12>'), 'placeholder');
    assert.equal(placeholderKind('[REDACTED]'), 'placeholder');
    assert.equal(placeholderKind('Tq8vN2kL5mW9xR'), undefined);
  });

  it('placeholders: instructions and stand-in markers left where a secret belongs (black-box round 23)', () => {
    for (const value of [ 'replace-with-output-of-egg-sentinel-keygen', 'Replace with your key', 'put-your-key-here', 'insert_secret_here',
      'change this to a real password', 'fill in the real token', 'paste-the-generated-value', 'please set your own secret', 'enter_your_password',
      'todo-real-key', 'TODO: generate', 'cookie-key-TBD', 'xxx-secret-xxx', 'secret-key-goes-here', 'api-token-here', 'FIXME later' ]) {
      assert.equal(placeholderKind(value), 'placeholder', value);
    }
    for (const value of [ 'Tq8vN2kL5mW9xR', 'setup-2024-Kx9!vQ', 'hereford-Bull-77', 'todolist-app-Wq3Lm8Zt2X', 'replaced!Q9x', 'use2Fa7kq',
      'photo-here-9Kq', 'there', 'enter', 'Xk9-mytodo', 'use-a-Kq7Wx2Zr9Tn4', 'add-new-Kq7Wx2Zr9', 'update-key-Kq7Wx2' ]) {
      assert.equal(placeholderKind(value), undefined, value);
    }
  });
});

describe('SEN202: salts, peppers and license keys (black-box round 23)', () => {
  for (const key of [ 'salt', 'passwordSalt', 'HASH_SALT', 'pepper', 'passwordPepper', 'licenseKey', 'license_key', 'LICENSE_KEY', 'licencekey', 'licenseKeys' ]) {
    it(`${key} holding a literal is a secret: reported and masked`, () => {
      assert.ok(isSecretKeyName(key), key);
      const [ hit ] = check(key, 'Zx81Lq0Pm3Nb7Vc5Xz2Aq9Ws4Ed');
      assert.match(hit?.message ?? '', /secret key name/);
      assert.ok(!hit.message.includes('Zx81Lq0Pm3Nb7Vc5Xz2Aq9Ws4Ed'));
      assert.deepEqual(maskSecrets({ newrelic: { [key]: 'Zx81Lq0Pm3Nb7Vc5Xz2Aq9Ws4Ed' } }), { newrelic: { [key]: REDACTED } });
    });
  }

  it('counts and lengths of a salt are settings: saltRounds, saltLength, a number under salt', () => {
    for (const key of [ 'saltRounds', 'salt_rounds', 'saltLength', 'saltBytes', 'saltSize', 'license', 'licenseType', 'licenseUrl' ]) assert.ok(!isSecretKeyName(key), key);
    assert.deepEqual(check('saltRounds', 10), []);
    assert.deepEqual(check('saltLength', 16), []);
    assert.deepEqual(check('salt', 10), []);
    assert.deepEqual(check('license', 'MIT'), []);
    assert.deepEqual(maskSecrets({ bcrypt: { saltRounds: 10, saltLength: 16 } }), { bcrypt: { saltRounds: 10, saltLength: 16 } });
  });
});

describe('masking and redaction', () => {
  const config = {
    mysql: { client: { host: 'db.internal', password: 'Tq8vN2kL5mW9xR' } },
    credentials: { user: 'svc', nested: { id: 'x-42' } },
    upstream: { url: 'https://svc:Up5tr3amPa55@api.internal/v1', timeoutMs: 3000 },
    deploy: { note: 'token ghp_4Fq9ZbX2kLm7Rt8Yw1Nv3Hc6Jd0Gs5Pu2EaT in a sentence' },
    keys: 'first-cookie-key,second-cookie-key',
    smtp: { password: 'changeme' },
    sentry: { dsn: 'https://4f0c9b8a7e6d@o123456.ingest.sentry.io/7654321' },
  };

  it('maskSecrets masks values under secret names (whole objects too), and tokens and URL passwords inside strings', () => {
    const masked = maskSecrets(config);
    assert.deepEqual(masked, {
      mysql: { client: { host: 'db.internal', password: '[REDACTED]' } },
      credentials: { user: '[REDACTED]', nested: { id: '[REDACTED]' } },
      upstream: { url: 'https://svc:[REDACTED]@api.internal/v1', timeoutMs: 3000 },
      deploy: { note: 'token [REDACTED] in a sentence' },
      keys: '[REDACTED]',
      smtp: { password: '[REDACTED]' },
      // Not a finding (SEN202), but masking errs on the side of hiding.
      sentry: { dsn: '[REDACTED]' },
    });
    assert.equal(config.mysql.client.password, 'Tq8vN2kL5mW9xR', 'the input is not changed');
  });

  it('findSecrets with inherit reports what a dump still leaks, placeholders marked', () => {
    const leaks = findSecrets(config, { inherit: true }).filter(leaf => !leaf.placeholder).map(leaf => leaf.keyPath);
    assert.deepEqual(leaks.sort(), [ 'credentials.nested.id', 'credentials.user', 'deploy.note', 'keys', 'mysql.client.password', 'sentry.dsn', 'upstream.url' ]);
    assert.deepEqual(findSecrets(config).map(leaf => leaf.keyPath).sort(), [ 'deploy.note', 'mysql.client.password', 'smtp.password', 'upstream.url' ]);
  });

  it('an `auth` of user:password (urllib, http.request) is a secret; an `auth` naming a strategy is not', () => {
    const found = findSecrets({ httpclient: { request: { auth: 'deploy-bot:Hq7Lm2Zx9Wr4' } }, proxyAuth: 'svc:Zr8Kd2Lq', passport: { auth: 'jwt' }, cas: { auth: 'https://sso.example.com' } });
    assert.deepEqual(found.map(leaf => [ leaf.keyPath, leaf.kind ]), [[ 'httpclient.request.auth', 'a secret-named key' ], [ 'proxyAuth', 'a secret-named key' ]]);
  });

  it('configSecrets walks a facts snapshot\'s config once for both readings (SEN202 and report redaction)', () => {
    const facts = { config };
    const readings = configSecrets(facts);
    assert.equal(configSecrets(facts), readings, 'the second ask reuses the walk');
    assert.deepEqual(readings.plain, findSecrets(config));
    assert.deepEqual(readings.inherited, findSecrets(config, { inherit: true }));
    assert.deepEqual(collectSecretValues(config, readings.inherited), collectSecretValues(config));
  });

  it('every occurrence of a shape is masked and redacted, not only the first of its kind', () => {
    // Two webhook routes with different bot tokens (egg's router.json), two GitHub tokens in one note.
    const first = 'xoxb-1111111111-2222222222-AbCdEfGhIjKlMnOpQrSt';
    const second = 'xoxb-3333333333-4444444444-ZyXwVuTsRqPoNmLkJiHg';
    assert.equal(maskSecretShapes(`[{"path":"/a/${first}"},{"path":"/b/${second}"}]`), '[{"path":"/a/[REDACTED]"},{"path":"/b/[REDACTED]"}]');
    assert.equal(maskSecretShapes('https://oapi.dingtalk.com/robot/send?access_token=5f1c9e0b7d3a4c2e8b6f0a1d9c7e5b3a&x=1'),
      'https://oapi.dingtalk.com/robot/send?access_token=[REDACTED]&x=1', 'a query token: the value only');
    // Chat bots' webhooks: the token only (black-box round 43, h2 F4).
    assert.equal(maskSecretShapes('{"robot":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?debug=1&key=75735c8c-e051-0797-db9c-cba4b1002b4a"}'),
      '{"robot":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?debug=1&key=[REDACTED]"}');
    assert.equal(maskSecretShapes('https://open.feishu.cn/open-apis/bot/v2/hook/c5318bec-23df-405b-27dc-211124aad583'), 'https://open.feishu.cn/open-apis/bot/v2/hook/[REDACTED]');
    assert.equal(maskSecretShapes('https://api.telegram.org/bot6123456789:AAHCvfXpSenpDLePit63Lz8tvxtrPZhRlyM/sendMessage'), 'https://api.telegram.org/bot[REDACTED]/sendMessage');
    assert.equal(maskSecretShapes('https://qyapi.weixin.qq.com/cgi-bin/webhook/upload_media?type=file'), 'https://qyapi.weixin.qq.com/cgi-bin/webhook/upload_media?type=file', 'no key, nothing masked');
    const note = `rotate ${first} then ${second}`;
    assert.deepEqual(maskSecrets({ deploy: { note } }), { deploy: { note: 'rotate [REDACTED] then [REDACTED]' } });
    const secrets = collectSecretValues({ deploy: { note } });
    assert.ok(secrets.has(first) && secrets.has(second));
  });

  it('a key named by its parent (`aes: { key }`, as `aesKey`) is a secret; `cache: { key }` is not (black-box round 13)', () => {
    const values = collectSecretValues({ aes: { key: 'AesKeyPlanted0123456789abcdef' }, cache: { key: 'users:list' }, aes256: { key: 'Aes256Planted0123456789abcd' }, AES: { Key: 'AesUpperPlanted0123456789ab' }, aes_256_gcm: { key: 'GcmKeyMaterial55abcdefgh' } });
    assert.ok(values.has('AesKeyPlanted0123456789abcdef') && values.has('Aes256Planted0123456789abcd') && values.has('AesUpperPlanted0123456789ab'));
    assert.ok(values.has('GcmKeyMaterial55abcdefgh'), 'a qualifier anywhere in the parent\'s name (round 15)');
    assert.equal(values.has('users:list'), false);
    assert.deepEqual(maskSecrets({ aes: { key: 'AesKeyPlanted0123456789abcdef' } }), { aes: { key: REDACTED } });
  });

  it('a URL password holding @ is masked whole: it runs to the last @ of the authority (black-box round 13)', () => {
    assert.equal(maskSecretShapes('{"url":"postgres://svc:P@ssPlant3dAt@pg:5432/db"}'), '{"url":"postgres://svc:[REDACTED]@pg:5432/db"}');
    assert.equal(maskSecretShapes('amqp://svc:S3cr3tPw@mq/vhost and http://example.com/a@b'), 'amqp://svc:[REDACTED]@mq/vhost and http://example.com/a@b');
    // A user name holding @ (Azure Database's user@server), a password holding # or ? (round 14).
    assert.equal(maskSecretShapes('postgres://admin@myserver:S3cretPw9x@myserver.postgres.database.azure.com:5432/db'), 'postgres://admin@myserver:[REDACTED]@myserver.postgres.database.azure.com:5432/db');
    assert.equal(maskSecretShapes('redis://:Rp@ss#Wd9x@redis:6379/0'), 'redis://:[REDACTED]@redis:6379/0');
    assert.equal(maskSecretShapes('https://u:pw9x@host/x?e=a@b'), 'https://u:[REDACTED]@host/x?e=a@b');
  });

  it('a PEM private key is masked whole, header, body and END line, also as JSON text with \\n escapes', () => {
    const pem = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n${PEM_BODY}\n-----END PRIVATE KEY-----\n`;
    assert.deepEqual(maskSecrets({ jwt: { signing: { pem } } }), { jwt: { signing: { pem: '[REDACTED]' } } });
    const text = JSON.stringify({ jwt: { pem }, next: 'kept' });
    assert.equal(maskSecretShapes(text), '{"jwt":{"pem":"[REDACTED]"},"next":"kept"}');
    assert.ok(collectSecretValues({ jwt: { pem } }).has(pem.trim()), 'the whole block redacts the report');
  });

  it('a token used as a key is a secret: found, masked in dumps (numbered when two collide) and reported by SEN202', () => {
    const first = 'sk_live_KEYASMAPKEY0123456789abcdef';
    const second = 'sk_live_ANOTHERKEY0123456789abcdef';
    const config = { apiClients: { [first]: 'client-a', [second]: 'client-b', plain: 'x' } };
    assert.deepEqual(findSecrets(config).map(leaf => [ leaf.keyPath.replace(first, 'FIRST').replace(second, 'SECOND'), leaf.kind ]),
      [[ 'apiClients.FIRST', 'a Stripe secret key (as a key name)' ], [ 'apiClients.SECOND', 'a Stripe secret key (as a key name)' ]]);
    assert.deepEqual(new Redactor([]).deep(maskSecrets(config)), { apiClients: { '[REDACTED]': 'client-a', '[REDACTED] #2': 'client-b', plain: 'x' } });
    const [ hit ] = check(first, 'client-a');
    assert.match(hit.message, /Stripe secret key \(as a key name\)/);
    const parsed = maskSecrets(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>);
    assert.ok(Object.prototype.hasOwnProperty.call(parsed, '__proto__') && Object.getPrototypeOf(parsed) === Object.prototype, '__proto__ from JSON stays an own key');
    // Holding an object: egg records the file of the leaves below it, which is where the key is written.
    const nested = fakeFacts({ config: { tenants: { [first]: { name: 'c' } } }, meta: { [`tenants.${first}.name`]: 'config/config.default.ts' } });
    assert.deepEqual(hardCodedSecret.check(nested, { developmentEnv: false }).map(found => found.message.replace(first, 'TOKEN')),
      [ 'config.tenants.TOKEN holds a Stripe secret key (as a key name), written in a config file instead of read from the environment' ]);
    assert.ok(!JSON.stringify(hit).includes(first) || hit.target.includes(first), 'the token is only in the target, which the report redacts');
  });

  it('a PEM private key kept as an array of its lines is masked line by line, body and END line included', () => {
    const lines = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`.split('\n');
    const masked = maskSecrets({ tls: { lines, port: 443 } });
    assert.deepEqual(masked, { tls: { lines: [ '[REDACTED]', '[REDACTED]', '[REDACTED]', '[REDACTED]' ], port: 443 } });
    assert.deepEqual(new Redactor([]).deep({ lines }), { lines: [ '[REDACTED]', '[REDACTED]', '[REDACTED]', '[REDACTED]' ] }, 'egg\'s own dump write too');
    assert.deepEqual(maskSecrets({ hosts: [ 'a.internal', 'b.internal' ] }), { hosts: [ 'a.internal', 'b.internal' ] }, 'other arrays stay');
  });

  it('SEN202 names a kind once for a value holding two tokens of it', () => {
    const hits = check('note', 'xoxb-1111111111-2222222222-AbCdEfGhIjKlMnOpQrSt, xoxb-3333333333-4444444444-ZyXwVuTsRqPoNmLkJiHg');
    assert.equal(hits.length, 1);
    assert.equal(hits[0].message.match(/Slack token/g)?.length, 1, hits[0].message);
  });

  it('collectSecretValues feeds the report redactor: secrets and cookie keys, not placeholders', () => {
    const secrets = collectSecretValues(config);
    for (const value of [ 'Tq8vN2kL5mW9xR', 'Up5tr3amPa55', 'ghp_4Fq9ZbX2kLm7Rt8Yw1Nv3Hc6Jd0Gs5Pu2EaT', 'first-cookie-key', 'second-cookie-key' ]) {
      assert.ok(secrets.has(value), value);
    }
    assert.ok(!secrets.has('changeme') && !secrets.has('db.internal'));
  });
});

describe('walkPlainData', () => {
  it('visits every node once, depth-first, with its key path and the key names from the root', () => {
    const shared = { token: 't' };
    const tree: Record<string, unknown> = { a: { b: [ 1, , { c: 'x' } ] }, shared, again: shared, list: [ shared ] }; // eslint-disable-line no-sparse-arrays
    tree.self = tree;
    const visits: Array<[string, string]> = [];
    walkPlainData(tree, (_value, keyPath, names) => visits.push([ keyPath, names.join('/') ]));
    assert.deepEqual(visits, [
      [ '', '' ], [ 'a', 'a' ], [ 'a.b', 'a/b' ], [ 'a.b[0]', 'a/b' ], [ 'a.b[2]', 'a/b' ], [ 'a.b[2].c', 'a/b/c' ],
      // A node reached twice is visited twice but walked into once; a cycle back to the root stops there.
      [ 'shared', 'shared' ], [ 'shared.token', 'shared/token' ], [ 'again', 'again' ], [ 'list', 'list' ], [ 'list[0]', 'list' ],
      [ 'self', 'self' ],
    ]);
  });

  it('walks own keys only, even when Object.prototype was polluted', () => {
    const visits: string[] = [];
    (Object.prototype as Record<string, unknown>).pollutedForTest = 'x';
    try {
      walkPlainData({ own: 1 }, (_value, keyPath) => visits.push(keyPath));
    } finally {
      delete (Object.prototype as Record<string, unknown>).pollutedForTest;
    }
    assert.deepEqual(visits, [ '', 'own' ]);
  });
});

describe('egg\'s copy of package.json (config.pkg): package and script names are no secret names (black-box round 25)', () => {
  it('workspace:, github: and file: specs of packages named like auth or token, and npm scripts named like secrets, are not secrets; a credential in a spec still is', () => {
    const pkg = {
      name: 'shop', version: '1.0.0',
      dependencies: { '@acme/auth': 'workspace:*', '@acme/jwt-token': 'workspace:^', 'passport-auth': 'github:acme/passport-auth#v1.2.0', 'egg-auth': 'file:../egg-auth-1.0.0.tgz' },
      scripts: { 'gen:secret': 'node scripts/gen-secret.js', 'jwt:token': 'node scripts/token.js', 'db:password': 'node scripts/rotate.js' },
    };
    assert.deepEqual(findSecrets({ pkg }), []);
    assert.deepEqual(configSecrets({ config: { pkg } }).plain, []);
    const leaked = findSecrets({ pkg: { ...pkg, dependencies: { ...pkg.dependencies, internal: 'git+https://deploy:Pkg-Spec-Pw-8812x@git.acme.example/internal.git' } } });
    assert.deepEqual(leaked.map(leaf => leaf.keyPath), [ 'pkg.dependencies.internal' ]);
    // Elsewhere in the config the same names still count.
    assert.deepEqual(findSecrets({ auth: 'deploy:Pkg-Spec-Pw-8812x' }).map(leaf => leaf.keyPath), [ 'auth' ]);
  });
});
