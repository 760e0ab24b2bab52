'use strict';
/**
 * The agent's cluster-client leader port under attack on egg 4: a real cluster (agent + 2 workers), an app that shares
 * an SDK-style client through app.cluster(), and an attacker process that finds the port in the logs and has no
 * secret. cluster-client is the same module (3.7.x) in egg 3 and egg 4; the attacker is the egg 3 suite's.
 */
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { mm } = require('@eggjs/mock');
const { EGG_DIR, fixture, startMockCluster } = require('./helpers');

const ATTACKER = path.join(__dirname, '../../fixtures/attackers/cluster-client.js');

/** Runs the attacker in a clean process (no egg-sentinel loaded); returns what came back. */
function attack(port, mode, method) {
  const run = spawnSync(process.execPath, [ ATTACKER, EGG_DIR, String(port), mode, method ], { encoding: 'utf8', timeout: 20000 });
  const last = run.stdout.trim().split('\n').pop();
  if (!last) throw new Error(`the attacker printed nothing (status ${run.status}): ${run.stderr}`);
  return JSON.parse(last);
}

async function startCluster(protection) {
  mm(process.env, 'CC_TEST_PROTECTION', protection);
  try {
    const app = await startMockCluster({ baseDir: fixture('cc-app'), workers: 2 });
    // Where an attacker finds it: the master logs the port at startup.
    const port = Number(/start with clusterPort:(\d+)/.exec(app.stdout)?.[1]);
    assert.ok(port > 0, 'the cluster port is in the master log');
    return { app, port };
  } finally {
    mm.restore();
  }
}

const calls = async app => (await app.httpRequest().get('/calls').expect(200)).body;

describe('egg 4: cluster-client channel with egg-sentinel (authenticated)', function() {
  this.timeout(120000);
  let app;
  let port;
  before(async () => {
    ({ app, port } = await startCluster('on'));
  });
  after(() => app.close());

  it('invoke works through the authenticated channel from the workers', async () => {
    for (let i = 0; i < 4; i++) {
      const { body } = await app.httpRequest().get('/echo').query({ value: `v${i}` }).expect(200);
      assert.equal(body.value, `v${i}`);
    }
  });

  it('raw TCP without the secret: registration and invoke (public and private) get no answer; nothing runs', async () => {
    const before = await calls(app);
    for (const method of [ 'echo', '_internalSecret' ]) {
      const result = attack(port, 'raw-invoke', method);
      assert.ok(!result.replies?.some(reply => [ 'invoke_result', 'register_channel_res' ].includes(reply.connObj?.type)), JSON.stringify(result));
      assert.ok(result.closedByServer || result.timedOut, JSON.stringify(result));
    }
    assert.deepEqual(await calls(app), before, 'the real client ran nothing');
  });

  it('the leader counts and closes the unauthenticated connections; both workers authenticated', async () => {
    const stats = (await app.httpRequest().get('/leader-stats').expect(200)).body;
    const refused = Object.entries(stats.refused).filter(([ reason ]) => reason !== 'probe').reduce((sum, [ , n ]) => sum + n, 0);
    assert.ok(refused >= 2, JSON.stringify(stats));
    assert.ok(stats.authenticated >= 2, JSON.stringify(stats));
  });
});

describe('egg 4: cluster-client channel without egg-sentinel protection (control: the hole is real)', function() {
  this.timeout(120000);
  let app;
  let port;
  before(async () => {
    ({ app, port } = await startCluster('off'));
  });
  after(() => app.close());

  it('a raw TCP client runs a private method of the real client and reads the result', async () => {
    const result = attack(port, 'raw-invoke', '_internalSecret');
    const invoked = result.replies?.find(reply => reply.connObj?.type === 'invoke_result');
    assert.equal(invoked?.data, 'SECRET', JSON.stringify(result));
    assert.equal((await calls(app)).secret, 1);
  });
});
