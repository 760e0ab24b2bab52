'use strict';
/**
 * Threat 4 on egg 4 (mm.app), with the egg 3 suite's mw-* fixtures: the chain egg 4 composes (its router middleware
 * last), @eggjs/router's routes and egg 4's match/ignore. Each rule refuses its insecure fixture and a request in
 * report-only mode proves the hole is real; the secure fixture refuses those requests.
 */
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { mm } = require('@eggjs/mock');
const { egg3Fixture } = require('./egg3-fixtures');
const { expectRefused, readJson, withApp, withConfig } = require('./helpers');

const AUTHORIZED = { authorization: 'Bearer fixture-token' };

const middlewareFindings = app => app.sentinel.report.findings.filter(finding => finding.ruleId.startsWith('SEN4'));

/** Boots an insecure fixture in report-only mode, to send it requests. */
function withReportOnly(name, use) {
  withConfig({ sentinel: { failOn: 'never' } });
  return withApp(egg3Fixture(name), use);
}

const servedBy = async request => (await request).body.servedBy;

describe('egg 4: middleware order and route coverage (mm.app)', function() {
  this.timeout(60000);
  afterEach(mm.restore);

  describe('the secure fixture (every route needs auth unless public)', () => {
    let baseDir;
    let app;
    before(async () => {
      baseDir = egg3Fixture('mw-secure', { fresh: true }); // a log of its own: the chain is logged once per boot
      app = mm.app({ baseDir, cache: false });
      await app.ready();
    });
    after(() => app.close());

    it('boots without any middleware or route finding', () => {
      assert.deepEqual(middlewareFindings(app), []);
    });

    it('auth refuses protected requests without a token, /health is public; the route guard and csrf still apply', async () => {
      for (const url of [ '/api/users', '/api/users/', '/data/report', '/admin/export' ]) await app.httpRequest().get(url).expect(401);
      await app.httpRequest().get('/api/users').set('x-internal', 'yes').expect(401);
      await app.httpRequest().get('/health').expect(200);
      await app.httpRequest().get('/admin/export').set(AUTHORIZED).expect(403, /refusedBy.*adminOnly/);
      await app.httpRequest().get('/admin/export').set(AUTHORIZED).set('x-role', 'admin').expect(200);
      await app.httpRequest().post('/api/users').set(AUTHORIZED).expect(403);
    });

    it('logs the effective chain once and reports it with the route table, egg 4\'s router last', () => {
      const log = fs.readFileSync(path.join(baseDir, 'logs/mw-secure/egg-web.log'), 'utf8');
      assert.equal(log.split('effective middleware chain').length - 1, 1);
      assert.match(log, /#\d+ auth {2}app, app\/middleware\/auth\.js, ignore: '\/health'/);
      const { middleware, routes } = readJson(path.join(baseDir, 'run/sentinel-report.json'));
      const names = middleware.map(entry => entry.name);
      assert.deepEqual(names.slice(-3), [ 'auth', 'dataApi', 'router' ]);
      assert.ok(names.indexOf('securities') < names.indexOf('auth'));
      const exportRoute = routes.find(route => route.route === 'GET /admin/export');
      assert.equal(exportRoute.controller, 'app/controller/admin.js#AdminController.export()');
      assert.match(exportRoute.chain, /^meta > .* > securities > (.* > )?auth > dataApi > route:adminOnly$/);
      assert.deepEqual(routes.find(route => route.route === 'GET /health').skipped, [ 'auth' ]);
    });
  });

  describe('SEN401: required middleware disabled in an env file', () => {
    it('refuses boot in prod naming config/config.prod.js; the hole is real; in unittest auth is on and nothing fires', async () => {
      mm.env('prod');
      const message = await expectRefused(egg3Fixture('mw-disabled'), /SEN401/);
      assert.match(message, /auth is required but disabled: enable: false in config\/config\.prod\.js/);
      // In prod EGG_APP_CONFIG may not set config.sentinel: the fixture reads its failOn from its own environment.
      mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', 'never');
      await withApp(egg3Fixture('mw-disabled'), async app => {
        assert.equal(await servedBy(app.httpRequest().get('/api/users').expect(200)), 'controller');
      });
      mm.restore();
      await withApp(egg3Fixture('mw-disabled'), async app => {
        assert.deepEqual(middlewareFindings(app), []);
        await app.httpRequest().get('/api/users').expect(401);
      });
    });
  });

  it('SEN402: auth after a middleware that answers requests refuses boot, and dataApi really serves first', async () => {
    const message = await expectRefused(egg3Fixture('mw-order'), /SEN402/);
    assert.match(message, /#\d+ auth \(app\/middleware\/auth\.js\) runs after #\d+ dataApi \(app\/middleware\/data_api\.js\)/);
    assert.match(message, /order\[0\] says auth runs before dataApi/);
    await withReportOnly('mw-order', async app => {
      assert.equal(await servedBy(app.httpRequest().get('/data/report').expect(200)), 'dataApi');
      await app.httpRequest().get('/api/users').expect(401);
    });
  });

  describe('SEN403: auth weakened by match/ignore', () => {
    it("ignore: '/api' with /api/** protected refuses boot naming the config file; /api/users answers without a token", async () => {
      const message = await expectRefused(egg3Fixture('mw-ignore'), /SEN403/);
      assert.match(message, /auth's ignore: '\/api' leaves 1 protected route\(s\) without it: GET \/api\/users \(skips this route\)/);
      assert.match(message, /where: middleware:auth \(from config\/config\.default\.js\)/);
      await withReportOnly('mw-ignore', async app => {
        assert.equal(await servedBy(app.httpRequest().get('/api/users').expect(200)), 'controller');
      });
    });

    it('a RegExp match that misses the trailing-slash path egg 4 routes to the same controller', async () => {
      const message = await expectRefused(egg3Fixture('mw-trailing-slash'), /SEN403/);
      assert.match(message, /GET \/api\/users \(skips \/api\/users\/\)/);
      await withReportOnly('mw-trailing-slash', async app => {
        await app.httpRequest().get('/api/users').expect(401);
        assert.equal(await servedBy(app.httpRequest().get('/api/users/').expect(200)), 'controller');
      });
    });

    it('an ignore function that reads a client-controlled header cannot be verified', async () => {
      const message = await expectRefused(egg3Fixture('mw-header-bypass'), /SEN403/);
      assert.match(message, /its match\/ignore function reads ctx\.get\('x-internal'\), which the client controls/);
      await withReportOnly('mw-header-bypass', async app => {
        await app.httpRequest().get('/api/users').expect(401);
        await app.httpRequest().get('/api/users').set('x-internal', 'yes').expect(200);
      });
    });

    it("an ignore function that reads a header of the request in egg 4's app.currentContext cannot be verified", async () => {
      const message = await expectRefused(egg3Fixture('mw-context-header'), /SEN403/);
      assert.match(message, /its match\/ignore function reads ctx\.get\('x-internal-call'\), which the client controls/);
      await withReportOnly('mw-context-header', async app => {
        await app.httpRequest().get('/api/users').expect(401);
        assert.equal(await servedBy(app.httpRequest().get('/api/users').set('x-internal-call', '1').expect(200)), 'controller');
      });
    });

    it("an ignore function over a suffix list it closes over: a segment of the policy's public paths fills @eggjs/router's parameter", async () => {
      const message = await expectRefused(egg3Fixture('mw-suffix-closure'), /SEN403/);
      assert.match(message, /GET \/api\/v1\/posts\/:id \(skips \/api\/v1\/posts\/login/);
      await withReportOnly('mw-suffix-closure', async app => {
        await app.httpRequest().get('/api/v1/posts/7').expect(401);
        assert.equal(await servedBy(app.httpRequest().get('/api/v1/posts/login').expect(200)), 'controller');
      });
    });
  });

  it('SEN404: the egg 3 fixture refuses boot naming the controller file; listing the route in routes.public boots', async () => {
    const message = await expectRefused(egg3Fixture('mw-unprotected'), /SEN404/);
    assert.match(message, /GET \/admin\/export → app\/controller\/admin\.js#AdminController\.export\(\) is protected but reaches the controller without its guard/);
    assert.doesNotMatch(message, /GET \/admin →/, '/admin has auth on the route');
    withConfig({ sentinel: { routes: { public: [
      { path: '/health', methods: [ 'GET' ], reason: 'load balancer probe' },
      { path: '/admin/export', methods: [ 'GET' ], reason: 'public open-data export' },
    ] } } });
    await withApp(egg3Fixture('mw-unprotected'), async app => assert.deepEqual(middlewareFindings(app), []));
  });

  it("SEN405: @eggjs/security's securities middleware taken out of the chain refuses boot; a POST without a csrf token then reaches the controller", async () => {
    const message = await expectRefused(egg3Fixture('mw-no-securities'), /SEN405/);
    assert.match(message, /securities middleware is not in coreMiddleware/);
    await withReportOnly('mw-no-securities', async app => {
      assert.equal(await servedBy(app.httpRequest().post('/api/users').expect(201)), 'controller');
    });
  });

  it('SEN406: a misspelled middleware and a pattern that matches no route of egg 4\'s router', async () => {
    withConfig({ sentinel: { failOn: 'high', middleware: { required: [ 'Auth' ] }, routes: { protect: [{ paths: [ '/apii/**' ], by: [ 'auth' ] }] } } });
    const message = await expectRefused(egg3Fixture('mw-secure'), /SEN406/);
    assert.match(message, /"Auth" is no middleware of this app \(did you mean "auth"\?\)/);
    assert.match(message, /"\/apii\/\*\*" matches no route of this app/);
  });
});
