'use strict';
/** IPC signing under @eggjs/mock's app(): the agent and the app worker in the test process. */
const assert = require('node:assert');
const { mm } = require('@eggjs/mock');
const { fixture } = require('./helpers');

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
      assert.equal(sealedByApp.data.$sentinel, 1, 'the app sent an envelope, not the payload');
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

  it('drops a replayed envelope', async () => {
    await app.httpRequest().get('/ping').query({ text: 'once' }).expect(200);
    const before = app.agent.sentinel.ipc.stats();
    app.agent.messenger.onMessage(sealedByApp);
    const after = app.agent.sentinel.ipc.stats();
    assert.equal(after.dropped.replayed, before.dropped.replayed + 1);
    assert.equal(after.accepted, before.accepted);
  });
});
