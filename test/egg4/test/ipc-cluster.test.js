'use strict';
/**
 * Real processes, real tampering on egg 4: @eggjs/cluster with an agent and 2 app workers. An attacker route in a
 * worker writes raw messages to its IPC channel (any code in a worker can), or captures a real envelope and sends it
 * back altered.
 */
const assert = require('node:assert');
const { fixture, sleep, startMockCluster } = require('./helpers');

describe('egg 4: IPC signing in a real cluster (2 workers + agent, enforce mode)', function() {
  this.timeout(120000);
  let app;
  let agentPid;
  const agentView = async () => (await app.httpRequest().get('/agent-stats').expect(200)).body;
  const capture = async () => (await app.httpRequest().post('/capture').expect(200)).body.captured;
  async function sendRaw(messages) {
    await app.httpRequest().post('/raw').send({ messages }).expect(200);
    await sleep(300);
  }
  /** Each request lands on either worker: ask until both answered. */
  async function bothWorkers(path) {
    const views = new Map();
    for (let i = 0; i < 40 && views.size < 2; i++) {
      const { body } = await app.httpRequest().get(path).expect(200);
      views.set(body.workerId, body);
    }
    assert.equal(views.size, 2, 'both workers answered');
    return [ ...views.values() ];
  }

  before(async () => {
    app = await startMockCluster({ baseDir: fixture('ipc-app'), workers: 2 });
    agentPid = (await agentView()).agentPid;
  });
  after(() => app.close());

  describe('legitimate messages arrive intact', () => {
    const ways = [
      [ 'sendToAgent', { via: 'sendToAgent' } ],
      [ 'send(…, "agent")', { via: 'send' } ],
      [ 'broadcast', { via: 'broadcast' } ],
      [ 'sendRandom from a worker (egg 4 tells workers the agent pid, so it reaches the agent)', { via: 'sendRandom' } ],
      [ 'sendToAgent answered with sendTo(worker id)', { via: 'sendToAgent', replyVia: 'sendTo' } ],
    ];
    for (const [ title, query ] of ways) {
      it(title, async () => {
        const { body } = await app.httpRequest().get('/ping').query({ ...query, text: `ünïcode ${title}` }).expect(200);
        assert.equal(body.pong.payload.text, `ünïcode ${title}`);
        assert.notEqual(body.pong.agentPid, body.appPid);
      });
    }

    it('sendTo(agent pid)', async () => {
      const { body } = await app.httpRequest().get('/ping').query({ via: 'sendTo', agentPid, text: 'to the pid' }).expect(200);
      assert.equal(body.pong.agentPid, agentPid);
    });

    it('sendRandom from the agent reaches one of the workers', async () => {
      const { body } = await app.httpRequest().get('/ping').query({ replyVia: 'sendRandom', wait: 'no' }).expect(200);
      let receivers = [];
      for (let i = 0; i < 10 && !receivers.length; i++) {
        await sleep(100);
        receivers = (await bothWorkers('/stats')).filter(worker => worker.pongIds.includes(body.pong.id));
      }
      assert.equal(receivers.length, 1);
    });

    it('nothing legitimate was dropped, by the agent or the workers', async () => {
      const { stats } = await agentView();
      assert.ok(stats.accepted >= 8, JSON.stringify(stats));
      for (const worker of [ stats, ...(await bothWorkers('/stats')).map(view => view.stats) ]) {
        assert.deepEqual(Object.entries(worker.dropped).filter(([ , n ]) => n), []);
      }
    });
  });

  describe('forged, altered and replayed messages are dropped and counted', () => {
    async function expectDropped(reason, send, forgedId) {
      const before = (await agentView()).stats.dropped[reason];
      await send();
      const after = await agentView();
      assert.equal(after.stats.dropped[reason], before + 1, `${reason}: ${JSON.stringify(after.stats.dropped)}`);
      if (forgedId) assert.ok(!after.received.some(entry => entry.id === forgedId), 'the listener never saw it');
    }

    it('unsigned message with a user action', () => expectDropped('unsigned',
      () => sendRaw([{ action: 'ipc-test:ping', data: { id: 'forged-unsigned', text: 'x' }, to: 'agent' }]), 'forged-unsigned'));

    it('altered payload', async () => {
      const real = await capture();
      real.data.p = real.data.p.replace('captured', 'tampered');
      await expectDropped('bad-mac', () => sendRaw([ real ]));
    });

    it('replayed envelope', async () => {
      const real = await capture();
      await sleep(200);
      await expectDropped('replayed', () => sendRaw([ real ]));
    });

    it('stale timestamp (maxAgeMs 1500 in this fixture)', async () => {
      const real = await capture();
      await sleep(1800);
      await expectDropped('stale', () => sendRaw([ real ]));
    });

    it('a message redirected to the app workers is refused there (wrong receiver)', async () => {
      const real = await capture();
      await sendRaw([{ ...real, to: 'app' }]);
      const workers = await bothWorkers('/stats');
      assert.ok(workers.every(worker => worker.stats.dropped['wrong-receiver'] >= 1), JSON.stringify(workers.map(worker => worker.stats.dropped)));
    });

    it('a forged egg-schedule message does not run the task; the same message signed does', async () => {
      const [ { schedules } ] = await bothWorkers('/stats');
      const key = schedules.find(name => name.includes('forgeable'));
      assert.ok(key, schedules.join(', '));
      await sendRaw([{ action: 'egg-schedule', data: { key, id: 'forged', args: [] }, to: 'app' }]);
      for (const worker of await bothWorkers('/stats')) {
        assert.equal(worker.scheduleRuns, 0);
        assert.ok(worker.stats.dropped.unsigned >= 1);
      }
      // The control: the task key is real, and a message through the messenger (signed) runs it in every worker.
      await app.httpRequest().get('/signed-schedule').query({ key }).expect(200);
      await sleep(300);
      assert.deepEqual((await bothWorkers('/stats')).map(worker => worker.scheduleRuns), [ 1, 1 ]);
    });

    it('forged master-only actions are refused when they come from a worker', async () => {
      await expectDropped('unsigned', () => sendRaw([{ action: 'egg-ready', data: { forged: true }, to: 'agent' }]));
    });
  });
});

describe('egg 4: IPC signing with startMode worker_threads (the agent and 2 workers are threads)', function() {
  this.timeout(120000);
  let app;
  before(async () => {
    app = await startMockCluster({ baseDir: fixture('ipc-app'), workers: 2, startMode: 'worker_threads' });
  });
  after(() => app.close());

  const ways = [
    [ 'sendToAgent answered with sendTo(worker id): egg-cluster addresses a thread by its thread id', { replyVia: 'sendTo' } ],
    [ 'sendRandom from a worker reaches the agent thread', { via: 'sendRandom' } ],
    [ 'broadcast', { via: 'broadcast' } ],
  ];
  for (const [ title, query ] of ways) {
    it(title, async () => {
      const { body } = await app.httpRequest().get('/ping').query({ ...query, text: title }).expect(200);
      assert.equal(body.pong.payload.text, title);
      assert.equal(body.pong.payload.from, body.workerId);
    });
  }

  it('nothing legitimate was dropped', async () => {
    const { stats } = (await app.httpRequest().get('/agent-stats').expect(200)).body;
    assert.ok(stats.accepted >= 3, JSON.stringify(stats));
    assert.deepEqual(Object.entries(stats.dropped).filter(([ , n ]) => n), []);
  });
});
