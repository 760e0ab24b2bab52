'use strict';
/** IPC signing under @eggjs/mock's app(): the agent and the app worker in the test process. */
const assert = require('node:assert');
const { mm } = require('@eggjs/mock');
const { tempApp } = require('./egg3-fixtures');
const { fixture, itRefuses, withApp } = require('./helpers');

/** An app whose config/config.default.js sets `sentinel.ipc` to `ipc`. */
const ipcApp = (name, ipc) => tempApp(name, {
  'config/config.default.js': `module.exports = { keys: 'ipc-rules-Zq8Lw3Rt6Yp1Xc9Vb4Nm7Kd2Hs5Jf0Ga', sentinel: { failOn: 'high', ipc: ${JSON.stringify(ipc)} } };\n`,
});

describe('egg 4: IPC settings refused in prod (SEN501–SEN503, mm.app)', () => {
  afterEach(mm.restore);

  itRefuses([
    {
      rule: 'SEN501', title: 'report mode: bad messages would be delivered', env: 'prod', app: () => ipcApp('ipc-report', { mode: 'report' }),
      expect: [ /bad agent ↔ app messages are delivered, only logged \(ipc\.mode is "report"\)/ ],
    },
    {
      rule: 'SEN502', title: 'a short secret written in a config file (never printed)', env: 'prod', app: () => ipcApp('ipc-secret', { secret: 'hunter2-hunter2' }),
      expect: [ /the IPC secret carries about \d+ bits of entropy \(at least \d+ needed\)(: [^\n]*)? and is written in config\/config\.default\.js, not taken from the environment/, /config\/config\.default\.js/ ],
      hidden: [ 'hunter2-hunter2' ],
    },
    {
      rule: 'SEN503', title: "the cluster-client channel left unauthenticated (egg 4's cluster-client found and protectable)", env: 'prod',
      app: () => ipcApp('ipc-cc-off', { clusterClient: 'off' }),
      expect: [ /the cluster-client leader port accepts any local process \(ipc\.clusterClient is 'off'\)/ ],
    },
  ]);

  it('the default (enforce, a generated secret, cluster-client protected) has no IPC finding in prod', async () => {
    mm.env('prod');
    await withApp(ipcApp('ipc-default', {}), async app => {
      assert.deepEqual(app.sentinel.report.findings.filter(finding => finding.ruleId.startsWith('SEN5')), []);
    });
  });
});

describe('egg 4: IPC signing under mm.app (agent and app in one process)', () => {
  let app;
  let sealedByApp;
  before(async () => {
    app = mm.app({ baseDir: fixture('ipc-app'), cache: false });
    await app.ready();
    // @eggjs/mock 6 means to deliver app → agent messages in-process by assigning a Proxy to app.messenger.send,
    // but egg 4 declares `messenger` as a class field, which shadows the accessor that does it: the app's messages
    // go to process.send (egg-bin's parent) and are lost. Install the delivery it means to, the way it would.
    const appMessenger = app.messenger;
    const agentMessenger = app.agent.messenger;
    appMessenger.send = new Proxy(appMessenger.send, {
      apply(_send, _this, [ action, data, to ]) {
        sealedByApp = { action, data };
        setImmediate(() => (to === 'app' ? appMessenger : agentMessenger).onMessage({ action, data }));
        return appMessenger;
      },
    });
  });
  after(() => app.close());

  for (const via of [ 'sendToAgent', 'send', 'broadcast', 'sendRandom' ]) {
    it(`${via}: a round trip app → agent → app is signed, verified and delivered intact`, async () => {
      const res = await app.httpRequest().get('/ping').query({ via, text: `héllo ${via}` }).expect(200);
      assert.equal(res.body.pong.payload.text, `héllo ${via}`);
      assert.equal(sealedByApp.data.$sentinel, 2, 'the app sent an envelope (wire version 2), not the payload');
    });
  }

  it('counts what both sides sent and accepted, and drops nothing', () => {
    for (const side of [ app, app.agent ]) {
      const stats = side.sentinel.ipc.stats();
      assert.ok(stats.sent >= 4 && stats.accepted >= 4, JSON.stringify(stats));
      assert.deepEqual(Object.values(stats.dropped).filter(Boolean), []);
    }
  });

  it("drops an unsigned message delivered straight to the agent messenger's onMessage", () => {
    const agent = app.agent;
    let delivered = false;
    agent.messenger.once('ipc-test:direct', () => { delivered = true; });
    agent.messenger.onMessage({ action: 'ipc-test:direct', data: { forged: true } });
    assert.equal(delivered, false);
    assert.equal(agent.sentinel.ipc.stats().dropped.unsigned, 1);
  });

  it('a listener gets the very object the sender passed (Buffer, Date, undefined, NaN, -0), both ways (black-box round 28, h101 F3)', async () => {
    for (const [ from, to, send ] of [ [ app.messenger, app.agent.messenger, 'sendToAgent' ], [ app.agent.messenger, app.messenger, 'sendToApp' ] ]) {
      const sent = { buf: Buffer.from('héllo'), date: new Date(0), undef: undefined, nan: NaN, neg0: -0 };
      const received = new Promise(resolve => to.once('ipc-test:typed', resolve));
      from[send]('ipc-test:typed', sent);
      assert.strictEqual(await received, sent, send);
    }
  });

  it('drops a replayed envelope', async () => {
    await app.httpRequest().get('/ping').query({ text: 'once' }).expect(200);
    const before = app.agent.sentinel.ipc.stats();
    app.agent.messenger.onMessage(sealedByApp);
    const after = app.agent.sentinel.ipc.stats();
    assert.equal(after.dropped.replayed, before.dropped.replayed + 1);
    assert.equal(after.accepted, before.accepted);
  });
});
