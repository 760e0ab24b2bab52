'use strict';
/** egg-sentinel's boot checks in real egg 4 apps: a secure app boots clean, insecure ones are refused by rule id. */
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { mm } = require('@eggjs/mock');
const { egg3Fixture, tempApp } = require('./egg3-fixtures');
const { expectRefused, fileMode, fixture, itRefuses, readJson, reportFindings, startMockCluster, withApp } = require('./helpers');

describe('egg 4: boot checks in a real app (mm.app)', () => {
  afterEach(mm.restore);

  describe('secure app', () => {
    const baseDir = fixture('secure-app');
    let app;
    before(async () => {
      app = mm.app({ baseDir, cache: false });
      await app.ready();
    });
    after(() => app.close());

    it('boots with zero findings, serves requests, and reports egg 4', async () => {
      const report = app.sentinel.report;
      assert.deepEqual(report.findings, []);
      assert.equal(report.refused, false);
      assert.match(report.app.eggVersion, /^4\./);
      await app.httpRequest().get('/').expect(200, 'ok');
    });

    it('writes run/sentinel-report.json with mode 0600 and no secret value', () => {
      const file = path.join(baseDir, 'run/sentinel-report.json');
      assert.equal(fileMode(file), 0o600);
      assert.equal(readJson(file).app.env, 'unittest');
      assert.ok(!fs.readFileSync(file, 'utf8').includes('Qm9vdC1zZWN1cmUtZml4dHVyZS1rZXktN3hQcTJ3Rk'), 'the cookie key must not appear');
    });

    it('checks at willReady, when egg 4 has put its router middleware (routerMiddleware) last and the routes are known', () => {
      const { middleware, routes } = app.sentinel.report;
      const chain = middleware.filter(entry => entry.position !== null).map(entry => entry.name);
      assert.equal(chain.at(-1), 'router');
      assert.ok(chain.includes('securities'), chain.join(' > '));
      // An inline handler is named by the line of app/router.js that registered it, found past @eggjs/router's frames.
      assert.deepEqual(routes.map(route => [ route.route, route.controller ]), [[ 'GET /', 'inline handler <anonymous> registered at app/router.js:4' ]]);
    });
  });

  it('SEN201: scaffolded cookie keys refuse boot in prod, naming the rule, the key and the file', async () => {
    mm.env('prod');
    const message = await expectRefused(fixture('weak-keys'), /SEN201/);
    assert.match(message, /config\.keys \(from config\/config\.default\.js\)/);
    assert.ok(!message.includes('1700000000000_4321'), 'the key itself is never printed');
  });

  describe('waivers and config.sentinel (egg 3 fixtures)', () => {
    it('a waived finding boots in prod, and the report says who accepted what until when', async () => {
      mm.env('prod');
      await withApp(egg3Fixture('weak-keys-waived'), async app => {
        const [ finding ] = app.sentinel.report.findings.filter(entry => entry.ruleId === 'SEN201');
        assert.equal(finding.blocking, false);
        assert.deepEqual(finding.waivedBy, { reason: 'staging box, keys rotated by the deploy job', expires: '2999-12-31' });
      });
    });

    itRefuses([
      {
        rule: 'SEN201', title: 'an expired waiver no longer waives and is itself reported (SEN001)', env: 'prod', app: () => egg3Fixture('weak-keys-expired-waiver'),
        then: ({ baseDir }) => assert.match(reportFindings(baseDir, 'SEN001')[0].message, /expired on 2020-01-31/),
      },
    ]);

    it('an invalid config.sentinel, read from egg 4\'s async config, refuses boot naming the key', async () => {
      const dir = tempApp('bad-config', { 'config/config.default.js': "module.exports = { keys: 'x7Rk2-strong-fixture-key-9aQmZ4bLw8NcY3tVe6Hj', sentinel: { failon: 'low' } };\n" });
      const message = await expectRefused(dir, /invalid config\.sentinel, boot refused/);
      assert.match(message, /config\.sentinel\.failon: unknown option.*did you mean "failOn"/s);
    });
  });

  describe('SEN301: a traversal in the server env', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-egg4-outside-'));
    after(() => fs.rmSync(outside, { recursive: true, force: true }));

    it('egg 4 really runs a file outside the app, and the boot is refused naming the source', async () => {
      const marker = path.join(outside, 'ran.txt');
      fs.writeFileSync(path.join(outside, 'evil.js'), `require('fs').appendFileSync(${JSON.stringify(marker)}, 'ran\\n');\nmodule.exports = {};\n`);
      mm(process.env, 'EGG_SERVER_ENV', `/${'../'.repeat(30)}${outside.slice(1)}/evil`);
      const message = await expectRefused(fixture('secure-app'), /SEN301/);
      assert.ok(fs.existsSync(marker), 'the outside file ran: the hole is real on egg 4');
      assert.match(message, /server env ".*evil" from EGG_SERVER_ENV contains characters outside \[A-Za-z0-9_-\]/);
    });
  });
});

describe('egg 4: a refused boot under a real cluster (mm.cluster)', () => {
  afterEach(mm.restore);

  it('the worker refuses, the master exits non-zero and stderr names the rule', async function() {
    this.timeout(90000);
    mm.env('prod');
    const app = await startMockCluster({ baseDir: fixture('weak-keys'), workers: 1 }); // ready when the master exits
    try {
      assert.notEqual(app.proc.exitCode, 0);
      assert.match(app.stderr, /SentinelBootError: \[egg-sentinel\] boot refused by the app/);
      assert.match(app.stderr, /SEN201/);
    } finally {
      await app.close();
    }
  });
});
