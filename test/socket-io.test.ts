import assert from 'node:assert';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import mm from 'egg-mock';
import { bootApp, expectRefused, reportFindings, tempApp } from './helpers';
import { sentinel } from './run-cli';

type MockApp = ReturnType<typeof mm.app>;
interface ClientSocket {
  on(event: string, listener: (...args: any[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  close(): void;
}
/** socket.io-client 2, the client of egg-socket.io's socket.io 2 (it ships no types). */
const connect = createRequire(__filename)('socket.io-client') as (url: string, options: object) => ClientSocket;

/** A supported Node.js, so that only the rule under test fires whatever Node runs the tests (SEN607 has its own tests). */
const SUPPORTED_NODE = 'v24.17.0';
const APP_ORIGIN = 'https://www.example.com';
const EVIL_ORIGIN = 'https://evil.example';

/**
 * An egg-socket.io app as its README sets one up (under the plugin name `plugin`), whose socket answers with the
 * session's user (the connectionMiddleware refuses a socket without one); `appJs` is the app's app.js.
 */
function socketApp(name: string, appJs?: string, plugin = 'io'): string {
  const dir = tempApp(name, {
    'config/plugin.js': `exports.${plugin} = { enable: true, package: 'egg-socket.io' };\n`,
    // An allowRequest of the app's own replaces socket.io's origin check. `bound`: a module's anonymous
    // `function (admit, req, fn)` bound to its setting, named `bound ` as socket.io's own bound check is.
    'config/config.default.js': 'module.exports = () => {\n  const allowRequest = { any: (req, fn) => fn(null, true),\n' +
      '    bound: (function (admit, req, fn) { fn(null, admit); }).bind(null, true) }[process.env.SENTINEL_FIXTURE_ALLOW_REQUEST];\n' +
      `  return { keys: '${name}-Kx2Wq7Lt5Zm9Vr3Pb8Nd1Hc6Ys4Jf0Ge',\n` +
      "  security: { csp: { enable: true, policy: { 'default-src': \"'self'\" } }, ssrf: { checkAddress: () => false }, domainWhiteList: [ 'www.example.com' ] },\n" +
      '  session: { encrypt: false },\n' +
      "  io: { init: allowRequest ? { allowRequest } : {}, namespace: { '/': { connectionMiddleware: [ 'auth' ], packetMiddleware: [] } } },\n" +
      "  sentinel: { failOn: process.env.SENTINEL_FIXTURE_FAIL_ON || 'medium' } };\n};\n",
    'app/io/middleware/auth.js': "module.exports = () => async (ctx, next) => {\n  if (!ctx.session.uid) { ctx.socket.emit('res', 'denied'); ctx.socket.disconnect(); return; }\n  await next();\n};\n",
    'app/io/controller/chat.js': "const { Controller } = require('egg');\nmodule.exports = class extends Controller {\n" +
      "  async index() { this.ctx.socket.emit('res', `uid=${this.ctx.session.uid}`); }\n};\n",
    'app/router.js': "module.exports = app => {\n  app.router.get('/login', ctx => { ctx.session.uid = 'alice'; ctx.body = 'ok'; });\n" +
      "  app.io.of('/').route('chat', app.io.controller.chat.index);\n};\n",
    ...appJs && { 'app.js': appJs },
  });
  // Installed as an app has it: egg for the controller's require, egg-socket.io for the audit.
  fs.symlinkSync(path.join(__dirname, '../node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Serves the app on a port as egg-cluster does (egg-socket.io attaches on the `server` event); returns its URL. */
async function listen(app: MockApp, use: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer(app.callback());
  app.emit('server', server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  try {
    await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    (app as any).io.close();
    await new Promise(resolve => server.close(resolve));
  }
}

/** The session cookie of a user who logged in. */
function login(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(`${url}/login`, res => {
      res.resume();
      resolve((res.headers['set-cookie'] ?? []).map(cookie => cookie.split(';')[0]).join('; '));
    }).on('error', reject);
  });
}

/** What a page on `origin` gets from the socket in the logged-in user's browser: the answer to `chat`, or how it failed. */
function handshake(url: string, origin: string, cookie: string): Promise<string> {
  return new Promise(resolve => {
    const socket = connect(url, { transports: [ 'websocket' ], reconnection: false, forceNew: true, extraHeaders: { Origin: origin, Cookie: cookie } });
    const done = (answer: string) => {
      socket.close();
      resolve(answer);
    };
    socket.on('connect', () => socket.emit('chat'));
    socket.on('res', done);
    socket.on('connect_error', (error: Error) => done(`connect_error: ${error.message}`));
  });
}

describe('threat 6: egg-socket.io handshake origin (SEN613, mm.app)', () => {
  afterEach(mm.restore);

  function prod(failOn?: string): void {
    mm.restore();
    mm.env('prod');
    mm(process, 'version', SUPPORTED_NODE);
    if (failOn) mm(process.env, 'SENTINEL_FIXTURE_FAIL_ON', failOn);
  }

  /** socket.io's default origins: boot refused in prod, and with failOn never any site's page gets the user's socket. The refusal. */
  async function expectDefaultOriginsHole(dir: string): Promise<string> {
    prod();
    const message = await expectRefused(dir, /SEN613/);
    assert.match(message, /egg-socket\.io's handshake accepts any site: app\.io\.origins\(\) is '\*:\*'/);
    prod('never');
    const app = await bootApp(dir);
    try {
      await listen(app, async url => {
        assert.equal(await handshake(url, EVIL_ORIGIN, await login(url)), 'uid=alice');
      });
    } finally {
      await app.close();
    }
    return message;
  }

  it('SEN613: egg-socket.io with socket.io\'s default origins refuses boot in prod, and any site\'s page gets the logged-in user\'s socket (black-box round 35, h111 F3)', async () => {
    const dir = socketApp('socket-io-any-origin');
    try {
      assert.match(await expectDefaultOriginsHole(dir), /, so their pages open a socket with the logged-in user's session cookie/);
      // The audit creates no socket.io server: it names the rule as one only boot checks.
      const audit = await sentinel([ 'audit', '--env', 'prod', '--base-dir', dir, '--format', 'json' ]);
      const report = JSON.parse(audit.stdout);
      assert.deepEqual(report.audit.warnings, [], audit.stderr);
      assert.match(report.audit.skippedRules.find((rule: { ruleId: string }) => rule.ruleId === 'SEN613')?.reason ?? '', /asks the socket\.io server egg-socket\.io creates in the running app/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SEN613: config.io.init.origins never reaches socket.io\'s check, an origins string admits hosts it contains, an allowRequest replaces the check; the holes are real (black-box round 35, h111 F3)', async () => {
    const dir = socketApp('socket-io-config-origins', 'module.exports = app => {\n  if (process.env.SENTINEL_FIXTURE_ORIGINS) app.io.origins(process.env.SENTINEL_FIXTURE_ORIGINS);\n};\n');
    fs.writeFileSync(path.join(dir, 'config/config.prod.js'), `module.exports = { io: { init: { origins: [ '${APP_ORIGIN}:443' ] } } };\n`);
    const withListening = async (use: (app: MockApp, url: string, cookie: string) => Promise<void>) => {
      const app = await bootApp(dir);
      try {
        await listen(app, async url => use(app, url, await login(url)));
      } finally {
        await app.close();
      }
    };
    try {
      prod();
      const message = await expectRefused(dir, /SEN613/);
      assert.match(message, /accepts any site: app\.io\.origins\(\) is '\*:\*'; config\.io\.init\.origins \(set in config\/config\.prod\.js\) does not reach it/);
      prod('never');
      await withListening(async (_app, url, cookie) => {
        assert.equal(await handshake(url, EVIL_ORIGIN, cookie), 'uid=alice');
      });
      prod('never');
      mm(process.env, 'SENTINEL_FIXTURE_ORIGINS', `${APP_ORIGIN}:443`);
      await withListening(async (app, url, cookie) => {
        const [ finding ] = reportFindings(app, 'SEN613');
        assert.equal(finding?.severity, 'medium');
        assert.match(finding.message, /accepts sites the app does not name \(https:\/\/xample\.com\): app\.io\.origins\(\) is 'https:\/\/www\.example\.com:443', a string socket\.io searches for <host>:<port>/);
        assert.equal(await handshake(url, 'https://xample.com', cookie), 'uid=alice');
        assert.match(await handshake(url, EVIL_ORIGIN, cookie), /^connect_error/);
      });
      mm(process.env, 'SENTINEL_FIXTURE_ALLOW_REQUEST', 'any');
      await withListening(async (app, url, cookie) => {
        assert.deepEqual(reportFindings(app, 'SEN613').map(({ severity, target, source, message }) => ({ severity, target, source, message })), [{
          severity: 'medium', target: 'config.io.init.allowRequest', source: 'config/config.default.js',
          message: 'egg-socket.io\'s handshake accepts any site: config.io.init.allowRequest, which engine.io asks in place of socket.io\'s origin check, admits ' +
            'https://evil.example, http://evil.example, null, so their pages open a socket with the logged-in user\'s session cookie' }]);
        assert.equal(await handshake(url, EVIL_ORIGIN, cookie), 'uid=alice');
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SEN613: app.io.origins() given an array of the app\'s own origins boots clean in prod; another site\'s handshake is refused, the app\'s own connects; an asynchronous origins function is low, not verified', async () => {
    // SENTINEL_FIXTURE_ASYNC: an origins function answering later, which the boot check cannot ask.
    const dir = socketApp('socket-io-own-origin', 'module.exports = app => {\n  app.io.origins(process.env.SENTINEL_FIXTURE_ASYNC ?\n' +
      `    (origin, fn) => setImmediate(fn, null, origin === '${APP_ORIGIN}') :\n    [ '${APP_ORIGIN}:443' ]);\n};\n`);
    try {
      prod();
      const app = await bootApp(dir);
      try {
        assert.deepEqual(reportFindings(app, 'SEN613'), []);
        await listen(app, async url => {
          const cookie = await login(url);
          assert.match(await handshake(url, EVIL_ORIGIN, cookie), /^connect_error/);
          assert.match(await handshake(url, 'https://xample.com', cookie), /^connect_error/);
          assert.equal(await handshake(url, APP_ORIGIN, cookie), 'uid=alice');
        });
      } finally {
        await app.close();
      }
      prod();
      mm(process.env, 'SENTINEL_FIXTURE_ASYNC', '1');
      const asynchronous = await bootApp(dir);
      try {
        assert.deepEqual(reportFindings(asynchronous, 'SEN613').map(({ severity, message }) => ({ severity, message })), [{ severity: 'low',
          message: 'egg-socket.io\'s handshake origin is not verified: app.io.origins() is a function and it did not answer for https://evil.example while asked ' +
            '(an asynchronous check); if it admits a foreign Origin, any site\'s page opens a socket with the logged-in user\'s cookie' }]);
      } finally {
        await asynchronous.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SEN613: \'*:<port>\' is asked on its port and with a sandboxed page\'s null Origin, an allowRequest bound like socket.io\'s own is the app\'s, an origins function that refuses (with an error) is not verified, `x.com` has no lookalike; the holes are real (code review 27)', async () => {
    // SENTINEL_FIXTURE_ORIGINS: JSON for app.io.origins(), or `suffix`: a function testing a suffix that refuses with an error, as many do.
    const dir = socketApp('socket-io-origins-asked', 'module.exports = app => {\n  const origins = process.env.SENTINEL_FIXTURE_ORIGINS;\n' +
      "  app.io.origins(origins === 'suffix' ? (origin, fn) => (/example\\.com$/.test(origin) ? fn(null, true) : fn(new Error('origin not allowed'))) : JSON.parse(origins));\n};\n");
    const withOrigins = async (origins: unknown, use: (app: MockApp) => Promise<void>) => {
      mm(process.env, 'SENTINEL_FIXTURE_ORIGINS', origins === 'suffix' ? origins : JSON.stringify(origins));
      const app = await bootApp(dir);
      try {
        await use(app);
      } finally {
        await app.close();
      }
    };
    const finding = (app: MockApp) => reportFindings(app, 'SEN613').map(({ severity, target, message }) => ({ severity, target, message }));
    try {
      prod('never');
      await withOrigins('*:80', async app => {
        assert.deepEqual(finding(app), [{ severity: 'medium', target: 'app.io.origins', message: 'egg-socket.io\'s handshake accepts sites the app does not name ' +
          '(http://evil.example, null): app.io.origins() is \'*:80\', so their pages open a socket with the logged-in user\'s session cookie' }]);
        await listen(app, async url => {
          const cookie = await login(url);
          assert.equal(await handshake(url, 'http://evil.example', cookie), 'uid=alice');
          assert.equal(await handshake(url, 'null', cookie), 'uid=alice');
        });
      });
      await withOrigins([ `${APP_ORIGIN}:443`, '*:8080' ], async app => {
        assert.match(finding(app)[0]?.message ?? '', /accepts sites the app does not name \(https:\/\/evil\.example:8080, http:\/\/evil\.example:8080\): app\.io\.origins\(\) is \[ 'https:\/\/www\.example\.com:443', '\*:8080' \], so/);
      });
      // An exact list beside an allowRequest that admits all: engine.io asks only the allowRequest.
      mm(process.env, 'SENTINEL_FIXTURE_ALLOW_REQUEST', 'bound');
      await withOrigins([ `${APP_ORIGIN}:443` ], async app => {
        assert.deepEqual(finding(app).map(({ severity, target }) => ({ severity, target })), [{ severity: 'medium', target: 'config.io.init.allowRequest' }]);
        await listen(app, async url => {
          assert.equal(await handshake(url, EVIL_ORIGIN, await login(url)), 'uid=alice');
        });
      });
      prod();
      await withOrigins('https://x.com:443', async app => {
        assert.deepEqual(finding(app), []);
      });
      await withOrigins('suffix', async app => {
        assert.deepEqual(finding(app), [{ severity: 'low', target: 'app.io.origins', message: 'egg-socket.io\'s handshake origin is not verified: app.io.origins() is a function and ' +
          'it refused https://evil.example, http://evil.example, null, which does not show that it refuses every other site (a suffix or substring test); ' +
          'if it admits a foreign Origin, any site\'s page opens a socket with the logged-in user\'s cookie' }]);
        await listen(app, async url => {
          const cookie = await login(url);
          assert.match(await handshake(url, EVIL_ORIGIN, cookie), /^connect_error/);
          assert.equal(await handshake(url, 'https://evilexample.com', cookie), 'uid=alice');
        });
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SEN613: egg-socket.io enabled under another plugin name is judged too: its default origins refuse boot in prod, and any site\'s page gets the user\'s socket (code review 27)', async () => {
    const dir = socketApp('socket-io-renamed', undefined, 'socketio');
    try {
      await expectDefaultOriginsHole(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
