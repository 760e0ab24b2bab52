import assert from 'node:assert';
import mm from 'egg-mock';
import { fixture } from './helpers';

describe('IPC signing under egg-mock (agent and app in one process)', () => {
  let app: ReturnType<typeof mm.app>;
  before(async () => {
    app = mm.app({ baseDir: fixture('ipc-app'), cache: false });
    await app.ready();
  });
  after(() => app.close());

  for (const via of [ 'sendToAgent', 'send', 'broadcast' ]) {
    it(`${via}: a round trip app → agent → app is signed, verified and delivered intact`, async () => {
      const res = await app.httpRequest().get('/ping').query({ via, text: `héllo ${via}` }).expect(200);
      assert.equal(res.body.pong.payload.text, `héllo ${via}`);
    });
  }

  it('a burst in one turn arrives complete and in order through egg-mock\'s messenger, counted per message', async () => {
    const agent = (app as any).agent;
    const acceptedBefore = agent.sentinel.ipc.stats().accepted;
    // Not sendTo: egg-mock's app() leaves it on egg's IPC messenger, which writes to this test process's channel.
    await app.httpRequest().get('/burst').query({ n: 150, run: 'mock', methods: 'sendToAgent,broadcast' }).expect(200);
    const { body } = await app.httpRequest().get('/agent-stats').expect(200);
    assert.deepEqual(body.bursts.filter((tag: string) => tag.startsWith('mock-')), Array.from({ length: 150 }, (_, i) => `mock-${i}`));
    // 150 burst messages and the stats request: the agent counts messages, not the batches that carried them.
    assert.equal(agent.sentinel.ipc.stats().accepted - acceptedBefore, 151);
  });

  it('counts what it sent and accepted, and drops nothing', async () => {
    const { body } = await app.httpRequest().get('/stats').expect(200);
    assert.ok(body.stats.sent >= 3 && body.stats.accepted >= 3, JSON.stringify(body.stats));
    assert.deepEqual(Object.values(body.stats.dropped).filter(Boolean), []);
  });

  it('drops an unsigned message delivered straight to the agent messenger', async () => {
    const agent = (app as any).agent;
    let delivered = false;
    agent.messenger.once('ipc-test:direct', () => { delivered = true; });
    agent.messenger._onMessage({ action: 'ipc-test:direct', data: { forged: true } });
    assert.equal(delivered, false);
    assert.equal(agent.sentinel.ipc.stats().dropped.unsigned, 1);
  });
});

describe('IPC signing and app lifecycle under egg-mock', () => {
  it('closing an app removes the message listeners egg-sentinel put on the process (repeated boots do not pile up)', async () => {
    const before = process.listenerCount('message');
    for (let boot = 0; boot < 2; boot++) {
      const app = mm.app({ baseDir: fixture('ipc-app'), cache: false });
      await app.ready();
      await app.close();
      assert.equal(process.listenerCount('message'), before, `after boot ${boot + 1}`);
    }
  });
});
